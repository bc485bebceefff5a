//! What the control side tells the audio thread, through the command ring.
//!
//! Commands are plain values (the only heap data is a graph being swapped in, which the
//! engine keeps or returns, never drops), so moving them through the ring never allocates.

use super::channel::ChannelMessage;
use crate::graph::CompiledGraph;

/// One message on the command ring.
pub enum Command {
    /// Swap in a new graph at the next block boundary.
    Swap(Box<CompiledGraph>),
    /// A sample-timed event.
    Event(TimedEvent),
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

/// An instrument as events name it: a hash of its id, stable across commits (an index
/// would point at another instrument after a commit that reorders them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InstrumentKey(pub u64);

impl InstrumentKey {
    /// The key of the instrument `id` (FNV-1a).
    pub fn of(id: &str) -> Self {
        InstrumentKey(id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
        }))
    }
}

/// Which program a param target lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgramRef {
    /// The main graph.
    Main,
    /// Every voice of instrument `n`.
    Instrument(u16),
}

impl ProgramRef {
    /// The program's index among a graph's programs: 0 for the main graph, `n + 1` for
    /// instrument `n` (the order of [`Layout`](crate::graph::Layout)s).
    pub fn index(self) -> usize {
        match self {
            ProgramRef::Main => 0,
            ProgramRef::Instrument(n) => n as usize + 1,
        }
    }

    /// The program at `index` (see [`index`](Self::index)).
    pub fn from_index(index: usize) -> Self {
        match index {
            0 => ProgramRef::Main,
            k => ProgramRef::Instrument((k - 1) as u16),
        }
    }
}

/// Which param inside a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamSlot {
    /// Param `param` of the node at run-order index `node`.
    Module {
        /// Node index in the program (run order).
        node: u16,
        /// Param index in the module's `ModuleInfo::params`.
        param: u16,
    },
    /// The implicit `output` module's `volume`.
    OutputVolume,
}

/// A param anywhere in a graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamTarget {
    /// Main graph or an instrument's voices.
    pub program: ProgramRef,
    /// The param.
    pub slot: ParamSlot,
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
    Sequencer(crate::seq::SeqCommand),
}

impl Event {
    /// True for a played note (what wakes the sequencer's idle mode at once).
    pub fn is_note(&self) -> bool {
        matches!(self, Event::NoteOn { .. })
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
