//! [`Meter`]: what the audio callback measures — callbacks, frames, DSP load, xruns, caught
//! panics, recording drops — kept in atomics. The callback only stores and adds (relaxed,
//! never waits); the player thread reads a [`MeterSnapshot`] and prints the
//! [`StatusLine`].

use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

/// Time constant of the smoothed DSP load, in seconds.
const LOAD_SMOOTHING_S: f64 = 0.5;

/// Live counters of one playing stream (shared by every stream a player reopens).
#[derive(Debug, Default)]
pub struct Meter {
    callbacks: AtomicU64,
    frames: AtomicU64,
    buffer_frames: AtomicU64,
    /// Smoothed DSP load (1.0 = the whole buffer period), as `f32` bits. Written by the
    /// callback only.
    load_avg: AtomicU32,
    /// Highest DSP load since the last snapshot, as `f32` bits: non-negative floats order
    /// like their bit patterns, so `fetch_max` on the bits is a float max.
    load_peak: AtomicU32,
    xruns: AtomicU64,
    panics: AtomicU64,
    record_drops: AtomicU64,
    /// Callback durations: counts per bucket of [`CALLBACK_BUCKETS_S`] (not cumulative;
    /// the last slot counts those above every bound), and their sum in nanoseconds.
    busy_buckets: [AtomicU64; CALLBACK_BUCKETS_S.len() + 1],
    busy_sum_ns: AtomicU64,
    /// Output levels of the last [`LEVEL_WINDOW_S`]: peak left, peak right, RMS left, RMS
    /// right, as `f32` bits.
    levels: [AtomicU32; 4],
}

/// Length of the window output levels are measured over (20 per second).
pub const LEVEL_WINDOW_S: f32 = 0.05;

/// Peak and sum of squares of the output over the current level window; owned by the
/// callback, published to the [`Meter`] when the window is full. **Real-time safe.**
#[derive(Debug, Default)]
pub struct LevelWindow {
    peak: [f32; 2],
    squares: [f64; 2],
    frames: u32,
}

impl LevelWindow {
    /// Adds a chunk of output; publishes the window's levels to `meter` once it holds
    /// `window` frames. **Real-time safe.**
    pub fn add(&mut self, left: &[f32], right: &[f32], window: u32, meter: &Meter) {
        for (c, samples) in [left, right].into_iter().enumerate() {
            for &x in samples {
                self.peak[c] = self.peak[c].max(x.abs());
                self.squares[c] += (x as f64) * (x as f64);
            }
        }
        self.frames += left.len() as u32;
        if self.frames >= window.max(1) {
            for c in 0..2 {
                let rms = (self.squares[c] / self.frames as f64).sqrt() as f32;
                meter.levels[c].store(self.peak[c].to_bits(), Relaxed);
                meter.levels[2 + c].store(rms.to_bits(), Relaxed);
            }
            *self = LevelWindow::default();
        }
    }
}

/// Upper bounds (seconds) of the callback-duration histogram
/// (`chronus_callback_seconds`): 64 frames at 48 kHz is 1.3 ms, 1024 frames 21 ms.
pub const CALLBACK_BUCKETS_S: [f64; 10] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
];

/// The callback-duration histogram as read: cumulative counts per bound of
/// [`CALLBACK_BUCKETS_S`], the total count and the sum of seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CallbackHistogram {
    /// Callbacks that took at most each bound (cumulative).
    pub cumulative: [u64; CALLBACK_BUCKETS_S.len()],
    /// Every callback measured.
    pub count: u64,
    /// Seconds spent in them.
    pub sum_s: f64,
}

/// One reading of a [`Meter`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeterSnapshot {
    /// Callbacks run so far.
    pub callbacks: u64,
    /// Frames delivered to the device so far.
    pub frames: u64,
    /// Frames asked for by the most recent callback (the device's buffer size).
    pub buffer_frames: u64,
    /// Smoothed DSP load in percent of the buffer period.
    pub load_avg_percent: f32,
    /// Highest DSP load in percent since the previous snapshot.
    pub load_peak_percent: f32,
    /// Underruns/overruns the device reported, plus deadlines the null host missed.
    pub xruns: u64,
    /// Panics caught in processing (each silenced the rest of its callback).
    pub panics: u64,
    /// Recorded frames dropped because the recording ring was full.
    pub record_drops: u64,
}

impl Meter {
    /// Records one callback of `frames` frames that took `busy_s` seconds at `sample_rate`.
    /// **Real-time safe:** relaxed atomic stores only.
    pub fn callback_done(&self, frames: usize, busy_s: f64, sample_rate: f32) {
        self.callbacks.fetch_add(1, Relaxed);
        self.frames.fetch_add(frames as u64, Relaxed);
        self.buffer_frames.store(frames as u64, Relaxed);
        let bucket = CALLBACK_BUCKETS_S
            .iter()
            .position(|&bound| busy_s <= bound)
            .unwrap_or(CALLBACK_BUCKETS_S.len());
        self.busy_buckets[bucket].fetch_add(1, Relaxed);
        self.busy_sum_ns
            .fetch_add((busy_s.max(0.0) * 1e9) as u64, Relaxed);
        if frames == 0 || sample_rate <= 0.0 {
            return;
        }
        let period = frames as f64 / sample_rate as f64;
        let load = (busy_s / period).max(0.0) as f32;
        let avg = f32::from_bits(self.load_avg.load(Relaxed));
        let a = (period / LOAD_SMOOTHING_S).min(1.0) as f32;
        self.load_avg
            .store((avg + (load - avg) * a).to_bits(), Relaxed);
        self.load_peak.fetch_max(load.to_bits(), Relaxed);
    }

    /// Counts an xrun. **Real-time safe.**
    pub fn add_xrun(&self) {
        self.xruns.fetch_add(1, Relaxed);
    }

    /// Counts a caught panic. **Real-time safe.**
    pub fn add_panic(&self) {
        self.panics.fetch_add(1, Relaxed);
    }

    /// Counts recorded frames dropped. **Real-time safe.**
    pub fn add_record_drops(&self, frames: u64) {
        if frames > 0 {
            self.record_drops.fetch_add(frames, Relaxed);
        }
    }

    /// Caught panics so far.
    pub fn panics(&self) -> u64 {
        self.panics.load(Relaxed)
    }

    /// Smoothed DSP load, 0..1 (without starting a new peak period, unlike `snapshot`).
    pub fn load(&self) -> f32 {
        f32::from_bits(self.load_avg.load(Relaxed))
    }

    /// Xruns so far.
    pub fn xruns(&self) -> u64 {
        self.xruns.load(Relaxed)
    }

    /// `(peak, RMS)` of the left and right output over the last level window.
    pub fn levels(&self) -> [(f32, f32); 2] {
        let get = |i: usize| f32::from_bits(self.levels[i].load(Relaxed));
        [(get(0), get(2)), (get(1), get(3))]
    }

    /// Callbacks so far.
    pub fn callbacks(&self) -> u64 {
        self.callbacks.load(Relaxed)
    }

    /// Recorded frames dropped so far.
    pub fn record_drops(&self) -> u64 {
        self.record_drops.load(Relaxed)
    }

    /// The callback-duration histogram (reads only; nothing resets).
    pub fn histogram(&self) -> CallbackHistogram {
        let mut h = CallbackHistogram::default();
        let mut running = 0;
        for (i, slot) in h.cumulative.iter_mut().enumerate() {
            running += self.busy_buckets[i].load(Relaxed);
            *slot = running;
        }
        h.count = running + self.busy_buckets[CALLBACK_BUCKETS_S.len()].load(Relaxed);
        h.sum_s = self.busy_sum_ns.load(Relaxed) as f64 * 1e-9;
        h
    }

    /// Reads every counter and starts a new peak-load period.
    pub fn snapshot(&self) -> MeterSnapshot {
        let percent = |bits: u32| f32::from_bits(bits) * 100.0;
        MeterSnapshot {
            callbacks: self.callbacks.load(Relaxed),
            frames: self.frames.load(Relaxed),
            buffer_frames: self.buffer_frames.load(Relaxed),
            load_avg_percent: percent(self.load_avg.load(Relaxed)),
            load_peak_percent: percent(self.load_peak.swap(0, Relaxed)),
            xruns: self.xruns.load(Relaxed),
            panics: self.panics.load(Relaxed),
            record_drops: self.record_drops.load(Relaxed),
        }
    }
}

/// The status line `chronus play` prints every `--status-interval` seconds. Its format is
/// part of the command-line contract (tests parse it):
///
/// `status: {sr} Hz, {frames} frames, dsp load {avg:.1}% (peak {peak:.1}%), xruns {n},
/// callbacks {n}, voices {n}, revision {n}, panics {n}, record drops {n}`
///
/// where `frames` is the buffer size of the latest callback, the load is the callback's
/// time over the buffer period (smoothed average, and peak since the previous line), and
/// the counters are totals since start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StatusLine {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// The meter reading.
    pub meter: MeterSnapshot,
    /// Voices sounding.
    pub voices: u64,
    /// Revision of the graph playing.
    pub revision: u64,
}

impl fmt::Display for StatusLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.meter;
        write!(
            f,
            "status: {} Hz, {} frames, dsp load {:.1}% (peak {:.1}%), xruns {}, callbacks {}, \
             voices {}, revision {}, panics {}, record drops {}",
            self.sample_rate,
            m.buffer_frames,
            m.load_avg_percent,
            m.load_peak_percent,
            m.xruns,
            m.callbacks,
            self.voices,
            self.revision,
            m.panics,
            m.record_drops
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line_has_the_contract_format() {
        let meter = Meter::default();
        meter.callback_done(256, 256.0 / 48_000.0 * 0.25, 48_000.0);
        meter.add_xrun();
        meter.add_record_drops(7);
        let line = StatusLine {
            sample_rate: 48_000,
            meter: meter.snapshot(),
            voices: 3,
            revision: 1,
        }
        .to_string();
        assert!(line.starts_with("status: 48000 Hz, 256 frames, dsp load "));
        assert!(line.contains("(peak 25.0%), xruns 1, callbacks 1, voices 3, revision 1, "));
        assert!(line.ends_with("panics 0, record drops 7"), "{line}");
    }

    #[test]
    fn peak_resets_at_each_snapshot_and_average_smooths() {
        let meter = Meter::default();
        for _ in 0..1000 {
            meter.callback_done(480, 0.005, 48_000.0); // 50 % of a 10 ms period
        }
        meter.callback_done(480, 0.009, 48_000.0); // one at 90 %
        let s = meter.snapshot();
        assert!((s.load_peak_percent - 90.0).abs() < 1e-3);
        assert!(
            (s.load_avg_percent - 50.0).abs() < 2.0,
            "{}",
            s.load_avg_percent
        );
        assert_eq!(s.frames, 1001 * 480);
        assert_eq!(meter.snapshot().load_peak_percent, 0.0);
    }
}
