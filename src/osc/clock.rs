//! Mapping OSC time tags (wall-clock times) to engine sample times, from the anchor the
//! audio host publishes after every callback: (wall time, engine sample time). A tag `t`
//! maps to `anchor_sample + (t - anchor_wall) × sample_rate`, so events of one bundle, and
//! of bundles sent ahead, keep their exact spacing in samples. Tags in the past (or the
//! "immediately" tag) mean the next block.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rosc::OscTime;

use crate::engine::EngineStats;

/// The OSC "immediately" time tag (seconds 0, fraction 1).
pub const IMMEDIATELY: OscTime = OscTime {
    seconds: 0,
    fractional: 1,
};

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

    /// Publishes an anchor: the engine has played up to `sample` at wall time `now`.
    /// Called by the audio host after each callback (two relaxed stores; a reader may
    /// rarely pair a new sample with an old time, an error of one buffer at most).
    pub fn publish(stats: &EngineStats, sample: u64, now: SystemTime) {
        let ns = now
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64;
        stats.anchor_sample.store(sample, Relaxed);
        stats.anchor_wall_ns.store(ns, Relaxed);
    }

    /// The engine sample time at which `tag` happens, or `None` for "now" (immediate,
    /// past, or no anchor yet).
    pub fn sample_at(&self, tag: OscTime) -> Option<u64> {
        if tag == IMMEDIATELY {
            return None;
        }
        self.sample_at_time(SystemTime::from(tag))
    }

    /// The engine sample time at wall time `when`, or `None` for "now" (past, or no
    /// anchor yet).
    pub fn sample_at_time(&self, when: SystemTime) -> Option<u64> {
        let wall = self.stats.anchor_wall_ns.load(Relaxed);
        if wall == 0 {
            return None;
        }
        let anchor = UNIX_EPOCH + Duration::from_nanos(wall);
        let ahead = when.duration_since(anchor).ok()?;
        let sample = self.stats.anchor_sample.load(Relaxed)
            + (ahead.as_secs_f64() * self.sample_rate).round() as u64;
        Some(sample)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_samples_from_the_anchor() {
        let stats = Arc::new(EngineStats::default());
        let clock = SampleClock::new(stats.clone(), 48_000.0);
        let t0 = SystemTime::now();
        assert_eq!(
            clock.sample_at(OscTime::try_from(t0).unwrap()),
            None,
            "no anchor yet"
        );
        SampleClock::publish(&stats, 96_000, t0);
        let later = OscTime::try_from(t0 + Duration::from_millis(500)).unwrap();
        let s = clock.sample_at(later).unwrap();
        // OSC fractions resolve ~0.23 ns; allow a sample of rounding.
        assert!((s as i64 - 120_000).abs() <= 1, "{s}");
        let past = OscTime::try_from(t0 - Duration::from_millis(10)).unwrap();
        assert_eq!(clock.sample_at(past), None);
        assert_eq!(clock.sample_at(IMMEDIATELY), None);
    }
}
