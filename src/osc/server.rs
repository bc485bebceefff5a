//! [`OscServer`]: a UDP thread that receives OSC datagrams off the audio thread, hands each
//! to the [`PacketHandler`] inside fault containment, and sends the replies: to the
//! sender's address and port, or where `/reply` says (see [`super::reply_routes`]);
//! `/error s address s message` for everything refused — malformed packets included.
//! A panic while handling one datagram is caught, counted (`/status`'s `panics`) and
//! answered with `/error`; the thread serves the next datagram, and is restarted if it
//! dies anyway ([`crate::fault::supervise`]). Messages given to [`OscServer::broadcast`]
//! (sequencer cues) go to every client registered with `/reply`.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;
use rosc::{OscMessage, OscPacket};

use super::dispatch::HostStatus;
use super::error::OscError;
use super::handler::{error, first_address, MessageTap, PacketHandler};
use super::midi::MidiAccess;
use super::patch_folder::PatchFolder;
use crate::control::Controller;
use crate::fault;

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
    outbox_dropped: Arc<AtomicU64>,
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
        Self::start_tapped(options, control, host, midi, None)
    }

    /// [`OscServer::start`], with `tap` called on every decoded message before it is
    /// handled (see [`PacketHandler::set_tap`]).
    pub fn start_tapped(
        options: OscOptions,
        control: Arc<Mutex<Controller>>,
        host: HostStatusFn,
        midi: Option<MidiAccess>,
        tap: Option<MessageTap>,
    ) -> std::io::Result<OscServer> {
        let socket = UdpSocket::bind((options.bind, options.port))?;
        socket.set_read_timeout(Some(Duration::from_millis(50)))?;
        let local = socket.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let outbox = Arc::new(Mutex::new(Vec::new()));
        let mut handler = PacketHandler::new(control, host, midi, options.folder);
        if let Some(tap) = tap {
            handler.set_tap(tap);
        }
        let stats = handler.stats().clone();
        let faults = handler.faults().clone();
        let mut worker = Worker {
            socket,
            handler,
            outbox: outbox.clone(),
            buf: vec![0u8; 65_536],
        };
        let stop_flag = stop.clone();
        let thread = fault::supervise("chronus-osc", faults, move || worker.run(&stop_flag))?;
        Ok(OscServer {
            local,
            outbox,
            outbox_dropped: Arc::default(),
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

    /// A reading of the broadcast outbox for the queue gauges (`osc_outbox`).
    pub fn outbox_reading(
        &self,
    ) -> impl Fn() -> crate::realtime::queue_gauges::QueueReading + Send + Sync + 'static {
        let outbox = self.outbox.clone();
        let dropped = self.outbox_dropped.clone();
        let high = Arc::new(crate::realtime::queue_gauges::HighWater::default());
        move || {
            let depth = outbox.lock().len() as u64;
            high.saw(depth);
            crate::realtime::queue_gauges::QueueReading {
                depth,
                high_water: high.get(),
                dropped: dropped.load(Relaxed),
                capacity: OUTBOX_CAPACITY as u64,
            }
        }
    }

    /// Sends `message` to every client registered with `/reply` (within 50 ms). At most
    /// [`OUTBOX_CAPACITY`] wait; more are dropped (cues are news, not state).
    pub fn broadcast(&self, message: OscMessage) {
        let mut outbox = self.outbox.lock();
        if outbox.len() < OUTBOX_CAPACITY {
            outbox.push(message);
        } else {
            self.outbox_dropped.fetch_add(1, Relaxed);
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
    handler: PacketHandler,
    /// Messages for every registered client (see [`OscServer::broadcast`]).
    outbox: Arc<Mutex<Vec<OscMessage>>>,
    buf: Vec<u8>,
}

impl Worker {
    fn run(&mut self, stop: &AtomicBool) {
        while !stop.load(Relaxed) {
            match self.socket.recv_from(&mut self.buf) {
                Ok((n, from)) => self.datagram(n, from),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => tracing::warn!("osc: receive failed: {e}"),
            }
            self.flush_outbox();
        }
    }

    /// Handles the first `n` bytes of the buffer, from `from`, inside fault containment.
    fn datagram(&mut self, n: usize, from: SocketAddr) {
        let bytes = &self.buf[..n];
        let faults = self.handler.faults().clone();
        let what = || format!("{} from {from}", describe(bytes));
        let replies = faults
            .contain("osc", what, || self.handler.handle(bytes, from))
            .unwrap_or_else(|| vec![self.handler.internal_error(bytes)]);
        let to = self.handler.routes().destination(from);
        for r in replies {
            self.send(to, OscPacket::Message(r));
        }
    }

    fn flush_outbox(&mut self) {
        let messages = std::mem::take(&mut *self.outbox.lock());
        if messages.is_empty() {
            return;
        }
        let listeners = self.handler.routes().listeners();
        for m in messages {
            let packet = OscPacket::Message(m);
            for to in &listeners {
                self.send(*to, packet.clone());
            }
        }
    }

    /// Sends `packet` to `to`.
    fn send(&self, to: SocketAddr, packet: OscPacket) {
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
                    let error = error(
                        &addr,
                        &OscError::Unsendable {
                            size: bytes.len(),
                            error: e,
                        },
                    );
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

/// What a datagram looked like, for the log line of a fault: its size and first address.
fn describe(bytes: &[u8]) -> String {
    format!(
        "a packet of {} bytes ({:?})",
        bytes.len(),
        first_address(bytes)
    )
}
