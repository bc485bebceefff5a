//! `--record FILE.wav`: what the callback plays, written to a 32-bit float stereo WAV file
//! without ever blocking the callback.
//!
//! The callback pushes interleaved stereo frames into a fixed-capacity [`rtrb`] ring through
//! its [`RecordSink`]; a full ring drops the frames that do not fit and the callback counts
//! them. A writer thread ([`Recorder`]) drains the ring into [`hound`], keeps the file's
//! header current about once a second (a killed process leaves a readable file), and
//! finalizes it when stopped.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rtrb::{Consumer, Producer, RingBuffer};
use thiserror::Error;

use crate::fault::{self, Faults};

/// Seconds of audio the recording ring holds.
pub const RING_SECONDS: f32 = 2.0;

/// How long the writer sleeps when the ring is empty.
const IDLE: Duration = Duration::from_millis(10);

/// How often the writer brings the WAV header up to date.
const HEADER_EVERY: Duration = Duration::from_secs(1);

/// Why a recording could not start or be finished.
#[derive(Debug, Error)]
pub enum RecordError {
    /// The file could not be created.
    #[error("error: cannot record to {}: {error}", path.display())]
    Create {
        /// The file.
        path: PathBuf,
        /// What hound said.
        error: hound::Error,
    },
    /// The writer thread could not be spawned.
    #[error("error: cannot start the recording thread: {0}")]
    Thread(std::io::Error),
    /// Writing, updating the header or finalizing failed.
    #[error("error: recording to {file} failed: {error}")]
    Write {
        /// The file, as displayed.
        file: String,
        /// What hound said.
        error: hound::Error,
    },
    /// The writer thread panicked.
    #[error("the recording thread panicked")]
    Panicked,
}

/// The audio-thread end of a recording.
pub struct RecordSink {
    ring: Producer<f32>,
}

impl RecordSink {
    /// Pushes the frames of `left`/`right` (same length) that fit in the ring and returns
    /// how many frames it dropped. **Real-time safe:** no allocation, no waiting.
    pub fn push(&mut self, left: &[f32], right: &[f32]) -> u64 {
        let frames = left.len().min(right.len());
        let fit = (self.ring.slots() / 2).min(frames);
        if fit > 0 {
            if let Ok(chunk) = self.ring.write_chunk_uninit(fit * 2) {
                let samples = left[..fit]
                    .iter()
                    .zip(&right[..fit])
                    .flat_map(|(l, r)| [*l, *r]);
                chunk.fill_from_iter(samples);
            }
        }
        (frames - fit) as u64
    }

    /// Pushes `frames` frames of silence; returns how many it dropped. **Real-time safe.**
    pub fn push_silence(&mut self, frames: usize) -> u64 {
        let fit = (self.ring.slots() / 2).min(frames);
        if fit > 0 {
            if let Ok(chunk) = self.ring.write_chunk_uninit(fit * 2) {
                chunk.fill_from_iter(std::iter::repeat(0.0));
            }
        }
        (frames - fit) as u64
    }
}

/// A ring of `frames` stereo frames: the sink for the callback, the consumer for a writer.
pub fn ring(frames: usize) -> (RecordSink, Consumer<f32>) {
    let (tx, rx) = RingBuffer::new(frames.max(1) * 2);
    (RecordSink { ring: tx }, rx)
}

/// The writer thread of a recording.
pub struct Recorder {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<u64, RecordError>>>,
}

impl Recorder {
    /// Creates `path` (32-bit float stereo WAV at `sample_rate`), starts the writer thread
    /// and returns it with the sink for the callback, whose ring holds [`RING_SECONDS`].
    /// Fails, before anything plays, when the file cannot be created.
    /// A panic on the writer thread is counted in `faults` and the thread restarted where
    /// it was ([`fault::supervise`]).
    pub fn start(
        path: &Path,
        sample_rate: u32,
        faults: Arc<Faults>,
    ) -> Result<(Recorder, RecordSink), RecordError> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let writer = hound::WavWriter::create(path, spec).map_err(|error| RecordError::Create {
            path: path.to_path_buf(),
            error,
        })?;
        let (sink, consumer) = ring((RING_SECONDS * sample_rate as f32) as usize);
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            let mut sink = WavSink {
                writer: Some(writer),
                ring: consumer,
                name: path.display().to_string(),
                samples: 0,
            };
            fault::supervise("chronus-record", faults, move || sink.run(&stop))
                .map_err(RecordError::Thread)?
        };
        Ok((
            Recorder {
                path: path.to_path_buf(),
                stop,
                thread: Some(thread),
            },
            sink,
        ))
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes what is left in the ring, finalizes the file and returns the frames written.
    pub fn finish(mut self) -> Result<u64, RecordError> {
        self.join()
    }

    fn join(&mut self) -> Result<u64, RecordError> {
        self.stop.store(true, Ordering::Release);
        match self.thread.take() {
            Some(t) => t.join().unwrap_or(Err(RecordError::Panicked)),
            None => Ok(0),
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        let _ = self.join();
    }
}

/// The writer thread's state: kept across a restart of the thread after a panic
/// ([`fault::supervise`]), so the file goes on where it was.
struct WavSink {
    /// `None` once finalized.
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    ring: Consumer<f32>,
    /// The file's name, for errors.
    name: String,
    /// Samples written so far.
    samples: u64,
}

impl WavSink {
    /// Drains the ring until stopped (or the sink is gone) and empty, then finalizes the
    /// file; returns the frames written.
    fn run(&mut self, stop: &AtomicBool) -> Result<u64, RecordError> {
        let name = &self.name;
        let fail = |error| RecordError::Write {
            file: name.to_string(),
            error,
        };
        let Some(writer) = self.writer.as_mut() else {
            return Ok(self.samples / 2);
        };
        let mut header_at = Instant::now();
        loop {
            // Read the flag before draining, so nothing pushed before the stop is left
            // behind.
            let done = stop.load(Ordering::Acquire) || self.ring.is_abandoned();
            let n = self.ring.slots() & !1;
            if n > 0 {
                let chunk = self.ring.read_chunk(n).expect("n <= slots");
                let (a, b) = chunk.as_slices();
                for s in a.iter().chain(b) {
                    writer.write_sample(*s).map_err(fail)?;
                }
                chunk.commit_all();
                self.samples += n as u64;
            } else if done {
                break;
            } else {
                std::thread::sleep(IDLE);
            }
            if header_at.elapsed() >= HEADER_EVERY {
                header_at = Instant::now();
                writer.flush().map_err(fail)?;
            }
        }
        if let Some(writer) = self.writer.take() {
            writer.finalize().map_err(fail)?;
        }
        Ok(self.samples / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_ring_drops_and_counts_instead_of_blocking() {
        let (mut sink, mut rx) = ring(100);
        let l = [0.5f32; 64];
        let r = [-0.5f32; 64];
        assert_eq!(sink.push(&l, &r), 0);
        // 36 frames of room left: 28 of the next 64 are dropped.
        assert_eq!(sink.push(&l, &r), 28);
        assert_eq!(sink.push_silence(10), 10);
        assert_eq!(rx.slots(), 200);
        let chunk = rx.read_chunk(4).unwrap();
        let (a, _) = chunk.as_slices();
        assert_eq!(a, &[0.5, -0.5, 0.5, -0.5]);
    }

    #[test]
    fn records_what_was_pushed_and_finalizes() {
        let dir = std::env::temp_dir().join(format!("chronus-rec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rec.wav");
        let (rec, mut sink) = Recorder::start(&path, 48_000, Arc::default()).unwrap();
        let l: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
        let r: Vec<f32> = l.iter().map(|x| -x).collect();
        assert_eq!(sink.push(&l, &r), 0);
        assert_eq!(rec.finish().unwrap(), 1000);
        let (sr, ch) = crate::host::wav::read_wav(&path).unwrap();
        assert_eq!(sr, 48_000);
        assert_eq!(ch[0], l);
        assert_eq!(ch[1], r);
        std::fs::remove_dir_all(&dir).ok();
    }
}
