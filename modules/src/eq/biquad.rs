//! `biquad`: the EQ section — peak (bell), low shelf, high shelf, notch and allpass — from
//! the RBJ Audio EQ Cookbook, in `f64` (see the module doc of [`crate::eq`]).
//!
//! Coefficients are recomputed only when `mode`, `freq`, `q` or `gain` change: once per
//! block for steady params, per sample (with the same cache check) while one moves.
//!
//! On scsynth: the same RBJ sections in SuperCollider's `BEQSuite` (single precision there,
//! ours `f64`): `BPeakEQ` and `BAllPass` take `rq = 1/q`; the shelves take the cookbook's
//! slope form, `rs = 1/S`, and the Q form here is the slope
//! `rs = 1 + (1/q² − 2) / (A + 1/A)` (`A = 10^(gain/40)`: both give the same `α`);
//! `BBandStop` takes a bandwidth in octaves, `bw = asinh(1/(2q)) · sin ω / (ln 2 / 2 · ω)`
//! (`ω = 2π freq / sr`: again the same `α`).

use super::{Biquad, Coefficients, Shape};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen, ScUnaryOp, SAMPLE_RATE};

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
pub const BIQUAD: ModuleEntry =
    ModuleEntry::of::<BiquadModule>(&BIQUAD_INFO).supercollider(&BIQUAD_SC);

/// The input at audio rate.
const SC_IN: Sc = Sc::Audio(&Sc::Input("in", 0.0));
/// `1 / q`.
const SC_RQ: Sc = Sc::Bin(ScBinOp::Div, &Sc::Const(1.0), &Sc::Param("q"));
/// `A = 10^(gain / 40)`.
const SC_A: Sc = Sc::Bin(
    ScBinOp::Pow,
    &Sc::Const(10.0),
    &Sc::Bin(ScBinOp::Div, &Sc::Param("gain"), &Sc::Const(40.0)),
);
/// The shelves' `rs` for our `q`: `1 + (1/q² − 2) / (A + 1/A)`.
const SC_RS: Sc = Sc::add(
    &Sc::Const(1.0),
    &Sc::Bin(
        ScBinOp::Div,
        &Sc::sub(&Sc::mul(&SC_RQ, &SC_RQ), &Sc::Const(2.0)),
        &Sc::add(&SC_A, &Sc::Bin(ScBinOp::Div, &Sc::Const(1.0), &SC_A)),
    ),
);
/// `ω = 2π freq / sr`.
const SC_W0: Sc = Sc::Bin(
    ScBinOp::Div,
    &Sc::mul(&Sc::Param("freq"), &Sc::Const(std::f32::consts::TAU)),
    &Sc::UGen(&SAMPLE_RATE, 0),
);
/// `x = 1/(2q)`.
const SC_HALF_RQ: Sc = Sc::mul(&SC_RQ, &Sc::Const(0.5));
/// `asinh(1/(2q)) = ln(x + √(x² + 1))`.
const SC_ASINH: Sc = Sc::Unary(
    ScUnaryOp::Log,
    &Sc::add(
        &SC_HALF_RQ,
        &Sc::Unary(
            ScUnaryOp::Sqrt,
            &Sc::add(&Sc::mul(&SC_HALF_RQ, &SC_HALF_RQ), &Sc::Const(1.0)),
        ),
    ),
);
/// The notch's bandwidth in octaves: `asinh(1/(2q)) · sin ω / (ln 2 / 2 · ω)`.
const SC_BW: Sc = Sc::Bin(
    ScBinOp::Div,
    &Sc::mul(&SC_ASINH, &Sc::Unary(ScUnaryOp::Sin, &SC_W0)),
    &Sc::mul(&SC_W0, &Sc::Const(0.5 * std::f32::consts::LN_2)),
);

/// `biquad` on scsynth: the `BEQSuite` section of the mode.
static BIQUAD_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::Choice(
        "mode",
        &[
            Sc::ar(&ScUGen::ar(
                "BPeakEQ",
                &[SC_IN, Sc::Param("freq"), SC_RQ, Sc::Param("gain")],
            )),
            Sc::ar(&ScUGen::ar(
                "BLowShelf",
                &[SC_IN, Sc::Param("freq"), SC_RS, Sc::Param("gain")],
            )),
            Sc::ar(&ScUGen::ar(
                "BHiShelf",
                &[SC_IN, Sc::Param("freq"), SC_RS, Sc::Param("gain")],
            )),
            Sc::ar(&ScUGen::ar("BBandStop", &[SC_IN, Sc::Param("freq"), SC_BW])),
            Sc::ar(&ScUGen::ar("BAllPass", &[SC_IN, Sc::Param("freq"), SC_RQ])),
        ],
    )],
    note: "BPeakEQ, BLowShelf, BHiShelf, BBandStop, BAllPass (single precision)",
};

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
