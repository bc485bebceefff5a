//! [`Engine`]: the audio-thread side, and its block loop. [`Engine::process`] takes
//! commands from the ring, splits each block at event times (queued events, the
//! sequencer's next step) so every event lands on its exact sample, and renders voices and
//! the main graph of the running revision, with the graphs still fading out under it.
//!
//! The rest of the engine's work sits beside this file: applying one event (`apply`),
//! swapping a revision in (`swap`, with the state carried over in `takeover`), mixing the
//! graphs of a crossfade (`crossfade`); [`EngineHandle`] is the control side of the rings.

use std::sync::Arc;

use rtrb::{Consumer, Producer, RingBuffer};

use super::backend_audio::BackendAudio;
use super::command::{Command, Event, Revision, TimedEvent};
use super::crossfade::{Layer, MAX_FADING};
use super::handle::EngineHandle;
use super::note_cue::{NoteCue, NOTE_CUE_CAPACITY};
use super::outbound::{OutEvent, Outbound, OutboundEvent, OUTBOUND_CAPACITY};
use super::program::run_program;
use super::queue::EventQueue;
use super::shed::{voice_cap, Shedding};
use super::stats::EngineStats;
use super::voice::{self, RenderContext, SILENCE_MS, STEAL_FADE_MS};
use crate::address::InstrumentKey;
use crate::graph::{CompiledGraph, NoteTable};
use crate::seq::conductor::MAX_SCHEDULED;
use crate::seq::midi_clock::{ClockEvent, ClockMessage};
use crate::seq::{Conductor, Cue, SeqCommand, SeqStatus, Timeline};
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
    pub(super) sample_rate: f32,
    pub(super) crossfade_len: u32,
    /// The revision playing now.
    pub(super) current: Option<Revision>,
    /// How far `current` has faded in, in samples (`>= crossfade_len`: fully in).
    pub(super) current_fade_in: u32,
    /// Graphs fading out under `current`, oldest first, packed at the front.
    pub(super) fading: [Option<Layer>; MAX_FADING],
    /// A crossfading swap that arrived while [`MAX_FADING`] graphs were already fading;
    /// applied when one has gone. Commands behind it wait in the ring, keeping their order.
    pub(super) deferred_swap: Option<Revision>,
    /// An old revision the return ring had no room for (cannot happen while the control
    /// side keeps its in-flight limit; kept rather than dropped on the audio thread).
    pub(super) unreturned: Option<Revision>,
    /// An event popped while the queue was full.
    pub(super) held_back: Option<TimedEvent>,
    pub(super) commands: Consumer<Command>,
    pub(super) returns: Producer<Revision>,
    pub(super) queue: EventQueue,
    pub(super) stats: Arc<EngineStats>,
    pub(super) sample_time: u64,
    /// The tuning every instrument of every graph plays in (set by
    /// [`Event::Tuning`](super::Event::Tuning)).
    pub(super) tuning: NoteTable,
    pub(super) mix_left: [f32; MAX_BLOCK],
    pub(super) mix_right: [f32; MAX_BLOCK],
    pub(super) layer_left: [f32; MAX_BLOCK],
    pub(super) layer_right: [f32; MAX_BLOCK],
    /// The sequencer of the running patch, if it has one.
    pub(super) conductor: Option<Box<Conductor>>,
    pub(super) seq_status: Arc<SeqStatus>,
    /// The event-out ring: sequencer cues for the control side.
    pub(super) cues: Producer<Cue>,
    /// Events for external instruments, out to their backends' thread.
    pub(super) outbound: Outbound,
    /// The other end of `outbound`, until [`Engine::take_outbound`] hands it out.
    outbound_rx: Option<Consumer<OutboundEvent>>,
    /// The note-cue ring: every note started, for LED cues.
    pub(super) note_cues: Producer<NoteCue>,
    /// True while the conductor's events are applied (their notes are the sequencer's).
    pub(super) applying_sequencer: bool,
    /// The overload shedding level a control thread sets, and its counters.
    pub(super) shedding: Arc<Shedding>,
    /// Sound backends outside the engine give back, as their instruments' outputs.
    pub(super) backend_audio: Option<Box<BackendAudio>>,
    /// The outside timeline as the last block was given it, and that block's first sample:
    /// a sequencer swapped in with no running one to take it over from starts with it.
    pub(super) timeline: Option<(u64, Timeline)>,
}

// The engine is built on a control thread and moves to the audio thread: it stays `Send`
// (checked at compile time), and so does its handle, which may move to another thread.
const _: fn() = || {
    fn assert_send<T: Send>() {}
    assert_send::<Engine>();
    assert_send::<EngineHandle>();
};

/// Capacity of the event-out ring (sequencer cues); a full ring drops and counts.
pub const CUE_CAPACITY: usize = 256;

impl Engine {
    /// A silent engine and its control handle.
    pub fn new(config: EngineConfig) -> (Engine, EngineHandle) {
        Self::with_shedding(config, Arc::default())
    }

    /// [`new`](Self::new), following (and counting into) an existing `shedding`: an
    /// engine made to replace one that was lost keeps the overload level and counters.
    pub fn with_shedding(config: EngineConfig, shedding: Arc<Shedding>) -> (Engine, EngineHandle) {
        let (cmd_tx, cmd_rx) = RingBuffer::new(config.command_capacity);
        let (ret_tx, ret_rx) = RingBuffer::new(config.return_capacity);
        let stats = Arc::new(EngineStats::default());
        let (cue_tx, cue_rx) = RingBuffer::new(CUE_CAPACITY);
        let (note_tx, note_rx) = RingBuffer::new(NOTE_CUE_CAPACITY);
        let seq_status = Arc::new(SeqStatus::default());
        let (outbound, outbound_rx) = Outbound::new(OUTBOUND_CAPACITY);
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
            outbound,
            outbound_rx: Some(outbound_rx),
            note_cues: note_tx,
            applying_sequencer: false,
            shedding: shedding.clone(),
            backend_audio: None,
            timeline: None,
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
            note_cues: note_rx,
            shedding,
        };
        (engine, handle)
    }

    /// The consumer of the outbound ring (events for instruments a backend outside the
    /// engine plays), once: take it before the engine moves to the audio thread. Nothing
    /// consumes the ring when nobody takes it (offline renders): what does not fit is
    /// dropped and counted.
    pub fn take_outbound(&mut self) -> Option<Consumer<OutboundEvent>> {
        self.outbound_rx.take()
    }

    /// Feeds the sound a backend gives back (`audio`) into its instruments' outputs in
    /// the main graph, from the next block on. Call before the engine moves to the audio
    /// thread.
    pub fn set_backend_audio(&mut self, audio: BackendAudio) {
        self.backend_audio = Some(Box::new(audio));
    }

    /// The outside beat timeline (a Link session) as it stands at the next block's first
    /// sample, for the sequencer's clock to follow; `None`: its own clock. Called by the
    /// audio callback before each block. **Real-time safe.**
    pub fn set_timeline(&mut self, timeline: Option<Timeline>) {
        self.timeline = timeline.map(|t| (self.sample_time, t));
        if let Some(c) = self.conductor.as_mut() {
            c.set_timeline(self.sample_time, timeline);
        }
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
        self.current.as_ref().map(|r| &*r.graph)
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
            self.follow_shedding();
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
        self.shed_voices();
        self.publish_stats();
    }

    /// Reads the shedding level (one relaxed load) and applies it to the running graph:
    /// each instrument's voice cap, and whether the sequencer's mutation is held.
    fn follow_shedding(&mut self) {
        let level = self.shedding.level();
        if let Some(c) = self.conductor.as_mut() {
            c.hold_mutation(level >= super::shed::THROTTLE_LEVEL);
        }
        if let Some(r) = self.current.as_mut() {
            for inst in &mut r.graph.instruments {
                inst.voice_cap = voice_cap(inst.voices.len(), level);
            }
        }
    }

    /// Fades out the quietest voices of every instrument above its cap (their levels were
    /// measured in the blocks just rendered), and counts them.
    fn shed_voices(&mut self) {
        use std::sync::atomic::Ordering::Relaxed;
        if let Some(r) = self.current.as_mut() {
            let mut shed = 0;
            for inst in &mut r.graph.instruments {
                shed += voice::shed_to_cap(inst) as u64;
            }
            if shed > 0 {
                self.shedding.voices_shed.fetch_add(shed, Relaxed);
            }
        }
    }

    fn take_commands(&mut self) {
        if let Some(old) = self.unreturned.take() {
            self.return_revision(old);
        }
        if let Some(r) = self.deferred_swap.take() {
            self.deferred_swap = self.try_swap(r);
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
            // An external clock's ticks are not interaction (they would keep the idle
            // mode from ever going ambient).
            let clock_tick = matches!(&popped, Ok(Command::Event(e))
                if e.event == Event::Sequencer(SeqCommand::ClockTick));
            if let (Ok(command), Some(c), false) = (&popped, self.conductor.as_mut(), clock_tick) {
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
                Ok(Command::Swap(r)) => {
                    // Events that were due before the swap act on the graph they were for.
                    self.apply_due();
                    self.deferred_swap = self.try_swap(r);
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
            self.applying_sequencer = true;
            while let Some(event) = c.pop_event() {
                let revision = c.revision;
                self.apply(TimedEvent {
                    time: self.sample_time,
                    revision,
                    event: event.into(),
                });
            }
            self.applying_sequencer = false;
            next = c.next_time();
        }
        while let Some(e) = c.pop_clock() {
            self.push_clock(e);
        }
        self.conductor = Some(c);
        Some(next)
    }

    /// Forwards a MIDI clock message to the outbound ring when clock ports want them
    /// ([`EngineHandle::want_clock`]); a full ring drops it and counts (in
    /// `outbound_dropped` and `clock_dropped`). **Real-time safe.**
    pub(super) fn push_clock(&mut self, e: ClockEvent) {
        use std::sync::atomic::Ordering::Relaxed;
        if !self.seq_status.clock_wanted.load(Relaxed) {
            return;
        }
        let event = OutboundEvent {
            time: e.time,
            instrument: InstrumentKey::CLOCK,
            event: OutEvent::Clock(e.message),
        };
        if !self.outbound.push(&self.stats, event) {
            SeqStatus::bump(&self.seq_status.clock_dropped);
        }
    }

    /// A STOP now (the sequencer left with its patch while playing).
    pub(super) fn push_clock_stop(&mut self) {
        let time = self.sample_time;
        self.push_clock(ClockEvent {
            time,
            message: ClockMessage::Stop,
        });
    }

    pub(super) fn apply_due(&mut self) {
        while let Some(e) = self.queue.pop_due(self.sample_time) {
            self.apply(e);
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
        if let Some(audio) = self.backend_audio.as_mut() {
            audio.pull(self.sample_time, n, &self.stats);
        }
        let audio = self.backend_audio.as_deref();
        match self.current.as_mut() {
            Some(r) => render_graph(&mut r.graph, left, right, ctx, audio),
            None => {
                left.fill(0.0);
                right.fill(0.0);
            }
        }
        let depth = self.fading_depth();
        if depth == 0 {
            return;
        }
        self.render_fading(left, right, ctx);
    }

    fn publish_stats(&self) {
        use std::sync::atomic::Ordering::{Relaxed, Release};
        // Release: a thread that reads this time sees every event pushed on the outbound
        // ring before it (the MIDI output's glides rely on it).
        self.stats.sample_time.store(self.sample_time, Release);
        let active = self
            .current
            .iter()
            .chain(self.fading.iter().flatten().map(|l| &l.revision))
            .flat_map(|r| r.graph.instruments.iter())
            .flat_map(|i| i.voices.iter())
            .filter(|v| v.state.is_active())
            .count();
        self.stats.voices_active.store(active as u64, Relaxed);
        if let Some(current) = &self.current {
            let per = &self.stats.voices_by_instrument;
            for (i, slot) in per.iter().enumerate() {
                let n = current.graph.instruments.get(i).map_or(0, |inst| {
                    inst.voices.iter().filter(|v| v.state.is_active()).count()
                });
                slot.store(n as u64, Relaxed);
            }
        }
        let depth = self.queue.len() as u64;
        self.stats.queue_depth.store(depth, Relaxed);
        self.stats.queue_high_water.fetch_max(depth, Relaxed);
    }
}

/// Renders one graph: every instrument's voices (or, for one a backend plays, the sound
/// it gives back in `audio`) into the main graph's instrument source buffers, then the
/// main graph, then its output stage into `left`/`right` (overwriting).
pub(super) fn render_graph(
    g: &mut CompiledGraph,
    left: &mut [f32],
    right: &mut [f32],
    ctx: RenderContext,
    audio: Option<&BackendAudio>,
) {
    let n = ctx.frames;
    let main = &mut g.main;
    for (k, inst) in g.instruments.iter_mut().enumerate() {
        let (lb, rb) = (main.sources[2 * k], main.sources[2 * k + 1]);
        let Ok([l, r]) = main.pool.get_disjoint_mut([lb, rb]) else {
            continue;
        };
        match audio
            .filter(|_| inst.external)
            .and_then(|a| a.of(inst.key, n))
        {
            Some((bl, br)) => {
                l[..n].copy_from_slice(bl);
                r[..n].copy_from_slice(br);
            }
            None => {
                l[..n].fill(0.0);
                r[..n].fill(0.0);
                voice::render_instrument(inst, &mut l[..n], &mut r[..n], ctx);
            }
        }
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
    if let Some(limiter) = &mut out.limiter {
        limiter.process(&mut left[..n], &mut right[..n]);
    }
}
