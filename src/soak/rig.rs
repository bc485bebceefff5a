//! The control side of a soak ([`Rig`]): the engine and controller `chronus play` starts
//! with, the MIDI router over them, and the OSC packet handler the OSC server runs, fed
//! the [`Traffic`]'s messages as encoded datagrams. Each message is handled under
//! [`Faults::contain`](crate::fault::Faults::contain), as the OSC thread does.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use chronus_modules::Registry;
use parking_lot::Mutex;
use rosc::{OscMessage, OscPacket};

use super::traffic::Traffic;
use crate::config::Config;
use crate::control::{ControlError, Controller};
use crate::engine::{Engine, EngineStats};
use crate::fault::Faults;
use crate::host::setup;
use crate::midi::router::Router;
use crate::osc::{HostStatus, HostStatusFn, MidiAccess, PacketHandler, PatchFolder};
use crate::patch::PatchDesc;

/// The address the soak's messages come from (never answered over a socket).
const FROM: &str = "127.0.0.1:9";

/// The control side of one soak.
pub struct Rig {
    control: Arc<Mutex<Controller>>,
    handler: PacketHandler,
    traffic: Traffic,
    faults: Arc<Faults>,
    from: SocketAddr,
    batch: Vec<OscMessage>,
    /// OSC messages sent so far.
    pub messages: u64,
    /// Of them, refused with `/error`.
    pub refused: u64,
    /// Sequencer cues collected so far.
    pub cues: u64,
}

impl Rig {
    /// A rig playing `desc` at `sample_rate` with `seed` (patch and traffic), and the engine
    /// it controls. `/patch/save` would write into `folder`.
    pub fn new(
        desc: PatchDesc,
        registry: &Registry,
        sample_rate: u32,
        seed: u64,
        folder: PathBuf,
        host: HostStatusFn,
    ) -> Result<(Rig, Engine), ControlError> {
        let traffic = Traffic::new(&desc, registry, seed);
        let config = Config::default();
        let (engine, control) = setup::start(registry.clone(), sample_rate, seed, desc, &config)?;
        let faults = control.faults().clone();
        let control = Arc::new(Mutex::new(control));
        let router = Arc::new(Mutex::new(Router::new(config, control.clone())));
        let handler = PacketHandler::new(
            control.clone(),
            host,
            Some(MidiAccess {
                router,
                ports: None,
            }),
            PatchFolder::new(folder),
        );
        let rig = Rig {
            control,
            handler,
            traffic,
            faults,
            from: FROM.parse().expect("a socket address"),
            batch: Vec::new(),
            messages: 0,
            refused: 0,
            cues: 0,
        };
        Ok((rig, engine))
    }

    /// A host status that reports nothing (offline there is no device).
    pub fn no_host() -> HostStatusFn {
        Arc::new(HostStatus::default)
    }

    /// Sends every message due at engine time `t` seconds, then drops the graphs the
    /// engine returned and collects its cues (what the player does every tick).
    pub fn tick(&mut self, t: f64) {
        self.traffic.due(t, &mut self.batch);
        for message in std::mem::take(&mut self.batch) {
            let bytes = match rosc::encoder::encode(&OscPacket::Message(message)) {
                Ok(b) => b,
                Err(_) => continue,
            };
            self.messages += 1;
            let handler = &mut self.handler;
            let from = self.from;
            let replies = self
                .faults
                .contain(
                    "chronus-soak",
                    || "an OSC message".into(),
                    || handler.handle(&bytes, from),
                )
                .unwrap_or_default();
            self.refused += replies.iter().filter(|r| r.addr == "/error").count() as u64;
        }
        let mut control = self.control.lock();
        control.collect_garbage();
        while control.pop_cue().is_some() {
            self.cues += 1;
        }
    }

    /// Panics caught on the control side so far.
    pub fn control_panics(&self) -> u64 {
        self.faults.panics()
    }

    /// Voices sounding, commands queued for the engine, graphs in the engine.
    pub fn engine_figures(&self) -> (u64, u64, u64) {
        let control = self.control.lock();
        let handle = control.engine();
        (
            EngineStats::get(&handle.stats().voices_active),
            handle.queued_commands() as u64,
            handle.graphs_in_engine() as u64,
        )
    }

    /// The traffic sent so far, by kind.
    pub fn traffic(&self) -> super::traffic::TrafficCounts {
        self.traffic.counts()
    }
}
