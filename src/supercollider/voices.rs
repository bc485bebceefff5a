//! An instrument's `count` and `steal` on scsynth: which voice slot each note takes, as
//! the internal engine chooses (`engine::voice`), turned into node commands.
//!
//! Each slot of an instrument is a group on the server; a note is a synth started at the
//! head of its slot's group, and releases and steals are sent to the group, so a command
//! for a synth that has already freed itself finds an empty group instead of failing. A
//! note takes, in order: the slot already playing that note (retrigger: the old synth
//! fades out over [`STEAL_FADE_S`] and a new one starts at once), a slot never used, the
//! slot released longest ago (what still sounds of its tail fades out), and finally a held
//! slot chosen by `steal`: `oldest` the one started first, `quietest` the one of the lowest
//! velocity (the engine measures its voices' levels; a score cannot, so velocity stands
//! in), `none` drops the note. A stolen synth fades out over [`STEAL_FADE_S`] (the
//! engine's steal fade: the voice count stays a cap, as on the engine) and the new note
//! starts when the fade has ended, at the next 64-frame boundary, where the engine starts
//! it. A release sets `gate` to 0; a steal sets [`STOLEN`](super::compile::STOLEN) to 1.

use crate::patch::Steal;

/// The fade of a stolen voice, in seconds (the engine's `STEAL_FADE_MS`).
pub const STEAL_FADE_S: f64 = 0.003;
/// The engine's block grid: a note pending on a stolen voice starts on it.
const GRID: u64 = 64;

/// What the server is told for one instrument.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NodeCommand {
    /// Start a synth of the instrument's def in slot `slot`.
    Start {
        /// Sample.
        time: u64,
        /// Slot.
        slot: usize,
        /// MIDI note.
        note: u8,
        /// 0..1.
        velocity: f32,
    },
    /// Release what plays in the slot (`gate` 0).
    Release {
        /// Sample.
        time: u64,
        /// Slot.
        slot: usize,
    },
    /// Fade out what plays in the slot (stolen).
    Steal {
        /// Sample.
        time: u64,
        /// Slot.
        slot: usize,
    },
}

impl NodeCommand {
    /// The command's sample.
    pub fn time(&self) -> u64 {
        match *self {
            NodeCommand::Start { time, .. }
            | NodeCommand::Release { time, .. }
            | NodeCommand::Steal { time, .. } => time,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    Unused,
    Held,
    Released,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    phase: Phase,
    note: u8,
    velocity: f32,
    started: u64,
    released: u64,
    /// When its synth starts (later than `started` while a stolen voice fades).
    starts_at: u64,
    /// Index of its pending start command, while `starts_at` is ahead.
    pending: Option<usize>,
}

/// The slots of one instrument and the commands they produced.
#[derive(Clone, Debug)]
pub struct Voices {
    slots: Vec<Slot>,
    steal: Steal,
    fade: u64,
    commands: Vec<Option<NodeCommand>>,
    /// Notes dropped (every voice busy and `steal: "none"`).
    pub dropped: u64,
}

impl Voices {
    /// `count` slots stealing by `steal`, at `sample_rate`.
    pub fn new(count: usize, steal: Steal, sample_rate: u32) -> Voices {
        Voices {
            slots: vec![
                Slot {
                    phase: Phase::Unused,
                    note: 0,
                    velocity: 0.0,
                    started: 0,
                    released: 0,
                    starts_at: 0,
                    pending: None,
                };
                count.max(1)
            ],
            steal,
            fade: (STEAL_FADE_S * f64::from(sample_rate)).round() as u64,
            commands: Vec::new(),
            dropped: 0,
        }
    }

    fn push(&mut self, c: NodeCommand) -> usize {
        self.commands.push(Some(c));
        self.commands.len() - 1
    }

    fn start(&mut self, i: usize, note: u8, velocity: f32, now: u64, at: u64) {
        let pending = self.push(NodeCommand::Start {
            time: at,
            slot: i,
            note,
            velocity,
        });
        self.slots[i] = Slot {
            phase: Phase::Held,
            note,
            velocity,
            started: now,
            released: 0,
            starts_at: at,
            pending: (at > now).then_some(pending),
        };
    }

    /// A note-on at `now`.
    pub fn note_on(&mut self, note: u8, velocity: f32, now: u64) {
        let sounding = |s: &Slot| s.starts_at <= now;
        let same = self.slots.iter().position(|s| {
            sounding(s) && s.note == note && matches!(s.phase, Phase::Held | Phase::Released)
        });
        let unused = || self.slots.iter().position(|s| s.phase == Phase::Unused);
        let released = || {
            (self.slots.iter().enumerate())
                .filter(|(_, s)| sounding(s) && s.phase == Phase::Released)
                .min_by_key(|(_, s)| s.released)
                .map(|(i, _)| i)
        };
        if let Some(i) = same.or_else(unused).or_else(released) {
            if self.slots[i].phase != Phase::Unused {
                self.push(NodeCommand::Steal { time: now, slot: i });
            }
            self.start(i, note, velocity, now, now);
            return;
        }
        let held = (self.slots.iter().enumerate()).filter(|(_, s)| sounding(s));
        let victim = match self.steal {
            Steal::None => None,
            Steal::Oldest => held.min_by_key(|(_, s)| s.started).map(|(i, _)| i),
            Steal::Quietest => held
                .min_by(|(_, a), (_, b)| {
                    (a.velocity.total_cmp(&b.velocity)).then(a.started.cmp(&b.started))
                })
                .map(|(i, _)| i),
        };
        let at = (now + self.fade).div_ceil(GRID) * GRID;
        match victim {
            Some(i) => {
                self.push(NodeCommand::Steal { time: now, slot: i });
                self.start(i, note, velocity, now, at);
            }
            // Every slot waits for its fade: the newest note replaces the oldest pending.
            None if self.steal != Steal::None => {
                let i = (self.slots.iter().enumerate())
                    .min_by_key(|(_, s)| s.started)
                    .map_or(0, |(i, _)| i);
                let at = self.slots[i].starts_at;
                if let Some(p) = self.slots[i].pending {
                    self.commands[p] = None;
                }
                self.start(i, note, velocity, now, at);
            }
            None => self.dropped += 1,
        }
    }

    /// A note-off at `now`: releases the slot holding `note` (a note still waiting for a
    /// stolen voice's fade is released once it has started, at the end of its first
    /// block, as the engine does).
    pub fn note_off(&mut self, note: u8, now: u64) {
        for i in 0..self.slots.len() {
            let s = self.slots[i];
            if s.phase != Phase::Held || s.note != note {
                continue;
            }
            let time = if s.starts_at > now {
                (s.starts_at + 1).div_ceil(GRID) * GRID
            } else {
                now
            };
            self.push(NodeCommand::Release { time, slot: i });
            self.slots[i].phase = Phase::Released;
            self.slots[i].released = time;
            self.slots[i].pending = None;
        }
    }

    /// The commands, in the order they were made (time order but for releases of notes
    /// still waiting to start).
    pub fn into_commands(self) -> Vec<NodeCommand> {
        self.commands.into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(c: &[NodeCommand]) -> Vec<(u64, usize, u8)> {
        c.iter()
            .filter_map(|c| match *c {
                NodeCommand::Start {
                    time, slot, note, ..
                } => Some((time, slot, note)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_full_instrument_steals_the_oldest_after_the_fade() {
        let mut v = Voices::new(2, Steal::Oldest, 48_000);
        v.note_on(60, 0.8, 0);
        v.note_on(62, 0.8, 100);
        v.note_on(64, 0.8, 1000);
        v.note_off(60, 2000); // stolen already: nothing to release
        v.note_off(64, 3000);
        let c = v.into_commands();
        // 1000 + 144 samples of fade, on the 64-frame grid.
        assert_eq!(starts(&c), [(0, 0, 60), (100, 1, 62), (1152, 0, 64)]);
        assert!(c.contains(&NodeCommand::Steal {
            time: 1000,
            slot: 0
        }));
        assert!(c.contains(&NodeCommand::Release {
            time: 3000,
            slot: 0
        }));
        assert_eq!(c.len(), 5);
    }

    #[test]
    fn none_drops_and_quietest_takes_the_softest() {
        let mut v = Voices::new(1, Steal::None, 48_000);
        v.note_on(60, 0.8, 0);
        v.note_on(62, 0.8, 10);
        assert_eq!(v.dropped, 1);
        assert_eq!(v.into_commands().len(), 1);
        let mut v = Voices::new(2, Steal::Quietest, 48_000);
        v.note_on(60, 0.9, 0);
        v.note_on(62, 0.2, 10);
        v.note_on(64, 0.5, 20);
        assert_eq!(starts(&v.into_commands())[2], (192, 1, 64));
    }

    #[test]
    fn a_repeated_note_retriggers_its_slot_and_released_slots_are_reused() {
        let mut v = Voices::new(2, Steal::Oldest, 48_000);
        v.note_on(60, 0.8, 0);
        v.note_off(60, 50);
        v.note_on(62, 0.8, 60);
        v.note_on(60, 0.8, 70);
        v.note_off(62, 80);
        v.note_on(65, 0.8, 90);
        let c = v.into_commands();
        assert_eq!(
            starts(&c),
            [(0, 0, 60), (60, 1, 62), (70, 0, 60), (90, 1, 65)]
        );
        assert!(c.contains(&NodeCommand::Steal { time: 70, slot: 0 }));
        assert!(c.contains(&NodeCommand::Steal { time: 90, slot: 1 }));
    }
}
