//! A small registry of test kinds with the contract's ports and params, so the patch
//! tests do not depend on the DSP modules being written concurrently. Validation only
//! reads [`ModuleInfo`]s; the modules themselves output silence.

use super::error::Pos;
use chronus_modules::{
    Inputs, Module, ModuleEntry, ModuleInfo, Outputs, ParamSpec, Params, PortSpec, ProcessContext,
    Registry, Role,
};

const fn port(id: &'static str) -> PortSpec {
    PortSpec { id, doc: "" }
}

const OSC_IN: &[PortSpec] = &[port("freq"), port("pitch")];
const OUT: &[PortSpec] = &[port("out")];
const STEREO: &[PortSpec] = &[port("left"), port("right")];
const OSC_PARAMS: &[ParamSpec] = &[
    ParamSpec::float("freq", "Frequency", 0.0, 20000.0, 220.0),
    ParamSpec::float("detune", "Detune", -1200.0, 1200.0, 0.0),
];

/// Test kinds, indexed by the const parameter of [`Dummy`].
static INFOS: [ModuleInfo; 9] = [
    ModuleInfo {
        kind: "saw",
        doc: "",
        inputs: OSC_IN,
        outputs: OUT,
        params: OSC_PARAMS,
        roles: &[],
    },
    ModuleInfo {
        kind: "sine",
        doc: "",
        inputs: OSC_IN,
        outputs: OUT,
        params: OSC_PARAMS,
        roles: &[],
    },
    ModuleInfo {
        kind: "noise",
        doc: "",
        inputs: &[],
        outputs: OUT,
        params: &[ParamSpec::choice(
            "color",
            "Color",
            &["white", "pink", "brown"],
            0,
        )],
        roles: &[],
    },
    ModuleInfo {
        kind: "lowpass",
        doc: "",
        inputs: &[port("in"), port("cutoff"), port("q")],
        outputs: OUT,
        params: &[
            ParamSpec::float("cutoff", "Cutoff", 20.0, 20000.0, 1000.0)
                .log()
                .unit("Hz"),
            ParamSpec::float("q", "Q", 0.1, 20.0, 0.707),
        ],
        roles: &[Role::Filter],
    },
    ModuleInfo {
        kind: "adsr",
        doc: "",
        inputs: &[port("gate")],
        outputs: OUT,
        params: &[
            ParamSpec::float("attack", "Attack", 0.0, 10.0, 0.01),
            ParamSpec::float("decay", "Decay", 0.0, 10.0, 0.2),
            ParamSpec::float("sustain", "Sustain", 0.0, 1.0, 0.7),
            ParamSpec::float("release", "Release", 0.0, 10.0, 0.3),
        ],
        roles: &[],
    },
    ModuleInfo {
        kind: "vca",
        doc: "",
        inputs: &[port("in"), port("cv")],
        outputs: OUT,
        params: &[ParamSpec::float("gain", "Gain", 0.0, 4.0, 1.0)],
        roles: &[],
    },
    ModuleInfo {
        kind: "reverb",
        doc: "",
        inputs: STEREO,
        outputs: STEREO,
        params: &[
            ParamSpec::float("time", "Time", 0.1, 30.0, 2.0),
            ParamSpec::float("damping", "Damping", 0.0, 1.0, 0.5),
            ParamSpec::float("mix", "Mix", 0.0, 1.0, 0.3),
        ],
        roles: &[Role::Reverb],
    },
    ModuleInfo {
        kind: "lfo",
        doc: "",
        inputs: &[port("rate")],
        outputs: OUT,
        params: &[
            ParamSpec::float("rate", "Rate", 0.01, 100.0, 1.0),
            ParamSpec::float("depth", "Depth", 0.0, 1.0, 1.0),
            ParamSpec::choice("shape", "Shape", &["sine", "triangle", "saw"], 0),
        ],
        roles: &[],
    },
    ModuleInfo {
        kind: "delay",
        doc: "",
        inputs: &[port("in")],
        outputs: OUT,
        params: &[
            ParamSpec::float("time", "Time", 0.0, 5.0, 0.3),
            ParamSpec::float("feedback", "Feedback", 0.0, 0.95, 0.4),
            ParamSpec::float("mix", "Mix", 0.0, 1.0, 0.3),
        ],
        roles: &[],
    },
];

/// A silent module of test kind `K`.
struct Dummy<const K: usize>;

impl<const K: usize> Module for Dummy<K> {
    fn info(&self) -> &'static ModuleInfo {
        &INFOS[K]
    }

    fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {}

    fn process(
        &mut self,
        _ctx: &ProcessContext,
        _inputs: &Inputs,
        outputs: &mut Outputs,
        _params: &Params,
    ) {
        for i in 0..outputs.len() {
            outputs.port(i).fill(0.0);
        }
    }

    fn reset(&mut self) {}
}

fn create<const K: usize>() -> Box<dyn Module> {
    Box::new(Dummy::<K>)
}

/// A registry of the test kinds: saw, sine, noise, lowpass, adsr, vca, reverb, lfo, delay.
pub(crate) fn registry() -> Registry {
    let creates: [fn() -> Box<dyn Module>; 9] = [
        create::<0>,
        create::<1>,
        create::<2>,
        create::<3>,
        create::<4>,
        create::<5>,
        create::<6>,
        create::<7>,
        create::<8>,
    ];
    let mut registry = Registry::empty();
    for (info, create) in INFOS.iter().zip(creates) {
        registry
            .register(ModuleEntry {
                info,
                create,
                supercollider: None,
            })
            .expect("test kinds are distinct");
    }
    registry
}

/// Position of the only occurrence of `needle` in `text`. Test texts are written so that
/// the needle is unique; the scanner and ron must agree with this naive search.
pub(crate) fn find(text: &str, needle: &str) -> Pos {
    let mut hits = text.match_indices(needle);
    let (at, _) = hits
        .next()
        .unwrap_or_else(|| panic!("{needle:?} not in text"));
    assert!(hits.next().is_none(), "{needle:?} is not unique");
    let before = &text[..at];
    Pos::new(
        1 + before.matches('\n').count(),
        1 + before.rsplit('\n').next().unwrap_or("").chars().count(),
    )
}

/// `t.ron:line:col` of the only occurrence of `needle` in `text`.
pub(crate) fn at(text: &str, needle: &str) -> String {
    format!("t.ron:{}", find(text, needle))
}

/// The error lines of loading `text` as `t.ron` with the test registry (none if valid).
pub(crate) fn errors(text: &str) -> Vec<String> {
    match super::load::load(text, Some("t.ron"), &registry()) {
        Ok(_) => Vec::new(),
        Err(errs) => errs.iter().map(|e| e.to_string()).collect(),
    }
}

/// The example patch of docs/CONTRACTS.md §1, verbatim.
pub(crate) const CONTRACT_EXAMPLE: &str = r#"// patches/poly-subtractive.ron
(
    name: "poly-subtractive",
    voice: (                         // optional: a polyphonic voice template
        count: 8,                    // polyphony (default 8)
        steal: "oldest",             // "oldest" | "quietest" | "none"
        modules: {
            "osc": (kind: "saw"),
            "env": (kind: "adsr", params: {"attack": 0.005, "release": 0.4}),
            "vcf": (kind: "lowpass", params: {"cutoff": 1800.0, "q": 1.2}),
            "vca": (kind: "vca"),
        },
        connections: [
            ("note.freq", "osc.freq"),
            ("note.gate", "env.gate"),
            ("osc.out", "vcf.in"),
            ("vcf.out", "vca.in"),
            ("env.out", "vca.cv"),
            ("vca.out", "output.left"),
            ("vca.out", "output.right"),
        ],
    ),
    modules: {
        "rev": (kind: "reverb", params: {"mix": 0.25}),
    },
    connections: [
        ("voices.left", "rev.left"),
        ("voices.right", "rev.right"),
        ("rev.left", "output.left"),
        ("rev.right", "output.right"),
    ],
)
"#;
