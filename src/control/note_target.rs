//! [`NoteTarget`]: who a note, a channel message or a pedal is addressed to (the default
//! instrument, one instrument by id, or every instrument on a MIDI channel).

/// Who a note is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NoteTarget {
    /// The first instrument of the patch.
    Default,
    /// The instrument with this id (`voices` for the `voice` shorthand).
    Instrument(String),
    /// Every instrument listening to this MIDI channel (1–16).
    Channel(u8),
}
