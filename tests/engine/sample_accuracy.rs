//! Every event lands on its exact sample, whatever the block size.

use crate::support::engine::{engine, run};

use chronus::control::NoteTarget;

/// A voice whose output is its gate: the output shows exactly when notes start and stop.
const GATE_PATCH: &str = r#"(
    name: "gate",
    voice: (count: 2, modules: {}, connections: [("note.gate", "output.left"), ("note.velocity", "output.right")]),
    connections: [("voices.left", "output.left"), ("voices.right", "output.right")],
)"#;

#[test]
fn a_note_raises_the_gate_at_exactly_its_sample() {
    for block in [1, 64, 100, 256, 1000] {
        let (mut e, mut c) = engine(GATE_PATCH);
        run(&mut e, 64, 64); // take the graph
        let on = 1_000u64 + 37; // not a multiple of 64
        let off = on + 4_321;
        c.note_on(&NoteTarget::Default, 60, 0.5, Some(on)).unwrap();
        c.note_off(&NoteTarget::Default, 60, Some(off)).unwrap();
        let (l, r) = run(&mut e, 8_000, block);
        // `run` starts at engine time 64.
        let at = |t: u64| (t - 64) as usize;
        assert_eq!(l[at(on) - 1], 0.0, "block {block}: gate early");
        assert_eq!(l[at(on)], 1.0, "block {block}: gate late");
        assert_eq!(r[at(on)], 0.5, "block {block}: velocity");
        assert_eq!(l[at(off) - 1], 1.0, "block {block}: released early");
        assert_eq!(l[at(off)], 0.0, "block {block}: released late");
    }
}

#[test]
fn a_live_param_change_starts_at_its_sample() {
    let (mut e, mut c) = engine(
        r#"(modules: {"k": (kind: "const", params: {"value": 0.0})}, connections: [("k.out", "output.left")])"#,
    );
    run(&mut e, 64, 64);
    c.set_live("k", "value", 1.0.into(), Some(64 + 500))
        .unwrap();
    let (l, _) = run(&mut e, 2_000, 128);
    assert_eq!(l[499], 0.0);
    assert!(l[500] > 0.0, "glide starts at the event's sample");
    assert!(l[500] < 0.1, "and glides (linear smoothing), no jump");
    assert_eq!(l[1_999], 1.0);
}
