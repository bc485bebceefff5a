//! `chronus render --engine supercollider`: the whole patch (instruments and main graph)
//! rendered by `scsynth -N` from a score of its notes, into the same 32-bit float stereo
//! WAV `render` writes, of exactly the requested length.
//!
//! scsynth runs with 2 outputs, no inputs, no synthdef folder (`-D 0`), 64 MB of real-time
//! memory (`-m 65536`: delay lines of every voice), its default 64-frame control block,
//! at the render's sample rate. Anything it prints as a `FAILURE` or `ERROR` fails the
//! render with those lines.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chronus_modules::Registry;

use crate::config::Config;
use crate::graph::NoteTable;
use crate::host::note_spec::NoteSpec;
use crate::host::wav::{read_wav, write_wav};
use crate::patch::scope::instruments;
use crate::patch::{PatchDesc, SourceMap};

use super::patch_defs::{lines, patch_defs, patch_name};
use super::play::{render_events, PlayJob, Played};
use super::score::{nrt_score, Score, ScoreInstrument, ScoreParam};
use super::voices::Voices;

/// The program run for non-real-time renders.
pub const SCSYNTH: &str = "scsynth";

/// What to render.
#[derive(Clone, Debug)]
pub struct NrtRender<'a> {
    /// The patch file (for positions in errors and the def names).
    pub file: &'a Path,
    /// Its source map.
    pub map: &'a SourceMap,
    /// Seconds of audio.
    pub seconds: f64,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// The notes (`--notes`).
    pub notes: &'a [NoteSpec],
    /// `--seed`.
    pub seed: u64,
    /// The `--config` (its tuning and sequencer sections apply).
    pub config: &'a Config,
    /// The WAV file to write.
    pub out: &'a Path,
}

/// The score of a render of `desc`: its defs, the notes of `--notes` and of its sequencer
/// (as the engine plays them: [`render_events`]) on voice slots as the engine allocates
/// them ([`Voices`]), the sequencer's param moves, the config's tuning and the seed.
/// Refused, naming every module without a counterpart, before anything is built.
pub fn render_score(
    desc: &PatchDesc,
    registry: &Registry,
    job: &NrtRender,
) -> Result<Vec<u8>, String> {
    if !(job.seconds.is_finite() && job.seconds > 0.0 && job.seconds <= 86_400.0) {
        return Err(format!(
            "--seconds {} must be greater than 0 and at most 86400",
            job.seconds
        ));
    }
    let name = job.file.display().to_string();
    let prefix = patch_name(desc, Some(job.file));
    let defs = patch_defs(desc, registry, Some(job.map), Some(&name), &prefix).map_err(lines)?;
    if let Err(missing) = &defs.main {
        return Err(lines(missing.clone()));
    }
    let sr = f64::from(job.sample_rate);
    let frames = (job.seconds * sr).round() as u64;
    let played = render_events(
        desc,
        registry,
        &PlayJob {
            notes: job.notes,
            seed: job.seed,
            config: job.config,
            sample_rate: job.sample_rate,
            frames,
        },
    )?;
    let insts: Vec<_> = instruments(desc).collect();
    let ids: Vec<&str> = insts.iter().map(|(_, id, _)| *id).collect();
    let mut voices: Vec<Voices> = insts
        .iter()
        .map(|(_, _, inst)| Voices::new(inst.count, inst.steal, job.sample_rate))
        .collect();
    let mut params: Vec<ScoreParam> = Vec::new();
    for event in played {
        match event {
            Played::NoteOn {
                time,
                instrument,
                note,
                velocity,
            } => voices[instrument].note_on(note, velocity, time),
            Played::NoteOff {
                time,
                instrument,
                note,
            } => voices[instrument].note_off(note, time),
            Played::Param {
                time,
                home,
                name,
                value,
            } => params.push((time, home, name, value)),
        }
    }
    let tuning = NoteTable::new(job.config.tuning.a4);
    let score = Score {
        defs: &defs,
        ids: &ids,
        instruments: insts
            .iter()
            .zip(voices)
            .map(|((_, _, inst), v)| ScoreInstrument {
                slots: inst.count.max(1),
                commands: v.into_commands(),
            })
            .collect(),
        params,
        tuning: &tuning,
        seed: job.seed,
        sample_rate: job.sample_rate,
        frames,
    };
    nrt_score(&score).map_err(|e| e.to_string())
}

/// Renders `desc` on scsynth ([`render_score`] through `scsynth -N`), into `job.out`.
pub fn render_nrt(desc: &PatchDesc, registry: &Registry, job: &NrtRender) -> Result<(), String> {
    let score = render_score(desc, registry, job)?;
    let frames = (job.seconds * f64::from(job.sample_rate)).round() as u64;
    let dir = TempDir::new()?;
    let score_path = dir.0.join("score.osc");
    let wav = dir.0.join("scsynth.wav");
    std::fs::write(&score_path, score).map_err(|e| format!("{}: {e}", score_path.display()))?;
    run_scsynth(&score_path, &wav, job.sample_rate)?;
    let (_, channels) = read_wav(&wav).map_err(|e| e.to_string())?;
    let fit = |c: Option<&Vec<f32>>| {
        let mut v = c.cloned().unwrap_or_default();
        v.resize(frames as usize, 0.0);
        v
    };
    let (left, right) = (fit(channels.first()), fit(channels.get(1)));
    write_wav(job.out, job.sample_rate, &left, &right).map_err(|e| e.to_string())
}

/// `scsynth -N score _ wav rate WAV float`, failing on a non-zero exit or any line of its
/// output saying `FAILURE` or `ERROR`.
fn run_scsynth(score: &Path, wav: &Path, sample_rate: u32) -> Result<(), String> {
    let output = Command::new(SCSYNTH)
        .args(["-o", "2", "-i", "0", "-D", "0", "-m", "65536", "-N"])
        .arg(score)
        .arg("_")
        .arg(wav)
        .args([&sample_rate.to_string(), "WAV", "float"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {SCSYNTH} (install supercollider-server): {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let failures: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("FAILURE") || l.contains("ERROR"))
        .collect();
    if !failures.is_empty() {
        return Err(format!("{SCSYNTH} -N: {}", failures.join("; ")));
    }
    if !output.status.success() {
        return Err(format!("{SCSYNTH} -N failed ({})", output.status));
    }
    Ok(())
}

/// A folder of our own under the system's temporary folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir, String> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "chronus-nrt-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
