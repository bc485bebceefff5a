//! Edge cases of the engine and controller found in review, each a regression test:
//! pending notes across steals, releases, panics and swaps; overlapping crossfades; a full
//! event queue; all-or-nothing multi-instrument notes; live values surviving commits.

use crate::support::engine::{patch, run, SR};

use chronus::control::{Controller, NoteTarget};
use chronus::engine::{Engine, EngineConfig, EngineStats};
use chronus::graph::VoicePhase;
use chronus_modules::Registry;

fn engine_with(text: &str, config: EngineConfig) -> (Engine, Controller) {
    let (engine, handle) = Engine::new(EngineConfig {
        sample_rate: SR,
        ..config
    });
    let mut control = Controller::new(Registry::builtin(), handle);
    control.load(patch(text)).unwrap_or_else(|e| panic!("{e}"));
    (engine, control)
}

fn engine(text: &str) -> (Engine, Controller) {
    engine_with(text, EngineConfig::default())
}

fn voice0(e: &Engine) -> (VoicePhase, u8) {
    let s = &e.graph().unwrap().instruments[0].voices[0].state;
    (s.phase, s.note)
}

/// Plays 60 on a one-voice instrument, then 62 (which steals the voice and waits for its
/// fade) and releases 62 before it starts; renders until 62 has started (`Held`, to be
/// released after its first block).
fn start_note_released_while_pending(e: &mut Engine, c: &mut Controller) {
    run(e, 64, 64);
    c.note_on(&NoteTarget::Default, 60, 1.0, None).unwrap();
    run(e, 256, 64);
    c.note_on(&NoteTarget::Default, 62, 1.0, None).unwrap();
    c.note_off(&NoteTarget::Default, 62, None).unwrap();
    for _ in 0..10 {
        run(e, 64, 64);
        if voice0(e) == (VoicePhase::Held, 62) {
            break;
        }
    }
}

/// One voice, no envelope (does not read note.gate): outputs pitch/128 while it sounds.
const GATELESS_MONO: &str = r#"(voice: (count: 1, steal: "oldest", modules: {
        "scale": (kind: "vca", params: {"gain": 0.0078125}),
    }, connections: [("note.pitch", "scale.in"), ("scale.out", "output.left")]),
    connections: [("voices.left", "output.left")])"#;

/// One voice with an envelope: outputs pitch/128 while the gate is on (+ short release).
const GATED_MONO: &str = r#"(voice: (count: 1, steal: "oldest", modules: {
        "scale": (kind: "vca", params: {"gain": 0.0078125}),
        "env": (kind: "adsr", params: {"attack": 0.001, "decay": 0.0, "sustain": 1.0, "release": 0.01}),
        "amp": (kind: "vca"),
    }, connections: [
        ("note.pitch", "scale.in"), ("scale.out", "amp.in"),
        ("note.gate", "env.gate"), ("env.out", "amp.cv"),
        ("amp.out", "output.left"),
    ]),
    connections: [("voices.left", "output.left")])"#;

/// A gateless voice (no envelope) whose note-off came while it waited for a stolen voice
/// is faded out after its one block, not left `Released` forever.
#[test]
fn gateless_note_released_while_pending_does_not_hang() {
    let (mut e, mut c) = engine(GATELESS_MONO);
    run(&mut e, 64, 64);
    c.note_on(&NoteTarget::Default, 60, 1.0, None).unwrap();
    run(&mut e, 256, 64);
    // Steals the only voice (fade, pending 62), then 62 is released before it starts.
    c.note_on(&NoteTarget::Default, 62, 1.0, None).unwrap();
    c.note_off(&NoteTarget::Default, 62, None).unwrap();
    let (l, _) = run(&mut e, 48_000, 64);
    assert_eq!(
        voice0(&e).0,
        VoicePhase::Free,
        "voice stuck in {:?}; output at 1 s = {}",
        voice0(&e),
        l[47_999]
    );
    assert!(l[47_999].abs() < 1e-6, "hanging note: {}", l[47_999]);
}

/// A voice that has just started a pending-but-released note and is stolen again before
/// its first block keeps fading, and the newest note plays.
#[test]
fn stealing_a_voice_that_waits_to_release_keeps_the_new_note() {
    let (mut e, mut c) = engine(GATED_MONO);
    start_note_released_while_pending(&mut e, &mut c);
    assert_eq!(voice0(&e), (VoicePhase::Held, 62));
    // A new note steals the voice again before 62's first block.
    c.note_on(&NoteTarget::Default, 64, 1.0, None).unwrap();
    let (l, _) = run(&mut e, 4_800, 64);
    assert_eq!(voice0(&e), (VoicePhase::Held, 64), "note 64 was lost");
    assert!((l[4_799] - 0.5).abs() < 1e-3, "{}", l[4_799]);
}

/// Panic silences a voice that waits to release within the fade time.
#[test]
fn panic_silences_a_voice_that_waits_to_release() {
    let (mut e, mut c) = engine(GATELESS_MONO);
    start_note_released_while_pending(&mut e, &mut c);
    c.panic().unwrap();
    let (l, _) = run(&mut e, 4_800, 64);
    assert!(
        l[4_799].abs() < 1e-6,
        "still sounding after panic: {}",
        l[4_799]
    );
}

/// A note waiting for a stolen voice when a crossfade swap happens plays in the new graph.
#[test]
fn a_pending_note_survives_a_crossfade_swap() {
    let (mut e, mut c) = engine(GATED_MONO);
    run(&mut e, 64, 64);
    c.note_on(&NoteTarget::Default, 60, 1.0, None).unwrap();
    run(&mut e, 256, 64);
    c.note_on(&NoteTarget::Default, 62, 1.0, None).unwrap(); // steals: pending 62
                                                             // Topology change in the main graph: crossfade.
    c.create("post", "vca", &[]).unwrap();
    c.disconnect("voices.left", "output.left").unwrap();
    c.connect("voices.left", "post.in").unwrap();
    c.connect("post.out", "output.left").unwrap();
    c.commit().unwrap();
    let (l, _) = run(&mut e, 4_800, 64);
    assert_eq!(voice0(&e), (VoicePhase::Held, 62), "held key 62 lost");
    assert!((l[4_799] - 62.0 / 128.0).abs() < 1e-3, "{}", l[4_799]);
}

const CONST_OUT: &str = r#"(modules: {"c": (kind: "const", params: {"value": 0.5})},
    connections: [("c.out", "output.left")])"#;

/// A live `output.volume` is recorded in the patch, so the next commit keeps it.
#[test]
fn live_output_volume_survives_a_commit() {
    let (mut e, mut c) = engine(CONST_OUT);
    c.set_live("output", "volume", 0.0.into(), None).unwrap();
    let (l, _) = run(&mut e, 4_800, 64);
    assert_eq!(l[4_799], 0.0);
    c.set("c", "value", 0.25.into()).unwrap();
    c.commit().unwrap();
    let (l, _) = run(&mut e, 4_800, 64);
    assert_eq!(l[4_799], 0.0, "volume came back after a commit");
}

/// A queue full of events scheduled far ahead does not hold back an immediate note.
#[test]
fn an_immediate_note_is_not_starved_by_a_queue_of_future_events() {
    let (mut e, mut c) = engine_with(
        GATED_MONO,
        EngineConfig {
            event_capacity: 4,
            ..EngineConfig::default()
        },
    );
    run(&mut e, 64, 64);
    let later = 60 * SR as u64; // a minute ahead
    for k in 0..4 {
        c.note_on(&NoteTarget::Default, 40 + k, 1.0, Some(later))
            .unwrap();
    }
    c.note_on(&NoteTarget::Default, 64, 1.0, None).unwrap();
    let (l, _) = run(&mut e, 4_800, 64);
    // The four future notes fill the queue; the immediate one must not wait behind them.
    assert!(
        (l[4_799] - 0.5).abs() < 1e-3,
        "note now not heard: {}",
        l[4_799]
    );
}

/// A note for a channel reaching two instruments is sent to both or, when the ring lacks
/// room, to neither.
#[test]
fn note_on_to_two_instruments_is_all_or_nothing() {
    let text = r#"(instruments: {
        "a": (count: 1, modules: {"s": (kind: "vca")}, connections: [("note.gate", "s.in"), ("s.out", "output.left")]),
        "b": (count: 1, modules: {"s2": (kind: "vca")}, connections: [("note.gate", "s2.in"), ("s2.out", "output.left")]),
    }, connections: [("a.left", "output.left"), ("b.left", "output.left")])"#;
    let (mut e, mut c) = engine_with(
        text,
        EngineConfig {
            command_capacity: 3,
            ..EngineConfig::default()
        },
    );
    // Ring: [Swap]. Fill one more slot, leaving room for exactly one event.
    c.all_notes_off(None).unwrap();
    let result = c.note_on(&NoteTarget::Channel(1), 60, 1.0, None);
    run(&mut e, 64, 64);
    let g = e.graph().unwrap();
    let held: Vec<_> = g
        .instruments
        .iter()
        .map(|i| i.voices[0].state.phase)
        .collect();
    assert!(
        result.is_ok() || held.iter().all(|p| *p == VoicePhase::Free),
        "note_on returned {result:?} but voices are {held:?}"
    );
}

/// `set_live` does not write a param into a standby module that an uncommitted edit has
/// replaced by another kind, so the standby patch stays valid.
#[test]
fn set_live_keeps_the_standby_patch_valid() {
    let (_e, mut c) =
        engine(r#"(modules: {"osc": (kind: "sine")}, connections: [("osc.out", "output.left")])"#);
    c.delete("osc").unwrap();
    c.create("osc", "noise", &[]).unwrap();
    c.connect("osc.out", "output.left").unwrap();
    c.set_live("osc", "freq", 300.0.into(), None).unwrap();
    assert!(
        chronus::patch::validate(c.standby(), c.registry(), None).is_ok(),
        "standby became invalid"
    );
    c.commit().unwrap();
}

/// With the control side's in-flight limit, the return ring never overflows, even with
/// many swaps per callback and a slow collector.
#[test]
fn return_ring_never_overflows_under_the_in_flight_limit() {
    let (mut e, mut c) = engine_with(
        CONST_OUT,
        EngineConfig {
            return_capacity: 2,
            crossfade_ms: 1.0,
            ..EngineConfig::default()
        },
    );
    let mut busy = 0;
    for k in 0..200 {
        // Alternate topology changes (crossfade) and param-only changes (carry).
        if k % 3 == 0 {
            let _ = c.load(patch(if k % 2 == 0 {
                r#"(modules: {"d": (kind: "const", params: {"value": 0.1})}, connections: [("d.out", "output.left")])"#
            } else {
                CONST_OUT
            }));
        } else {
            let id = if c.standby().modules.contains_key("c") {
                "c"
            } else {
                "d"
            };
            let _ = c.set(id, "value", ((k % 7) as f64 * 0.1).into());
            if c.commit().is_err() {
                busy += 1;
                c.abort();
            }
        }
        run(&mut e, 7, 7);
    }
    assert!(busy > 0, "the limit was never hit; test too weak");
    assert_eq!(EngineStats::get(&c.engine().stats().returns_deferred), 0);
}

/// A commit during a crossfade starts its own crossfade at once (they overlap), so events
/// behind it are not held back until the first one ends.
#[test]
fn a_note_behind_a_commit_during_a_crossfade_is_on_time() {
    let (mut e, mut c) = engine(GATED_MONO);
    run(&mut e, 64, 64);
    let post = |c: &mut Controller, id: &str| {
        c.create(id, "vca", &[]).unwrap();
        c.disconnect("voices.left", "output.left").unwrap();
        c.connect("voices.left", &format!("{id}.in")).unwrap();
        c.connect(&format!("{id}.out"), "output.left").unwrap();
        c.commit().unwrap();
    };
    post(&mut c, "p1"); // crossfade 1
    run(&mut e, 64, 64);
    c.abort();
    c.delete("p1").unwrap();
    c.connect("voices.left", "output.left").unwrap();
    c.commit().unwrap(); // deferred until crossfade 1 ends
    let t = e.sample_time();
    c.note_on(&NoteTarget::Default, 64, 1.0, Some(t)).unwrap();
    let (l, _) = run(&mut e, 4_800, 64);
    let onset = l.iter().position(|&x| x.abs() > 1e-4).unwrap();
    assert!(onset < 64, "note at {t} started {onset} samples late");
}

/// `ModuleRunner` starts params at `modulated_default` like the engine: a sine whose
/// `freq` input is fed plays the input frequency alone in both.
#[test]
fn module_runner_uses_modulated_default_like_the_engine() {
    let reg = Registry::builtin();
    let mut runner = chronus_modules::ModuleRunner::for_kind(&reg, "sine", SR).unwrap();
    let freq = vec![440.0f32; 48_000];
    let out = runner.run(&[&freq], 48_000, 64);
    let f = chronus_modules::analysis::zero_crossing_frequency(&out[0], SR).unwrap();
    assert!(
        (f - 440.0).abs() < 1.0,
        "runner plays {f} Hz, the engine 440 Hz"
    );
}

/// `quietest` stealing never takes a voice whose note has not rendered a block yet.
#[test]
fn quietest_does_not_steal_a_note_that_has_not_sounded() {
    let text = GATED_MONO
        .replace("count: 1", "count: 2")
        .replace("\"oldest\"", "\"quietest\"");
    let (mut e, mut c) = engine(&text);
    run(&mut e, 64, 64);
    c.note_on(&NoteTarget::Default, 60, 1.0, None).unwrap();
    run(&mut e, 4_800, 64);
    c.note_on(&NoteTarget::Default, 62, 1.0, None).unwrap();
    c.note_on(&NoteTarget::Default, 64, 1.0, None).unwrap();
    run(&mut e, 4_800, 64);
    let notes: Vec<_> = e.graph().unwrap().instruments[0]
        .voices
        .iter()
        .map(|v| (v.state.phase, v.state.note))
        .collect();
    assert!(
        notes.contains(&(VoicePhase::Held, 62)),
        "62 was stolen before it sounded: {notes:?}"
    );
}

/// Notes address instruments by id, so a note-off scheduled before a commit that reorders
/// the instruments still releases the right one.
#[test]
fn a_scheduled_note_off_survives_a_commit_that_reorders_instruments() {
    let inst = |id: &str| {
        format!(
            r#""{id}": (count: 1, modules: {{
                "{id}env": (kind: "adsr", params: {{"attack": 0.001, "decay": 0.0, "sustain": 1.0, "release": 0.01}}),
            }}, connections: [("note.gate", "{id}env.gate"), ("{id}env.out", "output.left")])"#
        )
    };
    let two = |x: &str, y: &str| {
        format!(
            r#"(instruments: {{ {}, {} }}, connections: [("{x}.left", "output.left"), ("{y}.left", "output.left")])"#,
            inst(x),
            inst(y)
        )
    };
    let (mut e, mut c) = engine(&two("a", "b"));
    run(&mut e, 64, 64);
    let t = e.sample_time();
    c.note_on(&NoteTarget::Instrument("b".into()), 60, 1.0, Some(t))
        .unwrap();
    c.note_off(&NoteTarget::Instrument("b".into()), 60, Some(t + 4_800))
        .unwrap();
    run(&mut e, 64, 64);
    c.load(patch(&two("b", "a"))).unwrap(); // same instruments, other order
    let (l, _) = run(&mut e, 24_000, 64);
    assert!(
        l[23_999].abs() < 1e-4,
        "b's note still sounds after its note-off: {}",
        l[23_999]
    );
}

/// A param modulated by a held `note` source whose glide arrives inside a block is
/// rendered once more before it is skipped: the block after the glide holds the target
/// (note freq + the new `freq`) in every frame, not the last gliding block. (A glide of
/// 10 ms is 480 frames: it arrives in the middle of the eighth 64-frame block.) Found by
/// the OSC flood: a debug build panicked "param freq of saw skipped while it would
/// change"; a release build kept replaying the glide's tail every block.
#[test]
fn a_glide_under_a_held_note_settles_into_a_constant_block() {
    let (mut e, mut c) = engine(
        r#"(voice: (count: 1, modules: {"osc": (kind: "saw")},
            connections: [("note.freq", "osc.freq"), ("osc.out", "output.left")]))"#,
    );
    run(&mut e, 64, 64);
    c.note_on(&NoteTarget::Default, 69, 1.0, None).unwrap();
    run(&mut e, 64, 64);
    c.set_live("osc", "freq", 100.0.into(), None).unwrap();
    run(&mut e, 64 * 12, 64);
    let node = e.graph().unwrap().instruments[0].voices[0]
        .program
        .nodes
        .iter()
        .find(|n| n.info.kind == "saw")
        .unwrap();
    let freq = node
        .info
        .params
        .iter()
        .position(|p| p.id == "freq")
        .unwrap();
    let block = &node.param_blocks[freq];
    assert!(block.constant, "freq block not constant after the glide");
    assert!(
        block.values.iter().all(|&v| (v - 540.0).abs() < 1e-3),
        "freq block is not 440 + 100 Hz throughout: {:?}",
        &block.values[..]
    );
}
