//! `ring`: a ring modulator, `out = in × carrier`: sum and difference frequencies, the
//! metallic, bell-like clang. The carrier is the `carrier` input when connected, else an
//! internal sine at `freq`.
//!
//! Our own: a multiplication and a phase accumulator. `process` never allocates, locks,
//! logs or blocks.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::supercollider::{Sc, ScCounterpart, ScUGen};

const FREQ: usize = 0;
const MIX: usize = 1;

static RING_INFO: ModuleInfo = ModuleInfo {
    kind: "ring",
    doc: "Ring modulator: in × carrier (an external signal, or an internal sine at `freq`).",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to modulate.",
        },
        PortSpec {
            id: "carrier",
            doc: "Carrier signal; when connected it replaces the internal sine.",
        },
        PortSpec {
            id: "freq",
            doc: "Adds to `freq` (Hz).",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "in × carrier, mixed with the dry `in` by `mix`.",
    }],
    params: &[
        ParamSpec::float("freq", "Frequency", 1.0, 10_000.0, 440.0)
            .log()
            .unit("Hz")
            .doc("Frequency of the internal sine carrier (unused when `carrier` is connected)."),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 1.0).doc("0 = dry only, 1 = modulated only."),
    ],
    roles: &[],
};

/// The `ring` kind.
pub const RING: ModuleEntry = ModuleEntry::of::<Ring>(&RING_INFO).supercollider(&RING_SC);

const RING_IN: Sc = Sc::Input("in", 0.0);
/// The carrier: the input when connected, else `SinOsc.ar(freq, 0)` (ours starts at phase
/// 0 too).
const CARRIER: Sc = Sc::Connected(
    "carrier",
    &Sc::Input("carrier", 0.0),
    &Sc::ar(&ScUGen::ar("SinOsc", &[Sc::Param("freq"), Sc::Const(0.0)])),
);

/// `ring` on scsynth: `in + (in × carrier − in) × mix`, the same product and mix, with
/// `SinOsc` as the internal carrier.
static RING_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::add(
        &RING_IN,
        &Sc::mul(
            &Sc::sub(&Sc::mul(&RING_IN, &CARRIER), &RING_IN),
            &Sc::Param("mix"),
        ),
    )],
    note: "the same product; SinOsc as the internal carrier",
};

/// The `ring` module.
#[derive(Clone, Debug, Default)]
pub struct Ring {
    sample_rate: f32,
    /// Phase of the internal carrier in cycles, `0..1` (kept in f64 so it does not drift).
    phase: f64,
}

impl Module for Ring {
    fn info(&self) -> &'static ModuleInfo {
        &RING_INFO
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.phase = 0.0;
    }

    /// Per sample: the carrier (external or the internal sine) times the input, mixed.
    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let x = inputs.port(0);
        let out = outputs.port(0);
        let (freq, mix) = (params.block(FREQ), params.block(MIX));
        if inputs.is_connected(1) {
            let carrier = inputs.port(1);
            for k in 0..out.len() {
                out[k] = x[k] + (x[k] * carrier[k] - x[k]) * mix[k];
            }
        } else {
            let inv_sr = 1.0 / self.sample_rate.max(1.0) as f64;
            for k in 0..out.len() {
                let c = (std::f64::consts::TAU * self.phase).sin() as f32;
                self.phase = (self.phase + freq[k] as f64 * inv_sr).fract();
                out[k] = x[k] + (x[k] * c - x[k]) * mix[k];
            }
        }
    }

    /// Phase 0. **Real-time safe.**
    fn reset(&mut self) {
        self.phase = 0.0;
    }
}
