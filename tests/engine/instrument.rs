//! The internal engine behind the `Instrument` trait: notes, velocity 0, the pedal, CCs,
//! RPN bend range, `midi_cc` modules, queries and status — checked in the engine's voice
//! state and audio, with the engine under assert_no_alloc.

use crate::support::engine::{engine, SR};

use std::sync::Arc;

use assert_no_alloc::assert_no_alloc;
// assert_no_alloc checks in debug builds only: its default `disable_release` feature makes
// `assert_no_alloc` a no-op in release builds, without `AllocDisabler` or the counter.
#[cfg(debug_assertions)]
use assert_no_alloc::violation_count;
use chronus::backend::engine_instrument::EngineTarget;
use chronus::backend::{EngineInstrument, Instrument};
use chronus::engine::Engine;
use chronus::graph::VoicePhase;
use parking_lot::Mutex;

/// Two instruments: `lead` on channel 1 (a sine), `pad` on channel 2 (the sine scaled by a
/// mod-wheel `midi_cc`).
const PATCH: &str = r#"(instruments: {
    "lead": (count: 4, channel: 1, modules: {
        "osc": (kind: "sine"),
        "env": (kind: "adsr", params: {"attack": 0.001, "sustain": 1.0, "release": 0.01}),
        "vca": (kind: "vca"),
        "vol7": (kind: "midi_cc", params: {"cc": 7}),
    }, connections: [("note.freq", "osc.freq"), ("note.gate", "env.gate"), ("osc.out", "vca.in"),
        ("env.out", "vca.cv"), ("vca.out", "output.left"), ("vca.out", "output.right")]),
    "pad": (count: 2, channel: 2, modules: {
        "posc": (kind: "sine"),
        "wheel": (kind: "midi_cc", params: {"cc": 1}),
        "pvca": (kind: "vca"),
    }, connections: [("note.freq", "posc.freq"), ("posc.out", "pvca.in"), ("wheel.out", "pvca.cv"),
        ("pvca.out", "output.left"), ("pvca.out", "output.right")]),
}, connections: [("lead.left", "output.left"), ("lead.right", "output.right"),
    ("pad.left", "output.left"), ("pad.right", "output.right")])"#;

fn render(e: &mut Engine, frames: usize) -> Vec<f32> {
    let (mut l, mut r) = (vec![0.0; frames], vec![0.0; frames]);
    for start in (0..frames).step_by(64) {
        let end = (start + 64).min(frames);
        assert_no_alloc(|| e.process(&mut l[start..end], &mut r[start..end]));
    }
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0);
    l
}

fn held(e: &Engine, instrument: usize) -> Vec<u8> {
    let mut v: Vec<u8> = e.graph().unwrap().instruments[instrument]
        .voices
        .iter()
        .filter(|v| v.state.phase == VoicePhase::Held)
        .map(|v| v.state.note)
        .collect();
    v.sort();
    v
}

fn freq(s: &[f32]) -> f64 {
    chronus_modules::analysis::zero_crossing_frequency(s, SR).expect("periodic")
}

#[test]
fn the_engine_plays_midi_through_the_instrument_trait() {
    let (mut e, c) = engine(PATCH);
    let c = Arc::new(Mutex::new(c));
    let mut inst = EngineInstrument::new(c.clone(), "engine", EngineTarget::ByChannel);
    assert_eq!(inst.name(), "engine");
    assert_eq!(inst.voice_count(), 6);

    inst.play_note(1, 69, 100, None).unwrap();
    inst.play_note(1, 72, 100, None).unwrap();
    render(&mut e, 480);
    assert_eq!(held(&e, 0), vec![69, 72]);
    assert!(inst.is_note_active(1, 69));
    assert_eq!(inst.active_note_count(), 2);

    // Velocity 0 is a note-off.
    inst.play_note(1, 72, 0, None).unwrap();
    render(&mut e, 480);
    assert_eq!(held(&e, 0), vec![69]);
    assert!(!inst.is_note_active(1, 72));

    // Bend extremes at the default range, then RPN 0 = 12 semitones.
    inst.pitch_bend(1, 16383, None).unwrap();
    let l = render(&mut e, 9600);
    assert!((freq(&l[4800..]) - 493.88).abs() < 2.0);
    for (cc, v) in [(101, 0), (100, 0), (6, 12), (38, 0), (101, 127), (100, 127)] {
        inst.control_change(1, cc, v, None).unwrap();
    }
    inst.pitch_bend(1, 0, None).unwrap();
    let l = render(&mut e, 9600);
    assert!(
        (freq(&l[4800..]) - 220.0).abs() < 1.5,
        "{}",
        freq(&l[4800..])
    );
    inst.pitch_bend(1, 8192, None).unwrap();

    // Sustain pedal (CC 64) holds 69 after its note-off; pedal up releases it.
    inst.control_change(1, 64, 127, None).unwrap();
    inst.stop_note(1, 69, None).unwrap();
    render(&mut e, 480);
    assert_eq!(held(&e, 0), vec![69]);
    assert!(inst.is_note_active(1, 69), "kept by the pedal");
    assert_eq!(inst.status().sustained_channels, vec![1]);
    inst.control_change(1, 64, 0, None).unwrap();
    render(&mut e, 480);
    assert_eq!(held(&e, 0), Vec::<u8>::new());
    assert_eq!(inst.active_note_count(), 0);

    // All notes off (123) on channel 1 leaves channel 2 alone.
    inst.play_note(1, 60, 100, None).unwrap();
    inst.play_note(2, 48, 100, None).unwrap();
    render(&mut e, 480);
    inst.control_change(1, 123, 0, None).unwrap();
    render(&mut e, 480);
    assert_eq!(held(&e, 0), Vec::<u8>::new());
    assert_eq!(held(&e, 1), vec![48]);

    // The mod wheel reaches the pad's `midi_cc`: silent at 0, full at 127.
    let l = render(&mut e, 4800);
    assert!(chronus_modules::analysis::peak(&l[2400..]) < 1e-6);
    inst.control_change(2, 1, 127, None).unwrap();
    let l = render(&mut e, 4800);
    assert!(chronus_modules::analysis::peak(&l[2400..]) > 0.9);
    // ... and not from another channel's mod wheel in a channel-2-only module.
    assert_eq!(
        c.lock().midi_cc(3, 1, 0.0, None).unwrap(),
        1,
        "channel 0 = any"
    );

    // CC 7 on a channel no instrument listens to: refused for the volume, yet a `midi_cc`
    // listening to every channel follows it.
    let err = inst
        .control_change(5, 7, 127, None)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("no instrument for MIDI channel 5"), "{err}");
    let vol7 = chronus::patch::find_module(c.lock().running(), "vol7")
        .unwrap()
        .1
        .params["value"]
        .clone();
    assert_eq!(vol7, chronus_modules::ParamValue::Number(1.0));

    // Program change: recorded.
    inst.program_change(2, 5, None).unwrap();
    assert_eq!(inst.status().programs, vec![(2, 5)]);
    assert!(inst
        .status()
        .to_string()
        .starts_with("engine: 1 notes held, 6 voices"));

    // Out of range values are refused with the range.
    let err = inst.play_note(17, 60, 100, None).unwrap_err().to_string();
    assert_eq!(err, "channel 17 is out of range 1 .. 16");
    assert!(inst.pitch_bend(1, 16384, None).is_err());

    // Reset: silence, controllers and notes forgotten.
    inst.reset().unwrap();
    let l = render(&mut e, 960);
    assert!(l[480..].iter().all(|x| x.abs() < 1e-6));
    assert_eq!(inst.active_note_count(), 0);
    assert!(inst.status().programs.is_empty());
}

#[test]
fn an_instrument_can_be_pinned_to_one_patch_instrument() {
    let (mut e, c) = engine(PATCH);
    let c = Arc::new(Mutex::new(c));
    let mut pad = EngineInstrument::new(c, "pad", EngineTarget::Instrument("pad".into()));
    assert_eq!(pad.voice_count(), 2);
    pad.play_note(9, 50, 100, None).unwrap();
    render(&mut e, 480);
    assert_eq!(held(&e, 0), Vec::<u8>::new());
    assert_eq!(held(&e, 1), vec![50]);
    pad.stop_all(None).unwrap();
    render(&mut e, 480);
    assert_eq!(held(&e, 1), Vec::<u8>::new());
}
