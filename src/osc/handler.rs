//! [`PacketHandler`]: one datagram in, the replies out — everything the OSC server does
//! except the socket. The server ([`super::server`]) feeds it every datagram it receives
//! (inside fault containment) and sends what it returns; the fuzz target `osc_packet`
//! drives it directly.
//!
//! A packet is checked for shape ([`check_shape`]) before it is decoded, bundles are
//! scheduled by their time tags ([`SampleClock::sample_at`]: past tags play now, tags more
//! than an hour ahead are refused), `/reply` is answered here ([`ReplyRoutes`]), `/midi/...`
//! goes to the MIDI router and everything else to [`dispatch`].

use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use parking_lot::Mutex;
use rosc::{OscMessage, OscPacket, OscType};

use super::clock::SampleClock;
use super::dispatch::{dispatch, Context, HostStatus};
use super::midi::{self, MidiAccess};
use super::packet_shape::check_shape;
use super::patch_folder::PatchFolder;
use super::reply_routes::{ReplyRoutes, ReplyScope};
use super::server::{HostStatusFn, OscStats};
use crate::control::Controller;
use crate::fault::Faults;

/// Called with every decoded message before it is handled (see
/// [`PacketHandler::set_tap`]).
pub type MessageTap = Arc<dyn Fn(&OscMessage) + Send + Sync>;

/// The OSC address space over one set of clients: decodes, checks and dispatches packets.
pub struct PacketHandler {
    control: Arc<Mutex<Controller>>,
    host: HostStatusFn,
    midi: Option<MidiAccess>,
    clock: SampleClock,
    folder: PatchFolder,
    stats: Arc<OscStats>,
    faults: Arc<Faults>,
    routes: ReplyRoutes,
    tap: Option<MessageTap>,
}

impl PacketHandler {
    /// A handler editing `control`, answering `/status` with `host`'s figures, passing
    /// `/midi/...` to `midi`, loading and saving in `folder`.
    pub fn new(
        control: Arc<Mutex<Controller>>,
        host: HostStatusFn,
        midi: Option<MidiAccess>,
        folder: PatchFolder,
    ) -> Self {
        let (clock, faults) = {
            let c = control.lock();
            let stats = c.engine().stats().clone();
            (
                SampleClock::new(stats, c.engine().sample_rate()),
                c.faults().clone(),
            )
        };
        PacketHandler {
            control,
            host,
            midi,
            clock,
            folder,
            stats: Arc::new(OscStats::default()),
            faults,
            routes: ReplyRoutes::default(),
            tap: None,
        }
    }

    /// Calls `tap` with every decoded message before handling it. Tests inject faults with
    /// it (a tap that panics on one address); a tracer could log the traffic.
    pub fn set_tap(&mut self, tap: MessageTap) {
        self.tap = Some(tap);
    }

    /// The handler's counters.
    pub fn stats(&self) -> &Arc<OscStats> {
        &self.stats
    }

    /// The process's fault counter (panics caught on control threads).
    pub fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }

    /// The `/reply` registrations: where replies to a sender go, who hears broadcasts.
    pub fn routes(&self) -> &ReplyRoutes {
        &self.routes
    }

    /// Handles one datagram from `from`; returns the replies for `from` (send them to
    /// `self.routes().destination(from)`).
    pub fn handle(&mut self, bytes: &[u8], from: SocketAddr) -> Vec<OscMessage> {
        self.stats.received.fetch_add(1, Relaxed);
        let mut replies = Vec::new();
        if let Err(e) = check_shape(bytes) {
            self.refuse(&mut replies, "#bundle", &e.to_string());
            return replies;
        }
        match rosc::decoder::decode_udp(bytes) {
            Ok((_, packet)) => self.packet(packet, None, from, &mut replies),
            Err(e) => self.refuse(&mut replies, "", &format!("malformed packet: {e}")),
        }
        replies
    }

    /// An `/error` for a packet whose handling panicked (the server's containment).
    pub fn internal_error(&self, bytes: &[u8]) -> OscMessage {
        self.stats.refused.fetch_add(1, Relaxed);
        error(
            &first_address(bytes),
            "internal error while handling this message: it was dropped, the fault counted \
             and logged, and the server goes on",
        )
    }

    fn packet(
        &mut self,
        packet: OscPacket,
        time: Option<u64>,
        from: SocketAddr,
        replies: &mut Vec<OscMessage>,
    ) {
        match packet {
            OscPacket::Message(m) => self.message(&m, time, from, replies),
            OscPacket::Bundle(b) => match self.clock.sample_at(b.timetag) {
                Ok(at) => {
                    let time = at.or(time);
                    for p in b.content {
                        self.packet(p, time, from, replies);
                    }
                }
                Err(e) => self.refuse(replies, "#bundle", &e.to_string()),
            },
        }
    }

    fn message(
        &mut self,
        m: &OscMessage,
        time: Option<u64>,
        from: SocketAddr,
        replies: &mut Vec<OscMessage>,
    ) {
        if let Some(tap) = &self.tap {
            tap(m);
        }
        let result = if m.addr == "/reply" {
            self.reply_route(m, from).map(|()| Vec::new())
        } else if midi::is_midi_address(&m.addr) {
            // Not under the controller's lock: the router takes it itself.
            midi::dispatch(self.midi.as_ref(), m, time)
        } else {
            let host = (self.host)();
            let ctx = Context {
                folder: &self.folder,
                time,
                host: HostStatus {
                    refused: self.stats.refused.load(Relaxed),
                    panics: host.panics + self.faults.panics(),
                    ..host
                },
            };
            dispatch(&mut self.control.lock(), m, &ctx)
        };
        match result {
            Ok(r) => replies.extend(r),
            Err(message) => self.refuse(replies, &m.addr, &message),
        }
    }

    /// `/reply i port [s "host"]`.
    fn reply_route(&mut self, m: &OscMessage, from: SocketAddr) -> Result<(), String> {
        const EXPECTED: &str = "expected i port (1 .. 65535, or 0 to reply to the sender again), \
                                then optionally s \"host\"";
        let (port, scope) = match m.args.as_slice() {
            [OscType::Int(port)] => (*port, ReplyScope::Sender),
            [OscType::Int(port), OscType::String(s)] if s == "host" => (*port, ReplyScope::Host),
            _ => return Err(EXPECTED.to_string()),
        };
        let port = u16::try_from(port).map_err(|_| EXPECTED.to_string())?;
        self.routes.register(from, port, scope)
    }

    fn refuse(&self, replies: &mut Vec<OscMessage>, addr: &str, message: &str) {
        self.stats.refused.fetch_add(1, Relaxed);
        replies.push(error(addr, message));
    }
}

/// `/error s address s message`, the message on one line (a patch edit can break two
/// things: they go out as one line).
pub fn error(addr: &str, message: &str) -> OscMessage {
    OscMessage {
        addr: "/error".to_string(),
        args: vec![
            OscType::String(addr.to_string()),
            OscType::String(message.replace('\n', "; ")),
        ],
    }
}

/// The address a datagram starts with (at most 64 bytes of it, lossily), for messages
/// about a packet that could not be handled.
pub fn first_address(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .take(64)
        .position(|&b| b == 0)
        .unwrap_or(bytes.len().min(64));
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
