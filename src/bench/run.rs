//! [`run`]: the whole `chronus bench`: the patch as written, then the voice-scaling runs,
//! then the report.

use chronus_modules::Registry;
use thiserror::Error;

use super::counting_alloc::{counting_installed, AllocCounts};
use super::measure::measure;
use super::progress::Progress;
use super::report::BenchReport;
use super::rss::peak_rss_bytes;
use super::scaling::{ScalingFit, ScalingPoint};
use super::voices::{first_instrument_voices, with_voices};
use super::{BLOCK, SAMPLE_RATE, SCALING_VOICES};
use crate::control::ControlError;
use crate::patch::PatchDesc;

/// What to measure.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchOptions {
    /// Name of the patch in the report (its path).
    pub patch_name: String,
    /// Seconds of audio for the main run and for each scaling run.
    pub seconds: f64,
    /// Show a progress bar on stderr when it is a terminal and the run is long.
    pub progress: bool,
}

/// Why a benchmark could not run.
#[derive(Debug, Error)]
pub enum BenchError {
    /// The patch or a note was refused.
    #[error("{0}")]
    Control(#[from] ControlError),
    /// `--seconds` out of range.
    #[error("--seconds {0} must be greater than 0 and at most 86400")]
    Seconds(f64),
    /// Allocations cannot be counted, so a count of 0 would mean nothing.
    #[error(
        "the counting allocator is not the global allocator: install \
         chronus::bench::CountingAlloc as #[global_allocator] to count allocations"
    )]
    NotCounting,
}

/// Measures `desc`: the patch as written with its first instrument's voices all held,
/// then (if it has voices) the same patch with that instrument's `count` set to each of
/// [`SCALING_VOICES`], all held, to fit the voice-scaling line.
pub fn run(
    desc: &PatchDesc,
    registry: &Registry,
    options: &BenchOptions,
) -> Result<BenchReport, BenchError> {
    if !(options.seconds.is_finite() && options.seconds > 0.0 && options.seconds <= 86_400.0) {
        return Err(BenchError::Seconds(options.seconds));
    }
    if !counting_installed() {
        return Err(BenchError::NotCounting);
    }
    let frames = ((options.seconds * SAMPLE_RATE as f64).round() as u64).max(1);
    let has_voices = first_instrument_voices(desc) > 0;
    let runs = 1 + if has_voices { SCALING_VOICES.len() } else { 0 };
    let progress = Progress::new(frames * runs as u64, SAMPLE_RATE, options.progress);

    progress.set_stage("as written");
    let main = measure(desc.clone(), registry, frames, &progress)?;
    let mut counts = main.counts;
    let mut scaling = Vec::new();
    if has_voices {
        for voices in SCALING_VOICES {
            progress.set_stage(&format!("{voices} voices"));
            let m = measure(
                with_voices(desc.clone(), voices),
                registry,
                frames,
                &progress,
            )?;
            counts += m.counts;
            scaling.push(ScalingPoint {
                voices,
                ns_per_sample: m.ns_per_sample(),
            });
        }
    }
    progress.finish();
    let fit = ScalingFit::fit(&scaling);
    let AllocCounts {
        allocations,
        deallocations,
    } = counts;
    Ok(BenchReport {
        patch: options.patch_name.clone(),
        sample_rate: SAMPLE_RATE,
        block: BLOCK,
        seconds: options.seconds,
        voices: main.notes_held,
        realtime_factor: main.realtime_factor(),
        ns_per_sample: main.ns_per_sample(),
        voices_at_50_percent: fit.and_then(|f| f.voices_within(0.5, SAMPLE_RATE)),
        fit,
        scaling,
        allocations,
        deallocations,
        peak_rss_bytes: peak_rss_bytes(),
    })
}
