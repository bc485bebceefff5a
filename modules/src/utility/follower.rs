//! `envelope_follower`: the level of a signal, a rectifier followed by a one-pole with
//! separate attack and release times (for ducking, auto-wah, a sidechain to modulation).
//!
//! On scsynth: `Amplitude.ar(in, attack × ln 10, release × ln 10)`, the same rectifier and
//! one-pole (`y = |x| + (y − |x|)·c`, the attack coefficient while the level rises), its
//! times to −20 dB (`c = exp(ln 0.1 / (T·sr))`) where ours are time constants
//! (`c = exp(−1 / (t·sr))`). It starts from the first input's level, ours from 0.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScCounterpart, ScUGen};

const ATTACK: usize = 0;
const RELEASE: usize = 1;

static FOLLOWER_INFO: ModuleInfo = ModuleInfo {
    kind: "envelope_follower",
    doc: "Envelope follower: the rectified input through a one-pole with separate attack \
          and release.",
    inputs: &[PortSpec {
        id: "in",
        doc: "Signal to measure.",
    }],
    outputs: &[PortSpec {
        id: "out",
        doc: "Its level: |in| smoothed (a sine of amplitude A settles near 0.64 A with \
              the default times, A for a square).",
    }],
    params: &[
        ParamSpec::float("attack", "Attack", 0.0001, 2.0, 0.005)
            .log()
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Time constant while the level rises."),
        ParamSpec::float("release", "Release", 0.0001, 10.0, 0.1)
            .log()
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Time constant while the level falls."),
    ],
    roles: &[],
};

/// The `envelope_follower` kind.
pub const ENVELOPE_FOLLOWER: ModuleEntry =
    ModuleEntry::of::<Follower>(&FOLLOWER_INFO).supercollider(&FOLLOWER_SC);

/// `ln 10`: `Amplitude`'s times are to −20 dB, ours are time constants.
const LN_10: f32 = std::f32::consts::LN_10;

/// `envelope_follower` on scsynth: `Amplitude.ar(in, attack × ln 10, release × ln 10)`.
static FOLLOWER_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::ar(&ScUGen::ar(
        "Amplitude",
        &[
            Sc::Audio(&Sc::Input("in", 0.0)),
            Sc::mul(&Sc::Param("attack"), &Sc::Const(LN_10)),
            Sc::mul(&Sc::Param("release"), &Sc::Const(LN_10)),
        ],
    ))],
    note: "Amplitude (times × ln 10)",
};

/// The `envelope_follower` module.
#[derive(Clone, Debug, Default)]
pub struct Follower {
    y: f32,
}

impl Module for Follower {
    fn info(&self) -> &'static ModuleInfo {
        &FOLLOWER_INFO
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
        let (att, rel) = (params.block(ATTACK), params.block(RELEASE));
        let sr = ctx.sample_rate;
        let coef = |t: f32| 1.0 - (-1.0 / (t * sr)).exp();
        let (mut at, mut ac) = (att[0], coef(att[0]));
        let (mut rt, mut rc) = (rel[0], coef(rel[0]));
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            let level = if x[i].is_finite() { x[i].abs() } else { 0.0 };
            let c = if level > self.y {
                if att[i] != at {
                    at = att[i];
                    ac = coef(at);
                }
                ac
            } else {
                if rel[i] != rt {
                    rt = rel[i];
                    rc = coef(rt);
                }
                rc
            };
            self.y += c * (level - self.y);
            if self.y < 1e-20 {
                self.y = 0.0;
            }
            *o = self.y;
        }
    }

    fn reset(&mut self) {
        self.y = 0.0;
    }
}
