//! [`Instrument`]: one interface for everything that plays notes — the internal voice
//! engine now, SuperCollider and external MIDI synths later — so the MIDI router and the
//! sequencer can address any of them the same way.
//!
//! Values are MIDI's own: channels 1–16, notes and 7-bit values 0–127, pitch bend 14-bit
//! 0..=16383 with 8192 the centre. Every method takes the engine sample time the message
//! should land on (`None`: as soon as possible). Calls happen on control threads, never
//! on the audio thread.

use crate::control::ControlError;

/// Why an instrument refused a message. Nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum InstrumentError {
    /// The internal engine's controller refused it.
    #[error("{0}")]
    Control(#[from] ControlError),
    /// A value outside its MIDI range.
    #[error("{what} {value} is out of range {range}")]
    Range {
        /// What the value is ("channel", "note", "pitch bend", ...).
        what: &'static str,
        /// The value given.
        value: u32,
        /// The allowed range.
        range: &'static str,
    },
}

/// A one-look summary of an instrument.
#[derive(Clone, Debug, PartialEq)]
pub struct InstrumentStatus {
    /// Its name.
    pub name: String,
    /// Notes held (keys down, or kept by the sustain pedal).
    pub active_notes: usize,
    /// Polyphony (voices it has).
    pub voices: usize,
    /// Voices sounding now (held or releasing), where the instrument can tell.
    pub voices_sounding: Option<usize>,
    /// Channels whose sustain pedal is down.
    pub sustained_channels: Vec<u8>,
    /// Last program change per channel (channel, program).
    pub programs: Vec<(u8, u8)>,
}

impl std::fmt::Display for InstrumentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} notes held, {} voices",
            self.name, self.active_notes, self.voices
        )?;
        if let Some(n) = self.voices_sounding {
            write!(f, " ({n} sounding)")?;
        }
        if !self.sustained_channels.is_empty() {
            write!(f, ", pedal down on {:?}", self.sustained_channels)?;
        }
        Ok(())
    }
}

/// Something that plays notes. See the module doc for units.
pub trait Instrument: Send {
    /// Its name (for status, logs and config errors).
    fn name(&self) -> &str;

    /// Starts `note` at `velocity` (1–127; 0 is a note-off, as MIDI says).
    fn play_note(
        &mut self,
        channel: u8,
        note: u8,
        velocity: u8,
        time: Option<u64>,
    ) -> Result<(), InstrumentError>;

    /// Releases `note` (the sustain pedal may keep it sounding).
    fn stop_note(
        &mut self,
        channel: u8,
        note: u8,
        time: Option<u64>,
    ) -> Result<(), InstrumentError>;

    /// Releases every note on every channel (voices sound through their release).
    fn stop_all(&mut self, time: Option<u64>) -> Result<(), InstrumentError>;

    /// Back to the power-on state: every voice silenced, controllers reset (bend, pressure,
    /// pedal, expression, volume, pan, bend range), notes forgotten.
    fn reset(&mut self) -> Result<(), InstrumentError>;

    /// Pitch bend, 14-bit (0..=16383, 8192 = no bend).
    fn pitch_bend(
        &mut self,
        channel: u8,
        value: u16,
        time: Option<u64>,
    ) -> Result<(), InstrumentError>;

    /// Channel pressure (aftertouch) 0–127.
    fn channel_pressure(
        &mut self,
        channel: u8,
        value: u8,
        time: Option<u64>,
    ) -> Result<(), InstrumentError>;

    /// Polyphonic aftertouch 0–127 for one note.
    fn poly_aftertouch(
        &mut self,
        channel: u8,
        note: u8,
        value: u8,
        time: Option<u64>,
    ) -> Result<(), InstrumentError>;

    /// Program change 0–127.
    fn program_change(
        &mut self,
        channel: u8,
        program: u8,
        time: Option<u64>,
    ) -> Result<(), InstrumentError>;

    /// A control change: the common ones (mod wheel 1, breath 2, foot 4, volume 7, pan 10,
    /// expression 11, effect 12/13, sustain 64, RPN 101/100/6/38, all sound off 120, reset
    /// controllers 121, all notes off 123) and any other.
    fn control_change(
        &mut self,
        channel: u8,
        controller: u8,
        value: u8,
        time: Option<u64>,
    ) -> Result<(), InstrumentError>;

    /// Notes held now (keys down, or kept by the pedal), all channels.
    fn active_note_count(&self) -> usize;

    /// True while `note` is held on `channel`.
    fn is_note_active(&self, channel: u8, note: u8) -> bool;

    /// Polyphony: how many voices it has.
    fn voice_count(&self) -> usize;

    /// A summary of its state.
    fn status(&self) -> InstrumentStatus;
}

/// Checks a MIDI channel number (1–16).
pub fn check_channel(channel: u8) -> Result<(), InstrumentError> {
    check(channel as u32, 1, 16, "channel", "1 .. 16")
}

/// Checks a 7-bit value (0–127).
pub fn check_7bit(value: u8, what: &'static str) -> Result<(), InstrumentError> {
    check(value as u32, 0, 127, what, "0 .. 127")
}

fn check(
    value: u32,
    lo: u32,
    hi: u32,
    what: &'static str,
    range: &'static str,
) -> Result<(), InstrumentError> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(InstrumentError::Range { what, value, range })
    }
}
