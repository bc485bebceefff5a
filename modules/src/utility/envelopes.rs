//! Two-stage envelopes: `ar` (attack while the gate is on, held at 1, release when it goes
//! off) and `ad` (a one-shot: each rising edge runs attack then decay, whatever the gate
//! does next — percussion, plucks, triggers from a clock).
//!
//! Linear segments like `adsr`'s, retriggering from the current level without a click.
//! Why not reuse `adsr`: `ad` ignores the falling edge and `ar` has no decay stage; both
//! are a dozen lines, clearer on their own than as modes of another kind.

use super::{Edge, GATE_ON};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen};

/// Longest stage time in seconds.
const MAX_TIME: f32 = 60.0;

static GATE_IN: [PortSpec; 1] = [PortSpec {
    id: "gate",
    doc: "Gate: a rising edge past 0.5 starts the attack from the current level.",
}];

static OUT: [PortSpec; 1] = [PortSpec {
    id: "out",
    doc: "Envelope level, 0..1.",
}];

const ATTACK_PARAM: ParamSpec = ParamSpec::float("attack", "Attack", 0.0, MAX_TIME, 0.01)
    .unit("s")
    .smoothing(Smoothing::None)
    .doc("Time to rise from 0 to 1.");

static AR_INFO: ModuleInfo = ModuleInfo {
    kind: "ar",
    doc: "Attack/release envelope: rises while the gate is on, holds 1, falls when it goes off.",
    inputs: &GATE_IN,
    outputs: &OUT,
    params: &[
        ATTACK_PARAM,
        ParamSpec::float("release", "Release", 0.0, MAX_TIME, 0.3)
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Time to fall from 1 to 0 after the gate goes off."),
    ],
    roles: &[],
};

static AD_INFO: ModuleInfo = ModuleInfo {
    kind: "ad",
    doc: "Attack/decay one-shot envelope: each rising gate edge runs the attack then the \
          decay, whatever the gate does after.",
    inputs: &GATE_IN,
    outputs: &OUT,
    params: &[
        ATTACK_PARAM,
        ParamSpec::float("decay", "Decay", 0.0, MAX_TIME, 0.3)
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Time to fall from 1 to 0 after the attack."),
    ],
    roles: &[],
};

/// The `ar` kind.
pub const AR: ModuleEntry = ModuleEntry::of::<Ar>(&AR_INFO).supercollider(&AR_SC);
/// The `ad` kind.
pub const AD: ModuleEntry = ModuleEntry::of::<Ad>(&AD_INFO).supercollider(&AD_SC);

/// The gate as `EnvGen` reads it: on above 0.5, as ours.
const GATE: Sc = Sc::Bin(
    ScBinOp::Greater,
    &Sc::Input("gate", 0.0),
    &Sc::Const(GATE_ON),
);

/// `EnvGen.ar(Env([0, 1, 0], [attack, t2], \lin, releaseNode), gate > 0.5)` (inputs as in
/// `adsr`'s counterpart: gate, level scale and bias, time scale, done action, then the
/// envelope: initial level, segments, release node, loop node, and per segment level,
/// time, shape 1 (linear), curve).
macro_rules! two_stage {
    ($release_node:expr, $second:expr) => {
        ScCounterpart {
            outputs: &[Sc::ar(&ScUGen::ar(
                "EnvGen",
                &[
                    GATE,
                    Sc::Const(1.0),
                    Sc::Const(0.0),
                    Sc::Const(1.0),
                    Sc::Const(0.0),
                    Sc::Const(0.0),
                    Sc::Const(2.0),
                    Sc::Const($release_node),
                    Sc::Const(-99.0),
                    Sc::Const(1.0),
                    Sc::Param("attack"),
                    Sc::Const(1.0),
                    Sc::Const(0.0),
                    Sc::Const(0.0),
                    Sc::Param($second),
                    Sc::Const(1.0),
                    Sc::Const(0.0),
                ],
            ))],
            note: "EnvGen, linear segments retriggered from the current level (a release \
                   from below 1 takes the whole release time on scsynth, the part of it \
                   that level needs here)",
        }
    };
}

/// `ar` on scsynth: attack, held at 1 (release node 1), release at gate-off.
static AR_SC: ScCounterpart = two_stage!(1.0, "release");
/// `ad` on scsynth: attack then decay on each rising edge (no release node: the gate
/// falling does nothing).
static AD_SC: ScCounterpart = two_stage!(-99.0, "decay");

/// Per-sample step of a linear segment covering 1 in `t` seconds (a jump for 0 s).
#[inline]
fn slope(t: f32, sr: f32) -> f32 {
    if t > 0.0 {
        1.0 / (t * sr)
    } else {
        1.0
    }
}

/// The shared two-stage state: rising or falling.
#[derive(Clone, Debug, Default)]
struct TwoStage {
    level: f32,
    rising: bool,
    edge: Edge,
}

impl TwoStage {
    /// One sample: up by `up` while rising (turning at 1), else down by `down` to 0.
    #[inline]
    fn step(&mut self, up: f32, down: f32) -> f32 {
        if self.rising {
            self.level += up;
            if self.level >= 1.0 {
                self.level = 1.0;
                self.rising = false;
            }
        } else if self.level > 0.0 {
            self.level = (self.level - down).max(0.0);
        }
        self.level
    }
}

/// The `ar` module.
#[derive(Clone, Debug, Default)]
pub struct Ar(TwoStage);

/// The `ad` module.
#[derive(Clone, Debug, Default)]
pub struct Ad(TwoStage);

impl Module for Ar {
    fn info(&self) -> &'static ModuleInfo {
        &AR_INFO
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let gate = inputs.port(0);
        let (a, r) = (params.block(0), params.block(1));
        let s = &mut self.0;
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            // A gate that ends during the attack releases from where it got.
            if let Some(on) = s.edge.step(gate[i]) {
                s.rising = on;
            }
            *o = if s.edge.is_high() && !s.rising {
                // Held at the top while the gate stays on.
                s.level
            } else {
                s.step(slope(a[i], ctx.sample_rate), slope(r[i], ctx.sample_rate))
            };
        }
    }

    fn reset(&mut self) {
        self.0 = TwoStage::default();
    }
}

impl Module for Ad {
    fn info(&self) -> &'static ModuleInfo {
        &AD_INFO
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let gate = inputs.port(0);
        let (a, d) = (params.block(0), params.block(1));
        let s = &mut self.0;
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            if s.edge.step(gate[i]) == Some(true) {
                s.rising = true;
            }
            *o = s.step(slope(a[i], ctx.sample_rate), slope(d[i], ctx.sample_rate));
        }
    }

    fn reset(&mut self) {
        self.0 = TwoStage::default();
    }
}
