//! [`Controller::midi_cc`]: a MIDI controller value reaching the patch's modules that
//! follow it.
//!
//! A module whose kind plays [`Role::MidiCcSource`] (the `midi_cc` kind in
//! `chronus-modules`) outputs its `value` param. When CC `cc` arrives on a channel, every
//! such module of the running patch whose `cc` matches and whose `channel` is 0 (any) or
//! that channel gets the new position as a live param change (smoothed by the param's
//! 10 ms glide, sample-timed like `/mod/{id}/value`).

use chronus_modules::{ParamValue, Role};

use super::controller::Controller;
use super::error::ControlError;
use crate::patch;

impl Controller {
    /// Sets `value` (0..1) on every [`Role::MidiCcSource`] module listening to controller
    /// `cc` on `channel` (1–16), at engine sample `time`. Returns how many modules it
    /// reached.
    pub fn midi_cc(
        &mut self,
        channel: u8,
        cc: u8,
        value: f32,
        time: Option<u64>,
    ) -> Result<usize, ControlError> {
        let listening = self.midi_cc_modules(channel, cc);
        for id in &listening {
            self.set_live(id, "value", ParamValue::Number(value as f64), time)?;
        }
        Ok(listening.len())
    }

    /// Ids of the running patch's [`Role::MidiCcSource`] modules that follow `cc` on
    /// `channel`.
    fn midi_cc_modules(&self, channel: u8, cc: u8) -> Vec<String> {
        let registry = self.registry();
        let param = |m: &patch::ModuleDesc, id: &str| -> Option<f32> {
            let info = registry.get(&m.kind)?.info;
            let spec = &info.params[info.param(id)?];
            Some(match m.params.get(id) {
                Some(v) => spec.accept(v).ok()?,
                None => spec.default,
            })
        };
        let running = self.running();
        let main = running.modules.iter();
        let voices = patch::scope::instruments(running).flat_map(|(_, _, i)| i.modules.iter());
        main.chain(voices)
            .filter(|(_, m)| registry.has_role(&m.kind, Role::MidiCcSource))
            .filter(|(_, m)| {
                param(m, "cc") == Some(cc as f32)
                    && matches!(param(m, "channel"), Some(c) if c == 0.0 || c == channel as f32)
            })
            .map(|(id, _)| id.clone())
            .collect()
    }
}
