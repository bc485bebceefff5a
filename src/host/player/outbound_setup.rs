//! The player's outbound side: the patch's external instruments (`midi` backends) and the
//! MIDI clock's ports (`--clock-out`, the config's `clock.out`) get the MIDI output
//! ([`MidiOutSink`]) on the outbound thread, which drains the engine's outbound ring. The
//! MIDI output is there from the start, even without external instruments (it then opens
//! nothing and the thread idles), so that a commit or a load that adds one gets its port. The
//! MIDI host is JACK when `--host jack` or `--midi-host jack` (or the config's
//! `midi.host: "jack"`) is given, the ALSA sequencer otherwise.
//!
//! The patch's `supercollider` instruments get the SuperCollider sink (`sc_setup`) on
//! the same thread. Both report through the controller's backend status: one
//! [`BackendPort`] per MIDI port, one for the SuperCollider server.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use parking_lot::Mutex;
use rtrb::Consumer;

use super::clock_setup::clock_out_names;
use super::error::PlayError;
use super::sc_setup::{start_supercollider, ScStarted};
use super::PlayOptions;
use crate::backend::{OutboundSink, OutboundThread};
use crate::control::backend_params::{BackendPort, BackendStatus};
use crate::control::Controller;
use crate::engine::backend_audio::BackendAudio;
use crate::engine::outbound::OUTBOUND_CAPACITY;
use crate::engine::return_desk::ReturnDesk;
use crate::engine::{EngineStats, OutboundEvent};
use crate::midi::input::latency_for;
use crate::midi_out::{
    settings::plan_lenient, ClockOut, MidiOutSettings, MidiOutSink, MidiOutStatus, OutHostKind,
    Plan, PortStatus,
};
use crate::realtime::cycle_stamp::CycleStamp;
use crate::realtime::queue_gauges::{HighWater, QueueReading};
use crate::sc_live::sink::ReconfigBox;
use crate::sc_live::ScStatus;
use crate::service::promote_this_thread;
use crate::service::realtime::HELPER_PRIORITY;

/// The running outbound thread and what the status reports read of it.
pub(super) struct Outbound {
    /// The thread (stopped on drop, after releasing every note).
    pub(super) thread: OutboundThread,
    /// The MIDI output's ports, if the patch has `midi` instruments.
    pub(super) midi: Option<Arc<MidiOutStatus>>,
    /// The SuperCollider backend, if scsynth plays some instruments.
    pub(super) supercollider: Option<Arc<ScStatus>>,
    /// The desk of the sound scsynth gives back into the main graph, which gives each
    /// engine its side ([`backend_audio`](Self::backend_audio)).
    returns: Option<Arc<Mutex<ReturnDesk>>>,
    /// The MIDI output's latency in samples, when the player is to set it from the
    /// stream's buffer ([`Outbound::set_buffer`]; `None` when the config gives
    /// `midi_out.latency_ms` or the request gives the buffer).
    latency: Option<Arc<AtomicU64>>,
}

impl Outbound {
    /// The engine's side of the sound a backend gives back into the main graph, for an
    /// engine made afresh (at startup, or to replace one a backend kept: the return then
    /// opens again with rings for it, `engine::return_desk`).
    pub(super) fn backend_audio(&self) -> Option<BackendAudio> {
        self.returns.as_ref().map(|desk| desk.lock().engine_side())
    }

    /// Whether the MIDI output still waits for the stream's buffer size.
    pub(super) fn wants_buffer(&self) -> bool {
        self.latency.is_some()
    }

    /// Sets the MIDI output's latency from the stream's `buffer` (two of them + 2 ms, as
    /// [`latency_for`] says) once it is known.
    pub(super) fn set_buffer(&self, buffer: u32, sample_rate: u32) {
        if let Some(cell) = &self.latency {
            let latency = latency_for(buffer, sample_rate).as_secs_f64() * sample_rate as f64;
            cell.store(latency.round() as u64, Relaxed);
        }
    }

    /// Stops the thread (all notes off) and logs each port's last statistics.
    pub(super) fn stop(mut self) {
        self.thread.stop();
        if let Some(status) = &self.midi {
            for line in status.lines() {
                tracing::info!("{line}");
            }
        }
        if let Some(status) = &self.supercollider {
            tracing::info!("{}", status.line());
        }
    }
}

/// The MIDI clock output asked for: `--clock-out` (else the config's `clock.out`) with the
/// config's flags.
fn clock_out(options: &PlayOptions) -> ClockOut {
    ClockOut {
        ports: clock_out_names(options).to_vec(),
        send_start_stop: options.config.clock.send_start_stop,
        send_song_position: options.config.clock.send_song_position,
    }
}

/// The MIDI host of the output: JACK when the audio or the MIDI input host is JACK.
pub(super) fn out_host(options: &PlayOptions) -> OutHostKind {
    let midi_jack = options
        .midi
        .host
        .as_deref()
        .or(options.config.midi.host.as_deref())
        == Some("jack");
    if midi_jack || options.host.name() == "jack" {
        OutHostKind::Jack
    } else {
        OutHostKind::Alsa
    }
}

/// The plan of `desc`'s `midi` instruments and the clock's ports. The patch was checked
/// against the profiles when it was read (main.rs, or the load); one with an unknown
/// profile anyway (a patch loaded later) plays that instrument without one.
fn plan_of(desc: &crate::patch::PatchDesc, options: &PlayOptions) -> Plan {
    let (plan, issues) = plan_lenient(desc, &options.config.cc_profiles);
    for (id, message) in &issues {
        tracing::warn!("instrument {id:?}: {message}; it plays without a profile");
    }
    plan.with_clock(&clock_out(options))
}

/// Starts the outbound thread on `rx` with the MIDI output (external instruments, the
/// clock's ports) and the SuperCollider sink when scsynth plays some instruments, and
/// has the engine forward the sequencer's clock when it goes out. The MIDI output follows
/// every commit and load from here on (`Controller::set_commit_listener`: ports opened,
/// re-routed and closed at each swap, `midi_out::replan`); without external instruments
/// it opens no MIDI host and the thread idles. (The `midi` instruments' params are
/// declared to the controller at each commit: `setup::start`; the SuperCollider ones'
/// controls by `sc_setup`.) `buffer`: the stream's buffer as asked for, for the output
/// latency; when it is not given the latency waits for the measured one
/// ([`Outbound::set_buffer`]) and a JACK client takes two of its own periods plus 2 ms.
/// `stamp`: the audio callback's JACK cycle stamp (audio on JACK), which times scsynth's
/// bundles. Called before the stream starts: the MIDI host is opened and the ports looked for once
/// right here, so the patch's first notes find their ports connected.
pub(super) fn start_outbound(
    rx: Consumer<OutboundEvent>,
    options: &PlayOptions,
    control: &Mutex<Controller>,
    sample_rate: u32,
    buffer: Option<u32>,
    sc_reload: ReconfigBox,
    stamp: Option<Arc<CycleStamp>>,
) -> Result<Option<Outbound>, PlayError> {
    let mut c = control.lock();
    let plan = plan_of(c.running(), options);
    let mut sinks: Vec<Box<dyn OutboundSink>> = Vec::new();
    let mut ports: Vec<BackendStatus> = Vec::new();
    let mut returns = None;
    let supercollider = start_supercollider(options, &mut c, sample_rate, sc_reload, stamp).map(
        |ScStarted {
             sink,
             status,
             returns: desk,
         }| {
            returns = desk;
            let sc = status.clone();
            ports.push(Arc::new(move || {
                vec![BackendPort {
                    backend: "supercollider",
                    line: sc.line(),
                    state: sc.json(),
                }]
            }));
            sinks.push(Box::new(sink));
            status
        },
    );
    if plan.clock.is_some() {
        c.want_clock();
    }
    let has_ports = !plan.is_empty();
    let mut midi = start_midi(&plan, options, &c, sample_rate, buffer);
    let latency = (options.config.midi_out.latency_ms.is_none() && buffer.is_none())
        .then(|| midi.latency_cell());
    let status = midi.status();
    let replans = midi.replans();
    let reading = status.clone();
    ports.insert(
        0,
        Arc::new(move || {
            reading
                .ports()
                .iter()
                .map(|p| BackendPort {
                    backend: "midi",
                    line: reading.line(p),
                    state: reading.json(p),
                })
                .collect()
        }),
    );
    c.set_backend_status(Arc::new(move || ports.iter().flat_map(|f| f()).collect()));
    let gauges = PortGauges::of(&c, &options.config.midi_out);
    for port in status.ports() {
        gauges.register(&port);
    }
    midi.on_port(Box::new(move |port, opened| {
        if opened {
            gauges.register(port);
        } else {
            gauges.unregister(port);
        }
    }));
    let (opts, plans) = (options.clone(), replans.clone());
    c.set_commit_listener(Arc::new(move |revision, desc| {
        plans.publish(revision, plan_of(desc, &opts));
    }));
    midi.tick();
    sinks.insert(0, Box::new(midi));
    // Under load a starved output thread hands notes over after their frame: it asks for
    // real-time priority (below the audio thread's) and says in one line what it got.
    let name = if has_ports {
        "the MIDI out thread"
    } else {
        "the outbound thread"
    };
    let promote = move || tracing::info!("{}", promote_this_thread(name, HELPER_PRIORITY));
    let thread = OutboundThread::start(rx, sinks, c.faults().clone(), promote)
        .map_err(PlayError::OutboundThread)?;
    if let Some(t) = thread.waker() {
        replans.wake(t);
    }
    register_ring(&c, &thread);
    Ok(Some(Outbound {
        thread,
        midi: Some(status),
        supercollider,
        latency,
        returns,
    }))
}

/// The MIDI output of the patch's `midi` instruments and the clock's ports (their params
/// are declared to the controller at each commit, by its backend catalog).
fn start_midi(
    plan: &crate::midi_out::Plan,
    options: &PlayOptions,
    c: &Controller,
    sample_rate: u32,
    buffer: Option<u32>,
) -> MidiOutSink {
    // Without a buffer size yet: none until the player sets it (JACK: its own periods).
    let latency = match (options.config.midi_out.latency_ms, buffer) {
        (Some(ms), _) => ms as f64 * 1e-3,
        (None, Some(buffer)) => latency_for(buffer, sample_rate).as_secs_f64(),
        (None, None) => 0.0,
    };
    let latency = (latency * sample_rate as f64).round() as u64;
    MidiOutSink::new(
        plan,
        out_host(options),
        &options.config.midi_out,
        c.engine().stats().clone(),
        sample_rate as f32,
        latency,
    )
}

/// Registers the outbound ring as a named queue for `/metrics`
/// (`realtime::queue_gauges`).
fn register_ring(control: &Controller, thread: &OutboundThread) {
    let observed = control.observed();
    let stats = control.engine().stats().clone();
    let depth = thread.depth_reader();
    let high = Arc::new(HighWater::default());
    observed.queues.register(
        "outbound",
        Arc::new(move || {
            let depth = depth() as u64;
            high.saw(depth);
            QueueReading {
                depth,
                high_water: high.get(),
                dropped: EngineStats::get(&stats.outbound_dropped),
                capacity: OUTBOUND_CAPACITY as u64,
            }
        }),
    );
}

/// Each MIDI output port as a named queue and as a backend (up while connected), for
/// `/metrics` (`realtime::queue_gauges`, `realtime::backend_gauges`): registered when
/// the port opens, unregistered when a commit closes it.
struct PortGauges {
    observed: Arc<crate::control::Observed>,
    capacity: u64,
}

impl PortGauges {
    fn of(control: &Controller, settings: &MidiOutSettings) -> PortGauges {
        PortGauges {
            observed: control.observed().clone(),
            capacity: settings.queue as u64,
        }
    }

    fn name(port: &PortStatus) -> String {
        format!("midi_out:{}", port.pattern)
    }

    fn register(&self, port: &PortStatus) {
        let name = Self::name(port);
        let stats = port.stats.clone();
        let capacity = self.capacity;
        self.observed.queues.register(
            &name,
            Arc::new(move || QueueReading {
                depth: stats.queued.load(Relaxed),
                high_water: stats.high_water.load(Relaxed),
                dropped: stats.dropped_total(),
                capacity,
            }),
        );
        let stats = port.stats.clone();
        self.observed
            .backends
            .register(&name, Arc::new(move || stats.connected.load(Relaxed)));
    }

    fn unregister(&self, port: &PortStatus) {
        let name = Self::name(port);
        self.observed.queues.unregister(&name);
        self.observed.backends.unregister(&name);
    }
}
