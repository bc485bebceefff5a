//! [`HostTime`]: the wall time at which the engine is at a sample, read through the audio
//! host's own cycle clock (the [`CycleStamp`] the audio callback publishes on JACK)
//! instead of the callback's wake-up times.
//!
//! [`SampleClock::wall_ns_at`](super::sample_clock::SampleClock::wall_ns_at) maps samples
//! through the wall time at which callbacks ran, which moves with each wake-up: on an
//! idle VM's JACK dummy driver notes time-tagged through it for scsynth were seen up to
//! 300–400 frames off their spacing. JACK's cycle times are its own filtered clock, the
//! one every client of the server (scsynth included) runs on, so the spacing of the tags
//! follows the engine's samples exactly; only the step from JACK's clock to wall time
//! (both read at once, now) moves, by the microseconds between the two reads.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::cycle_stamp::CycleStamp;

/// Engine samples → wall time through the host's cycle clock.
#[derive(Debug)]
pub struct HostTime {
    stamp: Arc<CycleStamp>,
    /// The host clock now, in µs (JACK: `jack_get_time`), the clock of the stamp's times.
    now_us: fn() -> u64,
    sample_rate: f64,
    /// The last stamp read whole (a read that meets a write in progress keeps it).
    last: Cell<Option<(u64, u64)>>,
}

impl HostTime {
    /// Reads `stamp`, whose times are on the clock `now_us` reads, at `sample_rate`.
    pub fn new(stamp: Arc<CycleStamp>, now_us: fn() -> u64, sample_rate: f64) -> HostTime {
        HostTime {
            stamp,
            now_us,
            sample_rate,
            last: Cell::new(None),
        }
    }

    /// The wall time (ns since the Unix epoch) at which the engine is at `sample`, or
    /// `None` before the audio callback's first stamp.
    pub fn wall_ns_at(&self, sample: u64) -> Option<u64> {
        if let Some(pair) = self.stamp.read() {
            self.last.set(Some(pair));
        }
        let (cycle_us, cycle_sample) = self.last.get()?;
        let (host_now_us, wall_now_ns) = self.both_clocks_now()?;
        let since_cycle_ns =
            ((sample as f64 - cycle_sample as f64) * 1e9 / self.sample_rate).round() as i128;
        let ns = wall_now_ns + (cycle_us as i128 - host_now_us) * 1000 + since_cycle_ns;
        u64::try_from(ns).ok()
    }

    /// The host clock (µs) and the wall clock (ns) read at one moment: a pair whose reads
    /// were parted by more than [`READ_GAP_US`] (the thread preempted between them) is
    /// read again, and the closest of [`READS`] tries is kept.
    fn both_clocks_now(&self) -> Option<(i128, i128)> {
        let mut best: Option<(u64, i128, i128)> = None;
        for _ in 0..READS {
            let before = (self.now_us)();
            let wall = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .ok()?
                .as_nanos() as i128;
            let after = (self.now_us)();
            let gap = after.saturating_sub(before);
            // The host time halfway through the wall clock's read.
            let host = (before as i128 + after as i128) / 2;
            if best.is_none_or(|(g, _, _)| gap < g) {
                best = Some((gap, host, wall));
            }
            if gap <= READ_GAP_US {
                break;
            }
        }
        best.map(|(_, host, wall)| (host, wall))
    }
}

/// A host/wall clock pair read within this many µs is taken at once.
const READ_GAP_US: u64 = 50;

/// At most this many tries for a close pair.
const READS: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;

    fn host_now() -> u64 {
        5_000_000
    }

    #[test]
    fn samples_map_at_their_exact_spacing_from_the_stamped_cycle() {
        let stamp = Arc::new(CycleStamp::default());
        let time = HostTime::new(stamp.clone(), host_now, 48_000.0);
        assert_eq!(time.wall_ns_at(0), None, "no stamp yet");
        // The cycle that started 1 s before the host's now was at sample 96 000.
        stamp.publish(4_000_000, 96_000);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i128;
        let at = time.wall_ns_at(96_000).unwrap() as i128;
        // 1 s before now, to within the time between the two clock reads.
        assert!(
            (now - 1_000_000_000 - at).abs() < 50_000_000,
            "{}",
            now - at
        );
        let a = time.wall_ns_at(144_000).unwrap() as i128;
        let b = time.wall_ns_at(192_000).unwrap() as i128;
        // Both 1 s apart in samples: 1 s apart in time, up to the wall clock read between.
        assert!(((b - a) - 1_000_000_000).abs() < 50_000_000, "{}", b - a);
    }
}
