//! `math`: one arithmetic operation on control or audio signals: add, multiply, min, max,
//! abs, clamp, scale-offset. The second operand is the `b` param plus the `b` input, so a
//! constant operand needs no `const` module.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUnaryOp};

const OP: usize = 0;
const B: usize = 1;
const SCALE: usize = 2;
const OFFSET: usize = 3;
const LO: usize = 4;
const HI: usize = 5;

/// Largest magnitude of the numeric params (covers Hz).
const RANGE: f32 = 20_000.0;

static MATH_INFO: ModuleInfo = ModuleInfo {
    kind: "math",
    doc: "Arithmetic on signals: add, multiply, min, max, abs, clamp or scale-offset.",
    inputs: &[
        PortSpec {
            id: "a",
            doc: "First operand.",
        },
        PortSpec {
            id: "b",
            doc: "Second operand: adds to the `b` param.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "add: a + b | multiply: a × b | min, max: of a and b | abs: |a| | clamp: a \
              within lo..hi | scale_offset: a × scale + offset.",
    }],
    params: &[
        ParamSpec::choice(
            "op",
            "Operation",
            &[
                "add",
                "multiply",
                "min",
                "max",
                "abs",
                "clamp",
                "scale_offset",
            ],
            0,
        )
        .doc("add | multiply | min | max | abs | clamp | scale_offset."),
        ParamSpec::float("b", "B", -RANGE, RANGE, 0.0)
            .doc("Second operand (plus the `b` input): set 1 to multiply by `a` alone."),
        ParamSpec::float("scale", "Scale", -RANGE, RANGE, 1.0).doc("scale_offset: the factor."),
        ParamSpec::float("offset", "Offset", -RANGE, RANGE, 0.0)
            .doc("scale_offset: added after scaling."),
        ParamSpec::float("lo", "Low", -RANGE, RANGE, -1.0).doc("clamp: the lower bound."),
        ParamSpec::float("hi", "High", -RANGE, RANGE, 1.0)
            .doc("clamp: the upper bound (a `hi` below `lo` clamps to `lo`)."),
    ],
    roles: &[],
};

/// The `math` kind.
pub const MATH: ModuleEntry = ModuleEntry::of::<Math>(&MATH_INFO).supercollider(&MATH_SC);

const MA: Sc = Sc::Input("a", 0.0);
const MB: Sc = Sc::Param("b");

/// `math` on scsynth: the same arithmetic as `BinaryOpUGen`s and `UnaryOpUGen`s (the
/// operation picked when the def is built), so it computes what `process` computes.
static MATH_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::Choice(
        "op",
        &[
            Sc::add(&MA, &MB),
            Sc::mul(&MA, &MB),
            Sc::Bin(ScBinOp::Min, &MA, &MB),
            Sc::Bin(ScBinOp::Max, &MA, &MB),
            Sc::Unary(ScUnaryOp::Abs, &MA),
            Sc::Bin(
                ScBinOp::Max,
                &Sc::Bin(ScBinOp::Min, &MA, &Sc::Param("hi")),
                &Sc::Param("lo"),
            ),
            Sc::add(&Sc::mul(&MA, &Sc::Param("scale")), &Sc::Param("offset")),
        ],
    )],
    note: "BinaryOpUGen and UnaryOpUGen: the same arithmetic",
};

/// The `math` module (stateless).
#[derive(Clone, Copy, Debug, Default)]
pub struct Math;

/// Applies `f` to every frame of `a` and `b`.
#[inline(always)]
fn each(out: &mut [f32], a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) {
    for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
        *o = f(a, b);
    }
}

impl Module for Math {
    fn info(&self) -> &'static ModuleInfo {
        &MATH_INFO
    }

    /// Real-time: no allocation, locks or logging. `op` is read once per block.
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let a = inputs.port(0);
        // The b param block already holds the param plus the b input (same id).
        let b = params.block(B);
        let out = outputs.port(0);
        match params.value(OP).round() as usize {
            0 => each(out, a, b, |a, b| a + b),
            1 => each(out, a, b, |a, b| a * b),
            2 => each(out, a, b, f32::min),
            3 => each(out, a, b, f32::max),
            4 => each(out, a, b, |a, _| a.abs()),
            5 => {
                let (lo, hi) = (params.block(LO), params.block(HI));
                for (i, o) in out.iter_mut().enumerate() {
                    *o = a[i].min(hi[i]).max(lo[i]);
                }
            }
            _ => {
                let (s, off) = (params.block(SCALE), params.block(OFFSET));
                for (i, o) in out.iter_mut().enumerate() {
                    *o = a[i] * s[i] + off[i];
                }
            }
        }
    }
}
