//! [`PacketHandler`]: one datagram in, the replies out — everything the OSC server does
//! except the socket. The server ([`super::server`]) feeds it every datagram it receives
//! (inside fault containment) and sends what it returns; the fuzz target `osc_packet`
//! drives it directly.
//!
//! A packet is checked for shape ([`check_shape`]) before it is decoded, bundles are
//! scheduled by their time tags ([`SampleClock::sample_at`]: past tags play now, tags more
//! than an hour ahead are refused), `/reply` is answered here ([`ReplyRoutes`]), `/midi/...`
//! goes to the MIDI router and everything else to [`dispatch`]. Every refusal is an
//! [`OscError`], sent back as `/error s address s message`.

use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use parking_lot::Mutex;
use rosc::{OscMessage, OscPacket, OscType};

use super::dispatch::{dispatch, Context, HostStatus};
use super::error::OscError;
use super::midi::{self, MidiAccess};
use super::packet_shape::check_shape;
use super::patch_folder::PatchFolder;
use super::reply_routes::{ReplyError, ReplyRoutes, ReplyScope};
use super::server::{HostStatusFn, OscStats};
use crate::control::{Controller, NoteSource, Observed};
use crate::fault::Faults;
use crate::patch::one_line;
use crate::realtime::sample_clock::SampleClock;

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
    /// Where notes this handler starts are counted, and under which source.
    observed: Arc<Observed>,
    source: NoteSource,
}

impl PacketHandler {
    /// The folder `/patch/load` and `/patch/save` use (the web console lists it).
    pub fn folder(&self) -> &PatchFolder {
        &self.folder
    }

    /// A handler editing `control`, answering `/status` with `host`'s figures, passing
    /// `/midi/...` to `midi`, loading and saving in `folder`.
    pub fn new(
        control: Arc<Mutex<Controller>>,
        host: HostStatusFn,
        midi: Option<MidiAccess>,
        folder: PatchFolder,
    ) -> Self {
        let (clock, faults, observed) = {
            let c = control.lock();
            let stats = c.engine().stats().clone();
            (
                SampleClock::new(stats, c.engine().sample_rate()),
                c.faults().clone(),
                c.observed().clone(),
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
            observed,
            source: NoteSource::Osc,
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

    /// Counts the notes this handler starts under `source` (default OSC; the HTTP API's
    /// handler says HTTP).
    pub fn set_note_source(&mut self, source: NoteSource) {
        self.source = source;
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
            self.refuse(&mut replies, "#bundle", &e.into());
            return replies;
        }
        match rosc::decoder::decode_udp(bytes) {
            Ok((_, packet)) => self.packet(packet, None, from, &mut replies),
            Err(e) => self.refuse(&mut replies, "", &OscError::Malformed(e)),
        }
        replies
    }

    /// An `/error` for a packet whose handling panicked (the server's containment).
    pub fn internal_error(&self, bytes: &[u8]) -> OscMessage {
        self.stats.refused.fetch_add(1, Relaxed);
        error(&first_address(bytes), &OscError::Internal)
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
                Err(e) => self.refuse(replies, "#bundle", &e.into()),
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
        match self.handle_message(m, time, from) {
            Ok(r) => replies.extend(r),
            Err(e) => replies.push(error(&m.addr, &e)),
        }
    }

    /// Handles one decoded message from `from`, at engine sample `time` (`None`: the next
    /// block): the one function every transport calls — OSC's datagrams (through
    /// [`PacketHandler::handle`]) and the HTTP API's `POST /api/osc` and WebSocket alike.
    /// Returns the replies, or the refusal (counted in `refused`; OSC sends it as
    /// `/error s address s message`, HTTP as a 4xx with the same message).
    pub fn handle_message(
        &mut self,
        m: &OscMessage,
        time: Option<u64>,
        from: SocketAddr,
    ) -> Result<Vec<OscMessage>, OscError> {
        if let Some(tap) = &self.tap {
            tap(m);
        }
        let result = self.route(m, time, from);
        match &result {
            Ok(_) if m.addr == "/note/on" && !is_note_off(m) => {
                self.observed.note(self.source);
            }
            Ok(_) if m.addr.starts_with("/mod/") || m.addr == "/seq/bpm" => {
                if let Some(value) = first_number(m) {
                    let name = match m.addr.strip_prefix("/mod/") {
                        Some(rest) => rest.replacen('/', ".", 1),
                        None => "tempo".to_string(),
                    };
                    self.observed.param_changed(&name, value);
                }
            }
            Ok(_) => {}
            Err(_) => {
                self.stats.refused.fetch_add(1, Relaxed);
            }
        }
        result
    }

    fn route(
        &mut self,
        m: &OscMessage,
        time: Option<u64>,
        from: SocketAddr,
    ) -> Result<Vec<OscMessage>, OscError> {
        if m.addr == "/reply" {
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
        }
    }

    /// `/reply i port [s "host"]`.
    fn reply_route(&mut self, m: &OscMessage, from: SocketAddr) -> Result<(), OscError> {
        let (port, scope) = match m.args.as_slice() {
            [OscType::Int(port)] => (*port, ReplyScope::Sender),
            [OscType::Int(port), OscType::String(s)] if s == "host" => (*port, ReplyScope::Host),
            _ => return Err(ReplyError::Usage.into()),
        };
        let port = u16::try_from(port).map_err(|_| ReplyError::Usage)?;
        Ok(self.routes.register(from, port, scope)?)
    }

    fn refuse(&self, replies: &mut Vec<OscMessage>, addr: &str, refusal: &OscError) {
        self.stats.refused.fetch_add(1, Relaxed);
        replies.push(error(addr, refusal));
    }
}

/// The first argument as a number, if it is one (a param cue's value).
fn first_number(m: &OscMessage) -> Option<f64> {
    match m.args.first()? {
        OscType::Int(v) => Some(*v as f64),
        OscType::Long(v) => Some(*v as f64),
        OscType::Float(v) => Some(*v as f64),
        OscType::Double(v) => Some(*v),
        OscType::Bool(b) => Some(*b as u8 as f64),
        _ => None,
    }
}

/// A `/note/on` whose velocity is 0 (a note-off, as in MIDI).
fn is_note_off(m: &OscMessage) -> bool {
    match m.args.get(1) {
        Some(OscType::Int(v)) => *v == 0,
        Some(OscType::Float(v)) => *v == 0.0,
        Some(OscType::Double(v)) => *v == 0.0,
        _ => false,
    }
}

/// `/error s address s message`: `refusal` on one line (a patch edit can break two things:
/// they go out as one line).
pub fn error(addr: &str, refusal: &OscError) -> OscMessage {
    OscMessage {
        addr: "/error".to_string(),
        args: vec![
            // The address as sent, control characters escaped (`\n`): the reply stays one
            // line however odd the address (found by the `osc_packet` fuzz target).
            OscType::String(one_line(addr)),
            OscType::String(refusal.to_string().replace('\n', "; ")),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_echoes_an_odd_address_on_one_line() {
        // The `osc_packet` fuzz target's find: an address with a line break in it.
        let e = error("/mod/te/ec\nh", &OscError::UnknownAddress("x".into()));
        assert_eq!(e.args[0], OscType::String("/mod/te/ec\\nh".to_string()));
        assert_eq!(one_line("/mod/ok/é'\""), "/mod/ok/é'\"");
    }
}
