//! Applying one timed event at the engine's current sample: a param glide, a note, a
//! channel message, a retuning, a panic, or a command for the sequencer. Releases and
//! channel messages reach every graph still sounding (the running one and those fading
//! out). **Real-time safe.**

use super::block::Engine;
use super::command::{Event, TimedEvent};
use super::crossfade::Layer;
use super::note_cue::NoteCue;
use super::outbound::{OutEvent, OutboundEvent};
use super::stats::EngineStats;
use super::voice;
use crate::address::{InstrumentKey, ParamSlot, ProgramRef};
use crate::graph::{CompiledGraph, Instrument, NoteTable, Program};

impl Engine {
    /// Applies `e` now: to the conductor (a sequencer command) or to the running graph,
    /// and, for releases and channel messages, to the graphs fading out too. An event the
    /// graph cannot take (another revision's param, an unknown instrument) is counted in
    /// `events_ignored`.
    pub(super) fn apply(&mut self, e: TimedEvent) {
        let now = self.sample_time;
        if let Event::Sequencer(cmd) = e.event {
            match self.conductor.as_deref_mut() {
                Some(c) => c.command(cmd, now, &self.seq_status, &mut self.cues),
                None => EngineStats::bump(&self.stats.events_ignored),
            }
            return;
        }
        let Some(current) = self.current.as_mut() else {
            EngineStats::bump(&self.stats.events_ignored);
            return;
        };
        let instruments = current.graph.instruments.len();
        if let Some((key, out)) = outward(e.event) {
            let external = current
                .graph
                .instruments
                .iter()
                .position(|i| i.key == key && i.external);
            if let Some(index) = external {
                self.send_out(key, out);
                // An external synth's notes are cued and counted like the engine's own.
                if let Event::NoteOn { note, velocity, .. } = e.event {
                    self.note_started(index, note, velocity, now);
                }
                return;
            }
            if let Event::BackendParam { .. } = e.event {
                EngineStats::bump(&self.stats.events_ignored);
                return;
            }
        }
        if matches!(e.event, Event::AllNotesOff | Event::Panic) {
            let out = match e.event {
                Event::Panic => OutEvent::Panic,
                _ => OutEvent::AllNotesOff,
            };
            for i in 0..instruments {
                let inst = self.current.as_ref().map(|c| &c.graph.instruments[i]);
                if let Some(key) = inst.filter(|inst| inst.external).map(|inst| inst.key) {
                    self.send_out(key, out);
                }
            }
        }
        let Some(current) = self.current.as_mut() else {
            return;
        };
        let g = &mut *current.graph;
        match e.event {
            Event::SetParam { target, value } => {
                let applied = e.revision == g.revision
                    && match target.program {
                        ProgramRef::Main => set_param(&mut g.main, target.slot, value),
                        ProgramRef::Instrument(k) => match g.instruments.get_mut(k as usize) {
                            Some(inst) => inst
                                .voices
                                .iter_mut()
                                .all(|v| set_param(&mut v.program, target.slot, value)),
                            None => false,
                        },
                    };
                if !applied {
                    EngineStats::bump(&self.stats.events_ignored);
                }
            }
            Event::NoteOn {
                instrument,
                note,
                velocity,
            } => match g
                .instruments
                .iter_mut()
                .enumerate()
                .find(|(_, i)| i.key == instrument)
            {
                Some((index, inst)) => {
                    if !voice::note_on(inst, note, velocity, now) {
                        EngineStats::bump(&self.stats.notes_dropped);
                    } else {
                        self.note_started(index, note, velocity, now);
                    }
                }
                None => EngineStats::bump(&self.stats.events_ignored),
            },
            Event::NoteOff { instrument, note } => {
                for inst in everywhere(g, &mut self.fading, Some(instrument)) {
                    voice::note_off(inst, note, now);
                }
            }
            Event::Channel {
                instrument,
                message,
            } => {
                for inst in everywhere(g, &mut self.fading, Some(instrument)) {
                    voice::channel_message(inst, message, now);
                }
            }
            Event::Tuning { a4 } => {
                self.tuning = NoteTable::new(a4);
                for inst in everywhere(g, &mut self.fading, None) {
                    inst.controls.tuning = self.tuning;
                }
            }
            Event::AllNotesOff | Event::Panic => {
                for inst in everywhere(g, &mut self.fading, None) {
                    if e.event == Event::Panic {
                        voice::panic(inst);
                    } else {
                        voice::all_notes_off(inst, now);
                    }
                }
            }
            // Applied to the conductor before the graph is looked at; sent out above.
            Event::Sequencer(_) | Event::BackendParam { .. } => {}
        }
    }

    /// A note started on instrument `index` (voiced here or sent to its external synth):
    /// its note cue, and the sequencer's note count when the sequencer played it.
    /// **Real-time safe.**
    fn note_started(&mut self, index: usize, note: u8, velocity: f32, now: u64) {
        let cue = NoteCue {
            pitch: note,
            velocity: (velocity.clamp(0.0, 1.0) * 127.0).round() as u8,
            instrument: index as u16,
            sequencer: self.applying_sequencer,
            time: now,
        };
        if self.applying_sequencer {
            EngineStats::bump(&self.stats.sequencer_notes);
        }
        if self.note_cues.push(cue).is_err() {
            EngineStats::bump(&self.stats.note_cues_dropped);
        }
    }

    /// Sends `event` for the external instrument `key` out through the outbound ring, at
    /// this sample. **Real-time safe.**
    pub(super) fn send_out(&mut self, key: InstrumentKey, event: OutEvent) {
        let e = OutboundEvent {
            time: self.sample_time,
            instrument: key,
            event,
        };
        if self.outbound.push(&self.stats, e) {
            EngineStats::bump(&self.stats.outbound_sent);
        }
    }
}

/// The instrument an event is for and what an external one is told of it, for the events
/// an external instrument takes (notes, channel messages, backend params).
fn outward(event: Event) -> Option<(InstrumentKey, OutEvent)> {
    match event {
        Event::NoteOn {
            instrument,
            note,
            velocity,
        } => Some((instrument, OutEvent::NoteOn { note, velocity })),
        Event::NoteOff { instrument, note } => Some((instrument, OutEvent::NoteOff { note })),
        Event::Channel {
            instrument,
            message,
        } => Some((instrument, OutEvent::Channel(message))),
        Event::BackendParam {
            instrument,
            param,
            value,
            glide,
        } => Some((
            instrument,
            OutEvent::Param {
                param,
                value,
                glide,
            },
        )),
        _ => None,
    }
}

fn set_param(program: &mut Program, slot: ParamSlot, value: f32) -> bool {
    match slot {
        ParamSlot::Module { node, param } => match program.nodes.get_mut(node as usize) {
            Some(n) => n.retarget(param as usize, value),
            None => false,
        },
        ParamSlot::OutputVolume => {
            program.output.volume.set_target(value);
            true
        }
    }
}

/// The instruments `key` names (all of them for `None`) in the running graph `current`
/// and in every fading one: releases and channel messages reach a voice wherever it
/// still sounds. **Real-time safe.**
fn everywhere<'a>(
    current: &'a mut CompiledGraph,
    fading: &'a mut [Option<Layer>],
    key: Option<InstrumentKey>,
) -> impl Iterator<Item = &'a mut Instrument> + 'a {
    let fading = fading.iter_mut().flatten().map(|l| &mut *l.revision.graph);
    std::iter::once(current)
        .chain(fading)
        .flat_map(move |g| g.instruments.iter_mut())
        .filter(move |i| key.is_none_or(|k| i.key == k))
}
