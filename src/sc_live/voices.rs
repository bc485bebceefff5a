//! One `supercollider` instrument's voices on the sink's side: the notes it holds (each
//! with its scsynth node, or none while the server is down), the voice count and steal
//! policy, the sustain pedal, and the channel state every new note starts with.
//!
//! Stealing releases the stolen node (`gate 0`), so it fades as a released note does.
//! `quietest` steals the oldest held note: the sink does not see scsynth's levels.

use crate::patch::Steal;

/// A note held down (or by the pedal).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Held {
    /// MIDI note number.
    pub note: u8,
    /// 0..1.
    pub velocity: f32,
    /// Its scsynth node; `None` while the server is down (it sounds again once it is up).
    pub node: Option<i32>,
    /// Released while the pedal was down: it is let go when the pedal comes up.
    pub sustained: bool,
}

/// What a note-on comes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// Every voice busy and `steal: "none"`: the note is dropped.
    Dropped,
    /// Start it; release `stolen` first when a held voice was taken.
    Play {
        /// The node of the voice taken, if it had one.
        stolen: Option<i32>,
    },
}

/// An instrument's voices and channel state.
#[derive(Clone, Debug)]
pub struct Voices {
    count: usize,
    steal: Steal,
    /// Held notes, oldest first.
    pub held: Vec<Held>,
    /// The sustain pedal is down.
    pub pedal: bool,
    /// Pitch bend, −1..1 of the range.
    pub bend: f32,
    /// Bend range in semitones.
    pub bend_range: f32,
    /// Pan, −1..1.
    pub pan: f32,
    /// Channel pressure, 0..1.
    pub pressure: f32,
    /// The last value `/mod` set for each control (in the plan's order).
    pub params: Vec<Option<f32>>,
}

impl Voices {
    /// An instrument of `count` voices that steals by `steal`, with `controls` params.
    pub fn new(count: usize, steal: Steal, controls: usize) -> Self {
        Voices {
            count: count.max(1),
            steal,
            held: Vec::new(),
            pedal: false,
            bend: 0.0,
            bend_range: 2.0,
            pan: 0.0,
            pressure: 0.0,
            params: vec![None; controls],
        }
    }

    /// A note starts (its node given by the caller once it is [`Start::Play`]).
    pub fn note_on(&mut self, note: u8, velocity: f32, node: Option<i32>) -> Start {
        let mut stolen = None;
        if self.held.len() >= self.count {
            if self.steal == Steal::None {
                return Start::Dropped;
            }
            stolen = self.held.remove(0).node;
        }
        self.held.push(Held {
            note,
            velocity,
            node,
            sustained: false,
        });
        Start::Play { stolen }
    }

    /// A note is let go: the node to release (its oldest held voice of that note), unless
    /// the pedal keeps it.
    pub fn note_off(&mut self, note: u8) -> Option<i32> {
        let i = self
            .held
            .iter()
            .position(|h| h.note == note && !h.sustained)?;
        if self.pedal {
            self.held[i].sustained = true;
            return None;
        }
        self.held.remove(i).node
    }

    /// The pedal goes down or up: the nodes it let go when up.
    pub fn sustain(&mut self, down: bool) -> Vec<i32> {
        self.pedal = down;
        if down {
            return Vec::new();
        }
        let (gone, kept): (Vec<Held>, Vec<Held>) = self.held.iter().partition(|h| h.sustained);
        self.held = kept;
        gone.iter().filter_map(|h| h.node).collect()
    }

    /// Every held note is let go (pedal too): their nodes.
    pub fn release_all(&mut self) -> Vec<i32> {
        self.pedal = false;
        self.held.drain(..).filter_map(|h| h.node).collect()
    }

    /// The frequency of `note` now: `a4` tuning, bent by the current bend.
    pub fn freq(&self, note: u8, a4: f32) -> f32 {
        let semis = note as f32 - 69.0 + self.bend * self.bend_range;
        a4 * (semis / 12.0).exp2()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_voice_is_stolen_and_released() {
        let mut v = Voices::new(2, Steal::Oldest, 0);
        assert_eq!(v.note_on(60, 1.0, Some(1)), Start::Play { stolen: None });
        assert_eq!(v.note_on(62, 1.0, Some(2)), Start::Play { stolen: None });
        assert_eq!(v.note_on(64, 1.0, Some(3)), Start::Play { stolen: Some(1) });
        assert_eq!(v.note_off(60), None, "60 was stolen already");
        assert_eq!(v.note_off(62), Some(2));
        let mut none = Voices::new(1, Steal::None, 0);
        none.note_on(60, 1.0, Some(1));
        assert_eq!(none.note_on(61, 1.0, Some(2)), Start::Dropped);
    }

    #[test]
    fn the_pedal_holds_released_notes_until_it_comes_up() {
        let mut v = Voices::new(4, Steal::Oldest, 0);
        v.note_on(60, 1.0, Some(1));
        v.note_on(62, 1.0, None);
        v.sustain(true);
        assert_eq!(v.note_off(60), None);
        assert_eq!(v.held.len(), 2);
        assert_eq!(v.sustain(false), vec![1]);
        assert_eq!(v.release_all(), Vec::<i32>::new(), "62 had no node");
        assert!(v.held.is_empty());
    }

    #[test]
    fn bend_moves_the_frequency_by_its_range() {
        let mut v = Voices::new(1, Steal::Oldest, 0);
        assert!((v.freq(69, 440.0) - 440.0).abs() < 1e-3);
        v.bend = 1.0;
        assert!((v.freq(69, 440.0) - 493.883).abs() < 1e-2);
    }
}
