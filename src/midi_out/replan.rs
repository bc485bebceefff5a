//! Re-planning the MIDI output at a commit: every commit (and `/patch/load`) hands the
//! [`MidiOutSink`] the plan of its patch ([`Replans::publish`], before the engine gets the
//! graph), and the sink applies it at the **swap's sample** (the engine's
//! [`OutEvent::Swap`] on the outbound ring, after the
//! releases of the instruments the new graph no longer plays outside):
//!
//! - a port the new plan names that is not open is opened (looked for like the first ones:
//!   one warning line while absent, backoff 0.1 s doubling to 2 s);
//! - an instrument whose port, channel, polyphony or profile changed first releases every
//!   note it sounds where it was (a note-off each, then all notes off, CC 123, on its old
//!   channel and port), then plays with its new settings; an unchanged one keeps its
//!   notes and its params' last values;
//! - a port no instrument (and not the clock) uses anymore closes once everything queued
//!   for it has gone out.
//!
//! Nothing here runs on the audio thread: the engine's part is the one `Swap` event.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use super::clock_out::ClockGate;
use super::settings::Plan;
use super::sink::{MidiOutSink, PortInstrument};
use super::voicing::Voicing;
use crate::address::InstrumentKey;
use crate::engine::OutEvent;

/// Plans waiting for their swap, by revision, shared by the committing side and the sink.
#[derive(Clone, Default)]
pub struct Replans {
    inbox: Arc<Mutex<Vec<(u64, Plan)>>>,
    waker: Arc<Mutex<Option<std::thread::Thread>>>,
}

impl Replans {
    /// The plan of the commit of `revision`: it replaces a plan of the same or a later
    /// revision still waiting (a commit the engine never got: its revision is given
    /// again), and wakes the output thread.
    pub fn publish(&self, revision: u64, plan: Plan) {
        {
            let mut inbox = self.inbox.lock();
            inbox.retain(|(r, _)| *r < revision);
            inbox.push((revision, plan));
        }
        if let Some(t) = self.waker.lock().as_ref() {
            t.unpark();
        }
    }

    /// Wakes `thread` when a plan comes (the output thread, idle without ports).
    pub fn wake(&self, thread: std::thread::Thread) {
        *self.waker.lock() = Some(thread);
    }

    /// The latest plan of a revision up to `revision`, if one waits; older ones are
    /// dropped (a later one replaces them).
    pub fn take_up_to(&self, revision: u64) -> Option<Plan> {
        let mut inbox = self.inbox.lock();
        let n = inbox.iter().take_while(|(r, _)| *r <= revision).count();
        let latest = inbox.drain(..n).next_back().map(|(_, p)| p);
        latest
    }

    /// True when no plan waits.
    pub fn is_empty(&self) -> bool {
        self.inbox.lock().is_empty()
    }
}

impl MidiOutSink {
    /// Applies `plan` at engine sample `time` (see the module docs).
    pub(super) fn apply(&mut self, plan: Plan, time: u64) {
        // The plan's ports, as indexes in `self.ports`.
        let mut index = Vec::with_capacity(plan.ports.len());
        for (i, pattern) in plan.ports.iter().enumerate() {
            let found = self
                .ports
                .iter()
                .position(|p| p.pattern.eq_ignore_ascii_case(pattern));
            let k = match found {
                Some(k) => k,
                None => {
                    let clock = plan
                        .clock
                        .as_ref()
                        .filter(|_| plan.has_clock(i))
                        .map(|(_, c)| ClockGate::new(c));
                    let port = self.new_port(pattern, clock);
                    self.status.ports.lock().push(port.status.clone());
                    if let Some(hook) = self.port_hook.as_mut() {
                        hook(&port.status, true);
                    }
                    self.ports.push(port);
                    self.ports.len() - 1
                }
            };
            self.ports[k].closing = false;
            index.push(k);
        }
        let mut old = std::mem::take(&mut self.instruments);
        let mut scratch = std::mem::take(&mut self.scratch);
        for inst in &plan.instruments {
            let key = InstrumentKey::of(&inst.id);
            let port = index[inst.port];
            let kept = old.remove(&key).and_then(|(was, voicing)| {
                let same = was == port
                    && voicing.channel() == inst.channel
                    && voicing.polyphony() == inst.count.max(1)
                    && voicing.profile() == inst.profile.as_ref();
                if same {
                    return Some((was, voicing));
                }
                self.release_notes(was, voicing, time, &mut scratch);
                self.glides.forget(key);
                None
            });
            let entry = kept.unwrap_or_else(|| {
                (
                    port,
                    Voicing::new(inst.channel, inst.count, inst.profile.clone()),
                )
            });
            self.instruments.insert(key, entry);
        }
        // Instruments the plan no longer has: the engine released them before its swap
        // when it played them outside; notes still sounding (a plan applied without its
        // swap) are released here.
        for (key, (was, voicing)) in old.drain() {
            if !voicing.sounding().is_empty() {
                self.release_notes(was, voicing, time, &mut scratch);
            }
            self.glides.forget(key);
        }
        self.scratch = scratch;
        let mut on_port: HashMap<usize, Vec<PortInstrument>> = HashMap::new();
        for inst in &plan.instruments {
            on_port
                .entry(index[inst.port])
                .or_default()
                .push(PortInstrument {
                    id: inst.id.clone(),
                    profile: inst.profile.as_ref().map(|p| p.id.clone()),
                    channel: inst.channel,
                });
        }
        for (k, port) in self.ports.iter_mut().enumerate() {
            let instruments = on_port.remove(&k).unwrap_or_default();
            port.closing = instruments.is_empty() && port.clock.is_none();
            *port.status.instruments.lock() = instruments;
        }
    }

    /// Releases every note `voicing` sounds on port `port` at `time`: a note-off each,
    /// then all notes off on its channel.
    fn release_notes(
        &mut self,
        port: usize,
        mut voicing: Voicing,
        time: u64,
        scratch: &mut Vec<super::voicing::Timed>,
    ) {
        scratch.clear();
        voicing.event(OutEvent::AllNotesOff, scratch);
        for (delay, msg) in scratch.iter() {
            self.ports[port].queue.push(time + delay, *msg);
        }
    }
}
