//! `slew`: portamento and lag, with separate rise and fall times.
//!
//! Two shapes: `exponential` (a one-pole lag whose time constant is the rise or fall time,
//! the usual portamento) and `linear` (a rate limit: the output moves at most one unit per
//! rise or fall time). A time of 0 passes the input through in that direction.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen};

const RISE: usize = 0;
const FALL: usize = 1;
const SHAPE: usize = 2;

static SLEW_INFO: ModuleInfo = ModuleInfo {
    kind: "slew",
    doc: "Slew limiter / lag (portamento): the output follows the input with separate rise \
          and fall times.",
    inputs: &[PortSpec {
        id: "in",
        doc: "Signal to follow (a pitch in Hz, a stepped control, a gate).",
    }],
    outputs: &[PortSpec {
        id: "out",
        doc: "The slewed signal.",
    }],
    params: &[
        ParamSpec::float("rise", "Rise", 0.0, 10.0, 0.05)
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Upward time: the time constant (exponential) or the time per unit (linear)."),
        ParamSpec::float("fall", "Fall", 0.0, 10.0, 0.05)
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Downward time, as `rise`."),
        ParamSpec::choice("shape", "Shape", &["exponential", "linear"], 0)
            .doc("exponential (one-pole lag) | linear (rate limit, units per time)."),
    ],
    roles: &[],
};

/// The `slew` kind.
pub const SLEW: ModuleEntry = ModuleEntry::of::<Slew>(&SLEW_INFO).supercollider(&SLEW_SC);

/// `ln 1000`: SuperCollider's lag times are to −60 dB, ours are time constants.
const LAG_60DB: f32 = 6.907_755;
/// The smallest time `Slew`'s rate is taken from (a time of 0 passes the input).
const MIN_TIME: f32 = 1e-9;
const SLEW_IN: Sc = Sc::Audio(&Sc::Input("in", 0.0));

/// `slew` on scsynth: `exponential` is `LagUD.ar(in, rise × ln 1000, fall × ln 1000)`, the
/// same one-pole lag (its coefficient `exp(ln 0.001 / (t sr))` is ours, `exp(−1 / (τ sr))`);
/// `linear` is `Slew.ar(in, 1 / rise, 1 / fall)`, the same rate limit in units per second.
static SLEW_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::Choice(
        "shape",
        &[
            Sc::ar(&ScUGen::ar(
                "LagUD",
                &[
                    SLEW_IN,
                    Sc::mul(&Sc::Param("rise"), &Sc::Const(LAG_60DB)),
                    Sc::mul(&Sc::Param("fall"), &Sc::Const(LAG_60DB)),
                ],
            )),
            Sc::ar(&ScUGen::ar(
                "Slew",
                &[
                    SLEW_IN,
                    Sc::Bin(
                        ScBinOp::Div,
                        &Sc::Const(1.0),
                        &Sc::Bin(ScBinOp::Max, &Sc::Param("rise"), &Sc::Const(MIN_TIME)),
                    ),
                    Sc::Bin(
                        ScBinOp::Div,
                        &Sc::Const(1.0),
                        &Sc::Bin(ScBinOp::Max, &Sc::Param("fall"), &Sc::Const(MIN_TIME)),
                    ),
                ],
            )),
        ],
    )],
    note: "LagUD (exponential) or Slew (linear): the same lag and rate limit",
};

/// The `slew` module.
#[derive(Clone, Debug, Default)]
pub struct Slew {
    y: f32,
    /// Whether `y` holds a value yet: the first sample jumps to the input, so a slewed
    /// pitch does not glide up from 0 Hz at the start.
    started: bool,
}

/// Per-sample step factor for a time `t` seconds: the one-pole coefficient (exponential)
/// or the largest step (linear). 0 s gives a jump.
#[inline]
fn coefficient(t: f32, linear: bool, sr: f32) -> f32 {
    if t <= 0.0 {
        return if linear { f32::INFINITY } else { 1.0 };
    }
    if linear {
        1.0 / (t * sr)
    } else {
        1.0 - (-1.0 / (t * sr)).exp()
    }
}

impl Module for Slew {
    fn info(&self) -> &'static ModuleInfo {
        &SLEW_INFO
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
        let (rise, fall) = (params.block(RISE), params.block(FALL));
        let linear = params.value(SHAPE) >= 0.5;
        let sr = ctx.sample_rate;
        let out = outputs.port(0);
        // Coefficients cached by their time, so a steady param costs a comparison.
        let (mut rt, mut rc) = (f32::NAN, 0.0);
        let (mut ft, mut fc) = (f32::NAN, 0.0);
        for (i, o) in out.iter_mut().enumerate() {
            let target = if x[i].is_finite() { x[i] } else { 0.0 };
            if !self.started {
                self.y = target;
                self.started = true;
            }
            let d = target - self.y;
            let c = if d >= 0.0 {
                if rise[i] != rt {
                    rt = rise[i];
                    rc = coefficient(rt, linear, sr);
                }
                rc
            } else {
                if fall[i] != ft {
                    ft = fall[i];
                    fc = coefficient(ft, linear, sr);
                }
                fc
            };
            self.y = if linear {
                self.y + d.clamp(-c, c)
            } else if c >= 1.0 {
                target
            } else {
                let y = self.y + c * d;
                // Snap once a step no longer moves the value (float resolution), so a held
                // input is reached exactly.
                if y == self.y {
                    target
                } else {
                    y
                }
            };
            *o = self.y;
        }
    }

    fn reset(&mut self) {
        *self = Slew::default();
    }
}
