//! `sample_hold`: samples its input on each rising gate edge and holds it.

use super::Edge;
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen};

static SAMPLE_HOLD_INFO: ModuleInfo = ModuleInfo {
    kind: "sample_hold",
    doc: "Sample and hold: takes the input's value on each rising gate edge and holds it.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to sample (noise for random steps, an LFO for stepped sweeps).",
        },
        PortSpec {
            id: "gate",
            doc: "Trigger: each rising edge past 0.5 takes a new sample, on that very sample.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "The held value (0 until the first edge).",
    }],
    params: &[],
    roles: &[],
};

/// The `sample_hold` kind.
pub const SAMPLE_HOLD: ModuleEntry =
    ModuleEntry::of::<SampleHold>(&SAMPLE_HOLD_INFO).supercollider(&SAMPLE_HOLD_SC);

/// `sample_hold` on scsynth: `Latch.ar(in, gate > 0.5)`. `Latch` takes its input when its
/// trigger rises above 0 and holds it, starting from 0, as ours does on the gate's rising
/// edge above 0.5.
static SAMPLE_HOLD_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::ar(&ScUGen::ar(
        "Latch",
        &[
            Sc::Audio(&Sc::Input("in", 0.0)),
            Sc::Audio(&Sc::Bin(
                ScBinOp::Greater,
                &Sc::Input("gate", 0.0),
                &Sc::Const(super::GATE_ON),
            )),
        ],
    ))],
    note: "Latch on the gate above 0.5",
};

/// The `sample_hold` module.
#[derive(Clone, Debug, Default)]
pub struct SampleHold {
    held: f32,
    edge: Edge,
}

impl Module for SampleHold {
    fn info(&self) -> &'static ModuleInfo {
        &SAMPLE_HOLD_INFO
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        _params: &Params,
    ) {
        let (x, gate) = (inputs.port(0), inputs.port(1));
        for ((o, &x), &g) in outputs.port(0).iter_mut().zip(x).zip(gate) {
            if self.edge.step(g) == Some(true) && x.is_finite() {
                self.held = x;
            }
            *o = self.held;
        }
    }

    fn reset(&mut self) {
        *self = SampleHold::default();
    }
}
