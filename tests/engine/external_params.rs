//! Params of an external (`midi`) instrument reached by name from everywhere a param
//! moves, not only `/mod`: the sequencer's `mutate` and `ambient` lanes (through the
//! controller's backend catalog, as `chronus play` sets it from the CC profiles), the
//! router's semantic actions (`filter_cutoff`, `reverb_mix`) and its `param` action. Each
//! leaves the audio thread as an `OutEvent::Param` on the outbound ring (the profile's
//! index, 0..1 before the profile's curve) at its sample; internal modules beside it move
//! as before. The engine runs under assert_no_alloc throughout.

use std::sync::Arc;

use assert_no_alloc::assert_no_alloc;
#[cfg(debug_assertions)]
use assert_no_alloc::violation_count;
use chronus::address::InstrumentKey;
use chronus::config;
use chronus::control::{Controller, SequencerAction, SequencerControl};
use chronus::engine::{Engine, EngineConfig, EngineStats, OutEvent, OutboundEvent};
use chronus::midi::parse::MidiEvent;
use chronus::midi::router::Router;
use chronus::midi_out::settings::instrument_params;
use chronus::midi_protocol::ChannelEvent;
use chronus::patch::PatchDesc;
use chronus_modules::Registry;
use parking_lot::Mutex;

use crate::support::engine::{patch, SR};

/// An NTS-1 played by the sequencer, whose `resonance` mutates and whose `cutoff` has an
/// ambient value, beside an internal instrument with a filter and a reverb.
const PATCH: &str = r#"(instruments: {
    "nts1": (count: 1, backend: (kind: "midi", port: "NTS-1", channel: 1, profile: "korg_nts1_mk2")),
    "lead": (count: 2, modules: {"osc": (kind: "saw"), "vcf": (kind: "lowpass")},
        connections: [("note.freq", "osc.freq"), ("osc.out", "vcf.in"), ("vcf.out", "output.left")]),
}, modules: {"rev": (kind: "reverb")},
connections: [("lead.left", "rev.left"), ("rev.left", "output.left")],
sequence: (bpm: 120, swing: 0.0, drift: 0.0, density: 1.0,
    tracks: {"t": (instrument: "nts1", division: "1/16", pattern: "0 2")},
    mutate: ["nts1.resonance"], ambient: {"nts1.cutoff": 0.9, "vcf.cutoff": 800.0},
    mutation: (min_interval: 1.0, max_interval: 1.0, max_changes_per_cycle: 1, max_delta: 0.2,
        weights: (notes: 0.0, velocity: 0.0, probability: 0.0, density: 0.0, swing: 0.0, params: 1.0))))"#;

/// The NTS-1 profile's indices of the params used here.
const CUTOFF: u16 = 6;
const RESONANCE: u16 = 7;

/// An engine and its controller with the backend catalog `chronus play` sets (built-in
/// profiles), `PATCH` loaded; the outbound ring's consumer.
fn setup() -> (Engine, Controller, rtrb::Consumer<OutboundEvent>) {
    let (mut engine, handle) = Engine::new(EngineConfig {
        sample_rate: SR,
        ..EngineConfig::default()
    });
    let mut control = Controller::new(Registry::builtin(), handle);
    control.set_backend_catalog(Arc::new(|desc: &PatchDesc| {
        instrument_params(desc, &Default::default())
    }));
    control.load(patch(PATCH)).unwrap_or_else(|e| panic!("{e}"));
    let rx = engine.take_outbound().unwrap();
    (engine, control, rx)
}

fn render(e: &mut Engine, frames: usize) {
    let (mut l, mut r) = (vec![0.0; frames], vec![0.0; frames]);
    for start in (0..frames).step_by(256) {
        let end = (start + 256).min(frames);
        assert_no_alloc(|| e.process(&mut l[start..end], &mut r[start..end]));
    }
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0);
}

/// The param events on the ring, (time, param, value), all of them for `nts1`.
fn params(rx: &mut rtrb::Consumer<OutboundEvent>) -> Vec<(u64, u16, f32)> {
    let nts1 = InstrumentKey::of("nts1");
    std::iter::from_fn(|| rx.pop().ok())
        .filter_map(|o| match o.event {
            OutEvent::Param { param, value, .. } => {
                assert_eq!(o.instrument, nts1, "{o:?}");
                Some((o.time, param, value))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn sequencer_lanes_move_an_external_instruments_params_through_the_ring() {
    let (mut e, mut control, mut rx) = setup();
    assert_eq!(
        control
            .backend_params("nts1")
            .map(|p| p[CUTOFF as usize].as_str()),
        Some("cutoff"),
        "the catalog declared the profile's params at the load"
    );
    // Mutation: one change of `nts1.resonance` a second, each within 0.2 of the last,
    // from the middle of 0..1.
    render(&mut e, 48_000 * 4);
    let mutated = params(&mut rx);
    assert!(mutated.len() >= 2, "{mutated:?}");
    let mut last = 0.5;
    for &(_, param, value) in &mutated {
        assert_eq!(param, RESONANCE, "{mutated:?}");
        assert!((0.0..=1.0).contains(&value), "{mutated:?}");
        assert!((value - last).abs() <= 0.2 + 1e-6, "{mutated:?}");
        last = value;
    }
    // Palette all the way to ambient: the cutoff lane goes to its ambient 0.9 at the next
    // control tick (10 ms), and the internal filter's lane moves too (not on the ring).
    let before = EngineStats::get(&e.stats().sample_time);
    control
        .sequencer_action(
            SequencerAction::Set {
                control: SequencerControl::Palette,
                position: 1.0,
            },
            None,
        )
        .unwrap();
    render(&mut e, 4_800);
    let ambient: Vec<(u64, u16, f32)> = params(&mut rx)
        .into_iter()
        .filter(|p| p.1 == CUTOFF)
        .collect();
    assert_eq!(ambient.len(), 1, "{ambient:?}");
    assert_eq!(ambient[0].2, 0.9);
    assert!(ambient[0].0 >= before && ambient[0].0 < before + 4_800);
}

fn cc(controller: u8, value: u8) -> MidiEvent {
    MidiEvent {
        channel: 1,
        event: ChannelEvent::Controller { controller, value },
    }
}

#[test]
fn router_actions_reach_an_external_instruments_params() {
    let (mut e, control, mut rx) = setup();
    let text = r#"(router: (ccs: [
        (cc: 21, action: filter_cutoff),
        (cc: 22, action: reverb_mix),
        (cc: 30, action: param(target: "nts1.resonance", curve: exponential)),
        (cc: 31, action: param(target: "nts1.filter_type", curve: stepped, steps: 7)),
    ]))"#;
    let config = config::load(
        text,
        Some("cfg.ron"),
        control.running(),
        &Registry::builtin(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let control = Arc::new(Mutex::new(control));
    let mut router = Router::new(config, control.clone());
    for (number, value) in [(21, 127), (22, 64), (30, 64), (31, 127)] {
        router.handle(cc(number, value), None).unwrap();
    }
    render(&mut e, 256);
    let got: Vec<(u16, f32)> = params(&mut rx).into_iter().map(|p| (p.1, p.2)).collect();
    let index = |name: &str| {
        let c = control.lock();
        c.backend_params("nts1")
            .unwrap()
            .iter()
            .position(|p| p == name)
            .unwrap() as u16
    };
    let exp = chronus::config::Curve::Exponential.shape(64, 2);
    assert_eq!(
        got,
        [
            (CUTOFF, 1.0),
            (index("reverb_mix"), 64.0 / 127.0),
            (RESONANCE, exp),
            (index("filter_type"), 1.0),
        ]
    );
    // The internal filter moved too.
    let vcf = control.lock().running().instruments["lead"].modules["vcf"].params["cutoff"].clone();
    assert_eq!(vcf, chronus_modules::ParamValue::Number(20_000.0));

    // A param the profile does not have is a config error naming the profile's params.
    let bad = r#"(router: (ccs: [(cc: 30, action: param(target: "nts1.resonanse"))]))"#;
    let err = config::load(
        bad,
        Some("cfg.ron"),
        control.lock().running(),
        &Registry::builtin(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("cfg.ron:1:34: instrument \"nts1\" has no param \"resonanse\" in its CC profile; did you mean \"resonance\"?"),
        "{err}"
    );
}

/// A live backend's controls (a `supercollider` instrument's, as `chronus play` declares
/// them) stay declared across the catalog's commits beside the `midi` instruments' params,
/// each value checked by its range: clamped, any finite number, refused when not a number;
/// a glide time on them is refused. Their changes leave through the ring like a profile's.
#[test]
fn live_backend_controls_survive_commits_with_their_ranges() {
    use chronus::control::backend_params::BackendRange;
    use chronus_modules::ParamValue;

    let (mut e, mut control, mut rx) = setup();
    control.set_backend_controls(
        "lead",
        vec![
            ("vcf.cutoff".into(), BackendRange::Clamp(20.0, 20_000.0)),
            ("width".into(), BackendRange::Any),
        ],
    );
    control.set_played_outside(vec!["lead".into()]);
    control.commit().unwrap_or_else(|e| panic!("{e}"));
    control.commit().unwrap_or_else(|e| panic!("{e}"));
    let names = |c: &Controller, id: &str| c.backend_params(id).map(<[String]>::to_vec);
    assert_eq!(
        names(&control, "lead"),
        Some(vec!["vcf.cutoff".to_string(), "width".to_string()]),
        "the live controls outlive the catalog's commits"
    );
    assert_eq!(
        names(&control, "nts1").map(|p| p[CUTOFF as usize].clone()),
        Some("cutoff".to_string()),
        "the catalog's params are still declared"
    );
    let num = ParamValue::Number;
    control
        .set_live("lead", "vcf.cutoff", num(50_000.0), None)
        .unwrap();
    control.set_live("lead", "width", num(-3.5), None).unwrap();
    assert!(control
        .set_live("lead", "width", ParamValue::Text("x".into()), None)
        .is_err());
    assert!(control.set_live("lead", "nosuch", num(1.0), None).is_err());
    let glide = control.glide_live("lead", "width", num(1.0), 2.0, None);
    assert!(glide.unwrap_err().to_string().contains("glide"));
    // A profile's param still refuses a value outside 0..1.
    assert!(control.set_live("nts1", "cutoff", num(1.5), None).is_err());
    render(&mut e, 512);
    let lead = InstrumentKey::of("lead");
    let sent: Vec<(u16, f32)> = std::iter::from_fn(|| rx.pop().ok())
        .filter(|o| o.instrument == lead)
        .filter_map(|o| match o.event {
            OutEvent::Param { param, value, .. } => Some((param, value)),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [(0, 20_000.0), (1, -3.5)]);
}
