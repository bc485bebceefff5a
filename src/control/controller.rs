//! [`Controller`]: the non-real-time frontend every control surface calls (CLI, OSC,
//! MIDI, sequencer). It holds the running patch and the standby slot, validates every
//! edit before it changes anything, compiles commits off the audio thread and turns live
//! changes and notes into sample-timed engine commands.
//!
//! Every method either does all it says or returns an error and changes nothing.

use std::sync::Arc;

use chronus_modules::{shortest_f64, ParamValue, Registry};

use super::error::ControlError;
use super::note_routes::{merge, NoteRoutes};
use super::scheduled::ScheduledChanges;
use super::sequence_edits::SequenceEdits;
use crate::engine::{
    ChannelMessage, EngineHandle, Event, InstrumentKey, ParamSlot, ParamTarget, ProgramRef,
    TimedEvent,
};
use crate::fault::Faults;
use crate::graph::{self, CompileOptions, Layout};
use crate::patch::{self, implicit, Connection, ModuleDesc, PatchDesc, PortRef, Scope};
use crate::seq::build::{build_conductor, split_param, BuildInputs};
use crate::seq::{SeqCommand, SequencerConfig};

/// Who a note is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NoteTarget {
    /// The first instrument of the patch.
    Default,
    /// The instrument with this id (`voices` for the `voice` shorthand).
    Instrument(String),
    /// Every instrument listening to this MIDI channel (1–16).
    Channel(u8),
}

/// The control side of one engine.
pub struct Controller {
    registry: Registry,
    engine: EngineHandle,
    running: PatchDesc,
    standby: PatchDesc,
    revision: u64,
    seed: u64,
    /// Layouts of the last graph sent (what the engine runs once it has taken it).
    layouts: Vec<Layout>,
    /// Sequencer defaults (the `sequencer` section of the config).
    sequencer: SequencerConfig,
    /// Where each sounding note and held pedal went (their releases go there too).
    routes: NoteRoutes,
    /// The live sequencer edits of the running `sequence` section.
    sequence_edits: SequenceEdits,
    /// Live param changes sent for a later sample (a commit reports those it drops).
    scheduled: ScheduledChanges,
    /// Panics caught on the control threads that share this controller.
    faults: Arc<Faults>,
}

impl Controller {
    /// A controller with an empty patch; nothing plays until [`load`](Self::load) or a
    /// [`commit`](Self::commit).
    pub fn new(registry: Registry, engine: EngineHandle) -> Self {
        Controller {
            registry,
            engine,
            running: PatchDesc::default(),
            standby: PatchDesc::default(),
            revision: 0,
            seed: 0,
            layouts: Vec::new(),
            sequencer: SequencerConfig::default(),
            routes: NoteRoutes::default(),
            sequence_edits: SequenceEdits::default(),
            scheduled: ScheduledChanges::default(),
            faults: Arc::default(),
        }
    }

    /// The fault counter of every control thread sharing this controller (OSC, MIDI,
    /// recorder): each contains its panics with [`Faults::contain`] and counts them here.
    pub fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }

    /// Sets the sequencer defaults used by the next commits (a patch's `sequence` section
    /// overrides the musical fields). Refused, changing nothing, when a value is out of
    /// range (the message names the field).
    pub fn set_sequencer_config(&mut self, config: SequencerConfig) -> Result<(), ControlError> {
        config
            .check()
            .map_err(|e| ControlError::Sequencer(e.message))?;
        self.sequencer = config;
        Ok(())
    }

    /// The sequencer defaults.
    pub fn sequencer_config(&self) -> &SequencerConfig {
        &self.sequencer
    }

    /// Sets the patch seed used by the next commits (noise, random LFO steps).
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    /// The module registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The patch playing now (as of the last commit).
    pub fn running(&self) -> &PatchDesc {
        &self.running
    }

    /// The running patch as it plays, what `/patch/save` and `/patch/dump` write: with
    /// the live sequencer edits (tempo, swing, density, drift, scale, root, length, steps,
    /// Euclidean refills) in its `sequence` section. See [`SequenceEdits`].
    pub fn running_as_played(&self) -> PatchDesc {
        let mut patch = self.running.clone();
        if let Some(section) = &self.running.sequence {
            patch.sequence = Some(self.sequence_edits.section(section).clone());
        }
        patch
    }

    /// The standby slot: the running patch plus edits not yet committed.
    pub fn standby(&self) -> &PatchDesc {
        &self.standby
    }

    /// Revision of the last commit (0 before the first).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The engine handle (stats, sample clock).
    pub fn engine(&self) -> &EngineHandle {
        &self.engine
    }

    /// The next sequencer cue the engine reported (mutations, idle switches, scale
    /// changes), if any. Call it now and then: a full event-out ring drops (and counts) cues.
    pub fn pop_cue(&mut self) -> Option<crate::seq::Cue> {
        self.engine.pop_cue()
    }

    /// Drops graphs the engine has finished with. Call it now and then.
    pub fn collect_garbage(&mut self) -> usize {
        self.engine.collect_garbage()
    }

    /// Puts `desc` in the standby slot and commits it. On error nothing changes.
    pub fn load(&mut self, desc: PatchDesc) -> Result<u64, ControlError> {
        let previous = std::mem::replace(&mut self.standby, desc);
        self.commit().inspect_err(|_| self.standby = previous)
    }

    /// Compiles the standby patch and sends it to the engine, which swaps it in at its next
    /// block boundary. Returns the new revision.
    pub fn commit(&mut self) -> Result<u64, ControlError> {
        let revision = self.revision + 1;
        let previous = self.layouts_to_follow();
        let mut compiled = graph::compile(
            &self.standby,
            &self.registry,
            CompileOptions {
                sample_rate: self.engine.sample_rate(),
                revision,
                seed: self.seed,
                previous: (!previous.is_empty()).then_some(previous.as_slice()),
            },
        )?;
        compiled.conductor = build_conductor(BuildInputs {
            desc: &self.standby,
            registry: &self.registry,
            layouts: &compiled.layouts,
            config: &self.sequencer,
            revision,
            seed: self.seed,
            sample_rate: self.engine.sample_rate(),
        })?
        .map(Box::new);
        let layouts = compiled.layouts.clone();
        let lineage = compiled.lineage.clone();
        self.engine.send_graph(Box::new(compiled))?;
        self.revision = revision;
        self.layouts = layouts;
        let now = self.engine.sample_time();
        for dropped in self.scheduled.follow(lineage.as_ref(), revision, now) {
            tracing::warn!("{dropped}");
        }
        // The engine keeps the sequencer's live state only across a commit that keeps the
        // `sequence` section (see `Conductor::take_over`); so do the recorded edits.
        if self.standby.sequence != self.running.sequence {
            self.sequence_edits = SequenceEdits::default();
        }
        self.running = self.standby.clone();
        Ok(revision)
    }

    /// The running graph's layouts as the next commit follows them (a param whose recorded
    /// value the commit leaves as it is keeps its live value, see `graph::lineage`). The
    /// sequencer's param lanes (`mutate`, `ambient`) change params on the audio thread,
    /// unrecorded; the engine's sequencer carries on with them across a commit that keeps
    /// the `sequence` section, but starts afresh (or stops) when it changes: then the
    /// values of its lanes are forgotten here (NaN matches nothing), so those params take
    /// the new patch's values instead of the old sequencer's last ones.
    fn layouts_to_follow(&self) -> Vec<Layout> {
        let mut layouts = self.layouts.clone();
        let Some(seq) = &self.running.sequence else {
            return layouts;
        };
        if self.standby.sequence.as_ref() == Some(seq) {
            return layouts;
        }
        for name in seq.mutate.iter().chain(seq.ambient.keys()) {
            let Some((id, param)) = split_param(name) else {
                continue;
            };
            if let Ok((target, _)) =
                resolve_param(&self.running, &self.registry, &self.layouts, id, param)
            {
                if let Some(layout) = layouts.get_mut(target.program.index()) {
                    layout.set_value(target.slot, f32::NAN);
                }
            }
        }
        layouts
    }

    /// Discards standby edits: the standby slot becomes the running patch again.
    pub fn abort(&mut self) {
        self.standby = self.running.clone();
    }

    /// Applies `edit` to a copy of the standby patch and keeps it only if the result is a
    /// valid patch.
    fn edit(
        &mut self,
        edit: impl FnOnce(&mut PatchDesc) -> Result<(), ControlError>,
    ) -> Result<(), ControlError> {
        let mut trial = self.standby.clone();
        edit(&mut trial)?;
        patch::validate(&trial, &self.registry, None)?;
        // An edit that closes a loop is refused at once (`/patch/connect` answers
        // `/error`), not at the next commit.
        graph::plan::refuse_cycles(&trial)?;
        self.standby = trial;
        Ok(())
    }

    /// Adds a module to the standby patch.
    ///
    /// `id` alone adds it to the main graph; `INSTRUMENT/id` (`voices/lfo2`, `lead/sub`) to
    /// that instrument's voice template (as `--notes` names an instrument). Ids stay
    /// patch-wide: the module is `id` from then on, wherever it lives.
    pub fn create(
        &mut self,
        id: &str,
        kind: &str,
        params: &[(String, ParamValue)],
    ) -> Result<(), ControlError> {
        let (scope, id) = match id.split_once('/') {
            None => (Scope::Main, id),
            Some((instrument, id)) => match patch::scope::instrument(&self.standby, instrument) {
                Some((scope, _)) => (scope, id),
                None => {
                    return Err(ControlError::NoInstrument {
                        target: format!("instrument \"{instrument}\""),
                        known: patch::scope::instruments(&self.standby)
                            .map(|(_, id, _)| id.to_string())
                            .collect(),
                    })
                }
            },
        };
        if patch::find_module(&self.standby, id).is_some() {
            return Err(ControlError::DuplicateId(id.to_string()));
        }
        self.edit(|p| {
            let mut module = ModuleDesc::new(kind);
            for (param, value) in params {
                module.params.insert(param.clone(), value.clone());
            }
            graph_mut(p, &scope).0.insert(id.to_string(), module);
            Ok(())
        })
    }

    /// Removes a module and every connection to or from it from the standby patch.
    pub fn delete(&mut self, id: &str) -> Result<(), ControlError> {
        let scope = self.scope_of(id)?;
        self.edit(|p| {
            let (modules, connections) = graph_mut(p, &scope);
            modules.shift_remove(id);
            connections.retain(|c| c.from().module != id && c.to().module != id);
            Ok(())
        })
    }

    /// Adds a connection (`"id.port"`, `"id.port"`) to the standby patch, in the graph its
    /// modules belong to.
    pub fn connect(&mut self, from: &str, to: &str) -> Result<(), ControlError> {
        let connection = parse_connection(from, to)?;
        let scope = self.connection_scope(&connection)?;
        if graph_mut(&mut self.standby.clone(), &scope)
            .1
            .contains(&connection)
        {
            return Err(ControlError::AlreadyConnected(
                from.to_string(),
                to.to_string(),
            ));
        }
        self.edit(|p| {
            graph_mut(p, &scope).1.push(connection);
            Ok(())
        })
    }

    /// Removes a connection from the standby patch.
    pub fn disconnect(&mut self, from: &str, to: &str) -> Result<(), ControlError> {
        let connection = parse_connection(from, to)?;
        let scope = self.connection_scope(&connection)?;
        self.edit(|p| {
            let connections = graph_mut(p, &scope).1;
            let before = connections.len();
            connections.retain(|c| *c != connection);
            if connections.len() == before {
                return Err(ControlError::NotConnected(from.to_string(), to.to_string()));
            }
            Ok(())
        })
    }

    /// Sets a param in the standby patch only (heard after the next commit).
    pub fn set(&mut self, id: &str, param: &str, value: ParamValue) -> Result<(), ControlError> {
        if id == implicit::OUTPUT_ID {
            let volume = output_param(param)?.accept(&value)?;
            return self.edit(|p| {
                p.volume = Some(shortest_f64(volume));
                Ok(())
            });
        }
        let (scope, module) = patch::find_module(&self.standby, id)
            .ok_or_else(|| ControlError::UnknownModule(id.to_string()))?;
        let value = canonical_value(&self.registry, &module.kind, param, &value);
        self.edit(|p| {
            let module = graph_mut(p, &scope)
                .0
                .get_mut(id)
                .expect("scope_of found it");
            module.params.insert(param.to_string(), value);
            Ok(())
        })
    }

    /// Changes a param of the running graph now (smoothed per its ParamSpec), in every voice
    /// for a voice-template module, at engine sample `time` (`None`: the next block). The
    /// running and standby patches record the value too. A change scheduled for later
    /// still lands at its time when a commit comes first: the new graph plays the live
    /// value until then (unless the commit itself changes the param), and the change moves
    /// to the new graph; it is ignored (counted in `events_ignored`, and logged by the
    /// commit: see [`ScheduledChanges`]) if the commit removed its module.
    pub fn set_live(
        &mut self,
        id: &str,
        param: &str,
        value: ParamValue,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        let (target, engine_value) = self.live_target(id, param, &value)?;
        self.send_all(
            time,
            &[Event::SetParam {
                target,
                value: engine_value,
            }],
        )?;
        // The next commit keeps the live value of a param it leaves at this one, even
        // while the change waits for its time (see `graph::lineage`).
        if let Some(layout) = self.layouts.get_mut(target.program.index()) {
            layout.set_value(target.slot, engine_value);
        }
        if let Some(t) = time {
            let now = self.engine.sample_time();
            self.scheduled
                .record(t, (self.revision, target), (id, param), now);
        }
        if id == implicit::OUTPUT_ID {
            self.running.volume = Some(shortest_f64(engine_value));
            self.standby.volume = Some(shortest_f64(engine_value));
            return Ok(());
        }
        // The standby slot takes the value only where it still has the same module: an
        // uncommitted edit may have replaced it by another kind.
        let kind = patch::find_module(&self.running, id).map(|(_, m)| m.kind.clone());
        if let Some(kind) = &kind {
            let value = canonical_value(&self.registry, kind, param, &value);
            for p in [&mut self.running, &mut self.standby] {
                if let Some((_, module)) = patch::find_module_mut(p, id) {
                    if &module.kind == kind {
                        module.params.insert(param.to_string(), value.clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// Resolves `id.param` in the running graph to an engine target and value.
    fn live_target(
        &self,
        id: &str,
        param: &str,
        value: &ParamValue,
    ) -> Result<(ParamTarget, f32), ControlError> {
        if id == implicit::OUTPUT_ID {
            let v = output_param(param)?.accept(value)?;
            return Ok((
                ParamTarget {
                    program: ProgramRef::Main,
                    slot: ParamSlot::OutputVolume,
                },
                v,
            ));
        }
        let (target, spec) =
            resolve_param(&self.running, &self.registry, &self.layouts, id, param)?;
        Ok((target, spec.accept(value)?))
    }

    /// Starts `note` (0–127) at `velocity` (0..1) on the target instrument(s).
    pub fn note_on(
        &mut self,
        target: &NoteTarget,
        note: u8,
        velocity: f32,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        if note > 127 {
            return Err(ControlError::NoteRange(note as i64));
        }
        if !(0.0..=1.0).contains(&velocity) {
            return Err(ControlError::VelocityRange(velocity));
        }
        let keys = self.instruments_for(target)?;
        let events: Vec<Event> = keys
            .iter()
            .map(|&instrument| Event::NoteOn {
                instrument,
                note,
                velocity,
            })
            .collect();
        self.send_all(time, &events)?;
        self.routes.note_on(target, note, &keys);
        Ok(())
    }

    /// Releases `note` on the instrument(s) its note-on reached (a commit since may have
    /// changed which instruments `target` reaches), or on the target's instruments when it
    /// is not sounding.
    pub fn note_off(
        &mut self,
        target: &NoteTarget,
        note: u8,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        if note > 127 {
            return Err(ControlError::NoteRange(note as i64));
        }
        let keys = match self.routes.sounding(target, note) {
            [] => self.instruments_for(target)?,
            sent => sent.to_vec(),
        };
        let events: Vec<Event> = keys
            .into_iter()
            .map(|instrument| Event::NoteOff { instrument, note })
            .collect();
        self.send_all(time, &events)?;
        self.routes.note_off(target, note);
        Ok(())
    }

    /// Sends a channel message (bend, pressure, pedal, volume, pan, ...) to the target
    /// instrument(s). Values are clamped to their ranges by the engine. A pedal-up also
    /// reaches every instrument its pedal-down reached.
    pub fn channel_message(
        &mut self,
        target: &NoteTarget,
        message: ChannelMessage,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        if let ChannelMessage::PolyPressure { note, .. } = message {
            if note > 127 {
                return Err(ControlError::NoteRange(note as i64));
            }
        }
        let held: &[InstrumentKey] = match message {
            ChannelMessage::Sustain(false) => self.routes.pedal_held(target),
            _ => &[],
        };
        let mut keys = match self.instruments_for(target) {
            Ok(keys) => keys,
            Err(_) if !held.is_empty() => Vec::new(),
            Err(e) => return Err(e),
        };
        merge(&mut keys, held);
        let events: Vec<Event> = keys
            .iter()
            .map(|&instrument| Event::Channel {
                instrument,
                message,
            })
            .collect();
        self.send_all(time, &events)?;
        match message {
            ChannelMessage::Sustain(true) => self.routes.pedal_down(target, &keys),
            ChannelMessage::Sustain(false) => self.routes.pedal_up(target),
            _ => {}
        }
        Ok(())
    }

    /// Retunes every instrument: A4 = `a4` Hz (a positive, finite frequency up to 2 kHz).
    pub fn set_tuning(&mut self, a4: f32, time: Option<u64>) -> Result<(), ControlError> {
        if !(a4.is_finite() && a4 > 0.0 && a4 <= 2_000.0) {
            return Err(ControlError::TuningRange(a4));
        }
        self.send_all(time, &[Event::Tuning { a4 }])
    }

    /// Releases every held note (voices sound through their release).
    pub fn all_notes_off(&mut self, time: Option<u64>) -> Result<(), ControlError> {
        self.send_all(time, &[Event::AllNotesOff])?;
        self.routes.release_all_notes();
        Ok(())
    }

    /// Silences every voice within a few milliseconds.
    pub fn panic(&mut self) -> Result<(), ControlError> {
        self.send_all(None, &[Event::Panic])?;
        self.routes.release_all_notes();
        Ok(())
    }

    /// Records a sequencer command just sent to the engine as an edit of the running
    /// `sequence` section (see [`running_as_played`](Self::running_as_played)).
    pub(super) fn record_sequence_edit(&mut self, cmd: SeqCommand) {
        if let Some(section) = &self.running.sequence {
            self.sequence_edits
                .record(section, cmd, self.sequencer.steps);
        }
    }

    /// Sends all of `events` at `time`, or none of them when the ring lacks room.
    pub(super) fn send_all(
        &mut self,
        time: Option<u64>,
        events: &[Event],
    ) -> Result<(), ControlError> {
        self.engine.reserve(events.len())?;
        for &event in events {
            self.engine.send_event(TimedEvent {
                time: time.unwrap_or(0),
                revision: self.revision,
                event,
            })?;
        }
        Ok(())
    }

    /// The instruments of the running patch a note target reaches.
    fn instruments_for(&self, target: &NoteTarget) -> Result<Vec<InstrumentKey>, ControlError> {
        let instruments: Vec<_> = patch::scope::instruments(&self.running).collect();
        let found: Vec<InstrumentKey> = instruments
            .iter()
            .enumerate()
            .filter(|(k, (_, id, inst))| match target {
                NoteTarget::Default => *k == 0,
                NoteTarget::Instrument(wanted) => id == wanted,
                NoteTarget::Channel(ch) => inst.channel.is_none_or(|c| c == *ch),
            })
            .map(|(_, (_, id, _))| InstrumentKey::of(id))
            .collect();
        if found.is_empty() {
            return Err(ControlError::NoInstrument {
                target: match target {
                    NoteTarget::Default => "the default instrument".to_string(),
                    NoteTarget::Instrument(id) => format!("instrument \"{id}\""),
                    NoteTarget::Channel(ch) => format!("MIDI channel {ch}"),
                },
                known: instruments
                    .iter()
                    .map(|(_, id, _)| id.to_string())
                    .collect(),
            });
        }
        Ok(found)
    }

    fn scope_of(&self, id: &str) -> Result<Scope, ControlError> {
        patch::find_module(&self.standby, id)
            .map(|(scope, _)| scope)
            .ok_or_else(|| ControlError::UnknownModule(id.to_string()))
    }

    /// The graph a connection belongs in: that of its user modules (the main graph when
    /// both ends are implicit). Ends in two different graphs are refused.
    fn connection_scope(&self, c: &Connection) -> Result<Scope, ControlError> {
        let a = patch::find_module(&self.standby, &c.from().module).map(|(s, _)| s);
        let b = patch::find_module(&self.standby, &c.to().module).map(|(s, _)| s);
        match (a, b) {
            (Some(a), Some(b)) if a != b => Err(ControlError::AcrossGraphs(
                c.from().to_string(),
                c.to().to_string(),
            )),
            (Some(s), _) | (_, Some(s)) => Ok(s),
            (None, None) => Ok(Scope::Main),
        }
    }
}

/// A param of the implicit `output` module.
fn output_param(param: &str) -> Result<&'static chronus_modules::ParamSpec, ControlError> {
    implicit::OUTPUT_INFO
        .params
        .iter()
        .find(|p| p.id == param)
        .ok_or_else(|| ControlError::UnknownParam {
            id: implicit::OUTPUT_ID.to_string(),
            kind: implicit::OUTPUT_ID.to_string(),
            param: param.to_string(),
            known: implicit::OUTPUT_INFO.params.iter().map(|p| p.id).collect(),
        })
}

fn parse_connection(from: &str, to: &str) -> Result<Connection, ControlError> {
    let end = |s: &str| {
        s.parse::<PortRef>()
            .map_err(|_| ControlError::BadPortRef(s.to_string()))
    };
    Ok(Connection(end(from)?, end(to)?))
}

/// The module map and connection list of one graph of a patch.
fn graph_mut<'a>(
    p: &'a mut PatchDesc,
    scope: &Scope,
) -> (
    &'a mut indexmap::IndexMap<String, ModuleDesc>,
    &'a mut Vec<Connection>,
) {
    let inst = match scope {
        Scope::Main => return (&mut p.modules, &mut p.connections),
        Scope::Voice => p.voice.as_mut(),
        Scope::Instrument(id) => p.instruments.get_mut(id),
    };
    match inst {
        Some(i) => (&mut i.modules, &mut i.connections),
        // A scope found in this patch a moment ago always exists.
        None => (&mut p.modules, &mut p.connections),
    }
}

/// Resolves user module param `id.param` of `desc` to its engine target in the graph
/// laid out as `layouts`, and its spec.
pub(crate) fn resolve_param(
    desc: &PatchDesc,
    registry: &Registry,
    layouts: &[Layout],
    id: &str,
    param: &str,
) -> Result<(ParamTarget, &'static chronus_modules::ParamSpec), ControlError> {
    let (scope, info) = patch::module_info(desc, registry, id)
        .ok_or_else(|| ControlError::UnknownModule(id.to_string()))?;
    let index = info
        .param(param)
        .ok_or_else(|| ControlError::UnknownParam {
            id: id.to_string(),
            kind: info.kind.to_string(),
            param: param.to_string(),
            known: info.params.iter().map(|p| p.id).collect(),
        })?;
    let program_name = scope.instrument_id().unwrap_or("");
    let (k, layout) = layouts
        .iter()
        .enumerate()
        .find(|(_, l)| l.program == program_name)
        .ok_or_else(|| ControlError::UnknownModule(id.to_string()))?;
    let node = layout
        .nodes
        .iter()
        .position(|(n, _)| n == id)
        .ok_or_else(|| ControlError::UnknownModule(id.to_string()))?;
    Ok((
        ParamTarget {
            program: ProgramRef::from_index(k),
            slot: ParamSlot::Module {
                node: node as u16,
                param: index as u16,
            },
        },
        &info.params[index],
    ))
}

/// `value` as a patch file writes it once the param has taken it: a choice by its name
/// (`2` for `shape` is `"saw"`), a bool as a bool, a number as the shortest decimal of the
/// `f32` the engine holds. A value the param refuses stays as given (validation reports it).
fn canonical_value(registry: &Registry, kind: &str, param: &str, value: &ParamValue) -> ParamValue {
    registry
        .get(kind)
        .and_then(|entry| entry.info.param_spec(param))
        .and_then(|spec| spec.accept(value).ok().map(|v| spec.to_value(v)))
        .unwrap_or_else(|| value.clone())
}
