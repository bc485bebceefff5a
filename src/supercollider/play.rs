//! What a render plays, as timed events for the score: the `--notes` schedule and the
//! notes and param moves of the patch's sequencer, each at the sample the internal engine
//! plays it.
//!
//! The sequencer is the engine's own [`Conductor`](crate::seq::Conductor), built as a
//! commit builds it (the same seed, the `--config`'s sequencer defaults, the graph's
//! layouts for its param lanes) and run here alone, without the DSP: at each sample it
//! asks for ([`next_time`](crate::seq::Conductor::next_time)) it plays what is due, as
//! `Engine::process` makes it do. Its timing depends on nothing the engine computes, only
//! on the interaction it is told of: the render sends each chunk's notes before rendering
//! that chunk ([`CHUNK`]), so every note is interaction at its chunk's first sample, here
//! too. A run of the same patch, seed and config therefore plays the same notes at the
//! same samples on both engines.

use chronus_modules::Registry;

use crate::address::{LiveTarget, ProgramRef};
use crate::config::Config;
use crate::control::sequencer_build::{build_conductor, lane_names, BuildInputs};
use crate::control::NoteTarget;
use crate::graph::{self, CompileOptions};
use crate::host::note_spec::NoteSpec;
use crate::host::render::{schedule, CHUNK};
use crate::patch::scope::instruments;
use crate::patch::PatchDesc;
use crate::seq::{Cue, SeqEvent, SeqStatus};

/// Where a param move goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamHome {
    /// The main graph.
    Main,
    /// Every voice of the instrument at this index (patch order).
    Instrument(usize),
}

/// One event of a render, at its sample.
#[derive(Clone, Debug, PartialEq)]
pub enum Played {
    /// A note starts on the instrument at `instrument` (patch order).
    NoteOn {
        /// Sample.
        time: u64,
        /// Instrument index.
        instrument: usize,
        /// MIDI note.
        note: u8,
        /// 0..1.
        velocity: f32,
    },
    /// A note is released.
    NoteOff {
        /// Sample.
        time: u64,
        /// Instrument index.
        instrument: usize,
        /// MIDI note.
        note: u8,
    },
    /// A param lane of the sequencer moves (mutation, the ambient profile).
    Param {
        /// Sample.
        time: u64,
        /// Which graph.
        home: ParamHome,
        /// `"{module}.{param}"`, the name of its SynthDef control.
        name: String,
        /// The value, in the param's unit.
        value: f32,
    },
}

impl Played {
    /// The event's sample.
    pub fn time(&self) -> u64 {
        match self {
            Played::NoteOn { time, .. } | Played::NoteOff { time, .. } => *time,
            Played::Param { time, .. } => *time,
        }
    }
}

/// What [`render_events`] plays.
#[derive(Clone, Copy, Debug)]
pub struct PlayJob<'a> {
    /// The `--notes`.
    pub notes: &'a [NoteSpec],
    /// `--seed`.
    pub seed: u64,
    /// The `--config` (its sequencer section).
    pub config: &'a Config,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Samples rendered: events at or after it are left out.
    pub frames: u64,
}

/// Every note and sequencer param move of a render of `desc`, in time order (at one
/// sample: the `--notes` first, offs before ons, then the sequencer's in its order).
pub fn render_events(
    desc: &PatchDesc,
    registry: &Registry,
    job: &PlayJob,
) -> Result<Vec<Played>, String> {
    let sr = f64::from(job.sample_rate);
    let ids: Vec<&str> = instruments(desc).map(|(_, id, _)| id).collect();
    let index = |target: &NoteTarget| match target {
        NoteTarget::Instrument(id) => ids.iter().position(|i| i == id).unwrap_or(0),
        _ => 0,
    };
    let notes: Vec<Played> = schedule(desc, job.notes, sr)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|e| e.time < job.frames)
        .map(|e| match e.on {
            true => Played::NoteOn {
                time: e.time,
                instrument: index(&e.target),
                note: e.note,
                velocity: e.velocity,
            },
            false => Played::NoteOff {
                time: e.time,
                instrument: index(&e.target),
                note: e.note,
            },
        })
        .collect();
    let mut out = Vec::with_capacity(notes.len());
    let Some(seq) = &desc.sequence else {
        return Ok(notes);
    };
    let compiled = graph::compile(
        desc,
        registry,
        CompileOptions {
            sample_rate: job.sample_rate as f32,
            revision: 1,
            seed: job.seed,
            previous: None,
            outside: &[],
        },
    )
    .map_err(|e| e.to_string())?;
    let Some(mut conductor) = build_conductor(BuildInputs {
        desc,
        registry,
        layouts: &compiled.layouts,
        // No instrument is played outside the score: every lane targets the graph.
        backend_params: &Default::default(),
        backend_starts: &Default::default(),
        config: &job.config.sequencer,
        revision: 1,
        seed: job.seed,
        sample_rate: job.sample_rate as f32,
    })
    .map_err(|e| e.to_string())?
    else {
        return Ok(notes);
    };
    // Each lane's home in the score (`None`: a backend's param, which no score plays).
    let lanes: Vec<Option<(ParamHome, String)>> = lane_names(seq)
        .iter()
        .zip(&conductor.params)
        .map(|((name, _), lane)| {
            let LiveTarget::Graph(target) = lane.target else {
                return None;
            };
            let home = match target.program {
                ProgramRef::Main => ParamHome::Main,
                ProgramRef::Instrument(k) => ParamHome::Instrument(usize::from(k)),
            };
            Some((home, name.to_string()))
        })
        .collect();
    let keys: Vec<_> = ids
        .iter()
        .map(|id| crate::address::InstrumentKey::of(id))
        .collect();
    // The engine starts a conductor that no other ran before at the swap's sample (0).
    conductor.start_at(0);
    let status = SeqStatus::default();
    let (mut cues, mut cues_out) = rtrb::RingBuffer::<Cue>::new(256);
    // The config's tuning reaches the engine as an event at sample 0: interaction.
    let mut interactions: Vec<(u64, bool)> = Vec::new();
    if job.config.tuning.a4 != graph::tuning::DEFAULT_A4 {
        interactions.push((0, false));
    }
    interactions.extend(notes.iter().map(|n| {
        let chunk = n.time() - n.time() % CHUNK as u64;
        (chunk, matches!(n, Played::NoteOn { .. }))
    }));
    let mut pending = interactions.into_iter().peekable();
    let mut queued = notes.into_iter().peekable();
    let mut now = 0;
    loop {
        // Interaction arrives at a chunk's first sample, before the conductor runs there.
        let next = conductor.next_time().max(now);
        while let Some(&(at, note)) = pending.peek() {
            if at > next {
                break;
            }
            conductor.interaction(at, note, &status, &mut cues);
            pending.next();
        }
        let next = conductor.next_time().max(now);
        if next >= job.frames {
            break;
        }
        while let Some(n) = queued.next_if(|n| n.time() <= next) {
            out.push(n);
        }
        conductor.run(next, &status, &mut cues);
        while let Some(event) = conductor.pop_event() {
            out.push(match event {
                SeqEvent::NoteOn {
                    instrument,
                    note,
                    velocity,
                } => match keys.iter().position(|k| *k == instrument) {
                    Some(i) => Played::NoteOn {
                        time: next,
                        instrument: i,
                        note,
                        velocity,
                    },
                    None => continue,
                },
                SeqEvent::NoteOff { instrument, note } => {
                    match keys.iter().position(|k| *k == instrument) {
                        Some(i) => Played::NoteOff {
                            time: next,
                            instrument: i,
                            note,
                        },
                        None => continue,
                    }
                }
                SeqEvent::SetParam { target, value } => {
                    let lane = conductor.params.iter().position(|l| l.target == target);
                    match lane.and_then(|i| lanes[i].as_ref()) {
                        Some((home, name)) => Played::Param {
                            time: next,
                            home: *home,
                            name: name.clone(),
                            value,
                        },
                        None => continue,
                    }
                }
            });
        }
        while conductor.pop_clock().is_some() {}
        while cues_out.pop().is_ok() {}
        now = next + 1;
    }
    out.extend(queued);
    Ok(out)
}
