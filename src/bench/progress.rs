//! The progress bar of long benchmark runs: on stderr, and only when stderr is a terminal
//! (so never in piped or `--json` output).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs at least this long (seconds of audio in all) show a bar.
pub const LONG_RUN_SECONDS: f64 = 5.0;

/// A progress bar over sample frames, or nothing.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// No bar.
    pub fn hidden() -> Self {
        Progress { bar: None }
    }

    /// A bar over `total_frames` on stderr if `wanted`, stderr is a terminal and the run
    /// is long (at least [`LONG_RUN_SECONDS`] of audio at `sample_rate`).
    pub fn new(total_frames: u64, sample_rate: u32, wanted: bool) -> Self {
        let long = total_frames as f64 >= LONG_RUN_SECONDS * sample_rate as f64;
        if !(wanted && long && std::io::stderr().is_terminal()) {
            return Progress::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(total_frames), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("benchmarking {msg:>10} [{bar:30}] {percent:>3}%")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress { bar: Some(bar) }
    }

    /// Names the run now measured (`"8 voices"`).
    pub fn set_stage(&self, stage: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(stage.to_string());
        }
    }

    /// `frames` more are done.
    pub fn advance(&self, frames: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(frames);
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
