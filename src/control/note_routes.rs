//! [`NoteRoutes`]: where each sounding note and each held-down sustain pedal was sent, so
//! that its note-off (or pedal-up) reaches exactly those instruments, even after a commit
//! changed which instruments a channel (or "the default instrument") reaches.

use std::collections::HashMap;

use super::note_target::NoteTarget;
use crate::address::InstrumentKey;

/// The instruments each open note-on and pedal-down reached, by how they were addressed.
#[derive(Debug, Default)]
pub struct NoteRoutes {
    notes: HashMap<NoteTarget, HashMap<u8, Vec<InstrumentKey>>>,
    pedals: HashMap<NoteTarget, Vec<InstrumentKey>>,
}

impl NoteRoutes {
    /// `note` addressed to `target` reached `keys`.
    pub fn note_on(&mut self, target: &NoteTarget, note: u8, keys: &[InstrumentKey]) {
        let notes = self.notes.entry(target.clone()).or_default();
        merge(notes.entry(note).or_default(), keys);
    }

    /// Where `note` addressed to `target` went (empty when it is not sounding).
    pub fn sounding(&self, target: &NoteTarget, note: u8) -> &[InstrumentKey] {
        self.notes
            .get(target)
            .and_then(|notes| notes.get(&note))
            .map_or(&[], Vec::as_slice)
    }

    /// `note` addressed to `target` was released.
    pub fn note_off(&mut self, target: &NoteTarget, note: u8) {
        if let Some(notes) = self.notes.get_mut(target) {
            notes.remove(&note);
        }
    }

    /// The pedal addressed to `target` went down on `keys`.
    pub fn pedal_down(&mut self, target: &NoteTarget, keys: &[InstrumentKey]) {
        merge(self.pedals.entry(target.clone()).or_default(), keys);
    }

    /// Where the pedal addressed to `target` is down (empty when it is up).
    pub fn pedal_held(&self, target: &NoteTarget) -> &[InstrumentKey] {
        self.pedals.get(target).map_or(&[], Vec::as_slice)
    }

    /// The pedal addressed to `target` came up.
    pub fn pedal_up(&mut self, target: &NoteTarget) {
        self.pedals.remove(target);
    }

    /// Every note was released (all notes off, panic).
    pub fn release_all_notes(&mut self) {
        self.notes.clear();
    }
}

/// Adds the keys of `more` that `into` lacks.
pub fn merge(into: &mut Vec<InstrumentKey>, more: &[InstrumentKey]) {
    for k in more {
        if !into.contains(k) {
            into.push(*k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_and_pedals_remember_where_they_went_until_released() {
        let mut r = NoteRoutes::default();
        let (a, b) = (InstrumentKey::of("a"), InstrumentKey::of("b"));
        let ch1 = NoteTarget::Channel(1);
        r.note_on(&ch1, 60, &[a]);
        r.note_on(&ch1, 60, &[a, b]);
        assert_eq!(r.sounding(&ch1, 60), [a, b]);
        assert_eq!(r.sounding(&NoteTarget::Channel(2), 60), []);
        r.note_off(&ch1, 60);
        assert_eq!(r.sounding(&ch1, 60), []);
        r.pedal_down(&ch1, &[b]);
        assert_eq!(r.pedal_held(&ch1), [b]);
        r.pedal_up(&ch1);
        assert_eq!(r.pedal_held(&ch1), []);
        r.note_on(&NoteTarget::Default, 1, &[a]);
        r.release_all_notes();
        assert_eq!(r.sounding(&NoteTarget::Default, 1), []);
    }
}
