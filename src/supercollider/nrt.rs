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

use crate::host::note_spec::NoteSpec;
use crate::host::wav::{read_wav, write_wav};
use crate::patch::scope::instruments;
use crate::patch::{PatchDesc, SourceMap};

use super::patch_defs::{lines, patch_defs, patch_name};
use super::score::{nrt_score, ScoreNote};

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
    /// The WAV file to write.
    pub out: &'a Path,
}

/// Equal-tempered frequency of a MIDI note (A4 = 440 Hz).
pub fn note_hz(note: u8) -> f32 {
    440.0 * 2f32.powf((f32::from(note) - 69.0) / 12.0)
}

/// Renders `desc` on scsynth. Refused, naming every module without a counterpart, before
/// anything runs.
pub fn render_nrt(desc: &PatchDesc, registry: &Registry, job: &NrtRender) -> Result<(), String> {
    let name = job.file.display().to_string();
    let prefix = patch_name(desc, Some(job.file));
    let defs = patch_defs(desc, registry, Some(job.map), Some(&name), &prefix).map_err(lines)?;
    if let Err(missing) = &defs.main {
        return Err(lines(missing.clone()));
    }
    let sr = f64::from(job.sample_rate);
    let ids: Vec<&str> = instruments(desc).map(|(_, id, _)| id).collect();
    let mut notes = Vec::new();
    for n in job.notes {
        let instrument = match &n.instrument {
            None if ids.is_empty() => continue,
            None => 0,
            Some(id) => ids
                .iter()
                .position(|i| i == id)
                .ok_or_else(|| format!("--notes: the patch has no instrument {id:?}"))?,
        };
        let on = (n.start * sr).round() as u64;
        let off = ((n.start + n.duration) * sr).round().max(on as f64 + 1.0) as u64;
        notes.push(ScoreNote {
            instrument,
            on,
            off,
            freq: note_hz(n.note),
            velocity: n.velocity,
        });
    }
    let frames = (job.seconds * sr).round() as u64;
    let score =
        nrt_score(&defs, &ids, &notes, job.sample_rate, frames).map_err(|e| e.to_string())?;
    if !(job.seconds.is_finite() && job.seconds > 0.0 && job.seconds <= 86_400.0) {
        return Err(format!(
            "--seconds {} must be greater than 0 and at most 86400",
            job.seconds
        ));
    }
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
