//! Offline rendering: the very same [`Engine`](crate::engine::Engine) and
//! [`Controller`](crate::control::Controller) as live play, started the same way
//! ([`setup::start`]: seed, the config's sequencer and tuning sections) and driven by a loop
//! instead of a sound card. Notes are sent as sample-timed events, so a render is
//! sample-accurate and bit-identical for the same patch, seed, config and notes.

use std::io::{IsTerminal, Write};

use chronus_modules::Registry;
use thiserror::Error;

use super::note_spec::NoteSpec;
use super::setup;
use crate::config::Config;
use crate::control::{ControlError, NoteTarget};
use crate::patch::{self, PatchDesc};

/// What to render.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderOptions {
    /// Length in seconds.
    pub seconds: f64,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Seed for every random choice (noise, random LFOs).
    pub seed: u64,
    /// Notes to play.
    pub notes: Vec<NoteSpec>,
    /// Show progress on stderr when it is a terminal.
    pub progress: bool,
    /// The `--config` file, as `chronus play` takes it. Its `sequencer` section (the
    /// sequencer's defaults, which a patch's `sequence` section overrides for its musical
    /// fields) and `tuning` section apply; `midi` and `router` act on MIDI input, which a
    /// render has none of.
    pub config: Config,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            seconds: 1.0,
            sample_rate: 48_000,
            seed: 0,
            notes: Vec::new(),
            progress: false,
            config: Config::default(),
        }
    }
}

/// Rendered stereo audio.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Left channel.
    pub left: Vec<f32>,
    /// Right channel.
    pub right: Vec<f32>,
}

/// Why a render could not start.
#[derive(Debug, Error)]
pub enum RenderError {
    /// The patch or a note was refused.
    #[error("{0}")]
    Control(#[from] ControlError),
    /// A note names an instrument the patch does not have.
    #[error("--notes: the patch has no instrument \"{name}\"; instruments: {}", if .known.is_empty() { "none".to_string() } else { .known.join(", ") })]
    UnknownInstrument {
        /// The name given.
        name: String,
        /// The patch's instruments.
        known: Vec<String>,
    },
    /// Notes given for a patch without voices.
    #[error("--notes: the patch has no voice or instruments to play notes on")]
    NoInstruments,
    /// Length or sample rate out of range.
    #[error("{0}")]
    Options(String),
}

/// Frames rendered between two checks of the note schedule: the notes due in a chunk are
/// sent before it is rendered, so the engine (and the sequencer's idle machine, for which
/// every note is interaction) sees them arrive at the chunk's first sample.
pub const CHUNK: usize = 1_024;

/// Renders `desc` offline.
pub fn render(
    desc: PatchDesc,
    registry: Registry,
    options: &RenderOptions,
) -> Result<Rendered, RenderError> {
    if !(options.seconds.is_finite() && options.seconds > 0.0 && options.seconds <= 86_400.0) {
        return Err(RenderError::Options(format!(
            "--seconds {} must be greater than 0 and at most 86400",
            options.seconds
        )));
    }
    let sr = options.sample_rate as f64;
    let schedule = schedule(&desc, &options.notes, sr)?;
    let (mut engine, mut control) = setup::start(
        registry,
        options.sample_rate,
        options.seed,
        desc,
        &options.config,
    )?;

    let total = (options.seconds * sr).round() as usize;
    let mut left = vec![0.0; total];
    let mut right = vec![0.0; total];
    let mut next = 0;
    let show = options.progress && std::io::stderr().is_terminal() && options.seconds >= 5.0;
    let mut shown = usize::MAX;
    for start in (0..total).step_by(CHUNK) {
        let end = (start + CHUNK).min(total);
        while next < schedule.len() && schedule[next].time < end as u64 {
            let e = &schedule[next];
            if e.on {
                control.note_on(&e.target, e.note, e.velocity, Some(e.time))?;
            } else {
                control.note_off(&e.target, e.note, Some(e.time))?;
            }
            next += 1;
        }
        engine.process(&mut left[start..end], &mut right[start..end]);
        control.collect_garbage();
        // Sequencer cues are for live listeners; a render only keeps the ring empty.
        while control.pop_cue().is_some() {}
        if show {
            let percent = end * 100 / total;
            if percent != shown {
                shown = percent;
                eprint!(
                    "\rrendering {:.1} s of {:.1} s ({percent}%)",
                    end as f64 / sr,
                    options.seconds
                );
                let _ = std::io::stderr().flush();
            }
        }
    }
    if show {
        eprintln!();
    }
    Ok(Rendered {
        sample_rate: options.sample_rate,
        left,
        right,
    })
}

/// One note event of the schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct Scheduled {
    /// Sample of the event.
    pub time: u64,
    /// A note-on (else a note-off).
    pub on: bool,
    /// The instrument it is for.
    pub target: NoteTarget,
    /// MIDI note number.
    pub note: u8,
    /// Velocity 0..1 (0 for a note-off).
    pub velocity: f32,
}

/// Note-ons and note-offs in time order (at the same sample, offs first so a repeated
/// note retriggers). Unknown instruments are refused before anything renders.
pub fn schedule(
    desc: &PatchDesc,
    notes: &[NoteSpec],
    sr: f64,
) -> Result<Vec<Scheduled>, RenderError> {
    let known: Vec<String> = patch::scope::instruments(desc)
        .map(|(_, id, _)| id.to_string())
        .collect();
    if !notes.is_empty() && known.is_empty() {
        return Err(RenderError::NoInstruments);
    }
    let mut events = Vec::with_capacity(notes.len() * 2);
    for n in notes {
        let target = match &n.instrument {
            None => NoteTarget::Default,
            Some(name) if known.contains(name) => NoteTarget::Instrument(name.clone()),
            Some(name) => {
                return Err(RenderError::UnknownInstrument {
                    name: name.clone(),
                    known,
                })
            }
        };
        let on = (n.start * sr).round() as u64;
        let off = ((n.start + n.duration) * sr).round().max(on as f64 + 1.0) as u64;
        events.push(Scheduled {
            time: on,
            on: true,
            target: target.clone(),
            note: n.note,
            velocity: n.velocity,
        });
        events.push(Scheduled {
            time: off,
            on: false,
            target,
            note: n.note,
            velocity: 0.0,
        });
    }
    events.sort_by_key(|e| (e.time, e.on));
    Ok(events)
}
