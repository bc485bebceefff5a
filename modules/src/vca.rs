//! `vca`: the voltage-controlled amplifier, `out = in × cv × gain`.
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

static VCA_INFO: ModuleInfo = ModuleInfo {
    kind: "vca",
    doc: "Voltage-controlled amplifier: out = in × cv × gain.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to amplify.",
        },
        PortSpec {
            id: "cv",
            doc: "Control signal that MULTIPLIES the output (an envelope, an LFO); it does \
                  not add to `gain`. Reads 1 when unconnected, so an unpatched VCA passes \
                  its input at `gain`.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "in × cv × gain.",
    }],
    params: &[ParamSpec::float("gain", "Gain", 0.0, 4.0, 1.0)
        .doc("Fixed gain factor applied on top of `cv` (1 = unity).")],
    roles: &[],
};

/// The `vca` kind.
pub const VCA: ModuleEntry = ModuleEntry::of::<Vca>(&VCA_INFO).supercollider(&VCA_SC);

/// `vca` on scsynth: `in × cv × gain` (cv 1 when unconnected).
static VCA_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::mul(
        &Sc::mul(&Sc::Input("in", 0.0), &Sc::Input("cv", 1.0)),
        &Sc::Param("gain"),
    )],
    note: "arithmetic",
};

/// The `vca` module (stateless).
#[derive(Clone, Copy, Debug, Default)]
pub struct Vca;

impl Module for Vca {
    fn info(&self) -> &'static ModuleInfo {
        &VCA_INFO
    }

    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let x = inputs.port(0);
        let gain = params.block(0);
        let out = outputs.port(0);
        match (inputs.is_connected(1), params.is_constant(0)) {
            (true, true) => {
                let g = gain[0];
                for ((o, &x), &c) in out.iter_mut().zip(x).zip(inputs.port(1)) {
                    *o = x * c * g;
                }
            }
            (true, false) => {
                for (((o, &x), &c), &g) in out.iter_mut().zip(x).zip(inputs.port(1)).zip(gain) {
                    *o = x * c * g;
                }
            }
            // Unconnected cv reads 1: x × 1 × g is exactly x × g.
            (false, true) => {
                let g = gain[0];
                for (o, &x) in out.iter_mut().zip(x) {
                    *o = x * g;
                }
            }
            (false, false) => {
                for ((o, &x), &g) in out.iter_mut().zip(x).zip(gain) {
                    *o = x * g;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::{run_entry, ModuleRunner};

    const SR: f32 = 48_000.0;

    #[test]
    fn vca_multiplies_in_cv_and_gain() {
        let x = [0.5, -1.0, 2.0, 0.25];
        let cv = [0.0, 0.5, 1.0, -2.0];
        let out = &run_entry(&VCA, &[("gain", 2.0)], &[&x, &cv], 4)[0];
        assert_eq!(out, &[0.0, -1.0, 4.0, -1.0]);
    }

    #[test]
    fn vca_cv_reads_one_when_unconnected() {
        let x = [0.5, -1.0, 2.0, 0.25];
        let out = &run_entry(&VCA, &[], &[&x], 4)[0];
        assert_eq!(out, &x);
        let out = &run_entry(&VCA, &[("gain", 0.5)], &[&x], 4)[0];
        assert_eq!(out, &[0.25, -0.5, 1.0, 0.125]);
        // A connected cv of zero really silences (it is not mistaken for "unconnected").
        let out = &run_entry(&VCA, &[], &[&x, &[0.0; 4]], 4)[0];
        assert_eq!(out, &[0.0; 4]);
    }

    #[test]
    fn vca_gain_glides_linearly() {
        let x = vec![1.0; 2_000];
        let mut r = ModuleRunner::new((VCA.create)(), SR);
        r.glide("gain", 2.0).unwrap();
        let out = &r.run(&[&x], 2_000, 7)[0];
        // 20 ms = 960 samples from 1 to 2.
        assert!((out[479] - 1.5).abs() < 1e-3, "{}", out[479]);
        assert_eq!(out[959], 2.0);
    }
}
