//! One timed run: the engine offline on this thread, as `host::render` drives it, with the
//! first instrument's voices all held, timing the processing and counting its allocations.

use std::time::{Duration, Instant};

use chronus_modules::Registry;

use super::counting_alloc::{count_allocations, AllocCounts};
use super::progress::Progress;
use super::voices::{chord, first_instrument_voices};
use super::{BLOCK, SAMPLE_RATE};
use crate::control::{ControlError, Controller, NoteTarget};
use crate::engine::{Engine, EngineConfig, EngineStats};
use crate::patch::PatchDesc;

/// Velocity of the held notes.
const VELOCITY: f32 = 0.8;

/// Blocks processed between two progress updates (and garbage collections), outside the
/// timed part.
const SEGMENT_BLOCKS: usize = 256;

/// What one run measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measurement {
    /// Sample frames processed.
    pub frames: u64,
    /// Wall time spent in `Engine::process` (summed over segments of
    /// 256-block segments, so progress and garbage collection are not in it).
    pub wall: Duration,
    /// Allocations and deallocations made inside `Engine::process`.
    pub counts: AllocCounts,
    /// Notes held (the first instrument's `count`, at most 128; 0 without voices).
    pub notes_held: usize,
    /// Voices sounding at the end of the run (the engine's own count).
    pub voices_sounding: u64,
}

impl Measurement {
    /// Wall time per sample frame, in nanoseconds.
    pub fn ns_per_sample(&self) -> f64 {
        self.wall.as_secs_f64() * 1e9 / self.frames.max(1) as f64
    }

    /// Seconds of audio per second of wall time.
    pub fn realtime_factor(&self) -> f64 {
        self.frames as f64 / SAMPLE_RATE as f64 / self.wall.as_secs_f64().max(1e-12)
    }
}

/// Runs `desc` for `frames` sample frames at [`SAMPLE_RATE`] in blocks of [`BLOCK`],
/// holding one note per voice of the first instrument from the first sample. Each
/// `Engine::process` call runs inside [`count_allocations`].
pub fn measure(
    desc: PatchDesc,
    registry: &Registry,
    frames: u64,
    progress: &Progress,
) -> Result<Measurement, ControlError> {
    let (mut engine, handle) = Engine::new(EngineConfig {
        sample_rate: SAMPLE_RATE as f32,
        ..EngineConfig::default()
    });
    let mut control = Controller::new(registry.clone(), handle);
    let notes = chord(first_instrument_voices(&desc));
    control.load(desc)?;
    for &note in &notes {
        control.note_on(&NoteTarget::Default, note, VELOCITY, Some(0))?;
    }
    let mut left = [0.0f32; BLOCK];
    let mut right = [0.0f32; BLOCK];
    let mut counts = AllocCounts::default();
    let mut wall = Duration::ZERO;
    let mut done = 0u64;
    while done < frames {
        let segment_end = frames.min(done + (SEGMENT_BLOCKS * BLOCK) as u64);
        let segment_start = done;
        let started = Instant::now();
        while done < segment_end {
            let n = BLOCK.min((segment_end - done) as usize);
            let ((), c) = count_allocations(|| engine.process(&mut left[..n], &mut right[..n]));
            counts += c;
            done += n as u64;
        }
        wall += started.elapsed();
        control.collect_garbage();
        progress.advance(done - segment_start);
    }
    Ok(Measurement {
        frames,
        wall,
        counts,
        notes_held: notes.len(),
        voices_sounding: EngineStats::get(&engine.stats().voices_active),
    })
}
