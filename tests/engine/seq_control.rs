//! The controller's sequencer side in process: semantic actions map their 0..1 position
//! onto each control's range, bad values and patches without a sequence are refused
//! with one line and change nothing, and the engine applies everything with every
//! `Engine::process` call under `assert_no_alloc`.

use crate::support::engine::{engine, SR};

use assert_no_alloc::assert_no_alloc;
// assert_no_alloc checks in debug builds only: its default `disable_release` feature makes
// `assert_no_alloc` a no-op in release builds, without `AllocDisabler` or the counter.
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::control::{ControlError, Controller, SequencerAction, SequencerControl};
use chronus::engine::Engine;
use chronus::patch::ScaleKind;
use chronus::seq::SeqCommand;

const PIECE: &str = r#"(
    voice: (count: 4, modules: {"env": (kind: "adsr")}, connections: [("note.gate", "env.gate"), ("env.out", "output.left")]),
    connections: [("voices.left", "output.left")],
    sequence: (
        bpm: 100, drift: 0.0, scales: ["minor", "dorian", "lydian"],
        tracks: {
            "a": (instrument: "voices", pattern: "0 1 2 3"),
            "b": (instrument: "voices", euclid: (k: 3, n: 8), octave: -1),
        },
        mutate: ["env.sustain"],
        ambient: {"env.release": 2.0},
    ),
)"#;

/// Runs `seconds` under assert_no_alloc in 256-frame blocks.
fn play(e: &mut Engine, seconds: f32) {
    let mut l = [0.0f32; 256];
    let mut r = [0.0f32; 256];
    for _ in 0..(seconds * SR / 256.0) as usize {
        assert_no_alloc(|| e.process(&mut l, &mut r));
    }
}

fn set(c: &mut Controller, control: SequencerControl, position: f32) -> Result<(), ControlError> {
    c.sequencer_action(SequencerAction::Set { control, position }, None)
}

#[test]
fn positions_map_onto_each_controls_range() {
    #[cfg(debug_assertions)]
    reset_violation_count();
    let (mut e, mut c) = engine(PIECE);
    play(&mut e, 0.1);
    let s = c.sequencer_state().unwrap();
    assert_eq!(
        (s.bpm, s.scale, s.density, s.ambient),
        (100.0, ScaleKind::Minor, 0.85, false)
    );
    set(&mut c, SequencerControl::Tempo, 0.5).unwrap(); // 20 + 0.5 · 280
    set(&mut c, SequencerControl::Density, 0.25).unwrap();
    set(&mut c, SequencerControl::ScaleSelect, 0.99).unwrap(); // the last of 3
    play(&mut e, 2.0); // past the next bar
    let s = c.sequencer_state().unwrap();
    assert_eq!(
        (s.bpm, s.density, s.scale),
        (160.0, 0.25, ScaleKind::Lydian)
    );
    set(&mut c, SequencerControl::ScaleSelect, 0.4).unwrap(); // the middle one
    set(&mut c, SequencerControl::Mode, 0.9).unwrap(); // always ambient
    play(&mut e, 2.0);
    let s = c.sequencer_state().unwrap();
    assert!(s.ambient, "mode 0.9 is the ambient profile");
    assert_eq!(
        s.scale,
        ScaleKind::Pentatonic,
        "ambient plays the config's airy scale"
    );
    set(&mut c, SequencerControl::Mode, 0.1).unwrap(); // always active
    play(&mut e, 2.0);
    let s = c.sequencer_state().unwrap();
    assert!(!s.ambient);
    assert_eq!(
        s.scale,
        ScaleKind::Dorian,
        "the active profile's scale is back"
    );
    for control in [
        SequencerControl::Swing,
        SequencerControl::SequenceLength,
        SequencerControl::ChaosLock,
        SequencerControl::Palette,
        SequencerControl::Drift,
    ] {
        set(&mut c, control, 1.0).unwrap();
        set(&mut c, control, 0.0).unwrap();
    }
    c.sequencer_action(
        SequencerAction::TriggerStep {
            index: 2,
            velocity: 1.0,
        },
        None,
    )
    .unwrap();
    c.sequencer_command(
        SeqCommand::Euclid {
            track: 1,
            k: 5,
            n: 8,
            rotation: 1,
        },
        None,
    )
    .unwrap();
    c.sequencer_command(SeqCommand::Stop, None).unwrap();
    play(&mut e, 0.5);
    assert!(!c.sequencer_state().unwrap().playing);
    c.sequencer_command(SeqCommand::Start, None).unwrap();
    play(&mut e, 0.5);
    assert!(c.sequencer_state().unwrap().playing);
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation on the audio thread");
}

#[test]
fn bad_values_and_patches_without_a_sequence_are_refused() {
    let (mut e, mut c) = engine(PIECE);
    play(&mut e, 0.1);
    let err = set(&mut c, SequencerControl::Tempo, 1.5).unwrap_err();
    assert_eq!(err.to_string(), "position 1.5 is out of range 0 .. 1");
    let err = set(&mut c, SequencerControl::Swing, f32::NAN).unwrap_err();
    assert!(err.to_string().contains("out of range 0 .. 1"), "{err}");
    let err = c
        .sequencer_command(
            SeqCommand::Euclid {
                track: 2,
                k: 3,
                n: 8,
                rotation: 0,
            },
            None,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "track 2 does not exist (the sequence has 2)"
    );
    let err = c
        .sequencer_command(SeqCommand::Bpm(10.0), None)
        .unwrap_err();
    assert_eq!(err.to_string(), "bpm 10 is out of range 20 .. 300");
    play(&mut e, 0.2);
    assert_eq!(c.sequencer_state().unwrap().bpm, 100.0, "nothing changed");

    let (mut e, mut c) = engine(r#"(modules: {}, connections: [])"#);
    play(&mut e, 0.1);
    for result in [
        set(&mut c, SequencerControl::Density, 0.5),
        c.sequencer_command(SeqCommand::Start, None),
        c.sequencer_state().map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(ControlError::NoSequencer)),
            "{result:?}"
        );
    }
    assert_eq!(
        ControlError::NoSequencer.to_string(),
        "the running patch has no sequence section, so there is no sequencer to control; \
         add a `sequence: (...)` section to the patch, or route this control elsewhere in the \
         config"
    );
}

#[test]
fn interaction_wakes_the_idle_mode_and_mutation_runs_allocation_free() {
    #[cfg(debug_assertions)]
    reset_violation_count();
    let piece = PIECE.replace(
        "ambient: {",
        "idle: (timeout: 1.0, fade_in: 0.5, fade_out: 0.2), mutation: (min_interval: 1, max_interval: 2, max_changes_per_cycle: 3), ambient: {",
    );
    let (mut e, mut c) = engine(&piece);
    play(&mut e, 1.5);
    assert!(c.sequencer_state().unwrap().ambient, "idle after 1 s");
    // A note from outside wakes it at once.
    c.note_on(&chronus::control::NoteTarget::Default, 60, 0.5, None)
        .unwrap();
    play(&mut e, 0.1);
    assert!(!c.sequencer_state().unwrap().ambient, "a note wakes it");
    play(&mut e, 20.0);
    let mut mutations = 0;
    while let Some(cue) = c.pop_cue() {
        mutations += matches!(cue, chronus::seq::Cue::Mutation(_)) as usize;
    }
    assert!(
        mutations >= 10,
        "{mutations} mutations in 20 s at 1-2 s intervals"
    );
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation on the audio thread");
}

#[test]
fn a_bad_sequencer_config_is_refused_and_changes_nothing() {
    let (_e, mut c) = engine(PIECE);
    let bad = chronus::seq::SequencerConfig {
        density: 1.5,
        ..Default::default()
    };
    let err = c.set_sequencer_config(bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "sequencer.density 1.5 is out of range 0 .. 1"
    );
    assert_eq!(
        c.sequencer_config(),
        &chronus::seq::SequencerConfig::default()
    );
}

/// A piece whose scale changes land at once and that does not mutate or idle within the
/// test, so a live edit and the same value loaded from a file play alike from the start.
const EDITABLE: &str = r#"(
    voice: (count: 8, modules: {"osc": (kind: "sine"), "env": (kind: "adsr", params: {"attack": 0.001, "release": 0.05}), "amp": (kind: "vca")},
        connections: [("note.freq", "osc.freq"), ("note.gate", "env.gate"), ("osc.out", "amp.in"), ("env.out", "amp.cv"), ("amp.out", "output.left")]),
    connections: [("voices.left", "output.left")],
    sequence: (
        bpm: 100, drift: 0.0, quantize: "immediate",
        tracks: {
            "a": (instrument: "voices", pattern: "0 1 2 3", probability: 0.8),
            "b": (instrument: "voices", euclid: (k: 3, n: 8), degrees: [0, 2], octave: -1),
        },
    ),
)"#;

/// Stops the sequencer, sends `edits`, starts it again, and renders `seconds` (left
/// channel).
fn replay(e: &mut Engine, c: &mut Controller, edits: &[SeqCommand], seconds: f32) -> Vec<f32> {
    for cmd in [SeqCommand::Stop]
        .iter()
        .chain(edits)
        .chain(&[SeqCommand::Start])
    {
        c.sequencer_command(*cmd, None).unwrap();
    }
    crate::support::engine::run(e, (seconds * SR) as usize, 256).0
}

#[test]
fn a_piece_saved_after_live_edits_plays_what_was_heard() {
    let edits = [
        SeqCommand::Bpm(133.0),
        SeqCommand::Swing(0.3),
        SeqCommand::Density(0.6),
        SeqCommand::Root(55),
        SeqCommand::Scale(ScaleKind::Dorian),
        SeqCommand::Step {
            track: 0,
            index: 2,
            degree: 6,
            velocity: 0.4,
            probability: 1.0,
        },
        SeqCommand::Euclid {
            track: 1,
            k: 5,
            n: 12,
            rotation: 1,
        },
        SeqCommand::Length(6),
        SeqCommand::Drift(0.1),
        SeqCommand::ChaosLock(true),
    ];
    let (mut live, mut c) = engine(EDITABLE);
    let heard = replay(&mut live, &mut c, &edits, 6.0);

    // What `/patch/save` writes, read back as a file is.
    let saved = chronus::patch::to_ron(&c.running_as_played());
    let (mut reloaded, mut c2) = engine(&saved);
    let played = replay(&mut reloaded, &mut c2, &[], 6.0);
    assert!(heard.iter().any(|x| x.abs() > 0.01), "the piece plays");
    let first = heard
        .iter()
        .zip(&played)
        .position(|(a, b)| a.to_bits() != b.to_bits());
    assert_eq!(
        first, None,
        "the saved piece differs from sample {first:?}:\n{saved}"
    );

    // The loaded piece, unedited, sounds different: the edits are what the file holds.
    let (mut original, mut c3) = engine(EDITABLE);
    assert_ne!(replay(&mut original, &mut c3, &[], 6.0), heard);
}

#[test]
fn saved_edits_follow_the_engine_across_commits_and_the_router() {
    let (mut e, mut c) = engine(EDITABLE);
    let saved_density = |c: &Controller| c.running_as_played().sequence.unwrap().density;
    c.sequencer_command(SeqCommand::Density(0.3), None).unwrap();
    // Through the router's sequencer controls too: tempo at position 0.5 is 160 BPM.
    set(&mut c, SequencerControl::Tempo, 0.5).unwrap();
    play(&mut e, 0.5);
    assert_eq!(saved_density(&c), Some(0.3));
    assert_eq!(c.running_as_played().sequence.unwrap().bpm, Some(160.0));

    // A commit that keeps the section keeps the live state, in the engine and the file.
    c.load(crate::support::engine::patch(EDITABLE)).unwrap();
    play(&mut e, 0.5);
    assert_eq!(c.sequencer_state().unwrap().density, 0.3);
    assert_eq!(saved_density(&c), Some(0.3));

    // Another section, then the first again: the engine starts it from its file, and so
    // does what /patch/save writes.
    c.load(crate::support::engine::patch(
        &EDITABLE.replace("bpm: 100", "bpm: 90"),
    ))
    .unwrap();
    play(&mut e, 0.5);
    c.load(crate::support::engine::patch(EDITABLE)).unwrap();
    play(&mut e, 0.5);
    let engine_density = c.sequencer_state().unwrap().density;
    assert_ne!(engine_density, 0.3, "the engine started the section afresh");
    assert_eq!(
        saved_density(&c),
        None,
        "the file's own density, as the engine plays"
    );
    assert_eq!(
        c.running_as_played().sequence,
        crate::support::engine::patch(EDITABLE).sequence
    );
}

#[test]
fn the_mode_policy_is_set_published_and_named() {
    use chronus::seq::idle::ModePolicy;
    for p in ModePolicy::ALL {
        assert_eq!(ModePolicy::parse(p.name()), Some(p));
    }
    assert_eq!(ModePolicy::parse("Ambient"), None);
    #[cfg(debug_assertions)]
    reset_violation_count();
    let (mut e, mut c) = engine(PIECE);
    play(&mut e, 0.1);
    let s = c.sequencer_state().unwrap();
    assert_eq!((s.policy, s.ambient), (ModePolicy::Auto, false));
    // Forced ambient goes ambient at once and ignores a note; forced active comes back.
    c.sequencer_command(SeqCommand::Mode(ModePolicy::Ambient), None)
        .unwrap();
    play(&mut e, 0.1);
    c.note_on(&chronus::control::NoteTarget::Default, 60, 0.5, None)
        .unwrap();
    play(&mut e, 0.1);
    let s = c.sequencer_state().unwrap();
    assert_eq!((s.policy, s.ambient), (ModePolicy::Ambient, true));
    c.sequencer_command(SeqCommand::Mode(ModePolicy::Active), None)
        .unwrap();
    play(&mut e, 0.1);
    let s = c.sequencer_state().unwrap();
    assert_eq!((s.policy, s.ambient), (ModePolicy::Active, false));
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation on the audio thread");
}
