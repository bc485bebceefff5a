//! The audio side of a soak: the very [`AudioCallback`] `chronus play` runs, called with
//! every allocation inside it counted ([`count_allocations`]) and every sample checked for
//! NaN and infinity. [`AudioProbe`] holds what it found in atomics.
//!
//! Offline (accelerated) the soak's own thread calls [`render_counted`] as fast as it
//! can; in real time [`PacedAudio`] runs it on a thread of its own paced exactly as the
//! null host paces its callback (absolute deadlines, a late buffer counted as an xrun and
//! the schedule restarted), which is `--host null` with the counting added.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::bench::count_allocations;
use crate::host::audio_callback::{AudioCallback, Shared};

/// Channels the soak renders (stereo, as the null host).
pub const CHANNELS: usize = 2;

/// What the audio side found, readable from any thread.
#[derive(Debug, Default)]
pub struct AudioProbe {
    /// Allocations plus deallocations made inside the audio callback.
    pub allocations: AtomicU64,
    /// Output samples that were NaN or infinite.
    pub nonfinite: AtomicU64,
    /// Largest absolute output sample so far, as `f32` bits (non-negative floats order
    /// like their bits).
    pub peak_bits: AtomicU32,
    /// Nanoseconds spent inside the callback so far.
    pub busy_ns: AtomicU64,
    /// Frames rendered so far.
    pub frames: AtomicU64,
}

impl AudioProbe {
    /// Largest absolute output sample so far.
    pub fn peak(&self) -> f32 {
        f32::from_bits(self.peak_bits.load(Relaxed))
    }
}

/// Runs the callback once into `data` (`CHANNELS` interleaved), counting its allocations
/// and checking its output into `probe`.
pub fn render_counted(callback: &mut AudioCallback, data: &mut [f32], probe: &AudioProbe) {
    let started = Instant::now();
    let ((), counts) = count_allocations(|| callback.process(data, CHANNELS));
    probe
        .busy_ns
        .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
    probe
        .allocations
        .fetch_add(counts.allocations + counts.deallocations, Relaxed);
    let mut bad = 0u64;
    let mut peak = 0.0f32;
    for x in data.iter() {
        if x.is_finite() {
            peak = peak.max(x.abs());
        } else {
            bad += 1;
        }
    }
    if bad > 0 {
        probe.nonfinite.fetch_add(bad, Relaxed);
    }
    probe.peak_bits.fetch_max(peak.to_bits(), Relaxed);
    probe
        .frames
        .fetch_add((data.len() / CHANNELS) as u64, Relaxed);
}

/// The callback playing at real-time speed on its own thread. Dropping it stops the
/// thread (and drops the callback there).
pub struct PacedAudio {
    quit: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl PacedAudio {
    /// Starts the thread: `buffer` frames every `buffer / sample_rate` seconds.
    pub fn start(
        mut callback: AudioCallback,
        sample_rate: u32,
        buffer: u32,
        probe: Arc<AudioProbe>,
    ) -> std::io::Result<PacedAudio> {
        let quit = Arc::new(AtomicBool::new(false));
        let stop = quit.clone();
        let shared: Option<Arc<Shared>> = callback.shared().cloned();
        let frames = buffer.max(1) as usize;
        let period = Duration::from_secs_f64(frames as f64 / sample_rate.max(1) as f64);
        let thread = std::thread::Builder::new()
            // The null host's thread name: `service::realtime` finds it by this name.
            .name("chronus-null-audio".into())
            .spawn(move || {
                let mut data = vec![0.0f32; frames * CHANNELS];
                let mut start = Instant::now();
                let mut k: u32 = 0;
                while !stop.load(Relaxed) {
                    render_counted(&mut callback, &mut data, &probe);
                    k += 1;
                    let deadline = start + period * k;
                    let now = Instant::now();
                    if now > deadline {
                        if let Some(s) = &shared {
                            s.meter().add_xrun();
                        }
                        start = now;
                        k = 0;
                    } else {
                        std::thread::sleep(deadline - now);
                    }
                }
            })?;
        Ok(PacedAudio {
            quit,
            thread: Some(thread),
        })
    }
}

impl Drop for PacedAudio {
    fn drop(&mut self) {
        self.quit.store(true, Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
