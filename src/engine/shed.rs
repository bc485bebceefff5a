//! [`Shedding`]: overload shedding as the engine sees it. A control thread (the player's
//! overload governor, `realtime::overload`) decides a **shedding level** and stores it
//! here; the audio thread reads it with one relaxed load per sub-block and never waits
//! for it. What each level does, in the order levels are taken (docs/CONTRACTS.md §4.6):
//!
//! | level | what is shed |
//! |---|---|
//! | 0 | nothing |
//! | 1 ([`THROTTLE_LEVEL`]) | the sequencer's mutation cycles are held (skipped), and note and param cues are not published |
//! | 2 .. [`MAX_LEVEL`] | and each instrument's polyphony is capped: ¾, ½, ¼ of its voices ([`voice_cap`]), at least one |
//!
//! A lowered cap fades the quietest sounding voices out over the steal fade
//! (`voice::shed_to_cap`), and a new note at the cap steals as the instrument's `steal`
//! policy says instead of taking a free voice. The counters beside the level are read by
//! `/metrics` and `/api/state`.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

/// The level from which mutation and cue traffic are throttled.
pub const THROTTLE_LEVEL: u32 = 1;

/// How many polyphony steps follow the throttle.
pub const POLY_STEPS: u32 = 3;

/// The highest shedding level: throttled, polyphony at its last step.
pub const MAX_LEVEL: u32 = THROTTLE_LEVEL + POLY_STEPS;

/// The shedding level and its counters, shared by the engine and the control side.
#[derive(Debug, Default)]
pub struct Shedding {
    /// The level in force, 0 ..= [`MAX_LEVEL`] (written by the control side only).
    level: AtomicU32,
    /// Steps taken down (towards more shedding).
    pub sheds: AtomicU64,
    /// Steps taken back up (towards none).
    pub restores: AtomicU64,
    /// Voices faded out because a lowered cap left no room for them (audio thread).
    pub voices_shed: AtomicU64,
    /// Note and param cues not published while throttled (player thread).
    pub cues_held: AtomicU64,
}

impl Shedding {
    /// The level in force. **Real-time safe** (one relaxed load).
    #[inline]
    pub fn level(&self) -> u32 {
        self.level.load(Relaxed).min(MAX_LEVEL)
    }

    /// Sets the level (clamped to [`MAX_LEVEL`]). Control side.
    pub fn set_level(&self, level: u32) {
        self.level.store(level.min(MAX_LEVEL), Relaxed);
    }

    /// True while mutation and cue traffic are throttled.
    pub fn throttled(&self) -> bool {
        self.level() >= THROTTLE_LEVEL
    }
}

/// The polyphony step of `level`: 0 (none) ..= [`POLY_STEPS`].
pub fn poly_step(level: u32) -> u32 {
    level.min(MAX_LEVEL).saturating_sub(THROTTLE_LEVEL)
}

/// How many voices an instrument of `polyphony` voices may sound at shedding `level`:
/// `ceil(polyphony × (POLY_STEPS + 1 − step) / (POLY_STEPS + 1))`, at least 1 (16 voices:
/// 16, 12, 8, 4). **Real-time safe.**
pub fn voice_cap(polyphony: usize, level: u32) -> usize {
    let step = poly_step(level) as usize;
    let parts = POLY_STEPS as usize + 1;
    (polyphony * (parts - step))
        .div_ceil(parts)
        .max(1)
        .min(polyphony)
}

/// What `level` sheds, in words (log lines, `/api/state`).
pub fn describe(level: u32) -> &'static str {
    match poly_step(level) {
        _ if level < THROTTLE_LEVEL => "nothing shed",
        0 => "mutation and cue traffic throttled",
        1 => "throttled, polyphony 3/4",
        2 => "throttled, polyphony 1/2",
        _ => "throttled, polyphony 1/4",
    }
}

const _: () = assert!(POLY_STEPS == 3, "describe() names three polyphony steps");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_step_down_by_quarters_and_keep_one_voice() {
        let caps: Vec<usize> = (0..=MAX_LEVEL).map(|l| voice_cap(16, l)).collect();
        assert_eq!(caps, [16, 16, 12, 8, 4]);
        assert_eq!(voice_cap(1, MAX_LEVEL), 1);
        assert_eq!(voice_cap(3, 2), 3);
        assert_eq!(voice_cap(3, MAX_LEVEL), 1);
        assert_eq!(voice_cap(16, 99), 4, "levels above the last are the last");
        let s = Shedding::default();
        assert!(!s.throttled());
        s.set_level(7);
        assert_eq!(s.level(), MAX_LEVEL);
        assert!(s.throttled());
    }
}
