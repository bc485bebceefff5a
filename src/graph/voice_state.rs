//! The playing state of a voice, as plain data the compiled graph carries for each voice
//! ([`Voice::state`](super::Voice::state)). Which note a voice takes, and how its phase
//! moves, is the engine's (`engine::voice`).

/// What a voice is doing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VoicePhase {
    /// Silent and available; not processed.
    #[default]
    Free,
    /// Gate on.
    Held,
    /// Gate off, sounding through its release.
    Released,
    /// Fading out; then reset, and start `pending` if any, else become free.
    Fading,
}

/// The playing state of one voice. Plain data, copied when a graph takes over.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct VoiceState {
    /// Phase.
    pub phase: VoicePhase,
    /// MIDI note playing (or last played).
    pub note: u8,
    /// Velocity 0..1.
    pub velocity: f32,
    /// Engine time the note started (age for `oldest` stealing).
    pub started: u64,
    /// Engine time the note was released (age for reusing released voices).
    pub released: u64,
    /// Peak output level of the last block (for `quietest` stealing and silence).
    pub level: f32,
    /// Output gain, 1 except while fading.
    pub gain: f32,
    /// Samples of silence so far while released.
    pub silent_samples: u32,
    /// Force a falling gate edge on the next block's first frame (retrigger a held note).
    pub retrigger: bool,
    /// Note to start when a fade ends: (note, velocity, released already).
    pub pending: Option<(u8, f32, bool)>,
    /// Release after the next block: a note whose note-off came while it waited for a
    /// stolen voice still gets one block of gate, so it is heard.
    pub release_after_block: bool,
    /// Polyphonic aftertouch of the note, 0..1.
    pub pressure: f32,
}

impl VoiceState {
    /// True unless the voice is free.
    pub fn is_active(&self) -> bool {
        self.phase != VoicePhase::Free
    }

    /// True while the voice counts against its instrument's voice cap: held or releasing,
    /// or fading out with a note waiting to start after (a fade with nothing after counts
    /// for nothing).
    pub fn counts_against_cap(&self) -> bool {
        match self.phase {
            VoicePhase::Held | VoicePhase::Released => true,
            VoicePhase::Fading => self.pending.is_some(),
            VoicePhase::Free => false,
        }
    }
}
