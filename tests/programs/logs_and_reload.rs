//! Logs and config reload of `chronus play`: `--log-format json` writes one JSON object per
//! line (`timestamp`, `level`, `event`, fields), parsed line by line; a log file rotates at
//! its size limit keeping `keep` old files; SIGHUP with a changed router mapping makes a
//! MIDI controller (through OSC's `/midi/...` addresses) move another param, and a broken
//! file changes nothing and logs the positioned error. `POST /api/reload` does the same.

use std::time::{Duration, Instant};

use crate::support::chronus::chronus_cmd;
use crate::support::http::{get, http_addr, http_clients_available, post_json};
use crate::support::process::{Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;

#[test]
fn json_logs_are_one_object_per_line() {
    let mut player = Proc::spawn(
        "chronus play",
        chronus_cmd(&[
            "play",
            "patches/generative-pulse.ron",
            "--host",
            "null",
            "--seconds",
            "1.5",
            "--status-interval",
            "0.5",
            "--log-format",
            "json",
        ]),
    );
    let status = player.wait_exit(READY_TIMEOUT, "--seconds 1.5");
    assert!(status.success(), "{}", player.output.text());
    let lines = player.output.stderr();
    assert!(lines.len() >= 4, "{lines:?}");
    let mut events = Vec::new();
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"));
        for key in ["timestamp", "level", "event"] {
            assert!(v.get(key).is_some(), "no {key} in {line}");
        }
        events.push(v["event"].as_str().unwrap().to_string());
    }
    assert!(events.iter().any(|e| e == "commit"), "{events:?}");
    assert!(
        lines.iter().any(|l| l.contains("status: 48000 Hz")),
        "{lines:?}"
    );
}

#[test]
fn the_log_file_rotates_at_its_size_limit() {
    let dir = TempDir::new("log_rotation");
    let log = dir.join("chronus.log");
    let config = dir.join("logging.ron");
    std::fs::write(
        &config,
        format!(
            r#"(logging: (format: "json", level: "debug", file: Some("{}"), max_size_mb: 0.002, keep: 2))"#,
            log.display()
        ),
    )
    .unwrap();
    let mut player = Proc::spawn(
        "chronus play",
        chronus_cmd(&[
            "play",
            "patches/generative-pulse.ron",
            "--host",
            "null",
            "--seconds",
            "3",
            "--status-interval",
            "0.05",
            "--config",
            config.to_str().unwrap(),
        ]),
    );
    let status = player.wait_exit(READY_TIMEOUT, "--seconds 3");
    assert!(status.success(), "{}", player.output.text());
    let limit = (0.002 * 1024.0 * 1024.0) as u64;
    let rotated = [dir.join("chronus.log.1"), dir.join("chronus.log.2")];
    for f in &rotated {
        assert!(f.exists(), "{} was not made", f.display());
        // A file is rotated once it reaches the limit: at most one line over it.
        let size = std::fs::metadata(f).unwrap().len();
        assert!(
            size >= limit && size < limit + 1024,
            "{} is {size} bytes",
            f.display()
        );
    }
    assert!(!dir.join("chronus.log.3").exists(), "keep: 2");
    for f in rotated.iter().chain([&log]) {
        for line in std::fs::read_to_string(f).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(v["event"].is_string(), "{line}");
        }
    }
}

const PATCH: &str = r#"(
    voice: (count: 2, modules: {
        "osc": (kind: "saw"), "vcf": (kind: "lowpass"), "vca": (kind: "vca"),
    }, connections: [("note.freq", "osc.freq"), ("osc.out", "vcf.in"), ("vcf.out", "vca.in"),
        ("vca.out", "output.left"), ("vca.out", "output.right")]),
    connections: [("voices.left", "output.left"), ("voices.right", "output.right")],
)"#;

fn router(target: &str) -> String {
    format!(r#"(router: (ccs: [(cc: 74, action: param(target: "{target}", curve: linear))]))"#)
}

/// The name of the `param` cue a CC 74 (sent through `/api/osc`'s `/midi/cc`) makes.
fn cc_moves(addr: std::net::SocketAddr) -> String {
    let seq = |c: &serde_json::Value| c["seq"].as_u64().unwrap();
    let state: serde_json::Value = serde_json::from_str(&get(addr, "/api/state")).unwrap();
    let before = state["cues"]
        .as_array()
        .unwrap()
        .iter()
        .map(seq)
        .max()
        .unwrap_or(0);
    let (code, answer) = post_json(
        addr,
        "/api/osc",
        r#"{"address": "/midi/cc", "args": [1, 74, 100]}"#,
    );
    assert_eq!(code, 200, "{answer}");
    let end = Instant::now() + READY_TIMEOUT;
    loop {
        let state: serde_json::Value = serde_json::from_str(&get(addr, "/api/state")).unwrap();
        if let Some(cue) = state["cues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "param" && seq(c) > before)
        {
            return cue["name"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < end, "no param cue after CC 74: {state}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sighup_reloads_the_router_and_a_broken_file_changes_nothing() {
    if !http_clients_available(
        "sighup_reloads_the_router_and_a_broken_file_changes_nothing",
        &[],
    ) {
        return;
    }
    let dir = TempDir::new("reload");
    let patch = dir.join("patch.ron");
    std::fs::write(&patch, PATCH).unwrap();
    let config = dir.join("config.ron");
    std::fs::write(&config, router("vcf.cutoff")).unwrap();
    let mut player = Proc::spawn(
        "chronus play",
        chronus_cmd(&[
            "play",
            patch.to_str().unwrap(),
            "--host",
            "null",
            "--seconds",
            "30",
            "--config",
            config.to_str().unwrap(),
            "--http",
            "127.0.0.1:0",
        ]),
    )
    .graceful_on_drop();
    let addr = http_addr(&mut player);
    assert_eq!(cc_moves(addr), "vcf.cutoff");

    // SIGHUP with CC 74 mapped to vcf.q: the same CC now moves the other param.
    std::fs::write(&config, router("vcf.q")).unwrap();
    player.signal("HUP");
    player.wait_output(READY_TIMEOUT, "the reload line", |o| {
        o.text().contains("config reloaded from") && o.text().contains("changed router")
    });
    assert_eq!(cc_moves(addr), "vcf.q");

    // A broken file: the positioned error, and CC 74 still moves vcf.q.
    std::fs::write(
        &config,
        "(router: (ccs: [(cc: 74, action: param(target: \"vcf.q\", curve: wobbly))]))",
    )
    .unwrap();
    player.signal("HUP");
    player.wait_output(READY_TIMEOUT, "the refusal", |o| {
        o.text().contains("config reload refused")
    });
    let text = player.output.text();
    assert!(
        text.contains(&format!("{}:1:", config.display())),
        "no file:line:col in the refusal: {text}"
    );
    assert_eq!(cc_moves(addr), "vcf.q");

    // POST /api/reload: the same, answered in JSON.
    let (code, answer) = post_json(addr, "/api/reload", "");
    assert_eq!(code, 400, "{answer}");
    std::fs::write(&config, router("vcf.cutoff")).unwrap();
    let (code, answer) = post_json(addr, "/api/reload", "");
    assert_eq!(code, 200, "{answer}");
    assert!(
        answer["changed"]
            .as_str()
            .unwrap()
            .contains("changed router"),
        "{answer}"
    );
    assert_eq!(cc_moves(addr), "vcf.cutoff");
}
