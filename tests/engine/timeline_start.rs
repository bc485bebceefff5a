//! A sequencer that starts while an outside timeline (a Link session) is followed plays
//! its first note on the timeline's grid: the engine hands the timeline its last block was
//! given to the sequencer swapped in during that block (it used to play that block on its
//! own clock: a note at sample 0, off the session's grid, and then nothing until the
//! timeline's next bar).

use chronus::seq::Timeline;

use crate::support::engine::{engine, SR};

/// The gate of every sixteenth on the left output.
const PATCH: &str = r#"(
    instruments: { "a": (count: 1, connections: [("note.gate", "output.left")]) },
    connections: [("a.left", "output.left")],
    sequence: (
        bpm: 120, swing: 0.0, density: 1.0, drift: 0.0,
        tracks: { "t": (instrument: "a", pattern: "0 0 0 0", gate: 0.5) },
        mutation: (max_changes_per_cycle: 0),
        idle: (timeout: 0),
    ),
)"#;

#[test]
fn the_first_sequencer_starts_on_the_timelines_grid() {
    // The timeline at 120 BPM, beat 1.3 at sample 0: its next bar (beat 4) is 2.7 beats
    // (64,800 samples) in.
    let per_beat = SR as f64 * 60.0 / 120.0;
    let at = |sample: u64| Timeline {
        beat: 1.3 + sample as f64 / per_beat,
        bpm: 120.0,
        quantum: 4.0,
    };
    let (mut e, _control) = engine(PATCH);
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    let mut heard = Vec::new();
    for _ in 0..400 {
        e.set_timeline(Some(at(e.sample_time())));
        e.process(&mut l, &mut r);
        heard.extend_from_slice(&l);
    }
    let first = heard.iter().position(|x| x.abs() > 1e-3).expect("a note");
    let bar = (2.7 * per_beat).round() as usize;
    // On a sixteenth of the timeline's grid, not before the sequencer joined it.
    let sixteenth = per_beat / 4.0;
    let off_grid = ((first as f64 - bar as f64) / sixteenth).fract().abs();
    assert!(
        !(1e-6..=1.0 - 1e-6).contains(&off_grid),
        "first note at sample {first}: off the timeline's sixteenths (bar at {bar})"
    );
    assert!(first > 0, "the first note waits for the timeline's grid");
}
