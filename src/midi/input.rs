//! [`MidiInput`]: the MIDI thread of `chronus play`. It takes messages from a port backend
//! (ALSA through midir, or JACK MIDI), parses them per port with midly, gives each one its
//! engine sample time and hands it to the [`Router`]; and it keeps the connection alive.
//!
//! **Timing.** Each message carries the wall-clock time it arrived (from ALSA's queue
//! timestamp, or from its JACK frame time). It plays at engine sample
//! `clock(arrival + latency)`, with the [`SampleClock`] anchor the audio callback
//! publishes, so the spacing between messages is kept to the sample whatever the thread
//! scheduling; the constant latency ([`latency_for`]: two audio buffers + 2 ms) is what
//! lets a message reach the engine before its sample is rendered.
//!
//! **JACK MIDI with the audio on JACK** is frame-exact instead: the backend gives each
//! message the engine sample it came in at ([`Incoming::sample`], from its JACK frame
//! time and the audio callback's own cycle), and it plays [`frame_latency`] samples later
//! (whole periods: one at 128 or 256 frames) — no wall clock in between. Either way a
//! message never plays before one its source sent earlier.
//!
//! **Sources.** Every message comes tagged with its source port (each backend keeps one
//! stream per source: midir connects each ALSA port on its own, JACK gives each source an
//! input port of its own). Per source the thread keeps a parser (running status is per
//! stream) and the keys and pedal it holds down ([`HeldNotes`]).
//!
//! **Hot-plug.** Every 250 ms the thread checks that its ports are still there. When one
//! disappears, the notes and pedal that source held are released ([`Router::release`]) —
//! except a key or pedal another source holds too —, so what a performer holds on another
//! controller keeps sounding; the thread looks for a matching port again with exponential
//! backoff (100 ms doubling up to 2 s), logging once per change of state ("disconnected",
//! "waiting for", "playing from"); when the port comes back it is connected again. A port
//! that cannot be connected is named in one warning line (again only if the reason
//! changes), and tried again at each look.
//!
//! **Faults.** Each message is routed inside [`Faults::contain`]: a panic while handling
//! one is caught, counted and logged with the bytes and their port, and the next message
//! is served; the thread runs under [`crate::fault::supervise`], restarted if it dies.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use parking_lot::Mutex;
use tracing::{info, warn};

use super::held::HeldNotes;
use super::parse::MidiParser;
use super::port_error::PortError;
use super::ports::PortChoice;
use super::router::Router;
use crate::fault::{self, Faults};
use crate::realtime::sample_clock::SampleClock;

/// First wait before looking for a missing port again; doubles up to [`BACKOFF_MAX`].
pub const BACKOFF_START: Duration = Duration::from_millis(100);
/// Longest wait between two looks for a missing port.
pub const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// How often connected ports are checked.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(250);
/// How often the thread takes messages from the backend.
const POLL: Duration = Duration::from_millis(1);
/// Longest message kept (longer ones, i.e. sysex, are skipped).
pub const MAX_MESSAGE: usize = 32;

/// The latency between a message's arrival and the sample it plays at: two audio buffers
/// and 2 ms of scheduling margin (`buffer` frames at `sample_rate`).
pub fn latency_for(buffer: u32, sample_rate: u32) -> Duration {
    Duration::from_secs_f64(2.0 * buffer as f64 / sample_rate.max(1) as f64)
        + Duration::from_millis(2)
}

/// What the MIDI thread's hand-over needs, in wall time, between the MIDI client's process
/// callback and the audio callback of a later cycle: the thread's poll (every 1 ms) and
/// 1 ms for its wake-up and the routing. [`frame_latency`] rounds it up to whole periods.
pub const HANDOVER: Duration = Duration::from_millis(2);

/// The latency of frame-exact JACK MIDI (see the module doc), in samples: `k` whole
/// periods of `buffer` frames, `k = ⌈HANDOVER / period⌉` and at least 1, plus the config's
/// `latency_ms` on top. Term by term (BENCHMARKS.md, "MIDI → sound latency"):
///
/// 1. **At least one period**: a message JACK hands the MIDI client in cycle `C` can reach
///    the engine at the earliest in the audio callback of cycle `C + 1` (the audio callback
///    of cycle `C` may have run already, and the message still has to cross the MIDI
///    thread). Played at its own offset in the cycle `k` periods on, every message of
///    cycle `C` lands in cycle `C + k`: the same deadline — the start of that cycle's
///    audio callback, which renders the whole period at once — for all of them, so any
///    latency between `k` and `k + 1` periods would only delay the messages, never give
///    the hand-over more time.
/// 2. **Whole periods covering [`HANDOVER`]**: the hand-over has `k` periods; at 128 or
///    256 frames at 48 kHz one period (2.7 or 5.3 ms) covers its 2 ms, so `k = 1`; at 64
///    frames (1.3 ms) `k = 2`.
/// 3. **`latency_ms`** (config `midi.latency_ms`): added on top, for a machine whose
///    threads wake later than that.
pub fn frame_latency(buffer: u32, sample_rate: u32, latency_ms: Option<f32>) -> u64 {
    let buffer = buffer.max(1) as u64;
    let handover = (HANDOVER.as_secs_f64() * sample_rate as f64).ceil() as u64;
    let periods = handover.div_ceil(buffer).max(1);
    let extra = (latency_ms.unwrap_or(0.0).max(0.0) as f64 * 1e-3 * sample_rate as f64).round();
    periods * buffer + extra as u64
}

/// The latencies a MIDI input plays with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InputLatency {
    /// After a message's wall-clock arrival ([`input_latency`]).
    pub wall: Duration,
    /// After a message's engine sample, when the backend gives one ([`frame_latency`]).
    pub frames: u64,
}

impl InputLatency {
    /// Both latencies for a stream of `buffer` frames at `sample_rate`, with the config's
    /// `midi.latency_ms` (`latency_ms`).
    pub fn for_stream(latency_ms: Option<f32>, buffer: u32, sample_rate: u32) -> InputLatency {
        InputLatency {
            wall: input_latency(latency_ms, buffer, sample_rate),
            frames: frame_latency(buffer, sample_rate, latency_ms),
        }
    }
}

/// The latency a MIDI input plays with: `latency_ms` when the config gives it
/// (`midi.latency_ms`: more absorbs a loaded machine's scheduling delays, at the cost of
/// responsiveness), else [`latency_for`] the stream's `buffer`.
pub fn input_latency(latency_ms: Option<f32>, buffer: u32, sample_rate: u32) -> Duration {
    match latency_ms {
        Some(ms) => Duration::from_secs_f64(ms.max(0.0) as f64 * 1e-3),
        None => latency_for(buffer, sample_rate),
    }
}

/// One message from a port.
#[derive(Clone, Debug, PartialEq)]
pub struct Incoming {
    /// The byte stream it belongs to (running status is per stream).
    pub stream: String,
    /// Its bytes (possibly several messages, or part of one).
    pub bytes: Vec<u8>,
    /// When it arrived.
    pub wall: SystemTime,
    /// The engine sample it arrived at, exact, when the backend maps its own clock to the
    /// engine's (JACK MIDI with the audio on the same JACK server); then it plays
    /// [`InputLatency::frames`] later instead of going through the wall clock.
    pub sample: Option<u64>,
    /// When it arrived on the backend's own frame clock, ns (JACK's frame counter over its
    /// sample rate), when it has one: steady where the wall-clock arrival jitters with
    /// the machine's load, and unbent by a cycle the audio callback missed (which
    /// `sample` follows). What a MIDI clock's tempo is measured on.
    pub frame_ns: Option<u64>,
}

/// A source of MIDI ports and messages (ALSA sequencer, JACK). Used by the MIDI thread only.
pub trait MidiBackend: Send {
    /// `"alsa"` or `"jack"`.
    fn host(&self) -> &'static str;
    /// True when its messages carry [`Incoming::sample`] once the audio runs.
    fn frame_exact(&self) -> bool {
        false
    }
    /// Source ports one can play from, by name.
    fn ports(&mut self) -> Result<Vec<String>, PortError>;
    /// Starts taking messages from `port`.
    fn connect(&mut self, port: &str) -> Result<(), PortError>;
    /// True while `port` is connected and still exists.
    fn is_connected(&mut self, port: &str) -> bool;
    /// Forgets a port that went away.
    fn disconnect(&mut self, port: &str);
    /// Moves the messages received so far into `out`, oldest first.
    fn drain(&mut self, out: &mut Vec<Incoming>);
}

/// What the MIDI thread sees of its ports, for `/midi/ports`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PortsStatus {
    /// `"alsa"` or `"jack"`.
    pub host: String,
    /// Every source port at the last look.
    pub available: Vec<String>,
    /// The ports being played from.
    pub connected: Vec<String>,
}

/// The running MIDI thread; dropping it stops the thread.
pub struct MidiInput {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    status: Arc<Mutex<PortsStatus>>,
}

impl MidiInput {
    /// Starts the MIDI thread over `backend`.
    pub fn start(
        backend: Box<dyn MidiBackend>,
        choice: PortChoice,
        router: Arc<Mutex<Router>>,
        clock: SampleClock,
        latency: InputLatency,
        status: Arc<Mutex<PortsStatus>>,
        faults: Arc<Faults>,
    ) -> std::io::Result<MidiInput> {
        let stop = Arc::new(AtomicBool::new(false));
        status.lock().host = backend.host().to_string();
        let worker = Worker {
            backend,
            choice,
            router,
            clock,
            latency,
            status: status.clone(),
            sources: HashMap::new(),
            connected: Vec::new(),
            inbox: Vec::new(),
            logged: HashSet::new(),
            refused: HashMap::new(),
            said: String::new(),
            faults: faults.clone(),
        };
        let thread = {
            let stop = stop.clone();
            let mut worker = worker;
            fault::supervise("chronus-midi", faults, move || worker.run(&stop))?
        };
        Ok(MidiInput {
            stop,
            thread: Some(thread),
            status,
        })
    }

    /// The ports as of the last look.
    pub fn status(&self) -> Arc<Mutex<PortsStatus>> {
        self.status.clone()
    }
}

impl Drop for MidiInput {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One source's byte stream as the thread follows it.
#[derive(Default)]
struct Source {
    parser: MidiParser,
    held: HeldNotes,
    /// The latest engine sample a message of this source was routed at.
    last: Option<u64>,
}

struct Worker {
    backend: Box<dyn MidiBackend>,
    choice: PortChoice,
    router: Arc<Mutex<Router>>,
    clock: SampleClock,
    latency: InputLatency,
    status: Arc<Mutex<PortsStatus>>,
    /// Per stream ([`Incoming::stream`]).
    sources: HashMap<String, Source>,
    connected: Vec<String>,
    /// Messages taken from the backend, kept for its capacity.
    inbox: Vec<Incoming>,
    /// Routing errors already logged (each is logged once).
    logged: HashSet<String>,
    /// Ports that could not be connected, with the line logged about each.
    refused: HashMap<String, String>,
    /// The last state line logged.
    said: String,
    /// Where a panic while routing one message is counted.
    faults: Arc<Faults>,
}

impl Worker {
    fn run(&mut self, stop: &AtomicBool) {
        let mut delay = BACKOFF_START;
        let mut next_look = Instant::now();
        while !stop.load(Ordering::Acquire) {
            self.pump();
            let now = Instant::now();
            if now >= next_look {
                self.look();
                if self.connected.is_empty() {
                    next_look = now + delay;
                    delay = (delay * 2).min(BACKOFF_MAX);
                } else {
                    next_look = now + CHECK_INTERVAL;
                    delay = BACKOFF_START;
                }
            }
            std::thread::sleep(POLL);
        }
        if !self.connected.is_empty() {
            let at = self.release_time();
            let _ = self.router.lock().release_all(at);
        }
    }

    /// When a release decided now plays: where a message arriving now would, so it lands
    /// after every note-on routed before it (still waiting out the latency).
    fn release_time(&self) -> Option<u64> {
        self.clock
            .sample_at_time(SystemTime::now() + self.latency.wall)
    }

    /// Routes every message the backend has.
    fn pump(&mut self) {
        let mut inbox = std::mem::take(&mut self.inbox);
        self.backend.drain(&mut inbox);
        let faults = self.faults.clone();
        for message in inbox.drain(..) {
            let what = || format!("MIDI bytes {:02x?} from {}", message.bytes, message.stream);
            faults.contain("midi", what, || self.route(&message));
        }
        self.inbox = inbox;
    }

    fn route(&mut self, message: &Incoming) {
        let time = match message.sample {
            Some(sample) => Some(sample + self.latency.frames),
            None => self.clock.sample_at_time(message.wall + self.latency.wall),
        };
        if !self.sources.contains_key(&message.stream) {
            self.sources
                .insert(message.stream.clone(), Source::default());
        }
        let Source { parser, held, last } = self
            .sources
            .get_mut(&message.stream)
            .expect("inserted above");
        // Never before an earlier message of its source (the two timings meet when the
        // audio starts or its stream is reopened, and a note-off must not pass its
        // note-on) — unless that one is more than a second ahead: the engine's clock
        // started over (an engine rebuilt after a stream failure).
        let rate = self.clock.sample_rate() as u64;
        let time = time.map(|t| match *last {
            Some(l) if l > t && l - t <= rate => l,
            _ => t,
        });
        if time.is_some() {
            *last = time;
        }
        let mut router = self.router.lock();
        let logged = &mut self.logged;
        parser.feed(&message.bytes, |event| {
            held.track(event);
            if let Err(e) = router.handle(event, time) {
                let line = e.to_string();
                if logged.len() < 256 && logged.insert(line.clone()) {
                    warn!("MIDI channel {}: {line}", event.channel);
                }
            }
        });
    }

    /// Drops vanished ports (releasing their notes), connects matching new ones, logs
    /// changes.
    fn look(&mut self) {
        let gone: Vec<String> = self
            .connected
            .iter()
            .filter(|p| !self.backend.is_connected(p))
            .cloned()
            .collect();
        if !gone.is_empty() {
            // What they sent before going counts: its notes are released too.
            self.pump();
            let mut lost = HeldNotes::default();
            for p in &gone {
                self.backend.disconnect(p);
                if let Some(source) = self.sources.remove(p) {
                    lost.add(&source.held);
                }
            }
            self.connected.retain(|p| !gone.contains(p));
            let lost = lost.only_here(self.sources.values().map(|s| &s.held));
            let at = self.release_time();
            let released = self.router.lock().release(&lost, at);
            self.say(
                format!(
                    "MIDI input: {} disconnected; held notes released ({}){}; reconnecting with backoff (0.1 s doubling to 2 s)",
                    gone.join(", "),
                    describe_release(&lost),
                    released.err().map(|e| format!(" (not all: {e})")).unwrap_or_default()
                ),
                true,
            );
        }
        let available = match self.backend.ports() {
            Ok(p) => p,
            Err(e) => {
                self.say(
                    format!("MIDI input ({}): {e}; retrying", self.backend.host()),
                    true,
                );
                return;
            }
        };
        for port in self.choice.select(&available) {
            if self.connected.contains(port) {
                continue;
            }
            match self.backend.connect(port) {
                Ok(()) => {
                    self.connected.push(port.clone());
                    self.logged.clear();
                }
                Err(e) => {
                    let line = format!("MIDI input: cannot connect \"{port}\": {e}");
                    if self.refused.get(port) != Some(&line) {
                        warn!("{line}");
                        self.refused.insert(port.clone(), line);
                    }
                }
            }
        }
        let connected = &self.connected;
        self.refused
            .retain(|p, _| available.contains(p) && !connected.contains(p));
        if self.connected.is_empty() {
            self.say(
                format!(
                    "MIDI input ({}): waiting for {} (ports now: {})",
                    self.backend.host(),
                    self.choice.describe(),
                    if available.is_empty() {
                        "none".to_string()
                    } else {
                        available.join(", ")
                    }
                ),
                false,
            );
        } else {
            let latency = if self.backend.frame_exact() {
                let ms = self.latency.frames as f64 * 1e3 / self.clock.sample_rate();
                format!(
                    "latency {} frames = {ms:.2} ms, frame-exact",
                    self.latency.frames
                )
            } else {
                format!("latency {:.1} ms", self.latency.wall.as_secs_f64() * 1e3)
            };
            self.say(
                format!(
                    "MIDI input ({}): playing from {} ({latency})",
                    self.backend.host(),
                    self.connected.join(", "),
                ),
                false,
            );
        }
        let mut status = self.status.lock();
        status.available = available;
        status.connected = self.connected.clone();
    }

    /// Logs `line` when the state it describes changed since the last line.
    fn say(&mut self, line: String, warning: bool) {
        if line == self.said {
            return;
        }
        if warning {
            warn!("{line}");
        } else {
            info!("{line}");
        }
        self.said = line;
    }
}

/// What a release of `lost` did, for the log: "2 notes; pedal up on channel 1".
fn describe_release(lost: &HeldNotes) -> String {
    let notes = match lost.key_count() {
        1 => "1 note".to_string(),
        n => format!("{n} notes"),
    };
    let pedals: Vec<String> = lost.pedal_channels().map(|c| c.to_string()).collect();
    match pedals.len() {
        0 => notes,
        1 => format!("{notes}; pedal up on channel {}", pedals[0]),
        _ => format!("{notes}; pedal up on channels {}", pedals.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_latency_is_whole_periods_covering_the_handover_plus_the_config() {
        assert_eq!(frame_latency(128, 48_000, None), 128);
        assert_eq!(frame_latency(256, 48_000, None), 256);
        assert_eq!(frame_latency(1024, 48_000, None), 1024);
        // 96 frames of hand-over: two periods of 64, three of 32.
        assert_eq!(frame_latency(64, 48_000, None), 128);
        assert_eq!(frame_latency(32, 48_000, None), 96);
        assert_eq!(frame_latency(96, 48_000, None), 96);
        // `midi.latency_ms` comes on top.
        assert_eq!(frame_latency(128, 48_000, Some(40.0)), 128 + 1_920);
        assert_eq!(frame_latency(128, 48_000, Some(-1.0)), 128);
    }
}
