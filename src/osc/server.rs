//! [`OscServer`]: a UDP thread that decodes OSC packets (rosc) off the audio thread,
//! dispatches them to the shared [`Controller`], and answers: replies to the sender's
//! address and port (or, once a client at that IP address sent `/reply i port`, to that
//! port at its address), and
//! `/error s address s message` for everything refused — malformed packets included.
//! Bundles with a future time tag apply at that sample time. Messages given to
//! [`OscServer::broadcast`] (sequencer cues) go to every client registered with `/reply`.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;
use rosc::{OscMessage, OscPacket, OscType};

use super::dispatch::{dispatch, Context, HostStatus};
use super::midi::{self, MidiAccess};
use super::patch_folder::PatchFolder;
use crate::control::Controller;
use crate::realtime::sample_clock::SampleClock;

/// Where and how the server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OscOptions {
    /// Address to bind (default 127.0.0.1: a Pi on a shared network is not open to
    /// everyone unless `--osc-bind 0.0.0.0` says so).
    pub bind: IpAddr,
    /// UDP port (default 9000; 0 picks a free one).
    pub port: u16,
    /// The patch folder of `/patch/load` and `/patch/save`.
    pub folder: PatchFolder,
}

/// Counters of one server.
#[derive(Debug, Default)]
pub struct OscStats {
    /// Packets received.
    pub received: AtomicU64,
    /// Messages refused with `/error` (bad messages, and floods the engine could not
    /// take).
    pub refused: AtomicU64,
}

/// Most broadcast messages waiting to be sent.
pub const OUTBOX_CAPACITY: usize = 256;

/// Host figures for `/status`, read on demand.
pub type HostStatusFn = Arc<dyn Fn() -> HostStatus + Send + Sync>;

/// A running OSC server; stops when dropped.
pub struct OscServer {
    local: SocketAddr,
    outbox: Arc<Mutex<Vec<OscMessage>>>,
    stats: Arc<OscStats>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl OscServer {
    /// Binds the socket and starts the server thread.
    pub fn start(
        options: OscOptions,
        control: Arc<Mutex<Controller>>,
        host: HostStatusFn,
        midi: Option<MidiAccess>,
    ) -> std::io::Result<OscServer> {
        let socket = UdpSocket::bind((options.bind, options.port))?;
        socket.set_read_timeout(Some(Duration::from_millis(50)))?;
        let local = socket.local_addr()?;
        let stats = Arc::new(OscStats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let outbox = Arc::new(Mutex::new(Vec::new()));
        let clock = {
            let c = control.lock();
            SampleClock::new(c.engine().stats().clone(), c.engine().sample_rate())
        };
        let mut worker = Worker {
            socket,
            control,
            host,
            midi,
            clock,
            folder: options.folder,
            stats: stats.clone(),
            reply_ports: HashMap::new(),
            outbox: outbox.clone(),
        };
        let stop_flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("chronus-osc".into())
            .spawn(move || worker.run(&stop_flag))?;
        Ok(OscServer {
            local,
            outbox,
            stats,
            stop,
            thread: Some(thread),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The server's counters.
    pub fn stats(&self) -> &Arc<OscStats> {
        &self.stats
    }

    /// Sends `message` to every client registered with `/reply` (within 50 ms). At most
    /// [`OUTBOX_CAPACITY`] wait; more are dropped (cues are news, not state).
    pub fn broadcast(&self, message: OscMessage) {
        let mut outbox = self.outbox.lock();
        if outbox.len() < OUTBOX_CAPACITY {
            outbox.push(message);
        }
    }
}

impl Drop for OscServer {
    fn drop(&mut self) {
        self.stop.store(true, Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Worker {
    socket: UdpSocket,
    control: Arc<Mutex<Controller>>,
    host: HostStatusFn,
    midi: Option<MidiAccess>,
    clock: SampleClock,
    folder: PatchFolder,
    stats: Arc<OscStats>,
    /// Client addresses that asked for replies on another port (`/reply i port`). Keyed by
    /// IP address, not port: `oscsend` sends each message from a new port, while the
    /// `oscdump` (or phone app) listening for replies stays on one.
    reply_ports: HashMap<IpAddr, u16>,
    /// Messages for every registered client (see [`OscServer::broadcast`]).
    outbox: Arc<Mutex<Vec<OscMessage>>>,
}

impl Worker {
    fn run(&mut self, stop: &AtomicBool) {
        let mut buf = vec![0u8; 65_536];
        while !stop.load(Relaxed) {
            match self.socket.recv_from(&mut buf) {
                Ok((n, from)) => {
                    self.stats.received.fetch_add(1, Relaxed);
                    self.packet(&buf[..n], from);
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => tracing::warn!("osc: receive failed: {e}"),
            }
            self.flush_outbox();
        }
    }

    fn flush_outbox(&mut self) {
        let messages = std::mem::take(&mut *self.outbox.lock());
        for m in messages {
            let packet = OscPacket::Message(m);
            for (ip, port) in &self.reply_ports {
                self.send(SocketAddr::new(*ip, *port), packet.clone());
            }
        }
    }

    fn packet(&mut self, bytes: &[u8], from: SocketAddr) {
        match rosc::decoder::decode_udp(bytes) {
            Ok((_, packet)) => self.handle(packet, None, from),
            Err(e) => self.refuse(from, "", &format!("malformed packet: {e}")),
        }
    }

    fn handle(&mut self, packet: OscPacket, time: Option<u64>, from: SocketAddr) {
        match packet {
            OscPacket::Message(m) => self.message(&m, time, from),
            OscPacket::Bundle(b) => {
                let time = self.clock.sample_at(b.timetag).or(time);
                for p in b.content {
                    self.handle(p, time, from);
                }
            }
        }
    }

    fn message(&mut self, m: &OscMessage, time: Option<u64>, from: SocketAddr) {
        if m.addr == "/reply" {
            match m.args.as_slice() {
                [OscType::Int(0)] => {
                    self.reply_ports.remove(&from.ip());
                }
                [OscType::Int(port)] if (1..=65_535).contains(port) => {
                    self.reply_ports.insert(from.ip(), *port as u16);
                }
                _ => self.refuse(
                    from,
                    &m.addr,
                    "expected i port (1 .. 65535, or 0 to reply to the sender again)",
                ),
            }
            return;
        }
        if midi::is_midi_address(&m.addr) {
            // Not under the controller's lock: the router takes it itself.
            match midi::dispatch(self.midi.as_ref(), m, time) {
                Ok(replies) => {
                    for r in replies {
                        self.send(from, OscPacket::Message(r));
                    }
                }
                Err(message) => self.refuse(from, &m.addr, &message),
            }
            return;
        }
        let ctx = Context {
            folder: &self.folder,
            time,
            host: HostStatus {
                refused: self.stats.refused.load(Relaxed),
                ..(self.host)()
            },
        };
        let result = dispatch(&mut self.control.lock(), m, &ctx);
        match result {
            Ok(replies) => {
                for r in replies {
                    self.send(from, OscPacket::Message(r));
                }
            }
            Err(message) => self.refuse(from, &m.addr, &message),
        }
    }

    fn refuse(&mut self, from: SocketAddr, addr: &str, message: &str) {
        self.stats.refused.fetch_add(1, Relaxed);
        // Several errors (a patch edit can break two things) go out as one line.
        let message = message.replace('\n', "; ");
        let error = OscMessage {
            addr: "/error".to_string(),
            args: vec![OscType::String(addr.to_string()), OscType::String(message)],
        };
        self.send(from, OscPacket::Message(error));
    }

    fn send(&self, from: SocketAddr, packet: OscPacket) {
        let to = match self.reply_ports.get(&from.ip()) {
            Some(port) => SocketAddr::new(from.ip(), *port),
            None => from,
        };
        match rosc::encoder::encode(&packet) {
            Ok(bytes) => match self.socket.send_to(&bytes, to) {
                // A large reply the system would not send (macOS sends at most 9 216 bytes
                // in one datagram by default; Linux the UDP maximum, which `/patch/dump`
                // checks itself): the client hears why instead of nothing. Replies under
                // 8 KiB always fit, so a failure there is the network's and only logged.
                Err(e) if bytes.len() > 8 * 1024 => {
                    let addr = match &packet {
                        OscPacket::Message(m) => m.addr.clone(),
                        OscPacket::Bundle(_) => "#bundle".to_string(),
                    };
                    let error = OscMessage {
                        addr: "/error".to_string(),
                        args: vec![
                            OscType::String(addr),
                            OscType::String(format!(
                                "the reply of {} bytes could not be sent in one UDP packet \
                                 ({e}); for a patch, use /patch/save NAME and read the file",
                                bytes.len()
                            )),
                        ],
                    };
                    if let Ok(bytes) = rosc::encoder::encode(&OscPacket::Message(error)) {
                        let _ = self.socket.send_to(&bytes, to);
                    }
                }
                Err(e) => tracing::debug!("osc: reply to {to} failed: {e}"),
                Ok(_) => {}
            },
            Err(e) => tracing::warn!("osc: cannot encode a reply: {e}"),
        }
    }
}
