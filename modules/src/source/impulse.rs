//! `impulse`: single-sample impulses at `freq`, and on each rising edge of `gate` — the
//! exciter of resonators (`comb`, `formant`, a filter at high resonance) and a click
//! source.
//!
//! Naive on purpose: a one-sample impulse already holds every frequency up to Nyquist at
//! equal level, so there is nothing above Nyquist to fold back; only its timing is
//! rounded to the sample (a phase in `f64`, so a 1 Hz train does not drift).
//!
//! On scsynth: `Impulse.ar(freq)` for the train (its first impulse on the first sample, as
//! here), silenced at 0 Hz, and `Trig1.ar(gate > 0.5, 0)` (one sample on each rising edge),
//! the larger of the two times `level`.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen, SAMPLE_RATE};
use crate::utility::{Edge, GATE_ON};

static IMPULSE_INFO: ModuleInfo = ModuleInfo {
    kind: "impulse",
    doc: "Impulse train: one-sample impulses at `freq` (0 = none) and on each gate edge.",
    inputs: &[
        PortSpec {
            id: "gate",
            doc: "Each rising edge past 0.5 fires an impulse on that sample.",
        },
        PortSpec {
            id: "freq",
            doc: "Adds Hz to the `freq` param.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "`level` on impulse samples, 0 elsewhere.",
    }],
    params: &[
        ParamSpec::float("freq", "Frequency", 0.0, 20_000.0, 0.0)
            .unit("Hz")
            .smoothing(Smoothing::Logarithmic(10.0))
            .doc(
                "Impulses per second; 0 = only on gate edges. The first fires on the first sample.",
            ),
        ParamSpec::float("level", "Level", 0.0, 1.0, 1.0).doc("Height of each impulse."),
    ],
    roles: &[],
};

/// The `impulse` kind.
pub const IMPULSE: ModuleEntry =
    ModuleEntry::of::<Impulse>(&IMPULSE_INFO).supercollider(&IMPULSE_SC);

/// The train's rate: `freq` clamped to 0..Nyquist.
const SC_FREQ: Sc = Sc::Bin(
    ScBinOp::Min,
    &Sc::Bin(ScBinOp::Max, &Sc::Param("freq"), &Sc::Const(0.0)),
    &Sc::Bin(ScBinOp::Mul, &Sc::UGen(&SAMPLE_RATE, 0), &Sc::Const(0.5)),
);

/// `Impulse.ar(freq, 0) × (freq > 0)`: `Impulse` fires on its first sample and whenever its
/// phase passes 1, even at 0 Hz (once), which ours does not.
const SC_TRAIN: Sc = Sc::mul(
    &Sc::ar(&ScUGen::ar("Impulse", &[SC_FREQ, Sc::Const(0.0)])),
    &Sc::Bin(ScBinOp::Greater, &SC_FREQ, &Sc::Const(0.0)),
);

/// `Trig1.ar(gate > 0.5, 0)`: one sample at 1 on each rising edge (a duration of 0 is one
/// sample).
const SC_EDGE: Sc = Sc::ar(&ScUGen::ar(
    "Trig1",
    &[
        Sc::Audio(&Sc::Bin(
            ScBinOp::Greater,
            &Sc::Input("gate", 0.0),
            &Sc::Const(GATE_ON),
        )),
        Sc::Const(0.0),
    ],
));

/// `impulse` on scsynth: `max(train, edge) × level`.
static IMPULSE_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::mul(
        &Sc::Bin(ScBinOp::Max, &SC_TRAIN, &SC_EDGE),
        &Sc::Param("level"),
    )],
    note: "Impulse and Trig1 on the gate",
};

/// The `impulse` module.
#[derive(Clone, Debug, Default)]
pub struct Impulse {
    edge: Edge,
    /// Phase in 0..1; an impulse fires when it wraps (and on the very first sample).
    phase: f64,
    started: bool,
}

impl Module for Impulse {
    fn info(&self) -> &'static ModuleInfo {
        &IMPULSE_INFO
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
        let (freq, level) = (params.block(0), params.block(1));
        let inv_sr = 1.0 / ctx.sample_rate as f64;
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            let mut fire = self.edge.step(gate[i]) == Some(true);
            let f = freq[i].clamp(0.0, 0.5 * ctx.sample_rate) as f64;
            if f > 0.0 {
                if !self.started {
                    fire = true;
                }
                self.phase += f * inv_sr;
                if self.phase >= 1.0 {
                    self.phase -= self.phase.floor();
                    fire = true;
                }
            }
            self.started = true;
            *o = if fire { level[i] } else { 0.0 };
        }
    }

    fn reset(&mut self) {
        *self = Impulse::default();
    }
}
