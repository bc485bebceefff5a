//! Mapping OSC time tags (wall-clock times) to engine sample times, from the anchor the
//! audio host publishes after every callback: (wall time, engine sample time). A tag `t`
//! maps to `anchor_sample + (t - anchor_wall) × sample_rate`, so events of one bundle, and
//! of bundles sent ahead, keep their exact spacing in samples. Tags in the past (or the
//! "immediately" tag) mean the next block.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rosc::OscTime;

use crate::engine::EngineStats;

/// The OSC "immediately" time tag (seconds 0, fraction 1).
pub const IMMEDIATELY: OscTime = OscTime {
    seconds: 0,
    fractional: 1,
};

/// A callback this much later than the anchor predicts restarts the anchor (a stream
/// that was reopened, a long stall): 50 ms.
pub const RESYNC_NS: u64 = 50_000_000;

/// Reads the host's anchor.
#[derive(Clone, Debug)]
pub struct SampleClock {
    stats: Arc<EngineStats>,
    sample_rate: f64,
}

impl SampleClock {
    /// A clock over an engine's stats.
    pub fn new(stats: Arc<EngineStats>, sample_rate: f32) -> Self {
        SampleClock {
            stats,
            sample_rate: sample_rate as f64,
        }
    }

    /// The engine's sample rate (Hz).
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Publishes an anchor: the engine is at `sample` at wall time `now`. Called by the
    /// audio host at the start of each callback (two relaxed stores; a reader may rarely
    /// pair a new sample with an old time, an error of one buffer at most).
    ///
    /// A callback woken late would move the anchor late, and with it every message mapped
    /// through it (a MIDI note landing a few ms early). So the anchor follows the earliest
    /// wake-ups: when `now` is later than the previous anchor predicts for `sample`, the
    /// prediction is kept, creeping 1/64 of the way toward `now` (which follows a drift
    /// between the audio and system clocks within a fraction of a second); an earlier `now`
    /// is taken as is; after a gap of more than [`RESYNC_NS`] (a stream reopened) the
    /// anchor starts over at `now`. **Real-time safe.**
    pub fn publish(stats: &EngineStats, sample: u64, now: SystemTime, sample_rate: f32) {
        let now_ns = now
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64;
        let (prev_sample, prev_wall) = (
            stats.anchor_sample.load(Relaxed),
            stats.anchor_wall_ns.load(Relaxed),
        );
        let wall = if prev_wall != 0 && sample >= prev_sample && sample_rate > 0.0 {
            let predicted =
                prev_wall + ((sample - prev_sample) as f64 * 1e9 / sample_rate as f64) as u64;
            match now_ns.checked_sub(predicted) {
                Some(late) if late > RESYNC_NS => now_ns,
                Some(late) => predicted + late / 64,
                None => now_ns,
            }
        } else {
            now_ns
        };
        stats.anchor_sample.store(sample, Relaxed);
        stats.anchor_wall_ns.store(wall, Relaxed);
    }

    /// The engine's published sample time (the start of its last block). **Real-time
    /// safe** (one atomic load).
    pub fn sample_time(&self) -> u64 {
        self.stats.sample_time.load(Relaxed)
    }

    /// The engine sample time at which `tag` happens: `Ok(None)` for "now" (the immediate
    /// tag, any tag in the past — before 1970 included —, or no anchor yet), an error for a
    /// tag more than [`MAX_AHEAD_SECS`] ahead. Any 64-bit tag is read without overflow (NTP
    /// era 0: 1900 to 2036).
    pub fn sample_at(&self, tag: OscTime) -> Result<Option<u64>, TooFarAhead> {
        if tag == IMMEDIATELY {
            return Ok(None);
        }
        self.sample_at_ns(unix_ns(tag))
    }

    /// The engine sample time at wall time `when`, or `None` for "now" (past, too far
    /// ahead to be meant, or no anchor yet).
    pub fn sample_at_time(&self, when: SystemTime) -> Option<u64> {
        let ns = match when.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        };
        self.sample_at_ns(ns).ok().flatten()
    }

    /// The wall time (nanoseconds since the Unix epoch) at which the engine is at
    /// `sample`, by the published anchor; `None` before the first anchor. The inverse of
    /// [`SampleClock::sample_at_time`], for backends that time-tag what they send.
    pub fn wall_ns_at(&self, sample: u64) -> Option<u64> {
        let wall = self.stats.anchor_wall_ns.load(Relaxed);
        if wall == 0 || self.sample_rate <= 0.0 {
            return None;
        }
        let anchor = self.stats.anchor_sample.load(Relaxed);
        let delta_ns = (sample as f64 - anchor as f64) * 1e9 / self.sample_rate;
        Some((wall as f64 + delta_ns).max(0.0) as u64)
    }

    /// [`SampleClock::sample_at`] for a wall time in nanoseconds since the Unix epoch.
    fn sample_at_ns(&self, when_ns: i128) -> Result<Option<u64>, TooFarAhead> {
        let wall = self.stats.anchor_wall_ns.load(Relaxed);
        if wall == 0 {
            return Ok(None);
        }
        let ahead_ns = when_ns - wall as i128;
        if ahead_ns < 0 {
            return Ok(None);
        }
        let ahead_s = ahead_ns as f64 * 1e-9;
        if ahead_s > MAX_AHEAD_SECS as f64 {
            return Err(TooFarAhead { ahead_s });
        }
        let sample =
            self.stats.anchor_sample.load(Relaxed) + (ahead_s * self.sample_rate).round() as u64;
        Ok(Some(sample))
    }
}

/// How far ahead a time tag may be: one hour. Further is refused (a clock set wrong, or a
/// hostile client filling the event queue with events that never come due).
pub const MAX_AHEAD_SECS: u64 = 3_600;

/// A time tag further ahead than [`MAX_AHEAD_SECS`].
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error("the time tag is {ahead_s:.0} s ahead: at most {MAX_AHEAD_SECS} s ahead is accepted")]
pub struct TooFarAhead {
    /// Seconds between the anchor and the tag.
    pub ahead_s: f64,
}

/// Nanoseconds from the Unix epoch to `tag` (negative before 1970). Written here rather
/// than through `SystemTime::from(OscTime)`, which panics on tags before 1970.
fn unix_ns(tag: OscTime) -> i128 {
    const UNIX_OFFSET_S: i128 = 2_208_988_800;
    let whole = (tag.seconds as i128 - UNIX_OFFSET_S) * 1_000_000_000;
    let fraction = (tag.fractional as i128 * 1_000_000_000 + (1 << 31)) >> 32;
    whole + fraction
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn tags_map_to_samples_from_the_anchor() {
        let stats = Arc::new(EngineStats::default());
        let clock = SampleClock::new(stats.clone(), 48_000.0);
        let t0 = SystemTime::now();
        assert_eq!(
            clock.sample_at(OscTime::try_from(t0).unwrap()),
            Ok(None),
            "no anchor yet"
        );
        SampleClock::publish(&stats, 96_000, t0, 48_000.0);
        let later = OscTime::try_from(t0 + Duration::from_millis(500)).unwrap();
        let s = clock.sample_at(later).unwrap().unwrap();
        // OSC fractions resolve ~0.23 ns; allow a sample of rounding.
        assert!((s as i64 - 120_000).abs() <= 1, "{s}");
        let past = OscTime::try_from(t0 - Duration::from_millis(10)).unwrap();
        assert_eq!(clock.sample_at(past), Ok(None));
        assert_eq!(clock.sample_at(IMMEDIATELY), Ok(None));
    }

    #[test]
    fn a_late_callback_does_not_drag_the_anchor() {
        let stats = Arc::new(EngineStats::default());
        let t0 = SystemTime::now();
        let wall = |s: &EngineStats| s.anchor_wall_ns.load(Relaxed);
        let ns = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64;
        SampleClock::publish(&stats, 0, t0, 48_000.0);
        // The next callback (4800 samples = 100 ms on) wakes 6.4 ms late.
        let late = t0 + Duration::from_micros(106_400);
        SampleClock::publish(&stats, 4_800, late, 48_000.0);
        let expected = ns(t0) + 100_000_000 + 6_400_000 / 64;
        assert_eq!(wall(&stats), expected, "kept near the prediction");
        // An on-time (early) one is taken as is.
        let on_time = t0 + Duration::from_millis(200);
        SampleClock::publish(&stats, 9_600, on_time, 48_000.0);
        assert_eq!(wall(&stats), ns(on_time));
        // A long gap (the stream reopened): start over.
        let later = t0 + Duration::from_secs(3);
        SampleClock::publish(&stats, 9_856, later, 48_000.0);
        assert_eq!(wall(&stats), ns(later));
    }
}
