//! [`Engine`]: the audio-thread side. It takes commands from a ring, splits each block at
//! event times so every event lands on its exact sample, swaps graphs at block boundaries
//! (carrying state over or crossfading), renders voices and the main graph, and sends old
//! graphs back through a return ring so they are dropped off the audio thread.
//!
//! [`EngineHandle`] is the control side of the same rings.

use std::sync::Arc;

use rtrb::{Consumer, Producer, PushError, RingBuffer};

use super::command::{Command, Event, InstrumentKey, ParamSlot, ProgramRef, TimedEvent};
use super::program::run_program;
use super::queue::EventQueue;
use super::stats::EngineStats;
use super::tuning::NoteTable;
use super::voice::{self, RenderContext, SILENCE_MS, STEAL_FADE_MS};
use crate::graph::{CompiledGraph, Instrument, Lineage, Program, ProgramLineage, Takeover};
use crate::seq::conductor::MAX_SCHEDULED;
use crate::seq::{Conductor, Cue, SeqStatus};
use chronus_modules::MAX_BLOCK;

/// Engine settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EngineConfig {
    /// Sample rate in Hz.
    pub sample_rate: f32,
    /// Crossfade length when a swap changes the topology, in milliseconds.
    pub crossfade_ms: f32,
    /// Command ring capacity (events and swaps waiting for the audio thread).
    pub command_capacity: usize,
    /// Return ring capacity; also the most graphs the control side may have in the engine.
    pub return_capacity: usize,
    /// Pending-event queue capacity (events scheduled ahead).
    pub event_capacity: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            sample_rate: 48_000.0,
            crossfade_ms: 10.0,
            command_capacity: 4_096,
            return_capacity: 8,
            event_capacity: 1_024,
        }
    }
}

/// The audio-thread engine. Everything it needs is allocated in [`Engine::new`];
/// [`process`](Engine::process) never allocates, frees, locks or blocks.
pub struct Engine {
    sample_rate: f32,
    crossfade_len: u32,
    current: Option<Box<CompiledGraph>>,
    /// How far `current` has faded in, in samples (`>= crossfade_len`: fully in).
    current_fade_in: u32,
    /// Graphs fading out under `current`, oldest first, packed at the front.
    fading: [Option<Layer>; MAX_FADING],
    /// A crossfading swap that arrived while [`MAX_FADING`] graphs were already fading;
    /// applied when one has gone. Commands behind it wait in the ring, keeping their order.
    deferred_swap: Option<Box<CompiledGraph>>,
    /// An old graph the return ring had no room for (cannot happen while the control side
    /// keeps its in-flight limit; kept rather than dropped on the audio thread).
    unreturned: Option<Box<CompiledGraph>>,
    /// An event popped while the queue was full.
    held_back: Option<TimedEvent>,
    commands: Consumer<Command>,
    returns: Producer<Box<CompiledGraph>>,
    queue: EventQueue,
    stats: Arc<EngineStats>,
    sample_time: u64,
    /// The tuning every instrument of every graph plays in (set by [`Event::Tuning`]).
    tuning: NoteTable,
    mix_left: [f32; MAX_BLOCK],
    mix_right: [f32; MAX_BLOCK],
    layer_left: [f32; MAX_BLOCK],
    layer_right: [f32; MAX_BLOCK],
    /// The sequencer of the running patch, if it has one.
    conductor: Option<Box<Conductor>>,
    seq_status: Arc<SeqStatus>,
    /// The event-out ring: sequencer cues for the control side.
    cues: Producer<Cue>,
}

/// Capacity of the event-out ring (sequencer cues); a full ring drops and counts.
pub const CUE_CAPACITY: usize = 256;

/// Most graphs fading out at once. Crossfades overlap up to this depth (a commit during a
/// crossfade starts its own at once); a further crossfading swap waits.
pub const MAX_FADING: usize = 3;

/// A graph fading out, and how far it had faded in itself.
struct Layer {
    graph: Box<CompiledGraph>,
    fade_in: u32,
}

/// The control side of an engine's rings.
pub struct EngineHandle {
    commands: Producer<Command>,
    returns: Consumer<Box<CompiledGraph>>,
    stats: Arc<EngineStats>,
    sample_rate: f32,
    return_capacity: usize,
    graphs_in_engine: usize,
    seq_status: Arc<SeqStatus>,
    cues: Consumer<Cue>,
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

impl Engine {
    /// A silent engine and its control handle.
    pub fn new(config: EngineConfig) -> (Engine, EngineHandle) {
        let (cmd_tx, cmd_rx) = RingBuffer::new(config.command_capacity);
        let (ret_tx, ret_rx) = RingBuffer::new(config.return_capacity);
        let stats = Arc::new(EngineStats::default());
        let (cue_tx, cue_rx) = RingBuffer::new(CUE_CAPACITY);
        let seq_status = Arc::new(SeqStatus::default());
        let engine = Engine {
            sample_rate: config.sample_rate,
            crossfade_len: ((config.crossfade_ms * 0.001 * config.sample_rate) as u32).max(1),
            current: None,
            current_fade_in: u32::MAX,
            fading: [const { None }; MAX_FADING],
            deferred_swap: None,
            unreturned: None,
            held_back: None,
            commands: cmd_rx,
            returns: ret_tx,
            queue: EventQueue::with_capacity(config.event_capacity, MAX_SCHEDULED),
            stats: stats.clone(),
            sample_time: 0,
            tuning: NoteTable::default(),
            mix_left: [0.0; MAX_BLOCK],
            mix_right: [0.0; MAX_BLOCK],
            layer_left: [0.0; MAX_BLOCK],
            layer_right: [0.0; MAX_BLOCK],
            conductor: None,
            seq_status: seq_status.clone(),
            cues: cue_tx,
        };
        let handle = EngineHandle {
            commands: cmd_tx,
            returns: ret_rx,
            stats,
            sample_rate: config.sample_rate,
            return_capacity: config.return_capacity,
            graphs_in_engine: 0,
            seq_status,
            cues: cue_rx,
        };
        (engine, handle)
    }

    /// The engine's sample clock: frames processed so far.
    pub fn sample_time(&self) -> u64 {
        self.sample_time
    }

    /// The engine's counters (the same the handle reads).
    pub fn stats(&self) -> &Arc<EngineStats> {
        &self.stats
    }

    /// The graph playing now.
    pub fn graph(&self) -> Option<&CompiledGraph> {
        self.current.as_deref()
    }

    /// Renders `left.len()` frames (any number) into `left` and `right`, which must have the
    /// same length. **Real-time: no allocation, no locks, no I/O.**
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        debug_assert_eq!(left.len(), right.len());
        fundsp::denormal::prevent_denormals();
        let frames = left.len().min(right.len());
        let mut pos = 0;
        while pos < frames {
            self.take_commands();
            self.apply_due();
            let conductor_next = self.run_conductor();
            // Sub-blocks end on multiples of MAX_BLOCK in engine time (and at events), not
            // relative to the host buffer: the same patch and events then run as the same
            // sub-blocks, and give the same bits, whatever buffer size (a multiple of
            // MAX_BLOCK) drives the engine: a live player's 256 frames, a render's 1024.
            let to_grid = MAX_BLOCK - (self.sample_time % MAX_BLOCK as u64) as usize;
            let mut n = to_grid.min(frames - pos);
            if let Some(t) = self.queue.next_time() {
                n = n.min((t - self.sample_time) as usize);
            }
            if let Some(t) = conductor_next {
                n = n.min(t.saturating_sub(self.sample_time).max(1) as usize);
            }
            self.render(&mut left[pos..pos + n], &mut right[pos..pos + n]);
            self.sample_time += n as u64;
            pos += n;
        }
        self.publish_stats();
    }

    fn take_commands(&mut self) {
        if let Some(old) = self.unreturned.take() {
            self.return_graph(old);
        }
        if let Some(g) = self.deferred_swap.take() {
            self.deferred_swap = self.try_swap(g);
        }
        loop {
            // A swap waiting for a crossfade holds back everything behind it, in order.
            if self.deferred_swap.is_some() {
                return;
            }
            if let Some(e) = self.held_back.take() {
                if let Err(e) = self.queue.push(e) {
                    self.held_back = Some(e);
                    return;
                }
            }
            let popped = self.commands.pop();
            if let (Ok(command), Some(c)) = (&popped, self.conductor.as_mut()) {
                // Anything arriving from outside (an event, a commit) is interaction for
                // the idle mode; a note wakes it at once.
                let note = matches!(command, Command::Event(e) if e.event.is_note());
                c.interaction(self.sample_time, note, &self.seq_status, &mut self.cues);
            }
            match popped {
                Ok(Command::Event(e)) if e.time <= self.sample_time => {
                    // Due now: after whatever queued event is due too (time order), and
                    // never stuck behind a queue full of future events.
                    self.apply_due();
                    self.apply(e);
                }
                Ok(Command::Event(e)) => {
                    if let Err(e) = self.queue.push(e) {
                        EngineStats::bump(&self.stats.queue_full);
                        self.held_back = Some(e);
                        return;
                    }
                }
                Ok(Command::Swap(g)) => {
                    // Events that were due before the swap act on the graph they were for.
                    self.apply_due();
                    self.deferred_swap = self.try_swap(g);
                }
                Err(_) => return,
            }
        }
    }

    /// Lets the conductor play what is due now, and applies its events at this sample.
    /// Returns when the conductor next has something to do (`None` without one), which
    /// ends the sub-block.
    fn run_conductor(&mut self) -> Option<u64> {
        let mut c = self.conductor.take()?;
        let mut next = c.next_time();
        if next <= self.sample_time {
            c.run(self.sample_time, &self.seq_status, &mut self.cues);
            while let Some(event) = c.pop_event() {
                let revision = c.revision;
                self.apply(TimedEvent {
                    time: self.sample_time,
                    revision,
                    event,
                });
            }
            next = c.next_time();
        }
        self.conductor = Some(c);
        Some(next)
    }

    /// Swap time for the sequencer: the incoming graph's conductor takes over from the
    /// running one (clock, state). The replaced one leaves in the old graph's (empty)
    /// conductor slot, back through the return ring. A patch without a sequence stops the
    /// sequencer: the notes it still had to release are queued for now.
    fn adopt_conductor(&mut self, new: &mut CompiledGraph, old: Option<&mut CompiledGraph>) {
        use std::sync::atomic::Ordering::Relaxed;
        let outgoing = match new.conductor.take() {
            Some(mut c) => {
                match self.conductor.as_deref_mut() {
                    Some(running) => c.take_over(running, self.sample_time),
                    None => c.start_at(self.sample_time),
                }
                c.publish(&self.seq_status, self.sample_time);
                self.conductor.replace(c)
            }
            None => {
                self.seq_status.present.store(false, Relaxed);
                self.seq_status.playing.store(false, Relaxed);
                let mut leaving = self.conductor.take();
                if let Some(c) = leaving.as_deref_mut() {
                    let (now, revision) = (self.sample_time, c.revision);
                    c.release_all(|event| {
                        let e = TimedEvent {
                            time: now,
                            revision,
                            event,
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

    fn apply_due(&mut self) {
        while let Some(e) = self.queue.pop_due(self.sample_time) {
            self.apply(e);
        }
    }

    /// Swaps `new` in now if it can be, else hands it back to wait (a crossfading swap
    /// while [`MAX_FADING`] graphs are already fading out).
    fn try_swap(&mut self, mut new: Box<CompiledGraph>) -> Option<Box<CompiledGraph>> {
        if self.unreturned.is_some() {
            return Some(new);
        }
        for inst in &mut new.instruments {
            inst.controls.tuning = self.tuning;
        }
        let Some(mut old) = self.current.take() else {
            self.adopt_conductor(&mut new, None);
            self.current = Some(new);
            self.count_swap();
            return None;
        };
        let takeover = std::mem::replace(&mut new.takeover, Takeover::Crossfade);
        // Taken out to read while `new` changes, and put back (never dropped here).
        let lineage = new.lineage.take();
        let empty = Lineage::default();
        // Its indices point into `old` only if `old` is the graph it was compiled to follow.
        let follows = lineage.as_ref().filter(|l| l.from_revision == old.revision);
        let kin = follows.unwrap_or(&empty);
        let carried = match &takeover {
            Takeover::Carry(maps) if carry_fits(&old, &new, maps) => {
                carry_state(&mut old, &mut new, maps, kin);
                true
            }
            _ => false,
        };
        new.takeover = takeover;
        let revisions = (old.revision, new.revision);
        if carried {
            carry_controls(&old, &mut new);
            self.adopt_conductor(&mut new, Some(&mut old));
            self.current = Some(new);
            self.return_graph(old);
        } else {
            let depth = self.fading_depth();
            if depth == MAX_FADING {
                new.lineage = lineage;
                self.current = Some(old);
                return Some(new);
            }
            self.adopt_conductor(&mut new, Some(&mut old));
            // Before the notes: an adopted voice starts at the params it inherits.
            inherit_params(&old, &mut new, kin);
            move_held_notes(&old, &mut new, self.sample_time);
            // After the notes: their note-ons must not count as keys down (a note the
            // pedal holds has its key up, and pedal up must still release it).
            carry_controls(&old, &mut new);
            self.fading[depth] = Some(Layer {
                graph: old,
                fade_in: self.current_fade_in,
            });
            self.current = Some(new);
            self.current_fade_in = 0;
        }
        if let Some(l) = follows {
            self.follow_scheduled(revisions, l);
        }
        if let Some(g) = self.current.as_deref_mut() {
            g.lineage = lineage;
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

    fn count_swap(&self) {
        EngineStats::bump(&self.stats.swaps);
        if let Some(g) = &self.current {
            self.stats
                .revision
                .store(g.revision, std::sync::atomic::Ordering::Relaxed);
        }
    }

    fn return_graph(&mut self, old: Box<CompiledGraph>) {
        if let Err(PushError::Full(old)) = self.returns.push(old) {
            EngineStats::bump(&self.stats.returns_deferred);
            self.unreturned = Some(old);
        }
    }

    fn apply(&mut self, e: TimedEvent) {
        let now = self.sample_time;
        if let Event::Sequencer(cmd) = e.event {
            match self.conductor.as_deref_mut() {
                Some(c) => c.command(cmd, now, &self.seq_status, &mut self.cues),
                None => EngineStats::bump(&self.stats.events_ignored),
            }
            return;
        }
        let Some(g) = self.current.as_deref_mut() else {
            EngineStats::bump(&self.stats.events_ignored);
            return;
        };
        match e.event {
            Event::SetParam { target, value } => {
                let applied = e.revision == g.revision
                    && match target.program {
                        ProgramRef::Main => set_param(&mut g.main, target.slot, value),
                        ProgramRef::Instrument(k) => match g.instruments.get_mut(k as usize) {
                            Some(inst) => inst
                                .voices
                                .iter_mut()
                                .all(|v| set_param(&mut v.program, target.slot, value)),
                            None => false,
                        },
                    };
                if !applied {
                    EngineStats::bump(&self.stats.events_ignored);
                }
            }
            Event::NoteOn {
                instrument,
                note,
                velocity,
            } => match g.instruments.iter_mut().find(|i| i.key == instrument) {
                Some(inst) => {
                    if !voice::note_on(inst, note, velocity, now) {
                        EngineStats::bump(&self.stats.notes_dropped);
                    }
                }
                None => EngineStats::bump(&self.stats.events_ignored),
            },
            Event::NoteOff { instrument, note } => {
                for inst in everywhere(g, &mut self.fading, Some(instrument)) {
                    voice::note_off(inst, note, now);
                }
            }
            Event::Channel {
                instrument,
                message,
            } => {
                for inst in everywhere(g, &mut self.fading, Some(instrument)) {
                    voice::channel_message(inst, message, now);
                }
            }
            Event::Tuning { a4 } => {
                self.tuning = NoteTable::new(a4);
                for inst in everywhere(g, &mut self.fading, None) {
                    inst.controls.tuning = self.tuning;
                }
            }
            Event::AllNotesOff | Event::Panic => {
                for inst in everywhere(g, &mut self.fading, None) {
                    if e.event == Event::Panic {
                        voice::panic(inst);
                    } else {
                        voice::all_notes_off(inst, now);
                    }
                }
            }
            // Applied to the conductor before the graph is looked at.
            Event::Sequencer(_) => {}
        }
    }

    fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let ctx = RenderContext {
            sample_rate: self.sample_rate,
            sample_time: self.sample_time,
            frames: n,
            fade_step: 1000.0 / (STEAL_FADE_MS * self.sample_rate),
            silence_samples: (SILENCE_MS * 0.001 * self.sample_rate) as u32,
        };
        match self.current.as_deref_mut() {
            Some(g) => render_graph(g, left, right, ctx),
            None => {
                left.fill(0.0);
                right.fill(0.0);
            }
        }
        let depth = self.fading_depth();
        if depth == 0 {
            return;
        }
        // The oldest graph is the base; each younger one fades in over it, `current` last.
        let len = self.crossfade_len;
        let (ml, mr) = (&mut self.mix_left[..n], &mut self.mix_right[..n]);
        let (ll, lr) = (&mut self.layer_left[..n], &mut self.layer_right[..n]);
        for (k, layer) in self.fading.iter_mut().flatten().enumerate() {
            if k == 0 {
                render_graph(&mut layer.graph, ml, mr, ctx);
            } else {
                render_graph(&mut layer.graph, ll, lr, ctx);
                fade_in(ml, ll, layer.fade_in, len);
                fade_in(mr, lr, layer.fade_in, len);
                ml.copy_from_slice(ll);
                mr.copy_from_slice(lr);
            }
            layer.fade_in = layer.fade_in.saturating_add(n as u32);
        }
        fade_in(ml, left, self.current_fade_in, len);
        fade_in(mr, right, self.current_fade_in, len);
        self.current_fade_in = self.current_fade_in.saturating_add(n as u32);
        self.retire_faded();
    }

    /// Number of graphs fading out.
    fn fading_depth(&self) -> usize {
        self.fading.iter().take_while(|l| l.is_some()).count()
    }

    /// Returns the graphs no longer heard: everything under a graph that has fully faded
    /// in. Waits (and counts) if the return ring lacks room, rather than free them here.
    fn retire_faded(&mut self) {
        let depth = self.fading_depth();
        let heard_from = if self.current_fade_in >= self.crossfade_len {
            depth
        } else {
            (1..depth)
                .rev()
                .find(|&k| {
                    self.fading[k]
                        .as_ref()
                        .is_some_and(|l| l.fade_in >= self.crossfade_len)
                })
                .unwrap_or(0)
        };
        if heard_from == 0 {
            return;
        }
        if self.returns.slots() < heard_from {
            EngineStats::bump(&self.stats.returns_deferred);
            return;
        }
        for k in 0..heard_from {
            if let Some(layer) = self.fading[k].take() {
                self.return_graph(layer.graph);
            }
        }
        self.fading.rotate_left(heard_from);
    }

    fn publish_stats(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        self.stats.sample_time.store(self.sample_time, Relaxed);
        let active = self
            .current
            .iter()
            .chain(self.fading.iter().flatten().map(|l| &l.graph))
            .flat_map(|g| g.instruments.iter())
            .flat_map(|i| i.voices.iter())
            .filter(|v| v.state.is_active())
            .count();
        self.stats.voices_active.store(active as u64, Relaxed);
    }
}

/// `over[i] = under[i] * (1 - g) + over[i] * g`, with `g` the linear fade-in gain of a
/// graph `faded` samples into a crossfade of `len` samples.
fn fade_in(under: &[f32], over: &mut [f32], faded: u32, len: u32) {
    for (i, (u, o)) in under.iter().zip(over.iter_mut()).enumerate() {
        let g = ((faded as f32 + i as f32 + 1.0) / len as f32).min(1.0);
        *o = *u * (1.0 - g) + *o * g;
    }
}

/// Renders one graph: every instrument's voices into the main graph's instrument source
/// buffers, then the main graph, then its output stage into `left`/`right` (overwriting).
fn render_graph(g: &mut CompiledGraph, left: &mut [f32], right: &mut [f32], ctx: RenderContext) {
    let n = ctx.frames;
    let main = &mut g.main;
    for (k, inst) in g.instruments.iter_mut().enumerate() {
        let (lb, rb) = (main.sources[2 * k], main.sources[2 * k + 1]);
        let Ok([l, r]) = main.pool.get_disjoint_mut([lb, rb]) else {
            continue;
        };
        l[..n].fill(0.0);
        r[..n].fill(0.0);
        voice::render_instrument(inst, &mut l[..n], &mut r[..n], ctx);
    }
    run_program(main, ctx.sample_rate, ctx.sample_time, n);
    let out = &mut main.output;
    out.volume_block
        .render(&mut out.volume, None, (0.0, f32::MAX), n);
    let volume = &out.volume_block.values[..n];
    for (i, v) in volume.iter().enumerate() {
        left[i] = main.pool[out.left][i] * v;
        right[i] = main.pool[out.right][i] * v;
    }
}

fn set_param(program: &mut Program, slot: ParamSlot, value: f32) -> bool {
    match slot {
        ParamSlot::Module { node, param } => match program.nodes.get_mut(node as usize) {
            Some(n) => n.retarget(param as usize, value),
            None => false,
        },
        ParamSlot::OutputVolume => {
            program.output.volume.set_target(value);
            true
        }
    }
}

/// True when the carry maps describe these two graphs (same programs, same voice counts,
/// indices in range).
fn carry_fits(old: &CompiledGraph, new: &CompiledGraph, maps: &[Vec<Option<usize>>]) -> bool {
    maps.len() == 1 + new.instruments.len()
        && old.instruments.len() == new.instruments.len()
        && old
            .instruments
            .iter()
            .zip(&new.instruments)
            .all(|(o, n)| o.voices.len() == n.voices.len())
        && maps.iter().enumerate().all(|(k, map)| {
            let (o, n) = if k == 0 {
                (&old.main, &new.main)
            } else {
                match (
                    old.instruments[k - 1].voices.first(),
                    new.instruments[k - 1].voices.first(),
                ) {
                    (Some(o), Some(n)) => (&o.program, &n.program),
                    _ => return true,
                }
            };
            map.len() == n.nodes.len() && map.iter().flatten().all(|&j| j < o.nodes.len())
        })
}

/// Instant takeover: every mapped node takes its predecessor's module state and live
/// param values: a param the commit leaves as it was plays on (see [`Lineage`]), one it
/// changes glides on to its new value; voices keep playing.
fn carry_state(
    old: &mut CompiledGraph,
    new: &mut CompiledGraph,
    maps: &[Vec<Option<usize>>],
    lineage: &Lineage,
) {
    let kin = |k: usize| lineage.programs.get(k);
    carry_program(&mut old.main, &mut new.main, &maps[0], kin(0));
    for (k, (o, n)) in old
        .instruments
        .iter_mut()
        .zip(&mut new.instruments)
        .enumerate()
    {
        for (ov, nv) in o.voices.iter_mut().zip(&mut n.voices) {
            carry_program(&mut ov.program, &mut nv.program, &maps[k + 1], kin(k + 1));
            nv.state = ov.state;
        }
    }
}

fn carry_program(
    old: &mut Program,
    new: &mut Program,
    map: &[Option<usize>],
    lineage: Option<&ProgramLineage>,
) {
    let keeps = |i: usize, p: usize| lineage.is_some_and(|l| l.keeps(i, p));
    for (i, j) in map.iter().enumerate() {
        let Some(j) = *j else { continue };
        let (o, n) = (&mut old.nodes[j], &mut new.nodes[i]);
        if !n.module.take_state(o.module.as_mut()) {
            continue;
        }
        for (p, (ns, os)) in n.smoothers.iter_mut().zip(&mut o.smoothers).enumerate() {
            let target = ns.target();
            std::mem::swap(ns, os);
            if !keeps(i, p) {
                ns.set_target(target);
            }
        }
        n.mark_params_live();
        o.mark_params_live();
    }
    let target = new.output.volume.target();
    std::mem::swap(&mut new.output.volume, &mut old.output.volume);
    if !lineage.is_some_and(|l| l.volume_kept) {
        new.output.volume.set_target(target);
    }
}

/// Crossfade takeover: every node of `new` with a predecessor in `old` (same id and kind)
/// takes the live value of each param the commit leaves as it was (see [`Lineage`]), so
/// the new graph fades in playing what the old one plays. Voice `v` of an instrument
/// inherits from voice `v` of its predecessor (the last one when it had fewer).
/// **Real-time safe.**
fn inherit_params(old: &CompiledGraph, new: &mut CompiledGraph, lineage: &Lineage) {
    for (k, kin) in lineage.programs.iter().enumerate() {
        let Some(from) = kin.program else { continue };
        if k == 0 {
            if from == 0 {
                inherit_program(&old.main, &mut new.main, kin);
            }
            continue;
        }
        let (Some(o), Some(n)) = (
            from.checked_sub(1).and_then(|i| old.instruments.get(i)),
            new.instruments.get_mut(k - 1),
        ) else {
            continue;
        };
        for (v, nv) in n.voices.iter_mut().enumerate() {
            if let Some(ov) = o.voices.get(v).or(o.voices.last()) {
                inherit_program(&ov.program, &mut nv.program, kin);
            }
        }
    }
}

fn inherit_program(old: &Program, new: &mut Program, kin: &ProgramLineage) {
    for (i, n) in new.nodes.iter_mut().enumerate() {
        let Some(o) = kin
            .nodes
            .get(i)
            .copied()
            .flatten()
            .and_then(|j| old.nodes.get(j))
        else {
            continue;
        };
        for (p, (ns, os)) in n.smoothers.iter_mut().zip(&o.smoothers).enumerate() {
            if kin.keeps(i, p) {
                ns.clone_from(os);
            }
        }
        n.mark_params_live();
    }
    if kin.volume_kept {
        new.output.volume.clone_from(&old.output.volume);
    }
}

/// The instruments `key` names (all of them for `None`) in the running graph `current`
/// and in every fading one: releases and channel messages reach a voice wherever it
/// still sounds. **Real-time safe.**
fn everywhere<'a>(
    current: &'a mut CompiledGraph,
    fading: &'a mut [Option<Layer>],
    key: Option<InstrumentKey>,
) -> impl Iterator<Item = &'a mut Instrument> + 'a {
    let fading = fading.iter_mut().flatten().map(|l| &mut *l.graph);
    std::iter::once(current)
        .chain(fading)
        .flat_map(move |g| g.instruments.iter_mut())
        .filter(move |i| key.is_none_or(|k| i.key == k))
}

/// Every instrument of `new` takes the channel state (bend, pedal, keys down, volume,
/// pan) of the instrument of the same id in `old`: a commit does not reset controllers.
fn carry_controls(old: &CompiledGraph, new: &mut CompiledGraph) {
    for n in &mut new.instruments {
        if let Some(o) = old.instruments.iter().find(|o| o.key == n.key) {
            n.controls = o.controls;
        }
    }
}

/// Crossfade takeover: held notes, and notes waiting for a stolen voice, start again in
/// the new graph's instrument of the same id.
fn move_held_notes(old: &CompiledGraph, new: &mut CompiledGraph, now: u64) {
    for n in &mut new.instruments {
        let Some(o) = old.instruments.iter().find(|o| o.key == n.key) else {
            continue;
        };
        for ov in &o.voices {
            voice::adopt(n, &ov.state, now);
        }
    }
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

    /// The sequencer's published state (`/seq/state`).
    pub fn seq_status(&self) -> &Arc<SeqStatus> {
        &self.seq_status
    }

    /// Takes the next sequencer cue the engine reported, if any (call off the audio
    /// thread, then log or forward it).
    pub fn pop_cue(&mut self) -> Option<Cue> {
        self.cues.pop().ok()
    }

    /// The engine's sample clock as last published (end of its last block).
    pub fn sample_time(&self) -> u64 {
        EngineStats::get(&self.stats.sample_time)
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

    /// Sends a graph to swap in. Refused (the graph is handed back inside the error's
    /// context: dropped here, on the control thread) while too many graphs are in the
    /// engine, which is what guarantees the engine can always return old graphs.
    pub fn send_graph(&mut self, graph: Box<CompiledGraph>) -> Result<(), SendError> {
        self.collect_garbage();
        if self.graphs_in_engine >= self.return_capacity {
            return Err(SendError::Busy(self.graphs_in_engine));
        }
        match self.commands.push(Command::Swap(graph)) {
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
