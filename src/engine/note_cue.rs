//! [`NoteCue`]: a note the engine started, whatever its source (sequencer, MIDI, OSC,
//! HTTP, `--notes`), reported to the control side through a preallocated ring of its own
//! (beside the sequencer's cue ring, so a dense melody never crowds out a mutation cue).
//! The player turns each into an LED cue (`{"type":"note",...}`). A full ring drops and
//! counts ([`EngineStats::note_cues_dropped`](super::EngineStats::note_cues_dropped)).

/// Capacity of the note-cue ring: a second of 16th notes on 16 instruments at 300 BPM
/// with room to spare; the player drains it every 20 ms.
pub const NOTE_CUE_CAPACITY: usize = 1024;

/// One note started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoteCue {
    /// MIDI note number.
    pub pitch: u8,
    /// Velocity 0..=127.
    pub velocity: u8,
    /// Index of the instrument in the running patch (its `instruments` order).
    pub instrument: u16,
    /// Played by the sequencer (else by a control surface).
    pub sequencer: bool,
    /// Engine sample time at which it started.
    pub time: u64,
}
