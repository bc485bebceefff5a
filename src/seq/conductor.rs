//! [`Conductor`]: the sequencer on the audio thread. The engine asks it for the time of
//! its next event ([`next_time`](Conductor::next_time)), splits its block there, and calls
//! [`run`](Conductor::run) at that sample; the conductor advances its clock, plays the
//! steps due, runs the idle machine and the mutation engine, and hands back the note and
//! param events of that sample through [`pop_event`](Conductor::pop_event).
//!
//! Everything is allocated by `control::sequencer_build::build_conductor` on the control
//! side; nothing here allocates, locks or blocks.

use std::sync::atomic::Ordering::Relaxed;

use rtrb::Producer;

use super::clock::{milli_bpm, Clock, MAX_BPM, MIN_BPM, PPQN};
use super::command::SeqCommand;
use super::cue::Cue;
use super::drift::{Drift, MAX_DRIFT};
use super::edit::edit_track;
use super::event::SeqEvent;
use super::idle::{Idle, Mode};
use super::midi_clock::{resume_tick, MidiClock};
use super::mutation::{Bounded, Category, Change, Mutable, Mutator, MAX_CHANGES};
use super::pattern::{Pattern, Step};
use super::quantize::TICKS_PER_BAR;
use super::rng::LoopRng;
use super::status::SeqStatus;
use super::swing::{swing_delay, MAX_SWING};
use super::timeline::{place, Timeline};
use crate::address::{InstrumentKey, LiveTarget};
use crate::patch::{MutationConfig, Quantize, ScaleKind, MAX_EUCLID_DEGREES};

/// Most notes (on and off) waiting to be played.
pub const MAX_SCHEDULED: usize = 256;
/// Most events handed to the engine at one sample.
pub const MAX_OUT: usize = 128;

/// One track: a pattern played on an instrument.
#[derive(Clone, Debug)]
pub struct Track {
    /// Where its notes go.
    pub instrument: InstrumentKey,
    /// Its steps.
    pub pattern: Pattern,
    /// Degrees it cycles over when refilled by a Euclidean rhythm.
    pub euclid_degrees: [i8; MAX_EUCLID_DEGREES],
    /// Used entries of `euclid_degrees`.
    pub euclid_degree_count: usize,
    /// Octave offset from the root.
    pub octave: i8,
    /// Octave range its degrees fold into.
    pub range: u8,
    /// Ticks per step (6 = 1/16 at 24 PPQN).
    pub ticks_per_step: u64,
    /// Steps played since start.
    pub steps_played: u64,
}

/// A patch param the conductor may move (mutation, ambient profile).
#[derive(Clone, Copy, Debug)]
pub struct ParamLane {
    /// Where it lives: in the running graph, or an external instrument's backend param.
    pub target: LiveTarget,
    /// Its value in the active profile (mutation moves this), with its range.
    pub active: Bounded,
    /// Its value in the ambient profile, if it has one.
    pub ambient: Option<f32>,
    /// May the mutation engine move it.
    pub mutable: bool,
    /// Last value sent.
    pub sent: f32,
}

/// The musical settings playing now (the active profile).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Base tempo, BPM.
    pub bpm: f32,
    /// 0..0.75.
    pub swing: f32,
    /// 0..1.
    pub density: f32,
    /// The active scale.
    pub scale: ScaleKind,
    /// MIDI note of degree 0.
    pub root: u8,
    /// Blend towards the ambient param values, 0..1 (the `palette` control).
    pub palette: f32,
}

/// The ambient profile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ambient {
    /// Density while ambient.
    pub density: f32,
    /// Tempo factor while ambient.
    pub tempo_scale: f32,
    /// Scale while ambient.
    pub scale: ScaleKind,
}

#[derive(Clone, Copy, Debug)]
struct Scheduled {
    time: u64,
    /// Order of scheduling, to keep ties in order.
    seq: u64,
    event: SeqEvent,
}

/// The sequencer on the audio thread.
pub struct Conductor {
    /// Revision of the graph its param targets address.
    pub revision: u64,
    /// Hash of the patch `sequence` section it was built from: a commit that keeps it
    /// keeps the sequencer's whole state.
    pub source_hash: u64,
    /// Tracks (fixed after build).
    pub tracks: Vec<Track>,
    /// Params it moves (fixed after build), the mutable ones first.
    pub params: Vec<ParamLane>,
    /// Scales `ScaleSelect` picks from.
    pub palette: Vec<ScaleKind>,
    quantize: Quantize,
    ambient: Ambient,
    control_period: u64,
    // --- running state ---
    /// The active profile.
    pub settings: Settings,
    playing: bool,
    clock: Clock,
    drift: Drift,
    /// Scale sounding now (may be the ambient one).
    scale: ScaleKind,
    pending_scale: Option<(ScaleKind, u64)>,
    idle: Idle,
    mutator: Mutator,
    /// Overload shedding holds mutation (set by the engine every sub-block).
    mutation_held: bool,
    /// Step rolls (probability): the loop lock replays these.
    steps_rng: LoopRng,
    /// Mutation and drift decisions.
    mutation_rng: LoopRng,
    next_control: u64,
    last_level: f32,
    scheduled: [Option<Scheduled>; MAX_SCHEDULED],
    scheduled_seq: u64,
    out: [Option<SeqEvent>; MAX_OUT],
    out_len: usize,
    out_pos: usize,
    /// MIDI clock and transport messages for the engine's clock ring.
    midi_clock: MidiClock,
    /// Tick to resume from (CONTINUE): where it stopped, or a song position set since.
    resume_from: u64,
    /// Ticks come from an external clock ([`SeqCommand::ClockTick`]), not `clock`.
    external: bool,
    /// The outside timeline the clock follows (a Link session) and the sample it was
    /// seen at; `None`: its own.
    timeline: Option<(u64, Timeline)>,
    /// Timeline tick − own tick, once chosen (see `seq::timeline`).
    timeline_offset: Option<i64>,
    sample_rate: u32,
}

/// What [`Conductor::new`] needs.
pub struct ConductorParts {
    /// Graph revision.
    pub revision: u64,
    /// Hash of the source section.
    pub source_hash: u64,
    /// Sample rate.
    pub sample_rate: f32,
    /// Tracks.
    pub tracks: Vec<Track>,
    /// Params.
    pub params: Vec<ParamLane>,
    /// Scale palette (at least one).
    pub palette: Vec<ScaleKind>,
    /// Scale change quantization.
    pub quantize: Quantize,
    /// Ambient profile.
    pub ambient: Ambient,
    /// Active profile.
    pub settings: Settings,
    /// Drift depth.
    pub drift: f32,
    /// Idle timings.
    pub idle: super::idle::IdleTimes,
    /// Mutation settings.
    pub mutation: MutationConfig,
    /// The seed.
    pub seed: u64,
}

impl Conductor {
    /// A stopped-at-zero conductor, playing from sample 0. **Allocates** (control side).
    pub fn new(p: ConductorParts) -> Conductor {
        let mut mutation_rng = LoopRng::new(p.seed ^ 0x6d75_7461_7465);
        let steps_rng = LoopRng::new(p.seed ^ 0x7374_6570_7321);
        let mutator = Mutator::new(&p.mutation, p.sample_rate, 0, &mut mutation_rng);
        let mut c = Conductor {
            revision: p.revision,
            source_hash: p.source_hash,
            tracks: p.tracks,
            params: p.params,
            palette: p.palette,
            quantize: p.quantize,
            ambient: p.ambient,
            control_period: ((p.sample_rate / 100.0) as u64).max(1),
            settings: p.settings,
            playing: true,
            clock: Clock::new(p.sample_rate as u32, p.settings.bpm, 0),
            drift: Drift::new(p.drift),
            scale: p.settings.scale,
            pending_scale: None,
            idle: Idle::new(p.idle, 0),
            mutator,
            mutation_held: false,
            steps_rng,
            mutation_rng,
            next_control: 0,
            last_level: -1.0,
            scheduled: [None; MAX_SCHEDULED],
            scheduled_seq: 0,
            out: [None; MAX_OUT],
            out_len: 0,
            out_pos: 0,
            midi_clock: MidiClock::default(),
            resume_from: 0,
            external: false,
            timeline: None,
            timeline_offset: None,
            sample_rate: p.sample_rate as u32,
        };
        c.midi_clock.start(0);
        for lane in &mut c.params {
            lane.sent = lane.active.value;
        }
        c
    }

    /// Starts at engine sample `now` when no conductor ran before (a sequence patch loaded
    /// into a running engine): tick 0, the idle timeout and the first mutation count from
    /// `now`, not from sample 0, so no tick is caught up and no ambient switch fires at
    /// once. **Real-time safe.**
    pub fn start_at(&mut self, now: u64) {
        self.clock = self.clock.restarted_at(now);
        self.midi_clock.clear();
        self.midi_clock.start(now);
        self.idle = Idle::new(self.idle.times(), now);
        self.mutator.schedule(now, &mut self.mutation_rng);
        self.next_control = now;
    }

    /// Takes over from the conductor that ran before a swap at engine sample `now`: the
    /// clock (no phase jump), the random streams, the idle state (with this piece's own
    /// idle timings) and the notes still to release; when built from the same `sequence`
    /// section, everything (patterns, live settings, mutations); from another one, its
    /// first mutation is drawn from `now`. **Real-time safe.**
    pub fn take_over(&mut self, old: &mut Conductor, now: u64) {
        self.clock = old.clock;
        self.playing = old.playing;
        self.midi_clock = old.midi_clock;
        self.resume_from = old.resume_from;
        self.external = old.external;
        self.timeline = old.timeline;
        self.timeline_offset = old.timeline_offset;
        self.idle = old.idle.with_times(self.idle.times());
        std::mem::swap(&mut self.steps_rng, &mut old.steps_rng);
        std::mem::swap(&mut self.mutation_rng, &mut old.mutation_rng);
        self.scheduled = old.scheduled;
        self.scheduled_seq = old.scheduled_seq;
        self.next_control = old.next_control;
        if self.source_hash != old.source_hash {
            self.mutator.schedule(now, &mut self.mutation_rng);
            return;
        }
        self.settings = old.settings;
        self.drift = old.drift;
        self.scale = old.scale;
        self.pending_scale = old.pending_scale;
        self.mutator = old.mutator;
        self.last_level = -1.0;
        for (n, o) in self.tracks.iter_mut().zip(&old.tracks) {
            n.pattern = o.pattern;
            n.euclid_degrees = o.euclid_degrees;
            n.euclid_degree_count = o.euclid_degree_count;
            n.steps_played = o.steps_played;
        }
        for (n, o) in self.params.iter_mut().zip(&old.params) {
            n.active.value = o.active.value;
        }
    }

    /// Publishes the whole state at once (when it takes over). **Real-time safe.**
    pub fn publish(&self, status: &SeqStatus, now: u64) {
        let level = self.idle.level(now);
        status.present.store(true, Relaxed);
        status.playing.store(self.playing, Relaxed);
        status.scale.store(scale_index(self.scale), Relaxed);
        status
            .ambient
            .store(self.idle.mode() == Mode::Ambient, Relaxed);
        status.set_policy(self.idle.policy());
        status.set_figures(self.clock.bpm(), self.density_now(level));
        self.publish_settings(status);
        self.publish_tempo(level, status);
    }

    /// Publishes its own tempo and the profile's tempo setting, and, following a
    /// timeline, the timeline's tempo as the tempo now (what it plays: its clock takes it
    /// at every block, playing or not). **Real-time safe.**
    fn publish_tempo(&self, level: f32, status: &SeqStatus) {
        status.set_own_tempo(self.tempo_now(level), self.settings.bpm);
        if let Some(bpm) = self.timeline_bpm() {
            status.set_bpm(bpm);
        }
    }

    /// The tempo of the timeline it follows (clamped as its clock would play it), `None`
    /// on its own clock (no timeline, or ticks from an external MIDI clock).
    fn timeline_bpm(&self) -> Option<f32> {
        let (_, tl) = self.timeline.filter(|_| !self.external)?;
        Some((milli_bpm(tl.bpm as f32) as f64 / 1000.0) as f32)
    }

    /// Publishes the active profile's swing and density and the chaos lock (commands and
    /// mutation move them). **Real-time safe.**
    fn publish_settings(&self, status: &SeqStatus) {
        let s = &self.settings;
        status.set_settings(s.swing, s.density, self.mutator.locked);
    }

    /// Hands every note it still has to release to `release` and forgets its schedule
    /// (when its patch is replaced by one without a sequence). **Real-time safe.**
    pub fn release_all(&mut self, mut release: impl FnMut(SeqEvent)) {
        self.drop_unsounded_offs();
        for s in self.scheduled.iter_mut() {
            if let Some(Scheduled {
                event: e @ SeqEvent::NoteOff { .. },
                ..
            }) = s
            {
                release(*e);
            }
            *s = None;
        }
    }

    /// Forgets the note-offs of notes that have not started yet (their note-on is still
    /// scheduled, earlier than the off): sent now, they would release a note of the same
    /// pitch someone else plays on that instrument. A note-off at its note-on's very sample
    /// is the release of the note sounding before (a note never overlaps itself), and
    /// stays. **Real-time safe** (256 × 256 comparisons at most, on stop only).
    fn drop_unsounded_offs(&mut self) {
        for i in 0..MAX_SCHEDULED {
            let Some(Scheduled {
                time: off_time,
                event: SeqEvent::NoteOff { instrument, note },
                ..
            }) = self.scheduled[i]
            else {
                continue;
            };
            let pending_on = self.scheduled.iter().flatten().any(|s| {
                s.time < off_time
                    && matches!(s.event, SeqEvent::NoteOn { instrument: k, note: n, .. }
                        if k == instrument && n == note)
            });
            if pending_on {
                self.scheduled[i] = None;
            }
        }
    }

    /// True while playing.
    pub fn playing(&self) -> bool {
        self.playing
    }

    /// The scale sounding now.
    pub fn scale(&self) -> ScaleKind {
        self.scale
    }

    /// Profile mix at `now` (0 active … 1 ambient).
    pub fn idle_level(&self, now: u64) -> f32 {
        self.idle.level(now)
    }

    /// Sample time of the conductor's next event. **Real-time safe.**
    pub fn next_time(&self) -> u64 {
        let mut t = self.next_control;
        if self.playing && !self.external {
            t = t.min(self.clock.next_tick_time());
        }
        for s in self.scheduled.iter().flatten() {
            t = t.min(s.time);
        }
        t
    }

    /// Does everything due at or before `now`; the events for the engine are then read
    /// with [`pop_event`](Self::pop_event). **Real-time safe.**
    pub fn run(&mut self, now: u64, status: &SeqStatus, cues: &mut Producer<Cue>) {
        self.out_len = 0;
        self.out_pos = 0;
        if self.next_control <= now {
            self.control(now, status, cues);
            self.next_control = now + self.control_period;
        }
        if let Some(bpm) = self.timeline_bpm() {
            // The timeline's tempo is the one playing from this block on: said now, not
            // at the next tick (which may be most of a beat away, or never while stopped).
            status.set_bpm(bpm);
        }
        while self.playing && !self.external && self.clock.next_tick_time() <= now {
            let (tick, time) = self.clock.take_tick();
            self.midi_clock.tick(time);
            self.tick(tick, time, now, status, cues);
        }
        self.emit_due(now, status);
    }

    /// The outside timeline (a Link session) as it stands at engine sample `now`, or
    /// `None` to run on its own clock again (at the tempo it has): from now on its ticks
    /// fall where the timeline says (see `seq::timeline`). The audio callback gives it
    /// once a block, before the block renders. **Real-time safe.**
    pub fn set_timeline(&mut self, now: u64, timeline: Option<Timeline>) {
        self.follow_from(timeline.map(|t| (now, t)), now);
    }

    /// [`set_timeline`](Self::set_timeline) with a timeline read at an earlier sample
    /// (`timeline`: the sample and where the timeline stood there), given at `now`: a
    /// sequencer started in the middle of a block takes the one its block was given.
    pub fn follow_from(&mut self, timeline: Option<(u64, Timeline)>, now: u64) {
        self.timeline = timeline;
        if self.timeline.is_none() {
            self.timeline_offset = None;
        }
        self.follow_timeline(now);
    }

    /// Places the next tick on the timeline (when one is followed, and playing on its own
    /// clock).
    fn follow_timeline(&mut self, now: u64) {
        let Some((at, tl)) = self.timeline else {
            return;
        };
        if !self.playing || self.external {
            self.timeline_offset = None;
            return;
        }
        let p = place(
            &tl,
            at,
            now,
            self.sample_rate,
            self.clock.next_tick(),
            self.timeline_offset,
        );
        self.timeline_offset = Some(p.offset);
        if p.time != self.clock.next_tick_time() || p.mbpm != self.clock.milli_bpm() {
            self.clock.align(p.time, p.mbpm);
        }
    }

    /// The next MIDI clock or transport message it produced (the engine drains these
    /// after every run). **Real-time safe.**
    pub fn pop_clock(&mut self) -> Option<super::midi_clock::ClockEvent> {
        self.midi_clock.pop()
    }

    /// Clock messages lost to a full buffer (the engine not draining it).
    pub fn clock_dropped(&self) -> u64 {
        self.midi_clock.dropped
    }

    /// The next event to apply at the sample of the last [`run`](Self::run).
    pub fn pop_event(&mut self) -> Option<SeqEvent> {
        if self.out_pos >= self.out_len {
            return None;
        }
        self.out_pos += 1;
        self.out[self.out_pos - 1]
    }

    fn push_out(&mut self, event: SeqEvent, status: &SeqStatus) {
        if self.out_len < MAX_OUT {
            self.out[self.out_len] = Some(event);
            self.out_len += 1;
        } else {
            SeqStatus::bump(&status.notes_dropped);
        }
    }

    fn cue(cues: &mut Producer<Cue>, status: &SeqStatus, cue: Cue) {
        if cues.push(cue).is_err() {
            SeqStatus::bump(&status.cues_dropped);
        }
    }

    /// Moves every scheduled event due by `now` to the output: note-offs before note-ons
    /// of the same sample, otherwise in time then scheduling order.
    fn emit_due(&mut self, now: u64, status: &SeqStatus) {
        loop {
            let mut best: Option<(usize, (u64, u8, u64))> = None;
            for (i, s) in self.scheduled.iter().enumerate() {
                let Some(s) = s else { continue };
                if s.time > now {
                    continue;
                }
                let on = matches!(s.event, SeqEvent::NoteOn { .. }) as u8;
                let key = (s.time, on, s.seq);
                if best.is_none_or(|(_, k)| key < k) {
                    best = Some((i, key));
                }
            }
            let Some((i, _)) = best else { return };
            if self.out_len == MAX_OUT {
                // Full: the rest stay scheduled and due, so the engine runs again one
                // sample later and they go out then; never dropped (a lost note-off would
                // hold its voice).
                return;
            }
            let event = self.scheduled[i].take().map(|s| s.event);
            if let Some(e) = event {
                self.push_out(e, status);
            }
        }
    }

    fn schedule(&mut self, time: u64, event: SeqEvent, status: &SeqStatus) -> bool {
        match self.scheduled.iter_mut().find(|s| s.is_none()) {
            Some(slot) => {
                *slot = Some(Scheduled {
                    time,
                    seq: self.scheduled_seq,
                    event,
                });
                self.scheduled_seq += 1;
                true
            }
            None => {
                SeqStatus::bump(&status.notes_dropped);
                false
            }
        }
    }

    /// Schedules a note; a pending release of the same note on the same instrument moves
    /// up to the new onset (a note never overlaps itself).
    fn schedule_note(
        &mut self,
        instrument: InstrumentKey,
        note: u8,
        velocity: f32,
        on: u64,
        off: u64,
        status: &SeqStatus,
    ) {
        let mut free = 0;
        for s in self.scheduled.iter_mut() {
            match s {
                Some(Scheduled {
                    time,
                    event:
                        SeqEvent::NoteOff {
                            instrument: i,
                            note: n,
                        },
                    ..
                }) if *i == instrument && *n == note && *time > on => *time = on,
                None => free += 1,
                _ => {}
            }
        }
        if free < 2 {
            SeqStatus::bump(&status.notes_dropped);
            return;
        }
        self.schedule(
            on,
            SeqEvent::NoteOn {
                instrument,
                note,
                velocity,
            },
            status,
        );
        self.schedule(off, SeqEvent::NoteOff { instrument, note }, status);
    }

    /// Tempo with the ambient profile and the drift mixed in.
    fn tempo_now(&self, level: f32) -> f32 {
        self.settings.bpm * lerp(1.0, self.ambient.tempo_scale, level) * self.drift.factor()
    }

    /// Density with the ambient profile mixed in.
    fn density_now(&self, level: f32) -> f32 {
        lerp(self.settings.density, self.ambient.density, level)
    }

    fn tick(
        &mut self,
        tick: u64,
        time: u64,
        now: u64,
        status: &SeqStatus,
        cues: &mut Producer<Cue>,
    ) {
        if let Some((scale, at)) = self.pending_scale {
            if tick >= at {
                self.pending_scale = None;
                self.scale = scale;
                status.scale.store(scale_index(scale), Relaxed);
                Self::cue(
                    cues,
                    status,
                    Cue::Scale {
                        scale,
                        bar: tick / TICKS_PER_BAR,
                    },
                );
            }
        }
        let level = self.idle.level(now);
        if tick.is_multiple_of(PPQN) {
            self.drift.step(self.mutation_rng.bipolar());
            if self.timeline_bpm().is_none() {
                // Following a timeline, its tempo is the clock's (set at every block); a
                // pending tempo of its own would play for a tick before the next block
                // set it back.
                self.clock.set_bpm(self.tempo_now(level));
            }
            status.bar.store(tick / TICKS_PER_BAR, Relaxed);
        }
        let density = self.density_now(level);
        status.set_figures(self.timeline_bpm().unwrap_or(self.clock.bpm()), density);
        for k in 0..self.tracks.len() {
            let t = &self.tracks[k];
            if !tick.is_multiple_of(t.ticks_per_step) {
                continue;
            }
            let count = t.steps_played;
            let i = (count % t.pattern.len() as u64) as usize;
            let roll = self.steps_rng.unit();
            self.tracks[k].steps_played += 1;
            if k == 0 {
                status.step.store(i as u64, Relaxed);
            }
            let t = &self.tracks[k];
            let step = t.pattern.steps[i];
            if !(step.on && t.pattern.dense_enough(i, density) && roll < step.probability) {
                continue;
            }
            let step_samples = self.clock.samples_per(t.ticks_per_step);
            let on = time + swing_delay(count, self.settings.swing, step_samples);
            self.play(k, step, on, step_samples, 1.0, status);
        }
    }

    fn play(
        &mut self,
        track: usize,
        step: Step,
        on: u64,
        step_samples: f64,
        velocity_scale: f32,
        status: &SeqStatus,
    ) {
        let t = &self.tracks[track];
        let base = self.settings.root as i32 + 12 * t.octave as i32;
        let note = self.scale.note(base, step.degree as i32, t.range);
        let len = ((step.gate as f64 * step_samples).round() as u64).max(1);
        let velocity = (step.velocity * velocity_scale).clamp(0.0, 1.0);
        self.schedule_note(t.instrument, note, velocity, on, on + len, status);
    }

    /// Control-rate work (every 10 ms): idle machine, fades, mutation.
    fn control(&mut self, now: u64, status: &SeqStatus, cues: &mut Producer<Cue>) {
        if let Some(mode) = self.idle.update(now) {
            self.mode_changed(mode, status, cues);
        }
        if now >= self.mutator.next_at() && self.mutation_held {
            // Overload shedding holds mutation: the cycle is skipped (counted) and the
            // next one drawn as usual.
            self.mutator.schedule(now, &mut self.mutation_rng);
            SeqStatus::bump(&status.mutations_held);
        } else if now >= self.mutator.next_at() {
            // Scratch for the cycle's changes (its first `n` are written).
            let mut changes = [Change {
                category: Category::Swing,
                target: 0,
                step: 0,
                from: 0.0,
                to: 0.0,
            }; MAX_CHANGES];
            let mut lanes = Lanes {
                tracks: &mut self.tracks,
                settings: &mut self.settings,
                params: &mut self.params,
            };
            let n = self
                .mutator
                .cycle(now, &mut self.mutation_rng, &mut lanes, &mut changes);
            for c in &changes[..n] {
                Self::cue(cues, status, Cue::Mutation(*c));
            }
            if n > 0 {
                self.last_level = -1.0; // resend mutated params
            }
        }
        let level = self.idle.level(now);
        if level != self.last_level {
            self.last_level = level;
            let mix = level.max(self.settings.palette);
            for k in 0..self.params.len() {
                let lane = self.params[k];
                let v = match lane.ambient {
                    Some(a) => lerp(lane.active.value, a, mix),
                    None => lane.active.value,
                };
                if v != lane.sent {
                    self.params[k].sent = v;
                    self.push_out(
                        SeqEvent::SetParam {
                            target: lane.target,
                            value: v,
                        },
                        status,
                    );
                }
            }
        }
        self.publish_settings(status);
        self.publish_tempo(level, status);
    }

    fn mode_changed(&mut self, mode: Mode, status: &SeqStatus, cues: &mut Producer<Cue>) {
        status.ambient.store(mode == Mode::Ambient, Relaxed);
        Self::cue(cues, status, Cue::Idle(mode));
        let scale = match mode {
            Mode::Ambient => self.ambient.scale,
            Mode::Active => self.settings.scale,
        };
        self.change_scale(scale);
        self.last_level = -1.0;
    }

    /// Asks for a scale change; it lands on the next boundary of the configured quantum.
    fn change_scale(&mut self, scale: ScaleKind) {
        let tick = self.clock.next_tick();
        self.pending_scale = Some((scale, self.quantize.next_boundary(tick)));
    }

    /// Holds mutation (overload shedding): while held, each cycle that falls due is
    /// skipped and counted (`SeqStatus::mutations_held`). **Real-time safe.**
    pub fn hold_mutation(&mut self, held: bool) {
        self.mutation_held = held;
    }

    /// An external command arrived at `now` (any OSC/MIDI/config message); `note` when it
    /// is a played note. **Real-time safe.**
    pub fn interaction(
        &mut self,
        now: u64,
        note: bool,
        status: &SeqStatus,
        cues: &mut Producer<Cue>,
    ) {
        if let Some(mode) = self.idle.interaction(now, note) {
            self.mode_changed(mode, status, cues);
        }
    }

    /// Applies a command at `now`. **Real-time safe.**
    pub fn command(
        &mut self,
        cmd: SeqCommand,
        now: u64,
        status: &SeqStatus,
        cues: &mut Producer<Cue>,
    ) {
        let s = &mut self.settings;
        match cmd {
            SeqCommand::Start => {
                if !self.playing {
                    self.playing = true;
                    self.clock.restart(now);
                    for t in &mut self.tracks {
                        t.steps_played = 0;
                    }
                    self.timeline_offset = None;
                    self.follow_timeline(now);
                    self.midi_clock.start(self.clock.next_tick_time());
                    Self::cue(cues, status, Cue::Playing(true));
                }
            }
            SeqCommand::Continue => {
                if !self.playing {
                    self.playing = true;
                    let tick = resume_tick(self.resume_from);
                    self.clock.resume_at(now, tick);
                    for t in &mut self.tracks {
                        t.steps_played = tick.div_ceil(t.ticks_per_step);
                    }
                    self.timeline_offset = None;
                    self.follow_timeline(now);
                    self.midi_clock.resume(self.clock.next_tick_time(), tick);
                    Self::cue(cues, status, Cue::Playing(true));
                }
            }
            SeqCommand::Follow(on) => {
                if self.external && !on {
                    // Its own clock goes on from the next tick, now.
                    self.clock.resume_at(now, self.clock.next_tick());
                }
                self.external = on;
            }
            SeqCommand::ClockTick => {
                if self.external && self.playing {
                    let (tick, _) = self.clock.take_tick();
                    self.midi_clock.tick(now);
                    self.tick(tick, now, now, status, cues);
                }
            }
            SeqCommand::Position(p) => {
                if !self.playing {
                    self.resume_from = p as u64 * super::midi_clock::TICKS_PER_SIXTEENTH;
                }
            }
            SeqCommand::Stop => {
                if self.playing {
                    self.playing = false;
                    self.resume_from = self.clock.next_tick();
                    self.midi_clock.stop(now);
                    // Release every sounding note now (and forget the rest).
                    self.drop_unsounded_offs();
                    for s in self.scheduled.iter_mut() {
                        match s {
                            Some(x) if matches!(x.event, SeqEvent::NoteOff { .. }) => x.time = now,
                            _ => *s = None,
                        }
                    }
                    Self::cue(cues, status, Cue::Playing(false));
                }
            }
            SeqCommand::Bpm(b) => {
                s.bpm = b.clamp(MIN_BPM, MAX_BPM);
                let level = self.idle.level(now);
                if self.timeline_bpm().is_none() {
                    self.clock.set_bpm(self.tempo_now(level));
                }
                // Said at once (a Link session waits for it, playing or stopped).
                self.publish_tempo(level, status);
            }
            SeqCommand::Swing(v) => s.swing = v.clamp(0.0, MAX_SWING),
            SeqCommand::Density(v) => s.density = v.clamp(0.0, 1.0),
            SeqCommand::Scale(scale) => {
                s.scale = scale;
                if self.idle.mode() == Mode::Active {
                    self.change_scale(scale);
                }
            }
            SeqCommand::Root(r) => s.root = r.min(127),
            SeqCommand::Length(_) | SeqCommand::Step { .. } | SeqCommand::Euclid { .. } => {
                for (i, t) in self.tracks.iter_mut().enumerate() {
                    let degrees = &t.euclid_degrees[..t.euclid_degree_count];
                    edit_track(i, &mut t.pattern, degrees, cmd);
                }
            }
            SeqCommand::ChaosLock(on) => self.mutator.locked = on,
            SeqCommand::LoopLock(n) => {
                self.steps_rng.set_loop(n as usize);
                self.mutation_rng.set_loop(n as usize);
            }
            SeqCommand::Drift(d) => self.drift.amount = d.clamp(0.0, MAX_DRIFT),
            SeqCommand::Mode(policy) => {
                self.idle.set_policy(policy);
                status.set_policy(policy);
                if let Some(mode) = self.idle.update(now) {
                    self.mode_changed(mode, status, cues);
                }
            }
            SeqCommand::Palette(p) => {
                s.palette = p.clamp(0.0, 1.0);
                self.last_level = -1.0;
            }
            SeqCommand::TriggerStep { index, velocity } => {
                for k in 0..self.tracks.len() {
                    let t = &self.tracks[k];
                    let i = index as usize % t.pattern.len();
                    let step = t.pattern.steps[i];
                    if step.on {
                        let step_samples = self.clock.samples_per(t.ticks_per_step);
                        self.play(k, step, now, step_samples, velocity, status);
                    }
                }
            }
        }
        status.playing.store(self.playing, Relaxed);
    }
}

/// The mutator's view of a conductor.
struct Lanes<'a> {
    tracks: &'a mut [Track],
    settings: &'a mut Settings,
    params: &'a mut [ParamLane],
}

/// The mutable lanes come first in `params` (see `build`).
impl Mutable for Lanes<'_> {
    fn track_count(&self) -> usize {
        self.tracks.len()
    }
    fn pattern(&mut self, track: usize) -> &mut Pattern {
        &mut self.tracks[track].pattern
    }
    fn density(&mut self) -> &mut f32 {
        &mut self.settings.density
    }
    fn swing(&mut self) -> &mut f32 {
        &mut self.settings.swing
    }
    fn param_count(&self) -> usize {
        self.params.iter().take_while(|l| l.mutable).count()
    }
    fn param(&mut self, i: usize) -> &mut Bounded {
        &mut self.params[i].active
    }
}

fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

fn scale_index(scale: ScaleKind) -> u32 {
    ScaleKind::ALL.iter().position(|s| *s == scale).unwrap_or(0) as u32
}

#[cfg(test)]
#[path = "conductor_tests.rs"]
mod tests;
