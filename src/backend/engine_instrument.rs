//! [`EngineInstrument`]: the internal voice engine behind the [`Instrument`] trait.
//!
//! It talks to the engine through the shared [`Controller`] (every call locks it briefly),
//! turning MIDI values into the engine's own units and channel messages: velocity 0 is a
//! note-off; CC 7/11/10/64/120/121/123 and RPN 0 become [`ChannelMessage`]s; every CC also
//! reaches the patch's `midi_cc` modules. It keeps the bookkeeping the queries need (keys
//! down, notes kept by the pedal, programs) on the control side: the audio thread is never
//! asked.
//!
//! Program change: the internal engine has no programs, so it records the number (shown in
//! the status) and changes nothing; instruments that have programs act on it.

use std::sync::Arc;

use parking_lot::Mutex;

use super::instrument::{check_7bit, check_channel, Instrument, InstrumentError, InstrumentStatus};
use crate::control::{Controller, NoteTarget};
use crate::engine::{ChannelMessage, EngineStats};
use crate::graph::channel_state::DEFAULT_BEND_RANGE;
use crate::midi_protocol::cc;
use crate::midi_protocol::rpn::RpnState;
use crate::patch;

/// Which of the patch's instruments an [`EngineInstrument`] plays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineTarget {
    /// Whichever instruments listen to the message's MIDI channel (the patch's
    /// `channel:` fields decide).
    ByChannel,
    /// Always the instrument with this id, whatever the channel.
    Instrument(String),
}

/// The internal engine as an [`Instrument`]. See the module doc.
pub struct EngineInstrument {
    controller: Arc<Mutex<Controller>>,
    name: String,
    target: EngineTarget,
    /// Keys down, per channel (index channel - 1; bit n = note n).
    keys: [u128; 16],
    /// Notes released while the pedal was down, still sounding.
    pedal_held: [u128; 16],
    pedal: [bool; 16],
    rpn: [RpnState; 16],
    programs: [Option<u8>; 16],
}

impl EngineInstrument {
    /// The engine's instrument(s) as `target` says, named `name`.
    pub fn new(controller: Arc<Mutex<Controller>>, name: &str, target: EngineTarget) -> Self {
        EngineInstrument {
            controller,
            name: name.to_string(),
            target,
            keys: [0; 16],
            pedal_held: [0; 16],
            pedal: [false; 16],
            rpn: [RpnState::default(); 16],
            programs: [None; 16],
        }
    }

    fn note_target(&self, channel: u8) -> NoteTarget {
        match &self.target {
            EngineTarget::ByChannel => NoteTarget::Channel(channel),
            EngineTarget::Instrument(id) => NoteTarget::Instrument(id.clone()),
        }
    }

    fn send(
        &mut self,
        channel: u8,
        message: ChannelMessage,
        time: Option<u64>,
    ) -> Result<(), InstrumentError> {
        check_channel(channel)?;
        let target = self.note_target(channel);
        self.controller
            .lock()
            .channel_message(&target, message, time)?;
        Ok(())
    }

    /// Ids of the patch instruments this reaches on any channel.
    fn instrument_ids(&self) -> Vec<String> {
        let c = self.controller.lock();
        patch::scope::instruments(c.running())
            .map(|(_, id, _)| id.to_string())
            .filter(|id| match &self.target {
                EngineTarget::ByChannel => true,
                EngineTarget::Instrument(want) => want == id,
            })
            .collect()
    }

    fn set_pedal(
        &mut self,
        channel: u8,
        down: bool,
        time: Option<u64>,
    ) -> Result<(), InstrumentError> {
        self.send(channel, ChannelMessage::Sustain(down), time)?;
        let k = (channel - 1) as usize;
        self.pedal[k] = down;
        if !down {
            self.pedal_held[k] = 0;
        }
        Ok(())
    }

    /// What the channel-level controllers do (volume, pan, pedal, RPN, ...).
    fn channel_controller(
        &mut self,
        channel: u8,
        controller: u8,
        value: u8,
        time: Option<u64>,
    ) -> Result<(), InstrumentError> {
        let k = (channel - 1) as usize;
        match controller {
            cc::VOLUME => self.send(channel, ChannelMessage::Volume(cc::unit(value)), time)?,
            cc::EXPRESSION => {
                self.send(channel, ChannelMessage::Expression(cc::unit(value)), time)?
            }
            cc::PAN => self.send(channel, ChannelMessage::Pan(cc::pan_position(value)), time)?,
            cc::SUSTAIN => self.set_pedal(channel, value >= 64, time)?,
            cc::ALL_SOUND_OFF => {
                self.send(channel, ChannelMessage::AllSoundOff, time)?;
                self.keys[k] = 0;
                self.pedal_held[k] = 0;
                self.pedal[k] = false;
            }
            cc::RESET_CONTROLLERS => {
                self.send(channel, ChannelMessage::ResetControllers, time)?;
                self.rpn[k].deselect();
                self.pedal[k] = false;
                self.pedal_held[k] = 0;
            }
            cc::ALL_NOTES_OFF => {
                self.send(channel, ChannelMessage::AllNotesOff, time)?;
                if self.pedal[k] {
                    self.pedal_held[k] |= self.keys[k];
                }
                self.keys[k] = 0;
            }
            c if RpnState::is_rpn_controller(c) => {
                if let Some(range) = self.rpn[k].control_change(c, value) {
                    self.send(channel, ChannelMessage::BendRange(range), time)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn bit(note: u8) -> u128 {
    1u128 << (note & 127)
}

impl Instrument for EngineInstrument {
    fn name(&self) -> &str {
        &self.name
    }

    fn play_note(
        &mut self,
        channel: u8,
        note: u8,
        velocity: u8,
        time: Option<u64>,
    ) -> Result<(), InstrumentError> {
        if velocity == 0 {
            return self.stop_note(channel, note, time);
        }
        check_channel(channel)?;
        check_7bit(note, "note")?;
        check_7bit(velocity, "velocity")?;
        let target = self.note_target(channel);
        self.controller
            .lock()
            .note_on(&target, note, cc::unit(velocity), time)?;
        let k = (channel - 1) as usize;
        self.keys[k] |= bit(note);
        self.pedal_held[k] &= !bit(note);
        Ok(())
    }

    fn stop_note(
        &mut self,
        channel: u8,
        note: u8,
        time: Option<u64>,
    ) -> Result<(), InstrumentError> {
        check_channel(channel)?;
        check_7bit(note, "note")?;
        let target = self.note_target(channel);
        self.controller.lock().note_off(&target, note, time)?;
        let k = (channel - 1) as usize;
        if self.keys[k] & bit(note) != 0 && self.pedal[k] {
            self.pedal_held[k] |= bit(note);
        }
        self.keys[k] &= !bit(note);
        Ok(())
    }

    /// Lifts the pedal and releases every note: nothing may keep sounding (this is what a
    /// vanished MIDI port gets, whose pedal can never come up).
    fn stop_all(&mut self, time: Option<u64>) -> Result<(), InstrumentError> {
        for id in self.instrument_ids() {
            let target = NoteTarget::Instrument(id);
            let mut c = self.controller.lock();
            c.channel_message(&target, ChannelMessage::Sustain(false), time)?;
            c.channel_message(&target, ChannelMessage::AllNotesOff, time)?;
        }
        self.keys = [0; 16];
        self.pedal = [false; 16];
        self.pedal_held = [0; 16];
        Ok(())
    }

    fn reset(&mut self) -> Result<(), InstrumentError> {
        let messages = [
            ChannelMessage::AllSoundOff,
            ChannelMessage::ResetControllers,
            ChannelMessage::Volume(1.0),
            ChannelMessage::Pan(0.0),
            ChannelMessage::BendRange(DEFAULT_BEND_RANGE),
        ];
        for id in self.instrument_ids() {
            let target = NoteTarget::Instrument(id);
            let mut c = self.controller.lock();
            for m in messages {
                c.channel_message(&target, m, None)?;
            }
        }
        *self = EngineInstrument::new(self.controller.clone(), &self.name, self.target.clone());
        Ok(())
    }

    fn pitch_bend(
        &mut self,
        channel: u8,
        value: u16,
        time: Option<u64>,
    ) -> Result<(), InstrumentError> {
        if value > 16383 {
            return Err(InstrumentError::Range {
                what: "pitch bend",
                value: value as u32,
                range: "0 .. 16383",
            });
        }
        self.send(
            channel,
            ChannelMessage::Bend(cc::bend_position(value)),
            time,
        )
    }

    fn channel_pressure(
        &mut self,
        channel: u8,
        value: u8,
        time: Option<u64>,
    ) -> Result<(), InstrumentError> {
        check_7bit(value, "pressure")?;
        self.send(channel, ChannelMessage::Pressure(cc::unit(value)), time)
    }

    fn poly_aftertouch(
        &mut self,
        channel: u8,
        note: u8,
        value: u8,
        time: Option<u64>,
    ) -> Result<(), InstrumentError> {
        check_7bit(note, "note")?;
        check_7bit(value, "aftertouch")?;
        let message = ChannelMessage::PolyPressure {
            note,
            value: cc::unit(value),
        };
        self.send(channel, message, time)
    }

    fn program_change(
        &mut self,
        channel: u8,
        program: u8,
        _time: Option<u64>,
    ) -> Result<(), InstrumentError> {
        check_channel(channel)?;
        check_7bit(program, "program")?;
        self.programs[(channel - 1) as usize] = Some(program);
        Ok(())
    }

    fn control_change(
        &mut self,
        channel: u8,
        controller: u8,
        value: u8,
        time: Option<u64>,
    ) -> Result<(), InstrumentError> {
        check_channel(channel)?;
        check_7bit(controller, "controller")?;
        check_7bit(value, "controller value")?;
        // Both happen even when one is refused (no instrument on this channel, say):
        // `midi_cc` modules listening to every channel still follow.
        let applied = self.channel_controller(channel, controller, value, time);
        // Every controller is also a signal for the patch's `midi_cc` modules.
        let followed = self
            .controller
            .lock()
            .midi_cc(channel, controller, cc::unit(value), time);
        applied?;
        followed?;
        Ok(())
    }

    fn active_note_count(&self) -> usize {
        self.keys
            .iter()
            .zip(&self.pedal_held)
            .map(|(k, p)| (k | p).count_ones() as usize)
            .sum()
    }

    fn is_note_active(&self, channel: u8, note: u8) -> bool {
        if !(1..=16).contains(&channel) || note > 127 {
            return false;
        }
        let k = (channel - 1) as usize;
        (self.keys[k] | self.pedal_held[k]) & bit(note) != 0
    }

    fn voice_count(&self) -> usize {
        let c = self.controller.lock();
        patch::scope::instruments(c.running())
            .filter(|(_, id, _)| match &self.target {
                EngineTarget::ByChannel => true,
                EngineTarget::Instrument(want) => want == id,
            })
            .map(|(_, _, inst)| inst.count)
            .sum()
    }

    fn status(&self) -> InstrumentStatus {
        let sounding = match self.target {
            EngineTarget::ByChannel => {
                let c = self.controller.lock();
                Some(EngineStats::get(&c.engine().stats().voices_active) as usize)
            }
            EngineTarget::Instrument(_) => None,
        };
        InstrumentStatus {
            name: self.name.clone(),
            active_notes: self.active_note_count(),
            voices: self.voice_count(),
            voices_sounding: sounding,
            sustained_channels: (1..=16u8)
                .filter(|&ch| self.pedal[(ch - 1) as usize])
                .collect(),
            programs: (1..=16u8)
                .filter_map(|ch| self.programs[(ch - 1) as usize].map(|p| (ch, p)))
                .collect(),
        }
    }
}
