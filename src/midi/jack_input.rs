//! MIDI input from JACK (`--midi-host jack`), with the `jack` crate directly: midir's own
//! `jack` feature would replace ALSA in the whole build.
//!
//! The client `chronus_midi` has one input port, `in`; the MIDI thread connects the
//! chosen source ports to it. Its process callback (a JACK real-time thread) copies each
//! event with its exact frame time (`last_frame_time + offset`) into a fixed-size ring —
//! no allocation, no lock; a full ring drops the event and counts it. The MIDI thread
//! turns frame times into wall times with JACK's own clock (`frames_to_time` against
//! `time()` now), so messages keep their sample spacing.
//!
//! When the JACK server goes away, JACK calls the client's shutdown handler. From then on
//! the dead client is never asked anything (libjack aborts the process when a graph query
//! meets a vanished server): its ports count as disconnected, and the next look for ports
//! opens a new client (failing, and so retried with the MIDI thread's backoff, until a
//! server runs again).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use jack::{
    AsyncClient, Client, ClientOptions, Control, MidiIn, Port, PortFlags, ProcessScope, Unowned,
};
use rtrb::{Consumer, Producer, RingBuffer};

use super::input::{Incoming, MidiBackend, MAX_MESSAGE};
use crate::host::audio_callback::no_alloc;

/// JACK client name of the MIDI input.
pub const CLIENT_NAME: &str = "chronus_midi";
/// Its input port's short name.
pub const PORT_NAME: &str = "in";
/// Events the ring holds between two polls of the MIDI thread.
const RING: usize = 1024;

/// One event as the process callback saw it.
#[derive(Clone, Copy)]
struct FrameEvent {
    frame: u32,
    len: u8,
    bytes: [u8; MAX_MESSAGE],
}

/// The process callback, boxed so the client's type can be named.
type Callback = Box<dyn FnMut(&Client, &ProcessScope) -> Control + Send>;
type Process = jack::contrib::ClosureProcessHandler<(), Callback>;

/// Notices the server going away.
struct Shutdown(Arc<AtomicBool>);

impl jack::NotificationHandler for Shutdown {
    /// Only an atomic store: this may run in a signal handler (see the trait's doc).
    unsafe fn shutdown(&mut self, _status: jack::ClientStatus, _reason: &str) {
        self.0.store(true, Ordering::Release);
    }
}

/// JACK MIDI input.
pub struct JackBackend {
    client: AsyncClient<Shutdown, Process>,
    /// Set when the server shut the client down.
    gone: Arc<AtomicBool>,
    input: Port<Unowned>,
    rx: Consumer<FrameEvent>,
    dropped: Arc<AtomicU64>,
}

impl JackBackend {
    /// Opens the client (on the server `JACK_DEFAULT_SERVER` names) and activates it.
    pub fn open() -> Result<JackBackend, String> {
        let (client, _) = Client::new(CLIENT_NAME, ClientOptions::NO_START_SERVER)
            .map_err(|e| format!("cannot open a JACK client (is a JACK server running?): {e}"))?;
        let port = client
            .register_port(PORT_NAME, MidiIn::default())
            .map_err(|e| format!("cannot register the JACK MIDI port: {e}"))?;
        let input = port.clone_unowned();
        let (tx, rx): (Producer<FrameEvent>, _) = RingBuffer::new(RING);
        let dropped = Arc::new(AtomicU64::new(0));
        let mut tx = tx;
        let lost = dropped.clone();
        // Real-time: checked never to allocate in debug builds, like the audio callback.
        let callback: Callback = Box::new(move |_, ps| {
            no_alloc(|| {
                let start = ps.last_frame_time();
                for raw in port.iter(ps) {
                    if raw.bytes.len() > MAX_MESSAGE {
                        lost.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let mut bytes = [0; MAX_MESSAGE];
                    bytes[..raw.bytes.len()].copy_from_slice(raw.bytes);
                    let event = FrameEvent {
                        frame: start.wrapping_add(raw.time),
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
        let gone = Arc::new(AtomicBool::new(false));
        let client = client
            .activate_async(
                Shutdown(gone.clone()),
                jack::contrib::ClosureProcessHandler::new(callback),
            )
            .map_err(|e| format!("cannot activate the JACK MIDI client: {e}"))?;
        Ok(JackBackend {
            client,
            gone,
            input,
            rx,
            dropped,
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

    fn own_port(&self) -> String {
        format!("{CLIENT_NAME}:{PORT_NAME}")
    }
}

impl MidiBackend for JackBackend {
    fn host(&self) -> &'static str {
        "jack"
    }

    fn ports(&mut self) -> Result<Vec<String>, String> {
        if self.is_gone() {
            let dead = std::mem::replace(self, JackBackend::open()?);
            // Closing a client whose server vanished crashes inside libjack (SIGSEGV in
            // jack_client_close, seen with jackd2 1.9.21): it is left open, a few hundred
            // bytes once per server death.
            std::mem::forget(dead);
        }
        Ok(JackBackend::list(self.client.as_client()))
    }

    fn connect(&mut self, port: &str) -> Result<(), String> {
        if self.is_gone() {
            return Err("the JACK server went away".into());
        }
        self.client
            .as_client()
            .connect_ports_by_name(port, &self.own_port())
            .map_err(|e| e.to_string())
    }

    fn is_connected(&mut self, port: &str) -> bool {
        !self.is_gone() && self.input.get_connections().iter().any(|p| p == port)
    }

    fn disconnect(&mut self, port: &str) {
        if self.is_gone() {
            return;
        }
        // Usually gone already (JACK drops the connections of a vanished port).
        let _ = self
            .client
            .as_client()
            .disconnect_ports_by_name(port, &self.own_port());
    }

    fn drain(&mut self, out: &mut Vec<Incoming>) {
        if self.rx.is_empty() || self.is_gone() {
            return;
        }
        let client = self.client.as_client();
        let (now_us, now_wall) = (client.time(), SystemTime::now());
        while let Ok(e) = self.rx.pop() {
            let at_us = client.frames_to_time(e.frame);
            let wall = if at_us <= now_us {
                now_wall - Duration::from_micros(now_us - at_us)
            } else {
                now_wall + Duration::from_micros(at_us - now_us)
            };
            out.push(Incoming {
                stream: self.own_port(),
                bytes: e.bytes[..e.len as usize].to_vec(),
                wall,
            });
        }
    }
}
