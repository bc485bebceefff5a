//! Voice allocation: free voices first, then the longest released, then stealing per
//! policy with a short fade; releases sound through the envelope; voices are summed.

use crate::support::engine::{engine, run};
use chronus_modules::analysis::max_step;

use chronus::control::NoteTarget;
use chronus::engine::EngineStats;
use chronus::graph::VoicePhase;
use chronus_modules::analysis::peak;

/// Each voice outputs a constant equal to its note's pitch/128, gated by an envelope, so
/// the output tells which notes sound.
fn pitch_patch(count: usize, steal: &str, release: f64) -> String {
    format!(
        r#"(voice: (count: {count}, steal: "{steal}", modules: {{
            "scale": (kind: "vca", params: {{"gain": 0.0078125}}),
            "env": (kind: "adsr", params: {{"attack": 0.002, "decay": 0.0, "sustain": 1.0, "release": {release}}}),
            "amp": (kind: "vca"),
        }}, connections: [
            ("note.pitch", "scale.in"), ("scale.out", "amp.in"),
            ("note.gate", "env.gate"), ("env.out", "amp.cv"),
            ("amp.out", "output.left"),
        ]),
        connections: [("voices.left", "output.left")])"#
    )
}

fn phases(e: &chronus::engine::Engine) -> Vec<(VoicePhase, u8)> {
    e.graph().unwrap().instruments[0]
        .voices
        .iter()
        .map(|v| (v.state.phase, v.state.note))
        .collect()
}

#[test]
fn notes_take_free_voices_and_voices_are_summed() {
    let (mut e, mut c) = engine(&pitch_patch(4, "oldest", 0.01));
    run(&mut e, 64, 64);
    for n in [32, 64] {
        c.note_on(&NoteTarget::Default, n, 1.0, None).unwrap();
    }
    let (l, _) = run(&mut e, 256, 64);
    // 32/128 + 64/128 = 0.75
    assert!((l[255] - 0.75).abs() < 1e-5, "{}", l[255]);
    assert_eq!(EngineStats::get(&c.engine().stats().voices_active), 2);
}

/// Voices are independent: three notes together equal the sum of each played alone,
/// through a fan-in, a filter under constant parameter blocks, an envelope holding its
/// sustain and a release, in whole and odd block sizes.
#[test]
fn voices_sharing_working_buffers_sound_as_if_alone() {
    let patch = r#"(voice: (count: 3, modules: {
            "a": (kind: "saw"), "b": (kind: "square", params: {"detune": 7.0}),
            "f": (kind: "lowpass", params: {"cutoff": 900.0, "q": 2.0}),
            "env": (kind: "adsr", params: {"attack": 0.003, "decay": 0.01, "sustain": 0.5}),
            "amp": (kind: "vca"),
        }, connections: [
            ("note.freq", "a.freq"), ("note.freq", "b.freq"),
            ("a.out", "f.in"), ("b.out", "f.in"), ("f.out", "amp.in"),
            ("note.gate", "env.gate"), ("env.out", "amp.cv"),
            ("amp.out", "output.left"), ("f.out", "output.right"),
        ]),
        connections: [("voices.left", "output.left"), ("voices.right", "output.right")])"#;
    let notes = [40u8, 57, 71];
    let play = |notes: &[u8], block: usize| {
        let (mut e, mut c) = engine(patch);
        run(&mut e, 64, 64);
        for &n in notes {
            c.note_on(&NoteTarget::Default, n, 1.0, None).unwrap();
        }
        let (mut l, mut r) = run(&mut e, 3_000, block);
        for &n in notes {
            c.note_off(&NoteTarget::Default, n, None).unwrap();
        }
        let (l2, r2) = run(&mut e, 3_000, block);
        l.extend(l2);
        r.extend(r2);
        (l, r)
    };
    for block in [64, 37] {
        let (l, r) = play(&notes, block);
        let alone: Vec<_> = notes.iter().map(|&n| play(&[n], block)).collect();
        for i in 0..l.len() {
            let (sl, sr) = alone
                .iter()
                .fold((0.0, 0.0), |(a, b), (l, r)| (a + l[i], b + r[i]));
            assert!(
                (l[i] - sl).abs() < 1e-5 && (r[i] - sr).abs() < 1e-5,
                "block {block}, frame {i}: together ({}, {}), sum alone ({sl}, {sr})",
                l[i],
                r[i]
            );
        }
        assert!(peak(&l) > 0.1, "the notes sound");
    }
}

#[test]
fn a_released_voice_sounds_through_its_release_then_frees() {
    let (mut e, mut c) = engine(&pitch_patch(2, "oldest", 0.1));
    run(&mut e, 64, 64);
    c.note_on(&NoteTarget::Default, 64, 1.0, None).unwrap();
    run(&mut e, 1_024, 64);
    c.note_off(&NoteTarget::Default, 64, None).unwrap();
    let (l, _) = run(&mut e, 9_600, 64);
    // Linear release over 0.1 s = 4800 samples: halfway down at 2400.
    assert!((l[2_400] - 0.25).abs() < 0.01, "{}", l[2_400]);
    assert_eq!(l[4_900], 0.0);
    assert_eq!(
        phases(&e)[0].0,
        VoicePhase::Free,
        "silent release frees the voice"
    );
}

#[test]
fn the_longest_released_voice_is_reused_before_stealing() {
    let (mut e, mut c) = engine(&pitch_patch(2, "oldest", 5.0));
    run(&mut e, 64, 64);
    for (n, t) in [(10, 100), (20, 200)] {
        c.note_on(&NoteTarget::Default, n, 1.0, Some(t)).unwrap();
    }
    c.note_off(&NoteTarget::Default, 10, Some(300)).unwrap();
    c.note_off(&NoteTarget::Default, 20, Some(400)).unwrap();
    c.note_on(&NoteTarget::Default, 30, 1.0, Some(500)).unwrap();
    run(&mut e, 1_000, 64);
    let p = phases(&e);
    assert!(p.contains(&(VoicePhase::Held, 30)));
    assert!(p.contains(&(VoicePhase::Released, 20)), "{p:?}");
}

#[test]
fn stealing_oldest_fades_the_victim_without_a_click() {
    let (mut e, mut c) = engine(&pitch_patch(2, "oldest", 0.01));
    run(&mut e, 64, 64);
    c.note_on(&NoteTarget::Default, 100, 1.0, Some(100))
        .unwrap();
    c.note_on(&NoteTarget::Default, 50, 1.0, Some(200)).unwrap();
    c.note_on(&NoteTarget::Default, 60, 1.0, Some(1_000))
        .unwrap();
    let (l, _) = run(&mut e, 2_000, 64);
    let p = phases(&e);
    assert!(
        p.contains(&(VoicePhase::Held, 50)) && p.contains(&(VoicePhase::Held, 60)),
        "{p:?}"
    );
    // The fade (3 ms = 144 samples) moves 100/128 to 0 in steps of about 0.0055; a cut
    // would step by 0.78.
    let steal = &l[1_000 - 64..1_400 - 64];
    assert!(max_step(steal) < 0.01, "{}", max_step(steal));
    assert!((l[1_999 - 64] - (50.0 + 60.0) / 128.0).abs() < 1e-4);
}

/// The voice's modules are reset when a steal's fade ends, so the new note starts from
/// empty delay lines: two different stolen notes leave nothing of their echoes and reverb
/// in what follows. Their histories (1 s) reach every part of the rings the new note's
/// taps read (a 1.9 s echo, the reverb's lines) before those are rewritten.
#[test]
fn a_stolen_voice_starts_its_note_with_empty_delay_and_reverb() {
    let patch = r#"(voice: (count: 1, steal: "oldest", modules: {
            "osc": (kind: "saw"),
            "echo": (kind: "delay", params: {"time": 1.9, "feedback": 0.6, "mix": 0.5}),
            "rev": (kind: "reverb", params: {"time": 3.0, "mix": 0.5}),
        }, connections: [
            ("note.freq", "osc.freq"), ("osc.out", "echo.in"),
            ("echo.out", "rev.left"), ("echo.out", "rev.right"),
            ("rev.left", "output.left"), ("rev.right", "output.right"),
        ]),
        connections: [("voices.left", "output.left"), ("voices.right", "output.right")])"#;
    const STEAL: usize = 48_064;
    let render = |first: u8| {
        let (mut e, mut c) = engine(patch);
        run(&mut e, 64, 64);
        c.note_on(&NoteTarget::Default, first, 1.0, None).unwrap();
        c.note_on(&NoteTarget::Default, 60, 1.0, Some(STEAL as u64))
            .unwrap();
        let (l, r) = run(&mut e, STEAL + 24_000, 64);
        [l, r]
    };
    let (a, b) = (render(36), render(43));
    // The fade (3 ms = 144 samples) ends within the block after it: then the new note.
    let after = STEAL - 64 + 144 + 64;
    for (a, b) in a.iter().zip(&b) {
        assert_ne!(a[..after], b[..after]);
        assert!(a[..after].iter().any(|&x| x != 0.0));
        let first = a[after..].iter().zip(&b[after..]).position(|(x, y)| x != y);
        assert_eq!(first, None, "first difference after the steal");
    }
}

#[test]
fn stealing_quietest_takes_the_lowest_voice() {
    let (mut e, mut c) = engine(&pitch_patch(2, "quietest", 0.01));
    run(&mut e, 64, 64);
    c.note_on(&NoteTarget::Default, 20, 1.0, Some(100)).unwrap(); // quiet (20/128)
    c.note_on(&NoteTarget::Default, 120, 1.0, Some(200))
        .unwrap(); // loud
    c.note_on(&NoteTarget::Default, 70, 1.0, Some(1_000))
        .unwrap();
    run(&mut e, 2_000, 64);
    let p = phases(&e);
    assert!(
        p.contains(&(VoicePhase::Held, 120)) && p.contains(&(VoicePhase::Held, 70)),
        "{p:?}"
    );
}

#[test]
fn steal_none_drops_and_counts_the_note() {
    let (mut e, mut c) = engine(&pitch_patch(1, "none", 0.01));
    run(&mut e, 64, 64);
    c.note_on(&NoteTarget::Default, 40, 1.0, None).unwrap();
    c.note_on(&NoteTarget::Default, 41, 1.0, None).unwrap();
    run(&mut e, 256, 64);
    assert_eq!(phases(&e), vec![(VoicePhase::Held, 40)]);
    assert_eq!(EngineStats::get(&c.engine().stats().notes_dropped), 1);
}

#[test]
fn panic_silences_everything_within_a_few_milliseconds() {
    let (mut e, mut c) = engine(&pitch_patch(4, "oldest", 10.0));
    run(&mut e, 64, 64);
    for n in [60, 64, 67] {
        c.note_on(&NoteTarget::Default, n, 1.0, None).unwrap();
    }
    run(&mut e, 512, 64);
    c.panic().unwrap();
    let (l, _) = run(&mut e, 480, 64);
    assert!(max_step(&l) < 0.02, "fade, not a cut");
    assert_eq!(peak(&l[300..]), 0.0);
    assert!(phases(&e).iter().all(|(p, _)| *p == VoicePhase::Free));
}

#[test]
fn instruments_are_addressed_by_id_and_channel() {
    let patch = r#"(instruments: {
            "lead": (count: 2, channel: 1, modules: {"s": (kind: "vca", params: {"gain": 0.0078125})},
                     connections: [("note.pitch", "s.in"), ("s.out", "output.left")]),
            "bass": (count: 2, channel: 2, modules: {"t": (kind: "vca", params: {"gain": 0.0078125})},
                     connections: [("note.pitch", "t.in"), ("t.out", "output.left")]),
        },
        connections: [("lead.left", "output.left"), ("bass.left", "output.right")])"#;
    let (mut e, mut c) = engine(patch);
    run(&mut e, 64, 64);
    c.note_on(&NoteTarget::Instrument("bass".into()), 32, 1.0, None)
        .unwrap();
    c.note_on(&NoteTarget::Channel(1), 64, 1.0, None).unwrap();
    c.note_on(&NoteTarget::Default, 16, 1.0, None).unwrap(); // the first instrument: lead
    let (l, r) = run(&mut e, 128, 64);
    assert!((l[127] - (64.0 + 16.0) / 128.0).abs() < 1e-5, "{}", l[127]);
    assert!((r[127] - 0.25).abs() < 1e-5, "{}", r[127]);
    let err = c
        .note_on(&NoteTarget::Channel(9), 60, 1.0, None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no instrument for MIDI channel 9; instruments: lead, bass"
    );
}
