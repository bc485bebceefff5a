//! `dc_block`: removes a DC offset, the one-pole/one-zero highpass
//! `y[n] = x[n] − x[n−1] + R·y[n−1]` with `R` from the corner frequency.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen, ScUnaryOp, SAMPLE_RATE};

static DC_BLOCK_INFO: ModuleInfo = ModuleInfo {
    kind: "dc_block",
    doc: "DC blocker: a one-pole highpass that removes offsets (after a wavefolder, a \
          rectifier, an asymmetric shaper).",
    inputs: &[PortSpec {
        id: "in",
        doc: "Signal to clean.",
    }],
    outputs: &[PortSpec {
        id: "out",
        doc: "The signal without its DC (−3 dB at `cutoff`).",
    }],
    params: &[ParamSpec::float("cutoff", "Cutoff", 1.0, 200.0, 10.0)
        .log()
        .unit("Hz")
        .smoothing(Smoothing::None)
        .doc("Corner frequency.")],
    roles: &[],
};

/// The `dc_block` kind.
pub const DC_BLOCK: ModuleEntry =
    ModuleEntry::of::<DcBlock>(&DC_BLOCK_INFO).supercollider(&DC_BLOCK_SC);

/// `dc_block` on scsynth: `LeakDC.ar(in, exp(−2π cutoff / SampleRate.ir))`. `LeakDC` is
/// this very filter, `y[n] = x[n] − x[n−1] + coef·y[n−1]`, with `R` as its coefficient.
static DC_BLOCK_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::ar(&ScUGen::ar(
        "LeakDC",
        &[
            Sc::Audio(&Sc::Input("in", 0.0)),
            Sc::Unary(
                ScUnaryOp::Exp,
                &Sc::Bin(
                    ScBinOp::Div,
                    &Sc::mul(&Sc::Param("cutoff"), &Sc::Const(-std::f32::consts::TAU)),
                    &Sc::UGen(&SAMPLE_RATE, 0),
                ),
            ),
        ],
    ))],
    note: "LeakDC, the same one-pole/one-zero filter",
};

/// The `dc_block` module.
#[derive(Clone, Debug, Default)]
pub struct DcBlock {
    x1: f64,
    y1: f64,
    /// Cutoff and rate `r` was computed for, and `r`.
    key: (f32, f32),
    r: f64,
}

impl Module for DcBlock {
    fn info(&self) -> &'static ModuleInfo {
        &DC_BLOCK_INFO
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
        let cutoff = params.block(0);
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            let key = (cutoff[i], ctx.sample_rate);
            if key != self.key {
                self.key = key;
                self.r = (-std::f64::consts::TAU * key.0 as f64 / key.1 as f64).exp();
            }
            let xi = x[i] as f64;
            let y = xi - self.x1 + self.r * self.y1;
            self.x1 = xi;
            self.y1 = if y.abs() < super::FLUSH || !y.is_finite() {
                0.0
            } else {
                y
            };
            *o = self.y1 as f32;
        }
        if !self.x1.is_finite() {
            self.x1 = 0.0;
        }
    }

    fn reset(&mut self) {
        self.x1 = 0.0;
        self.y1 = 0.0;
    }
}
