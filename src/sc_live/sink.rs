//! [`ScSink`]: the SuperCollider backend as an [`OutboundSink`] of the outbound thread.
//!
//! Each event of a `supercollider` instrument becomes an OSC bundle time-tagged at the
//! event's engine sample plus the fixed latency, so scsynth starts it at that moment
//! whatever the network and thread delays below the latency. With a timing probe (the
//! engine and scsynth on one JACK server) the sample is mapped to JACK frame `sample +
//! latency + offset` and that frame to the time scsynth gives it ([`ScClock`]): the note
//! lands on that frame. Without one (or until the probe is heard) the sample is mapped to
//! wall time through the JACK cycle clock ([`HostTime`]) when the engine runs on JACK,
//! else through the audio host's [`SampleClock`] (the callbacks' wake-up times).
//!
//! - note-on → `/s_new def node 0 group freq F amp V gate 1 pan P pressure Q out BUS ...`
//!   (plus every control `/mod` set), in the instrument's group inside Chronus's group;
//!   when all `count` voices are held, the steal policy releases the oldest (`gate 0`) or
//!   drops the note (`steal: "none"`);
//! - note-off → `/n_set node gate 0` (held back while the sustain pedal is down);
//! - pitch bend → `/n_set node freq F` for each held note; pan and pressure → `/n_set` on
//!   the instrument's group; all-sound-off and panic → `/g_freeAll` of the group;
//! - `/mod/{instrument}/{control}` → `/n_set group control value`, remembered for the notes
//!   that start later.
//!
//! While the server is down, note events are counted as dropped but the held notes are
//! remembered: when it is up again each held note starts again at once; its release
//! then comes as usual. On stop every held note is released and a server Chronus started
//! is told to quit.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use rosc::{OscPacket, OscTime, OscType};
use tracing::{info, warn};

use super::messages::{bundle, message, time_tag, IMMEDIATELY};
use super::plan::ScInstrument;
use super::sc_clock::{ProbeInput, ScClock, PROBE_DEF, PROBE_LEAD, PROBE_PERIOD};
use super::server::{with_outputs, Change, Server, ServerSettings};
use super::status::ScStatus;
use super::voices::{Start, Voices};
use crate::address::InstrumentKey;
use crate::backend::OutboundSink;
use crate::engine::{ChannelMessage, OutEvent, OutboundEvent};
use crate::realtime::host_time::HostTime;
use crate::realtime::sample_clock::SampleClock;
use std::sync::atomic::Ordering::Relaxed;

/// Chronus's group on the server; instrument `i`'s group is `GROUP + 1 + i`.
pub const GROUP: i32 = 31_000;
/// The first node id of a voice (ids count up, wrapping before `i32::MAX`).
pub const FIRST_NODE: i32 = 1_000_000;

/// A config reload's new settings for the running sink (`supercollider` section,
/// docs/CONTRACTS.md §4.5), taken by the outbound thread at its next tick.
#[derive(Clone, Debug)]
pub struct Reconfig {
    /// The new server, when where it is or how it is started changed (`None`: the same
    /// one, kept).
    pub server: Option<ServerSettings>,
    /// The new latency, nanoseconds.
    pub latency_ns: u64,
}

/// Where a reload leaves a [`Reconfig`] for the sink: the reload's thread puts one in,
/// the outbound thread takes it.
pub type ReconfigBox = Arc<Mutex<Option<Reconfig>>>;

/// `settings` with the loads of the instruments' compiled defs before its own loads (the
/// user's SynthDef folder), and the setup that makes Chronus's groups.
fn with_defs(instruments: &[ScInstrument], mut settings: ServerSettings) -> ServerSettings {
    let mut loads: Vec<OscPacket> = instruments
        .iter()
        .filter_map(|i| i.bytes.as_ref())
        .map(|b| message("/d_recv", vec![OscType::Blob(b.clone())]))
        .collect();
    loads.append(&mut settings.loads);
    settings.loads = loads;
    let mut setup = vec![
        message("/n_free", vec![OscType::Int(GROUP)]),
        message(
            "/g_new",
            vec![OscType::Int(GROUP), OscType::Int(0), OscType::Int(0)],
        ),
    ];
    for i in 0..instruments.len() {
        setup.push(message(
            "/g_new",
            vec![
                OscType::Int(GROUP + 1 + i as i32),
                OscType::Int(1),
                OscType::Int(GROUP),
            ],
        ));
    }
    settings.setup = setup;
    settings
}

struct Inst {
    key: InstrumentKey,
    plan: ScInstrument,
    group: i32,
    bus: i32,
    voices: Voices,
}

/// The timing probe and what it measured.
struct Probe {
    input: Box<dyn ProbeInput>,
    clock: ScClock,
    /// scsynth's output the probe writes to (the first no instrument uses).
    channel: usize,
    /// When the next probe goes out.
    at: Instant,
    /// A new server: its port is to be connected afresh.
    fresh: bool,
    /// The probe's SynthDef (SCgf bytes), loaded on every server.
    def: Vec<u8>,
}

impl Probe {
    /// `settings` for a server the probe times: its def loaded with the others, an output
    /// of its own (`-o` raised for a server Chronus starts), and the server is up only once
    /// the probe is heard ([`ServerSettings::calibrate`]).
    fn prepare(&self, settings: &mut ServerSettings) {
        settings
            .loads
            .insert(0, message("/d_recv", vec![OscType::Blob(self.def.clone())]));
        if let Some(launch) = &mut settings.launch {
            launch.options = with_outputs(std::mem::take(&mut launch.options), self.channel + 1);
        }
        settings.calibrate = true;
    }
}

/// `latency_ns` in samples at `rate`.
fn latency_samples(latency_ns: u64, rate: f64) -> i64 {
    (latency_ns as f64 * rate / 1e9).round() as i64
}

/// Time before trying again to connect the probe's port.
const CONNECT_RETRY: Duration = Duration::from_millis(50);

/// Where scsynth's outputs come back into Chronus (the JACK return client's input
/// ports), kept open and connected from the sink's thread.
pub trait ReturnPorts: Send {
    /// Keeps the ports open (opens them again when they were lost), at every tick; true
    /// when they were opened again (to be connected afresh).
    fn look(&mut self) -> bool;
    /// Connects every port not connected yet to the newest scsynth's output (all of them
    /// anew when `fresh`: a server that restarted); true when all are.
    fn connect(&mut self, fresh: bool) -> bool;
}

/// The return ports and when to look at them next.
struct Return {
    ports: Box<dyn ReturnPorts>,
    /// The server came up again: connect to its ports anew.
    fresh: bool,
    at: Instant,
}

/// How often the return's connections are checked once made.
const RETURN_LOOK: Duration = Duration::from_millis(250);

/// The SuperCollider backend's sink.
pub struct ScSink {
    server: Server,
    instruments: Vec<Inst>,
    clock: SampleClock,
    /// The audio host's cycle clock, when it has one (JACK): preferred to `clock`.
    host_time: Option<HostTime>,
    latency_ns: u64,
    latency_samples: i64,
    probe: Option<Probe>,
    a4: f32,
    next_node: i32,
    status: Arc<ScStatus>,
    /// Where a config reload leaves new settings.
    reconfig: Option<ReconfigBox>,
    /// Where scsynth's outputs come back into the main graph (JACK), if they do.
    returns: Option<Return>,
}

impl ScSink {
    /// The sink of `instruments` on the server `settings` says (its loads and setup are
    /// filled in here), reading engine time through `clock`; bundles are due `latency_ns`
    /// after their event's sample; notes are tuned to `a4`. Instrument `i` writes to
    /// scsynth's outputs `2i`, `2i + 1`. With `probe` (the probe's input and its def's
    /// SCgf bytes), the probe writes to output `2n` for `n` instruments and times the
    /// notes ([`ScClock`]).
    pub fn new(
        instruments: Vec<ScInstrument>,
        settings: ServerSettings,
        clock: SampleClock,
        latency_ns: u64,
        a4: f32,
        status: Arc<ScStatus>,
        probe: Option<(Box<dyn ProbeInput>, Vec<u8>)>,
    ) -> std::io::Result<ScSink> {
        let mut settings = with_defs(&instruments, settings);
        let probe = probe.map(|(input, def)| Probe {
            input,
            clock: ScClock::new(clock.sample_rate()),
            channel: 2 * instruments.len(),
            at: Instant::now(),
            fresh: true,
            def,
        });
        if let Some(p) = &probe {
            p.prepare(&mut settings);
        }
        let latency_samples = latency_samples(latency_ns, clock.sample_rate());
        let instruments = instruments
            .into_iter()
            .enumerate()
            .map(|(i, plan)| Inst {
                key: InstrumentKey::of(&plan.id),
                group: GROUP + 1 + i as i32,
                bus: 2 * i as i32,
                voices: Voices::new(plan.count, plan.steal, plan.controls.len()),
                plan,
            })
            .collect();
        Ok(ScSink {
            server: Server::new(settings, status.clone())?,
            instruments,
            clock,
            host_time: None,
            latency_ns,
            latency_samples,
            probe,
            a4,
            next_node: FIRST_NODE,
            status,
            reconfig: None,
            returns: None,
        })
    }

    /// Connects `ports` to scsynth's outputs once its defs are loaded, and again after
    /// each restart of scsynth or of the ports themselves (which it keeps open:
    /// [`ReturnPorts::look`]).
    pub fn return_to(&mut self, ports: Box<dyn ReturnPorts>) {
        self.returns = Some(Return {
            ports,
            fresh: true,
            at: Instant::now(),
        });
    }

    /// Keeps the return ports open, and connects them when due (see
    /// [`return_to`](Self::return_to)).
    fn connect_returns(&mut self, now: Instant) {
        let Some(r) = &mut self.returns else {
            return;
        };
        if r.ports.look() {
            r.fresh = true;
            r.at = now;
        }
        if !self.server.is_loaded() || now < r.at {
            return;
        }
        let fresh = std::mem::take(&mut r.fresh);
        if r.ports.connect(fresh) {
            r.at = now + RETURN_LOOK;
        } else {
            r.at = now + CONNECT_RETRY;
        }
    }

    /// Maps samples to wall time through the audio host's cycle clock from now on (the
    /// engine on JACK), rather than through the callbacks' wake-up times.
    pub fn time_by_host(&mut self, host_time: HostTime) {
        self.host_time = Some(host_time);
    }

    /// Takes the reloads a config reload leaves in `mailbox` (at each tick).
    pub fn reload_from(&mut self, mailbox: ReconfigBox) {
        self.reconfig = Some(mailbox);
    }

    /// Applies a reload: the new latency from the next event; a new server (address,
    /// program, port, options, SynthDef folder or failure limit changed) replaces the old
    /// one, which is stopped as at the end of play (a server Chronus started quits); the
    /// notes held then start again on the new one once it is up.
    fn reconfigure(&mut self, change: Reconfig) {
        self.latency_ns = change.latency_ns;
        self.latency_samples = latency_samples(change.latency_ns, self.clock.sample_rate());
        let Some(settings) = change.server else {
            return;
        };
        let plans: Vec<ScInstrument> = self.instruments.iter().map(|i| i.plan.clone()).collect();
        let mut settings = with_defs(&plans, settings);
        if let Some(p) = &mut self.probe {
            p.prepare(&mut settings);
            p.clock.reset();
            p.fresh = true;
        }
        let address = settings.address;
        let started = settings.launch.is_some();
        match Server::new(settings, self.status.clone()) {
            Ok(server) => {
                if self.server.is_up() {
                    for i in 0..self.instruments.len() {
                        let nodes: Vec<i32> = self.instruments[i]
                            .voices
                            .held
                            .iter()
                            .filter_map(|h| h.node)
                            .collect();
                        self.send(IMMEDIATELY, Self::release(&nodes));
                    }
                }
                self.server.stop();
                self.server = server;
                for inst in &mut self.instruments {
                    for h in &mut inst.voices.held {
                        h.node = None;
                    }
                }
                *self.status.address.lock() = address.to_string();
                self.status.started.store(started, Relaxed);
                self.status.error.store(false, Relaxed);
                info!("SuperCollider backend: the config reload restarts it at {address}");
            }
            Err(e) => warn!(
                "SuperCollider backend: cannot open a UDP socket for {address} ({e}); it stays on {}",
                self.status.address.lock()
            ),
        }
    }

    /// The status every reader shares.
    pub fn status(&self) -> Arc<ScStatus> {
        self.status.clone()
    }

    fn tag(&self, time: u64) -> OscTime {
        if let Some(ns) = self.probe.as_ref().and_then(|p| {
            let frame = time as i64 + self.latency_samples + p.input.offset()?;
            p.clock.tag_ns(frame)
        }) {
            return time_tag(ns);
        }
        let wall = match &self.host_time {
            Some(host) => host.wall_ns_at(time),
            None => self.clock.wall_ns_at(time),
        };
        match wall {
            Some(ns) => time_tag(ns + self.latency_ns),
            None => IMMEDIATELY,
        }
    }

    fn node(&mut self) -> i32 {
        let n = self.next_node;
        self.next_node = if n >= i32::MAX - 1 { FIRST_NODE } else { n + 1 };
        n
    }

    fn send(&self, tag: OscTime, content: Vec<OscPacket>) {
        if !content.is_empty() {
            self.server.send(&bundle(tag, content));
        }
    }

    /// The `/s_new` of note `note` on instrument `i` as node `node`.
    fn s_new(&self, i: usize, node: i32, note: u8, velocity: f32) -> OscPacket {
        let inst = &self.instruments[i];
        let v = &inst.voices;
        let mut args = vec![
            OscType::String(inst.plan.def.clone()),
            OscType::Int(node),
            OscType::Int(1),
            OscType::Int(inst.group),
        ];
        let mut set = |name: &str, value: OscType| {
            args.push(OscType::String(name.to_string()));
            args.push(value);
        };
        set("freq", OscType::Float(v.freq(note, self.a4)));
        set("amp", OscType::Float(velocity));
        set("gate", OscType::Float(1.0));
        set("pan", OscType::Float(v.pan));
        set("pressure", OscType::Float(v.pressure));
        set("out", OscType::Int(inst.bus));
        for (c, value) in inst.plan.controls.iter().zip(&v.params) {
            if let Some(value) = value {
                set(&c.name, OscType::Float(*value));
            }
        }
        message("/s_new", args)
    }

    fn release(nodes: &[i32]) -> Vec<OscPacket> {
        nodes
            .iter()
            .map(|&n| {
                message(
                    "/n_set",
                    vec![
                        OscType::Int(n),
                        OscType::String("gate".into()),
                        OscType::Float(0.0),
                    ],
                )
            })
            .collect()
    }

    fn group_set(&self, i: usize, name: &str, value: f32) -> OscPacket {
        message(
            "/n_set",
            vec![
                OscType::Int(self.instruments[i].group),
                OscType::String(name.into()),
                OscType::Float(value),
            ],
        )
    }

    fn note_on(&mut self, i: usize, note: u8, velocity: f32, tag: OscTime) {
        let up = self.server.is_up();
        let node = up.then(|| self.node());
        match self.instruments[i].voices.note_on(note, velocity, node) {
            Start::Dropped => {}
            Start::Play { stolen } => {
                let Some(node) = node else {
                    self.status.dropped.fetch_add(1, Relaxed);
                    return;
                };
                let mut content = Self::release(stolen.as_slice());
                content.push(self.s_new(i, node, note, velocity));
                let (id, def) = (&self.instruments[i].plan.id, &self.instruments[i].plan.def);
                let cause = || format!("a note of instrument {id:?} (SynthDef {def:?})");
                self.server.note_cause("/s_new", cause);
                self.send(tag, content);
            }
        }
    }

    fn channel(&mut self, i: usize, m: ChannelMessage, tag: OscTime) {
        let v = &mut self.instruments[i].voices;
        let content = match m {
            ChannelMessage::Bend(b) => {
                v.bend = b;
                self.bend_all(i)
            }
            ChannelMessage::BendRange(r) => {
                v.bend_range = r;
                self.bend_all(i)
            }
            ChannelMessage::Pressure(p) => {
                v.pressure = p;
                vec![self.group_set(i, "pressure", p)]
            }
            ChannelMessage::PolyPressure { note, value } => v
                .held
                .iter()
                .filter(|h| h.note == note)
                .filter_map(|h| h.node)
                .map(|n| {
                    message(
                        "/n_set",
                        vec![
                            OscType::Int(n),
                            OscType::String("pressure".into()),
                            OscType::Float(value),
                        ],
                    )
                })
                .collect(),
            ChannelMessage::Sustain(down) => Self::release(&v.sustain(down)),
            ChannelMessage::Pan(p) => {
                v.pan = p;
                vec![self.group_set(i, "pan", p)]
            }
            ChannelMessage::AllNotesOff => Self::release(&v.release_all()),
            ChannelMessage::AllSoundOff => {
                v.release_all();
                vec![message(
                    "/g_freeAll",
                    vec![OscType::Int(self.instruments[i].group)],
                )]
            }
            ChannelMessage::ResetControllers => {
                v.bend = 0.0;
                v.pressure = 0.0;
                let mut out = Self::release(&v.sustain(false));
                out.extend(self.bend_all(i));
                out.push(self.group_set(i, "pressure", 0.0));
                out
            }
            // Channel volume and expression have no control in a voice def: the
            // instrument's level is its def's own (`output.volume` for a template).
            ChannelMessage::Volume(_) | ChannelMessage::Expression(_) => Vec::new(),
        };
        self.send(tag, content);
    }

    fn bend_all(&self, i: usize) -> Vec<OscPacket> {
        let v = &self.instruments[i].voices;
        v.held
            .iter()
            .filter_map(|h| h.node.map(|n| (n, h.note)))
            .map(|(n, note)| {
                message(
                    "/n_set",
                    vec![
                        OscType::Int(n),
                        OscType::String("freq".into()),
                        OscType::Float(v.freq(note, self.a4)),
                    ],
                )
            })
            .collect()
    }

    fn param(&mut self, i: usize, param: u16, value: f32, tag: OscTime) {
        let Some(control) = self.instruments[i].plan.controls.get(param as usize) else {
            return;
        };
        let value = match control.range {
            Some((lo, hi)) => value.clamp(lo, hi),
            None => value,
        };
        let name = control.name.clone();
        self.instruments[i].voices.params[param as usize] = Some(value);
        let packet = self.group_set(i, &name, value);
        self.send(tag, vec![packet]);
    }

    /// The server came up (again): every held note starts again now.
    fn resound(&mut self) {
        for i in 0..self.instruments.len() {
            let held: Vec<(usize, u8, f32)> = self.instruments[i]
                .voices
                .held
                .iter()
                .enumerate()
                .map(|(k, h)| (k, h.note, h.velocity))
                .collect();
            let mut content = Vec::new();
            for (k, note, velocity) in held {
                let node = self.node();
                self.instruments[i].voices.held[k].node = Some(node);
                content.push(self.s_new(i, node, note, velocity));
            }
            self.send(IMMEDIATELY, content);
        }
    }
}

impl ScSink {
    /// Takes what the probe heard and scsynth's rate; true once the clock is measured.
    fn listen(&mut self) -> bool {
        let Some(p) = &mut self.probe else {
            return false;
        };
        while let Some((frame, value)) = p.input.heard() {
            p.clock.heard(frame, value);
        }
        if let Some(rate) = self.server.actual_rate() {
            p.clock.set_rate(rate);
        }
        p.clock.is_measured()
    }

    /// Sends a probe when one is due (connecting its port first when needed).
    fn send_probe(&mut self, now: Instant) {
        let Some(p) = &mut self.probe else {
            return;
        };
        if !self.server.is_loaded() || now < p.at {
            return;
        }
        let fresh = std::mem::take(&mut p.fresh);
        if !p.input.connect(p.channel, fresh) {
            p.at = now + CONNECT_RETRY;
            return;
        }
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64;
        let tag = wall + self.latency_ns + PROBE_LEAD.as_nanos() as u64;
        let id = p.clock.probe(tag);
        let start = message(
            "/s_new",
            vec![
                OscType::String(PROBE_DEF.into()),
                OscType::Int(-1),
                OscType::Int(1),
                OscType::Int(GROUP),
                OscType::String("out".into()),
                OscType::Float(p.channel as f32),
                OscType::String("id".into()),
                OscType::Float(id),
            ],
        );
        self.server.send_probe(&bundle(time_tag(tag), vec![start]));
        p.at = now + PROBE_PERIOD;
    }
}

impl OutboundSink for ScSink {
    fn name(&self) -> &str {
        "supercollider"
    }

    fn plays(&self, key: InstrumentKey) -> bool {
        self.instruments.iter().any(|i| i.key == key)
    }

    fn event(&mut self, e: &OutboundEvent) {
        let Some(i) = self.instruments.iter().position(|i| i.key == e.instrument) else {
            return;
        };
        let tag = self.tag(e.time);
        if !self.server.is_up() {
            match e.event {
                OutEvent::NoteOn { .. } => {}
                OutEvent::NoteOff { .. } | OutEvent::Channel(_) | OutEvent::Param { .. } => {
                    self.status.dropped.fetch_add(1, Relaxed);
                }
                _ => {}
            }
        }
        match e.event {
            OutEvent::NoteOn { note, velocity } => self.note_on(i, note, velocity, tag),
            OutEvent::NoteOff { note } => {
                if let Some(node) = self.instruments[i].voices.note_off(note) {
                    self.send(tag, Self::release(&[node]));
                }
            }
            OutEvent::Channel(m) => self.channel(i, m, tag),
            // Set at once: the controller refuses a glide time on these instruments'
            // controls (`Controller::glide_live`).
            OutEvent::Param { param, value, .. } => self.param(i, param, value, tag),
            OutEvent::AllNotesOff => {
                let nodes = self.instruments[i].voices.release_all();
                self.send(tag, Self::release(&nodes));
            }
            OutEvent::Panic => {
                self.instruments[i].voices.release_all();
                let group = self.instruments[i].group;
                self.send(tag, vec![message("/g_freeAll", vec![OscType::Int(group)])]);
            }
            OutEvent::Clock(_) | OutEvent::Swap { .. } => {}
        }
    }

    fn tick(&mut self) {
        let change = self.reconfig.as_ref().and_then(|m| m.lock().take());
        if let Some(change) = change {
            self.reconfigure(change);
        }
        let now = Instant::now();
        let calibrated = self.listen();
        match self.server.tick(now, calibrated) {
            Change::Loaded => {
                if let Some(p) = &mut self.probe {
                    p.clock.reset();
                    p.fresh = true;
                    p.at = now;
                }
                if let Some(r) = &mut self.returns {
                    r.fresh = true;
                    r.at = now;
                }
            }
            Change::CameUp => self.resound(),
            Change::WentDown => {
                if let Some(p) = &mut self.probe {
                    p.clock.reset();
                }
                for inst in &mut self.instruments {
                    for h in &mut inst.voices.held {
                        h.node = None;
                    }
                }
            }
            Change::None => {}
        }
        self.send_probe(now);
        self.connect_returns(now);
    }

    fn stop(&mut self) {
        if self.server.is_up() {
            for i in 0..self.instruments.len() {
                let nodes = self.instruments[i].voices.release_all();
                self.send(IMMEDIATELY, Self::release(&nodes));
            }
            // Whatever is left sounding in Chronus's group (a release the server never
            // saw) is released too.
            self.send(
                IMMEDIATELY,
                vec![message(
                    "/n_set",
                    vec![
                        OscType::Int(GROUP),
                        OscType::String("gate".into()),
                        OscType::Float(0.0),
                    ],
                )],
            );
        }
        self.server.stop();
    }
}
