//! [`EngineHandle`]: the control side of an engine's rings. It sends events and
//! revisions, collects the graphs the engine returns (dropping them off the audio thread),
//! reads the engine's counters and the sequencer's cues.

use std::sync::Arc;

use rtrb::{Consumer, Producer};

use super::command::{Command, Revision, TimedEvent};
use super::note_cue::NoteCue;
use super::shed::Shedding;
use super::stats::EngineStats;
use crate::graph::CompiledGraph;
use crate::seq::{Conductor, Cue, SeqStatus};

/// The control side of an engine's rings.
pub struct EngineHandle {
    pub(super) commands: Producer<Command>,
    pub(super) returns: Consumer<Revision>,
    pub(super) stats: Arc<EngineStats>,
    pub(super) sample_rate: f32,
    pub(super) return_capacity: usize,
    pub(super) graphs_in_engine: usize,
    pub(super) seq_status: Arc<SeqStatus>,
    pub(super) cues: Consumer<Cue>,
    pub(super) note_cues: Consumer<NoteCue>,
    pub(super) shedding: Arc<Shedding>,
}

/// Why a command could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The command ring is full (the audio thread is not keeping up, or is not running).
    #[error("the engine's command queue is full ({0} commands); try again shortly")]
    QueueFull(usize),
    /// Too many graphs are waiting to be swapped in or returned.
    #[error("the engine still holds {0} graphs; wait for swaps to finish and try again")]
    Busy(usize),
}

impl EngineHandle {
    /// Sample rate of the engine.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// The engine's counters.
    pub fn stats(&self) -> &Arc<EngineStats> {
        &self.stats
    }

    /// The overload shedding level the engine follows, and its counters.
    pub fn shedding(&self) -> &Arc<Shedding> {
        &self.shedding
    }

    /// The sequencer's published state (`/seq/state`).
    pub fn seq_status(&self) -> &Arc<SeqStatus> {
        &self.seq_status
    }

    /// From now on the engine forwards the sequencer's MIDI clock and transport messages
    /// to the outbound ring ([`OutEvent::Clock`](super::OutEvent::Clock), at their engine
    /// sample times), for the MIDI output's clock ports. Off until asked: nobody else
    /// takes them.
    pub fn want_clock(&self) {
        self.seq_status
            .clock_wanted
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Takes the next sequencer cue the engine reported, if any (call off the audio
    /// thread, then log or forward it).
    pub fn pop_cue(&mut self) -> Option<Cue> {
        self.cues.pop().ok()
    }

    /// Takes the next note cue (a note the engine started), if any (off the audio thread).
    pub fn pop_note_cue(&mut self) -> Option<NoteCue> {
        self.note_cues.pop().ok()
    }

    /// Depths of the engine's rings as the control side sees them: `(command, return,
    /// cue, note cue)` items waiting.
    pub fn ring_depths(&self) -> (usize, usize, usize, usize) {
        (
            self.commands.buffer().capacity() - self.commands.slots(),
            self.returns.slots(),
            self.cues.slots(),
            self.note_cues.slots(),
        )
    }

    /// Capacity of the command ring.
    pub fn command_capacity(&self) -> usize {
        self.commands.buffer().capacity()
    }

    /// The engine's sample clock as last published (end of its last block).
    pub fn sample_time(&self) -> u64 {
        EngineStats::get(&self.stats.sample_time)
    }

    /// Commands waiting in the ring for the audio thread (a queue depth `chronus soak`
    /// samples).
    pub fn queued_commands(&self) -> usize {
        self.commands.buffer().capacity() - self.commands.slots()
    }

    /// Graphs sent to the engine and not yet collected back (playing, fading, waiting to
    /// swap in, or returned and not yet dropped).
    pub fn graphs_in_engine(&self) -> usize {
        self.graphs_in_engine
    }

    /// Checks that `n` more commands fit in the ring now (so a group can be sent whole).
    pub fn reserve(&self, n: usize) -> Result<(), SendError> {
        if self.commands.slots() >= n {
            Ok(())
        } else {
            Err(SendError::QueueFull(self.commands.buffer().capacity()))
        }
    }

    /// Sends a timed event.
    pub fn send_event(&mut self, event: TimedEvent) -> Result<(), SendError> {
        self.commands
            .push(Command::Event(event))
            .map_err(|_| SendError::QueueFull(self.commands.buffer().capacity()))
    }

    /// Sends a graph to swap in, with the sequencer of its patch if it has one (the
    /// engine's running sequencer is stopped by a revision without one). Refused (the
    /// graph is handed back inside the error's context: dropped here, on the control
    /// thread) while too many graphs are in the engine, which is what guarantees the
    /// engine can always return old graphs.
    pub fn send_graph(
        &mut self,
        graph: Box<CompiledGraph>,
        conductor: Option<Box<Conductor>>,
    ) -> Result<(), SendError> {
        self.collect_garbage();
        if self.graphs_in_engine >= self.return_capacity {
            return Err(SendError::Busy(self.graphs_in_engine));
        }
        match self
            .commands
            .push(Command::Swap(Revision { graph, conductor }))
        {
            Ok(()) => {
                self.graphs_in_engine += 1;
                Ok(())
            }
            Err(_) => Err(SendError::QueueFull(self.commands.buffer().capacity())),
        }
    }

    /// Drops the graphs the engine has returned. Returns how many.
    pub fn collect_garbage(&mut self) -> usize {
        let mut n = 0;
        while let Ok(old) = self.returns.pop() {
            drop(old);
            n += 1;
        }
        self.graphs_in_engine -= n.min(self.graphs_in_engine);
        n
    }
}
