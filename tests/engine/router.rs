//! The MIDI router and its `--config` file: every action kind, every curve, the channel
//! filter, `play` and `trigger_step` ranges, and config errors with positions and hints.

use crate::support::engine::engine;

use std::sync::Arc;

use chronus::backend::InstrumentError;
use chronus::config::{self, Config};
use chronus::control::{ControlError, Controller};
use chronus::engine::Engine;
use chronus::graph::VoicePhase;
use chronus::midi::held::HeldNotes;
use chronus::midi::parse::MidiEvent;
use chronus::midi::router::Router;
use chronus::midi_protocol::ChannelEvent;
use chronus::patch::ScaleKind;
use chronus_modules::{ParamValue, Registry};
use parking_lot::Mutex;

const POLY: &str = include_str!("../../patches/poly-subtractive.ron");

/// Two instruments plus a filter and a reverb in the main graph.
const PATCH: &str = r#"(instruments: {
    "lead": (count: 2, channel: 1, modules: {
        "osc": (kind: "saw"),
        "vcf": (kind: "lowpass"),
        "env": (kind: "adsr"),
        "vca": (kind: "vca"),
    }, connections: [("note.freq", "osc.freq"), ("osc.out", "vcf.in"), ("vcf.out", "vca.in"),
        ("note.gate", "env.gate"), ("env.out", "vca.cv"), ("vca.out", "output.left")]),
    "bass": (count: 2, channel: 2, modules: {
        "bosc": (kind: "sine"),
        "shape": (kind: "lfo"),
    }, connections: [("note.freq", "bosc.freq"), ("bosc.out", "output.left")]),
}, modules: {
    "hp": (kind: "highpass"),
    "rev": (kind: "reverb"),
}, connections: [("lead.left", "hp.in"), ("hp.out", "rev.left"), ("bass.left", "rev.right"),
    ("rev.left", "output.left"), ("rev.right", "output.right")])"#;

const CONFIG: &str = r#"(
    router: (
        notes: [
            (notes: (0, 11), action: trigger_step),
            (notes: (12, 47), channel: 1, action: play(instrument: "bass")),
        ],
        ccs: [
            (cc: 20, action: tempo), (cc: 23, action: swing), (cc: 24, action: density),
            (cc: 50, action: sequence_length), (cc: 51, action: scale_select),
            (cc: 52, action: chaos_lock), (cc: 60, action: mode), (cc: 61, action: palette),
            (cc: 62, action: drift),
            (cc: 21, action: filter_cutoff),
            (cc: 22, action: reverb_mix),
            (cc: 25, action: master_volume),
            (cc: 30, action: param(target: "vcf.q")),
            (cc: 31, action: param(target: "vcf.q", curve: exponential), channel: 2),
            (cc: 32, action: param(target: "env.release", curve: logarithmic)),
            (cc: 33, action: param(target: "rev.time", curve: stepped, steps: 3)),
            (cc: 34, action: param(target: "shape.shape", curve: stepped)),
            (cc: 35, action: param(target: "output.volume")),
        ],
    ),
)"#;

fn setup(patch: &str, config: &str) -> (Engine, Arc<Mutex<Controller>>, Router) {
    let (e, c) = engine(patch);
    let config = config::load(config, Some("test.ron"), c.running(), &Registry::builtin())
        .unwrap_or_else(|e| panic!("{e}"));
    let c = Arc::new(Mutex::new(c));
    let router = Router::new(config, c.clone());
    (e, c, router)
}

fn cc(channel: u8, controller: u8, value: u8) -> MidiEvent {
    MidiEvent {
        channel,
        event: ChannelEvent::Controller { controller, value },
    }
}

fn note_on(channel: u8, note: u8, velocity: u8) -> MidiEvent {
    MidiEvent {
        channel,
        event: ChannelEvent::NoteOn { note, velocity },
    }
}

fn param(c: &Arc<Mutex<Controller>>, id: &str, p: &str) -> f64 {
    let c = c.lock();
    match chronus::patch::find_module(c.running(), id)
        .unwrap()
        .1
        .params
        .get(p)
    {
        Some(ParamValue::Number(v)) => *v,
        other => panic!("{id}.{p}: {other:?}"),
    }
}

/// [`PATCH`] with a `sequence` section, so the sequencer's controls have an owner
/// (no drift, so the tempo reads exactly).
fn sequenced() -> String {
    let end = PATCH.rfind(')').unwrap();
    format!(
        "{}, sequence: (bpm: 100, drift: 0.0, scales: [\"minor\", \"dorian\", \"lydian\"], \
         tracks: {{\"t\": (instrument: \"lead\", pattern: \"0 2 4 7\")}}))",
        &PATCH[..end]
    )
}

fn is_no_sequencer(r: Result<(), InstrumentError>) -> bool {
    matches!(r, Err(InstrumentError::Control(ControlError::NoSequencer)))
}

#[test]
fn sequencer_controls_reach_the_sequencer_as_positions() {
    // Without a sequence section every sequencer action is refused, saying why.
    let (_e, _c, mut r) = setup(PATCH, CONFIG);
    for number in [20, 23, 24, 50, 51, 52, 60, 61, 62] {
        assert!(
            is_no_sequencer(r.handle(cc(1, number, 127), None)),
            "cc {number}"
        );
    }
    let e = r.handle(cc(1, 20, 0), None).unwrap_err().to_string();
    assert!(e.contains("no sequence section"), "{e}");
    assert!(is_no_sequencer(r.handle(note_on(3, 5, 127), None)));
    assert!(
        r.handle(note_on(3, 5, 0), None).is_ok(),
        "a trigger_step note-off is dropped"
    );

    // With one, each lands on its own control: 127 is the top of the range, 0 the bottom.
    let patch = sequenced();
    let (mut e, c, mut r) = setup(&patch, CONFIG);
    for number in [23, 52, 61, 62] {
        r.handle(cc(1, number, 0), None).unwrap(); // swing, lock, palette, drift: all off
    }
    r.handle(cc(1, 50, 6), None).unwrap(); // sequence_length: 1 + round(6/127 · 63) = 4
    r.handle(cc(1, 20, 127), None).unwrap(); // tempo: 300 BPM
    r.handle(cc(1, 24, 0), None).unwrap(); // density: 0, so only triggered steps play
    r.handle(cc(1, 51, 127), None).unwrap(); // scale_select: the last scale, at the next bar
    crate::support::engine::run(&mut e, 48_000 * 2, 256);
    let s = c.lock().sequencer_state().unwrap();
    assert_eq!((s.bpm, s.density, s.scale), (300.0, 0.0, ScaleKind::Lydian));
    assert_eq!(held(&e, 0), Vec::<u8>::new(), "density 0 plays nothing");
    // trigger_step: note 2 of the range 0..11 plays step 2 (degree 4 of C lydian: G4).
    r.handle(note_on(3, 2, 127), None).unwrap();
    crate::support::engine::run(&mut e, 256, 256);
    assert_eq!(held(&e, 0), vec![67]);
    // mode 127: always ambient.
    r.handle(cc(1, 60, 127), None).unwrap();
    crate::support::engine::run(&mut e, 48_000, 256);
    assert!(c.lock().sequencer_state().unwrap().ambient);
}

#[test]
fn controller_actions_move_params_of_the_running_patch() {
    let (_e, c, mut r) = setup(PATCH, CONFIG);
    // filter_cutoff: every filter, main graph and voices, along its log taper.
    r.handle(cc(1, 21, 127), None).unwrap();
    assert_eq!(param(&c, "vcf", "cutoff"), 20_000.0);
    assert_eq!(param(&c, "hp", "cutoff"), 20_000.0);
    r.handle(cc(1, 21, 0), None).unwrap();
    assert_eq!(param(&c, "vcf", "cutoff"), 20.0);
    r.handle(cc(1, 21, 64), None).unwrap();
    let mid = param(&c, "vcf", "cutoff");
    assert!(mid > 600.0 && mid < 700.0, "logarithmic middle: {mid}");
    // reverb_mix: linear 0..1.
    r.handle(cc(1, 22, 127), None).unwrap();
    assert_eq!(param(&c, "rev", "mix"), 1.0);
    // master_volume: squared, 127 = unity.
    r.handle(cc(1, 25, 64), None).unwrap();
    let v = c.lock().running().volume.unwrap();
    assert!((v - (64.0f64 / 127.0).powi(2)).abs() < 1e-6, "{v}");
}

#[test]
fn param_targets_follow_every_curve() {
    let (_e, c, mut r) = setup(PATCH, CONFIG);
    let q = |r: &mut Router, ch: u8, number: u8, value: u8| {
        r.handle(cc(ch, number, value), None).unwrap();
    };
    // linear: q is 0.1 .. 20 (its ParamSpec range).
    let (lo, hi) = (0.1, 20.0);
    q(&mut r, 1, 30, 127);
    assert!((param(&c, "vcf", "q") - hi).abs() < 1e-4);
    q(&mut r, 1, 30, 64);
    assert!((param(&c, "vcf", "q") - (lo + (hi - lo) * 64.0 / 127.0)).abs() < 1e-3);
    // exponential, channel 2 only: a low middle.
    q(&mut r, 2, 31, 64);
    let exp = param(&c, "vcf", "q");
    assert!(exp < lo + (hi - lo) * 0.05, "{exp}");
    q(&mut r, 1, 31, 127); // channel 1: unrouted, so just a controller (no change)
    assert_eq!(param(&c, "vcf", "q"), exp);
    // logarithmic: a high middle.
    q(&mut r, 1, 32, 64);
    let (rlo, rhi) = (0.001, 20.0);
    assert!(param(&c, "env", "release") > rlo + (rhi - rlo) * 0.9);
    // stepped with 3 steps over rev.time.
    q(&mut r, 1, 33, 50);
    let t = param(&c, "rev", "time");
    q(&mut r, 1, 33, 127);
    let t2 = param(&c, "rev", "time");
    assert!(t > 0.0 && t < t2, "{t} {t2}");
    // stepped over a choice param: through its variants.
    q(&mut r, 1, 34, 127);
    let shape = chronus::patch::find_module(c.lock().running(), "shape")
        .unwrap()
        .1
        .params["shape"]
        .clone();
    assert_eq!(shape, ParamValue::Text("random".into()));
    // output.volume as a param (0..4 linear).
    q(&mut r, 1, 35, 127);
    assert_eq!(c.lock().running().volume, Some(4.0));
}

fn held(e: &Engine, k: usize) -> Vec<u8> {
    e.graph().unwrap().instruments[k]
        .voices
        .iter()
        .filter(|v| v.state.phase == VoicePhase::Held)
        .map(|v| v.state.note)
        .collect()
}

#[test]
fn play_ranges_and_channels_pick_the_instrument() {
    let (mut e, _c, mut r) = setup(PATCH, CONFIG);
    r.handle(note_on(1, 40, 100), None).unwrap(); // play range: bass
    r.handle(note_on(1, 60, 100), None).unwrap(); // channel 1: lead
    r.handle(note_on(2, 41, 100), None).unwrap(); // channel 2 is not the range's: bass by channel
    crate::support::engine::run(&mut e, 64, 64);
    assert_eq!(held(&e, 0), vec![60]);
    let mut bass = held(&e, 1);
    bass.sort();
    assert_eq!(bass, vec![40, 41]);
    // Note-offs go where their note-ons went.
    r.handle(
        MidiEvent {
            channel: 1,
            event: ChannelEvent::NoteOff { note: 40 },
        },
        None,
    )
    .unwrap();
    r.handle(note_on(1, 60, 0), None).unwrap();
    crate::support::engine::run(&mut e, 64, 64);
    assert_eq!(held(&e, 0), Vec::<u8>::new());
    assert_eq!(held(&e, 1), vec![41], "channel 2's 41 still held");
    assert_eq!(r.distributor().instruments().len(), 2);
    r.release_all(None).unwrap();
    crate::support::engine::run(&mut e, 64, 64);
    assert_eq!(held(&e, 1), Vec::<u8>::new());
}

/// A source that goes away releases its keys and its pedal, not the keys another source
/// holds, and a pedal CC that a route took is not sent as a pedal.
#[test]
fn release_frees_what_one_source_held() {
    let config = "(router: (ccs: [(cc: 64, channel: 2, action: filter_cutoff)]))";
    let (mut e, c, mut r) = setup(PATCH, config);
    let mut play = |held: &mut HeldNotes, events: &[MidiEvent]| {
        for &m in events {
            held.track(m);
            r.handle(m, None).unwrap();
        }
    };
    let (mut lost, mut other) = (HeldNotes::default(), HeldNotes::default());
    let off_62 = MidiEvent {
        channel: 1,
        event: ChannelEvent::NoteOff { note: 62 },
    };
    play(
        &mut lost,
        &[
            note_on(1, 60, 100),
            cc(1, 64, 127),
            note_on(1, 62, 100),
            off_62, // the pedal keeps it
            cc(2, 64, 127),
        ],
    );
    play(&mut other, &[note_on(2, 50, 100)]);
    crate::support::engine::run(&mut e, 64, 64);
    let mut lead = held(&e, 0);
    lead.sort();
    assert_eq!(lead, vec![60, 62]);
    assert_eq!(held(&e, 1), vec![50]);
    let cutoff = param(&c, "vcf", "cutoff");

    r.release(&lost.only_here([&other]), None).unwrap();
    crate::support::engine::run(&mut e, 64, 64);
    assert_eq!(
        held(&e, 0),
        Vec::<u8>::new(),
        "its key and its pedal's note"
    );
    assert_eq!(held(&e, 1), vec![50], "the other source's note sounds on");
    assert_eq!(
        param(&c, "vcf", "cutoff"),
        cutoff,
        "channel 2's CC 64 is the filter: no pedal-up sent as a filter move"
    );
}

#[test]
fn the_channel_filter_drops_other_channels() {
    let (mut e, _c, mut r) = setup(PATCH, "(midi: (channel: 2))");
    r.handle(note_on(1, 60, 100), None).unwrap();
    r.handle(note_on(2, 50, 100), None).unwrap();
    crate::support::engine::run(&mut e, 64, 64);
    assert_eq!(held(&e, 0), Vec::<u8>::new());
    assert_eq!(held(&e, 1), vec![50]);
}

#[test]
fn the_example_config_loads_with_its_patch() {
    let text = std::fs::read_to_string("config/example.ron").unwrap();
    let (_e, c) = engine(POLY);
    let config: Config = config::load(
        &text,
        Some("config/example.ron"),
        c.running(),
        &Registry::builtin(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.router.ccs.len(), 15);
    assert_eq!(config.midi.channel, Some(1));
    assert_eq!(
        config.sequencer,
        chronus::seq::SequencerConfig::default(),
        "the example writes out the sequencer's defaults"
    );
}

/// The first error line of loading `text` against PATCH.
fn error(text: &str) -> String {
    let (_e, c) = engine(PATCH);
    config::load(text, Some("cfg.ron"), c.running(), &Registry::builtin())
        .unwrap_err()
        .to_string()
}

#[test]
fn config_errors_name_the_place_and_the_fix() {
    let cases = [
        (
            "(sequencer: (bpm: 110, idle: (timeout: 30, fade_in: -1)))",
            "cfg.ron:1:53: sequencer.idle.fade_in -1 is out of range 0 .. 600; see the `sequencer` table in the README for every range",
        ),
        (
            "(sequencer: (tempo: 110))",
            "cfg.ron:1:14: unknown field `tempo`",
        ),
        (
            &format!(
                "(router: (notes: [{}]))",
                "(notes: (0, 1), action: play(instrument: \"lead\")),".repeat(64)
            ),
            "cfg.ron:1:3169: 64 `play` routes; at most 63 fit; merge ranges that play the same instrument",
        ),
        (
            "(midi: (chanel: 2))",
            "cfg.ron:1:9: unknown field `chanel`; did you mean `channel`? fields here: input, host, channel, latency_ms",
        ),
        (
            "(router: (ccs: [(cc: 20, action: tempoo)]))",
            "cfg.ron:1:34: unknown action or value `tempoo`; did you mean `tempo`?",
        ),
        (
            "(router: (notes: [(notes: (0, 11), action: play(instrument: \"leda\"))]))",
            "cfg.ron:1:44: no instrument \"leda\" in the patch; did you mean \"lead\"? instruments of the patch: lead, bass",
        ),
        (
            "(router: (notes: [(notes: (20, 11), action: trigger_step)]))",
            "cfg.ron:1:27: note range (20, 11) is not a range of MIDI notes; write (first, last) with 0 <= first <= last <= 127",
        ),
        (
            "(router: (ccs: [\n  (cc: 7, action: tempo),\n  (cc: 7, action: swing),\n]))",
            "cfg.ron:3:8: controller 7 is routed twice; keep one route per controller and channel (the first is at 2:3)",
        ),
        (
            "(router: (ccs: [(cc: 1, action: param(target: \"vcf.cutof\"))]))",
            "cfg.ron:1:33: module \"vcf\" (lowpass) has no param \"cutof\"; did you mean \"cutoff\"?",
        ),
        (
            "(router: (ccs: [(cc: 1, action: param(target: \"vfc.q\"))]))",
            "cfg.ron:1:33: no module \"vfc\" in the patch; did you mean \"vcf\"?",
        ),
        (
            "(router: (ccs: [(cc: 1, action: param(target: \"q\"))]))",
            "cfg.ron:1:33: param target \"q\" is not of the form \"id.param\"",
        ),
        (
            "(router: (ccs: [(cc: 1, action: param(target: \"vcf.q\", curve: stepped))]))",
            "cfg.ron:1:33: `curve: stepped` on the float param \"vcf.q\" needs a number of steps; add `steps: N`",
        ),
        (
            "(router: (ccs: [(cc: 1, channel: 17, action: tempo)]))",
            "cfg.ron:1:34: channel 17 is out of range; MIDI channels are 1 .. 16",
        ),
        ("(tuning: (a4: 0.0))", "cfg.ron:1:15: a4 = 0 Hz is out of range"),
        (
            "(midi: (channel: 1, latency_ms: 2000.0))",
            "cfg.ron:1:33: latency_ms 2000 is out of range 0 .. 1000; leave it out for two audio buffers + 2 ms",
        ),
        (
            "(midi: (latency_ms: -1.0))",
            "cfg.ron:1:21: latency_ms -1 is out of range 0 .. 1000",
        ),
        ("(midi: (host: \"coreaudio\"))", "cfg.ron:1:15: unknown MIDI host \"coreaudio\"; write \"alsa\" or \"jack\""),
        ("(router: (ccs: [(cc: 1 action: tempo)]))", "cfg.ron:1:24: "),
        (
            "(router: (ccs: [(cc: 1, action: param(target: \"vcf.q\", curve: expo))]))",
            "cfg.ron:1:63: unknown action or value `expo`; choices: linear, exponential, logarithmic, stepped",
        ),
    ];
    for (text, expected) in cases {
        let got = error(text);
        assert!(
            got.starts_with(expected) || got.contains(expected),
            "{text}\n got: {got}\nwant: {expected}"
        );
        assert_eq!(got.lines().count(), 1, "{got}");
    }
}
