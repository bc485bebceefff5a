//! `chronus soak`, short: a few minutes of audio accelerated and a few seconds in real
//! time, each judged by the same invariants as the 10-hour soaks of SOAK.md (no memory
//! growth after the warm-up, no NaN or infinity, no allocation in the audio callback, no
//! panic), with the CSV, the plot and the summary written.

use std::time::Duration;

use crate::support::chronus::chronus_cmd;
use crate::support::process::{Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;

/// Runs `chronus soak` with `args` into a fresh folder; (folder, stdout).
fn soak(test: &str, args: &[&str], limit: Duration) -> (TempDir, String) {
    let dir = TempDir::new(test);
    let out = dir.join("out");
    let mut all = vec!["soak"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().unwrap()]);
    let mut p = Proc::spawn(&format!("chronus {}", all.join(" ")), chronus_cmd(&all));
    let status = p.wait_exit(limit, "the soak's hours");
    let text = p.output.text();
    assert!(status.success(), "{status}\n{text}");
    (dir, p.output.stdout().join("\n"))
}

/// The CSV's rows as maps column → value.
fn rows(dir: &TempDir) -> Vec<std::collections::HashMap<String, f64>> {
    let csv = std::fs::read_to_string(dir.join("out/soak.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(|v| v.parse::<f64>().unwrap()))
                .collect()
        })
        .collect()
}

#[test]
fn accelerated_soak_of_a_generative_piece_keeps_its_invariants() {
    // 0.15 h = 9 minutes of audio (the first 5 are warm-up), a row every 5 s: 108 rows.
    let (dir, stdout) = soak(
        "soak_accelerated",
        &[
            "patches/generative-pulse.ron",
            "--hours",
            "0.15",
            "--seed",
            "3",
        ],
        Duration::from_secs(600),
    );
    assert!(stdout.contains("verdict: pass"), "{stdout}");
    let rows = rows(&dir);
    assert!(rows.len() >= 108, "{} rows", rows.len());
    let last = rows.last().unwrap();
    assert!((last["audio_s"] - 540.0).abs() < 1.0, "{last:?}");
    for key in ["nonfinite", "audio_allocations", "panics"] {
        assert_eq!(last[key], 0.0, "{key}: {last:?}");
    }
    // The traffic reached the engine: messages sent, commits made, voices played.
    assert!(last["messages"] > 1000.0, "{last:?}");
    assert!(rows.iter().any(|r| r["voices"] > 0.0));
    assert!(rows.iter().all(|r| r["rss_kib"] > 0.0));
    let svg = std::fs::read_to_string(dir.join("out/soak.svg")).unwrap();
    assert_eq!(svg.matches("<polyline").count(), 4);
    let summary = std::fs::read_to_string(dir.join("out/summary.txt")).unwrap();
    assert!(summary.contains("growth after warm-up"), "{summary}");
}

#[test]
fn realtime_soak_runs_paced_and_keeps_its_invariants() {
    // 0.002 h = 7.2 s of wall time, a row every second.
    let (dir, stdout) = soak(
        "soak_realtime",
        &[
            "patches/generative-glass.ron",
            "--hours",
            "0.002",
            "--realtime",
            "--sample-every",
            "1",
        ],
        READY_TIMEOUT + Duration::from_secs(10),
    );
    assert!(stdout.contains("verdict: pass"), "{stdout}");
    let rows = rows(&dir);
    assert!(rows.len() >= 5, "{} rows", rows.len());
    let last = rows.last().unwrap();
    // Paced: the audio played is about the wall time (never much more).
    assert!(last["audio_s"] <= last["wall_s"] + 1.0, "{last:?}");
    assert_eq!(last["audio_allocations"], 0.0);
    assert_eq!(last["nonfinite"], 0.0);
}

#[test]
fn soak_refuses_non_positive_hours_in_one_line() {
    let dir = TempDir::new("soak_bad_hours");
    let out = dir.join("out");
    let mut p = Proc::spawn(
        "chronus soak --hours 0",
        chronus_cmd(&[
            "soak",
            "patches/generative-pulse.ron",
            "--hours",
            "0",
            "--out",
            out.to_str().unwrap(),
        ]),
    );
    let status = p.wait_exit(READY_TIMEOUT, "a refusal");
    assert!(!status.success());
    let err = p.output.stderr();
    assert_eq!(
        err,
        vec!["error: --hours 0 must be a positive number".to_string()]
    );
    assert!(!out.exists(), "nothing is written for a refused soak");
}
