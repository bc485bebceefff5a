//! `comb`: a feedback comb filter tuned in Hz — resonances at `freq` and its harmonics,
//! with a damping lowpass in the loop (the string-like resonator of physical models, a
//! metallic colour on anything).
//!
//! The loop delay is `1 / freq` exactly (a linear-interpolated fractional read; the
//! damping lowpass adds no delay at 0 damping), in a ring sized in `prepare` for the
//! lowest `freq` at that rate.
//!
//! No SuperCollider counterpart: `CombC`/`CombL` have no damping lowpass in their loop, and
//! a SynthDef's own loop (`LocalIn`) is a block late.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;

const FREQ: usize = 0;
const FEEDBACK: usize = 1;
const DAMP: usize = 2;
const MIX: usize = 3;

/// Lowest tuning: the delay line holds `1 / MIN_FREQ` seconds.
const MIN_FREQ: f32 = 20.0;

static COMB_INFO: ModuleInfo = ModuleInfo {
    kind: "comb",
    doc: "Feedback comb filter tuned in Hz, with damping in the loop.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to resonate.",
        },
        PortSpec {
            id: "freq",
            doc: "Adds Hz to the `freq` param (connect `note.freq`; `freq` then defaults to 0).",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "Dry and resonated signal mixed.",
    }],
    params: &[
        ParamSpec::float("freq", "Frequency", 0.0, 5_000.0, 220.0)
            .unit("Hz")
            .smoothing(Smoothing::Logarithmic(10.0))
            .modulated_default(0.0)
            .doc("Resonant frequency: the loop delay is 1/freq (below 20 Hz: 20 Hz)."),
        ParamSpec::float("feedback", "Feedback", -0.99, 0.99, 0.8).doc(
            "Loop gain: towards ±1 rings longer; negative sounds an octave down, odd harmonics.",
        ),
        ParamSpec::float("damp", "Damping", 0.0, 1.0, 0.2)
            .doc("Lowpass in the loop: higher harmonics die faster (0 = none)."),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 1.0).doc("0 = dry only, 1 = comb output only."),
    ],
    roles: &[],
};

/// The `comb` kind.
pub const COMB: ModuleEntry = ModuleEntry::of::<Comb>(&COMB_INFO);

/// The `comb` module.
#[derive(Clone, Debug, Default)]
pub struct Comb {
    line: Vec<f32>,
    write: usize,
    lp: f32,
}

/// Delay-line length at `sample_rate`: the longest loop plus interpolation room.
fn line_len(sample_rate: f32) -> usize {
    (sample_rate / MIN_FREQ).ceil() as usize + 4
}

impl Module for Comb {
    fn info(&self) -> &'static ModuleInfo {
        &COMB_INFO
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.line = vec![0.0; line_len(sample_rate)];
        self.reset();
    }

    fn state_bytes(&self, sample_rate: f32) -> usize {
        line_len(sample_rate) * std::mem::size_of::<f32>()
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let x = inputs.port(0);
        let (freq, fb, damp, mix) = (
            params.block(FREQ),
            params.block(FEEDBACK),
            params.block(DAMP),
            params.block(MIX),
        );
        let len = self.line.len();
        let max_delay = (len - 3) as f32;
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            let delay = (ctx.sample_rate / freq[i].max(MIN_FREQ)).clamp(1.0, max_delay);
            let whole = delay as usize;
            let frac = delay - whole as f32;
            let a = self.line[(self.write + len - whole) % len];
            let b = self.line[(self.write + len - whole - 1) % len];
            let delayed = a + (b - a) * frac;
            // One-pole lowpass in the loop.
            self.lp = delayed + damp[i] * (self.lp - delayed);
            let xi = if x[i].is_finite() { x[i] } else { 0.0 };
            let mut y = xi + fb[i] * self.lp;
            if y.abs() < 1e-20 {
                y = 0.0;
            }
            self.line[self.write] = y;
            self.write = (self.write + 1) % len;
            *o = xi + (y - xi) * mix[i];
        }
        if !self.lp.is_finite() || self.lp.abs() < 1e-20 {
            self.lp = 0.0;
        }
    }

    fn reset(&mut self) {
        self.line.fill(0.0);
        self.write = 0;
        self.lp = 0.0;
    }
}
