//! `chronus soak`: hours of a playing engine under seeded random control traffic, sampled
//! every few seconds, judged by the invariants a Pi left alone for a day must keep.
//!
//! - [`traffic`]: the seeded OSC/MIDI/sequencer traffic (notes, CCs, `/mod` sweeps,
//!   commits of edited patches, sequencer changes, idle periods).
//! - [`rig`]: the control side: engine, controller, router and the OSC packet handler.
//! - [`audio`]: the audio side: the player's own callback, allocations counted, output
//!   checked; offline, or paced in real time as the null host paces it.
//! - [`probe`]: this process's RSS and CPU time.
//! - [`record`]: the CSV rows and the verdict (`summary.txt`).
//! - [`plot`]: the SVG plot.
//!
//! Two ways to run: **accelerated** (default: the engine renders as fast as it can, so
//! 10 hours of audio take minutes) and **real time** (`--realtime`: the callback paced at
//! the buffer period on a thread of its own while the traffic arrives from the soak's
//! control thread, as OSC does in `chronus play`).

pub mod audio;
pub mod plot;
pub mod probe;
pub mod record;
pub mod rig;
pub mod traffic;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chronus_modules::Registry;

use audio::{render_counted, AudioProbe, PacedAudio, CHANNELS};
use record::{CsvFile, Row, Verdict};
use rig::Rig;

use crate::control::ControlError;
use crate::host::audio_callback::{AudioCallback, CallbackCore, Shared};
use crate::patch::PatchDesc;

/// How often the real-time control loop wakes up (as the player's tick).
const TICK: Duration = Duration::from_millis(20);

/// How a soak runs.
#[derive(Clone, Debug, PartialEq)]
pub struct SoakOptions {
    /// The patch's name, for the summary.
    pub patch_name: String,
    /// Hours of audio (accelerated) or of wall time (real time).
    pub hours: f64,
    /// Real time on a paced thread instead of as fast as possible.
    pub realtime: bool,
    /// Folder for `soak.csv`, `soak.svg` and `summary.txt` (created if missing).
    pub out: PathBuf,
    /// Seed of the patch and of the traffic.
    pub seed: u64,
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Frames per callback.
    pub buffer: u32,
    /// Seconds (of audio offline, of wall time in real time) between two CSV rows.
    pub sample_every: f64,
    /// Print a progress line every tenth of the run.
    pub progress: bool,
}

/// Why a soak could not run (a soak that ran and broke an invariant is a [`Verdict`]).
#[derive(Debug, thiserror::Error)]
pub enum SoakError {
    /// `--hours` or `--sample-every` is not a positive number.
    #[error("error: --{what} {value} must be a positive number")]
    NotPositive {
        /// Which option.
        what: &'static str,
        /// Its value.
        value: f64,
    },
    /// The output folder or a file in it could not be written.
    #[error("error: cannot write {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The patch could not be loaded into the engine.
    #[error("error: {0}")]
    Control(#[from] ControlError),
}

/// What a finished soak wrote and concluded.
#[derive(Debug)]
pub struct SoakReport {
    /// The invariants and figures.
    pub verdict: Verdict,
    /// `soak.csv`.
    pub csv: PathBuf,
    /// `soak.svg`.
    pub svg: PathBuf,
    /// `summary.txt`.
    pub summary: PathBuf,
}

/// Runs a soak of `desc` until its hours pass or `stop` is set, then writes the plot and
/// the summary (a stopped soak is judged on the rows it has).
pub fn run(
    desc: PatchDesc,
    registry: &Registry,
    options: &SoakOptions,
    stop: &AtomicBool,
) -> Result<SoakReport, SoakError> {
    for (what, value) in [
        ("hours", options.hours),
        ("sample-every", options.sample_every),
    ] {
        if !(value.is_finite() && value > 0.0) {
            return Err(SoakError::NotPositive { what, value });
        }
    }
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| SoakError::Io { path, source }
    };
    std::fs::create_dir_all(&options.out).map_err(io(&options.out))?;
    let csv_path = options.out.join("soak.csv");
    let mut csv = CsvFile::create(&csv_path).map_err(io(&csv_path))?;
    let (rig, engine) = Rig::new(
        desc,
        registry,
        options.sample_rate,
        options.seed,
        options.out.clone(),
        Rig::no_host(),
    )?;
    let core = CallbackCore::new(engine, options.sample_rate as f32, None);
    let shared = core.shared().clone();
    let callback = AudioCallback::new(core);
    // The rows go to the file only (read back at the end): the soak's own bookkeeping must
    // not show up as growth in the RSS it measures.
    let mut soak = Soak {
        rig,
        probe: Arc::new(AudioProbe::default()),
        shared,
        options,
        realtime_line: String::new(),
        started: Instant::now(),
        last: Row::default(),
        last_busy_ns: 0,
    };
    let mut push =
        |_: &mut Soak, row: Row| -> Result<(), SoakError> { csv.push(&row).map_err(io(&csv_path)) };
    if options.realtime {
        soak.realtime(callback, stop, &mut push)?;
    } else {
        soak.accelerated(callback, stop, &mut push)?;
    }
    let title = format!(
        "chronus soak {} ({}, seed {}, {} Hz, {}-frame buffers)",
        options.patch_name,
        if options.realtime {
            "real time"
        } else {
            "accelerated"
        },
        options.seed,
        options.sample_rate,
        options.buffer
    );
    drop(csv);
    let rows = record::read_csv(&csv_path).map_err(io(&csv_path))?;
    let mut verdict = Verdict::judge(&title, &rows);
    if !crate::bench::counting_installed() {
        // A count of 0 proves nothing unless the counting allocator is installed (the
        // `chronus` binary installs it).
        let line = "audio-thread allocations were not counted (the counting allocator is \
                    not this program's global allocator)";
        verdict.failures.push(line.into());
        verdict.text.push_str(&format!("verdict: FAIL: {line}\n"));
    }
    if !soak.realtime_line.is_empty() {
        verdict.text.push_str(&format!("{}\n", soak.realtime_line));
    }
    let t = soak.rig.traffic();
    verdict.text.push_str(&format!(
        "traffic by kind: {} notes, {} CCs, {} /mod, {} commits, {} /seq, {} idle periods\n",
        t.notes, t.ccs, t.mods, t.commits, t.seq, t.idles
    ));
    let svg_path = options.out.join("soak.svg");
    std::fs::write(&svg_path, plot::svg(&title, &rows)).map_err(io(&svg_path))?;
    let summary_path = options.out.join("summary.txt");
    std::fs::write(&summary_path, &verdict.text).map_err(io(&summary_path))?;
    Ok(SoakReport {
        verdict,
        csv: csv_path,
        svg: svg_path,
        summary: summary_path,
    })
}

/// A soak under way.
struct Soak<'a> {
    rig: Rig,
    probe: Arc<AudioProbe>,
    shared: Arc<Shared>,
    options: &'a SoakOptions,
    /// What the real-time soak's audio thread got (`service::realtime`).
    realtime_line: String,
    started: Instant,
    last: Row,
    last_busy_ns: u64,
}

/// Where rows go.
type PushRow<'p> = dyn FnMut(&mut Soak, Row) -> Result<(), SoakError> + 'p;

impl Soak<'_> {
    /// As fast as the engine renders: the traffic due before each buffer, the buffer, and a
    /// row every `sample_every` seconds of audio.
    fn accelerated(
        &mut self,
        mut callback: AudioCallback,
        stop: &AtomicBool,
        push: &mut PushRow,
    ) -> Result<(), SoakError> {
        let sr = self.options.sample_rate as f64;
        let buffer = self.options.buffer.max(1) as usize;
        let total = (self.options.hours * 3600.0 * sr) as u64;
        let every = (self.options.sample_every * sr) as u64;
        let mut data = vec![0.0f32; buffer * CHANNELS];
        let mut frames = 0u64;
        let mut next_row = every;
        let mut next_progress = 1;
        while frames < total && !stop.load(Ordering::Acquire) {
            self.rig.tick(frames as f64 / sr);
            render_counted(&mut callback, &mut data, &self.probe);
            frames += buffer as u64;
            if frames >= next_row {
                next_row += every;
                let row = self.row(frames as f64 / sr, false);
                push(self, row)?;
            }
            if self.options.progress && frames * 10 >= total * next_progress {
                eprintln!(
                    "soak: {}0% ({:.2} h of audio in {:.0} s)",
                    next_progress,
                    frames as f64 / sr / 3600.0,
                    self.started.elapsed().as_secs_f64()
                );
                next_progress += 1;
            }
        }
        let row = self.row(frames as f64 / sr, false);
        push(self, row)
    }

    /// In real time: the callback on its paced thread, the traffic and the rows from this
    /// one, every [`TICK`].
    fn realtime(
        &mut self,
        callback: AudioCallback,
        stop: &AtomicBool,
        push: &mut PushRow,
    ) -> Result<(), SoakError> {
        let o = self.options;
        let audio = PacedAudio::start(callback, o.sample_rate, o.buffer, self.probe.clone())
            .map_err(|source| SoakError::Io {
                path: "the soak's audio thread".into(),
                source,
            })?;
        // Real-time priority and locked memory, as `chronus play` asks for them.
        self.realtime_line = crate::service::promote_audio_thread(false).line();
        if o.progress {
            eprintln!("soak: {}", self.realtime_line);
        }
        let total = Duration::from_secs_f64(o.hours * 3600.0);
        let every = Duration::from_secs_f64(o.sample_every);
        let mut next_row = every;
        let mut next_progress = 1;
        let sr = o.sample_rate as f64;
        while !stop.load(Ordering::Acquire) {
            let elapsed = self.started.elapsed();
            if elapsed >= total {
                break;
            }
            let audio_s = self.probe.frames.load(Ordering::Relaxed) as f64 / sr;
            self.rig.tick(audio_s);
            if elapsed >= next_row {
                next_row += every;
                let row = self.row(audio_s, true);
                push(self, row)?;
            }
            if o.progress
                && elapsed.as_secs_f64() * 10.0 >= total.as_secs_f64() * next_progress as f64
            {
                eprintln!(
                    "soak: {next_progress}0% ({:.2} h)",
                    elapsed.as_secs_f64() / 3600.0
                );
                next_progress += 1;
            }
            std::thread::sleep(TICK);
        }
        drop(audio);
        let audio_s = self.probe.frames.load(Ordering::Relaxed) as f64 / sr;
        let row = self.row(audio_s, true);
        push(self, row)
    }

    /// A row now, at engine time `audio_s`.
    fn row(&mut self, audio_s: f64, realtime: bool) -> Row {
        let wall_s = self.started.elapsed().as_secs_f64();
        let cpu_s = probe::cpu_seconds().unwrap_or(0.0);
        let busy = self.probe.busy_ns.load(Ordering::Relaxed);
        let dsp_load = if realtime {
            self.shared.meter().load() as f64
        } else {
            let audio = (audio_s - self.last.audio_s).max(1e-9);
            (busy - self.last_busy_ns) as f64 * 1e-9 / audio
        };
        let (voices, commands_queued, graphs_in_engine) = self.rig.engine_figures();
        let meter = self.shared.meter();
        let row = Row {
            audio_s,
            wall_s,
            rss_kib: probe::rss_kib().unwrap_or(0),
            cpu_s,
            cpu_percent: (cpu_s - self.last.cpu_s) / (wall_s - self.last.wall_s).max(1e-9) * 100.0,
            dsp_load,
            voices,
            commands_queued,
            graphs_in_engine,
            messages: self.rig.messages,
            refused: self.rig.refused,
            cues: self.rig.cues,
            xruns: meter.xruns(),
            panics: meter.panics() + self.rig.control_panics(),
            nonfinite: self.probe.nonfinite.load(Ordering::Relaxed),
            audio_allocations: self.probe.allocations.load(Ordering::Relaxed),
            peak: self.probe.peak(),
        };
        self.last = row;
        self.last_busy_ns = busy;
        row
    }
}
