//! [`JackProbe`]: the JACK client `chronus_sc_probe` whose input port hears the timing
//! probe on one of scsynth's outputs ([`ScClock`](super::sc_clock::ScClock) says why).
//!
//! Its process callback (a JACK real-time thread, under the no-allocation guard) keeps the
//! engine-sample → JACK-frame offset ([`FrameAnchor`], as the JACK MIDI output does) and
//! reports each rising edge of the port's signal (a sample ≠ 0 after a 0) with its JACK
//! frame and value through a fixed ring to the outbound thread. The connection to
//! scsynth's port is made from the outbound thread.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use jack::{AudioIn, Client, ClientOptions, Control, Port};
use rtrb::{Consumer, RingBuffer};

use super::sc_clock::ProbeInput;
use crate::engine::EngineStats;
use crate::realtime::frame_anchor::FrameAnchor;
use crate::realtime::jack_process::{activate, Active, Callback};
use crate::realtime::no_alloc::no_alloc;

/// JACK client name of the probe.
pub const CLIENT_NAME: &str = "chronus_sc_probe";
/// The JACK client scsynth opens (a second one on the same server gets a suffix).
const SC_CLIENT: &str = "SuperCollider";
/// Edges the ring holds (a probe makes one every 200 ms).
const RING: usize = 64;
/// No offset yet.
const NONE: i64 = i64::MIN;

/// The probe's JACK client.
pub struct JackProbe {
    /// Always there until dropped (see the `Drop` impl).
    client: Option<Active>,
    gone: Arc<AtomicBool>,
    port: Port<jack::Unowned>,
    port_name: String,
    rx: Consumer<(i64, f32)>,
    offset: Arc<AtomicI64>,
}

impl JackProbe {
    /// Opens the client with its input port `in`, reading the engine's sample clock from
    /// `engine`.
    pub fn open(engine: Arc<EngineStats>) -> Result<JackProbe, String> {
        let (client, _) = Client::new(CLIENT_NAME, ClientOptions::NO_START_SERVER)
            .map_err(|e| format!("cannot open a JACK client (is a JACK server running?): {e}"))?;
        let port = client
            .register_port("in", AudioIn::default())
            .map_err(|e| format!("cannot register the JACK port \"in\": {e}"))?;
        let unowned = port.clone_unowned();
        let port_name = unowned
            .name()
            .unwrap_or_else(|_| format!("{CLIENT_NAME}:in"));
        let (mut tx, rx) = RingBuffer::new(RING);
        let offset = Arc::new(AtomicI64::new(NONE));
        let cb_offset = offset.clone();
        let mut anchor = FrameAnchor::new();
        let mut previous = 0.0f32;
        let callback: Callback = Box::new(move |_, ps| {
            no_alloc(|| {
                let n = ps.n_frames() as i64;
                let engine_now = engine.sample_time.load(Ordering::Relaxed) as i64;
                let frames = anchor.cycle(ps.last_frame_time(), 0);
                anchor.track(engine_now, n);
                cb_offset.store(anchor.offset().unwrap_or(NONE), Ordering::Relaxed);
                for (i, &v) in port.as_slice(ps).iter().enumerate() {
                    if previous == 0.0 && v != 0.0 {
                        // A full ring drops the edge: the next probe comes 200 ms later.
                        let _ = tx.push((frames + i as i64, v));
                    }
                    previous = v;
                }
            });
            Control::Continue
        });
        let (client, gone) = activate(client, callback)
            .map_err(|e| format!("cannot activate the JACK client {CLIENT_NAME}: {e}"))?;
        Ok(JackProbe {
            client: Some(client),
            gone,
            port: unowned,
            port_name,
            rx,
            offset,
        })
    }

    fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("open until dropped")
            .as_client()
    }

    /// scsynth's output ports numbered `channel + 1`, oldest client first.
    fn sc_ports(&self, channel: usize) -> Vec<String> {
        let suffix = format!(":out_{}", channel + 1);
        self.client()
            .ports(Some(SC_CLIENT), Some("audio"), jack::PortFlags::IS_OUTPUT)
            .into_iter()
            .filter(|p| p.starts_with(SC_CLIENT) && p.ends_with(&suffix))
            .collect()
    }
}

impl Drop for JackProbe {
    /// A client whose server went away is left open: closing it crashes inside libjack
    /// (and a client opened since then, the audio stream's, has freed it already).
    fn drop(&mut self) {
        if self.gone.load(Ordering::Acquire) {
            std::mem::forget(self.client.take());
        }
    }
}

impl ProbeInput for JackProbe {
    fn offset(&self) -> Option<i64> {
        Some(self.offset.load(Ordering::Relaxed)).filter(|&o| o != NONE)
    }

    fn heard(&mut self) -> Option<(i64, f32)> {
        self.rx.pop().ok()
    }

    fn connect(&mut self, channel: usize, fresh: bool) -> bool {
        if self.gone.load(Ordering::Acquire) {
            return false;
        }
        let client = self.client();
        if fresh {
            let _ = client.disconnect(&self.port);
        } else if !self.port.get_connections().is_empty() {
            return true;
        }
        // The newest scsynth: a killed one's ports may linger a moment.
        let Some(source) = self.sc_ports(channel).pop() else {
            return false;
        };
        client
            .connect_ports_by_name(&source, &self.port_name)
            .is_ok()
    }
}
