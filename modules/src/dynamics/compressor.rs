//! `compressor`: a feed-forward peak compressor with a soft knee and a sidechain input.
//!
//! Our own: fundsp has no compressor. The detector takes the peak of `sidechain` when it is
//! connected (duck a pad under a kick), else of `in`; the gain computer works in dB with a
//! quadratic soft knee (Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor
//! Design", JAES 2012), and the gain reduction is smoothed with separate attack and
//! release one-poles. Everything is per sample on a few fields: `process` never allocates,
//! locks, logs or blocks.
//!
//! On scsynth (`Compander.ar` has a hard knee and its own slope-based gain, so not that):
//! the same chain in UGens and arithmetic. The detector's level in dB
//! (`20 log10 max(|x|, 1e-10)`), the static curve written without branches — with
//! `o = level − threshold` and `a = clip(o + knee/2, 0, knee)`, the reduction is
//! `(1/ratio − 1) · (a² / (2 knee) + max(o − knee/2, 0))`, which is 0 below the knee, the
//! quadratic inside it and the straight line above — then
//! `LagUD.ar(reduction, release × ln 1000, attack × ln 1000)`: the same one-pole, rising
//! (recovering) at the release's coefficient, falling at the attack's (`LagUD`'s times
//! are to −60 dB). It starts from the first target, ours from 0, and ours snaps within
//! 10⁻⁴ dB of 0 to 0.

use super::{db_to_gain, finite_or_zero, gain_to_db, one_pole_coeff};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen, ScUnaryOp};

const THRESHOLD: usize = 0;
const RATIO: usize = 1;
const ATTACK: usize = 2;
const RELEASE: usize = 3;
const KNEE: usize = 4;
const MAKEUP: usize = 5;
const MIX: usize = 6;

static COMPRESSOR_INFO: ModuleInfo = ModuleInfo {
    kind: "compressor",
    doc: "Peak compressor with a soft knee; `sidechain` (when connected) decides how much \
          `in` is turned down.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to compress.",
        },
        PortSpec {
            id: "sidechain",
            doc: "Detector input: when connected, its level (not `in`'s) sets the gain \
                  reduction, e.g. a kick ducking a pad.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "in × gain reduction × makeup, mixed with the dry `in` by `mix`.",
    }],
    params: &[
        ParamSpec::float("threshold", "Threshold", -60.0, 0.0, -20.0)
            .unit("dB")
            .doc("Level above which the signal is turned down."),
        ParamSpec::float("ratio", "Ratio", 1.0, 20.0, 4.0)
            .log()
            .doc("dB in over the threshold per dB out (1 = no compression, 20 ≈ limiting)."),
        ParamSpec::float("attack", "Attack", 0.0001, 0.5, 0.01)
            .log()
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Time the gain reduction takes to set in (63 %)."),
        ParamSpec::float("release", "Release", 0.005, 3.0, 0.15)
            .log()
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Time the gain takes to recover (63 %)."),
        ParamSpec::float("knee", "Knee", 0.0, 24.0, 6.0)
            .unit("dB")
            .doc("Width of the soft knee around the threshold (0 = hard knee)."),
        ParamSpec::float("makeup", "Makeup", 0.0, 24.0, 0.0)
            .unit("dB")
            .doc("Gain after compression."),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 1.0)
            .doc("0 = dry only, 1 = compressed only (parallel compression in between)."),
    ],
    roles: &[],
};

/// The `compressor` kind.
pub const COMPRESSOR: ModuleEntry =
    ModuleEntry::of::<Compressor>(&COMPRESSOR_INFO).supercollider(&COMPRESSOR_SC);

/// `ln 1000`: `LagUD`'s times are to −60 dB, ours are time constants.
const LAG_60DB: f32 = 6.907_755;
/// `20 / ln 10`: dB from a natural logarithm.
const DB_PER_NEPER: f32 = 20.0 / std::f32::consts::LN_10;

/// The detector's level in dB: `sidechain` when connected, else `in`.
const SC_LEVEL: Sc = Sc::mul(
    &Sc::Unary(
        ScUnaryOp::Log,
        &Sc::Bin(
            ScBinOp::Max,
            &Sc::Unary(
                ScUnaryOp::Abs,
                &Sc::Audio(&Sc::Connected(
                    "sidechain",
                    &Sc::Input("sidechain", 0.0),
                    &Sc::Input("in", 0.0),
                )),
            ),
            &Sc::Const(1e-10),
        ),
    ),
    &Sc::Const(DB_PER_NEPER),
);
/// `o`: dB over the threshold.
const SC_OVER: Sc = Sc::sub(&SC_LEVEL, &Sc::Param("threshold"));
/// The knee's width, never 0 (a hard knee divides by it).
const SC_KNEE: Sc = Sc::Bin(ScBinOp::Max, &Sc::Param("knee"), &Sc::Const(1e-6));
/// Half the knee.
const SC_HALF_KNEE: Sc = Sc::mul(&SC_KNEE, &Sc::Const(0.5));
/// `a = clip(o + knee/2, 0, knee)`.
const SC_IN_KNEE: Sc = Sc::Bin(
    ScBinOp::Min,
    &Sc::Bin(
        ScBinOp::Max,
        &Sc::add(&SC_OVER, &SC_HALF_KNEE),
        &Sc::Const(0.0),
    ),
    &SC_KNEE,
);
/// The static curve: `(1/ratio − 1) · (a² / (2 knee) + max(o − knee/2, 0))`.
const SC_TARGET: Sc = Sc::mul(
    &Sc::sub(
        &Sc::Bin(ScBinOp::Div, &Sc::Const(1.0), &Sc::Param("ratio")),
        &Sc::Const(1.0),
    ),
    &Sc::add(
        &Sc::Bin(
            ScBinOp::Div,
            &Sc::mul(&SC_IN_KNEE, &SC_IN_KNEE),
            &Sc::mul(&SC_KNEE, &Sc::Const(2.0)),
        ),
        &Sc::Bin(
            ScBinOp::Max,
            &Sc::sub(&SC_OVER, &SC_HALF_KNEE),
            &Sc::Const(0.0),
        ),
    ),
);
/// The smoothed reduction in dB.
const SC_REDUCTION: Sc = Sc::ar(&ScUGen::ar(
    "LagUD",
    &[
        SC_TARGET,
        Sc::mul(&Sc::Param("release"), &Sc::Const(LAG_60DB)),
        Sc::mul(&Sc::Param("attack"), &Sc::Const(LAG_60DB)),
    ],
));
/// The wet signal: `in × 10^((reduction + makeup) / 20)`.
const SC_WET: Sc = Sc::mul(
    &Sc::Input("in", 0.0),
    &Sc::Bin(
        ScBinOp::Pow,
        &Sc::Const(10.0),
        &Sc::mul(
            &Sc::add(&SC_REDUCTION, &Sc::Param("makeup")),
            &Sc::Const(0.05),
        ),
    ),
);

/// `compressor` on scsynth: `in + (wet − in) × mix`.
static COMPRESSOR_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::add(
        &Sc::Input("in", 0.0),
        &Sc::mul(&Sc::sub(&SC_WET, &Sc::Input("in", 0.0)), &Sc::Param("mix")),
    )],
    note: "the soft-knee curve in arithmetic, LagUD for attack and release",
};

/// Gain reductions closer to 0 dB than this snap to 0 (the release never quite arrives).
const SNAP_DB: f32 = 1e-4;

/// The `compressor` module.
#[derive(Clone, Debug, Default)]
pub struct Compressor {
    sample_rate: f32,
    /// Smoothed gain reduction in dB (<= 0).
    reduction: f32,
}

/// The static curve: gain reduction in dB (<= 0) for a detector level of `level_db`.
#[inline]
pub fn gain_reduction(level_db: f32, threshold: f32, ratio: f32, knee: f32) -> f32 {
    let over = level_db - threshold;
    let slope = 1.0 / ratio - 1.0;
    if 2.0 * over <= -knee {
        0.0
    } else if 2.0 * over.abs() < knee {
        let t = over + 0.5 * knee;
        slope * t * t / (2.0 * knee)
    } else {
        slope * over
    }
}

impl Module for Compressor {
    fn info(&self) -> &'static ModuleInfo {
        &COMPRESSOR_INFO
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.reduction = 0.0;
    }

    /// Per sample: detector level in dB, the static curve, attack/release smoothing, gain.
    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let x = inputs.port(0);
        let detect = if inputs.is_connected(1) {
            inputs.port(1)
        } else {
            x
        };
        let out = outputs.port(0);
        let sr = self.sample_rate.max(1.0);
        let (threshold, ratio, knee) = (
            params.block(THRESHOLD),
            params.block(RATIO),
            params.block(KNEE),
        );
        let (makeup, mix) = (params.block(MAKEUP), params.block(MIX));
        // Times are not smoothed: one value per block.
        let attack = one_pole_coeff(params.value(ATTACK), sr);
        let release = one_pole_coeff(params.value(RELEASE), sr);
        for k in 0..out.len() {
            let level = gain_to_db(finite_or_zero(detect[k]).abs());
            let target = gain_reduction(level, threshold[k], ratio[k], knee[k]);
            let coeff = if target < self.reduction {
                attack
            } else {
                release
            };
            self.reduction += (target - self.reduction) * coeff;
            if self.reduction > -SNAP_DB {
                self.reduction = 0.0;
            }
            let dry = finite_or_zero(x[k]);
            let wet = dry * db_to_gain(self.reduction + makeup[k]);
            out[k] = dry + (wet - dry) * mix[k];
        }
    }

    /// No gain reduction. **Real-time safe.**
    fn reset(&mut self) {
        self.reduction = 0.0;
    }
}
