//! What is *heard* lands on the session's beat: `chronus play --link --record` of one
//! note per bar (its gate straight to the output), beside the `aalink` peer. Every onset
//! in the recording (an engine sample) is mapped to Link's host time by the test itself —
//! a least-squares line through the raw block stamps `/api/state` reports (`link.block`:
//! a block's first sample and the host time its callback asked at), plus the documented
//! output latency (two 256-frame buffers + 2 ms) — and must fall on the peer's downbeat
//! (phase 0 at quantum 4) within 1 ms. The window starts 3 s after chronus and the peer
//! share one tempo: bars placed before that may be off (seen once: the first bar after
//! the merge 11 ms early, the next ones within 0.02 ms), and the very first note of a
//! patch sounds before the timeline reaches the sequencer (the conductor is swapped in
//! after the block's timeline was handed to the engine), then a bar is skipped.
//!
//! The peer measures in a window with no xrun in it nor in the 3 s before (an xrun
//! moves the stream's schedule: chronus's fit, over its last 512 blocks, is off by up to
//! the xrun's lateness until they have passed; seen: -7 to +3.3 ms measured under load
//! without skipping them, 0.02 ms in calm windows), and says how many windows it
//! skipped for one.
//!
//! This fails if the sequencer's bars are not aligned to the session's quantum, if chronus
//! maps samples to host time differently from its callbacks' clock (a block off is 5.3
//! ms), or if the latency it applies is not the one it documents (12.7 ms). 1 ms is the
//! issue's tolerance; the expected error is the jitter of the callbacks' wake-ups around
//! the two fits (chronus's over its last 512 blocks, the test's over its window), tens of
//! microseconds on an idle machine.

use std::time::Instant;

use super::{ready, Netns};
use crate::support::http::http_addr;
use crate::support::process::{step, READY_TIMEOUT};
use crate::support::temp::TempDir;

/// The first 16th of every bar, 110 BPM, nothing that moves the tempo or the steps.
const BAR_PATCH: &str = r#"(
    instruments: { "a": (count: 1, connections: [("note.gate", "output.left")]) },
    connections: [("a.left", "output.left")],
    sequence: (
        bpm: 110, swing: 0.0, density: 1.0, drift: 0.0,
        tracks: { "t": (instrument: "a", pattern: "0 . . . . . . . . . . . . . . .", gate: 0.5) },
        mutation: (max_changes_per_cycle: 0),
        idle: (timeout: 0),
    ),
)"#;

const SR: f64 = 48_000.0;
/// The output latency chronus documents for the null host's 256-frame buffer (µs).
const LATENCY_US: f64 = 2.0 * 256.0 / SR * 1e6 + 2_000.0;
const QUANTUM: f64 = 4.0;

/// Engine samples where the left channel rises from silence.
fn onsets(wav: &std::path::Path) -> Vec<u64> {
    let mut r = hound::WavReader::open(wav).unwrap_or_else(|e| panic!("{}: {e}", wav.display()));
    let spec = r.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate),
        (2, SR as u32),
        "{spec:?}"
    );
    let left: Vec<f32> = r.samples::<f32>().step_by(2).map(|s| s.unwrap()).collect();
    let mut quiet = 0;
    let mut out = Vec::new();
    for (i, x) in left.iter().enumerate() {
        if x.abs() > 1e-3 && quiet >= 100 {
            out.push(i as u64);
        }
        quiet = if x.abs() < 1e-4 { quiet + 1 } else { 0 };
    }
    out
}

/// Least-squares `host = a + b·sample` through the stamps.
fn fit(stamps: &[(f64, f64)]) -> (f64, f64) {
    let n = stamps.len() as f64;
    let (ms, mh) = stamps
        .iter()
        .fold((0.0, 0.0), |(s, h), (x, y)| (s + x / n, h + y / n));
    let (sxy, sxx) = stamps.iter().fold((0.0, 0.0), |(sxy, sxx), (x, y)| {
        (sxy + (x - ms) * (y - mh), sxx + (x - ms) * (x - ms))
    });
    let b = sxy / sxx;
    (mh - b * ms, b)
}

#[test]
fn the_sequencers_bars_are_heard_on_the_sessions_downbeat() {
    if !ready("link_heard") {
        return;
    }
    let Some(ns) = Netns::new("heard") else {
        return;
    };
    let t = Instant::now();
    let dir = TempDir::new("link_heard");
    let wav = dir.join("heard.wav");
    let wav_arg = wav.display().to_string();
    let mut chronus = ns.chronus_with(&dir, 1, BAR_PATCH, &["--record", &wav_arg]);
    let http = http_addr(&mut chronus);
    chronus.wait_output(READY_TIMEOUT, "Link joined", |o| {
        o.stderr()
            .iter()
            .any(|l| l.contains("Ableton Link: joined"))
    });
    let out = ns.peer(&["heard", &http.port().to_string(), "0"]);
    step(t, "the peer collected the stamps and its beats");
    chronus.signal("INT");
    let status = chronus.wait_exit(READY_TIMEOUT, "chronus after SIGINT");
    assert!(status.success(), "{}", chronus.output.text());
    for l in chronus.output.stderr() {
        if l.contains("stopped after") || l.contains("xrun") {
            eprintln!("chronus: {l}");
        }
    }
    let pairs = |key: &str| -> Vec<(f64, f64)> {
        out[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key}: {out}"))
            .iter()
            .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect()
    };
    // An xrun moves the stream's schedule, and chronus's host-time fit takes its 512
    // blocks (2.7 s) to follow: the peer measured in a window with none in it nor in the
    // 3 s before, and says how many windows it skipped for one.
    eprintln!(
        "xruns {}, windows skipped for an xrun {}",
        out["xruns"], out["windows_with_xruns"]
    );
    assert_eq!(
        out["calm"], true,
        "an xrun in every window: {}",
        out["xruns"]
    );
    let stamps = pairs("stamps");
    let beats = pairs("beats");
    let tempo = out["tempo"].as_f64().unwrap();
    assert!(stamps.len() >= 50, "{} stamps", stamps.len());
    let (a, b) = fit(&stamps);
    // The engine's samples run at 48 kHz on Link's clock (µs a sample, ±1%).
    assert!((b - 1e6 / SR).abs() < 0.01 * 1e6 / SR, "{b} µs a sample");
    let (first, last) = (stamps[0].0 as u64, stamps[stamps.len() - 1].0 as u64);
    let heard: Vec<u64> = onsets(&wav)
        .into_iter()
        .filter(|s| (first..=last).contains(s))
        .collect();
    // The window is 3 s: at 110 BPM, a bar every 2.18 s.
    assert!(!heard.is_empty(), "no onset in samples {first}..={last}");
    let mut errors = Vec::new();
    for s in &heard {
        let host = a + b * *s as f64 + LATENCY_US;
        // The peer's beat there, from its reading nearest in time (one tempo throughout).
        let (t0, beat0) = beats
            .iter()
            .min_by(|x, y| (x.0 - host).abs().total_cmp(&(y.0 - host).abs()))
            .copied()
            .unwrap();
        let beat = beat0 + (host - t0) / 60e6 * tempo;
        let off = (beat + QUANTUM / 2.0).rem_euclid(QUANTUM) - QUANTUM / 2.0;
        errors.push(off * 60_000.0 / tempo);
    }
    eprintln!(
        "onsets heard at {:?} ms from the session's downbeat (samples {heard:?})",
        errors
            .iter()
            .map(|e| (e * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>()
    );
    for e in &errors {
        assert!(
            e.abs() < 1.0,
            "an onset {e:.3} ms from the session's downbeat: {errors:?}"
        );
    }
}
