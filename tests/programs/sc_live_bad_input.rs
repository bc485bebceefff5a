//! The live SuperCollider backend's bad input, on the null host (no JACK, no scsynth
//! needed): a SynthDef the config's folder does not have, scsynth missing from PATH, a
//! server address nobody answers at — each is one clear line, and the rest of the patch
//! (a 220 Hz drone in the main graph) keeps playing on the internal engine, recorded.

use std::time::Duration;

use crate::support::chronus::chronus_cmd;
use crate::support::osc::free_port;
use crate::support::process::{Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;
use chronus_modules::analysis::zero_crossing_frequency;

/// A drone in the main graph and a `supercollider` instrument the sequencer plays.
fn patch(backend: &str) -> String {
    format!(
        r#"(
    instruments: {{
        "pad": (count: 2, backend: {backend}, modules: {{"osc": (kind: "sine")}},
            connections: [("note.freq", "osc.freq"), ("osc.out", "output.left")]),
    }},
    modules: {{"tone": (kind: "sine", params: {{"freq": 220.0}}), "vca": (kind: "vca", params: {{"gain": 0.3}})}},
    connections: [("tone.out", "vca.in"), ("vca.out", "output.left"), ("vca.out", "output.right")],
    sequence: (bpm: 120, swing: 0.0, drift: 0.0, density: 1.0,
        tracks: {{"t": (instrument: "pad", division: "1/8", pattern: "0 2 4")}}),
)"#
    )
}

/// Plays `patch` with `config` for `seconds` on the null host, recording; returns the
/// warning and error lines about SuperCollider, and the backend's status line at the stop.
fn play(test: &str, backend: &str, config: &str, seconds: u32) -> (Vec<String>, String) {
    let dir = TempDir::new(test);
    let (p, c, wav) = (dir.join("p.ron"), dir.join("c.ron"), dir.join("out.wav"));
    std::fs::write(&p, patch(backend)).unwrap();
    std::fs::write(&c, config.replace("DIR", &dir.path().display().to_string())).unwrap();
    std::fs::create_dir_all(dir.join("defs")).unwrap();
    let seconds = seconds.to_string();
    let args = [
        "play",
        p.to_str().unwrap(),
        "--config",
        c.to_str().unwrap(),
        "--host",
        "null",
        "--record",
        wav.to_str().unwrap(),
        "--seconds",
        &seconds,
    ];
    let mut player = Proc::spawn(&format!("chronus play ({test})"), chronus_cmd(&args));
    let status = player.wait_exit(READY_TIMEOUT + Duration::from_secs(10), "play --seconds");
    let text = player.output.text();
    assert!(status.success(), "play failed ({status}):\n{text}");
    let lines: Vec<String> = player
        .output
        .stderr()
        .into_iter()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .filter(|l| {
            ["SuperCollider", "SynthDef", "scsynth"]
                .iter()
                .any(|k| l.contains(k))
        })
        .collect();
    let summary = player
        .output
        .stderr()
        .into_iter()
        .rfind(|l| l.contains("INFO") && l.contains("SuperCollider 127.0.0.1"))
        .unwrap_or_default();
    let (sr, channels) = chronus::host::wav::read_wav(&wav).unwrap();
    let left = channels[0][sr as usize / 2..].to_vec();
    let f = zero_crossing_frequency(&left, sr as f32).unwrap_or(0.0);
    assert!(
        (f - 220.0).abs() < 2.0,
        "{test}: the drone should play on at 220 Hz, measured {f:.1} Hz. Output:\n{text}"
    );
    (lines, summary)
}

#[test]
fn a_missing_synthdef_is_one_line_and_the_patch_plays_on() {
    let (lines, _) = play(
        "sc_missing_def",
        r#"(kind: "supercollider", synthdef: "nosuch")"#,
        r#"(supercollider: (synthdefs: "DIR/defs"))"#,
        2,
    );
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].contains("instrument \"pad\": no SynthDef \"nosuch\" in ")
            && lines[0].ends_with("; it plays on the internal engine"),
        "{lines:#?}"
    );
}

#[test]
fn scsynth_missing_from_path_is_one_line_and_the_patch_plays_on() {
    let (lines, _) = play(
        "sc_no_program",
        r#"(kind: "supercollider")"#,
        r#"(supercollider: (program: "chronus-no-such-scsynth"))"#,
        2,
    );
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].contains(
            "the program \"chronus-no-such-scsynth\" is not found on PATH (config `supercollider.program`); its instruments play on the internal engine"
        ),
        "{lines:#?}"
    );
}

#[test]
fn an_unreachable_server_is_one_line_and_the_patch_plays_on() {
    let port = free_port();
    let (lines, _) = play(
        "sc_unreachable",
        r#"(kind: "supercollider")"#,
        &format!(r#"(supercollider: (address: "127.0.0.1:{port}"))"#),
        5,
    );
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].contains(&format!(
            "SuperCollider server 127.0.0.1:{port} did not answer /status within 3s; trying again in 0.5 s"
        )),
        "{lines:#?}"
    );
}

#[test]
fn a_server_that_never_answers_escalates_to_the_error_state_after_max_failures() {
    // Tries at 0 s and (after the 0.5 s backoff) 3.5 s, each given 3 s: the second
    // failure in a row is `max_failures: 2`, at about 6.5 s.
    let port = free_port();
    let (lines, summary) = play(
        "sc_error_state",
        r#"(kind: "supercollider")"#,
        &format!(r#"(supercollider: (address: "127.0.0.1:{port}", max_failures: 2))"#),
        9,
    );
    assert_eq!(
        lines.len(),
        2,
        "one warning for the outage, one error: {lines:#?}"
    );
    assert!(lines[0].contains("WARN"), "{lines:#?}");
    assert!(
        lines[1].contains("ERROR")
            && lines[1].contains(&format!(
                "SuperCollider server 127.0.0.1:{port}: 2 failures in a row (did not answer /status within 3s); its instruments are silent, trying again every 10 s"
            )),
        "{lines:#?}"
    );
    assert!(
        summary.contains(&format!("SuperCollider 127.0.0.1:{port} (running): error;")),
        "the status says error: {summary:?}"
    );
}
