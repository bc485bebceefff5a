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
//!
//! Neither is due before one scsynth control block after the synth's start
//! ([`release_due`]: one in the start's block would leave the synth's envelope closed for
//! good, the synth never freed and, for a def whose level waits for its gate to close, a
//! note that never ends). So a note lasts at least one block (a shorter one is released
//! at the end of its first block, as the engine does for a note waiting for its voice); a
//! slot's synth is retriggered or its slot reused only once it has run a block and its
//! release is due; a voice stolen in its first block fades from the end of that block,
//! and the note taking it starts once that fade has ended.

use crate::patch::Steal;
use crate::sc_live::block::{release_due, DEFAULT_BLOCK};

/// The fade of a stolen voice, in seconds (the engine's `STEAL_FADE_MS`).
pub const STEAL_FADE_S: f64 = 0.003;
/// The engine's block grid: a note pending on a stolen voice starts on it.
const GRID: u64 = 64;
/// scsynth's control block in `scsynth -N` (`nrt` never sets `-z`).
const BLOCK: u64 = DEFAULT_BLOCK;

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
        // Its synth has run a block and any release it was sent is due: a command to its
        // group now reaches only that synth, which is past its first block.
        let settled = |s: &Slot| {
            release_due(s.starts_at, 0, BLOCK) <= now
                && (s.phase != Phase::Released || s.released <= now)
        };
        let same = self.slots.iter().position(|s| {
            settled(s) && s.note == note && matches!(s.phase, Phase::Held | Phase::Released)
        });
        let unused = || self.slots.iter().position(|s| s.phase == Phase::Unused);
        let released = || {
            (self.slots.iter().enumerate())
                .filter(|(_, s)| settled(s) && s.phase == Phase::Released)
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
        match victim {
            Some(i) => {
                let time = release_due(self.slots[i].starts_at, now, BLOCK);
                self.push(NodeCommand::Steal { time, slot: i });
                let at = (time + self.fade).div_ceil(GRID) * GRID;
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

    /// A note-off at `now`: releases the slot holding `note`, no earlier than one block
    /// after its synth's start (a note still waiting for a stolen voice's fade is released
    /// at the end of its first block, as the engine does).
    pub fn note_off(&mut self, note: u8, now: u64) {
        for i in 0..self.slots.len() {
            let s = self.slots[i];
            if s.phase != Phase::Held || s.note != note {
                continue;
            }
            let time = release_due(s.starts_at, now, BLOCK);
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
        // 62 is stolen at the end of its first block (74), 144 samples of fade, on the grid.
        assert_eq!(starts(&v.into_commands())[2], (256, 1, 64));
    }

    #[test]
    fn a_repeated_note_retriggers_its_slot_and_released_slots_are_reused() {
        let mut v = Voices::new(2, Steal::Oldest, 48_000);
        v.note_on(60, 0.8, 0);
        v.note_off(60, 500);
        v.note_on(62, 0.8, 600);
        v.note_on(60, 0.8, 700);
        v.note_off(62, 800);
        v.note_on(65, 0.8, 900);
        let c = v.into_commands();
        assert_eq!(
            starts(&c),
            [(0, 0, 60), (600, 1, 62), (700, 0, 60), (900, 1, 65)]
        );
        assert!(c.contains(&NodeCommand::Steal { time: 700, slot: 0 }));
        assert!(c.contains(&NodeCommand::Steal { time: 900, slot: 1 }));
    }

    /// No release or steal of a slot reaches a synth in its first block: every one is due
    /// at least [`BLOCK`] after the start of the synth it is for (the slot's last start
    /// made before it), and none is due while a later synth of the slot is in its first
    /// block (one due at that synth's very start is sent before it, in the same bundle).
    fn assert_no_release_in_a_first_block(c: &[NodeCommand]) {
        for (k, command) in c.iter().enumerate() {
            let (time, slot) = match *command {
                NodeCommand::Release { time, slot } | NodeCommand::Steal { time, slot } => {
                    (time, slot)
                }
                NodeCommand::Start { .. } => continue,
            };
            let started = |m: &NodeCommand| match *m {
                NodeCommand::Start { time, slot: s, .. } if s == slot => Some(time),
                _ => None,
            };
            if let Some(start) = c[..k].iter().rev().find_map(started) {
                assert!(
                    time >= start + BLOCK,
                    "{command:?} of the synth started at {start}"
                );
            }
            for (j, m) in c.iter().enumerate() {
                if let Some(start) = started(m) {
                    let first_block = start < time && time < start + BLOCK;
                    assert!(
                        !(first_block || (start == time && j < k)),
                        "{command:?} reaches the synth started at {start}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_note_shorter_than_a_block_is_released_at_the_end_of_its_first_block() {
        let mut v = Voices::new(4, Steal::Oldest, 48_000);
        v.note_on(60, 0.8, 100);
        v.note_off(60, 110);
        v.note_on(62, 0.8, 1000);
        v.note_off(62, 2000);
        let c = v.into_commands();
        assert!(c.contains(&NodeCommand::Release { time: 164, slot: 0 }));
        assert!(c.contains(&NodeCommand::Release {
            time: 2000,
            slot: 1
        }));
        assert_no_release_in_a_first_block(&c);
    }

    #[test]
    fn a_voice_stolen_in_its_first_block_fades_from_the_end_of_that_block() {
        let mut v = Voices::new(1, Steal::Oldest, 48_000);
        v.note_on(60, 0.8, 100);
        v.note_on(62, 0.8, 120);
        let c = v.into_commands();
        assert!(c.contains(&NodeCommand::Steal { time: 164, slot: 0 }));
        // 164 + 144 samples of fade, on the 64-frame grid.
        assert_eq!(starts(&c), [(100, 0, 60), (320, 0, 62)]);
        assert_no_release_in_a_first_block(&c);
        // A note repeated within a block takes another voice rather than retrigger one
        // still in its first block.
        let mut v = Voices::new(2, Steal::Oldest, 48_000);
        v.note_on(60, 0.8, 100);
        v.note_on(60, 0.8, 110);
        let c = v.into_commands();
        assert_eq!(starts(&c), [(100, 0, 60), (110, 1, 60)]);
        assert_no_release_in_a_first_block(&c);
    }

    #[test]
    fn drum_rolls_and_chords_never_release_a_synth_in_its_first_block() {
        // A seeded walk of short notes, ons and offs a few samples to a few blocks apart,
        // on every steal policy and voice count.
        for (count, steal) in [
            (1, Steal::Oldest),
            (2, Steal::Quietest),
            (3, Steal::Oldest),
            (4, Steal::None),
            (8, Steal::Oldest),
        ] {
            let mut v = Voices::new(count, steal, 48_000);
            let mut x: u64 = 0x2545_f491_4f6c_dd1d;
            let mut now = 0;
            for _ in 0..5000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                now += x % 200;
                let note = 60 + (x >> 20) as u8 % 5;
                if x & 0x100 == 0 {
                    v.note_on(note, ((x >> 32) % 100) as f32 / 100.0, now);
                } else {
                    v.note_off(note, now);
                }
            }
            assert_no_release_in_a_first_block(&v.into_commands());
        }
    }
}
