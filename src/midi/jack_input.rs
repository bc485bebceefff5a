//! MIDI input from JACK (`--midi-host jack`), with the `jack` crate directly: midir's own
//! `jack` feature would replace ALSA in the whole build.
//!
//! The client `chronus_midi` has one input port per source it plays from, so each message
//! is known by the source that sent it and a source that goes away releases only its own
//! notes (see [`input`](super::input)). The ports are registered when the client opens
//! and never later, so the process callback walks a fixed set of ports it owns (a port
//! registered afterwards would have to be handed to it without allocation or lock): one
//! port, `in`, when `--midi-in` picks one source; [`MAX_SOURCES`] ports, `in`, `in-2`, ...
//! `in-16`, for `--midi-in all`. The MIDI thread connects each chosen source port to a free
//! input port of its own; a source past the last free port is not connected (one warning
//! line names it) until a port frees up. A port someone connected a source to by hand
//! (`jack_connect`) is not free; that source plays under the port's name.
//!
//! The process callback (a JACK real-time thread) copies each event with its port's index
//! and its exact frame time (`last_frame_time + offset`) into a fixed-size ring — no
//! allocation, no lock; a full ring drops the event and counts it. The MIDI thread names
//! each event's source from the index.
//!
//! **Timing.** When the audio plays on the same JACK server (`--host jack`), the client is
//! opened with the audio callback's [`CycleStamp`] and the process callback maps each
//! event's frame time straight to the engine sample it happened at, with the
//! [`FrameAnchor`] the JACK MIDI output uses too: one offset, exact, set from the audio
//! callback's own cycle ([`Incoming::sample`]); the MIDI thread adds a latency of whole
//! periods (`input::frame_latency`), so events keep their spacing to the frame and play
//! one period after they came in. Otherwise (another audio host, or before the audio
//! callback has run) the MIDI thread turns frame times into wall times with JACK's own
//! clock (`frames_to_time` against `time()` now), and from there into engine samples
//! through the sample clock's wall-clock anchor.
//!
//! When the JACK server goes away, JACK calls the client's shutdown handler. From then on
//! the dead client is never asked anything (libjack aborts the process when a graph query
//! meets a vanished server): its ports count as disconnected, and the next look for ports
//! opens a new client (failing, and so retried with the MIDI thread's backoff, until a
//! server runs again).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use jack::{Client, ClientOptions, Control, MidiIn, Port, PortFlags, Unowned};
use rtrb::{Consumer, Producer, RingBuffer};

use super::input::{Incoming, MidiBackend, MAX_MESSAGE};
use super::port_error::PortError;
use crate::realtime::cycle_stamp::CycleStamp;
use crate::realtime::frame_anchor::FrameAnchor;
use crate::realtime::jack_process::{activate, Active, Callback};
use crate::realtime::no_alloc::no_alloc;

/// JACK client name of the MIDI input.
pub const CLIENT_NAME: &str = "chronus_midi";
/// Its first input port's short name; the others are `in-2`, `in-3`, ...
pub const PORT_NAME: &str = "in";
/// The most sources played from at once (input ports registered for `--midi-in all`).
pub const MAX_SOURCES: usize = 16;
/// Events the ring holds between two polls of the MIDI thread.
const RING: usize = 1024;

/// Short name of input port `index` (0-based): `in`, `in-2`, `in-3`, ...
pub fn input_port_name(index: usize) -> String {
    match index {
        0 => PORT_NAME.to_string(),
        i => format!("{PORT_NAME}-{}", i + 1),
    }
}

/// Takes the earliest of the events waiting at the heads of `ports` (the lowest port
/// index among equal times), with that port's index. **Real-time safe.**
fn earliest<'a>(ports: &mut [Option<jack::MidiIter<'a>>]) -> Option<(usize, jack::RawMidi<'a>)> {
    let (input, _) = ports
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, p.as_ref()?.peek()?.time)))
        .min_by_key(|&(i, time)| (time, i))?;
    let raw = ports[input].as_mut()?.next()?;
    Some((input, raw))
}

/// One event as the process callback saw it.
#[derive(Clone, Copy)]
struct FrameEvent {
    /// Index of the input port it came in on.
    input: u8,
    frame: u32,
    /// `frame` extended to 64 bits (JACK's frame counter, never wrapping).
    frame64: i64,
    /// The engine sample at `frame`, when the audio callback's stamp gave it.
    sample: Option<u64>,
    len: u8,
    bytes: [u8; MAX_MESSAGE],
}

/// One of the client's input ports and the source connected to it.
struct Input {
    port: Port<Unowned>,
    /// Full name (`chronus_midi:in-2`).
    name: String,
    /// The source port connected to it by [`MidiBackend::connect`].
    source: Option<String>,
}

/// JACK MIDI input.
pub struct JackBackend {
    client: Active,
    /// Set when the server shut the client down.
    gone: Arc<AtomicBool>,
    inputs: Vec<Input>,
    /// Where the search for a free input starts: just after the last one taken, so a port
    /// just freed is the last to be reused (its source's last events are long drained).
    next_input: usize,
    rx: Consumer<FrameEvent>,
    dropped: Arc<AtomicU64>,
    /// The client name asked for (a reopened client asks for it again).
    requested_name: String,
    /// The audio callback's stamp, when the audio plays on this JACK server.
    stamp: Option<Arc<CycleStamp>>,
}

impl JackBackend {
    /// Opens the client (on the server `JACK_DEFAULT_SERVER` names) with `sources` input
    /// ports (1 to [`MAX_SOURCES`]) and activates it. With `stamp` (the audio callback's,
    /// when the audio plays on this server), each event carries the engine sample it came
    /// in at ([`Incoming::sample`]).
    pub fn open(sources: usize, stamp: Option<Arc<CycleStamp>>) -> Result<JackBackend, PortError> {
        Self::open_named(CLIENT_NAME, sources, stamp)
    }

    /// [`open`](Self::open) under another client name (the MIDI clock input's
    /// `chronus_clock_in`: one client per purpose, each with its own ports).
    pub fn open_named(
        requested_name: &str,
        sources: usize,
        stamp: Option<Arc<CycleStamp>>,
    ) -> Result<JackBackend, PortError> {
        let (client, _) = Client::new(requested_name, ClientOptions::NO_START_SERVER)
            .map_err(PortError::JackClient)?;
        let client_name = client.name().to_string();
        let mut ports = Vec::new();
        let mut inputs = Vec::new();
        for index in 0..sources.clamp(1, MAX_SOURCES) {
            let short = input_port_name(index);
            let port = client
                .register_port(&short, MidiIn::default())
                .map_err(|error| PortError::JackRegister {
                    port: short.clone(),
                    error,
                })?;
            inputs.push(Input {
                port: port.clone_unowned(),
                name: format!("{client_name}:{short}"),
                source: None,
            });
            ports.push(port);
        }
        let (tx, rx): (Producer<FrameEvent>, _) = RingBuffer::new(RING);
        let dropped = Arc::new(AtomicU64::new(0));
        let mut tx = tx;
        let lost = dropped.clone();
        let cb_stamp = stamp.clone();
        let mut anchor = FrameAnchor::new();
        // Real-time: checked never to allocate in debug builds, like the audio callback.
        // `ports` is fixed from here on: the callback only walks it.
        let callback: Callback = Box::new(move |_, ps| {
            no_alloc(|| {
                let start = ps.last_frame_time();
                let start_us = ps.cycle_times().map_or(0, |t| t.current_usecs);
                anchor.cycle(start, start_us);
                // Frame-exact engine samples while the audio callback's stamp is fresh.
                let exact = cb_stamp
                    .as_deref()
                    .is_some_and(|stamp| anchor.follow(stamp, ps.n_frames()));
                // The ports' events merged in time order (earliest first; the lower port
                // first at equal times), as JACK merges what is connected to one port: the
                // MIDI thread routes in ring order, so a note-off from one source must not
                // pass a note-on from another that came before it.
                let mut events: [Option<jack::MidiIter>; MAX_SOURCES] =
                    std::array::from_fn(|i| ports.get(i).map(|p| p.iter(ps)));
                while let Some((input, raw)) = earliest(&mut events) {
                    if raw.bytes.len() > MAX_MESSAGE {
                        lost.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let mut bytes = [0; MAX_MESSAGE];
                    bytes[..raw.bytes.len()].copy_from_slice(raw.bytes);
                    let frame = start.wrapping_add(raw.time);
                    let event = FrameEvent {
                        input: input as u8,
                        frame,
                        frame64: anchor.extend(frame),
                        sample: if exact { anchor.sample_at(frame) } else { None },
                        len: raw.bytes.len() as u8,
                        bytes,
                    };
                    if tx.push(event).is_err() {
                        lost.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
            Control::Continue
        });
        let (client, gone) = activate(client, callback).map_err(PortError::JackActivate)?;
        Ok(JackBackend {
            client,
            gone,
            inputs,
            next_input: 0,
            rx,
            dropped,
            requested_name: requested_name.to_string(),
            stamp,
        })
    }

    /// Events the ring had no room for.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// MIDI source ports of `client` (other clients' outputs).
    pub fn list(client: &Client) -> Vec<String> {
        client
            .ports(None, Some("midi"), PortFlags::IS_OUTPUT)
            .into_iter()
            .filter(|p| !p.starts_with(&format!("{CLIENT_NAME}:")))
            .collect()
    }

    fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Acquire)
    }

    /// The input `source` was connected to.
    fn input_of(&self, source: &str) -> Option<usize> {
        self.inputs
            .iter()
            .position(|i| i.source.as_deref() == Some(source))
    }

    /// A free input (no source of ours, nothing connected by hand), searching round from
    /// just after the last one taken.
    fn free_input(&self) -> Option<usize> {
        let n = self.inputs.len();
        (0..n).map(|k| (self.next_input + k) % n).find(|&i| {
            self.inputs[i].source.is_none() && self.inputs[i].port.get_connections().is_empty()
        })
    }
}

impl MidiBackend for JackBackend {
    fn host(&self) -> &'static str {
        "jack"
    }

    fn frame_exact(&self) -> bool {
        self.stamp.is_some()
    }

    fn ports(&mut self) -> Result<Vec<String>, PortError> {
        if self.is_gone() {
            let fresh = JackBackend::open_named(
                &self.requested_name,
                self.inputs.len(),
                self.stamp.clone(),
            )?;
            let dead = std::mem::replace(self, fresh);
            // Closing a client whose server vanished crashes inside libjack (SIGSEGV in
            // jack_client_close, seen with jackd2 1.9.21): it is left open, a few hundred
            // bytes once per server death.
            std::mem::forget(dead);
        }
        Ok(JackBackend::list(self.client.as_client()))
    }

    fn connect(&mut self, port: &str) -> Result<(), PortError> {
        if self.is_gone() {
            return Err(PortError::JackGone);
        }
        if self.input_of(port).is_some() {
            return Ok(());
        }
        let Some(i) = self.free_input() else {
            return Err(PortError::AllInputsBusy {
                client: CLIENT_NAME,
                sources: self.inputs.len(),
            });
        };
        self.client
            .as_client()
            .connect_ports_by_name(port, &self.inputs[i].name)
            .map_err(PortError::JackConnect)?;
        self.inputs[i].source = Some(port.to_string());
        self.next_input = (i + 1) % self.inputs.len();
        Ok(())
    }

    fn is_connected(&mut self, port: &str) -> bool {
        if self.is_gone() {
            return false;
        }
        self.input_of(port).is_some_and(|i| {
            self.inputs[i]
                .port
                .get_connections()
                .iter()
                .any(|p| p == port)
        })
    }

    fn disconnect(&mut self, port: &str) {
        let Some(i) = self.input_of(port) else {
            return;
        };
        self.inputs[i].source = None;
        if self.is_gone() {
            return;
        }
        // Usually gone already (JACK drops the connections of a vanished port).
        let _ = self
            .client
            .as_client()
            .disconnect_ports_by_name(port, &self.inputs[i].name);
    }

    fn drain(&mut self, out: &mut Vec<Incoming>) {
        if self.rx.is_empty() || self.is_gone() {
            return;
        }
        let client = self.client.as_client();
        let (now_us, now_wall) = (client.time(), SystemTime::now());
        let rate = client.sample_rate().max(1) as f64;
        while let Ok(e) = self.rx.pop() {
            let at_us = client.frames_to_time(e.frame);
            let wall = if at_us <= now_us {
                now_wall - Duration::from_micros(now_us - at_us)
            } else {
                now_wall + Duration::from_micros(at_us - now_us)
            };
            // A source connected by hand (jack_connect) to a port we did not connect plays
            // under that port's name.
            let input = &self.inputs[e.input as usize];
            out.push(Incoming {
                stream: input.source.clone().unwrap_or_else(|| input.name.clone()),
                bytes: e.bytes[..e.len as usize].to_vec(),
                wall,
                sample: e.sample,
                frame_ns: u64::try_from(e.frame64)
                    .ok()
                    .map(|f| (f as f64 * 1e9 / rate).round() as u64),
            });
        }
    }
}
