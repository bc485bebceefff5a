//! `chronus bench`: the JSON report's fields and their types (never its timings), and the
//! table's rows.

use std::process::Command;

use crate::support::chronus::{CHRONUS, ROOT};
use serde_json::Value;

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(CHRONUS)
        .arg("bench")
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("chronus runs")
}

fn number(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("`{key}` is a number: {v}"))
}

#[test]
fn json_has_every_field_with_its_type() {
    let out = bench(&["--json", "--seconds", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.trim().lines().count(),
        1,
        "one JSON object: {stdout}"
    );
    let v: Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    let object = v.as_object().expect("an object");
    for key in [
        "patch",
        "sample_rate",
        "block",
        "seconds",
        "voices",
        "realtime_factor",
        "ns_per_sample",
        "voices_at_50_percent",
        "fit",
        "scaling",
        "allocations",
        "deallocations",
        "peak_rss_bytes",
    ] {
        assert!(object.contains_key(key), "missing `{key}`: {stdout}");
    }
    assert!(v["patch"].as_str().unwrap().contains("poly-subtractive"));
    assert_eq!(v["sample_rate"].as_u64(), Some(48_000));
    assert_eq!(v["block"].as_u64(), Some(64));
    assert_eq!(number(&v, "seconds"), 1.0);
    assert_eq!(v["voices"].as_u64(), Some(8));
    assert!(number(&v, "realtime_factor") > 0.0);
    assert!(number(&v, "ns_per_sample") > 0.0);
    assert!(number(&v, "voices_at_50_percent") >= 0.0);
    number(&v["fit"], "base_ns_per_sample");
    number(&v["fit"], "slope_ns_per_sample");
    let scaling = v["scaling"].as_array().expect("scaling is a list");
    let voices: Vec<u64> = scaling
        .iter()
        .map(|p| p["voices"].as_u64().unwrap())
        .collect();
    assert_eq!(voices, [1, 8, 32]);
    for p in scaling {
        assert!(number(p, "ns_per_sample") > 0.0);
    }
    assert_eq!(v["allocations"].as_u64(), Some(0), "{stdout}");
    assert_eq!(v["deallocations"].as_u64(), Some(0), "{stdout}");
    if cfg!(target_os = "linux") {
        assert!(v["peak_rss_bytes"].as_u64().unwrap() > 0);
    } else {
        assert!(v["peak_rss_bytes"].is_null() || v["peak_rss_bytes"].is_u64());
    }
}

#[test]
fn a_patch_without_voices_has_no_scaling() {
    let out = bench(&["patches/sine-test-tone.ron", "--json", "--seconds", "0.5"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["patch"].as_str(), Some("patches/sine-test-tone.ron"));
    assert_eq!(v["voices"].as_u64(), Some(0));
    assert!(v["voices_at_50_percent"].is_null());
    assert!(v["fit"].is_null());
    assert_eq!(v["scaling"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["allocations"].as_u64(), Some(0));
}

#[test]
fn the_table_names_every_figure() {
    let out = bench(&["--seconds", "0.5"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    for row in [
        "real-time factor",
        "ns per sample",
        "voices at 50% of a core",
        "32 voices",
        "allocations               0",
        "deallocations             0",
        "peak RSS",
    ] {
        assert!(table.contains(row), "no `{row}` in:\n{table}");
    }
    // No progress bar when stderr is not a terminal.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bad_seconds_and_missing_patches_are_refused() {
    let out = bench(&["--seconds", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--seconds"));
    let out = bench(&["no/such/patch.ron"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/patch.ron"));
}
