//! External instruments in the engine: a `midi` instrument's events (notes from the
//! controller and from the sequencer, channel messages, backend params, all notes off,
//! panic) leave through the outbound ring with their exact sample times and in order,
//! with the engine under assert_no_alloc; an internal instrument beside it is voiced as
//! before and nothing of it reaches the ring. A patch of only `midi` instruments and an
//! empty main graph checks, plays and renders silence.

use assert_no_alloc::assert_no_alloc;
#[cfg(debug_assertions)]
use assert_no_alloc::violation_count;
use chronus::address::InstrumentKey;
use chronus::control::NoteTarget;
use chronus::engine::{ChannelMessage, Engine, EngineStats, OutEvent, OutboundEvent};
use chronus_modules::ParamValue;

use crate::support::engine::engine;

const MIDI_ONLY: &str = r#"(instruments: {
    "nts1": (count: 1, backend: (kind: "midi", port: "NTS-1", channel: 1, profile: "korg_nts1_mk2")),
    "fm": (count: 4, backend: (kind: "midi", port: "Digitone", channel: 3, profile: "fm_synth")),
}, sequence: (bpm: 120, swing: 0.0, drift: 0.0, density: 1.0,
    tracks: {"t": (instrument: "nts1", division: "1/16", pattern: "0 2", gate: 0.5)}))"#;

fn render(e: &mut Engine, frames: usize) -> f32 {
    let (mut l, mut r) = (vec![0.0; frames], vec![0.0; frames]);
    for start in (0..frames).step_by(256) {
        let end = (start + 256).min(frames);
        assert_no_alloc(|| e.process(&mut l[start..end], &mut r[start..end]));
    }
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0);
    l.iter().chain(&r).fold(0.0f32, |m, x| m.max(x.abs()))
}

fn drain(rx: &mut rtrb::Consumer<OutboundEvent>) -> Vec<OutboundEvent> {
    std::iter::from_fn(|| rx.pop().ok()).collect()
}

#[test]
fn a_midi_only_patch_sends_its_sequencer_notes_out_at_their_samples_and_is_silent() {
    let (mut e, _control) = engine(MIDI_ONLY);
    let mut rx = e.take_outbound().unwrap();
    assert!(
        e.take_outbound().is_none(),
        "the consumer is handed out once"
    );
    let peak = render(&mut e, 48_000);
    assert_eq!(peak, 0.0, "a MIDI-only patch renders silence");
    let out = drain(&mut rx);
    let nts1 = InstrumentKey::of("nts1");
    let ons: Vec<(u64, u8)> = out
        .iter()
        .filter_map(|o| match o.event {
            OutEvent::NoteOn { note, .. } if o.instrument == nts1 => Some((o.time, note)),
            _ => None,
        })
        .collect();
    assert_eq!(ons.len(), 8, "{out:?}");
    for w in ons.windows(2) {
        assert_eq!(w[1].0 - w[0].0, 6_000, "{ons:?}");
        assert_ne!(w[0].1, w[1].1);
    }
    let offs = out
        .iter()
        .filter(|o| matches!(o.event, OutEvent::NoteOff { .. }))
        .count();
    assert_eq!(offs, 8);
    assert!(
        out.windows(2).all(|w| w[0].time <= w[1].time),
        "in time order"
    );
    assert_eq!(EngineStats::get(&e.stats().outbound_sent), 16);
}

#[test]
fn control_events_for_external_instruments_go_out_and_internal_ones_are_voiced() {
    let text = r#"(instruments: {
    "lead": (count: 4, modules: {
        "osc": (kind: "sine"),
        "env": (kind: "adsr", params: {"attack": 0.001, "sustain": 1.0, "release": 0.01}),
        "vca": (kind: "vca"),
    }, connections: [("note.freq", "osc.freq"), ("note.gate", "env.gate"), ("osc.out", "vca.in"),
        ("env.out", "vca.cv"), ("vca.out", "output.left"), ("vca.out", "output.right")]),
    "ext": (count: 2, backend: (kind: "midi", port: "x", channel: 5, profile: "generic_analog")),
}, connections: [("lead.left", "output.left"), ("lead.right", "output.right")])"#;
    let (mut e, mut control) = engine(text);
    let mut rx = e.take_outbound().unwrap();
    control.set_backend_params("ext", vec!["cutoff".into(), "resonance".into()]);
    let ext = NoteTarget::Instrument("ext".into());
    let lead = NoteTarget::Instrument("lead".into());
    control.note_on(&ext, 60, 0.5, Some(100)).unwrap();
    control.note_on(&lead, 69, 0.5, Some(100)).unwrap();
    control
        .set_live("ext", "cutoff", ParamValue::Number(0.75), Some(200))
        .unwrap();
    assert!(control
        .set_live("ext", "cutof", ParamValue::Number(0.75), None)
        .unwrap_err()
        .to_string()
        .contains("its params: cutoff, resonance"));
    assert!(control
        .set_live("ext", "cutoff", ParamValue::Number(1.5), None)
        .is_err());
    control
        .channel_message(&ext, ChannelMessage::Bend(0.5), Some(300))
        .unwrap();
    control.note_off(&ext, 60, Some(400)).unwrap();
    control.all_notes_off(Some(500)).unwrap();
    let peak = render(&mut e, 4_800);
    assert!(peak > 0.01, "the internal instrument sounds");
    control.panic().unwrap();
    render(&mut e, 256);
    let key = InstrumentKey::of("ext");
    let out: Vec<(u64, OutEvent)> = drain(&mut rx)
        .into_iter()
        .inspect(|o| assert_eq!(o.instrument, key))
        .map(|o| (o.time, o.event))
        .collect();
    assert_eq!(
        out,
        [
            (
                100,
                OutEvent::NoteOn {
                    note: 60,
                    velocity: 0.5
                }
            ),
            (
                200,
                OutEvent::Param {
                    param: 0,
                    value: 0.75,
                    glide: 0,
                }
            ),
            (300, OutEvent::Channel(ChannelMessage::Bend(0.5))),
            (400, OutEvent::NoteOff { note: 60 }),
            (500, OutEvent::AllNotesOff),
            (4_800, OutEvent::Panic),
        ]
    );
}

#[test]
fn an_external_instruments_notes_are_cued_and_counted_like_the_engines_own() {
    let (mut e, mut control) = engine(MIDI_ONLY);
    let mut rx = e.take_outbound().unwrap();
    render(&mut e, 48_000);
    let sent_ons = drain(&mut rx)
        .iter()
        .filter(|o| matches!(o.event, OutEvent::NoteOn { .. }))
        .count();
    let cues: Vec<_> = std::iter::from_fn(|| control.pop_note_cue()).collect();
    assert_eq!(
        cues.len(),
        sent_ons,
        "one note cue per note sent out: {cues:?}"
    );
    assert!(
        cues.iter().all(|c| c.sequencer),
        "the sequencer played them"
    );
    assert_eq!(
        EngineStats::get(&e.stats().sequencer_notes),
        sent_ons as u64,
        "the sequencer's notes are counted"
    );
}

/// A commit that removes an external instrument (or makes the engine voice it) while it
/// holds notes tells it all notes off through the ring at the swap's sample, so its synth
/// releases them (the backend's note-off for each, then CC 123 on its channel); an
/// external instrument the new patch keeps is told nothing. The engine runs under
/// assert_no_alloc throughout.
#[test]
fn a_commit_that_removes_an_external_instrument_releases_its_notes() {
    const BOTH: &str = r#"(instruments: {
    "nts1": (count: 1, backend: (kind: "midi", port: "NTS-1", channel: 1, profile: "korg_nts1_mk2")),
    "fm": (count: 4, backend: (kind: "midi", port: "Digitone", channel: 3, profile: "fm_synth")),
})"#;
    const FM_ONLY: &str = r#"(instruments: {
    "fm": (count: 4, backend: (kind: "midi", port: "Digitone", channel: 3, profile: "fm_synth")),
})"#;
    let (mut e, mut control) = engine(BOTH);
    let mut rx = e.take_outbound().unwrap();
    let (nts1, fm) = (InstrumentKey::of("nts1"), InstrumentKey::of("fm"));
    control
        .note_on(&NoteTarget::Instrument("nts1".into()), 60, 0.5, Some(100))
        .unwrap();
    control
        .note_on(&NoteTarget::Instrument("fm".into()), 64, 0.5, Some(100))
        .unwrap();
    render(&mut e, 4_800);
    assert_eq!(drain(&mut rx).len(), 2, "the two note-ons");

    control
        .load(crate::support::engine::patch(FM_ONLY))
        .unwrap();
    render(&mut e, 4_800);
    let out = drain(&mut rx);
    assert_eq!(out.len(), 2, "{out:?}");
    assert_eq!(out[0].instrument, nts1, "{out:?}");
    assert_eq!(out[0].event, OutEvent::AllNotesOff);
    assert!(
        (4_800..4_800 + 256).contains(&out[0].time),
        "at the swap: {out:?}"
    );
    // Then the swap itself, at the same sample (the MIDI output re-plans there).
    assert_eq!(out[1].event, OutEvent::Swap { revision: 2 }, "{out:?}");
    assert_eq!(out[1].time, out[0].time);
    assert!(out.iter().all(|o| o.instrument != fm), "fm is kept");

    // Now voiced by the engine: `fm` leaves the outside too.
    let voiced = r#"(instruments: {"fm": (count: 2, modules: {"osc": (kind: "sine")},
        connections: [("osc.out", "output.left")])},
        connections: [("fm.left", "output.left")])"#;
    control.load(crate::support::engine::patch(voiced)).unwrap();
    render(&mut e, 4_800);
    let out = drain(&mut rx);
    assert_eq!(
        out.iter()
            .map(|o| (o.instrument, o.event))
            .collect::<Vec<_>>(),
        [
            (fm, OutEvent::AllNotesOff),
            (InstrumentKey::CLOCK, OutEvent::Swap { revision: 3 })
        ]
    );
}

/// A commit swaps in at a sample the MIDI output must know to re-plan its ports there:
/// the engine sends the swap out through the ring (under assert_no_alloc) when the old or
/// the new graph has external instruments, after any release, and nothing when neither
/// has. The events of an instrument the commit adds come after it.
#[test]
fn a_swap_goes_out_when_either_graph_has_external_instruments() {
    const NONE: &str =
        r#"(modules: {"osc": (kind: "sine")}, connections: [("osc.out", "output.left")])"#;
    let (mut e, mut control) = engine(NONE);
    let mut rx = e.take_outbound().unwrap();
    render(&mut e, 4_800);
    control.load(crate::support::engine::patch(NONE)).unwrap();
    render(&mut e, 4_800);
    assert_eq!(drain(&mut rx), [], "no external instrument, no swap out");

    const ADDED: &str = r#"(instruments: {
    "nts1": (count: 1, backend: (kind: "midi", port: "NTS-1", channel: 1, profile: "korg_nts1_mk2")),
})"#;
    let revision = control.load(crate::support::engine::patch(ADDED)).unwrap();
    render(&mut e, 4_800);
    let out = drain(&mut rx);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].event, OutEvent::Swap { revision }, "{out:?}");
    assert!((9_600..9_600 + 256).contains(&out[0].time), "{out:?}");
    control
        .note_on(&NoteTarget::Instrument("nts1".into()), 60, 0.5, Some(100))
        .unwrap();
    render(&mut e, 4_800);
    let out = drain(&mut rx);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].instrument, InstrumentKey::of("nts1"));
    assert!(matches!(out[0].event, OutEvent::NoteOn { note: 60, .. }));

    // Removed again: its release, then the swap.
    let revision = control.load(crate::support::engine::patch(NONE)).unwrap();
    render(&mut e, 4_800);
    let out = drain(&mut rx);
    let events: Vec<OutEvent> = out.iter().map(|o| o.event).collect();
    assert_eq!(
        events,
        [OutEvent::AllNotesOff, OutEvent::Swap { revision }],
        "{out:?}"
    );
}
