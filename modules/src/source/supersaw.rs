//! `supersaw`: seven band-limited (PolyBLEP) saws detuned around the note, in the manner
//! of the JP-8000: `spread` scales the detune pattern, `mix` sets the side saws against
//! the centre one.
//!
//! The detune pattern is Adam Szabo's measurement of the JP-8000 ("How to Emulate the
//! Super Saw", 2010), as frequency offsets at full spread. The saws start from fixed,
//! spread-out phases (not random: renders stay the same), so the attack is already wide.
//! Why our own: fundsp has no supersaw, and its `saw` is a wavetable per voice (measured
//! slower than a PolyBLEP saw for the oscillators, see `oscillator.rs`).
//!
//! On scsynth: seven band-limited `Saw`s (× 2: theirs span ±0.5) at the same offsets,
//! levels and scaling. `Saw` has no phase input, so they all start from the same phase
//! there: the attack is narrower, the beating between them shifted; over a sustain of a
//! second or more the level and spectrum are the same (`tests/programs/supercollider_kinds.rs`).

use super::{pitched, FREQ_PARAM, FREQ_PORT, PITCH_PORT};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen, ScUnaryOp};

const FREQ: usize = 0;
const SPREAD: usize = 1;
const MIX: usize = 2;

/// Frequency offsets of the seven saws at full spread (centre in the middle).
const DETUNE: [f32; 7] = [
    -0.110_023_13,
    -0.062_884_39,
    -0.019_523_56,
    0.0,
    0.019_912_21,
    0.062_165_38,
    0.107_452_42,
];

/// Starting phases (fractions of a cycle), spread out.
const START: [f32; 7] = [0.0, 0.31, 0.57, 0.12, 0.83, 0.44, 0.69];

static SUPERSAW_INFO: ModuleInfo = ModuleInfo {
    kind: "supersaw",
    doc: "Seven detuned band-limited saws (JP-8000 style), with spread and mix.",
    inputs: &[FREQ_PORT, PITCH_PORT],
    outputs: &[PortSpec {
        id: "out",
        doc: "The sum, scaled to stay within about −1..1.",
    }],
    params: &[
        FREQ_PARAM,
        ParamSpec::float("spread", "Spread", 0.0, 1.0, 0.3)
            .doc("Detune: 0 = all in unison, 1 = ±11 % (the JP-8000's widest)."),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 0.6)
            .doc("Level of the six side saws against the centre one (0 = centre only)."),
    ],
    roles: &[],
};

/// The `supersaw` kind.
pub const SUPERSAW: ModuleEntry =
    ModuleEntry::of::<Supersaw>(&SUPERSAW_INFO).supercollider(&SUPERSAW_SC);

/// The note's frequency: `freq × 2^pitch`.
const SC_FREQ: Sc = Sc::mul(
    &Sc::Param("freq"),
    &Sc::Bin(ScBinOp::Pow, &Sc::Const(2.0), &Sc::Input("pitch", 0.0)),
);

/// The side saws' level: `mix`.
const SC_SIDE: Sc = Sc::Param("mix");
/// The centre saw's level: `1 − mix / 2`.
const SC_CENTRE: Sc = Sc::sub(&Sc::Const(1.0), &Sc::mul(&SC_SIDE, &Sc::Const(0.5)));

/// Saw `k` at its level: `Saw.ar(freq × (1 + DETUNE[k] × spread)) × 2 × level`.
macro_rules! sc_saw {
    ($k:expr, $level:expr) => {
        Sc::mul(
            &Sc::mul(
                &Sc::ar(&ScUGen::ar(
                    "Saw",
                    &[Sc::mul(
                        &SC_FREQ,
                        &Sc::add(
                            &Sc::Const(1.0),
                            &Sc::mul(&Sc::Const(DETUNE[$k]), &Sc::Param("spread")),
                        ),
                    )],
                )),
                &Sc::Const(2.0),
            ),
            &$level,
        )
    };
}

/// The sum of the seven.
const SC_SUM: Sc = Sc::add(
    &Sc::add(
        &Sc::add(&sc_saw!(0, SC_SIDE), &sc_saw!(1, SC_SIDE)),
        &Sc::add(&sc_saw!(2, SC_SIDE), &sc_saw!(3, SC_CENTRE)),
    ),
    &Sc::add(
        &Sc::add(&sc_saw!(4, SC_SIDE), &sc_saw!(5, SC_SIDE)),
        &sc_saw!(6, SC_SIDE),
    ),
);

/// Their RMS sum (at least 1): `max(√(centre² + 6 side²), 1)`.
const SC_NORM: Sc = Sc::Bin(
    ScBinOp::Max,
    &Sc::Unary(
        ScUnaryOp::Sqrt,
        &Sc::add(
            &Sc::mul(&SC_CENTRE, &SC_CENTRE),
            &Sc::mul(&Sc::mul(&SC_SIDE, &SC_SIDE), &Sc::Const(6.0)),
        ),
    ),
    &Sc::Const(1.0),
);

/// `supersaw` on scsynth: `sum / norm × 0.6`.
static SUPERSAW_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::mul(
        &Sc::Bin(ScBinOp::Div, &SC_SUM, &SC_NORM),
        &Sc::Const(0.6),
    )],
    note: "seven Saws × 2 (band-limited; all from the same start phase)",
};

/// The `supersaw` module.
#[derive(Clone, Debug)]
pub struct Supersaw {
    /// Phases in 0..1.
    phase: [f32; 7],
}

impl Default for Supersaw {
    fn default() -> Self {
        Supersaw { phase: START }
    }
}

/// PolyBLEP residual for phase `t` in 0..1 and increment `dt`.
#[inline(always)]
fn blep(t: f32, dt: f32) -> f32 {
    if t < dt {
        let x = t / dt;
        x + x - x * x - 1.0
    } else if t > 1.0 - dt {
        let x = (t - 1.0) / dt;
        x * x + x + x + 1.0
    } else {
        0.0
    }
}

impl Module for Supersaw {
    fn info(&self) -> &'static ModuleInfo {
        &SUPERSAW_INFO
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let pitch = inputs.port(1);
        let (freq, spread, mix) = (params.block(FREQ), params.block(SPREAD), params.block(MIX));
        let inv_sr = 1.0 / ctx.sample_rate;
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            let f = pitched(freq[i], pitch[i], ctx.sample_rate);
            let side = mix[i];
            let centre = 1.0 - 0.5 * side;
            let mut sum = 0.0;
            for (k, ph) in self.phase.iter_mut().enumerate() {
                let dt = (f * (1.0 + DETUNE[k] * spread[i]) * inv_sr).min(0.5);
                let mut s = 2.0 * *ph - 1.0;
                if dt > 0.0 {
                    s -= blep(*ph, dt);
                }
                sum += s * if k == 3 { centre } else { side };
                *ph += dt;
                if *ph >= 1.0 {
                    *ph -= 1.0;
                }
            }
            // Seven uncorrelated saws add in power: scale by their RMS sum.
            *o = sum / (centre * centre + 6.0 * side * side).sqrt().max(1.0) * 0.6;
        }
    }

    fn reset(&mut self) {
        self.phase = START;
    }
}
