//! MIDI output on JACK: the client `chronus_midi_out` with one output port per
//! destination the patch names (`out-1`, `out-2`, ... in the order the patch first names
//! them; a port a later commit adds takes the lowest free number), each connected by the
//! output thread to the destination port matching its name. Ports come and go while the
//! client runs: a new one is registered and handed to the callback through a command
//! ring; a closing one is written to the end by the callback, then handed back to be
//! unregistered off its thread.
//!
//! The output thread hands each short message with its **due engine sample** to the
//! process callback through a fixed ring per port. The callback (a JACK real-time thread,
//! under the no-allocation guard) keeps what it received in a fixed, time-sorted buffer and
//! writes each message **at its exact frame**: engine sample `due + latency` maps to JACK
//! frame `due + latency + offset`. The offset is fixed the first time the callback runs
//! (JACK frame of the cycle − the engine's published sample time), so the spacing of
//! events in samples is kept exactly: 0 frames of jitter. The mapping is the
//! [`FrameAnchor`] the JACK MIDI input uses too. When the engine runs on this
//! JACK server (`--host jack`) the two clocks are the same and the offset never changes;
//! with another audio host (the null host, ALSA) the clocks drift apart slowly and the
//! offset is set again (counted as a re-anchor) when they differ by more than 8 periods.
//! A message whose frame is already past is written at the start of the cycle, and its
//! lateness goes into the scheduling-error histogram.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use jack::{Client, ClientOptions, Control, MidiOut, Port, PortFlags, ProcessScope, Unowned};
use rtrb::{Consumer, Producer, RingBuffer};

use super::message::{Kind, OutMessage};
use super::stats::PortStats;
use crate::engine::EngineStats;
use crate::realtime::frame_anchor::FrameAnchor;
use crate::realtime::jack_process::{activate, Active, Callback};
use crate::realtime::no_alloc::no_alloc;

/// JACK client name of the MIDI output.
pub const CLIENT_NAME: &str = "chronus_midi_out";
/// Short messages one port's ring and its sorted buffer hold.
const RING: usize = 4_096;
/// Output ports the client can have at once.
pub const MAX_PORTS: usize = 64;

/// One short message on its way to the callback.
#[derive(Clone, Copy, Debug)]
struct Item {
    due: u64,
    kind: Kind,
    /// True for the first part of a logical message (it is counted once).
    first: bool,
    len: u8,
    bytes: [u8; 3],
}

/// What the callback keeps for one port.
struct CallbackPort {
    port: Port<MidiOut>,
    rx: Consumer<Item>,
    /// Received and not yet written, sorted by due time (stable).
    pending: Vec<Item>,
    stats: Arc<PortStats>,
    /// Closing: handed back once everything it holds is written.
    closing: bool,
}

impl CallbackPort {
    /// Moves what the ring holds into the sorted buffer (a full buffer drops and counts).
    /// **Real-time safe.**
    fn receive(&mut self) {
        while let Ok(item) = self.rx.pop() {
            if self.pending.len() == self.pending.capacity() {
                if item.first {
                    self.stats.dropped[item.kind.index()].fetch_add(1, Ordering::Relaxed);
                }
                continue;
            }
            let at = self.pending.partition_point(|p| p.due <= item.due);
            self.pending.insert(at, item);
        }
    }

    /// Writes what falls in this cycle. **Real-time safe.**
    /// With `flush` (the output stops), what is due later is written now, in order, but
    /// a note not yet due is not started and a clock tick not yet due is not sent: only
    /// releases, STOP and the rest go out.
    fn write(
        &mut self,
        ps: &ProcessScope,
        start: i64,
        n: i64,
        (offset, latency): (i64, i64),
        flush: bool,
    ) {
        let mut writer = self.port.writer(ps);
        let mut done = 0;
        let mut last = 0i64;
        for item in &self.pending {
            let due = item.due as i64 + latency + offset - start;
            if due >= n && !flush {
                break;
            }
            // Stopping: a note or a clock tick not due yet never happened (a tick written
            // now would move the receiver's song position on); the rest goes out now.
            if due >= n && (item.kind == Kind::NoteOn || item.bytes[..1] == [0xF8]) {
                done += 1;
                continue;
            }
            let target = if due >= n { 0 } else { due };
            let frame = target.max(last).max(0);
            last = frame;
            let raw = jack::RawMidi {
                time: frame as u32,
                bytes: &item.bytes[..item.len as usize],
            };
            if writer.write(&raw).is_err() {
                // The port's buffer for this cycle is full: the rest waits for the next.
                break;
            }
            if item.first {
                self.stats.record_sent(item.kind, (frame - target) as u64);
            }
            done += 1;
        }
        self.pending.drain(..done);
    }
}

/// What the output thread tells the callback.
enum Command {
    /// A new port in slot `.0`.
    Add(usize, CallbackPort),
    /// Slot `.0` closes once everything it holds is written: the callback hands it back.
    Close(usize),
}

/// The JACK MIDI output client and its ports, by slot (`out-{slot + 1}`).
pub struct JackOut {
    client: Active,
    gone: Arc<AtomicBool>,
    /// Each slot's port (a handle to it) and full name, while it is registered.
    ports: Vec<Option<(Port<Unowned>, String)>>,
    txs: Vec<Option<Producer<Item>>>,
    commands: Producer<Command>,
    /// Ports the callback hands back once closed, to unregister (off its thread).
    returned: Consumer<(usize, CallbackPort)>,
    /// Set at the stop: the callback writes everything pending at once, in order.
    flush: Arc<AtomicBool>,
}

impl JackOut {
    /// Opens the client, without ports yet ([`add_port`](Self::add_port)), reading the
    /// engine's sample clock from `engine`. Messages are written `latency` samples after
    /// their due time, at least two JACK periods + 2 ms (what the engine needs to hand
    /// them over in time when it runs on this server).
    pub fn open(engine: Arc<EngineStats>, latency: u64) -> Result<JackOut, String> {
        let (client, _) = Client::new(CLIENT_NAME, ClientOptions::NO_START_SERVER)
            .map_err(|e| format!("cannot open a JACK client (is a JACK server running?): {e}"))?;
        let own = 2 * client.buffer_size() as u64 + client.sample_rate() as u64 / 500;
        let latency = latency.max(own);
        let mut slots: Vec<Option<CallbackPort>> = (0..MAX_PORTS).map(|_| None).collect();
        let (commands, mut command_rx) = RingBuffer::<Command>::new(MAX_PORTS * 2);
        let (mut give_back, returned) = RingBuffer::<(usize, CallbackPort)>::new(MAX_PORTS);
        // Engine samples ↔ JACK frames (the module doc).
        let mut anchor = FrameAnchor::new();
        let latency = latency as i64;
        let flush = Arc::new(AtomicBool::new(false));
        let cb_flush = flush.clone();
        let callback: Callback = Box::new(move |_, ps| {
            no_alloc(|| {
                // A slot is only ever filled while empty and emptied by moving its port
                // out: nothing is dropped (freed) here.
                while let Ok(command) = command_rx.pop() {
                    match command {
                        Command::Add(i, port) => {
                            if let Some(slot) = slots.get_mut(i).filter(|s| s.is_none()) {
                                *slot = Some(port);
                            } else {
                                // Never happens (the output thread gives free slots
                                // only); handed back rather than freed here.
                                let _ = give_back.push((i, port));
                            }
                        }
                        Command::Close(i) => {
                            if let Some(Some(p)) = slots.get_mut(i) {
                                p.closing = true;
                            }
                        }
                    }
                }
                let frames = anchor.cycle(ps.last_frame_time(), 0);
                let n = ps.n_frames() as i64;
                let engine_now = engine.sample_time.load(Ordering::Relaxed) as i64;
                // After the engine's last callback what is left (the final
                // all-notes-off) is written at once under the old anchor.
                if anchor.track(engine_now, n) {
                    for p in slots.iter().flatten() {
                        p.stats.reanchors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                let flush = cb_flush.load(Ordering::Acquire);
                for (i, slot) in slots.iter_mut().enumerate() {
                    let Some(p) = slot else { continue };
                    p.receive();
                    if let Some(offset) = anchor.offset() {
                        p.write(ps, frames, n, (offset, latency), flush);
                    }
                    if p.closing && p.pending.is_empty() && p.rx.is_empty() {
                        if let Some(p) = slot.take() {
                            // Room for every slot: it never fails.
                            let _ = give_back.push((i, p));
                        }
                    }
                }
            });
            Control::Continue
        });
        let (client, gone) = activate(client, callback)
            .map_err(|e| format!("cannot activate the JACK MIDI output client: {e}"))?;
        Ok(JackOut {
            client,
            gone,
            ports: (0..MAX_PORTS).map(|_| None).collect(),
            txs: (0..MAX_PORTS).map(|_| None).collect(),
            commands,
            returned,
            flush,
        })
    }

    /// Registers a new output port counting into `stats`, in the lowest free slot (its
    /// name is `out-{slot + 1}`), and hands it to the callback: its slot.
    pub fn add_port(&mut self, stats: Arc<PortStats>) -> Result<usize, String> {
        self.collect();
        let slot = self
            .ports
            .iter()
            .position(Option::is_none)
            .ok_or_else(|| format!("at most {MAX_PORTS} JACK MIDI output ports"))?;
        let short = format!("out-{}", slot + 1);
        let port = self
            .client
            .as_client()
            .register_port(&short, MidiOut::default())
            .map_err(|e| format!("cannot register the JACK MIDI port \"{short}\": {e}"))?;
        let unowned = port.clone_unowned();
        let (tx, rx) = RingBuffer::new(RING);
        let cb = CallbackPort {
            port,
            rx,
            pending: Vec::with_capacity(RING),
            stats,
            closing: false,
        };
        if self.commands.push(Command::Add(slot, cb)).is_err() {
            return Err("the JACK MIDI output's command ring is full".into());
        }
        self.ports[slot] = Some((unowned, format!("{CLIENT_NAME}:{short}")));
        self.txs[slot] = Some(tx);
        Ok(slot)
    }

    /// Closes the port in `slot`: the callback writes what it holds first, then hands it
    /// back to be unregistered ([`collect`](Self::collect)); its slot is free after that.
    pub fn remove_port(&mut self, slot: usize) {
        if let Some(tx) = self.txs.get_mut(slot) {
            // Nothing more is sent to it; what is in its ring still goes out.
            *tx = None;
        }
        let _ = self.commands.push(Command::Close(slot));
    }

    /// Unregisters the ports the callback has handed back, freeing their slots.
    pub fn collect(&mut self) {
        while let Ok((slot, p)) = self.returned.pop() {
            if let Err(e) = self.client.as_client().unregister_port(p.port) {
                tracing::warn!("MIDI out: cannot unregister a JACK MIDI port: {e}");
            }
            if let Some(s) = self.ports.get_mut(slot) {
                *s = None;
            }
        }
    }

    /// True once the server shut the client down.
    pub fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Acquire)
    }

    /// MIDI destination ports (other clients' MIDI inputs).
    pub fn destinations(&self) -> Vec<String> {
        if self.is_gone() {
            return Vec::new();
        }
        list(self.client.as_client())
    }

    /// Connects output port `i` to `dest`.
    pub fn connect(&self, i: usize, dest: &str) -> Result<(), String> {
        if self.is_gone() {
            return Err("the JACK server went away".into());
        }
        let Some((_, name)) = self.ports.get(i).and_then(Option::as_ref) else {
            return Err(format!("no JACK MIDI output port out-{}", i + 1));
        };
        match self.client.as_client().connect_ports_by_name(name, dest) {
            Ok(()) => Ok(()),
            Err(e) if self.is_connected(i, dest) => {
                let _ = e;
                Ok(())
            }
            Err(e) => Err(format!("cannot connect {name} to {dest}: {e}")),
        }
    }

    /// True while output port `i` is connected to `dest`.
    pub fn is_connected(&self, i: usize, dest: &str) -> bool {
        !self.is_gone()
            && self
                .ports
                .get(i)
                .and_then(Option::as_ref)
                .is_some_and(|(p, _)| p.get_connections().iter().any(|p| p == dest))
    }

    /// The full name of output port `i` (`chronus_midi_out:out-1`), while it is open.
    pub fn port_name(&self, i: usize) -> Option<&str> {
        self.ports.get(i)?.as_ref().map(|(_, n)| n.as_str())
    }

    /// Hands `msg`, due at engine sample `due`, to the callback; false when its ring is
    /// full (the caller counts the drop).
    pub fn send(&mut self, i: usize, due: u64, msg: &OutMessage) -> bool {
        let parts = msg.parts().count();
        let Some(tx) = self.txs.get_mut(i).and_then(Option::as_mut) else {
            return false;
        };
        if tx.slots() < parts {
            return false;
        }
        for (k, part) in msg.parts().enumerate() {
            let mut bytes = [0; 3];
            bytes[..part.len()].copy_from_slice(part);
            let _ = tx.push(Item {
                due,
                kind: msg.kind,
                first: k == 0,
                len: part.len() as u8,
                bytes,
            });
        }
        true
    }

    /// From now on every message is written in the callback's next cycle, in order, not
    /// at its frame: the output is stopping and the engine's clock has stopped with it.
    pub fn flush(&self) {
        self.flush.store(true, Ordering::Release);
    }

    /// Short messages handed to the callback and not yet taken from the rings.
    pub fn in_flight(&self) -> usize {
        self.txs.iter().flatten().map(|t| RING - t.slots()).sum()
    }
}

/// MIDI destination ports a JACK client sees (other clients' MIDI inputs).
pub fn list(client: &Client) -> Vec<String> {
    client
        .ports(None, Some("midi"), PortFlags::IS_INPUT)
        .into_iter()
        .filter(|p| !p.starts_with(&format!("{CLIENT_NAME}:")))
        .collect()
}
