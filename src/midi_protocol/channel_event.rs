//! [`ChannelEvent`]: a MIDI channel message, decoded — what the inputs parse into, the
//! router and distributor pass on, and the note sinks play.

/// A MIDI channel message, decoded (channel 1–16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelEvent {
    /// Note on (velocity 0 is a note-off).
    NoteOn {
        /// Note.
        note: u8,
        /// Velocity.
        velocity: u8,
    },
    /// Note off.
    NoteOff {
        /// Note.
        note: u8,
    },
    /// Polyphonic aftertouch.
    PolyAftertouch {
        /// Note.
        note: u8,
        /// 0–127.
        value: u8,
    },
    /// Control change.
    Controller {
        /// Controller number.
        controller: u8,
        /// 0–127.
        value: u8,
    },
    /// Program change.
    Program(u8),
    /// Channel pressure 0–127.
    Pressure(u8),
    /// Pitch bend 0..=16383 (8192 centre).
    Bend(u16),
}
