//! Channel messages in the engine: pitch bend (smooth, range, RPN-sized ranges), the
//! implicit `note.pressure`, the sustain pedal, all-notes-off / all-sound-off / reset
//! controllers, volume, expression and pan, tuning — all under assert_no_alloc.

use crate::support::engine::{engine, run, sine_voice, SR};

use assert_no_alloc::assert_no_alloc;
// assert_no_alloc checks in debug builds only: its default `disable_release` feature makes
// `assert_no_alloc` a no-op in release builds, without `AllocDisabler` or the counter.
#[cfg(debug_assertions)]
use assert_no_alloc::violation_count;
use chronus::control::NoteTarget;
use chronus::engine::{ChannelMessage, Engine};
use chronus::graph::{NoteOutput, VoicePhase};
use chronus_modules::analysis::max_step;

fn zero_crossing_frequency(s: &[f32], sr: f32) -> f64 {
    chronus_modules::analysis::zero_crossing_frequency(s, sr).expect("a periodic signal")
}

/// The voice outputs `note.pressure` (as a DC level) through a gate.
const PRESSURE: &str = r#"(voice: (count: 2, modules: {
    "vca": (kind: "vca"),
}, connections: [("note.pressure", "vca.in"), ("note.gate", "vca.cv"),
    ("vca.out", "output.left"), ("vca.out", "output.right")]),
    connections: [("voices.left", "output.left"), ("voices.right", "output.right")])"#;

/// Renders under assert_no_alloc in uneven blocks.
fn render(e: &mut Engine, frames: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (vec![0.0; frames], vec![0.0; frames]);
    let mut pos = 0;
    let mut k = 0;
    while pos < frames {
        let n = [64, 17, 256, 1][k % 4].min(frames - pos);
        assert_no_alloc(|| e.process(&mut l[pos..pos + n], &mut r[pos..pos + n]));
        pos += n;
        k += 1;
    }
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "the engine allocated");
    (l, r)
}

fn held_notes(e: &Engine) -> Vec<u8> {
    let mut notes: Vec<u8> = e.graph().unwrap().instruments[0]
        .voices
        .iter()
        .filter(|v| v.state.phase == VoicePhase::Held)
        .map(|v| v.state.note)
        .collect();
    notes.sort();
    notes
}

fn send(c: &mut chronus::control::Controller, m: ChannelMessage) {
    c.channel_message(&NoteTarget::Default, m, None).unwrap();
}

#[test]
fn pitch_bend_glides_to_the_bent_pitch_without_a_jump() {
    let (mut e, mut c) = engine(&sine_voice(4));
    c.note_on(&NoteTarget::Default, 69, 1.0, None).unwrap();
    let (l, _) = render(&mut e, 4800);
    let f0 = zero_crossing_frequency(&l[2400..], SR);
    assert!((f0 - 440.0).abs() < 2.0, "{f0}");
    // Full bend up at the default range of 2 semitones: B4.
    send(&mut c, ChannelMessage::Bend(1.0));
    let (l, _) = render(&mut e, 9600);
    let f1 = zero_crossing_frequency(&l[4800..], SR);
    assert!((f1 - 493.88).abs() < 2.0, "{f1}");
    // No zipper: the sine's largest sample step stays what the glide allows
    // (a 494 Hz sine's step is 2π·494/48000 ≈ 0.065 at full scale).
    assert!(max_step(&l) < 0.08, "{}", max_step(&l));
    // RPN 0 sized range: 12 semitones; a full bend down is A3.
    send(&mut c, ChannelMessage::BendRange(12.0));
    send(&mut c, ChannelMessage::Bend(-1.0));
    let (l, _) = render(&mut e, 9600);
    let f2 = zero_crossing_frequency(&l[4800..], SR);
    assert!((f2 - 220.0).abs() < 1.5, "{f2}");
    // Reset controllers re-centres the bend, keeps the range.
    send(&mut c, ChannelMessage::ResetControllers);
    let (l, _) = render(&mut e, 9600);
    let f3 = zero_crossing_frequency(&l[4800..], SR);
    assert!((f3 - 440.0).abs() < 2.0, "{f3}");
    // Tuning reference: A4 = 432 Hz.
    c.set_tuning(432.0, None).unwrap();
    let (l, _) = render(&mut e, 4800);
    let f4 = zero_crossing_frequency(&l[2400..], SR);
    assert!((f4 - 432.0).abs() < 2.0, "{f4}");
    assert!(c.set_tuning(-1.0, None).is_err());
}

#[test]
fn sustain_pedal_holds_released_notes_until_pedal_up() {
    let (mut e, mut c) = engine(&sine_voice(4));
    let t = &NoteTarget::Default;
    send(&mut c, ChannelMessage::Sustain(true));
    c.note_on(t, 60, 1.0, None).unwrap();
    c.note_on(t, 64, 1.0, None).unwrap();
    render(&mut e, 480);
    c.note_off(t, 60, None).unwrap();
    render(&mut e, 480);
    assert_eq!(held_notes(&e), vec![60, 64], "the pedal holds 60");
    // 67 is down while the pedal goes up: it keeps sounding; 60 is released.
    c.note_on(t, 67, 1.0, None).unwrap();
    c.note_off(t, 64, None).unwrap();
    send(&mut c, ChannelMessage::Sustain(false));
    render(&mut e, 480);
    assert_eq!(held_notes(&e), vec![67]);
    // Pedal, then all-notes-off: the pedal keeps holding (MIDI spec); pedal up frees it.
    send(&mut c, ChannelMessage::Sustain(true));
    send(&mut c, ChannelMessage::AllNotesOff);
    render(&mut e, 480);
    assert_eq!(held_notes(&e), vec![67]);
    send(&mut c, ChannelMessage::ResetControllers);
    render(&mut e, 480);
    assert_eq!(held_notes(&e), Vec::<u8>::new());
    // All sound off: silent within a few milliseconds.
    c.note_on(t, 72, 1.0, None).unwrap();
    render(&mut e, 480);
    send(&mut c, ChannelMessage::AllSoundOff);
    let (l, _) = render(&mut e, 960);
    assert!(l[480..].iter().all(|x| x.abs() < 1e-6));
}

#[test]
fn volume_expression_and_pan_scale_the_instrument_smoothly() {
    let (mut e, mut c) = engine(&sine_voice(4));
    c.note_on(&NoteTarget::Default, 69, 1.0, None).unwrap();
    let (l, _) = render(&mut e, 4800);
    let full = chronus_modules::analysis::peak(&l[2400..]);
    send(&mut c, ChannelMessage::Volume(0.5));
    send(&mut c, ChannelMessage::Expression(0.5));
    let (l, r) = render(&mut e, 9600);
    let quiet = chronus_modules::analysis::peak(&l[4800..]);
    assert!((quiet / full - 0.0625).abs() < 0.005, "{}", quiet / full);
    assert!(max_step(&l) < 0.07);
    assert_eq!(l, r);
    send(&mut c, ChannelMessage::Pan(1.0));
    let (l, r) = render(&mut e, 9600);
    assert!(chronus_modules::analysis::peak(&l[4800..]) < 1e-6);
    assert!((chronus_modules::analysis::peak(&r[4800..]) - quiet).abs() < 0.01);
}

#[test]
fn note_pressure_follows_channel_and_poly_aftertouch() {
    let (mut e, mut c) = engine(PRESSURE);
    let t = &NoteTarget::Default;
    c.note_on(t, 60, 1.0, None).unwrap();
    let (l, _) = run(&mut e, 480, 64);
    assert_eq!(l[479], 0.0);
    send(&mut c, ChannelMessage::Pressure(0.5));
    let (l, _) = render(&mut e, 4800);
    assert!((l[4799] - 0.5).abs() < 1e-3, "{}", l[4799]);
    assert!(max_step(&l) < 0.01, "pressure glides");
    send(
        &mut c,
        ChannelMessage::PolyPressure {
            note: 60,
            value: 0.8,
        },
    );
    let (l, _) = render(&mut e, 480);
    assert!((l[479] - 0.8).abs() < 1e-3, "{}", l[479]);
    send(
        &mut c,
        ChannelMessage::PolyPressure {
            note: 61,
            value: 1.0,
        },
    );
    let (l, _) = render(&mut e, 480);
    assert!(
        (l[479] - 0.8).abs() < 1e-3,
        "another note's aftertouch does not reach it"
    );
}

#[test]
fn channel_state_survives_a_commit() {
    let (mut e, mut c) = engine(&sine_voice(4));
    send(&mut c, ChannelMessage::BendRange(12.0));
    send(&mut c, ChannelMessage::Bend(1.0));
    render(&mut e, 480);
    c.load(crate::support::engine::patch(
        &sine_voice(4).replace("0.01", "0.02"),
    ))
    .unwrap();
    c.note_on(&NoteTarget::Default, 57, 1.0, None).unwrap();
    let (l, _) = render(&mut e, 9600);
    let f = zero_crossing_frequency(&l[4800..], SR);
    assert!((f - 440.0).abs() < 2.0, "A3 bent an octave up: {f}");
}

/// Every channel message, notes and retunings while graphs swap (carried and crossfaded),
/// in blocks of every size: nothing allocates, nothing goes NaN, nothing stays stuck.
#[test]
fn channel_messages_through_swaps_never_allocate() {
    let sine = sine_voice(4);
    let (mut e, mut c) = engine(&sine);
    let crossfade = sine
        .replace(
            "\"vca\": (kind: \"vca\"),",
            "\"vca\": (kind: \"vca\"), \"x\": (kind: \"const\"),",
        )
        .replace(
            "(\"env.out\", \"vca.cv\"),",
            "(\"env.out\", \"vca.cv\"), (\"x.out\", \"osc.pitch\"),",
        );
    let messages = [
        ChannelMessage::Bend(1.0),
        ChannelMessage::BendRange(7.0),
        ChannelMessage::Pressure(0.7),
        ChannelMessage::PolyPressure {
            note: 62,
            value: 0.3,
        },
        ChannelMessage::Sustain(true),
        ChannelMessage::Volume(0.4),
        ChannelMessage::Expression(0.9),
        ChannelMessage::Pan(-0.5),
        ChannelMessage::Sustain(false),
        ChannelMessage::Bend(-1.0),
        ChannelMessage::AllNotesOff,
        ChannelMessage::ResetControllers,
        ChannelMessage::AllSoundOff,
    ];
    let t = NoteTarget::Default;
    let mut peak = 0.0f32;
    for b in 0..400u64 {
        let now = e.sample_time();
        let note = 50 + (b % 24) as u8;
        let _ = c.note_on(&t, note, 0.8, Some(now + b % 7));
        let _ = c.channel_message(&t, messages[(b % 13) as usize], Some(now + 3));
        if b % 5 == 0 {
            let _ = c.note_off(&t, note, Some(now + 40));
        }
        if b % 17 == 0 {
            let _ = c.set_tuning(430.0 + (b % 20) as f32, Some(now + 9));
        }
        if b % 9 == 0 {
            let text = if b % 18 == 0 { &crossfade } else { &sine };
            let _ = c.load(crate::support::engine::patch(text));
        }
        c.collect_garbage();
        let (l, r) = render(&mut e, [64usize, 1, 333, 17][(b % 4) as usize]);
        assert!(l.iter().chain(&r).all(|x| x.is_finite()));
        peak = peak.max(chronus_modules::analysis::peak(&l));
    }
    assert!(peak > 0.1, "it played");
    send(&mut c, ChannelMessage::AllSoundOff);
    render(&mut e, 960);
    let (l, _) = render(&mut e, 960);
    assert!(chronus_modules::analysis::peak(&l) < 1e-6, "nothing stuck");
}

/// A crossfading commit while the pedal holds a released note: the note moves to the new
/// graph still held by the pedal only, and pedal up releases it there.
#[test]
fn the_pedal_keeps_its_notes_through_a_crossfade() {
    let (mut e, mut c) = engine(&sine_voice(4));
    let t = &NoteTarget::Default;
    send(&mut c, ChannelMessage::Sustain(true));
    c.note_on(t, 60, 1.0, None).unwrap();
    c.note_on(t, 64, 1.0, None).unwrap();
    render(&mut e, 480);
    c.note_off(t, 60, None).unwrap();
    render(&mut e, 480);
    // A topology change: crossfade, held notes start again in the new graph.
    c.load(crate::support::engine::patch(
        &sine_voice(4).replace("\"sine\"", "\"triangle\""),
    ))
    .unwrap();
    render(&mut e, 2400);
    assert_eq!(held_notes(&e), vec![60, 64]);
    send(&mut c, ChannelMessage::Sustain(false));
    render(&mut e, 480);
    assert_eq!(
        held_notes(&e),
        vec![64],
        "pedal up releases 60 in the new graph"
    );
}

/// A voice whose params are modulated by every kind of `note` source: `freq` (bent),
/// `pressure` (channel and poly), `velocity` and `gate`. Without `via_sum` the
/// sources feed the params directly, so the engine hands them over as held values; with
/// it, a second connection from a silent module into each modulated port (so the engine sums
/// the source into a new buffer and the param scans it, the general path).
fn modulated_voice(via_sum: bool) -> String {
    let zero = |port: &str| {
        if via_sum {
            format!(r#"("zero.out", "{port}"), "#)
        } else {
            String::new()
        }
    };
    format!(
        r#"(voice: (count: 3, steal: "oldest", modules: {{
    "saw": (kind: "saw"),
    "filter": (kind: "lowpass", params: {{"cutoff": 900.0}}),
    "env": (kind: "adsr", params: {{"attack": 0.002, "sustain": 0.5, "release": 0.01}}),
    "vca": (kind: "vca"),
    "zero": (kind: "vca"),
}}, connections: [("note.freq", "saw.freq"), {}("note.pressure", "filter.cutoff"), {}
    ("note.velocity", "filter.q"), {}("note.gate", "env.gate"), {}("saw.out", "filter.in"),
    ("filter.out", "vca.in"), ("env.out", "vca.cv"), ("vca.out", "output.left"),
    ("vca.out", "output.right")]),
    connections: [("voices.left", "output.left"), ("voices.right", "output.right")])"#,
        zero("saw.freq"),
        zero("filter.cutoff"),
        zero("filter.q"),
        zero("env.gate"),
    )
}

#[test]
fn held_note_sources_give_the_output_of_scanned_buffers() {
    // Held sources are written once and read as one value; summed ones are rewritten and
    // scanned every block. Through notes, bends (ramps), pressure, a retrigger, releases
    // and uneven blocks, the two must sound the same, bit for bit.
    let play = |text: &str| {
        let (mut e, mut c) = engine(text);
        let mut out = vec![];
        let mut step = |e: &mut Engine, frames: usize| out.extend(render(e, frames).0);
        let on = |c: &mut chronus::control::Controller, note: u8, velocity: f32| {
            c.note_on(&NoteTarget::Default, note, velocity, None)
                .unwrap();
        };
        on(&mut c, 57, 0.8);
        on(&mut c, 64, 0.3);
        step(&mut e, 3000);
        send(&mut c, ChannelMessage::Bend(0.7));
        step(&mut e, 2000);
        send(&mut c, ChannelMessage::Pressure(0.6));
        send(
            &mut c,
            ChannelMessage::PolyPressure {
                note: 64,
                value: 0.9,
            },
        );
        step(&mut e, 1500);
        on(&mut c, 57, 0.5); // retrigger: the gate drops for one frame
        send(&mut c, ChannelMessage::Bend(0.0));
        step(&mut e, 2500);
        c.note_off(&NoteTarget::Default, 64, None).unwrap();
        on(&mut c, 71, 1.0);
        step(&mut e, 3000);
        out
    };
    let held = play(&modulated_voice(false));
    let scanned = play(&modulated_voice(true));
    assert!(held.iter().any(|x| x.abs() > 0.01), "the voice sounds");
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&held), bits(&scanned));
}

#[test]
fn held_note_sources_follow_every_new_note_and_velocity() {
    // A held source is only rewritten when its value changes: after a retrigger with
    // another velocity, a stolen voice's new note and a bend that comes back, each voice's
    // `note.velocity` and `note.freq` buffers hold what it now plays.
    let (mut e, mut c) = engine(&modulated_voice(false));
    let check = |e: &Engine, frames: usize, bent: bool| {
        let inst = &e.graph().unwrap().instruments[0];
        let slot = |o: NoteOutput| inst.source_slots.iter().position(|s| *s == o).unwrap();
        for v in inst
            .voices
            .iter()
            .filter(|v| v.state.phase == VoicePhase::Held)
        {
            let p = &v.program;
            let velocity = &p.pool[p.sources[slot(NoteOutput::Velocity)]][..frames];
            assert!(
                velocity.iter().all(|x| *x == v.state.velocity),
                "{velocity:?}"
            );
            let hz = 440.0 * 2f32.powf((f32::from(v.state.note) - 69.0) / 12.0);
            let freq = &p.pool[p.sources[slot(NoteOutput::Freq)]][..frames];
            if !bent {
                assert!(freq.iter().all(|f| (f / hz - 1.0).abs() < 1e-4), "{freq:?}");
            }
        }
    };
    let block = |e: &mut Engine, frames: usize, bent: bool| {
        for _ in 0..20 {
            render(e, frames);
            check(e, frames, bent);
        }
    };
    let on = |c: &mut chronus::control::Controller, note: u8, velocity: f32| {
        c.note_on(&NoteTarget::Default, note, velocity, None)
            .unwrap();
    };
    on(&mut c, 57, 0.8);
    on(&mut c, 64, 0.3);
    on(&mut c, 69, 0.4);
    block(&mut e, 13, false);
    on(&mut c, 57, 0.5);
    block(&mut e, 64, false);
    on(&mut c, 76, 0.9); // steals the oldest held voice
    block(&mut e, 64, false);
    send(&mut c, ChannelMessage::Bend(-1.0));
    block(&mut e, 64, true);
    send(&mut c, ChannelMessage::Bend(0.0));
    for _ in 0..10 {
        block(&mut e, 64, true);
    }
    block(&mut e, 64, false);
}

#[test]
fn only_the_note_outputs_a_template_reads_are_filled() {
    // The template reads freq, pressure, velocity and gate, not pitch: pitch's buffer is
    // never written, the others hold what each voice plays.
    let (mut e, mut c) = engine(&modulated_voice(false));
    c.note_on(&NoteTarget::Default, 60, 0.7, None).unwrap();
    render(&mut e, 256);
    let inst = &e.graph().unwrap().instruments[0];
    let read: Vec<NoteOutput> = inst
        .read_sources
        .iter()
        .map(|&i| inst.source_slots[i])
        .collect();
    assert_eq!(
        read,
        [
            NoteOutput::Freq,
            NoteOutput::Gate,
            NoteOutput::Velocity,
            NoteOutput::Pressure
        ]
    );
    let slot = |o: NoteOutput| inst.source_slots.iter().position(|s| *s == o).unwrap();
    let v = &inst.voices[0];
    assert_eq!(v.state.note, 60);
    let buffer = |o: NoteOutput| &v.program.pool[v.program.sources[slot(o)]][..];
    assert!(buffer(NoteOutput::Pitch).iter().all(|x| *x == 0.0));
    assert!(buffer(NoteOutput::Gate).iter().all(|x| *x == 1.0));
    assert!(buffer(NoteOutput::Velocity).iter().all(|x| *x == 0.7));
}

/// One instrument on MIDI channel `ch`.
fn lead_on_channel(ch: u8) -> String {
    format!(
        r#"(instruments: {{"lead": (count: 2, channel: {ch}, modules: {{
            "osc": (kind: "sine"), "env": (kind: "adsr"), "vca": (kind: "vca"),
        }}, connections: [("note.freq", "osc.freq"), ("note.gate", "env.gate"),
            ("osc.out", "vca.in"), ("env.out", "vca.cv"), ("vca.out", "output.left")])}},
        connections: [("lead.left", "output.left")])"#
    )
}

#[test]
fn note_offs_and_pedal_up_reach_where_they_went_down_after_a_channel_change() {
    let (mut e, mut c) = engine(&lead_on_channel(1));
    let ch1 = NoteTarget::Channel(1);
    c.note_on(&ch1, 60, 1.0, None).unwrap();
    c.note_on(&ch1, 64, 1.0, None).unwrap();
    c.channel_message(&ch1, ChannelMessage::Sustain(true), None)
        .unwrap();
    render(&mut e, 480);
    // The instrument moves to channel 2 while both notes and the pedal are down.
    c.load(crate::support::engine::patch(&lead_on_channel(2)))
        .unwrap();
    render(&mut e, 960);
    assert_eq!(held_notes(&e), vec![60, 64]);
    // Channel 1 reaches nothing new, but its note-off and pedal-up still reach `lead`.
    c.note_off(&ch1, 60, None).unwrap();
    render(&mut e, 480);
    assert_eq!(held_notes(&e), vec![60, 64], "the pedal holds 60");
    c.channel_message(&ch1, ChannelMessage::Sustain(false), None)
        .unwrap();
    c.note_off(&ch1, 64, None).unwrap();
    render(&mut e, 480);
    assert_eq!(held_notes(&e), Vec::<u8>::new(), "nothing stuck");
    // With nothing of channel 1 left down, a channel-1 note-off is refused as before.
    assert!(c.note_off(&ch1, 60, None).is_err());
}
