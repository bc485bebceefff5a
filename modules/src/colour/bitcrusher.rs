//! `bitcrusher`: fewer bits (rounding to `2^bits` levels over ±1) and a lower sample rate
//! (holding each sample for `sr / rate` samples): the grit of early samplers, aliasing on
//! purpose.
//!
//! Our own: fundsp has no crusher, and it is two lines. Per sample on two fields:
//! `process` never allocates, locks, logs or blocks.
//!
//! On scsynth: `Gate.ar(in, Impulse.ar(rate))` holds (`Impulse` fires on the first sample
//! and whenever its phase passes 1, as our hold clock; `Gate` takes the input on every
//! sample the impulse is up, so at `rate` ≥ the server's rate it takes every sample, as
//! ours), then `round(held × 2^(bits−1)) / 2^(bits−1)` (`round` to 1 rounds halves up,
//! ours away from zero: only an exact half of a step differs) and the dry/wet mix.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen};

const BITS: usize = 0;
const RATE: usize = 1;
const MIX: usize = 2;

static BITCRUSHER_INFO: ModuleInfo = ModuleInfo {
    kind: "bitcrusher",
    doc: "Reduces resolution (bits) and sample rate (sample and hold at `rate`).",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to crush (about ±1).",
        },
        PortSpec {
            id: "bits",
            doc: "Adds to `bits`.",
        },
        PortSpec {
            id: "rate",
            doc: "Adds to `rate` (Hz).",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "in held at `rate` and rounded to `bits`, mixed with the dry `in` by `mix`.",
    }],
    params: &[
        ParamSpec::float("bits", "Bits", 1.0, 16.0, 8.0)
            .doc("Resolution: 2^bits levels across −1..1 (fractional values step smoothly)."),
        ParamSpec::float("rate", "Rate", 50.0, 48_000.0, 8_000.0)
            .log()
            .unit("Hz")
            .doc(
                "Rate at which the input is sampled and held (at or above the engine's \
                  rate: every sample).",
            ),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 1.0).doc("0 = dry only, 1 = crushed only."),
    ],
    roles: &[],
};

/// The `bitcrusher` kind.
pub const BITCRUSHER: ModuleEntry =
    ModuleEntry::of::<Bitcrusher>(&BITCRUSHER_INFO).supercollider(&BITCRUSHER_SC);

/// The input held at `rate`: `Gate.ar(in, Impulse.ar(rate, 0))`.
const SC_HELD: Sc = Sc::ar(&ScUGen::ar(
    "Gate",
    &[
        Sc::Audio(&Sc::Input("in", 0.0)),
        Sc::ar(&ScUGen::ar("Impulse", &[Sc::Param("rate"), Sc::Const(0.0)])),
    ],
));

/// `2^(bits − 1)`: half the number of levels.
const SC_HALF_LEVELS: Sc = Sc::Bin(
    ScBinOp::Pow,
    &Sc::Const(2.0),
    &Sc::sub(&Sc::Param("bits"), &Sc::Const(1.0)),
);

/// The held input on the grid: `round(held × half_levels, 1) / half_levels`.
const SC_WET: Sc = Sc::Bin(
    ScBinOp::Div,
    &Sc::Bin(
        ScBinOp::Round,
        &Sc::mul(&SC_HELD, &SC_HALF_LEVELS),
        &Sc::Const(1.0),
    ),
    &SC_HALF_LEVELS,
);

/// `bitcrusher` on scsynth: `in + (wet − in) × mix`.
static BITCRUSHER_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::add(
        &Sc::Input("in", 0.0),
        &Sc::mul(&Sc::sub(&SC_WET, &Sc::Input("in", 0.0)), &Sc::Param("mix")),
    )],
    note: "Gate on Impulse at the rate, round to the step",
};

/// `x` rounded to the grid of `2^bits` levels over −1..1 (step `2 / 2^bits`).
#[inline]
pub fn quantize(x: f32, bits: f32) -> f32 {
    let half_levels = 2f32.powf(bits - 1.0);
    (x * half_levels).round() / half_levels
}

/// The `bitcrusher` module.
#[derive(Clone, Debug, Default)]
pub struct Bitcrusher {
    sample_rate: f32,
    /// Phase of the hold clock, in cycles: a new sample is taken when it passes 1.
    phase: f32,
    held: f32,
}

impl Module for Bitcrusher {
    fn info(&self) -> &'static ModuleInfo {
        &BITCRUSHER_INFO
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.reset();
    }

    /// Per sample: advance the hold clock, take a sample when it wraps, quantize.
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
        let (bits, rate, mix) = (params.block(BITS), params.block(RATE), params.block(MIX));
        let inv_sr = 1.0 / self.sample_rate.max(1.0);
        for k in 0..out.len() {
            let input = if x[k].is_finite() { x[k] } else { 0.0 };
            if self.phase >= 1.0 {
                self.phase -= self.phase.floor();
                self.held = input;
            }
            self.phase += rate[k] * inv_sr;
            let wet = quantize(self.held, bits[k]);
            out[k] = input + (wet - input) * mix[k];
        }
    }

    /// The clock takes a sample on the next frame. **Real-time safe.**
    fn reset(&mut self) {
        self.phase = 1.0;
        self.held = 0.0;
    }
}
