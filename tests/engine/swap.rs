//! Graph swaps: an instant takeover keeps module state (oscillator phase) when the
//! topology is unchanged; a topology change crossfades without a click.

use crate::support::engine::{engine, patch, run, SR};
use chronus_modules::analysis::max_step;

use chronus::graph::Takeover;
use std::f32::consts::TAU;

const SINE_VCA: &str = r#"(modules: {
        "osc": (kind: "sine", params: {"freq": 440.0}),
        "vca": (kind: "vca", params: {"gain": 0.5}),
    },
    connections: [("osc.out", "vca.in"), ("vca.out", "output.left")])"#;

/// The largest step a sine of `freq` Hz and amplitude `amp` can make between samples.
fn sine_step(freq: f32, amp: f32) -> f32 {
    TAU * freq / SR * amp
}

#[test]
fn a_param_only_commit_keeps_the_oscillator_phase() {
    let (mut e, mut c) = engine(SINE_VCA);
    let (mut out, _) = run(&mut e, 4_800, 256);
    c.set("vca", "gain", 0.6.into()).unwrap();
    c.commit().unwrap();
    let (after, _) = run(&mut e, 4_800, 256);
    assert!(matches!(e.graph().unwrap().takeover, Takeover::Carry(_)));
    out.extend(after);
    // A phase reset would jump by up to 0.5; a continuing sine never steps more than this.
    let bound = sine_step(440.0, 0.6) * 1.01;
    assert!(max_step(&out) <= bound, "{} > {bound}", max_step(&out));
    // The frequency is unchanged across the swap.
    let f = chronus_modules::analysis::zero_crossing_frequency(&out, SR).unwrap();
    assert!((f - 440.0).abs() < 0.5, "{f}");
}

#[test]
fn adding_an_unconnected_module_keeps_the_oscillator_phase() {
    let (mut e, mut c) = engine(SINE_VCA);
    let (mut out, _) = run(&mut e, 4_800, 256);
    c.create("wobble", "lfo", &[]).unwrap();
    c.commit().unwrap();
    let (after, _) = run(&mut e, 4_800, 256);
    assert!(matches!(e.graph().unwrap().takeover, Takeover::Carry(_)));
    out.extend(after);
    assert!(max_step(&out) <= sine_step(440.0, 0.5) * 1.01);
}

#[test]
fn a_topology_change_crossfades_without_a_click() {
    let (mut e, mut c) = engine(SINE_VCA);
    let (mut out, _) = run(&mut e, 4_811, 256);
    // New topology: a different oscillator straight to the output.
    c.load(patch(
        r#"(modules: {"osc2": (kind: "sine", params: {"freq": 660.0})},
            connections: [("osc2.out", "output.left")])"#,
    ))
    .unwrap();
    let (after, _) = run(&mut e, 4_800, 256);
    assert!(matches!(e.graph().unwrap().takeover, Takeover::Crossfade));
    out.extend(after);
    // During a linear crossfade of length L from a to b the step is at most
    // max(step a, step b) + |b - a| / L, with |b - a| <= 1.5 here and L = 480 samples
    // (10 ms). A hard cut could jump by up to 1.5.
    let bound = sine_step(660.0, 1.0) + 1.5 / 480.0;
    let worst = max_step(&out);
    assert!(worst <= bound * 1.01, "{worst} > {bound}");
    // The old sound is gone after the crossfade: pure 660 Hz at full level.
    let tail = &out[out.len() - 2_400..];
    let f = chronus_modules::analysis::zero_crossing_frequency(tail, SR).unwrap();
    assert!((f - 660.0).abs() < 1.0, "{f}");
    assert!((chronus_modules::analysis::peak(tail) - 1.0).abs() < 0.01);
}

#[test]
fn old_graphs_come_back_to_the_control_side() {
    let (mut e, mut c) = engine(SINE_VCA);
    for i in 0..20 {
        c.set("vca", "gain", (0.1 + i as f64 * 0.01).into())
            .unwrap();
        c.commit().unwrap();
        run(&mut e, 512, 256);
        assert_eq!(c.collect_garbage(), 1, "commit {i}");
    }
    assert_eq!(c.revision(), 21);
}

#[test]
fn a_refused_edit_or_commit_changes_nothing() {
    let (mut e, mut c) = engine(SINE_VCA);
    let (before, _) = run(&mut e, 2_000, 256);
    // A connection closing a loop osc -> vca -> osc: refused as an edit.
    let err = c.connect("vca.out", "osc.freq").unwrap_err().to_string();
    assert_eq!(err, "cycle through modules \"osc\" -> \"vca\" -> \"osc\"");
    assert_eq!(c.standby(), c.running());
    // The same loop in a whole patch: refused by its commit.
    let looped = SINE_VCA.replace(
        "connections: [",
        "connections: [(\"vca.out\", \"osc.freq\"), ",
    );
    let err = c
        .load(crate::support::engine::patch(&looped))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cycle"), "{err}");
    assert!(err.contains("\"osc\"") && err.contains("\"vca\""), "{err}");
    assert_eq!(c.revision(), 1);
    // The sound goes on as before: same frequency and level.
    let (after, _) = run(&mut e, 2_000, 256);
    let f = chronus_modules::analysis::zero_crossing_frequency(&after, SR).unwrap();
    assert!((f - 440.0).abs() < 1.0);
    assert!(
        (chronus_modules::analysis::peak(&after) - chronus_modules::analysis::peak(&before)).abs()
            < 1e-3
    );
    // Neither changed the standby slot.
    assert_eq!(c.standby(), c.running());
}
