//! Performance events: notes, channel messages, tuning, all-notes-off and panic, sent to
//! the instruments a [`NoteTarget`] reaches (releases follow their note-ons, see
//! [`NoteRoutes`](super::note_routes::NoteRoutes)).

use super::controller::Controller;
use super::error::ControlError;
use super::note_routes::merge;
use super::note_target::NoteTarget;
use crate::address::InstrumentKey;
use crate::engine::{ChannelMessage, Event};
use crate::patch;

impl Controller {
    /// Starts `note` (0–127) at `velocity` (0..1) on the target instrument(s).
    pub fn note_on(
        &mut self,
        target: &NoteTarget,
        note: u8,
        velocity: f32,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        if note > 127 {
            return Err(ControlError::NoteRange(note as i64));
        }
        if !(0.0..=1.0).contains(&velocity) {
            return Err(ControlError::VelocityRange(velocity));
        }
        let keys = self.instruments_for(target)?;
        let events: Vec<Event> = keys
            .iter()
            .map(|&instrument| Event::NoteOn {
                instrument,
                note,
                velocity,
            })
            .collect();
        self.send_all(time, &events)?;
        self.routes.note_on(target, note, &keys);
        Ok(())
    }

    /// Releases `note` on the instrument(s) its note-on reached (a commit since may have
    /// changed which instruments `target` reaches), or on the target's instruments when it
    /// is not sounding.
    pub fn note_off(
        &mut self,
        target: &NoteTarget,
        note: u8,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        if note > 127 {
            return Err(ControlError::NoteRange(note as i64));
        }
        let keys = match self.routes.sounding(target, note) {
            [] => self.instruments_for(target)?,
            sent => sent.to_vec(),
        };
        let events: Vec<Event> = keys
            .into_iter()
            .map(|instrument| Event::NoteOff { instrument, note })
            .collect();
        self.send_all(time, &events)?;
        self.routes.note_off(target, note);
        Ok(())
    }

    /// Sends a channel message (bend, pressure, pedal, volume, pan, ...) to the target
    /// instrument(s). Values are clamped to their ranges by the engine. A pedal-up also
    /// reaches every instrument its pedal-down reached.
    pub fn channel_message(
        &mut self,
        target: &NoteTarget,
        message: ChannelMessage,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        if let ChannelMessage::PolyPressure { note, .. } = message {
            if note > 127 {
                return Err(ControlError::NoteRange(note as i64));
            }
        }
        let held: &[InstrumentKey] = match message {
            ChannelMessage::Sustain(false) => self.routes.pedal_held(target),
            _ => &[],
        };
        let mut keys = match self.instruments_for(target) {
            Ok(keys) => keys,
            Err(_) if !held.is_empty() => Vec::new(),
            Err(e) => return Err(e),
        };
        merge(&mut keys, held);
        let events: Vec<Event> = keys
            .iter()
            .map(|&instrument| Event::Channel {
                instrument,
                message,
            })
            .collect();
        self.send_all(time, &events)?;
        match message {
            ChannelMessage::Sustain(true) => self.routes.pedal_down(target, &keys),
            ChannelMessage::Sustain(false) => self.routes.pedal_up(target),
            _ => {}
        }
        Ok(())
    }

    /// Retunes every instrument: A4 = `a4` Hz (a positive, finite frequency up to 2 kHz).
    pub fn set_tuning(&mut self, a4: f32, time: Option<u64>) -> Result<(), ControlError> {
        if !(a4.is_finite() && a4 > 0.0 && a4 <= 2_000.0) {
            return Err(ControlError::TuningRange(a4));
        }
        self.send_all(time, &[Event::Tuning { a4 }])
    }

    /// Releases every held note (voices sound through their release).
    pub fn all_notes_off(&mut self, time: Option<u64>) -> Result<(), ControlError> {
        self.send_all(time, &[Event::AllNotesOff])?;
        self.routes.release_all_notes();
        Ok(())
    }

    /// Silences every voice within a few milliseconds.
    pub fn panic(&mut self) -> Result<(), ControlError> {
        self.send_all(None, &[Event::Panic])?;
        self.routes.release_all_notes();
        Ok(())
    }

    /// The instruments of the running patch a note target reaches.
    fn instruments_for(&self, target: &NoteTarget) -> Result<Vec<InstrumentKey>, ControlError> {
        let instruments: Vec<_> = patch::scope::instruments(&self.running).collect();
        let found: Vec<InstrumentKey> = instruments
            .iter()
            .enumerate()
            .filter(|(k, (_, id, inst))| match target {
                NoteTarget::Default => *k == 0,
                NoteTarget::Instrument(wanted) => id == wanted,
                NoteTarget::Channel(ch) => inst.channel.is_none_or(|c| c == *ch),
            })
            .map(|(_, (_, id, _))| InstrumentKey::of(id))
            .collect();
        if found.is_empty() {
            return Err(ControlError::NoInstrument {
                target: match target {
                    NoteTarget::Default => "the default instrument".to_string(),
                    NoteTarget::Instrument(id) => format!("instrument \"{id}\""),
                    NoteTarget::Channel(ch) => format!("MIDI channel {ch}"),
                },
                known: instruments
                    .iter()
                    .map(|(_, id, _)| id.to_string())
                    .collect(),
            });
        }
        Ok(found)
    }
}
