//! The sequencer's param lanes on a `supercollider` instrument's template params, in a
//! render on scsynth: the ambient profile glides `vca.gain` from 0.3 to 0.03 once
//! the piece has been idle for 1 s; the score carries it as `/n_set` of the
//! instrument's voices, so the held note drops by 20 dB on scsynth as it does on
//! Chronus's engine.

use crate::support::compare::rms_db;
use crate::support::process::programs_available;
use crate::support::temp::TempDir;

use super::supercollider_render::{render_with, SR};

/// A sine voice at `vca.gain` 0.3 played by scsynth, one note held for 8 s from the
/// start; idle after 1 s, the ambient profile fades `vca.gain` to 0.03 over 0.5 s.
const PATCH: &str = r#"(
    instruments: {
        "pad": (count: 2, backend: (kind: "supercollider"), modules: {
            "osc": (kind: "sine"), "vca": (kind: "vca", params: {"gain": 0.3}),
        }, connections: [("note.freq", "osc.freq"), ("osc.out", "vca.in"),
            ("vca.out", "output.left"), ("vca.out", "output.right")]),
    },
    connections: [("pad.left", "output.left"), ("pad.right", "output.right")],
    sequence: (bpm: 60, swing: 0.0, drift: 0.0, density: 1.0, scale: "chromatic", root: 69,
        tracks: {"t": (instrument: "pad", division: "1/1", pattern: "0 . . .", gate: 2.0)},
        ambient: {"vca.gain": 0.03},
        idle: (timeout: 1.0, fade_in: 0.5, fade_out: 0.8, exit_after: 1.0,
            ambient: (density: 1.0, tempo_scale: 1.0, scale: "chromatic"))),
)
"#;

#[test]
fn an_ambient_lane_on_a_supercollider_instruments_param_reaches_scsynth_offline() {
    if !programs_available("supercollider_lanes", &["scsynth"]) {
        return;
    }
    let dir = TempDir::new("sc_lanes");
    let file = dir.join("lanes.ron");
    std::fs::write(&file, PATCH).unwrap();
    let file = file.to_str().unwrap();
    let level =
        |x: &[f64], (from, to): (f64, f64)| rms_db(&x[(from * SR) as usize..(to * SR) as usize]);
    let (before, after) = ((0.2, 0.9), (1.7, 2.5));
    let mut drops = Vec::new();
    for engine in ["internal", "supercollider"] {
        let x = render_with(&dir, file, engine, 2.6, vec![]);
        let (a, b) = (level(&x, before), level(&x, after));
        eprintln!("{engine}: {a:.2} dB before, {b:.2} dB after the lane");
        // A sine at 0.3: −13.5 dBFS.
        assert!(
            (a - 20.0 * (0.3f64 / 2f64.sqrt()).log10()).abs() < 0.5,
            "{engine}: {a}"
        );
        drops.push(a - b);
    }
    eprintln!(
        "drop: internal {:.2} dB, scsynth {:.2} dB",
        drops[0], drops[1]
    );
    assert!((drops[0] - 20.0).abs() < 0.5, "internal: {} dB", drops[0]);
    assert!(
        (drops[1] - drops[0]).abs() <= 0.5,
        "the lane moved scsynth's voice by {} dB, the engine's by {} dB",
        drops[1],
        drops[0]
    );
}
