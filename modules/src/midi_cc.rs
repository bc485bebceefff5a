//! `midi_cc`: a MIDI controller (mod wheel, breath, foot, expression, any CC) as a signal.
//!
//! The module itself only outputs its `value` param, gliding (10 ms, linear) whenever it
//! changes. It plays [`Role::MidiCcSource`], so the host's MIDI side does the listening:
//! when CC `cc` arrives on `channel` (0 = any channel), it sets `value` to the CC's 0..1
//! position as a live, smoothed param change — the same path as `/mod/{id}/value` over
//! OSC — so the module never sees MIDI and stays a plain, real-time safe source.
//!
//! Real-time: `process` and `reset` never allocate, lock, log or block.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::role::Role;
use crate::smoother::Smoothing;

static MIDI_CC_INFO: ModuleInfo = ModuleInfo {
    kind: "midi_cc",
    doc: "A MIDI continuous controller as a 0..1 signal (the host sets `value` when CC `cc` \
          arrives on `channel`).",
    inputs: &[],
    outputs: &[PortSpec {
        id: "out",
        doc: "The controller's position 0..1 (0..127 scaled), gliding over 10 ms.",
    }],
    params: &[
        ParamSpec::int("cc", "Controller", 0, 127, 1)
            .doc("Controller number to follow (1 = mod wheel, 2 = breath, 4 = foot, 11 = expression)."),
        ParamSpec::int("channel", "Channel", 0, 16, 0)
            .doc("MIDI channel 1-16 to listen to; 0 = every channel."),
        ParamSpec::float("value", "Value", 0.0, 1.0, 0.0)
            .smoothing(Smoothing::Linear(10.0))
            .doc("Current position 0..1; set by the host when the controller moves (also settable like any param)."),
    ],
    roles: &[Role::MidiCcSource],
};

/// The `midi_cc` kind.
pub const MIDI_CC: ModuleEntry = ModuleEntry::of::<MidiCc>(&MIDI_CC_INFO);

/// The `midi_cc` module (stateless; the glide lives in the `value` param's smoother).
#[derive(Clone, Copy, Debug, Default)]
pub struct MidiCc;

impl Module for MidiCc {
    fn info(&self) -> &'static ModuleInfo {
        &MIDI_CC_INFO
    }

    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        _inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        outputs.port(0).copy_from_slice(params.block(2));
    }
}

#[cfg(test)]
mod tests {
    use crate::harness::ModuleRunner;
    use crate::registry::Registry;

    #[test]
    fn outputs_its_value_gliding() {
        let mut m = ModuleRunner::for_kind(&Registry::builtin(), "midi_cc", 48_000.0).unwrap();
        let out = m.run(&[], 64, 64);
        assert!(out[0].iter().all(|&x| x == 0.0));
        m.glide("value", 1.0).unwrap();
        let out = m.run(&[], 960, 64);
        assert!(out[0][0] > 0.0 && out[0][0] < 0.01, "glides from 0");
        assert_eq!(out[0][959], 1.0, "there after 10 ms");
    }
}
