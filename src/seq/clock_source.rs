//! [`SyncStatus`]: where the sequencer's clock comes from, for `/seq/state` and
//! `/status`: internal, a MIDI port (following it or not), or an Ableton Link session
//! (peers, phase). Written by the clock-in and Link threads (`sync` room), read by the
//! OSC thread through the controller; never touched by the audio thread (so a mutex is
//! fine).

use parking_lot::Mutex;

/// What drives the sequencer's clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ClockSource {
    /// Its own clock.
    #[default]
    Internal,
    /// MIDI clock in from this port (`following`: ticks arriving now; else waiting for
    /// the port or its clock, playing on the internal clock).
    Midi {
        /// The port's name as asked for (`--clock-in`), or as connected.
        port: String,
        /// Its ticks drive the sequencer now.
        following: bool,
    },
    /// An Ableton Link session.
    Link {
        /// Other peers in the session.
        peers: u64,
        /// Beat phase within the quantum (0 ..< quantum), at the last look.
        phase: f64,
        /// When that look was: Link's host clock, microseconds (the same clock on every
        /// peer of one machine).
        time_us: i64,
        /// The latest block the audio thread rendered, as of that look: its first engine
        /// sample and Link's host time (microseconds) when the callback asked for it,
        /// before the host-time fit and the output latency. `None` before the first.
        block: Option<(u64, i64)>,
    },
}

impl ClockSource {
    /// A Link session's `(peers, phase, time_us)`; `None` for another source.
    pub fn link(&self) -> Option<(u64, f64, i64)> {
        match self {
            ClockSource::Link {
                peers,
                phase,
                time_us,
                ..
            } => Some((*peers, *phase, *time_us)),
            _ => None,
        }
    }

    /// A Link session's latest block `(first engine sample, host time µs)`; `None` for
    /// another source or before the first block.
    pub fn link_block(&self) -> Option<(u64, i64)> {
        match self {
            ClockSource::Link { block, .. } => *block,
            _ => None,
        }
    }

    /// How `/seq/state` names it: `internal`, `midi:PORT` or `link`.
    pub fn name(&self) -> String {
        match self {
            ClockSource::Internal => "internal".to_string(),
            ClockSource::Midi { port, .. } => format!("midi:{port}"),
            ClockSource::Link { .. } => "link".to_string(),
        }
    }
}

/// The shared clock-source state.
#[derive(Debug, Default)]
pub struct SyncStatus {
    source: Mutex<ClockSource>,
}

impl SyncStatus {
    /// The source now.
    pub fn source(&self) -> ClockSource {
        self.source.lock().clone()
    }

    /// Sets the source.
    pub fn set(&self, source: ClockSource) {
        *self.source.lock() = source;
    }
}
