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

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use jack::{AudioIn, Client, ClientOptions, Control, Port};
use rtrb::Producer;

use super::sink::ReturnPorts;
use crate::engine::backend_audio::{ReturnChunk, CHUNK};
use crate::realtime::cycle_stamp::CycleStamp;
use crate::realtime::frame_anchor::FrameAnchor;
use crate::realtime::jack_process::{activate, Active, Callback};
use crate::realtime::no_alloc::no_alloc;

/// JACK client name of the return.
pub const CLIENT_NAME: &str = "chronus_sc_return";
/// The JACK client scsynth opens (a second one on the same server gets a suffix).
const SC_CLIENT: &str = "SuperCollider";

/// One returned instrument: scsynth's output channel of its left side (its right is the
/// next), and the producer end of its ring.
pub struct Returned {
    /// scsynth's output bus of its left channel (`2i`).
    pub bus: usize,
    /// Where its chunks go.
    pub tx: Producer<ReturnChunk>,
}

/// The return's JACK client.
pub struct JackReturn {
    client: Active,
    gone: Arc<AtomicBool>,
    /// Per returned channel: our port, its full name, scsynth's channel (0-based).
    ports: Vec<(Port<jack::Unowned>, String, usize)>,
}

impl JackReturn {
    /// Opens the client with two input ports per instrument of `returned`, timed by the
    /// audio callback's `stamp`.
    pub fn open(returned: Vec<Returned>, stamp: Arc<CycleStamp>) -> Result<JackReturn, String> {
        let (client, _) = Client::new(CLIENT_NAME, ClientOptions::NO_START_SERVER)
            .map_err(|e| format!("cannot open a JACK client (is a JACK server running?): {e}"))?;
        let mut ports = Vec::new();
        let mut feeds = Vec::new();
        for r in returned {
            let mut pair = Vec::with_capacity(2);
            for channel in [r.bus, r.bus + 1] {
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
            feeds.push((left, right, r.tx));
        }
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
        Ok(JackReturn {
            client,
            gone,
            ports,
        })
    }

    /// The JACK period (frames): how much later the engine plays what the ports hear.
    pub fn period(&self) -> u64 {
        self.client.as_client().buffer_size() as u64
    }

    /// The newest scsynth's output port numbered `channel + 1` (a killed one's ports may
    /// linger a moment).
    fn sc_port(&self, channel: usize) -> Option<String> {
        let suffix = format!(":out_{}", channel + 1);
        self.client
            .as_client()
            .ports(Some(SC_CLIENT), Some("audio"), jack::PortFlags::IS_OUTPUT)
            .into_iter()
            .rfind(|p| p.starts_with(SC_CLIENT) && p.ends_with(&suffix))
    }
}

impl ReturnPorts for JackReturn {
    fn connect(&mut self, fresh: bool) -> bool {
        if self.gone.load(Ordering::Acquire) {
            return false;
        }
        let mut all = true;
        for (port, name, channel) in &self.ports {
            let client = self.client.as_client();
            if fresh {
                let _ = client.disconnect(port);
            } else if !port.get_connections().is_empty() {
                continue;
            }
            let connected = self
                .sc_port(*channel)
                .is_some_and(|source| client.connect_ports_by_name(&source, name).is_ok());
            all &= connected;
        }
        all
    }
}
