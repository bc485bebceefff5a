//! [`FrameAnchor`]: engine sample times ↔ JACK frame times with **one fixed offset**, as a
//! JACK process callback keeps it (the MIDI output writes at `sample + offset`, the MIDI
//! input reads at `frame − offset`), so the spacing between events is kept to the frame.
//!
//! It extends JACK's 32-bit frame time (which wraps after 24.8 hours at 48 kHz) to 64
//! bits cycle by cycle, and holds the offset `JACK frame − engine sample`. Who sets the
//! offset decides how exact it is:
//!
//! - [`follow`](FrameAnchor::follow), when the audio callback runs on the same JACK
//!   server and publishes a [`CycleStamp`]: the stamp's JACK time falls in this cycle or
//!   the one before (clients of one server run in the same cycles), whose frame time the
//!   anchor knows, so the offset is exact — the audio callback of that cycle started at
//!   that engine sample. It is set again every cycle, so it stays exact when the two
//!   counts part (a cycle the audio client missed: JACK's frames go on, the engine's
//!   samples do not);
//! - [`track`](FrameAnchor::track) otherwise, from the engine's published sample time
//!   (the MIDI output and the SuperCollider timing probe, whatever the audio host): set
//!   once, and again only when the clocks drift apart.
//!
//! **Real-time safe**: plain arithmetic on the callback's own state.

use super::cycle_stamp::CycleStamp;

/// Periods after which an offset the audio callback stopped confirming counts as stale
/// (its stream stopped or is being reopened: the engine's clock stands still).
pub const STALE_PERIODS: i64 = 8;

/// Engine samples ↔ JACK frames (see the module doc). One per process callback.
#[derive(Clone, Debug, Default)]
pub struct FrameAnchor {
    started: bool,
    /// The current cycle's 32-bit frame time, its 64-bit extension and its start (JACK
    /// µs; 0 when not known).
    last_frame: u32,
    frames: i64,
    start_us: u64,
    /// The previous cycle's 64-bit frame time and start.
    prev: Option<(i64, u64)>,
    /// JACK frame − engine sample.
    offset: Option<i64>,
    /// The cycle (64-bit frame time) of the audio callback whose [`CycleStamp`] last set
    /// the offset.
    followed_at: Option<i64>,
    /// The engine's published sample time the last cycle saw ([`track`](Self::track)).
    last_engine: Option<i64>,
}

impl FrameAnchor {
    /// An anchor that has seen no cycle yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a cycle at JACK frame time `frame` (`jack_last_frame_time`), which began at
    /// JACK time `start_us` (µs, `jack_get_cycle_times`; 0 when not known). Returns the
    /// cycle's 64-bit frame time.
    pub fn cycle(&mut self, frame: u32, start_us: u64) -> i64 {
        if self.started {
            self.prev = Some((self.frames, self.start_us));
            self.frames += frame.wrapping_sub(self.last_frame) as i64;
        } else {
            self.frames = frame as i64;
            self.started = true;
        }
        self.last_frame = frame;
        self.start_us = start_us;
        self.frames
    }

    /// The current cycle's 64-bit frame time.
    pub fn frames(&self) -> i64 {
        self.frames
    }

    /// JACK frame − engine sample, once known.
    pub fn offset(&self) -> Option<i64> {
        self.offset
    }

    /// A 32-bit frame time near the current cycle (within ±2³¹ frames), extended.
    pub fn extend(&self, frame: u32) -> i64 {
        self.frames + frame.wrapping_sub(self.last_frame) as i32 as i64
    }

    /// The engine sample at JACK frame time `frame` (of this cycle, or near it): `None`
    /// before an offset is known (or before the engine's sample 0).
    pub fn sample_at(&self, frame: u32) -> Option<u64> {
        u64::try_from(self.extend(frame) - self.offset?).ok()
    }

    /// Keeps the offset from the engine's published sample time `engine_now`, read at the
    /// start of this cycle of `n` frames (after [`cycle`](Self::cycle)): set the first
    /// time the engine is seen running, and again when the two clocks have drifted apart
    /// by more than [`STALE_PERIODS`] periods (another audio host's clock). Nothing is set
    /// while the engine's clock stands still: before its first callback, and after its
    /// last one (what is left is placed under the old offset). True when an offset already
    /// set was set again (a *re-anchor*).
    pub fn track(&mut self, engine_now: i64, n: i64) -> bool {
        let running = self.last_engine.is_some_and(|last| engine_now != last);
        self.last_engine = Some(engine_now);
        let drift = self.offset.map(|o| (self.frames - (engine_now + o)).abs());
        if running && drift.is_none_or(|d| d > STALE_PERIODS * n) {
            let reanchored = self.offset.is_some();
            self.offset = Some(self.frames - engine_now);
            return reanchored;
        }
        false
    }

    /// Sets the offset exactly from the audio callback's `stamp` when its time falls in
    /// this cycle or the previous one (see the module doc); keeps the last one otherwise
    /// (a stamp being written, or older). True while the offset is fresh: confirmed
    /// within the last [`STALE_PERIODS`] periods of `period` frames.
    pub fn follow(&mut self, stamp: &CycleStamp, period: u32) -> bool {
        if let Some((us, sample)) = stamp.read() {
            let cycle = if self.start_us != 0 && us >= self.start_us {
                Some(self.frames)
            } else {
                self.prev
                    .filter(|&(_, start)| start != 0 && us >= start)
                    .map(|(frames, _)| frames)
            };
            if let Some(frames) = cycle {
                self.offset = Some(frames - sample as i64);
                self.followed_at = Some(frames);
            }
        }
        self.followed_at
            .is_some_and(|at| self.frames - at <= STALE_PERIODS * period as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: u32 = 128;
    /// 128 frames at 48 kHz, in µs.
    const PERIOD_US: u64 = 2_667;

    /// Cycle `k` of a server whose frame time started at `base` (wrapping) and its clock
    /// at 1 s.
    fn cycle(a: &mut FrameAnchor, base: u32, k: u32) {
        a.cycle(base.wrapping_add(k * N), 1_000_000 + k as u64 * PERIOD_US);
    }

    #[test]
    fn tracking_sets_the_offset_once_the_engine_runs_and_again_after_a_drift() {
        let mut a = FrameAnchor::new();
        a.cycle(1_000, 0);
        assert!(!a.track(0, N as i64));
        assert_eq!(a.offset(), None, "the engine's clock stands still");
        a.cycle(1_000 + N, 0);
        assert!(
            !a.track(N as i64, N as i64),
            "a first offset is no re-anchor"
        );
        assert_eq!(a.offset(), Some(1_000));
        // The clocks part by 8 periods: kept; by more: set again.
        a.cycle(1_000 + 10 * N, 0);
        assert!(!a.track(2 * N as i64, N as i64));
        assert_eq!(a.offset(), Some(1_000));
        a.cycle(1_000 + 11 * N, 0);
        assert!(a.track(2 * N as i64 + 1, N as i64));
        assert_eq!(a.offset(), Some(1_000 + 9 * N as i64 - 1));
        // Stopped engine: its clock stands still, the offset stays.
        a.cycle(1_000 + 40 * N, 0);
        assert!(!a.track(2 * N as i64 + 1, N as i64));
        assert_eq!(a.offset(), Some(1_000 + 9 * N as i64 - 1));
    }

    #[test]
    fn a_stamp_of_this_or_the_previous_cycle_gives_the_exact_offset() {
        let stamp = CycleStamp::default();
        let mut a = FrameAnchor::new();
        cycle(&mut a, 5_000, 0);
        assert!(!a.follow(&stamp, N), "no stamp yet");
        assert_eq!(a.sample_at(5_000), None);
        // The audio callback of cycle 1 (30 µs into it) starts at engine sample 640.
        cycle(&mut a, 5_000, 1);
        stamp.publish(1_000_000 + PERIOD_US + 30, 640);
        assert!(a.follow(&stamp, N));
        assert_eq!(a.sample_at(5_000 + N + 17), Some(640 + 17));
        // Cycle 2: this client runs before the audio one, which still shows cycle 1.
        cycle(&mut a, 5_000, 2);
        assert!(a.follow(&stamp, N));
        assert_eq!(a.sample_at(5_000 + 2 * N), Some(640 + N as u64));
        // The audio client missed cycle 3: in cycle 4 it starts where it stopped.
        cycle(&mut a, 5_000, 3);
        cycle(&mut a, 5_000, 4);
        stamp.publish(1_000_000 + 4 * PERIOD_US + 10, 640 + 2 * N as u64);
        assert!(a.follow(&stamp, N));
        assert_eq!(a.sample_at(5_000 + 4 * N + 5), Some(640 + 2 * N as u64 + 5));
    }

    #[test]
    fn an_old_stamp_keeps_the_offset_until_it_goes_stale() {
        let stamp = CycleStamp::default();
        let mut a = FrameAnchor::new();
        cycle(&mut a, 0, 0);
        stamp.publish(1_000_000 + 5, 0);
        assert!(a.follow(&stamp, N));
        for k in 1..=STALE_PERIODS as u32 {
            cycle(&mut a, 0, k);
            assert!(a.follow(&stamp, N), "cycle {k}: still fresh");
            assert_eq!(a.sample_at(k * N), Some((k * N) as u64), "offset kept");
        }
        cycle(&mut a, 0, STALE_PERIODS as u32 + 1);
        assert!(!a.follow(&stamp, N), "stale");
    }

    #[test]
    fn frame_times_wrap_without_a_jump() {
        let stamp = CycleStamp::default();
        let mut a = FrameAnchor::new();
        let base = u32::MAX - N + 1; // cycle 1 wraps to 0
        cycle(&mut a, base, 0);
        stamp.publish(1_000_000 + 1, 1_000);
        a.follow(&stamp, N);
        cycle(&mut a, base, 1);
        assert_eq!(a.frames(), base as i64 + N as i64);
        assert_eq!(a.sample_at(3), Some(1_000 + N as u64 + 3));
        // An event stamped just before the wrap, read in the cycle after it.
        assert_eq!(a.sample_at(u32::MAX), Some(1_000 + N as u64 - 1));
    }
}
