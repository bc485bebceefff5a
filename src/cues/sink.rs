//! [`Sink`]: one cue sink of the config's `cues` section on a thread of its own
//! (`chronus-cue-N`): it takes cues from a bounded queue, sends at most `rate` per second
//! (a token bucket), coalesces param cues while it waits (the latest value of each name
//! wins), drops and counts what its queue cannot hold, and keeps a serial device open —
//! retrying a missing one with backoff (0.5 s doubling to 10 s) while dropping and counting
//! the cues meant for it.

use std::collections::VecDeque;
use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use rosc::OscPacket;

use super::schema::LedCue;
use crate::config::cues::{CueSinkConfig, DEFAULT_BAUD};

/// Cues waiting for one sink (besides coalesced params, one per name).
pub const SINK_QUEUE: usize = 256;
/// First wait before reopening a serial device; doubles up to [`SERIAL_BACKOFF_MAX`].
const SERIAL_BACKOFF_START: Duration = Duration::from_millis(500);
/// Longest wait before reopening a serial device.
const SERIAL_BACKOFF_MAX: Duration = Duration::from_secs(10);

/// Counters of one sink.
#[derive(Debug, Default)]
pub struct SinkStats {
    /// Cues sent.
    pub sent: AtomicU64,
    /// Cues dropped (queue full, or the device missing or failing).
    pub dropped: AtomicU64,
    /// Param cues replaced by a newer value of the same name before they were sent.
    pub coalesced: AtomicU64,
    /// Cues waiting now.
    pub depth: AtomicU64,
    /// The most cues that waited at once.
    pub high_water: AtomicU64,
}

/// One running sink; stops when dropped.
pub struct Sink {
    label: String,
    tx: SyncSender<LedCue>,
    stats: Arc<SinkStats>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sink {
    /// Starts the sink `config` (already checked) on thread `chronus-cue-{index}`.
    pub fn start(config: &CueSinkConfig, index: usize) -> std::io::Result<Sink> {
        let out = Output::new(config)?;
        let (tx, rx) = sync_channel(SINK_QUEUE);
        let stats = Arc::new(SinkStats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let mut worker = Worker {
            rx,
            out,
            stats: stats.clone(),
            rate: config.rate(),
            tokens: config.rate().clamp(1.0, 50.0),
            burst: config.rate().clamp(1.0, 50.0),
            last_refill: Instant::now(),
            fifo: VecDeque::new(),
            params: IndexMap::new(),
        };
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("chronus-cue-{index}"))
            .spawn(move || worker.run(&flag))?;
        Ok(Sink {
            label: config.label(),
            tx,
            stats,
            stop,
            thread: Some(thread),
        })
    }

    /// `udp:127.0.0.1:9100`, `serial:/dev/ttyACM0`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The sink's counters.
    pub fn stats(&self) -> &Arc<SinkStats> {
        &self.stats
    }

    /// Queues `cue` (never waits; a full queue drops and counts it).
    pub fn send(&self, cue: LedCue) {
        match self.tx.try_send(cue) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.stats.dropped.fetch_add(1, Relaxed);
            }
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Where a sink writes.
enum Output {
    Udp { socket: UdpSocket, to: SocketAddr },
    Osc { socket: UdpSocket, to: SocketAddr },
    Serial(SerialPort),
}

/// A serial device opened on demand and reopened with backoff.
struct SerialPort {
    device: String,
    baud: u32,
    port: Option<Box<dyn serialport::SerialPort>>,
    next_try: Instant,
    delay: Duration,
    /// The last failure logged (logged once per change).
    last_error: Option<String>,
}

impl Output {
    fn new(c: &CueSinkConfig) -> std::io::Result<Output> {
        let udp = || {
            let to = c.address().ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "no target address")
            })?;
            let bind: SocketAddr = if to.is_ipv4() {
                "0.0.0.0:0".parse().expect("an address")
            } else {
                "[::]:0".parse().expect("an address")
            };
            Ok::<_, std::io::Error>((UdpSocket::bind(bind)?, to))
        };
        Ok(match c.sink.as_str() {
            "udp" => {
                let (socket, to) = udp()?;
                Output::Udp { socket, to }
            }
            "osc" => {
                let (socket, to) = udp()?;
                Output::Osc { socket, to }
            }
            _ => Output::Serial(SerialPort {
                device: c.device.clone().unwrap_or_default(),
                baud: c.baud.unwrap_or(DEFAULT_BAUD),
                port: None,
                next_try: Instant::now(),
                delay: SERIAL_BACKOFF_START,
                last_error: None,
            }),
        })
    }

    /// Sends one cue; false when it could not (counted as dropped by the caller).
    fn send(&mut self, cue: &LedCue) -> bool {
        match self {
            Output::Udp { socket, to } => socket
                .send_to(cue.json().to_string().as_bytes(), *to)
                .is_ok(),
            Output::Osc { socket, to } => {
                match rosc::encoder::encode(&OscPacket::Message(cue.osc())) {
                    Ok(bytes) => socket.send_to(&bytes, *to).is_ok(),
                    Err(_) => false,
                }
            }
            Output::Serial(port) => port.send(&cue.frame()),
        }
    }
}

impl SerialPort {
    fn send(&mut self, frame: &[u8]) -> bool {
        if self.port.is_none() && Instant::now() >= self.next_try {
            match serialport::new(&self.device, self.baud)
                .timeout(Duration::from_millis(100))
                .open()
            {
                Ok(port) => {
                    tracing::info!(
                        event = "cue_sink_open",
                        "cues: serial {} open at {} baud",
                        self.device,
                        self.baud
                    );
                    self.port = Some(port);
                    self.delay = SERIAL_BACKOFF_START;
                    self.last_error = None;
                }
                Err(e) => self.failed(e.to_string()),
            }
        }
        let Some(port) = &mut self.port else {
            return false;
        };
        match port.write_all(frame) {
            Ok(()) => true,
            Err(e) => {
                self.port = None;
                self.failed(e.to_string());
                false
            }
        }
    }

    fn failed(&mut self, error: String) {
        if self.last_error.as_deref() != Some(error.as_str()) {
            tracing::warn!(
                event = "cue_sink_unavailable",
                "cues: serial {} unavailable ({error}); retrying with backoff, cues for it are \
                 dropped and counted",
                self.device
            );
            self.last_error = Some(error);
        }
        self.next_try = Instant::now() + self.delay;
        self.delay = (self.delay * 2).min(SERIAL_BACKOFF_MAX);
    }
}

struct Worker {
    rx: Receiver<LedCue>,
    out: Output,
    stats: Arc<SinkStats>,
    rate: f64,
    tokens: f64,
    burst: f64,
    last_refill: Instant,
    /// Cues other than params, in order.
    fifo: VecDeque<LedCue>,
    /// Param cues waiting, one per name (latest wins), in first-arrival order.
    params: IndexMap<String, LedCue>,
}

impl Worker {
    fn run(&mut self, stop: &AtomicBool) {
        while !stop.load(Relaxed) {
            let wait = if self.waiting() == 0 {
                Duration::from_millis(50)
            } else {
                Duration::from_secs_f64((1.0 / self.rate).clamp(0.0005, 0.05))
            };
            match self.rx.recv_timeout(wait) {
                Ok(cue) => self.take(cue),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            while let Ok(cue) = self.rx.try_recv() {
                self.take(cue);
            }
            self.flush();
        }
    }

    fn waiting(&self) -> usize {
        self.fifo.len() + self.params.len()
    }

    fn take(&mut self, cue: LedCue) {
        if let Some(name) = cue.coalesce_key() {
            if let Some(old) = self.params.get_mut(name) {
                *old = cue;
                self.stats.coalesced.fetch_add(1, Relaxed);
                return;
            }
            self.params.insert(name.to_string(), cue);
        } else if self.fifo.len() >= SINK_QUEUE {
            self.stats.dropped.fetch_add(1, Relaxed);
            return;
        } else {
            self.fifo.push_back(cue);
        }
        let depth = self.waiting() as u64;
        self.stats.high_water.fetch_max(depth, Relaxed);
    }

    fn flush(&mut self) {
        let now = Instant::now();
        let dt = now.duration_since(self.last_refill).as_secs_f64();
        self.last_refill = now;
        self.tokens = (self.tokens + dt * self.rate).min(self.burst);
        while self.tokens >= 1.0 {
            let cue = match self.fifo.pop_front() {
                Some(c) => c,
                None => match self.params.shift_remove_index(0) {
                    Some((_, c)) => c,
                    None => break,
                },
            };
            self.tokens -= 1.0;
            if self.out.send(&cue) {
                self.stats.sent.fetch_add(1, Relaxed);
            } else {
                self.stats.dropped.fetch_add(1, Relaxed);
            }
        }
        self.stats.depth.store(self.waiting() as u64, Relaxed);
    }
}
