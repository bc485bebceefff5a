//! [`JackReturn`]: the JACK client `chronus_sc_return` through which scsynth's output comes
//! back into Chronus's main graph. For each `supercollider` instrument the main graph reads,
//! two input ports, `in_{2i+1}` and `in_{2i+2}` (named as scsynth names its outputs
//! `out_N`: the instrument's bus `2i`, `2i + 1`), connected from the outbound thread to
//! the newest scsynth's `SuperCollider:out_{2i+1}`, `out_{2i+2}`.
//!
//! Its process callback (a JACK real-time thread, under the no-allocation guard) maps its
//! cycle's frames to engine samples exactly through the audio callback's
//! [`CycleStamp`] (as the JACK MIDI input does, [`FrameAnchor::follow`]), and pushes what
//! the ports hold, stamped with the engine sample of its first frame, into the
//! instrument's ring ([`engine::backend_audio`](crate::engine::backend_audio)), which the
//! engine reads one period later. Before the audio callback has stamped a cycle, nothing
//! is pushed (the engine plays silence there).
//!
//! **Opened again.** The rings come from the [`ReturnDesk`], fresh at each opening. When
//! the JACK server goes away (its shutdown handler sets `gone`), one warning line; the
//! dead client is left open (closing a client whose server vanished crashes inside
//! libjack, see `midi::jack_input`; its rings go with it, 132 KB per instrument once per
//! server death), and a new one is opened with backoff (0.1 s doubling to 2 s) until the
//! server is back: one info line, fresh rings, its ports connected to the new scsynth's.
//! No new client is opened before the audio stream has opened again (its callback
//! publishes a new stamp): libjack's first client opened after its server died frees every
//! client of the process still allocated, and the player's stream, closed after that,
//! would crash in `jack_deactivate`.
//! When the engine is replaced ([`ReturnDesk::take_renewal`]) the live client is closed
//! and opened again the same way, so the new engine gets rings of its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jack::{AudioIn, Client, ClientOptions, Control, Port};
use parking_lot::Mutex;
use tracing::{info, warn};

use super::sink::ReturnPorts;
use crate::engine::backend_audio::{ReturnChunk, CHUNK};
use crate::engine::return_desk::ReturnDesk;
use crate::realtime::cycle_stamp::CycleStamp;
use crate::realtime::frame_anchor::FrameAnchor;
use crate::realtime::jack_process::{activate, Active, Callback};
use crate::realtime::no_alloc::no_alloc;

/// JACK client name of the return.
pub const CLIENT_NAME: &str = "chronus_sc_return";
/// The JACK client scsynth opens (a second one on the same server gets a suffix).
const SC_CLIENT: &str = "SuperCollider";
/// First delay before opening the client again; doubles up to [`BACKOFF_MAX`].
const BACKOFF_START: Duration = Duration::from_millis(100);
/// Longest delay between two attempts.
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// One open client: its ports and the flag its server's shutdown sets.
struct Opened {
    client: Active,
    gone: Arc<AtomicBool>,
    /// Per returned channel: our port, its full name, scsynth's channel (0-based).
    ports: Vec<(Port<jack::Unowned>, String, usize)>,
}

impl Opened {
    /// Opens the client with two input ports per bus of `buses` (scsynth's output of an
    /// instrument's left channel), timed by the audio callback's `stamp`, with fresh rings
    /// from `desk`.
    fn open(
        buses: &[usize],
        desk: &Mutex<ReturnDesk>,
        stamp: &Arc<CycleStamp>,
    ) -> Result<Opened, String> {
        let (client, _) = Client::new(CLIENT_NAME, ClientOptions::NO_START_SERVER)
            .map_err(|e| format!("cannot open a JACK client (is a JACK server running?): {e}"))?;
        let mut ports = Vec::new();
        let mut pairs = Vec::new();
        for &bus in buses {
            let mut pair = Vec::with_capacity(2);
            for channel in [bus, bus + 1] {
                let short = format!("in_{}", channel + 1);
                let port = client
                    .register_port(&short, AudioIn::default())
                    .map_err(|e| format!("cannot register the JACK port {short:?}: {e}"))?;
                let unowned = port.clone_unowned();
                let name = unowned
                    .name()
                    .unwrap_or_else(|_| format!("{CLIENT_NAME}:{short}"));
                ports.push((unowned, name, channel));
                pair.push(port);
            }
            let right = pair.pop().expect("two ports");
            let left = pair.pop().expect("two ports");
            pairs.push((left, right));
        }
        let delay = client.buffer_size() as u64;
        let producers = desk.lock().fresh_rings(delay);
        let mut feeds: Vec<_> = pairs
            .into_iter()
            .zip(producers)
            .map(|((left, right), tx)| (left, right, tx))
            .collect();
        let stamp = stamp.clone();
        let mut anchor = FrameAnchor::new();
        let callback: Callback = Box::new(move |_, ps| {
            no_alloc(|| {
                let frame = ps.last_frame_time();
                let start_us = ps.cycle_times().map_or(0, |t| t.current_usecs);
                anchor.cycle(frame, start_us);
                let fresh = anchor.follow(&stamp, ps.n_frames());
                let Some(first) = anchor.sample_at(frame).filter(|_| fresh) else {
                    return;
                };
                for (left, right, tx) in feeds.iter_mut() {
                    let (l, r) = (left.as_slice(ps), right.as_slice(ps));
                    let mut at = 0;
                    while at < l.len() {
                        let len = (l.len() - at).min(CHUNK);
                        let mut chunk = ReturnChunk {
                            sample: first + at as u64,
                            len,
                            ..ReturnChunk::default()
                        };
                        chunk.left[..len].copy_from_slice(&l[at..at + len]);
                        chunk.right[..len].copy_from_slice(&r[at..at + len]);
                        // A full ring (the engine stopped reading): dropped, and the
                        // engine counts the gap as missing samples if it comes back.
                        let _ = tx.push(chunk);
                        at += len;
                    }
                }
            });
            Control::Continue
        });
        let (client, gone) = activate(client, callback)
            .map_err(|e| format!("cannot activate the JACK client {CLIENT_NAME}: {e}"))?;
        Ok(Opened {
            client,
            gone,
            ports,
        })
    }

    fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Acquire)
    }
}

/// The return's JACK client, opened again whenever it is lost or the engine is replaced.
pub struct JackReturn {
    opened: Option<Opened>,
    /// scsynth's output bus of each returned instrument's left channel (`2i`), in the
    /// desk's order.
    buses: Vec<usize>,
    desk: Arc<Mutex<ReturnDesk>>,
    stamp: Arc<CycleStamp>,
    /// When to try opening again, and the delay after that.
    retry_at: Instant,
    delay: Duration,
    /// The server went away (warned once), and the audio callback's stamp then: a new
    /// client waits for a newer one.
    lost_at: Option<Option<(u64, u64)>>,
}

impl JackReturn {
    /// Opens the client with two input ports per bus of `buses` (the left channel's
    /// output of each instrument of `desk`, in its order), timed by the audio callback's
    /// `stamp`.
    pub fn open(
        buses: Vec<usize>,
        desk: Arc<Mutex<ReturnDesk>>,
        stamp: Arc<CycleStamp>,
    ) -> Result<JackReturn, String> {
        let opened = Opened::open(&buses, &desk, &stamp)?;
        Ok(JackReturn {
            opened: Some(opened),
            buses,
            desk,
            stamp,
            retry_at: Instant::now(),
            delay: BACKOFF_START,
            lost_at: None,
        })
    }

    /// The JACK period (frames): how much later the engine plays what the ports hear (0
    /// while no client is open).
    pub fn period(&self) -> u64 {
        self.opened
            .as_ref()
            .map_or(0, |o| o.client.as_client().buffer_size() as u64)
    }

    /// The newest scsynth's output port numbered `channel + 1` (a killed one's ports may
    /// linger a moment).
    fn sc_port(client: &Client, channel: usize) -> Option<String> {
        let suffix = format!(":out_{}", channel + 1);
        client
            .ports(Some(SC_CLIENT), Some("audio"), jack::PortFlags::IS_OUTPUT)
            .into_iter()
            .rfind(|p| p.starts_with(SC_CLIENT) && p.ends_with(&suffix))
    }

    /// Tries to open the client again when due; true when it is open.
    fn reopen(&mut self, now: Instant) -> bool {
        if now < self.retry_at {
            return false;
        }
        if let Some(at_loss) = self.lost_at {
            if self.stamp.read_settled() == at_loss {
                // The audio stream has not opened again yet.
                return false;
            }
        }
        match Opened::open(&self.buses, &self.desk, &self.stamp) {
            Ok(opened) => {
                let delay = opened.client.as_client().buffer_size();
                let why = if self.lost_at.take().is_some() {
                    "the JACK server is back"
                } else {
                    "a new engine"
                };
                info!(
                    "SuperCollider backend: {CLIENT_NAME} is open again ({why}): scsynth's output comes back into the main graph, {delay} frames (one JACK period) after scsynth writes it"
                );
                self.opened = Some(opened);
                self.delay = BACKOFF_START;
                true
            }
            Err(_) => {
                self.retry_at = now + self.delay;
                self.delay = (self.delay * 2).min(BACKOFF_MAX);
                false
            }
        }
    }
}

impl Drop for JackReturn {
    /// A client whose server went away is left open (closing it crashes inside libjack).
    fn drop(&mut self) {
        if let Some(opened) = self.opened.take().filter(Opened::is_gone) {
            std::mem::forget(opened);
        }
    }
}

impl ReturnPorts for JackReturn {
    fn look(&mut self) -> bool {
        let now = Instant::now();
        let renew = {
            let mut desk = self.desk.lock();
            desk.flush();
            desk.take_renewal()
        };
        if self.opened.as_ref().is_some_and(Opened::is_gone) {
            warn!(
                "SuperCollider backend: the JACK server went away; {CLIENT_NAME} (scsynth's sound back into the main graph) opens again when it is back, retrying with backoff (0.1 s doubling to 2 s)"
            );
            // Left open: closing a client whose server vanished crashes inside libjack.
            std::mem::forget(self.opened.take());
            self.lost_at = Some(self.stamp.read_settled());
            self.retry_at = now;
            self.delay = BACKOFF_START;
        } else if renew {
            // A live client, closed here (off its real-time thread) with its rings.
            self.opened = None;
            self.retry_at = now;
            self.delay = BACKOFF_START;
        }
        self.opened.is_none() && self.reopen(now)
    }

    fn connect(&mut self, fresh: bool) -> bool {
        let Some(opened) = self.opened.as_ref().filter(|o| !o.is_gone()) else {
            return false;
        };
        let client = opened.client.as_client();
        let mut all = true;
        for (port, name, channel) in &opened.ports {
            if fresh {
                let _ = client.disconnect(port);
            } else if !port.get_connections().is_empty() {
                continue;
            }
            let connected = Self::sc_port(client, *channel)
                .is_some_and(|source| client.connect_ports_by_name(&source, name).is_ok());
            all &= connected;
        }
        all
    }
}
