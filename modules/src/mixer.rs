//! `mixer`: four inputs, each scaled by its level, summed.
//!
//! Plain arithmetic on blocks, with a constant-parameter fast path (one value for the whole
//! block) and a per-sample path that compute the same expression in the same order, so the
//! output does not depend on how the engine cuts blocks.
//!
//! Real-time: nothing here allocates at all; `process` never allocates, locks, logs or
//! blocks. Stateless: the default `prepare` and `reset`.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::supercollider::{Sc, ScCounterpart};

const LEVEL_DOC: &str = "Gain of the matching input (1 = unity).";

static MIXER_INFO: ModuleInfo = ModuleInfo {
    kind: "mixer",
    doc: "Four-input mixer: out = Σ in_n × level_n.",
    inputs: &[
        PortSpec {
            id: "in1",
            doc: "Input 1, scaled by `level1`.",
        },
        PortSpec {
            id: "in2",
            doc: "Input 2, scaled by `level2`.",
        },
        PortSpec {
            id: "in3",
            doc: "Input 3, scaled by `level3`.",
        },
        PortSpec {
            id: "in4",
            doc: "Input 4, scaled by `level4`.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "Sum of the scaled inputs.",
    }],
    params: &[
        ParamSpec::float("level1", "Level 1", 0.0, 4.0, 1.0).doc(LEVEL_DOC),
        ParamSpec::float("level2", "Level 2", 0.0, 4.0, 1.0).doc(LEVEL_DOC),
        ParamSpec::float("level3", "Level 3", 0.0, 4.0, 1.0).doc(LEVEL_DOC),
        ParamSpec::float("level4", "Level 4", 0.0, 4.0, 1.0).doc(LEVEL_DOC),
    ],
    roles: &[],
};

/// The `mixer` kind.
pub const MIXER: ModuleEntry = ModuleEntry::of::<Mixer>(&MIXER_INFO).supercollider(&MIXER_SC);

/// `mixer` on scsynth: `Σ in_k × level_k`.
static MIXER_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::add(
        &Sc::add(
            &Sc::mul(&Sc::Input("in1", 0.0), &Sc::Param("level1")),
            &Sc::mul(&Sc::Input("in2", 0.0), &Sc::Param("level2")),
        ),
        &Sc::add(
            &Sc::mul(&Sc::Input("in3", 0.0), &Sc::Param("level3")),
            &Sc::mul(&Sc::Input("in4", 0.0), &Sc::Param("level4")),
        ),
    )],
    note: "arithmetic",
};

/// The `mixer` module (stateless).
#[derive(Clone, Copy, Debug, Default)]
pub struct Mixer;

impl Module for Mixer {
    fn info(&self) -> &'static ModuleInfo {
        &MIXER_INFO
    }

    /// Skips unconnected inputs (they would add zeros). **Real-time: no allocation,
    /// locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let out = outputs.port(0);
        out.fill(0.0);
        for i in 0..4 {
            if !inputs.is_connected(i) {
                continue;
            }
            let x = inputs.port(i);
            let level = params.block(i);
            if params.is_constant(i) {
                let l = level[0];
                for (o, &x) in out.iter_mut().zip(x) {
                    *o += x * l;
                }
            } else {
                for ((o, &x), &l) in out.iter_mut().zip(x).zip(level) {
                    *o += x * l;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::run_entry;

    #[test]
    fn mixer_sums_scaled_inputs() {
        let a = [1.0, 2.0, 3.0];
        let b = [0.5, 0.5, 0.5];
        let c = [-1.0, 0.0, 1.0];
        let d = [0.25, 0.25, 0.25];
        let out = &run_entry(
            &MIXER,
            &[
                ("level1", 1.0),
                ("level2", 2.0),
                ("level3", 0.5),
                ("level4", 0.0),
            ],
            &[&a, &b, &c, &d],
            3,
        )[0];
        assert_eq!(out, &[1.5, 3.0, 4.5]);
        // Unconnected inputs add nothing.
        let out = &run_entry(&MIXER, &[], &[&a], 3)[0];
        assert_eq!(out, &a);
    }
}
