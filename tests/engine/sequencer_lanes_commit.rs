//! The sequencer's param lanes (`ambient`, `mutate`) move params on the audio thread. A
//! commit that keeps the `sequence` section keeps the sequencer and what its lanes set; a
//! commit that changes or removes it starts the sequencer afresh (or stops it), and then
//! those params take the new patch's values, carried or crossfaded.

use crate::support::engine::{engine, level_patch, patch, run};

use chronus::control::{SequencerAction, SequencerControl};
use chronus::engine::Engine;

const SEQUENCE: &str = r#"sequence: (bpm: 100, tracks: {"a": (instrument: "voices", pattern: "0 1 2 3")},
                   ambient: {"c.value": 0.25}),"#;

/// `crate::support::engine::level_patch` (4 voices, `c.value` 1.0) with `sequence` as its sequence
/// section (whose ambient profile takes `c.value` to 0.25); `right` also sends the voices
/// to the right channel (a new connection: a crossfading commit).
fn piece(sequence: &str, right: bool) -> String {
    let mut text = level_patch(4);
    if right {
        text = text.replace(
            r#"("v.out", "output.left")]"#,
            r#"("v.out", "output.left"), ("v.out", "output.right")]"#,
        );
    }
    assert_eq!(text.pop(), Some(')'));
    format!("{text}, {sequence})")
}

/// The target of `c.value` in every voice of the running graph.
fn targets(e: &Engine) -> Vec<f32> {
    let g = e.graph().unwrap();
    let node = g.layouts[1]
        .nodes
        .iter()
        .position(|(id, _)| id == "c")
        .unwrap();
    g.instruments[0]
        .voices
        .iter()
        .map(|v| v.program.nodes[node].smoothers[0].target())
        .collect()
}

/// Pushes the palette to 1 (the ambient profile: `c.value` 0.25), then loads `next`;
/// returns `c.value`'s targets a second later.
fn ambient_then_load(next: &str) -> Vec<f32> {
    let (mut e, mut c) = engine(&piece(SEQUENCE, false));
    run(&mut e, 4_800, 64);
    let palette = SequencerAction::Set {
        control: SequencerControl::Palette,
        position: 1.0,
    };
    c.sequencer_action(palette, None).unwrap();
    run(&mut e, 9_600, 64);
    assert!(targets(&e).iter().all(|&t| t == 0.25), "{:?}", targets(&e));
    c.load(patch(next)).unwrap();
    run(&mut e, 48_000, 64);
    targets(&e)
}

#[test]
fn a_commit_that_keeps_the_sequence_keeps_what_its_lanes_set() {
    let t = ambient_then_load(&piece(SEQUENCE, false));
    assert!(t.iter().all(|&t| t == 0.25), "{t:?}");
}

#[test]
fn a_commit_that_changes_the_sequence_gives_its_lanes_the_patch_values() {
    let t = ambient_then_load(&piece(&SEQUENCE.replace("bpm: 100", "bpm: 101"), false));
    assert!(t.iter().all(|&t| t == 1.0), "{t:?}");
}

#[test]
fn a_commit_that_removes_the_sequence_gives_its_lanes_the_patch_values() {
    let t = ambient_then_load(&piece("", false));
    assert!(t.iter().all(|&t| t == 1.0), "{t:?}");
    let t = ambient_then_load(&piece("", true));
    assert!(t.iter().all(|&t| t == 1.0), "crossfaded: {t:?}");
}
