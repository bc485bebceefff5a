//! [`BenchReport`]: what `chronus bench` found, as a readable table or one JSON object
//! with stable field names.

use std::fmt::Write as _;

use serde::Serialize;

use super::scaling::{ScalingFit, ScalingPoint};

/// The figures of one `chronus bench` run. Field names are the JSON keys and stay stable.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BenchReport {
    /// The patch measured (its path, or a name for the built-in one).
    pub patch: String,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Frames per `Engine::process` call.
    pub block: usize,
    /// Seconds of audio rendered for the main figure (and for each scaling point).
    pub seconds: f64,
    /// Voices held in the main run: the first instrument's `count` (0 without voices).
    pub voices: usize,
    /// Seconds of audio per second of wall time, the patch as written.
    pub realtime_factor: f64,
    /// Wall time per sample frame in nanoseconds, the patch as written.
    pub ns_per_sample: f64,
    /// Voices of the first instrument that fit in 50% of one core at `sample_rate` with
    /// `block`-frame blocks, from the fitted scaling line; `None` without voices (or when
    /// voices cost nothing measurable).
    pub voices_at_50_percent: Option<f64>,
    /// The line fitted through `scaling`; `None` without voices.
    pub fit: Option<ScalingFit>,
    /// Cost with the first instrument's `count` set to 1, 8 and 32, all held; empty
    /// without voices.
    pub scaling: Vec<ScalingPoint>,
    /// Allocations made inside `Engine::process`, over every run.
    pub allocations: u64,
    /// Deallocations made inside `Engine::process`, over every run.
    pub deallocations: u64,
    /// Peak resident set size of the process in bytes; `None` where unknown.
    pub peak_rss_bytes: Option<u64>,
}

impl BenchReport {
    /// The report as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report of plain numbers and strings serializes")
    }

    /// The report as a readable table.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let mut row = |name: &str, value: String| {
            let _ = writeln!(t, "  {name:<26}{value}");
        };
        row("patch", self.patch.clone());
        row(
            "run",
            format!(
                "{} s of audio at {} Hz, {}-frame blocks, one thread, {}",
                self.seconds,
                self.sample_rate,
                self.block,
                match self.voices {
                    0 => "no voices".to_string(),
                    1 => "1 voice held".to_string(),
                    n => format!("{n} voices held"),
                }
            ),
        );
        row("real-time factor", format!("{:.1}x", self.realtime_factor));
        row(
            "ns per sample",
            format!("{:.1} ns (wall time / frames)", self.ns_per_sample),
        );
        match (self.voices_at_50_percent, self.fit) {
            (Some(v), Some(fit)) => row(
                "voices at 50% of a core",
                format!(
                    "{:.0} (fit: {:.1} ns + {:.2} ns per voice per sample)",
                    v.floor(),
                    fit.base_ns_per_sample,
                    fit.slope_ns_per_sample
                ),
            ),
            _ if self.scaling.is_empty() => {
                row("voices at 50% of a core", "n/a (no voices)".into())
            }
            _ => row(
                "voices at 50% of a core",
                "n/a (voices cost nothing measurable)".into(),
            ),
        }
        for p in &self.scaling {
            row(
                &format!(
                    "  {} voice{}",
                    p.voices,
                    if p.voices == 1 { "" } else { "s" }
                ),
                format!("{:.1} ns per sample", p.ns_per_sample),
            );
        }
        row("allocations", self.allocations.to_string());
        row("deallocations", self.deallocations.to_string());
        row(
            "peak RSS",
            match self.peak_rss_bytes {
                Some(b) => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
                None => "n/a".into(),
            },
        );
        t
    }
}
