//! [`Router`]: where every MIDI channel message goes — from a port, from OSC
//! (`/midi/cc`, `/note/bend`), anywhere.
//!
//! In order:
//! 1. the config's channel filter (`midi: (channel: N)`) drops other channels;
//! 2. a note in a `trigger_step` range becomes [`SequencerAction::TriggerStep`] (step =
//!    note − first of the range; note-offs of such notes are dropped);
//! 3. a controller with a route becomes its action: the sequencer's controls go to
//!    [`Controller::sequencer_action`] as a 0..1 position; `filter_cutoff`, `reverb_mix`,
//!    `master_volume` and `param` are live param changes made here (see [`CcAction`]);
//! 4. everything else goes to the [`Distributor`]: notes in a `play` range to that patch
//!    instrument, other notes to the instruments listening to their channel; bend,
//!    pressure, unrouted controllers and program changes to every instrument on the
//!    channel (volume, pan, sustain, RPN, `midi_cc` modules: see `EngineInstrument`).

use std::sync::Arc;

use chronus_modules::{ParamKind, ParamValue, Role};
use parking_lot::Mutex;

use super::held::HeldNotes;
use super::parse::MidiEvent;
use crate::backend::distributor::Route;
use crate::backend::engine_instrument::EngineTarget;
use crate::backend::{Distributor, EngineInstrument, Instrument, InstrumentError};
use crate::config::{CcAction, Config, NoteAction};
use crate::control::{ControlError, Controller, NoteSource, Observed, SequencerAction};
use crate::midi_protocol::cc;
use crate::midi_protocol::ChannelEvent;
use crate::patch::{self, implicit};
use std::sync::atomic::Ordering::Relaxed;

/// Routes MIDI per the config. See the module doc.
pub struct Router {
    config: Config,
    controller: Arc<Mutex<Controller>>,
    distributor: Distributor,
    /// Notes and messages routed, for `/metrics`.
    observed: Arc<Observed>,
}

impl Router {
    /// A router for `config` (already checked by `config::load`) over the engine.
    pub fn new(config: Config, controller: Arc<Mutex<Controller>>) -> Self {
        let mut instruments: Vec<Box<dyn Instrument>> = Vec::new();
        let mut routes = Vec::new();
        for route in &config.router.notes {
            if let NoteAction::Play { instrument } = &route.action {
                routes.push(Route {
                    channel: route.channel,
                    notes: route.notes.0..=route.notes.1,
                    instrument: instruments.len(),
                });
                instruments.push(Box::new(EngineInstrument::new(
                    controller.clone(),
                    instrument,
                    EngineTarget::Instrument(instrument.clone()),
                )));
            }
        }
        routes.push(Route {
            channel: None,
            notes: 0..=127,
            instrument: instruments.len(),
        });
        instruments.push(Box::new(EngineInstrument::new(
            controller.clone(),
            "engine",
            EngineTarget::ByChannel,
        )));
        let observed = controller.lock().observed().clone();
        Router {
            config,
            observed,
            controller,
            distributor: Distributor::new(instruments, routes),
        }
    }

    /// Routes by `config` from now on (a config reload): the routes and instruments are
    /// rebuilt; notes already sounding are released through the routes they went by.
    pub fn set_config(&mut self, config: Config) {
        let fresh = Router::new(config, self.controller.clone());
        self.config = fresh.config;
        self.distributor = fresh.distributor;
    }

    /// The instruments (queries, status).
    pub fn distributor(&self) -> &Distributor {
        &self.distributor
    }

    /// Routes one message at engine sample `time` (`None`: now).
    pub fn handle(&mut self, message: MidiEvent, time: Option<u64>) -> Result<(), InstrumentError> {
        let MidiEvent { channel, event } = message;
        self.observed.midi_events.fetch_add(1, Relaxed);
        if self.config.midi.channel.is_some_and(|c| c != channel) {
            return Ok(());
        }
        match event {
            ChannelEvent::NoteOn { note, .. } | ChannelEvent::NoteOff { note } => {
                if let Some(first) = self.step_range(channel, note) {
                    if let ChannelEvent::NoteOn { velocity, .. } = event {
                        if velocity > 0 {
                            let action = SequencerAction::TriggerStep {
                                index: note - first,
                                velocity: velocity as f32 / 127.0,
                            };
                            self.controller.lock().sequencer_action(action, time)?;
                        }
                    }
                    return Ok(());
                }
            }
            ChannelEvent::Controller { controller, value } => {
                if let Some(action) = self.cc_action(channel, controller) {
                    self.apply(&action, value, time)?;
                    return Ok(());
                }
            }
            _ => {}
        }
        self.distributor.dispatch(channel, event, time)?;
        if let ChannelEvent::NoteOn { velocity, .. } = event {
            if velocity > 0 {
                self.observed.note(NoteSource::Midi);
            }
        }
        Ok(())
    }

    /// Releases every note and lifts every pedal (the MIDI input stops) at engine sample
    /// `time` (`None`: now). Give the time a message arriving now would play at, so the
    /// release comes after every note-on already routed (they play a constant latency after
    /// arrival).
    pub fn release_all(&mut self, time: Option<u64>) -> Result<(), InstrumentError> {
        self.distributor.stop_all(time)
    }

    /// Releases what one vanished source held (`held`, already without what other
    /// sources still hold: [`HeldNotes::only_here`]) at engine sample `time`: a note-off
    /// for each key — it goes where the note-on went, so keys that never reached an
    /// instrument (a `trigger_step` range, a filtered channel) change nothing — then the
    /// pedal up on each channel where the pedal reached the instruments (no controller
    /// route took CC 64). Every message is tried; the first error is returned.
    pub fn release(&mut self, held: &HeldNotes, time: Option<u64>) -> Result<(), InstrumentError> {
        let mut first_error = None;
        for (channel, note) in held.keys() {
            if let Err(e) = self
                .distributor
                .dispatch(channel, ChannelEvent::NoteOff { note }, time)
            {
                first_error.get_or_insert(e);
            }
        }
        for channel in held.pedal_channels() {
            let filtered = self.config.midi.channel.is_some_and(|c| c != channel);
            if filtered || self.cc_action(channel, cc::SUSTAIN).is_some() {
                continue;
            }
            let up = ChannelEvent::Controller {
                controller: cc::SUSTAIN,
                value: 0,
            };
            if let Err(e) = self.distributor.dispatch(channel, up, time) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn step_range(&self, channel: u8, note: u8) -> Option<u8> {
        self.config
            .router
            .notes
            .iter()
            .find(|r| {
                r.channel.is_none_or(|c| c == channel) && (r.notes.0..=r.notes.1).contains(&note)
            })
            .filter(|r| r.action == NoteAction::TriggerStep)
            .map(|r| r.notes.0)
    }

    fn cc_action(&self, channel: u8, controller: u8) -> Option<CcAction> {
        self.config
            .router
            .ccs
            .iter()
            .find(|r| r.cc == controller && r.channel.is_none_or(|c| c == channel))
            .map(|r| r.action.clone())
    }

    /// Applies a controller's action with its value 0–127.
    fn apply(
        &mut self,
        action: &CcAction,
        value: u8,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        let position = value.min(127) as f32 / 127.0;
        let mut c = self.controller.lock();
        if let Some(control) = action.sequencer_control() {
            tracing::debug!(event = "midi_action", action = ?action, position, "MIDI CC -> {action:?} at {position}");
            return c.sequencer_action(SequencerAction::Set { control, position }, time);
        }
        match action {
            CcAction::FilterCutoff => {
                set_every(&mut c, Role::Filter, "cutoff", position, time)?;
                set_external(&mut c, "cutoff", position, time)
            }
            CcAction::ReverbMix => {
                set_every(&mut c, Role::Reverb, "mix", position, time)?;
                set_external(&mut c, "reverb_mix", position, time)
            }
            CcAction::MasterVolume => c.set_live(
                implicit::OUTPUT_ID,
                "volume",
                ParamValue::Number((position * position) as f64),
                time,
            ),
            CcAction::Param {
                target,
                curve,
                steps,
            } => {
                let (id, param) = target.split_once('.').unwrap_or((target, ""));
                if c.backend_params(id).is_some() {
                    // An external synth's param: 0..1 along the curve, then through its
                    // profile's own curve, as `/mod` sends it.
                    let v = curve.shape(value, steps.unwrap_or(2));
                    c.set_live(id, param, ParamValue::Number(v as f64), time)?;
                    self.observed.param_changed(target, v as f64);
                    return Ok(());
                }
                let spec = param_spec(&c, id, param)?;
                let steps = match spec.kind {
                    ParamKind::Int { min, max } => (max - min + 1) as u32,
                    ParamKind::Enum { variants } => variants.len() as u32,
                    ParamKind::Bool | ParamKind::File { .. } => 2,
                    ParamKind::Float { .. } => steps.unwrap_or(2),
                };
                let (lo, hi) = spec.bounds();
                let v = lo + (hi - lo) * curve.shape(value, steps);
                // Int, choice and bool params take whole values.
                let v = match spec.kind {
                    ParamKind::Float { .. } => v,
                    _ => v.round(),
                };
                c.set_live(id, param, spec.to_value(v), time)?;
                tracing::debug!(
                    event = "midi_action",
                    cc = value,
                    target = target.as_str(),
                    value = v,
                    "MIDI CC -> {target} = {v}"
                );
                self.observed.param_changed(target, v as f64);
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// The ParamSpec of `id.param` in the running patch.
fn param_spec(
    c: &Controller,
    id: &str,
    param: &str,
) -> Result<&'static chronus_modules::ParamSpec, ControlError> {
    let info = if id == implicit::OUTPUT_ID {
        &implicit::OUTPUT_INFO
    } else {
        patch::module_info(c.running(), c.registry(), id)
            .ok_or_else(|| ControlError::UnknownModule(id.to_string()))?
            .1
    };
    info.params
        .iter()
        .find(|p| p.id == param)
        .ok_or_else(|| ControlError::UnknownParam {
            id: id.to_string(),
            kind: info.kind.to_string(),
            param: param.to_string(),
            known: info.params.iter().map(|p| p.id).collect(),
        })
}

/// Moves `param` of every external instrument whose profile has it to `position` (0..1,
/// through the profile's curve): a semantic action reaches external synths too.
fn set_external(
    c: &mut Controller,
    param: &str,
    position: f32,
    time: Option<u64>,
) -> Result<(), ControlError> {
    let targets: Vec<String> = c
        .all_backend_params()
        .filter(|(_, params)| params.iter().any(|p| p == param))
        .map(|(id, _)| id.to_string())
        .collect();
    for id in targets {
        c.set_live(&id, param, ParamValue::Number(position as f64), time)?;
    }
    Ok(())
}

/// Moves `param` of every module whose kind plays `role` (see [`Role::params`]) in the
/// running patch to `position` (0..1) along the param's own taper.
fn set_every(
    c: &mut Controller,
    role: Role,
    param: &str,
    position: f32,
    time: Option<u64>,
) -> Result<(), ControlError> {
    let running = c.running();
    let targets: Vec<String> = running
        .modules
        .iter()
        .chain(patch::scope::instruments(running).flat_map(|(_, _, i)| i.modules.iter()))
        .filter(|(_, m)| c.registry().has_role(&m.kind, role))
        .map(|(id, _)| id.clone())
        .collect();
    for id in targets {
        let spec = param_spec(c, &id, param)?;
        let v = spec.from_normalized(position);
        c.set_live(&id, param, spec.to_value(v), time)?;
    }
    Ok(())
}
