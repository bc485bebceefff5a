//! `crossfade`: a smooth blend between two signals, linear or equal-power.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::supercollider::{Sc, ScCounterpart, ScUnaryOp};

const MIX: usize = 0;
const LAW: usize = 1;

static CROSSFADE_INFO: ModuleInfo = ModuleInfo {
    kind: "crossfade",
    doc: "Crossfader between inputs a and b, linear or equal-power.",
    inputs: &[
        PortSpec {
            id: "a",
            doc: "Heard alone at mix 0.",
        },
        PortSpec {
            id: "b",
            doc: "Heard alone at mix 1.",
        },
        PortSpec {
            id: "mix",
            doc: "Adds to the `mix` param (an LFO sweeping between the two).",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "The blend.",
    }],
    params: &[
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 0.5).doc("0 = a only, 1 = b only."),
        ParamSpec::choice("law", "Law", &["linear", "equal_power"], 0).doc(
            "linear: a(1 − m) + b·m (for correlated signals) | equal_power: cos/sin gains, \
             −3 dB each at the middle (for unrelated signals).",
        ),
    ],
    roles: &[],
};

/// The `crossfade` kind.
pub const CROSSFADE: ModuleEntry =
    ModuleEntry::of::<Crossfade>(&CROSSFADE_INFO).supercollider(&CROSSFADE_SC);

const XA: Sc = Sc::Input("a", 0.0);
const XB: Sc = Sc::Input("b", 0.0);
const XMIX: Sc = Sc::Param("mix");
/// `mix × π/2`, the equal-power angle.
const ANGLE: Sc = Sc::mul(&XMIX, &Sc::Const(std::f32::consts::FRAC_PI_2));

/// `crossfade` on scsynth: the same gains as arithmetic (`cos`/`sin` for equal power).
static CROSSFADE_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::Choice(
        "law",
        &[
            Sc::add(
                &Sc::mul(&XA, &Sc::sub(&Sc::Const(1.0), &XMIX)),
                &Sc::mul(&XB, &XMIX),
            ),
            Sc::add(
                &Sc::mul(&XA, &Sc::Unary(ScUnaryOp::Cos, &ANGLE)),
                &Sc::mul(&XB, &Sc::Unary(ScUnaryOp::Sin, &ANGLE)),
            ),
        ],
    )],
    note: "the same gains, as arithmetic",
};

/// The `crossfade` module (stateless).
#[derive(Clone, Copy, Debug, Default)]
pub struct Crossfade;

impl Module for Crossfade {
    fn info(&self) -> &'static ModuleInfo {
        &CROSSFADE_INFO
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let (a, b) = (inputs.port(0), inputs.port(1));
        let mix = params.block(MIX);
        let power = params.value(LAW) >= 0.5;
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            let m = mix[i];
            let (ga, gb) = if power {
                let (s, c) = (m * std::f32::consts::FRAC_PI_2).sin_cos();
                (c, s)
            } else {
                (1.0 - m, m)
            };
            *o = a[i] * ga + b[i] * gb;
        }
    }
}
