//! [`SeqEvent`]: what the conductor plays, a note or a param move, addressed as the engine
//! addresses them (an [`InstrumentKey`], a [`LiveTarget`]: a param of the graph revision
//! the conductor was built for, or of an external instrument's backend). The engine turns
//! each into its own event at the sample the conductor plays it.

use crate::address::{InstrumentKey, LiveTarget};

/// A note or a param move the sequencer plays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SeqEvent {
    /// Glide a param to `value` (in range).
    SetParam {
        /// Which param.
        target: LiveTarget,
        /// Engine value (0..1 for an external instrument's param).
        value: f32,
    },
    /// Start a note on an instrument.
    NoteOn {
        /// Which instrument.
        instrument: InstrumentKey,
        /// MIDI note number.
        note: u8,
        /// 0..1.
        velocity: f32,
    },
    /// Release a note on an instrument.
    NoteOff {
        /// Which instrument.
        instrument: InstrumentKey,
        /// MIDI note number.
        note: u8,
    },
}
