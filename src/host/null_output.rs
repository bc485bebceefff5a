//! `--host null`: no device. A thread runs the very same [`AudioCallback`] at real-time
//! speed, `buffer` frames of 2-channel `f32` at a time, sleeping to absolute deadlines
//! (start + k × period) so it does not drift. A buffer finished after its deadline is a
//! missed deadline: counted as an xrun, and the schedule restarts from now (like a device
//! that lost a period) instead of rushing to catch up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::audio_callback::{AudioCallback, Shared};

/// Channels of the null host.
pub const CHANNELS: usize = 2;

/// The null host's only device, as `--device` matches it.
pub const DEVICE: &str = "null";

/// Buffer size of the null host when `--buffer` is not given.
pub const DEFAULT_BUFFER: u32 = 256;

/// The running null host. Dropping it stops the thread, which drops the callback (and so
/// hands its core back, as a cpal stream does).
pub struct NullStream {
    quit: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl NullStream {
    /// Starts the pacing thread for `callback` at `sample_rate`, `buffer` frames per call.
    pub fn start(
        mut callback: AudioCallback,
        sample_rate: u32,
        buffer: u32,
    ) -> std::io::Result<NullStream> {
        let quit = Arc::new(AtomicBool::new(false));
        let stop = quit.clone();
        let shared: Option<Arc<Shared>> = callback.shared().cloned();
        let frames = buffer.max(1) as usize;
        let period = Duration::from_secs_f64(frames as f64 / sample_rate.max(1) as f64);
        let thread = std::thread::Builder::new()
            .name("chronus-null-audio".into())
            .spawn(move || {
                let mut data = vec![0.0f32; frames * CHANNELS];
                let mut start = Instant::now();
                let mut k: u32 = 0;
                let mut stall = test_hooks::Stall::from_env();
                while !stop.load(Ordering::Acquire) {
                    if stall.stalled(k) {
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    }
                    callback.process(&mut data, CHANNELS);
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
                drop(callback);
            })?;
        Ok(NullStream {
            quit,
            thread: Some(thread),
        })
    }
}

/// Test hooks of the null host, compiled into debug builds only.
mod test_hooks {
    use std::path::PathBuf;

    /// `CHRONUS_TEST_STALL_FILE=PATH` (debug builds only): once `PATH` exists, the null
    /// host stops calling its callback, as a hung callback would, until the stream is
    /// dropped. The tests of the systemd watchdog use it; release builds ignore it.
    pub(super) struct Stall {
        file: Option<PathBuf>,
        stalled: bool,
    }

    impl Stall {
        /// Reads the variable (once, when the null host's thread starts).
        pub(super) fn from_env() -> Stall {
            let file = if cfg!(debug_assertions) {
                std::env::var_os("CHRONUS_TEST_STALL_FILE").map(PathBuf::from)
            } else {
                None
            };
            Stall {
                file,
                stalled: false,
            }
        }

        /// True once the file has appeared (looked for every 16th buffer, between
        /// callbacks, never inside one).
        pub(super) fn stalled(&mut self, k: u32) -> bool {
            if !self.stalled && k.is_multiple_of(16) {
                self.stalled = self.file.as_ref().is_some_and(|f| f.exists());
            }
            self.stalled
        }
    }
}

impl Drop for NullStream {
    fn drop(&mut self) {
        self.quit.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::Controller;
    use crate::engine::{Engine, EngineConfig};
    use crate::host::audio_callback::CallbackCore;
    use chronus_modules::Registry;

    #[test]
    fn paces_at_real_time_and_hands_the_core_back() {
        let (engine, handle) = Engine::new(EngineConfig::default());
        let _control = Controller::new(Registry::builtin(), handle);
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let cb = AudioCallback::returning_to(CallbackCore::new(engine, 48_000.0, None), tx);
        let shared = cb.shared().unwrap().clone();
        let t0 = Instant::now();
        let stream = NullStream::start(cb, 48_000, 480).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        drop(stream);
        let elapsed = t0.elapsed().as_secs_f64();
        let m = shared.meter().snapshot();
        let core = rx.try_recv().expect("core handed back");
        assert_eq!(core.engine().sample_time(), m.frames);
        assert_eq!(m.buffer_frames, 480);
        // 10 ms per buffer: about 30 in 0.3 s (a busy machine may run late, never early).
        let expected = elapsed * 100.0;
        assert!(
            (m.callbacks as f64) <= expected + 2.0 && (m.callbacks as f64) >= expected * 0.5,
            "{} callbacks in {elapsed:.3} s",
            m.callbacks
        );
    }
}
