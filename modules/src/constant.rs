//! `const`: a constant signal (offsets, fixed modulation amounts), gliding when its
//! `value` changes (the glide is the param smoother's).
//!
//! Real-time: nothing here allocates at all; `process` never allocates, locks, logs or
//! blocks. Stateless: the default `prepare` and `reset`.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::supercollider::{Sc, ScCounterpart};

static CONST_INFO: ModuleInfo = ModuleInfo {
    kind: "const",
    doc: "A constant signal (offsets, fixed modulation amounts).",
    inputs: &[],
    outputs: &[PortSpec {
        id: "out",
        doc: "The value of `value`, gliding when it changes.",
    }],
    params: &[ParamSpec::float("value", "Value", -20_000.0, 20_000.0, 0.0)
        .doc("The value to output (any unit: Hz into a cutoff, octaves into a pitch).")],
    roles: &[],
};

/// The `const` kind.
pub const CONST: ModuleEntry = ModuleEntry::of::<Const>(&CONST_INFO).supercollider(&CONST_SC);

/// `const` on scsynth: its value, a control.
static CONST_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::Param("value")],
    note: "a control",
};

/// The `const` module (stateless; the glide lives in the param smoother).
#[derive(Clone, Copy, Debug, Default)]
pub struct Const;

impl Module for Const {
    fn info(&self) -> &'static ModuleInfo {
        &CONST_INFO
    }

    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        _inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        outputs.port(0).copy_from_slice(params.block(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::{run_entry, ModuleRunner};

    const SR: f32 = 48_000.0;

    #[test]
    fn const_outputs_its_value_and_glides() {
        let out = &run_entry(&CONST, &[("value", -440.5)], &[], 5)[0];
        assert_eq!(out, &[-440.5; 5]);
        let mut r = ModuleRunner::new((CONST.create)(), SR);
        r.glide("value", 100.0).unwrap();
        let out = &r.run(&[], 1_000, 64)[0];
        assert!((out[479] - 50.0).abs() < 0.01, "{}", out[479]);
        assert_eq!(out[959], 100.0);
    }
}
