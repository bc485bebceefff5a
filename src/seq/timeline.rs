//! [`Timeline`]: an outside beat timeline the sequencer's clock follows (an Ableton Link
//! session), as it stands at one engine sample, and [`place`]: where the sequencer's next
//! tick falls on it.
//!
//! The sequencer's bars line up with the timeline's phase at its quantum: tick `k` of the
//! sequencer plays on the timeline's tick `k + offset` (24 ticks a beat), where `offset` is
//! a whole number of quanta, chosen when the clock starts following (or starts playing) as
//! the smallest wait that puts tick `k` on a timeline tick with the same place in the
//! quantum. From then on every tick falls where the timeline says, at its tempo. A
//! timeline that jumps (a peer moving the beat) more than a beat behind or two quanta
//! ahead of the sequencer is joined again the same way. **Real-time safe.**

use super::clock::{milli_bpm, PPQN};

/// Where an outside timeline stands at one engine sample, as heard (its owner maps host
/// time to samples, output latency included).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timeline {
    /// Beat position (quarter notes) at that sample.
    pub beat: f64,
    /// Tempo, BPM.
    pub bpm: f64,
    /// Beats a bar lines up to (the Link quantum).
    pub quantum: f64,
}

/// A source of the timeline, asked by the audio callback once per block. **Must be
/// real-time safe** (no allocation, lock or blocking call).
pub trait TimelineSource: Send {
    /// The timeline at engine sample `sample` (the first sample of the block about to be
    /// rendered); `None` while there is none to follow.
    fn at(&mut self, sample: u64) -> Option<Timeline>;
}

/// Where the sequencer's next tick goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Timeline tick − sequencer tick.
    pub offset: i64,
    /// Engine sample of the sequencer's next tick.
    pub time: u64,
    /// The timeline's tempo, thousandths of a BPM.
    pub mbpm: u64,
}

/// Places tick `next_tick` of the sequencer on `tl` (seen at sample `tl_at`) from sample
/// `now`, keeping `offset` when one was chosen and the timeline did not jump.
pub fn place(
    tl: &Timeline,
    tl_at: u64,
    now: u64,
    sample_rate: u32,
    next_tick: u64,
    offset: Option<i64>,
) -> Placement {
    let sr = sample_rate.max(1) as f64;
    let bpm = if tl.bpm.is_finite() && tl.bpm > 0.0 {
        tl.bpm
    } else {
        120.0
    };
    let ticks = PPQN as f64;
    let spt = sr * 60.0 / (bpm * ticks);
    let lt = (tl.beat + (now as f64 - tl_at as f64) / (spt * ticks)) * ticks;
    let q = ((tl.quantum.max(1.0) * ticks).round() as i64).max(1);
    let k = next_tick as i64;
    let offset = offset.filter(|o| {
        let wait = (k + o) as f64 - lt;
        wait >= -ticks && wait <= 2.0 * q as f64
    });
    let offset = offset.unwrap_or_else(|| {
        let c = (lt - 1e-6).ceil() as i64;
        c + (k - c).rem_euclid(q) - k
    });
    let wait = ((k + offset) as f64 - lt) * spt;
    Placement {
        offset,
        time: now + wait.max(0.0).round() as u64,
        mbpm: milli_bpm(bpm as f32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: u32 = 48_000;

    fn tl(beat: f64) -> Timeline {
        Timeline {
            beat,
            bpm: 120.0,
            quantum: 4.0,
        }
    }

    #[test]
    fn the_first_tick_waits_for_its_place_in_the_quantum() {
        // Beat 1.5 of the bar: tick 0 waits for the next bar (beat 4), 2.5 beats.
        let p = place(&tl(1.5), 0, 0, SR, 0, None);
        assert_eq!(p.offset, 96);
        assert_eq!(p.time, 60_000);
        assert_eq!(p.mbpm, 120_000);
        // Tick 30 (beat 1.25 of a bar) at beat 5.0: waits for beat 5.25.
        let p = place(&tl(5.0), 0, 0, SR, 30, None);
        assert_eq!(p.offset, 96);
        assert_eq!(p.time, 6_000);
        // On the spot: no wait.
        assert_eq!(place(&tl(8.0), 0, 0, SR, 0, None).time, 0);
    }

    #[test]
    fn an_offset_is_kept_and_follows_the_tempo_and_the_timeline_seen_earlier() {
        let p = place(&tl(1.5), 0, 0, SR, 0, None);
        // 1000 samples later, tick 1 of the sequencer (the timeline's 97): beat 4 + 1/24.
        let q = place(&tl(1.5), 0, 1_000, SR, 1, Some(p.offset));
        assert_eq!(q.offset, p.offset);
        assert_eq!(q.time, 61_000);
        // At 60 BPM the same tick is twice as far.
        let slow = Timeline {
            bpm: 60.0,
            ..tl(1.5)
        };
        assert_eq!(place(&slow, 0, 0, SR, 1, Some(96)).time, 2 * 61_000);
    }

    #[test]
    fn a_jump_of_the_timeline_joins_it_again() {
        // The timeline jumped 10 beats ahead: the kept offset would be 180 ticks late.
        let p = place(&tl(11.5), 0, 0, SR, 0, Some(96));
        assert_eq!(
            p.offset, 288,
            "the next bar: beat 12, the timeline's tick 288"
        );
        assert_eq!(p.time, 12_000);
    }
}
