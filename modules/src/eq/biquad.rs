//! `biquad`: the EQ section — peak (bell), low shelf, high shelf, notch and allpass — from
//! the RBJ Audio EQ Cookbook, in `f64` (see the module doc of [`crate::eq`]).
//!
//! Coefficients are recomputed only when `mode`, `freq`, `q` or `gain` change: once per
//! block for steady params, per sample (with the same cache check) while one moves.
//!
//! No SuperCollider counterpart yet: the RBJ sections exist as `BPeakEQ`, `BLowShelf`,
//! `BHiShelf`, `BBandStop`, `BAllPass` (float, ours `f64`), not checked against ours in
//! this pass; not mapped.

use super::{Biquad, Coefficients, Shape};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;

const MODE: usize = 0;
const FREQ: usize = 1;
const Q: usize = 2;
const GAIN: usize = 3;

/// The `mode` variants, in index order.
const SHAPES: [Shape; 5] = [
    Shape::Peak,
    Shape::LowShelf,
    Shape::HighShelf,
    Shape::Notch,
    Shape::Allpass,
];

static BIQUAD_INFO: ModuleInfo = ModuleInfo {
    kind: "biquad",
    doc: "Biquad EQ section (RBJ cookbook): peak, low shelf, high shelf, notch or allpass.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to filter.",
        },
        PortSpec {
            id: "freq",
            doc: "Adds Hz to the `freq` param.",
        },
        PortSpec {
            id: "gain",
            doc: "Adds dB to the `gain` param.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "The filtered signal.",
    }],
    params: &[
        ParamSpec::choice(
            "mode",
            "Mode",
            &["peak", "low_shelf", "high_shelf", "notch", "allpass"],
            0,
        )
        .doc("peak (bell) | low_shelf | high_shelf | notch | allpass."),
        ParamSpec::float("freq", "Frequency", 20.0, 20_000.0, 1_000.0)
            .log()
            .unit("Hz")
            .doc("Centre (peak, notch, allpass) or corner (shelves) frequency."),
        ParamSpec::float("q", "Q", 0.1, 20.0, 0.707)
            .log()
            .doc("Width: higher is narrower (peak, notch, allpass); shelf slope (0.707: steepest without overshoot)."),
        ParamSpec::float("gain", "Gain", -24.0, 24.0, 0.0)
            .unit("dB")
            .smoothing(Smoothing::Linear(20.0))
            .doc("Boost or cut of the peak and shelves (unused by notch and allpass)."),
    ],
    roles: &[],
};

/// The `biquad` kind.
pub const BIQUAD: ModuleEntry = ModuleEntry::of::<BiquadModule>(&BIQUAD_INFO);

/// The `biquad` module.
#[derive(Clone, Debug)]
pub struct BiquadModule {
    section: Biquad,
    /// The (mode, freq, q, gain, sample rate) the coefficients were designed for.
    designed: [f32; 5],
}

impl Default for BiquadModule {
    fn default() -> Self {
        BiquadModule {
            section: Biquad::default(),
            designed: [f32::NAN; 5],
        }
    }
}

impl BiquadModule {
    #[inline]
    fn update(&mut self, key: [f32; 5]) {
        if key != self.designed {
            self.designed = key;
            let shape = SHAPES[(key[0].max(0.0) as usize).min(SHAPES.len() - 1)];
            self.section.c = Coefficients::design(
                shape,
                key[1] as f64,
                key[2] as f64,
                key[3] as f64,
                key[4] as f64,
            );
        }
    }
}

impl Module for BiquadModule {
    fn info(&self) -> &'static ModuleInfo {
        &BIQUAD_INFO
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
        let mode = params.value(MODE);
        let (f, q, g) = (params.block(FREQ), params.block(Q), params.block(GAIN));
        let out = outputs.port(0);
        let steady = params.is_constant(FREQ) && params.is_constant(Q) && params.is_constant(GAIN);
        if steady {
            self.update([mode, f[0], q[0], g[0], ctx.sample_rate]);
            for (o, &x) in out.iter_mut().zip(x) {
                *o = self.section.tick(x as f64) as f32;
            }
        } else {
            for (i, o) in out.iter_mut().enumerate() {
                self.update([mode, f[i], q[i], g[i], ctx.sample_rate]);
                *o = self.section.tick(x[i] as f64) as f32;
            }
        }
        self.section.settle();
    }

    fn reset(&mut self) {
        self.section.clear();
    }
}
