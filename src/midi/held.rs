//! [`HeldNotes`]: what one MIDI source has down — keys and the sustain pedal, per channel —
//! so that when the source goes away exactly its notes are released (see
//! [`Router::release`](super::router::Router::release)), and a performer's notes on another
//! controller keep sounding.
//!
//! It follows the messages as they arrive from the source, before any routing: a note-on
//! (velocity > 0) puts its key down, a note-off or velocity-0 note-on lifts it; CC 64 ≥ 64
//! is the pedal down; all-notes-off (123) lifts the keys, reset-controllers (121) the pedal,
//! all-sound-off (120) both — as the engine's instruments do.

use super::parse::MidiEvent;
use crate::midi_protocol::cc;
use crate::midi_protocol::ChannelEvent;

/// Keys and pedal one source has down. See the module doc.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeldNotes {
    /// Keys down, per channel (index channel − 1; bit n = note n).
    keys: [u128; 16],
    /// Pedal down, per channel (bit channel − 1).
    pedal: u16,
}

impl HeldNotes {
    /// Follows `message` (channel 1–16; others are ignored).
    pub fn track(&mut self, message: MidiEvent) {
        let Some(k) = index(message.channel) else {
            return;
        };
        match message.event {
            ChannelEvent::NoteOn { note, velocity } if velocity > 0 => {
                self.keys[k] |= bit(note);
            }
            ChannelEvent::NoteOn { note, .. } | ChannelEvent::NoteOff { note } => {
                self.keys[k] &= !bit(note);
            }
            ChannelEvent::Controller { controller, value } => match controller {
                cc::SUSTAIN if value >= 64 => self.pedal |= 1 << k,
                cc::SUSTAIN | cc::RESET_CONTROLLERS => self.pedal &= !(1 << k),
                cc::ALL_NOTES_OFF => self.keys[k] = 0,
                cc::ALL_SOUND_OFF => {
                    self.keys[k] = 0;
                    self.pedal &= !(1 << k);
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// What this holds that `others` do not: releasing it leaves every other source's keys
    /// and pedal as they are (a key or pedal two sources hold stays down).
    pub fn only_here<'a>(&self, others: impl IntoIterator<Item = &'a HeldNotes>) -> HeldNotes {
        let mut mine = *self;
        for other in others {
            for (k, keys) in mine.keys.iter_mut().enumerate() {
                *keys &= !other.keys[k];
            }
            mine.pedal &= !other.pedal;
        }
        mine
    }

    /// Adds what `other` holds.
    pub fn add(&mut self, other: &HeldNotes) {
        for (k, keys) in self.keys.iter_mut().enumerate() {
            *keys |= other.keys[k];
        }
        self.pedal |= other.pedal;
    }

    /// The keys down as (channel 1–16, note), by channel then note.
    pub fn keys(&self) -> impl Iterator<Item = (u8, u8)> + '_ {
        self.keys.iter().enumerate().flat_map(|(k, &keys)| {
            (0..128u8)
                .filter(move |&n| keys & bit(n) != 0)
                .map(move |n| (k as u8 + 1, n))
        })
    }

    /// The channels (1–16) whose pedal is down.
    pub fn pedal_channels(&self) -> impl Iterator<Item = u8> + '_ {
        (1..=16u8).filter(|&ch| self.pedal & (1 << (ch - 1)) != 0)
    }

    /// How many keys are down.
    pub fn key_count(&self) -> usize {
        self.keys.iter().map(|k| k.count_ones() as usize).sum()
    }

    /// True when no key and no pedal is down.
    pub fn is_empty(&self) -> bool {
        self.pedal == 0 && self.keys.iter().all(|&k| k == 0)
    }
}

fn index(channel: u8) -> Option<usize> {
    (1..=16).contains(&channel).then(|| (channel - 1) as usize)
}

fn bit(note: u8) -> u128 {
    1u128 << (note & 127)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(channel: u8, note: u8, velocity: u8) -> MidiEvent {
        MidiEvent {
            channel,
            event: ChannelEvent::NoteOn { note, velocity },
        }
    }

    fn control(channel: u8, controller: u8, value: u8) -> MidiEvent {
        MidiEvent {
            channel,
            event: ChannelEvent::Controller { controller, value },
        }
    }

    #[test]
    fn follows_keys_pedal_and_channel_mode_messages() {
        let mut h = HeldNotes::default();
        h.track(on(1, 60, 100));
        h.track(on(1, 64, 100));
        h.track(on(2, 60, 90));
        h.track(on(1, 64, 0)); // velocity 0: released
        h.track(MidiEvent {
            channel: 2,
            event: ChannelEvent::NoteOff { note: 60 },
        });
        h.track(control(3, cc::SUSTAIN, 127));
        h.track(control(4, cc::SUSTAIN, 100));
        h.track(control(4, cc::SUSTAIN, 10));
        h.track(on(0, 10, 100)); // no such channel: ignored
        assert_eq!(h.keys().collect::<Vec<_>>(), vec![(1, 60)]);
        assert_eq!(h.pedal_channels().collect::<Vec<_>>(), vec![3]);
        assert_eq!(h.key_count(), 1);

        h.track(on(3, 70, 100));
        h.track(control(3, cc::ALL_NOTES_OFF, 0));
        assert_eq!(h.pedal_channels().collect::<Vec<_>>(), vec![3]);
        h.track(control(3, cc::RESET_CONTROLLERS, 0));
        h.track(on(5, 1, 1));
        h.track(control(5, cc::SUSTAIN, 127));
        h.track(control(5, cc::ALL_SOUND_OFF, 0));
        h.track(control(1, cc::ALL_NOTES_OFF, 0));
        assert!(h.is_empty(), "{h:?}");
    }

    #[test]
    fn only_here_keeps_what_other_sources_hold() {
        let held = |events: &[MidiEvent]| {
            let mut h = HeldNotes::default();
            events.iter().for_each(|&e| h.track(e));
            h
        };
        let a = held(&[on(1, 60, 100), on(1, 62, 100), control(1, cc::SUSTAIN, 127)]);
        let b = held(&[on(1, 62, 100), control(2, cc::SUSTAIN, 127)]);
        let c = held(&[control(1, cc::SUSTAIN, 127)]);
        let lost = a.only_here([&b]);
        assert_eq!(lost.keys().collect::<Vec<_>>(), vec![(1, 60)]);
        assert_eq!(lost.pedal_channels().collect::<Vec<_>>(), vec![1]);
        let lost = a.only_here([&b, &c]);
        assert_eq!(
            lost.pedal_channels().count(),
            0,
            "c keeps channel 1's pedal"
        );
        let mut both = a;
        both.add(&b);
        assert_eq!(both.keys().count(), 2);
        assert_eq!(both.pedal_channels().collect::<Vec<_>>(), vec![1, 2]);
    }
}
