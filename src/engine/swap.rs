//! Swapping a new revision in at a block boundary: its conductor takes over from the
//! running one, its graph takes the running graph's state (instantly, when the topology
//! allows it) or starts a crossfade over it, the param changes still scheduled move to it,
//! and the graph it replaces leaves through the return ring, to be dropped off the audio
//! thread. **Real-time safe.**

use rtrb::PushError;

use super::block::Engine;
use super::command::{Event, Revision, TimedEvent};
use super::crossfade::{Layer, MAX_FADING};
use super::outbound::OutEvent;
use super::stats::EngineStats;
use super::takeover::{carry_controls, carry_fits, carry_state, inherit_params, move_held_notes};
use crate::address::InstrumentKey;
use crate::graph::{CompiledGraph, Lineage, Takeover};

impl Engine {
    /// Swap time for the sequencer: the incoming revision's conductor takes over from the
    /// running one (clock, state). The replaced one leaves in the old revision's (empty)
    /// conductor slot, back through the return ring. A patch without a sequence stops the
    /// sequencer: the notes it still had to release are queued for now.
    fn adopt_conductor(&mut self, new: &mut Revision, old: Option<&mut Revision>) {
        use std::sync::atomic::Ordering::Relaxed;
        let outgoing = match new.conductor.take() {
            Some(mut c) => {
                match self.conductor.as_deref_mut() {
                    Some(running) => c.take_over(running, self.sample_time),
                    None => {
                        c.start_at(self.sample_time);
                        // The first sequencer follows the timeline from its first sample
                        // (it played one block on its own clock, off the session's grid).
                        c.follow_from(self.timeline, self.sample_time);
                    }
                }
                c.publish(&self.seq_status, self.sample_time);
                self.conductor.replace(c)
            }
            None => {
                self.seq_status.present.store(false, Relaxed);
                self.seq_status.playing.store(false, Relaxed);
                let mut leaving = self.conductor.take();
                if leaving.as_deref().is_some_and(|c| c.playing()) {
                    self.push_clock_stop();
                }
                if let Some(c) = leaving.as_deref_mut() {
                    let (now, revision) = (self.sample_time, c.revision);
                    c.release_all(|event| {
                        let e = TimedEvent {
                            time: now,
                            revision,
                            event: event.into(),
                        };
                        // Into the queue's reserve, which only these use and which is
                        // drained before the next swap (they are due now), so a queue
                        // full of controller events cannot make these releases stick.
                        if self.queue.push_reserved(e).is_err() {
                            EngineStats::bump(&self.stats.queue_full);
                        }
                    });
                }
                leaving
            }
        };
        match old {
            Some(old) => old.conductor = outgoing,
            None => new.conductor = outgoing,
        }
    }

    /// Swaps `new` in now if it can be, else hands it back to wait (a crossfading swap
    /// while [`MAX_FADING`] graphs are already fading out).
    pub(super) fn try_swap(&mut self, mut new: Revision) -> Option<Revision> {
        if self.unreturned.is_some() {
            return Some(new);
        }
        for inst in &mut new.graph.instruments {
            inst.controls.tuning = self.tuning;
        }
        let Some(mut old) = self.current.take() else {
            self.adopt_conductor(&mut new, None);
            self.current = Some(new);
            self.count_swap();
            return None;
        };
        let takeover = std::mem::replace(&mut new.graph.takeover, Takeover::Crossfade);
        // Taken out to read while `new` changes, and put back (never dropped here).
        let lineage = new.graph.lineage.take();
        let empty = Lineage::default();
        // Its indices point into `old` only if `old` is the graph it was compiled to follow.
        let follows = lineage
            .as_ref()
            .filter(|l| l.from_revision == old.graph.revision);
        let kin = follows.unwrap_or(&empty);
        let carried = match &takeover {
            Takeover::Carry(maps) if carry_fits(&old.graph, &new.graph, maps) => {
                carry_state(&mut old.graph, &mut new.graph, maps, kin);
                true
            }
            _ => false,
        };
        new.graph.takeover = takeover;
        let revisions = (old.graph.revision, new.graph.revision);
        if carried {
            carry_controls(&old.graph, &mut new.graph);
            self.release_gone_externals(&old.graph, &new.graph);
            self.adopt_conductor(&mut new, Some(&mut old));
            self.current = Some(new);
            self.return_revision(old);
        } else {
            let depth = self.fading_depth();
            if depth == MAX_FADING {
                new.graph.lineage = lineage;
                self.current = Some(old);
                return Some(new);
            }
            self.release_gone_externals(&old.graph, &new.graph);
            self.adopt_conductor(&mut new, Some(&mut old));
            // Before the notes: an adopted voice starts at the params it inherits.
            inherit_params(&old.graph, &mut new.graph, kin);
            move_held_notes(&old.graph, &mut new.graph, self.sample_time);
            // After the notes: their note-ons must not count as keys down (a note the
            // pedal holds has its key up, and pedal up must still release it).
            carry_controls(&old.graph, &mut new.graph);
            self.fading[depth] = Some(Layer {
                revision: old,
                fade_in: self.current_fade_in,
            });
            self.current = Some(new);
            self.current_fade_in = 0;
        }
        if let Some(l) = follows {
            self.follow_scheduled(revisions, l);
        }
        if let Some(r) = self.current.as_mut() {
            r.graph.lineage = lineage;
        }
        self.count_swap();
        None
    }

    /// Readdresses the param changes scheduled for the graph of revision `revisions.0`
    /// (still waiting in the queue: their time has not come) to the graph of revision
    /// `revisions.1` that replaces it, so a time-tagged change lands at its time across a
    /// commit. A change whose module the new graph no longer has keeps its old address:
    /// ignored, and counted in `events_ignored`, when its time comes. **Real-time safe.**
    fn follow_scheduled(&mut self, revisions: (u64, u64), lineage: &Lineage) {
        let (old, new) = revisions;
        for e in self.queue.events_mut().chain(self.held_back.iter_mut()) {
            let Event::SetParam { target, value } = e.event else {
                continue;
            };
            if e.revision != old {
                continue;
            }
            if let Some(target) = lineage.follow(target) {
                e.event = Event::SetParam { target, value };
                e.revision = new;
            }
        }
    }

    /// Tells every external instrument of `old` that `new` no longer plays outside the
    /// engine (removed, renamed, or voiced by the engine now) all notes off, through the
    /// outbound ring at this sample: its backend releases every note the synth still
    /// sounds (a note-off each, then all notes off on its channel), which nothing else
    /// would once the instrument is gone. **Real-time safe.**
    /// Then, when either graph has external instruments, the swap itself goes out
    /// ([`OutEvent::Swap`]), after those releases.
    fn release_gone_externals(&mut self, old: &CompiledGraph, new: &CompiledGraph) {
        for gone in old.instruments.iter().filter(|i| i.external) {
            let kept = new
                .instruments
                .iter()
                .any(|i| i.external && i.key == gone.key);
            if !kept {
                self.send_out(gone.key, OutEvent::AllNotesOff);
            }
        }
        let any = |g: &CompiledGraph| g.instruments.iter().any(|i| i.external);
        if any(old) || any(new) {
            let revision = new.revision;
            self.send_out(InstrumentKey::CLOCK, OutEvent::Swap { revision });
        }
    }

    fn count_swap(&self) {
        EngineStats::bump(&self.stats.swaps);
        if let Some(r) = &self.current {
            self.stats
                .revision
                .store(r.graph.revision, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Sends `old` back to the control side to be dropped there; keeps it (and counts)
    /// when the return ring is full.
    pub(super) fn return_revision(&mut self, old: Revision) {
        if let Err(PushError::Full(old)) = self.returns.push(old) {
            EngineStats::bump(&self.stats.returns_deferred);
            self.unreturned = Some(old);
        }
    }
}
