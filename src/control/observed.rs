//! [`Observed`]: what the control side counts for observability (`/metrics`, `/api/state`)
//! besides the engine's own atomics: notes started per source, sequencer mutations and
//! idle transitions seen in the cue ring, and the registry of named queue gauges
//! ([`QueueGauges`]) every ring and queue reports to. Shared by every thread that holds
//! the [`Controller`](super::Controller) through [`Controller::observed`](super::Controller::observed);
//! relaxed atomics only, never touched by the audio thread.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use parking_lot::Mutex;

use crate::realtime::backend_gauges::BackendGauges;
use crate::realtime::queue_gauges::QueueGauges;

/// Where a note came from (`chronus_notes_total{source}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoteSource {
    /// The generative sequencer (counted by the engine, see `EngineStats::sequencer_notes`).
    Sequencer,
    /// A MIDI input port, or OSC's `/midi/...` addresses.
    Midi,
    /// OSC `/note/on` over UDP.
    Osc,
    /// OSC `/note/on` through the HTTP API (`POST /api/osc`, the WebSocket).
    Http,
}

impl NoteSource {
    /// Every source, in label order.
    pub const ALL: [NoteSource; 4] = [
        NoteSource::Sequencer,
        NoteSource::Midi,
        NoteSource::Osc,
        NoteSource::Http,
    ];

    /// The label value.
    pub fn name(self) -> &'static str {
        match self {
            NoteSource::Sequencer => "sequencer",
            NoteSource::Midi => "midi",
            NoteSource::Osc => "osc",
            NoteSource::Http => "http",
        }
    }
}

/// Control-side counters (see the module doc).
#[derive(Debug, Default)]
pub struct Observed {
    /// Every ring and queue of the process, by name.
    pub queues: QueueGauges,
    /// Every instrument backend outside the engine and whether it is reachable, by name.
    pub backends: BackendGauges,
    /// Notes started from MIDI, OSC and HTTP (the sequencer's are the engine's).
    notes: [AtomicU64; 3],
    /// Sequencer mutations reported through the cue ring.
    pub mutations: AtomicU64,
    /// Idle/ambient transitions reported through the cue ring.
    pub idle_transitions: AtomicU64,
    /// MIDI channel messages routed (notes, controllers, everything the router handled).
    pub midi_events: AtomicU64,
    /// Live param changes made by control surfaces, waiting for the player to turn them
    /// into `param` cues (bounded: [`PARAM_CHANGES_CAPACITY`]; a change of a name already
    /// waiting replaces its value: latest wins).
    param_changes: Mutex<VecDeque<(String, f64)>>,
    /// Param changes dropped because [`PARAM_CHANGES_CAPACITY`] names were waiting.
    pub param_changes_dropped: AtomicU64,
}

/// Most distinct param changes waiting for the player (it drains them every 20 ms).
pub const PARAM_CHANGES_CAPACITY: usize = 256;

impl Observed {
    /// Counts one note started from `source` (the sequencer's are counted by the engine).
    pub fn note(&self, source: NoteSource) {
        if let Some(i) = Self::index(source) {
            self.notes[i].fetch_add(1, Relaxed);
        }
    }

    /// Notes counted from `source` (0 for the sequencer: read the engine's stats).
    pub fn notes(&self, source: NoteSource) -> u64 {
        Self::index(source).map_or(0, |i| self.notes[i].load(Relaxed))
    }

    /// Notes a live param change `name` = `value` (`"vcf.cutoff"`, `"tempo"`) for a `param`
    /// cue. A name already waiting takes the new value (latest wins).
    pub fn param_changed(&self, name: &str, value: f64) {
        let mut waiting = self.param_changes.lock();
        if let Some(slot) = waiting.iter_mut().find(|(n, _)| n == name) {
            slot.1 = value;
        } else if waiting.len() < PARAM_CHANGES_CAPACITY {
            waiting.push_back((name.to_string(), value));
        } else {
            self.param_changes_dropped.fetch_add(1, Relaxed);
        }
    }

    /// Takes every param change waiting, oldest first.
    pub fn take_param_changes(&self) -> Vec<(String, f64)> {
        self.param_changes.lock().drain(..).collect()
    }

    /// Param changes waiting now.
    pub fn param_changes_waiting(&self) -> usize {
        self.param_changes.lock().len()
    }

    fn index(source: NoteSource) -> Option<usize> {
        match source {
            NoteSource::Sequencer => None,
            NoteSource::Midi => Some(0),
            NoteSource::Osc => Some(1),
            NoteSource::Http => Some(2),
        }
    }
}
