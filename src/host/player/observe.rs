//! What `chronus play` shows the outside while it runs: the HTTP API (started beside the
//! OSC server, [`start_http`]), the figures it reads of the host ([`PlayerView`]), the
//! engine's rings registered as named queue gauges ([`register_queues`]), and the cue bus
//! the player feeds every tick ([`Announcer`]): sequencer cues, note cues, param changes
//! and commits become LED cues, logged as semantic events and counted (note and param
//! cues are held back and counted while overload shedding throttles cue traffic).

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use tracing::{debug, info, warn};

use super::error::PlayError;
use super::PlayOptions;
use crate::control::observed::PARAM_CHANGES_CAPACITY;
use crate::control::sequencer_build::lane_names;
use crate::control::Controller;
use crate::cues::{CueBus, LedCue};
use crate::engine::EngineStats;
use crate::host::audio_callback::Shared;
use crate::host::meter::CALLBACK_BUCKETS_S;
use crate::http::{HostFigures, HostView, HttpServer, ReloadFn, Sources, WatchdogFigures};
use crate::osc::{MidiAccess, OscServer, PacketHandler};
use crate::realtime::queue_gauges::{HighWater, QueueReading};
use crate::seq::mutation::{Category, Change};
use crate::seq::Cue;
use crate::service::notify::NotifyStats;

/// The host as the HTTP API sees it: the meter of whichever core plays now.
pub(super) struct PlayerView {
    /// The callback's atomics (replaced when a stream is reopened).
    pub(super) meter: Arc<Mutex<Arc<Shared>>>,
    /// Sample rate of the engine.
    pub(super) sample_rate: u32,
    /// Outputs, described.
    pub(super) outputs: Vec<String>,
    /// The systemd notifier's counters, and whether its watchdog is on.
    pub(super) notify: (Arc<NotifyStats>, bool),
}

impl HostView for PlayerView {
    fn figures(&self) -> HostFigures {
        let shared = self.meter.lock().clone();
        let m = shared.meter();
        let h = m.histogram();
        HostFigures {
            dsp_load: m.load() as f64,
            xruns: m.xruns(),
            callbacks: m.callbacks(),
            audio_panics: m.panics(),
            record_drops: m.record_drops(),
            callback_bounds: CALLBACK_BUCKETS_S.to_vec(),
            callback_cumulative: h.cumulative.to_vec(),
            callback_count: h.count,
            callback_sum_s: h.sum_s,
            sample_rate: self.sample_rate,
            outputs: self.outputs.clone(),
            clock: "internal".to_string(),
            levels: m.levels().to_vec(),
            watchdog: WatchdogFigures {
                enabled: self.notify.1,
                pings: self.notify.0.watchdog_pings.load(Relaxed),
                withheld: self.notify.0.watchdog_skipped.load(Relaxed),
            },
        }
    }
}

/// Registers the engine's rings and the OSC outbox as named queues (`/metrics`).
pub(super) fn register_queues(control: &Arc<Mutex<Controller>>, osc: Option<&OscServer>) {
    let gauges = control.lock().observed().queues.clone();
    let (capacity, stats, seq) = {
        let c = control.lock();
        (
            c.engine().command_capacity() as u64,
            c.engine().stats().clone(),
            c.engine().seq_status().clone(),
        )
    };
    // The rings' depths are read by the scrape under the controller's lock; their high-water
    // marks are the highest depth a scrape (or the engine, for the event queue) saw.
    let ring = |index: usize, capacity: u64, dropped: Arc<dyn Fn() -> u64 + Send + Sync>| {
        let control = control.clone();
        let high = Arc::new(HighWater::default());
        Arc::new(move || {
            let depths = control.lock().engine().ring_depths();
            let depth = [depths.0, depths.1, depths.2, depths.3][index] as u64;
            high.saw(depth);
            QueueReading {
                depth,
                high_water: high.get(),
                dropped: dropped(),
                capacity,
            }
        })
    };
    gauges.register("command", ring(0, capacity, Arc::new(|| 0)));
    gauges.register("return", ring(1, 0, Arc::new(|| 0)));
    {
        let seq = seq.clone();
        gauges.register(
            "cue",
            ring(
                2,
                crate::engine::block::CUE_CAPACITY as u64,
                Arc::new(move || seq.cues_dropped.load(Relaxed)),
            ),
        );
    }
    {
        let stats = stats.clone();
        gauges.register(
            "note_cue",
            ring(
                3,
                crate::engine::note_cue::NOTE_CUE_CAPACITY as u64,
                Arc::new(move || EngineStats::get(&stats.note_cues_dropped)),
            ),
        );
    }
    gauges.register(
        "events",
        Arc::new(move || QueueReading {
            depth: EngineStats::get(&stats.queue_depth),
            high_water: EngineStats::get(&stats.queue_high_water),
            dropped: EngineStats::get(&stats.notes_dropped),
            capacity: 0,
        }),
    );
    {
        let observed = control.lock().observed().clone();
        gauges.register(
            "param_changes",
            Arc::new(move || QueueReading {
                depth: observed.param_changes_waiting() as u64,
                high_water: 0,
                dropped: observed.param_changes_dropped.load(Relaxed),
                capacity: crate::control::observed::PARAM_CHANGES_CAPACITY as u64,
            }),
        );
    }
    if let Some(osc) = osc {
        let outbox = osc.outbox_reading();
        gauges.register("osc_outbox", Arc::new(outbox));
    }
}

/// Starts the HTTP API if asked for. A busy default address is one warning and play goes
/// on without it; an address given with `--http` must bind.
pub(super) fn start_http(
    options: &PlayOptions,
    control: &Arc<Mutex<Controller>>,
    view: PlayerView,
    osc: Option<&OscServer>,
    bus: &CueBus,
    reload: Option<ReloadFn>,
    midi: MidiAccess,
) -> Result<Option<HttpServer>, PlayError> {
    let Some(http) = &options.http else {
        return Ok(None);
    };
    let meter = view.meter.clone();
    let mut handler = PacketHandler::new(
        control.clone(),
        Arc::new(move || {
            let shared = meter.lock();
            crate::osc::HostStatus {
                dsp_load: shared.meter().load(),
                xruns: shared.meter().xruns(),
                refused: 0,
                panics: shared.meter().panics(),
            }
        }),
        Some(midi),
        options
            .osc
            .as_ref()
            .map(|o| o.folder.clone())
            .unwrap_or_else(|| crate::osc::PatchFolder::new("patches")),
    );
    handler.set_note_source(crate::control::NoteSource::Http);
    let sources = Sources {
        control: control.clone(),
        osc: Arc::new(Mutex::new(handler)),
        osc_stats: osc.map(|o| o.stats().clone()),
        host: Arc::new(view),
        cues: bus.log().clone(),
        reload,
        started: Instant::now(),
        patch_name: options.patch_name.clone(),
        counters: Arc::default(),
    };
    match HttpServer::start(http, sources) {
        Ok(server) => {
            let addr = server.local_addr();
            info!(
                event = "http_listening",
                "HTTP on http://{addr} (metrics at /metrics)"
            );
            if !addr.ip().is_loopback() {
                warn!(
                    "HTTP listens on {addr}, beyond this machine: anyone on the network can \
                     control the instrument"
                );
            }
            Ok(Some(server))
        }
        Err(e) if e.is_busy() && !http.explicit => {
            warn!(
                "{e}; playing without the HTTP API (choose another with --http ADDR, or --no-http)"
            );
            Ok(None)
        }
        Err(e) => Err(PlayError::Http(e.to_string())),
    }
}

/// Turns what the engine and the control surfaces report into LED cues, semantic log
/// events and counters. Called by the player every tick, under the controller's lock.
pub(super) struct Announcer {
    /// The bus the cues go to.
    pub(super) bus: CueBus,
    /// The revision last announced.
    revision: u64,
    /// The tempo last announced as a `param` cue.
    tempo: Option<f32>,
    /// Each param's last value changed while overload shedding throttled cue traffic
    /// (at most [`PARAM_CHANGES_CAPACITY`] names): published when it ends, so that what
    /// follows the cues (the web console's controls) does not keep an old value.
    held_params: Vec<(String, f64)>,
}

impl Announcer {
    /// An announcer feeding `bus`.
    pub(super) fn new(bus: CueBus) -> Self {
        Announcer {
            bus,
            revision: 0,
            tempo: None,
            held_params: Vec::new(),
        }
    }

    /// Publishes everything waiting. `broadcast` sends sequencer cues to OSC clients.
    pub(super) fn announce(&mut self, control: &mut Controller, broadcast: &dyn Fn(&Cue)) {
        let observed = control.observed().clone();
        while let Some(cue) = control.pop_cue() {
            info!(event = cue_event(&cue), "{cue}");
            match cue {
                Cue::Mutation(change) => {
                    observed.mutations.fetch_add(1, Relaxed);
                    // A mutated patch param is a live param change too (a `param` cue,
                    // as from OSC or MIDI): the web console's control follows it.
                    if let Some(name) = mutated_param(control, &change) {
                        observed.param_changed(&name, change.to as f64);
                    }
                }
                Cue::Idle(_) => {
                    observed.idle_transitions.fetch_add(1, Relaxed);
                }
                _ => {}
            }
            broadcast(&cue);
            for led in LedCue::from_sequencer(&cue) {
                self.bus.publish(led);
            }
        }
        // Overload shedding throttles the bulk of the cue traffic: note and param cues are
        // drained and counted, not published (the rest still go); each param's last value
        // waits for the end of it.
        let shedding = control.engine().shedding().clone();
        let throttled = shedding.throttled();
        let mut held = 0;
        while let Some(note) = control.pop_note_cue() {
            if throttled {
                held += 1;
            } else {
                self.bus.publish(LedCue::from_note(&note));
            }
        }
        let changes = observed.take_param_changes();
        let publish = if throttled {
            held += changes.len() as u64;
            for (name, value) in changes {
                if let Some(slot) = self.held_params.iter_mut().find(|(n, _)| *n == name) {
                    slot.1 = value;
                } else if self.held_params.len() < PARAM_CHANGES_CAPACITY {
                    self.held_params.push((name, value));
                }
            }
            Vec::new()
        } else {
            let mut all = std::mem::take(&mut self.held_params);
            all.extend(changes);
            all
        };
        for (name, value) in publish {
            debug!(
                event = "param",
                name = name.as_str(),
                value,
                "param {name} = {value}"
            );
            self.bus.publish(LedCue::Param { name, value });
        }
        if held > 0 {
            shedding.cues_held.fetch_add(held, Relaxed);
        }
        let revision = control.revision();
        if revision != self.revision {
            self.revision = revision;
            info!(event = "commit", revision, "committed revision {revision}");
            self.bus.publish(LedCue::Commit { revision });
        }
        if let Ok(state) = control.sequencer_state() {
            let bpm = (state.bpm * 10.0).round() / 10.0;
            if !throttled && self.tempo.is_none_or(|t| (t - bpm).abs() >= 0.5) {
                self.tempo = Some(bpm);
                self.bus.publish(LedCue::Param {
                    name: "tempo".to_string(),
                    value: bpm as f64,
                });
            }
        }
    }
}

/// The `"module.param"` a mutation of the patch params changed (the running sequence's
/// `mutate` list, which the conductor's mutable lanes follow in order); `None` for other
/// mutations.
fn mutated_param(control: &Controller, change: &Change) -> Option<String> {
    if change.category != Category::Param {
        return None;
    }
    let seq = control.running().sequence.as_ref()?;
    lane_names(seq)
        .into_iter()
        .filter(|(_, mutable)| *mutable)
        .nth(usize::from(change.target))
        .map(|(name, _)| name.to_string())
}

/// The `event` field of a sequencer cue's log line.
fn cue_event(cue: &Cue) -> &'static str {
    match cue {
        Cue::Mutation(_) => "mutation",
        Cue::Idle(_) => "idle_transition",
        Cue::Scale { .. } => "scale",
        Cue::Playing(_) => "sequencer_playing",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::NoteTarget;
    use crate::engine::{Engine, EngineConfig};
    use chronus_modules::Registry;

    const VOICE: &str = r#"(voice: (count: 2, modules: {"o": (kind: "sine")},
        connections: [("note.freq", "o.freq"), ("o.out", "output.left")]),
        connections: [("voices.left", "output.left")])"#;

    /// Plays one note through the engine and announces what came out; the notes logged.
    fn play_and_announce(
        engine: &mut Engine,
        control: &mut Controller,
        announcer: &mut Announcer,
        note: u8,
    ) -> usize {
        control
            .note_on(&NoteTarget::Default, note, 0.8, None)
            .unwrap();
        let (mut l, mut r) = ([0.0f32; 64], [0.0f32; 64]);
        engine.process(&mut l, &mut r);
        announcer.announce(control, &|_| {});
        announcer
            .bus
            .log()
            .last(64)
            .iter()
            .filter(|c| matches!(c.cue, LedCue::Note { .. }))
            .count()
    }

    /// An engine, its controller with `patch` loaded, and an announcer.
    fn loaded(patch: &str) -> (Engine, Controller, Announcer) {
        let registry = Registry::builtin();
        let (engine, handle) = Engine::new(EngineConfig::default());
        let mut control = Controller::new(registry.clone(), handle);
        control
            .load(crate::patch::load(patch, None, &registry).unwrap())
            .unwrap();
        (engine, control, Announcer::new(CueBus::default()))
    }

    /// A sequence whose mutation moves only `f.cutoff`, every second.
    const MUTATING: &str = r#"(voice: (count: 1, modules: {"o": (kind: "saw"), "f": (kind: "lowpass",
        params: {"cutoff": 1000.0})},
        connections: [("note.freq", "o.freq"), ("o.out", "f.in"), ("f.out", "output.left")]),
        connections: [("voices.left", "output.left")],
        sequence: (bpm: 120, tracks: {"t": (instrument: "voices", division: "1/16", pattern: "0")},
            mutate: ["f.cutoff"],
            mutation: (min_interval: 1.0, max_interval: 1.0, max_changes_per_cycle: 1, max_delta: 0.2,
                weights: (notes: 0.0, velocity: 0.0, probability: 0.0, density: 0.0, swing: 0.0,
                    params: 1.0))))"#;

    #[test]
    fn a_mutated_param_is_a_param_cue() {
        let (mut engine, mut control, mut announcer) = loaded(MUTATING);
        let (mut l, mut r) = ([0.0f32; 256], [0.0f32; 256]);
        // 2.5 s: two mutation cycles.
        for _ in 0..(EngineConfig::default().sample_rate as usize * 5 / 2 / 256) {
            engine.process(&mut l, &mut r);
            announcer.announce(&mut control, &|_| {});
        }
        let log = announcer.bus.log().last(64);
        let mutations = log
            .iter()
            .filter(|c| {
                matches!(
                    c.cue,
                    LedCue::Mutation {
                        category: "param",
                        ..
                    }
                )
            })
            .count();
        let cutoffs: Vec<f64> = log
            .iter()
            .filter_map(|c| match &c.cue {
                LedCue::Param { name, value } if name == "f.cutoff" => Some(*value),
                _ => None,
            })
            .collect();
        assert!(mutations >= 2, "{mutations} param mutations");
        assert!(!cutoffs.is_empty(), "no param cue for f.cutoff: {log:?}");
        assert!(
            cutoffs
                .iter()
                .all(|v| (20.0..=20_000.0).contains(v) && *v != 1000.0),
            "{cutoffs:?}"
        );
    }

    #[test]
    fn a_param_changed_while_throttled_is_published_with_its_last_value_after() {
        let (_engine, mut control, mut announcer) = loaded(VOICE);
        let params = |a: &Announcer| -> Vec<(String, f64)> {
            let log = a.bus.log().last(64);
            log.iter()
                .filter_map(|c| match &c.cue {
                    LedCue::Param { name, value } => Some((name.clone(), *value)),
                    _ => None,
                })
                .collect()
        };
        let shedding = control.engine().shedding().clone();
        shedding.set_level(crate::engine::shed::THROTTLE_LEVEL);
        let observed = control.observed().clone();
        observed.param_changed("o.amp", 0.2);
        announcer.announce(&mut control, &|_| {});
        observed.param_changed("o.amp", 0.3);
        announcer.announce(&mut control, &|_| {});
        assert_eq!(params(&announcer), vec![], "held back while throttled");
        assert_eq!(shedding.cues_held.load(Relaxed), 2);
        shedding.set_level(0);
        announcer.announce(&mut control, &|_| {});
        assert_eq!(params(&announcer), vec![("o.amp".to_string(), 0.3)]);
        announcer.announce(&mut control, &|_| {});
        assert_eq!(params(&announcer).len(), 1, "published once");
    }

    #[test]
    fn throttled_note_cues_are_held_back_and_counted() {
        let (mut engine, mut control, mut announcer) = loaded(VOICE);
        assert_eq!(
            play_and_announce(&mut engine, &mut control, &mut announcer, 60),
            1
        );
        let shedding = control.engine().shedding().clone();
        shedding.set_level(crate::engine::shed::THROTTLE_LEVEL);
        assert_eq!(
            play_and_announce(&mut engine, &mut control, &mut announcer, 62),
            1,
            "held back while throttled"
        );
        assert_eq!(shedding.cues_held.load(Relaxed), 1);
        shedding.set_level(0);
        assert_eq!(
            play_and_announce(&mut engine, &mut control, &mut announcer, 64),
            2
        );
        assert_eq!(shedding.cues_held.load(Relaxed), 1);
    }
}
