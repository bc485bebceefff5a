//! Note → frequency: a 128-entry table computed once per tuning reference, so the audio
//! thread looks a note's frequency up instead of calling `powf` for every voice and block.
//! Each instrument's channel state carries one ([`ChannelState::tuning`]).

#[cfg(doc)]
use super::ChannelState;

/// Standard concert pitch, Hz of A4 (MIDI note 69).
pub const DEFAULT_A4: f32 = 440.0;

/// Frequencies of MIDI notes 0–127 in twelve-tone equal temperament.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoteTable {
    a4: f32,
    hz: [f32; 128],
}

impl NoteTable {
    /// The table for A4 = `a4` Hz. Computes 128 powers: call it when the tuning changes,
    /// not per block. **Real-time safe** (no allocation).
    pub fn new(a4: f32) -> Self {
        let mut hz = [0.0; 128];
        for (note, f) in hz.iter_mut().enumerate() {
            *f = (a4 as f64 * 2f64.powf((note as f64 - 69.0) / 12.0)) as f32;
        }
        NoteTable { a4, hz }
    }

    /// Frequency of `note` in Hz (notes above 127 read as 127).
    pub fn frequency(&self, note: u8) -> f32 {
        self.hz[note.min(127) as usize]
    }

    /// The A4 reference this table was built for.
    pub fn a4(&self) -> f32 {
        self.a4
    }
}

impl Default for NoteTable {
    /// A4 = 440 Hz.
    fn default() -> Self {
        NoteTable::new(DEFAULT_A4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_equal_temperament() {
        let t = NoteTable::default();
        assert_eq!(t.frequency(69), 440.0);
        assert!((t.frequency(60) - 261.6256).abs() < 1e-3);
        assert!((t.frequency(81) - 880.0).abs() < 1e-3);
        assert_eq!(t.frequency(200), t.frequency(127));
        let baroque = NoteTable::new(415.0);
        assert_eq!(baroque.frequency(69), 415.0);
        assert!((baroque.frequency(57) - 207.5).abs() < 1e-3);
    }
}
