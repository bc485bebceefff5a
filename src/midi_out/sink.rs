//! [`MidiOutSink`]: the MIDI output as an [`OutboundSink`] of the outbound thread. It turns
//! each external instrument's events into MIDI ([`Voicing`]), queues them per port
//! ([`OutputQueue`]), finds and connects each port's destination by name, and hands what
//! is due to the host: JACK (written at the exact frame by its callback) or the ALSA
//! sequencer (sent when its time has come). The ports of `clock: (out: [...])` /
//! `--clock-out` also get the sequencer's MIDI clock through their gate ([`ClockGate`]);
//! when the sink stops, a running clock is sent STOP after everything else it was sent.
//!
//! Ports are matched by part of their name, any case. A destination that is absent at
//! start is one warning line, and the sink keeps looking for it with backoff (0.1 s
//! doubling to 2 s); meanwhile the events meant for it are dropped and counted
//! (`disconnected_drops`). A destination that goes away is one warning line; it is looked
//! for again the same way, and notes flow again once it is back. A host that cannot open
//! (no JACK server, no ALSA sequencer) is retried with the same backoff.
//!
//! The plan of ports and instruments changes at every commit: the sink applies a commit's
//! plan at its swap (`replan`), opening, re-routing and closing ports; a sink without
//! ports opens no host and is idle.
//!
//! A param change with a glide time becomes a stream of values ([`Glides`]), one every
//! CC throttle interval; a param never sent starts from its profile's initial value. Its values are made at each tick up to the engine time read at
//! the *previous* tick, before this tick's drain of the ring: every event before that
//! time has been seen by then (the engine publishes its time after pushing a block's
//! events), so a change made during a glide always comes after the glide's last value.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tracing::{info, warn};

use super::alsa_output::AlsaOut;
use super::clock_out::ClockGate;
use super::glide::{Glides, Step};
#[cfg(feature = "jack")]
use super::jack_output::JackOut;
use super::message::OutMessage;
use super::queue::OutputQueue;
use super::replan::Replans;
use super::settings::{MidiOutSettings, Plan};
use super::stats::PortStats;
use super::voicing::{Timed, Voicing};
use crate::address::InstrumentKey;
use crate::backend::OutboundSink;
use crate::engine::{EngineStats, OutEvent, OutboundEvent};
use crate::realtime::sample_clock::SampleClock;

/// First wait before looking for a port (or a host) again.
pub const BACKOFF_START: Duration = Duration::from_millis(100);
/// Longest wait between two looks.
pub const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// How often a connected port is checked.
const CHECK: Duration = Duration::from_millis(250);

/// Which MIDI host the output uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutHostKind {
    /// The ALSA sequencer (midir).
    Alsa,
    /// JACK MIDI.
    Jack,
}

impl OutHostKind {
    /// `alsa` or `jack`.
    pub fn name(self) -> &'static str {
        match self {
            OutHostKind::Alsa => "alsa",
            OutHostKind::Jack => "jack",
        }
    }
}

enum Host {
    Alsa(AlsaOut),
    #[cfg(feature = "jack")]
    Jack(JackOut),
}

impl Host {
    fn destinations(&self) -> Vec<String> {
        match self {
            Host::Alsa(a) => a.destinations().unwrap_or_default(),
            #[cfg(feature = "jack")]
            Host::Jack(j) => j.destinations(),
        }
    }

    fn connect(&mut self, i: usize, dest: &str) -> Result<(), String> {
        match self {
            Host::Alsa(a) => a.connect(i, dest),
            #[cfg(feature = "jack")]
            Host::Jack(j) => j.connect(i, dest),
        }
    }

    fn is_connected(&mut self, i: usize, dest: &str) -> bool {
        match self {
            Host::Alsa(a) => a.is_connected(i, dest),
            #[cfg(feature = "jack")]
            Host::Jack(j) => j.is_connected(i, dest),
        }
    }

    fn send(&mut self, i: usize, due: u64, msg: &OutMessage) -> bool {
        // ALSA sends at once (the output thread hands a message over when it is due).
        #[cfg(not(feature = "jack"))]
        let _ = due;
        match self {
            Host::Alsa(a) => a.send(i, msg),
            #[cfg(feature = "jack")]
            Host::Jack(j) => j.send(i, due, msg),
        }
    }

    fn is_gone(&self) -> bool {
        match self {
            Host::Alsa(_) => false,
            #[cfg(feature = "jack")]
            Host::Jack(j) => j.is_gone(),
        }
    }

    /// A new port counting into `stats`: its index on the host.
    fn add_port(&mut self, stats: &Arc<PortStats>) -> Result<usize, String> {
        match self {
            Host::Alsa(a) => {
                let _ = stats;
                Ok(a.add_port())
            }
            #[cfg(feature = "jack")]
            Host::Jack(j) => j.add_port(stats.clone()),
        }
    }

    /// Closes port `i` once what was handed to it is out.
    fn remove_port(&mut self, i: usize) {
        match self {
            Host::Alsa(a) => a.remove_port(i),
            #[cfg(feature = "jack")]
            Host::Jack(j) => j.remove_port(i),
        }
    }
}

/// One instrument on an output port, as status readers show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortInstrument {
    /// The instrument's id.
    pub id: String,
    /// Its CC profile's name, if it has one.
    pub profile: Option<String>,
    /// Its MIDI channel, 1–16.
    pub channel: u8,
}

impl std::fmt::Display for PortInstrument {
    /// `nts1 (korg_nts1_mk2, ch 1)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let profile = self.profile.as_deref().unwrap_or("no profile");
        write!(f, "{} ({profile}, ch {})", self.id, self.channel)
    }
}

/// What `/backend/status`, `/api/state` and the status line read of one port.
#[derive(Debug)]
pub struct PortStatus {
    /// The name pattern the patch gave.
    pub pattern: String,
    /// The destination it is connected to (`None` while it is looked for).
    pub destination: Mutex<Option<String>>,
    /// The instruments on it and their profiles (a commit may change them).
    pub instruments: Mutex<Vec<PortInstrument>>,
    /// Whether the sequencer's MIDI clock goes out on it.
    pub clock: bool,
    /// The bound of its queue, messages.
    pub capacity: usize,
    /// Its counters.
    pub stats: Arc<PortStats>,
}

/// Every output port's status.
#[derive(Debug, Default)]
pub struct MidiOutStatus {
    /// `alsa` or `jack`.
    pub host: &'static str,
    /// The ports, in the order they were opened (a commit adds and closes some).
    pub ports: Mutex<Vec<Arc<PortStatus>>>,
}

impl MidiOutStatus {
    /// The ports now.
    pub fn ports(&self) -> Vec<Arc<PortStatus>> {
        self.ports.lock().clone()
    }

    /// One line per port: `MIDI out "NTS-1" -> midi_dump:input (jack): nts1 (...); sent ...`.
    pub fn lines(&self) -> Vec<String> {
        self.ports().iter().map(|p| self.line(p)).collect()
    }

    /// The status line of `port`.
    pub fn line(&self, port: &PortStatus) -> String {
        let dest = port.destination.lock().clone();
        let instruments: Vec<String> = port
            .instruments
            .lock()
            .iter()
            .map(|i| i.to_string())
            .chain(port.clock.then(|| "MIDI clock".to_string()))
            .collect();
        format!(
            "MIDI out {:?} -> {} ({}): {}; {}",
            port.pattern,
            dest.as_deref().unwrap_or("not connected"),
            self.host,
            instruments.join(", "),
            port.stats.summary()
        )
    }

    /// `port` as JSON (`/api/state`'s `midi_outputs`): `port` (the patch's name pattern),
    /// `host`, `destination` (`null` while looked for), `connected`, `instruments`
    /// (`[{id, profile, channel}]`), `clock` (the sequencer's MIDI clock goes out on it),
    /// `queue_capacity`, and the counters of
    /// [`PortStats::json`].
    pub fn json(&self, port: &PortStatus) -> serde_json::Value {
        let instruments: Vec<serde_json::Value> = port
            .instruments
            .lock()
            .iter()
            .map(|i| serde_json::json!({"id": i.id, "profile": i.profile, "channel": i.channel}))
            .collect();
        let mut out = serde_json::json!({
            "port": port.pattern,
            "host": self.host,
            "destination": port.destination.lock().clone(),
            "connected": port.stats.connected.load(Ordering::Relaxed),
            "instruments": instruments,
            "clock": port.clock,
            "queue_capacity": port.capacity,
        });
        if let (Some(out), serde_json::Value::Object(stats)) =
            (out.as_object_mut(), port.stats.json())
        {
            out.extend(stats);
        }
        out
    }
}

/// Told when a port opens (`true`) or closes (`false`): the player registers its gauges.
pub type PortHook = Box<dyn FnMut(&PortStatus, bool) + Send>;

pub(super) struct Port {
    pub(super) pattern: String,
    /// The clock's transport state on this port, when it gets the clock.
    pub(super) clock: Option<ClockGate>,
    /// Its index on the host, while the host has it.
    pub(super) slot: Option<usize>,
    pub(super) dest: Option<String>,
    pub(super) queue: OutputQueue,
    pub(super) stats: Arc<PortStats>,
    pub(super) next_look: Instant,
    pub(super) delay: Duration,
    pub(super) warned: bool,
    pub(super) status: Arc<PortStatus>,
    /// No instrument uses it anymore: it closes once its queue is empty.
    pub(super) closing: bool,
}

/// The MIDI output backend.
pub struct MidiOutSink {
    pub(super) kind: OutHostKind,
    host: Option<Host>,
    host_next: Instant,
    host_delay: Duration,
    host_warned: bool,
    pub(super) ports: Vec<Port>,
    /// Each instrument's port (an index in `ports`) and voicing.
    pub(super) instruments: HashMap<InstrumentKey, (usize, Voicing)>,
    pub(super) scratch: Vec<Timed>,
    engine: Arc<EngineStats>,
    clock: SampleClock,
    /// Samples between an event's engine time and its time on the wire (the player sets
    /// it once it has measured the stream's buffer: [`latency_cell`](Self::latency_cell)).
    latency: Arc<AtomicU64>,
    pub(super) status: Arc<MidiOutStatus>,
    pub(super) glides: Glides,
    steps: Vec<Step>,
    /// The engine time read at the previous tick: every event before it has been drained.
    horizon: u64,
    /// Plans of commits, applied at their swap.
    pub(super) replans: Replans,
    /// The last swap seen on the ring, and the engine's revision read at the last two
    /// ticks (a swap whose event the full ring dropped is applied from these).
    pub(super) swapped: u64,
    revisions: [u64; 2],
    pub(super) throttle: u64,
    pub(super) capacity: usize,
    pub(super) port_hook: Option<PortHook>,
}

impl MidiOutSink {
    /// The sink of `plan` on `kind`, with `settings`, reading the engine's clock from
    /// `engine` at `sample_rate`; messages go out `latency` samples after the engine
    /// played them. Opens nothing yet: the first [`tick`](OutboundSink::tick) does (and
    /// none while there are no ports). Later plans come through [`replans`](Self::replans).
    pub fn new(
        plan: &Plan,
        kind: OutHostKind,
        settings: &MidiOutSettings,
        engine: Arc<EngineStats>,
        sample_rate: f32,
        latency: u64,
    ) -> MidiOutSink {
        let throttle = (settings.cc_throttle_ms as f64 * 1e-3 * sample_rate as f64).round() as u64;
        let now = Instant::now();
        let revision = engine.revision.load(Ordering::Relaxed);
        let mut sink = MidiOutSink {
            kind,
            host: None,
            host_next: now,
            host_delay: BACKOFF_START,
            host_warned: false,
            ports: Vec::new(),
            instruments: HashMap::new(),
            scratch: Vec::with_capacity(64),
            clock: SampleClock::new(engine.clone(), sample_rate),
            engine,
            latency: Arc::new(AtomicU64::new(latency)),
            status: Arc::new(MidiOutStatus {
                host: kind.name(),
                ports: Mutex::new(Vec::new()),
            }),
            // One value per throttle interval (every millisecond without a throttle).
            glides: Glides::new(throttle.max((sample_rate as f64 * 1e-3).round() as u64)),
            steps: Vec::new(),
            horizon: 0,
            replans: Replans::default(),
            swapped: revision,
            revisions: [revision; 2],
            throttle,
            capacity: settings.queue,
            port_hook: None,
        };
        sink.apply(plan.clone(), 0);
        sink
    }

    /// The status every reader shares.
    pub fn status(&self) -> Arc<MidiOutStatus> {
        self.status.clone()
    }

    /// Where commits hand this sink their plans ([`Replans::publish`]).
    pub fn replans(&self) -> Replans {
        self.replans.clone()
    }

    /// Calls `hook` for every port opened or closed from now on.
    pub fn on_port(&mut self, hook: PortHook) {
        self.port_hook = Some(hook);
    }

    /// A new port for `pattern` (looked for from the next tick).
    pub(super) fn new_port(&self, pattern: &str, clock: Option<ClockGate>) -> Port {
        let stats = Arc::new(PortStats::default());
        let status = Arc::new(PortStatus {
            pattern: pattern.to_string(),
            destination: Mutex::new(None),
            instruments: Mutex::new(Vec::new()),
            clock: clock.is_some(),
            capacity: self.capacity,
            stats: stats.clone(),
        });
        Port {
            pattern: pattern.to_string(),
            clock,
            slot: None,
            dest: None,
            queue: OutputQueue::new(self.capacity, self.throttle, stats.clone()),
            stats,
            next_look: Instant::now(),
            delay: BACKOFF_START,
            warned: false,
            status,
            closing: false,
        }
    }

    /// The engine's sample time now.
    fn engine_now(&self) -> u64 {
        let published = self.engine.sample_time.load(Ordering::Relaxed);
        match self.kind {
            OutHostKind::Jack => published,
            OutHostKind::Alsa => self
                .clock
                .sample_at_time(std::time::SystemTime::now())
                .unwrap_or(published)
                .max(published),
        }
    }

    fn open_host(&mut self) {
        let now = Instant::now();
        if self.host.as_ref().is_some_and(Host::is_gone) {
            warn!("MIDI out: the JACK server went away; looking for it again");
            // Closing a client whose server vanished crashes inside libjack (see
            // midi::jack_input): it is left open.
            std::mem::forget(self.host.take());
            for p in &mut self.ports {
                p.dest = None;
                p.slot = None;
                p.stats.connected.store(false, Ordering::Relaxed);
                *p.status.destination.lock() = None;
            }
        }
        // No port, no host: a patch without external synths opens nothing.
        if self.host.is_some() || now < self.host_next || self.ports.is_empty() {
            return;
        }
        let opened = match self.kind {
            OutHostKind::Alsa => AlsaOut::open().map(Host::Alsa),
            #[cfg(feature = "jack")]
            OutHostKind::Jack => JackOut::open(self.engine.clone(), self.latency()).map(Host::Jack),
            #[cfg(not(feature = "jack"))]
            OutHostKind::Jack => Err("this build has no JACK support".to_string()),
        };
        match opened {
            Ok(host) => {
                if self.host_warned {
                    info!("MIDI out: the {} MIDI host is open", self.kind.name());
                }
                self.host = Some(host);
                self.host_delay = BACKOFF_START;
                self.host_warned = false;
            }
            Err(e) => {
                if !self.host_warned {
                    warn!("MIDI out: {e}; retrying (events for external synths are dropped meanwhile)");
                    self.host_warned = true;
                }
                self.host_next = now + self.host_delay;
                self.host_delay = (self.host_delay * 2).min(BACKOFF_MAX);
            }
        }
    }

    fn look_for_ports(&mut self) {
        let now = Instant::now();
        let Some(host) = self.host.as_mut() else {
            return;
        };
        let mut listed: Option<Vec<String>> = None;
        for port in self.ports.iter_mut().filter(|p| !p.closing) {
            if now < port.next_look {
                continue;
            }
            let slot = match port.slot {
                Some(slot) => slot,
                None => match host.add_port(&port.stats) {
                    Ok(slot) => {
                        port.slot = Some(slot);
                        slot
                    }
                    Err(e) => {
                        if !port.warned {
                            warn!("MIDI out: {e}; retrying (events for {:?} are dropped and counted meanwhile)", port.pattern);
                            port.warned = true;
                        }
                        port.next_look = now + port.delay;
                        port.delay = (port.delay * 2).min(BACKOFF_MAX);
                        continue;
                    }
                },
            };
            if let Some(dest) = port.dest.clone() {
                if host.is_connected(slot, &dest) {
                    port.next_look = now + CHECK;
                    continue;
                }
                warn!(
                    "MIDI out: {dest} went away; looking for a port matching {:?} again",
                    port.pattern
                );
                port.dest = None;
                if let Some(gate) = &mut port.clock {
                    gate.disconnected();
                }
                port.stats.connected.store(false, Ordering::Relaxed);
                *port.status.destination.lock() = None;
                let n = port.queue.clear();
                port.stats
                    .disconnected_drops
                    .fetch_add(n as u64, Ordering::Relaxed);
                port.delay = BACKOFF_START;
                port.warned = true;
            }
            let all = listed.get_or_insert_with(|| host.destinations());
            let want = port.pattern.to_lowercase();
            let found = all
                .iter()
                .find(|d| d.to_lowercase().contains(&want))
                .cloned();
            let result = match &found {
                Some(dest) => host.connect(slot, dest).map(|_| dest.clone()),
                None => Err(format!(
                    "no {} MIDI port matching {:?}",
                    self.kind.name(),
                    port.pattern
                )),
            };
            match result {
                Ok(dest) => {
                    info!(
                        "MIDI out: {:?} -> {dest} ({})",
                        port.pattern,
                        self.kind.name()
                    );
                    *port.status.destination.lock() = Some(dest.clone());
                    port.dest = Some(dest);
                    port.stats.connected.store(true, Ordering::Relaxed);
                    port.stats.connects.fetch_add(1, Ordering::Relaxed);
                    port.delay = BACKOFF_START;
                    port.warned = false;
                    port.next_look = now + CHECK;
                }
                Err(e) => {
                    if !port.warned {
                        warn!("MIDI out: {e}; looking for it (events for it are dropped and counted meanwhile)");
                        port.warned = true;
                    }
                    port.next_look = now + port.delay;
                    port.delay = (port.delay * 2).min(BACKOFF_MAX);
                }
            }
        }
    }

    /// Closes the ports no instrument uses anymore once their queues are empty (JACK
    /// writes what it was handed first).
    fn close_unused(&mut self) {
        while let Some(i) = self
            .ports
            .iter()
            .position(|p| p.closing && p.queue.is_empty())
        {
            let port = self.ports.remove(i);
            if let (Some(host), Some(slot)) = (self.host.as_mut(), port.slot) {
                host.remove_port(slot);
            }
            for (p, _) in self.instruments.values_mut() {
                if *p > i {
                    *p -= 1;
                }
            }
            self.status
                .ports
                .lock()
                .retain(|s| !Arc::ptr_eq(s, &port.status));
            if let Some(hook) = self.port_hook.as_mut() {
                hook(&port.status, false);
            }
            info!(
                "MIDI out: {:?} closed (no instrument uses it)",
                port.pattern
            );
        }
        #[cfg(feature = "jack")]
        if let Some(Host::Jack(j)) = self.host.as_mut() {
            j.collect();
        }
    }

    /// Hands every port's due messages to the host (or drops them, counted, while the
    /// port is not connected).
    fn release(&mut self, limit: u64) {
        let now = self.engine_now_static();
        let latency = self.latency();
        for port in self.ports.iter_mut() {
            while let Some((due, msg)) = port.queue.pop_due(limit) {
                let sent = match (&mut self.host, &port.dest, port.slot) {
                    (Some(host), Some(_), Some(slot)) => host.send(slot, due, &msg),
                    _ => {
                        port.stats
                            .disconnected_drops
                            .fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                };
                if !sent {
                    port.stats.dropped[msg.kind.index()].fetch_add(1, Ordering::Relaxed);
                } else if self.kind == OutHostKind::Alsa {
                    port.stats
                        .record_sent(msg.kind, now.saturating_sub(due + latency));
                }
            }
        }
    }

    /// The output latency in samples, as it stands.
    fn latency(&self) -> u64 {
        self.latency.load(Ordering::Relaxed)
    }

    /// The output latency's cell, for the player to set once it knows the stream's buffer
    /// (a host that does not report it is measured from the first callbacks, after this
    /// sink has started). A JACK client keeps what it opened with, at least its own two
    /// periods + 2 ms; the ALSA sequencer's sends follow each change from their next tick.
    pub fn latency_cell(&self) -> Arc<AtomicU64> {
        self.latency.clone()
    }

    fn engine_now_static(&self) -> u64 {
        self.engine.sample_time.load(Ordering::Relaxed)
    }

    /// Queues the glides' values due by `until` on their ports, as changes at once.
    fn glide_steps(&mut self, until: u64) {
        if self.glides.is_empty() {
            return;
        }
        let mut steps = std::mem::take(&mut self.steps);
        steps.clear();
        self.glides.due(until, &mut steps);
        let mut scratch = std::mem::take(&mut self.scratch);
        for &(time, (key, param), value) in &steps {
            let Some((port, voicing)) = self.instruments.get_mut(&key) else {
                continue;
            };
            scratch.clear();
            let at_once = OutEvent::Param {
                param,
                value,
                glide: 0,
            };
            voicing.event(at_once, &mut scratch);
            for (delay, msg) in &scratch {
                self.ports[*port].queue.push(time + delay, *msg);
            }
        }
        self.scratch = scratch;
        self.steps = steps;
    }

    /// What is due now: JACK takes messages as soon as they are released (its callback
    /// waits for their frame); ALSA only once their time has come.
    fn limit(&self) -> u64 {
        let now = self.engine_now();
        match self.kind {
            OutHostKind::Jack => now,
            OutHostKind::Alsa => now.saturating_sub(self.latency()),
        }
    }
}

impl OutboundSink for MidiOutSink {
    fn name(&self) -> &str {
        "midi"
    }

    fn plays(&self, key: InstrumentKey) -> bool {
        self.instruments.contains_key(&key)
    }

    fn event(&mut self, e: &OutboundEvent) {
        if let OutEvent::Swap { revision } = e.event {
            self.swapped = self.swapped.max(revision);
            if let Some(plan) = self.replans.take_up_to(revision) {
                self.apply(plan, e.time);
            }
            return;
        }
        if let OutEvent::Clock(message) = e.event {
            for port in &mut self.ports {
                let connected = port.dest.is_some();
                if let Some(msg) = port
                    .clock
                    .as_mut()
                    .and_then(|g| g.message(message, connected))
                {
                    port.queue.push(e.time, msg);
                }
            }
            return;
        }
        if let OutEvent::Param {
            param,
            value,
            glide,
        } = e.event
        {
            let key = (e.instrument, param);
            if glide > 0 {
                // Its values are queued as they come due (`glide_steps`); a param never
                // sent starts from its profile's initial value.
                let initial = self
                    .instruments
                    .get(&e.instrument)
                    .and_then(|(_, v)| v.profile()?.params.get(param as usize))
                    .map(|p| p.initial);
                self.glides.start(key, value, e.time, glide as u64, initial);
                return;
            }
            self.glides.set(key, value);
        }
        let Some((port, voicing)) = self.instruments.get_mut(&e.instrument) else {
            return;
        };
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        voicing.event(e.event, &mut scratch);
        for (delay, msg) in &scratch {
            self.ports[*port].queue.push(e.time + delay, *msg);
        }
        self.scratch = scratch;
    }

    fn tick(&mut self) {
        // A swap whose event was dropped (a full ring) or that came before its plan:
        // every event before the revision read two ticks ago has been drained.
        let seen = self.swapped.max(self.revisions[0]);
        if let Some(plan) = self.replans.take_up_to(seen) {
            let time = self.horizon;
            self.apply(plan, time);
        }
        self.open_host();
        self.look_for_ports();
        let limit = self.limit();
        // Acquire: the events the engine pushed before publishing this time are seen by
        // the next drain (see the module docs).
        let horizon = std::mem::replace(
            &mut self.horizon,
            self.engine.sample_time.load(Ordering::Acquire),
        );
        self.revisions = [
            self.revisions[1],
            self.engine.revision.load(Ordering::Relaxed),
        ];
        self.glide_steps(horizon.min(limit));
        self.release(limit);
        self.close_unused();
    }

    fn idle(&self) -> bool {
        self.ports.is_empty() && self.glides.is_empty() && self.replans.is_empty()
    }

    fn stop(&mut self) {
        let now = self.engine_now_static();
        let mut scratch = Vec::new();
        for (port, voicing) in self.instruments.values_mut() {
            scratch.clear();
            voicing.event(OutEvent::AllNotesOff, &mut scratch);
            for (_, msg) in &scratch {
                self.ports[*port].queue.push(now, *msg);
            }
        }
        // A clock that runs is stopped, after everything it was sent.
        for port in &mut self.ports {
            if let Some(stop) = port.clock.as_mut().and_then(ClockGate::stop) {
                let last = port.queue.last_due().unwrap_or(now).max(now);
                port.queue.push(last, stop);
            }
        }
        self.release(u64::MAX);
        // JACK writes in its callback: give it a few cycles to take what is in flight.
        #[cfg(feature = "jack")]
        if let Some(Host::Jack(j)) = &self.host {
            j.flush();
            let until = Instant::now() + Duration::from_millis(200);
            while j.in_flight() > 0 && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(2));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
