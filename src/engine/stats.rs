//! [`EngineStats`]: counters the audio thread writes with relaxed atomics and any thread
//! reads. Nothing here blocks.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters of one engine.
#[derive(Debug, Default)]
pub struct EngineStats {
    /// Frames processed so far (the engine's sample clock).
    pub sample_time: AtomicU64,
    /// Wall time (nanoseconds since the Unix epoch) at which `sample_time` was published
    /// by the audio host (0 offline); with `sample_time` it maps OSC time tags to samples.
    pub anchor_wall_ns: AtomicU64,
    /// Engine sample time published together with `anchor_wall_ns`.
    pub anchor_sample: AtomicU64,
    /// Revision of the graph now playing (0 before the first).
    pub revision: AtomicU64,
    /// Graph swaps applied.
    pub swaps: AtomicU64,
    /// Voices sounding (held, releasing or fading) at the end of the last block.
    pub voices_active: AtomicU64,
    /// Notes dropped because every voice was busy and the instrument's `steal` is `none`.
    pub notes_dropped: AtomicU64,
    /// Events addressed to an instrument or param that does not exist in the running graph
    /// (for example a param change scheduled across a commit that removed its module):
    /// ignored.
    pub events_ignored: AtomicU64,
    /// Events for external instruments sent out through the outbound ring.
    pub outbound_sent: AtomicU64,
    /// Events for external instruments dropped because the outbound ring was full.
    pub outbound_dropped: AtomicU64,
    /// Times the pending-event queue was full and events waited in the command ring.
    pub queue_full: AtomicU64,
    /// Times an old graph could not be returned at once (it waits in the engine; the
    /// control side drains returns too slowly).
    pub returns_deferred: AtomicU64,
    /// Samples of a backend's returned sound (scsynth's, on JACK) that had not arrived
    /// when they were due, played as silence (`engine::backend_audio`).
    pub backend_audio_missing: AtomicU64,
    /// Notes the sequencer started (`chronus_notes_total{source="sequencer"}`).
    pub sequencer_notes: AtomicU64,
    /// Note cues dropped because the note-cue ring was full.
    pub note_cues_dropped: AtomicU64,
    /// Voices sounding per instrument (patch order; the first [`STATS_INSTRUMENTS`]) at the
    /// end of the last block.
    pub voices_by_instrument: [AtomicU64; STATS_INSTRUMENTS],
    /// The most events that waited in the pending-event queue at once.
    pub queue_high_water: AtomicU64,
    /// Events waiting in the pending-event queue at the end of the last block.
    pub queue_depth: AtomicU64,
}

/// Instruments whose voices [`EngineStats::voices_by_instrument`] counts one by one (a
/// patch has at most 16: one per MIDI channel).
pub const STATS_INSTRUMENTS: usize = 16;

impl EngineStats {
    /// Adds one to a counter. **Real-time safe.**
    #[inline]
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads a counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
