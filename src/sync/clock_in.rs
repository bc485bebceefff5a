//! [`ClockIn`]: the thread that follows an external MIDI clock (`--clock-in NAME`, the
//! config's `clock: (follow: "NAME")`). It connects the port whose name contains NAME (any
//! case) on its own MIDI backend, picks the clock and transport messages out of the bytes
//! (real-time bytes may sit anywhere, even inside another message), times each one like
//! the MIDI input does — at the engine sample the backend placed it at plus
//! [`InputLatency::frames`] (JACK MIDI with the audio on the same server: frame-exact),
//! else at `clock(arrival + latency.wall)` — and hands them to the [`Follower`] (which
//! measures the tempo on the backend's frame clock when it has one), whose commands go
//! to the sequencer through the controller.
//!
//! The port is looked for every 250 ms until it is there, and again when it goes away
//! (one line per change: "following", "waiting for"). Two seconds without a tick while
//! following: one warning line, and the sequencer plays on at the last tempo on its own
//! clock. Each message is handled inside [`Faults::contain`]; the thread runs under
//! [`fault::supervise`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use tracing::{info, warn};

use super::follow::{Arrival, Follower};
use super::{ClockSource, SyncStatus};
use crate::control::Controller;
use crate::fault::{self, Faults};
use crate::midi::input::{Incoming, InputLatency, MidiBackend};
use crate::midi::ports::PortChoice;
use crate::realtime::sample_clock::SampleClock;
use crate::seq::midi_clock::ClockMessage;
use crate::seq::SeqCommand;

/// How often the port is looked for (and checked).
const LOOK: Duration = Duration::from_millis(250);
/// How often the thread takes messages from the backend.
const POLL: Duration = Duration::from_millis(1);

/// Picks MIDI clock and transport messages out of a byte stream.
#[derive(Clone, Debug, Default)]
pub struct ClockScanner {
    /// Data bytes of a SONG POSITION POINTER so far (`Some` after its 0xF2).
    spp: Option<([u8; 2], usize)>,
}

impl ClockScanner {
    /// Feeds bytes (any split); calls `found` for every clock or transport message.
    pub fn feed(&mut self, bytes: &[u8], mut found: impl FnMut(ClockMessage)) {
        for &b in bytes {
            if b >= 0xF8 {
                // Real-time: anywhere, even inside another message.
                if let Some(m) = ClockMessage::parse(&[b]) {
                    found(m);
                }
                continue;
            }
            if b & 0x80 != 0 {
                // Any other status byte ends an SPP in progress (or starts one).
                self.spp = (b == 0xF2).then_some(([0, 0], 0));
                continue;
            }
            if let Some((mut data, n)) = self.spp {
                data[n] = b;
                if n == 1 {
                    self.spp = None;
                    if let Some(m) = ClockMessage::parse(&[0xF2, data[0], data[1]]) {
                        found(m);
                    }
                } else {
                    self.spp = Some((data, n + 1));
                }
            }
        }
    }
}

/// The running clock-in thread; dropping it stops the thread.
pub struct ClockIn {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// What the clock-in thread needs besides its backend.
pub struct ClockInParts {
    /// Part of the port's name, any case.
    pub port: String,
    /// Where its commands go.
    pub control: Arc<Mutex<Controller>>,
    /// Arrival time → engine sample time.
    pub clock: SampleClock,
    /// Added to arrival times or samples (as the MIDI input does).
    pub latency: InputLatency,
    /// Where panics are counted.
    pub faults: Arc<Faults>,
    /// Where it says what it follows.
    pub status: Arc<SyncStatus>,
}

impl ClockIn {
    /// Starts the thread over `backend`.
    pub fn start(backend: Box<dyn MidiBackend>, parts: ClockInParts) -> std::io::Result<ClockIn> {
        let stop = Arc::new(AtomicBool::new(false));
        parts.status.set(ClockSource::Midi {
            port: parts.port.clone(),
            following: false,
        });
        let mut worker = Worker {
            backend,
            choice: PortChoice::Name(parts.port.clone()),
            connected: None,
            parts,
            follower: Follower::new(),
            scanner: ClockScanner::default(),
            inbox: Vec::new(),
            commands: Vec::new(),
            said: String::new(),
            locked: false,
        };
        let faults = worker.parts.faults.clone();
        let thread = {
            let stop = stop.clone();
            fault::supervise("chronus-clock-in", faults, move || worker.run(&stop))?
        };
        Ok(ClockIn {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for ClockIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Worker {
    backend: Box<dyn MidiBackend>,
    choice: PortChoice,
    connected: Option<String>,
    parts: ClockInParts,
    follower: Follower,
    scanner: ClockScanner,
    inbox: Vec<Incoming>,
    commands: Vec<SeqCommand>,
    /// The last state line logged.
    said: String,
    /// The tempo has locked in (said once per lock).
    locked: bool,
}

fn unix_ns(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as u64
}

impl Worker {
    fn run(&mut self, stop: &AtomicBool) {
        let mut next_look = Instant::now();
        while !stop.load(Ordering::Acquire) {
            self.pump();
            if Instant::now() >= next_look {
                self.look();
                next_look = Instant::now() + LOOK;
            }
            self.check_loss();
            std::thread::sleep(POLL);
        }
    }

    fn pump(&mut self) {
        let mut inbox = std::mem::take(&mut self.inbox);
        self.backend.drain(&mut inbox);
        let faults = self.parts.faults.clone();
        for message in inbox.drain(..) {
            let what = || {
                format!(
                    "MIDI clock bytes {:02x?} from {}",
                    message.bytes, message.stream
                )
            };
            faults.contain("clock-in", what, || self.route(&message));
        }
        self.inbox = inbox;
    }

    fn route(&mut self, message: &Incoming) {
        let wall_ns = unix_ns(message.wall);
        let latency = self.parts.latency;
        let time = match message.sample {
            Some(sample) => Some(sample + latency.frames),
            None => self.parts.clock.sample_at_time(message.wall + latency.wall),
        };
        let at = Arrival::new(wall_ns, message.frame_ns);
        let (follower, commands) = (&mut self.follower, &mut self.commands);
        self.scanner
            .feed(&message.bytes, |m| follower.feed(m, at, commands));
        if !self.locked {
            if let Some(bpm) = self.follower.tempo() {
                self.locked = true;
                info!(
                    "MIDI clock in: locked to {} at {bpm:.2} BPM",
                    message.stream
                );
            }
        }
        self.send(time);
    }

    fn send(&mut self, time: Option<u64>) {
        if self.commands.is_empty() {
            return;
        }
        let mut control = self.parts.control.lock();
        for cmd in self.commands.drain(..) {
            if let Err(e) = control.sequencer_command(cmd, time) {
                let line = format!("MIDI clock in: {e}");
                if line != self.said {
                    warn!("{line}");
                    self.said = line;
                }
            }
        }
        drop(control);
        self.publish();
    }

    fn publish(&self) {
        self.parts.status.set(ClockSource::Midi {
            port: self
                .connected
                .clone()
                .unwrap_or_else(|| self.parts.port.clone()),
            following: self.follower.following(),
        });
    }

    fn check_loss(&mut self) {
        let now = unix_ns(SystemTime::now());
        if let Some(kept) = self.follower.check(now, &mut self.commands) {
            self.locked = false;
            warn!(
                "MIDI clock in: no clock from {} for 2 s; playing on at {} on the internal clock",
                self.connected.as_deref().unwrap_or(&self.parts.port),
                kept.map_or("the tempo it had".to_string(), |b| format!("{b:.2} BPM"))
            );
            self.send(None);
        }
    }

    fn look(&mut self) {
        if let Some(port) = &self.connected {
            if self.backend.is_connected(port) {
                return;
            }
            let port = port.clone();
            self.backend.disconnect(&port);
            self.connected = None;
            self.say(format!(
                "MIDI clock in: {port} disconnected; waiting for it"
            ));
        }
        let available = match self.backend.ports() {
            Ok(p) => p,
            Err(e) => {
                self.say(format!(
                    "MIDI clock in ({}): {e}; retrying",
                    self.backend.host()
                ));
                return;
            }
        };
        let Some(port) = self
            .choice
            .select(&available)
            .first()
            .map(|p| p.to_string())
        else {
            self.say(format!(
                "MIDI clock in ({}): waiting for {} (ports now: {})",
                self.backend.host(),
                self.choice.describe(),
                if available.is_empty() {
                    "none".to_string()
                } else {
                    available.join(", ")
                }
            ));
            return;
        };
        match self.backend.connect(&port) {
            Ok(()) => {
                let latency = if self.backend.frame_exact() {
                    let frames = self.parts.latency.frames;
                    let ms = frames as f64 * 1e3 / self.parts.clock.sample_rate();
                    format!("latency {frames} frames = {ms:.2} ms, frame-exact")
                } else {
                    let ms = self.parts.latency.wall.as_secs_f64() * 1e3;
                    format!("latency {ms:.1} ms")
                };
                self.say(format!(
                    "MIDI clock in ({}): following {port} ({latency})",
                    self.backend.host(),
                ));
                self.connected = Some(port);
                self.publish();
            }
            Err(e) => self.say(format!("MIDI clock in: cannot connect \"{port}\": {e}")),
        }
    }

    /// Logs `line` when it differs from the last one.
    fn say(&mut self, line: String) {
        if line != self.said {
            info!("{line}");
            self.said = line;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scanner_finds_clock_bytes_anywhere_and_split_spps() {
        let mut s = ClockScanner::default();
        let mut got = Vec::new();
        // A note-on with a clock byte inside it, START, an SPP split over two calls.
        s.feed(&[0x90, 60, 0xF8, 100, 0xFA, 0xF2, 5], |m| got.push(m));
        s.feed(&[1, 0xF8, 0xFC, 0xFB], |m| got.push(m));
        assert_eq!(
            got,
            [
                ClockMessage::Tick,
                ClockMessage::Start,
                ClockMessage::SongPosition(5 | 1 << 7),
                ClockMessage::Tick,
                ClockMessage::Stop,
                ClockMessage::Continue,
            ]
        );
        // An SPP cut short by another status byte is dropped.
        got.clear();
        s.feed(&[0xF2, 1, 0x90, 2, 3], |m| got.push(m));
        assert!(got.is_empty());
    }
}
