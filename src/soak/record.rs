//! A soak's record: one [`Row`] every few seconds into `soak.csv`, and at the end the
//! [`Verdict`]: the invariants a long run must keep (memory that stops growing after the
//! warm-up, no NaN or infinity, no allocation in the audio callback, no panic) and the
//! figures `SOAK.md` quotes, written to `summary.txt`.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// RSS growth after the warm-up above which a soak fails, in KiB (1 MiB).
pub const MAX_RSS_GROWTH_KIB: u64 = 1024;

/// Share of the rows that count as warm-up (caches, the allocator's pools, the first
/// graphs compiled) before memory must stay flat.
pub const WARMUP_FRACTION: f64 = 0.1;

/// Seconds of audio that count as warm-up however short the run: the traffic's first
/// commits of both kinds (a takeover, then a crossfade with a module added) come within
/// the first 30–270 s, and each grows the allocator's pools once.
pub const WARMUP_MIN_S: f64 = 300.0;

/// The CSV header, in [`Row::csv`]'s order.
pub const HEADER: &str = "audio_s,wall_s,rss_kib,cpu_s,cpu_percent,dsp_load,voices,\
commands_queued,graphs_in_engine,messages,refused,cues,xruns,panics,nonfinite,\
audio_allocations,peak";

/// One sample of a running soak.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Row {
    /// Engine time, seconds of audio.
    pub audio_s: f64,
    /// Wall time since the start, seconds.
    pub wall_s: f64,
    /// Resident memory, KiB (0 where unknown).
    pub rss_kib: u64,
    /// CPU time of the process so far, seconds.
    pub cpu_s: f64,
    /// CPU time over wall time since the previous row, percent of one core.
    pub cpu_percent: f64,
    /// DSP load since the previous row: callback time over audio time (offline), or the
    /// callback meter's smoothed load (real time), 0..1 of one buffer period.
    pub dsp_load: f64,
    /// Voices sounding.
    pub voices: u64,
    /// Commands waiting in the engine's ring.
    pub commands_queued: u64,
    /// Graphs in the engine not yet collected back.
    pub graphs_in_engine: u64,
    /// OSC messages sent so far.
    pub messages: u64,
    /// Of them, refused (`/error`).
    pub refused: u64,
    /// Sequencer cues collected so far.
    pub cues: u64,
    /// Missed deadlines so far (real time only).
    pub xruns: u64,
    /// Panics caught so far (audio callback and control side).
    pub panics: u64,
    /// NaN or infinite output samples so far.
    pub nonfinite: u64,
    /// Allocations and deallocations inside the audio callback so far.
    pub audio_allocations: u64,
    /// Largest absolute output sample so far.
    pub peak: f32,
}

impl Row {
    /// The row as a CSV line (no newline).
    pub fn csv(&self) -> String {
        format!(
            "{:.3},{:.3},{},{:.3},{:.2},{:.4},{},{},{},{},{},{},{},{},{},{},{:.4}",
            self.audio_s,
            self.wall_s,
            self.rss_kib,
            self.cpu_s,
            self.cpu_percent,
            self.dsp_load,
            self.voices,
            self.commands_queued,
            self.graphs_in_engine,
            self.messages,
            self.refused,
            self.cues,
            self.xruns,
            self.panics,
            self.nonfinite,
            self.audio_allocations,
            self.peak
        )
    }
}

impl Row {
    /// Parses a line [`Row::csv`] wrote (`None` for the header or a broken line).
    pub fn parse(line: &str) -> Option<Row> {
        let v: Vec<&str> = line.split(',').collect();
        if v.len() != HEADER.split(',').count() {
            return None;
        }
        let f = |i: usize| v[i].parse::<f64>().ok();
        let u = |i: usize| v[i].parse::<u64>().ok();
        Some(Row {
            audio_s: f(0)?,
            wall_s: f(1)?,
            rss_kib: u(2)?,
            cpu_s: f(3)?,
            cpu_percent: f(4)?,
            dsp_load: f(5)?,
            voices: u(6)?,
            commands_queued: u(7)?,
            graphs_in_engine: u(8)?,
            messages: u(9)?,
            refused: u(10)?,
            cues: u(11)?,
            xruns: u(12)?,
            panics: u(13)?,
            nonfinite: u(14)?,
            audio_allocations: u(15)?,
            peak: v[16].parse().ok()?,
        })
    }
}

/// The rows of a `soak.csv`.
pub fn read_csv(path: &Path) -> std::io::Result<Vec<Row>> {
    Ok(std::fs::read_to_string(path)?
        .lines()
        .filter_map(Row::parse)
        .collect())
}

/// `soak.csv`, written a row at a time (flushed, so a stopped soak keeps its rows).
pub struct CsvFile {
    out: BufWriter<File>,
}

impl CsvFile {
    /// Creates `path` and writes the header.
    pub fn create(path: &Path) -> std::io::Result<CsvFile> {
        let mut out = BufWriter::new(File::create(path)?);
        writeln!(out, "{HEADER}")?;
        Ok(CsvFile { out })
    }

    /// Appends `row`.
    pub fn push(&mut self, row: &Row) -> std::io::Result<()> {
        writeln!(self.out, "{}", row.csv())?;
        self.out.flush()
    }
}

/// What a finished soak concludes from its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// One line per broken invariant (empty: the soak passed).
    pub failures: Vec<String>,
    /// The summary, several `key: value` lines.
    pub text: String,
}

impl Verdict {
    /// Judges `rows` of a soak described by `title` (first line of the summary).
    pub fn judge(title: &str, rows: &[Row]) -> Verdict {
        let mut failures = Vec::new();
        let mut text = format!("{title}\n");
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return Verdict {
                failures: vec!["no row was recorded".into()],
                text,
            };
        };
        let by_share = (rows.len() as f64 * WARMUP_FRACTION).ceil() as usize;
        let by_time = rows
            .iter()
            .take_while(|r| r.audio_s <= WARMUP_MIN_S)
            .count();
        let warm = by_share.max(by_time).clamp(1, rows.len());
        let after_warmup = rows[warm - 1].rss_kib;
        let max_after = rows[warm - 1..]
            .iter()
            .map(|r| r.rss_kib)
            .max()
            .unwrap_or(0);
        let growth = max_after.saturating_sub(after_warmup);
        let n = rows.len() as f64;
        let mean = |f: fn(&Row) -> f64| rows.iter().map(f).sum::<f64>() / n;
        let max = |f: fn(&Row) -> f64| rows.iter().map(f).fold(0.0, f64::max);
        let _ = writeln!(
            text,
            "audio: {:.2} h in {:.1} min of wall time ({:.0}x real time), {} rows",
            last.audio_s / 3600.0,
            last.wall_s / 60.0,
            last.audio_s / last.wall_s.max(1e-9),
            rows.len()
        );
        let _ = writeln!(
            text,
            "rss: {} KiB at the first row, {} KiB after the warm-up ({} rows), {} KiB at most \
             after it, {} KiB at the end: growth after warm-up {} KiB (limit {} KiB)",
            first.rss_kib, after_warmup, warm, max_after, last.rss_kib, growth, MAX_RSS_GROWTH_KIB
        );
        let _ = writeln!(
            text,
            "cpu: {:.1}% of one core on average, {:.1}% at most",
            mean(|r| r.cpu_percent),
            max(|r| r.cpu_percent)
        );
        let _ = writeln!(
            text,
            "dsp load: {:.2}% on average, {:.2}% at most (of the buffer period)",
            mean(|r| r.dsp_load) * 100.0,
            max(|r| r.dsp_load) * 100.0
        );
        let _ = writeln!(
            text,
            "voices: {:.1} on average, {} at most; commands queued at most {}; graphs in the \
             engine at most {}",
            mean(|r| r.voices as f64),
            rows.iter().map(|r| r.voices).max().unwrap_or(0),
            rows.iter().map(|r| r.commands_queued).max().unwrap_or(0),
            rows.iter().map(|r| r.graphs_in_engine).max().unwrap_or(0)
        );
        let _ = writeln!(
            text,
            "traffic: {} OSC messages ({} refused), {} sequencer cues",
            last.messages, last.refused, last.cues
        );
        let _ = writeln!(
            text,
            "invariants: nonfinite samples {}, audio-thread allocations {}, panics {}, xruns \
             {}, peak |sample| {:.3}",
            last.nonfinite, last.audio_allocations, last.panics, last.xruns, last.peak
        );
        if growth > MAX_RSS_GROWTH_KIB {
            failures.push(format!(
                "memory grew {growth} KiB after the warm-up (limit {MAX_RSS_GROWTH_KIB} KiB)"
            ));
        }
        if last.nonfinite > 0 {
            failures.push(format!(
                "{} output samples were NaN or infinite",
                last.nonfinite
            ));
        }
        if last.audio_allocations > 0 {
            failures.push(format!(
                "the audio callback allocated or freed {} times",
                last.audio_allocations
            ));
        }
        if last.panics > 0 {
            failures.push(format!("{} panics were caught", last.panics));
        }
        let _ = writeln!(
            text,
            "verdict: {}",
            if failures.is_empty() {
                "pass".to_string()
            } else {
                format!("FAIL: {}", failures.join("; "))
            }
        );
        Verdict { failures, text }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(rss: &[u64]) -> Vec<Row> {
        rss.iter()
            .enumerate()
            .map(|(i, &rss_kib)| Row {
                audio_s: i as f64 * 60.0,
                wall_s: i as f64,
                rss_kib,
                ..Row::default()
            })
            .collect()
    }

    #[test]
    fn flat_memory_after_warmup_passes_and_growth_fails() {
        let mut flat = vec![9000; 20];
        flat[0] = 5000; // warm-up growth does not count
        let v = Verdict::judge("t", &rows(&flat));
        assert!(v.failures.is_empty(), "{:?}", v.failures);
        assert!(v.text.contains("verdict: pass"));
        let growing: Vec<u64> = (0..20).map(|i| 9000 + i * 200).collect();
        let v = Verdict::judge("t", &rows(&growing));
        assert_eq!(v.failures.len(), 1, "{:?}", v.failures);
        assert!(v.failures[0].starts_with("memory grew"));
    }

    #[test]
    fn rows_round_trip_through_csv() {
        let row = Row {
            audio_s: 5.0,
            wall_s: 0.25,
            rss_kib: 9000,
            cpu_s: 1.5,
            cpu_percent: 99.5,
            dsp_load: 0.0625,
            voices: 3,
            messages: 10,
            peak: 0.5,
            ..Row::default()
        };
        assert_eq!(Row::parse(&row.csv()), Some(row));
        assert_eq!(Row::parse(HEADER), None);
    }

    #[test]
    fn nan_allocation_and_panic_fail() {
        let mut r = rows(&[9000; 5]);
        r[4].nonfinite = 3;
        r[4].audio_allocations = 1;
        r[4].panics = 2;
        let v = Verdict::judge("t", &r);
        assert_eq!(v.failures.len(), 3, "{:?}", v.failures);
        assert_eq!(HEADER.split(',').count(), r[0].csv().split(',').count());
    }
}
