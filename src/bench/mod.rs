//! `chronus bench`: the engine offline on one thread, timed, with every allocation inside
//! `Engine::process` counted.
//!
//! - [`counting_alloc`]: [`CountingAlloc`], the global allocator that counts, and
//!   [`count_allocations`].
//! - [`voices`]: which instrument is measured and the chord that holds all its voices.
//! - [`measure`](mod@measure): one timed, counted run of [`Engine`](crate::engine::Engine) and
//!   [`Controller`](crate::control::Controller).
//! - [`scaling`]: the voice-scaling line and the voices that fit in half a core.
//! - [`rss`]: peak resident set size.
//! - [`progress`]: the progress bar of long runs.
//! - [`report`]: [`BenchReport`], as a table or JSON.
//! - [`run`](mod@run): the whole benchmark.
//!
//! Performance is measured here, never asserted: tests check the counting and the report's
//! shape, not timings.

pub mod counting_alloc;
pub mod measure;
pub mod progress;
pub mod report;
pub mod rss;
pub mod run;
pub mod scaling;
pub mod voices;

pub use counting_alloc::{
    count_allocations, counting_installed, AllocCounts, Checked, CountingAlloc,
};
pub use measure::{measure, Measurement};
pub use report::BenchReport;
pub use run::{run, BenchError, BenchOptions};
pub use scaling::{ScalingFit, ScalingPoint};

/// Sample rate of every benchmark run, in Hz.
pub const SAMPLE_RATE: u32 = 48_000;

/// Frames per `Engine::process` call: the engine's largest block.
pub const BLOCK: usize = chronus_modules::MAX_BLOCK;

/// Voice counts of the scaling runs.
pub const SCALING_VOICES: [usize; 3] = [1, 8, 32];
