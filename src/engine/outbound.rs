//! The outbound ring: events for instruments the engine does not play itself (a `midi`
//! backend, later SuperCollider), and the sequencer's MIDI clock, leave the audio thread here, each with its instrument and
//! engine sample time, to a thread of their own (`backend::outbound`).
//!
//! Every event for an external instrument passes through the engine — notes from OSC,
//! MIDI and `--notes` through the command ring, the sequencer's notes from the conductor —
//! so they leave in the order and at the sample the engine applied them, whatever thread
//! sent them. The ring is preallocated ([`OUTBOUND_CAPACITY`]); pushing is one `rtrb`
//! write, **real-time safe**. A full ring drops the event and counts it
//! ([`EngineStats::outbound_dropped`](super::EngineStats::outbound_dropped)); the
//! consuming thread drains it every millisecond, so it is full only when that thread is
//! gone.

use rtrb::{Consumer, Producer, RingBuffer};

use super::channel::ChannelMessage;
use super::stats::EngineStats;
use crate::address::InstrumentKey;
use crate::seq::midi_clock::ClockMessage;

/// Capacity of the outbound ring (events).
pub const OUTBOUND_CAPACITY: usize = 4_096;

/// What an external instrument is told. Small and `Copy`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutEvent {
    /// Start a note.
    NoteOn {
        /// MIDI note number.
        note: u8,
        /// 0..1.
        velocity: f32,
    },
    /// Release a note.
    NoteOff {
        /// MIDI note number.
        note: u8,
    },
    /// A channel message (bend, pressure, sustain, volume, pan, ...).
    Channel(ChannelMessage),
    /// A param of the instrument's backend (a CC profile's param, by index), 0..1.
    Param {
        /// Index of the param in the backend's list (the profile's order).
        param: u16,
        /// 0..1, before the profile's curve.
        value: f32,
        /// Samples over which the backend glides to `value` from where the param is (0:
        /// at once); the MIDI output sends the glide as a stream of CCs.
        glide: u32,
    },
    /// Release every held note (stop, `/note/panic`'s softer sibling).
    AllNotesOff,
    /// Silence everything now.
    Panic,
    /// The sequencer's MIDI clock or transport message (tick, START, STOP, CONTINUE,
    /// SONG POSITION), for the MIDI output's clock ports; no instrument (its key is
    /// [`InstrumentKey::CLOCK`]).
    Clock(ClockMessage),
    /// The engine swapped in the graph of this revision at this sample (sent only when
    /// the old or the new graph has external instruments; no instrument, its key is
    /// [`InstrumentKey::CLOCK`]): every event before it was played by the old graph's
    /// instruments, every event after it by the new one's. The MIDI output re-plans its
    /// ports here (`midi_out::sink`).
    Swap {
        /// The revision now playing.
        revision: u64,
    },
}

/// One event on the outbound ring.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutboundEvent {
    /// Engine sample time it was applied at.
    pub time: u64,
    /// The instrument it is for.
    pub instrument: InstrumentKey,
    /// What it says.
    pub event: OutEvent,
}

/// The audio thread's end of the ring.
pub struct Outbound {
    tx: Producer<OutboundEvent>,
}

impl Outbound {
    /// A ring of `capacity` events: the engine's end and the consumer's.
    pub fn new(capacity: usize) -> (Outbound, Consumer<OutboundEvent>) {
        let (tx, rx) = RingBuffer::new(capacity);
        (Outbound { tx }, rx)
    }

    /// Pushes one event (true), or counts it in `outbound_dropped` when the ring is full
    /// (false). **Real-time safe.**
    #[inline]
    pub fn push(&mut self, stats: &EngineStats, event: OutboundEvent) -> bool {
        let pushed = self.tx.push(event).is_ok();
        if !pushed {
            EngineStats::bump(&stats.outbound_dropped);
        }
        pushed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbound_events_stay_small() {
        assert!(std::mem::size_of::<OutboundEvent>() <= 32);
    }

    #[test]
    fn a_full_ring_counts_instead_of_blocking() {
        let stats = EngineStats::default();
        let (mut out, mut rx) = Outbound::new(2);
        let e = OutboundEvent {
            time: 0,
            instrument: InstrumentKey::of("a"),
            event: OutEvent::NoteOff { note: 1 },
        };
        for _ in 0..3 {
            out.push(&stats, e);
        }
        assert_eq!(EngineStats::get(&stats.outbound_dropped), 1);
        assert_eq!(rx.pop(), Ok(e));
    }
}
