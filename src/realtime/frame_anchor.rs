//! [`FrameAnchor`]: engine sample times → JACK frame times, for the JACK process
//! callbacks that place things at exact frames beside the engine (the JACK MIDI output,
//! the SuperCollider timing probe).
//!
//! Engine sample `s` is JACK frame `s + offset`. The offset is fixed the first time a
//! callback sees the engine running (JACK frame of the cycle − the engine's published
//! sample time), so the spacing of events in samples is kept exactly. When the engine
//! runs on the same JACK server (`--host jack`) the two clocks are the same and the offset
//! never changes (it may be one period off, the same for every event, depending on which
//! of the two callbacks ran first in that cycle); with another audio host the clocks drift
//! apart slowly and the offset is set again (a *re-anchor*) when they differ by more than
//! 8 periods. Everything here is **real-time safe** (plain arithmetic).

/// The state one process callback keeps.
#[derive(Clone, Copy, Debug)]
pub struct FrameAnchor {
    /// JACK frame − engine sample; `None` until the engine is seen running.
    offset: Option<i64>,
    /// The last cycle's 32-bit frame time and its 64-bit extension.
    last_frame: u32,
    frames: i64,
    /// The engine's sample time the last cycle saw (`-1`: none yet).
    last_engine: i64,
}

impl Default for FrameAnchor {
    fn default() -> Self {
        FrameAnchor {
            offset: None,
            last_frame: 0,
            frames: 0,
            last_engine: -1,
        }
    }
}

/// What one cycle's update found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cycle {
    /// The cycle's first frame, extended to 64 bits (it never wraps).
    pub frames: i64,
    /// JACK frame − engine sample, once known.
    pub offset: Option<i64>,
    /// True when an offset already set was set again (the clocks had drifted apart).
    pub reanchored: bool,
}

impl FrameAnchor {
    /// Called at the start of each cycle with its 32-bit frame time (`last_frame_time`),
    /// its length `n` and the engine's published sample time. The offset is set (again)
    /// only while the engine runs: before its first callback its clock stands still, and
    /// after its last one what is left is placed under the old offset.
    pub fn update(&mut self, frame: u32, n: i64, engine_now: i64) -> Cycle {
        self.frames += frame.wrapping_sub(self.last_frame) as i64;
        if self.offset.is_none() {
            self.frames = frame as i64;
        }
        self.last_frame = frame;
        let running = self.last_engine >= 0 && engine_now != self.last_engine;
        self.last_engine = engine_now;
        let drift = self.offset.map(|o| (self.frames - (engine_now + o)).abs());
        let mut reanchored = false;
        if running && drift.is_none_or(|d| d > 8 * n) {
            reanchored = self.offset.is_some();
            self.offset = Some(self.frames - engine_now);
        }
        Cycle {
            frames: self.frames,
            offset: self.offset,
            reanchored,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_is_fixed_once_the_engine_runs_and_kept_across_the_frame_wrap() {
        let mut a = FrameAnchor::default();
        // The engine has not run yet: its clock stands still.
        assert_eq!(a.update(1_000, 256, 0).offset, None);
        assert_eq!(a.update(1_256, 256, 0).offset, None);
        let c = a.update(1_512, 256, 256);
        assert_eq!(
            (c.frames, c.offset, c.reanchored),
            (1_512, Some(1_256), false)
        );
        // One period of jitter in which callback ran first changes nothing.
        assert_eq!(a.update(1_768, 256, 256).offset, Some(1_256));
        // The 32-bit frame time wraps; the 64-bit one goes on.
        let mut a = FrameAnchor::default();
        a.update(u32::MAX - 255, 256, 0);
        a.update(u32::MAX - 255, 256, 256);
        let c = a.update(0, 256, 512);
        assert_eq!(c.frames, u32::MAX as i64 + 1);
        assert_eq!(c.offset, Some(u32::MAX as i64 - 255 - 256));
    }

    #[test]
    fn clocks_drifted_apart_by_more_than_8_periods_anchor_again() {
        let mut a = FrameAnchor::default();
        a.update(0, 256, 0);
        assert_eq!(a.update(256, 256, 256).offset, Some(0));
        let c = a.update(512, 256, 512 + 9 * 256);
        assert!(c.reanchored);
        assert_eq!(c.offset, Some(-9 * 256));
    }
}
