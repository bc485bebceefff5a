//! What the control side tells the audio thread, through the command ring.
//!
//! Commands are plain values (the only heap data is a revision being swapped in, which the
//! engine keeps or returns, never drops), so moving them through the ring never allocates.

use super::channel::ChannelMessage;
use crate::address::{InstrumentKey, LiveTarget, ParamTarget};
use crate::graph::CompiledGraph;
use crate::seq::{Conductor, SeqCommand, SeqEvent};

/// One message on the command ring.
pub enum Command {
    /// Swap in a new revision at the next block boundary.
    Swap(Revision),
    /// A sample-timed event.
    Event(TimedEvent),
}

/// What one commit sends the engine: a compiled graph and the sequencer of its patch.
/// The engine plays it until the next revision replaces it, then sends it back through
/// the return ring, to be dropped on the control side.
pub struct Revision {
    /// The graph.
    pub graph: Box<CompiledGraph>,
    /// The sequencer of a patch with a `sequence` section (built by the controller after
    /// compiling). The engine takes it at the swap, and parks the conductor it replaces
    /// here so it leaves the audio thread with this revision.
    pub conductor: Option<Box<Conductor>>,
}

/// An event and when it happens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimedEvent {
    /// Engine sample time; a time already past happens at the start of the next block.
    pub time: u64,
    /// Revision of the graph the event was addressed for (param targets are indices into
    /// that graph).
    pub revision: u64,
    /// What happens.
    pub event: Event,
}

/// Something that happens at a sample time. Small and `Copy` (24 bytes): the command ring
/// moves thousands of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// Glide a param to `value` (already validated and in range).
    SetParam {
        /// Which param.
        target: ParamTarget,
        /// Engine value.
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
    /// A param of an external instrument's backend (a CC profile's param, by index),
    /// 0..1: sent out through the outbound ring; ignored (counted) for an internal one.
    BackendParam {
        /// Which instrument.
        instrument: InstrumentKey,
        /// Index of the param in the backend's list.
        param: u16,
        /// 0..1.
        value: f32,
        /// Samples the backend glides over to `value` (0: at once).
        glide: u32,
    },
    /// Release every held note (voices sound through their release).
    AllNotesOff,
    /// Silence every voice within a few milliseconds, releases included.
    Panic,
    /// A channel message (bend, pressure, pedal, volume, ...) for one instrument.
    Channel {
        /// Which instrument.
        instrument: InstrumentKey,
        /// What it is told.
        message: ChannelMessage,
    },
    /// Retune every instrument: A4 = `a4` Hz (rebuilds the note table on the audio
    /// thread: 128 powers, no allocation; rare).
    Tuning {
        /// Hz of A4.
        a4: f32,
    },
    /// A command for the sequencer (ignored, and counted, without one).
    Sequencer(SeqCommand),
}

impl Event {
    /// True for a played note (what wakes the sequencer's idle mode at once).
    pub fn is_note(&self) -> bool {
        matches!(self, Event::NoteOn { .. })
    }
}

impl From<SeqEvent> for Event {
    /// The engine event of a note or param move the sequencer plays.
    fn from(event: SeqEvent) -> Self {
        match event {
            SeqEvent::SetParam {
                target: LiveTarget::Graph(target),
                value,
            } => Event::SetParam { target, value },
            // Sent out through the outbound ring, like `/mod` on an external instrument.
            SeqEvent::SetParam {
                target: LiveTarget::Backend { instrument, param },
                value,
            } => Event::BackendParam {
                instrument,
                param,
                value,
                glide: 0,
            },
            SeqEvent::NoteOn {
                instrument,
                note,
                velocity,
            } => Event::NoteOn {
                instrument,
                note,
                velocity,
            },
            SeqEvent::NoteOff { instrument, note } => Event::NoteOff { instrument, note },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_stay_small() {
        assert!(
            std::mem::size_of::<Event>() <= 24,
            "{}",
            std::mem::size_of::<Event>()
        );
    }
}
