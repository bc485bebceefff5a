//! The main output's safety limiter (`limit`) on scsynth: the same patch rendered by
//! Chronus's engine and by a real `scsynth -N` (`render --engine supercollider`), driven
//! 12 dB over its ceiling by a loud note, then a quiet note while the gain recovers. Each
//! window's level agrees within 0.1 dB, the two waveforms within −40 dB of each other,
//! and neither goes over the ceiling.

use crate::support::compare::rms_db;
use crate::support::process::programs_available;
use crate::support::temp::TempDir;

use super::supercollider_render::{render_with, SR};

/// A sine voice at the note's velocity, the main volume at 2 and the ceiling at −6 dBFS
/// (0.5): a note at velocity 1 peaks at 2, 12 dB over.
const PATCH: &str = r#"(
    volume: 2.0,
    limit: -6.0,
    voice: (
        modules: {"osc": (kind: "sine"), "vca": (kind: "vca")},
        connections: [
            ("note.freq", "osc.freq"), ("osc.out", "vca.in"), ("note.velocity", "vca.cv"),
            ("vca.out", "output.left"), ("vca.out", "output.right"),
        ],
    ),
    connections: [("voices.left", "output.left"), ("voices.right", "output.right")],
)
"#;

/// The loud note (limited), then a quiet one under the ceiling heard through the release.
const NOTES: &str = "69@0.2:0.5:1.0,69@0.8:0.6:0.2";

/// The windows compared (seconds): the loud note, then the quiet one as the gain recovers.
const WINDOWS: [(f64, f64); 4] = [(0.25, 0.65), (0.81, 0.9), (0.9, 1.1), (1.1, 1.39)];

fn left(dir: &TempDir, file: &str, engine: &str) -> Vec<f64> {
    // Both channels are the same here: the mono sum is the left channel.
    render_with(dir, file, engine, 1.5, vec!["--notes", NOTES])
}

#[test]
fn the_output_limit_sounds_the_same_on_scsynth() {
    if !programs_available("supercollider_limit", &["scsynth"]) {
        return;
    }
    let dir = TempDir::new("sc_limit");
    let file = dir.join("limited.ron");
    std::fs::write(&file, PATCH).unwrap();
    let file = file.to_str().unwrap();
    let (a, b) = (
        left(&dir, file, "internal"),
        left(&dir, file, "supercollider"),
    );
    let ceiling = 10f64.powf(-6.0 / 20.0);
    for (name, x) in [("internal", &a), ("scsynth", &b)] {
        let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(peak <= ceiling + 1e-6, "{name}: peak {peak} over {ceiling}");
    }
    let at = |t: f64| (t * SR) as usize;
    for (from, to) in WINDOWS {
        let (wa, wb) = (&a[at(from)..at(to)], &b[at(from)..at(to)]);
        let (la, lb) = (rms_db(wa), rms_db(wb));
        let diff: Vec<f64> = wa.iter().zip(wb).map(|(x, y)| x - y).collect();
        let apart = rms_db(&diff) - la;
        eprintln!(
            "{from}–{to} s: internal {la:.3} dB, scsynth {lb:.3} dB, difference {apart:.1} dB"
        );
        assert!(
            (lb - la).abs() <= 0.1,
            "{from}–{to} s: {lb:.3} dB on scsynth, {la:.3} dB internally"
        );
        assert!(
            apart <= -40.0,
            "{from}–{to} s: waveforms {apart:.1} dB apart"
        );
    }
    // The limiter is engaged: unlimited, the loud note would be 12 dB louder.
    let loud = rms_db(&a[at(WINDOWS[0].0)..at(WINDOWS[0].1)]);
    assert!(
        (loud - (20.0 * (ceiling / 2f64.sqrt()).log10())).abs() < 0.1,
        "{loud}"
    );
}
