//! Voices: what each voice is playing, which voice a new note takes, and how a voice is
//! rendered into its instrument's mix.
//!
//! A note takes, in order: a voice already playing that note (retrigger), a free voice,
//! the voice longest in release, and finally a held voice chosen by the instrument's
//! `steal` policy; under overload shedding only the instrument's `voice_cap` voices may
//! sound, and [`shed_to_cap`] fades the quietest out when the cap is lowered. A stolen
//! voice fades out over [`STEAL_FADE_MS`] before it is reset and
//! starts the new note, so stealing never clicks. A released voice sounds through its
//! envelope's release and becomes free once it has been silent for [`SILENCE_MS`]; a voice
//! template that does not read `note.gate` has no envelope to release it, so the engine
//! fades it out over [`STEAL_FADE_MS`] at note-off instead.
//!
//! A live param change glides in every sounding voice (held, released or fading). A free
//! voice is not processed, so a note that starts on it, or on a stolen voice once its fade
//! has ended, starts with its params at their values: the change is heard from the note's
//! first sample, with no glide from the value before it.
//!
//! Channel messages act here too: a note-off while the sustain pedal is down leaves the
//! voice held until pedal up; the `note` sources follow the instrument's bend (ramped
//! across each block), pressure and tuning table; the instrument's volume × expression
//! and pan scale its summed voices (see [`super::channel`]).

use crate::graph::{
    ChannelState, Instrument, NoteOutput, NoteTable, Program, StealPolicy, Voice, VoicePhase,
    VoiceState,
};
use chronus_modules::MAX_BLOCK;

use super::channel::{glide_keep, ChannelMessage};
use super::mix::{add_constant, mix_constant, mix_scaled};
use super::program::run_program;

/// Fade applied to a stolen voice (and to a gateless voice at note-off, and on panic).
pub const STEAL_FADE_MS: f32 = 3.0;
/// A released voice quieter than [`SILENCE_LEVEL`] for this long is free again.
pub const SILENCE_MS: f32 = 10.0;
/// Peak level below which a released voice counts as silent (-100 dBFS).
pub const SILENCE_LEVEL: f32 = 1e-5;

impl VoiceState {
    fn start(&mut self, note: u8, velocity: f32, now: u64) {
        self.retrigger = self.phase == VoicePhase::Held;
        self.phase = VoicePhase::Held;
        self.note = note;
        self.velocity = velocity;
        self.started = now;
        self.gain = 1.0;
        self.silent_samples = 0;
        self.pending = None;
        self.release_after_block = false;
        self.pressure = 0.0;
        // Not yet heard: never the quietest until its first block says how loud it is.
        self.level = f32::INFINITY;
    }

    fn fade(&mut self, pending: Option<(u8, f32, bool)>) {
        self.phase = VoicePhase::Fading;
        self.pending = pending;
        self.release_after_block = false;
    }

    /// Releases the note: through the envelope when the template has one (`uses_gate`),
    /// else with a short fade.
    fn release(&mut self, uses_gate: bool, now: u64) {
        if uses_gate {
            self.phase = VoicePhase::Released;
            self.released = now;
            self.silent_samples = 0;
        } else {
            self.fade(None);
        }
    }
}

/// Plays `note` on `instrument` at engine time `now`. Returns `false` when the note was
/// dropped (every voice it may use busy and `steal: "none"`). Only
/// [`voice_cap`](Instrument::voice_cap) voices may sound: at the cap a free voice is not
/// taken, and the note steals instead. **Real-time safe.**
pub fn note_on(instrument: &mut Instrument, note: u8, velocity: f32, now: u64) -> bool {
    instrument.controls.keys_down |= key_bit(note);
    let room = instrument.voice_cap > busy_voices(instrument);
    let voices = &mut instrument.voices;
    let playing = |v: &Voice| {
        v.state.note == note && matches!(v.state.phase, VoicePhase::Held | VoicePhase::Released)
    };
    let chosen = voices
        .iter()
        .position(playing)
        .or_else(|| {
            room.then(|| {
                voices
                    .iter()
                    .position(|v| v.state.phase == VoicePhase::Free)
            })
            .flatten()
        })
        .or_else(|| {
            voices
                .iter()
                .enumerate()
                .filter(|(_, v)| v.state.phase == VoicePhase::Released)
                .min_by_key(|(_, v)| v.state.released)
                .map(|(i, _)| i)
        });
    if let Some(i) = chosen {
        let voice = &mut voices[i];
        if voice.state.phase == VoicePhase::Free {
            // Silent until now: it starts at the values set while it was free.
            voice.program.settle_params();
        }
        voice.state.start(note, velocity, now);
        return true;
    }
    let held = voices
        .iter()
        .enumerate()
        .filter(|(_, v)| v.state.phase == VoicePhase::Held);
    let victim = match instrument.steal {
        StealPolicy::None => None,
        StealPolicy::Oldest => held.min_by_key(|(_, v)| v.state.started).map(|(i, _)| i),
        StealPolicy::Quietest => held
            .min_by(|(_, a), (_, b)| a.state.level.total_cmp(&b.state.level))
            .map(|(i, _)| i),
    };
    // Every voice already fading: the newest note replaces the oldest pending one.
    let victim = victim.or_else(|| {
        (instrument.steal != StealPolicy::None)
            .then(|| {
                voices
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.state.is_active())
                    .min_by_key(|(_, v)| v.state.started)
                    .map(|(i, _)| i)
            })
            .flatten()
    });
    match victim {
        Some(i) => {
            voices[i].state.fade(Some((note, velocity, false)));
            voices[i].state.started = now;
            true
        }
        None => false,
    }
}

/// Voices of `instrument` that are not free (held, releasing or fading out). **Real-time
/// safe.**
pub fn busy_voices(instrument: &Instrument) -> usize {
    instrument
        .voices
        .iter()
        .filter(|v| v.state.is_active())
        .count()
}

/// Brings `instrument` within its [`voice_cap`](Instrument::voice_cap): while more voices
/// sound (or wait to start a note) than it allows, the quietest held or releasing voice
/// (the level its last block measured) fades out over [`STEAL_FADE_MS`]. A voice already
/// fading out with nothing to play after counts for nothing. Returns how many voices it
/// faded. **Real-time safe.**
pub fn shed_to_cap(instrument: &mut Instrument) -> u32 {
    let mut shed = 0;
    if instrument.voice_cap >= instrument.voices.len() {
        return shed;
    }
    loop {
        let sounding = instrument
            .voices
            .iter()
            .filter(|v| v.state.counts_against_cap())
            .count();
        if sounding <= instrument.voice_cap {
            return shed;
        }
        let quietest = instrument
            .voices
            .iter_mut()
            .filter(|v| matches!(v.state.phase, VoicePhase::Held | VoicePhase::Released))
            .min_by(|a, b| a.state.level.total_cmp(&b.state.level));
        match quietest {
            Some(v) => {
                v.state.fade(None);
                shed += 1;
            }
            // Only notes waiting for their stolen voice: they start, and go next block.
            None => return shed,
        }
    }
}

/// Releases `note` on `instrument`, or leaves it to the sustain pedal when that is down.
/// **Real-time safe.**
pub fn note_off(instrument: &mut Instrument, note: u8, now: u64) {
    instrument.controls.keys_down &= !key_bit(note);
    if !instrument.controls.sustain {
        release_note(instrument, note, now);
    }
}

fn key_bit(note: u8) -> u128 {
    1u128 << (note & 127)
}

/// Releases the voices playing `note` (and a pending start of it).
fn release_note(instrument: &mut Instrument, note: u8, now: u64) {
    let uses_gate = instrument.uses_gate;
    for v in &mut instrument.voices {
        let s = &mut v.state;
        if s.phase == VoicePhase::Held && s.note == note {
            s.release(uses_gate, now);
        } else if let Some((n, vel, _)) = s.pending {
            if n == note {
                s.pending = Some((n, vel, true));
            }
        }
    }
}

/// Releases every held note, whatever the keys and the pedal say. **Real-time safe.**
pub fn all_notes_off(instrument: &mut Instrument, now: u64) {
    instrument.controls.keys_down = 0;
    for v in &mut instrument.voices {
        if let Some((n, vel, _)) = v.state.pending {
            v.state.pending = Some((n, vel, true));
        }
    }
    let held: u128 = instrument
        .voices
        .iter()
        .filter(|v| v.state.phase == VoicePhase::Held)
        .fold(0, |mask, v| mask | 1u128 << (v.state.note & 127));
    for note in 0..128u8 {
        if held & (1u128 << note) != 0 {
            release_note(instrument, note, now);
        }
    }
}

/// Releases the notes the pedal was holding: voices held or pending whose key is up.
fn release_unheld_keys(instrument: &mut Instrument, now: u64) {
    let down = instrument.controls.keys_down;
    let sounding: u128 = instrument
        .voices
        .iter()
        .filter_map(|v| match (v.state.phase, v.state.pending) {
            (VoicePhase::Held, _) => Some(v.state.note),
            (_, Some((n, _, false))) => Some(n),
            _ => None,
        })
        .fold(0, |mask, n| mask | key_bit(n));
    let up = sounding & !down;
    for note in 0..128u8 {
        if up & key_bit(note) != 0 {
            release_note(instrument, note, now);
        }
    }
}

/// Applies a channel message to `instrument` at engine time `now`. **Real-time safe.**
pub fn channel_message(instrument: &mut Instrument, message: ChannelMessage, now: u64) {
    let c = &mut instrument.controls;
    match message {
        ChannelMessage::Bend(position) => c.set_bend(position),
        ChannelMessage::BendRange(semitones) => c.set_bend_range(semitones),
        ChannelMessage::Pressure(p) => c.pressure.target = p.clamp(0.0, 1.0),
        ChannelMessage::PolyPressure { note, value } => {
            for v in &mut instrument.voices {
                if v.state.note == note && v.state.is_active() {
                    v.state.pressure = value.clamp(0.0, 1.0);
                }
            }
        }
        ChannelMessage::Sustain(down) => {
            let was = std::mem::replace(&mut c.sustain, down);
            if was && !down {
                release_unheld_keys(instrument, now);
            }
        }
        ChannelMessage::Volume(v) => c.set_volume(Some(v), None),
        ChannelMessage::Expression(e) => c.set_volume(None, Some(e)),
        ChannelMessage::Pan(p) => c.pan.target = p.clamp(-1.0, 1.0),
        ChannelMessage::AllNotesOff => {
            c.keys_down = 0;
            if !c.sustain {
                all_notes_off(instrument, now);
            }
        }
        ChannelMessage::AllSoundOff => {
            c.keys_down = 0;
            c.sustain = false;
            panic(instrument);
        }
        ChannelMessage::ResetControllers => {
            let was = c.sustain;
            c.reset_controllers();
            if was {
                release_unheld_keys(instrument, now);
            }
        }
    }
}

/// Plays, in `instrument` of a new graph, what a voice of the old graph was playing or
/// about to play: a held note, or a note waiting for its stolen voice (keeping a note-off
/// that already came). **Real-time safe.**
pub fn adopt(instrument: &mut Instrument, old: &VoiceState, now: u64) {
    let (note, velocity, released) = match (old.phase, old.pending) {
        (VoicePhase::Held, _) => (old.note, old.velocity, old.release_after_block),
        (VoicePhase::Fading, Some(pending)) => pending,
        _ => return,
    };
    if note_on(instrument, note, velocity, now) && released {
        if let Some(v) = instrument
            .voices
            .iter_mut()
            .find(|v| v.state.phase == VoicePhase::Held && v.state.note == note)
        {
            v.state.release_after_block = true;
        }
    }
}

/// Fades every active voice out now, releases included. **Real-time safe.**
pub fn panic(instrument: &mut Instrument) {
    for v in &mut instrument.voices {
        if v.state.is_active() {
            v.state.fade(None);
        }
    }
}

/// Renders every active voice of `instrument` for `frames` frames and adds them into
/// `left`/`right`. `fade_step` is the gain change per sample of a fading voice.
/// **Real-time safe.**
pub fn render_instrument(
    instrument: &mut Instrument,
    left: &mut [f32],
    right: &mut [f32],
    ctx: RenderContext,
) {
    let slots = NoteSlots {
        outputs: &instrument.source_slots,
        read: &instrument.read_sources,
    };
    let controls = &mut instrument.controls;
    // One `exp` per instrument and block, and only while something glides.
    let keep = if controls.moving() {
        glide_keep(ctx.frames, ctx.sample_rate)
    } else {
        0.0
    };
    let bend = NoteBlock::new(controls, keep);
    // The held voices' levels are measured when the instrument steals the quietest or its
    // polyphony is capped (`shed_to_cap` picks the quietest).
    let steals_quietest =
        instrument.steal == StealPolicy::Quietest || instrument.voice_cap < instrument.voices.len();
    for voice in &mut instrument.voices {
        if !voice.state.is_active() {
            continue;
        }
        fill_note_sources(
            &mut voice.program,
            slots,
            &mut voice.state,
            &bend,
            ctx.frames,
        );
        run_program(
            &mut voice.program,
            ctx.sample_rate,
            ctx.sample_time,
            ctx.frames,
        );
        mix_voice(
            voice,
            left,
            right,
            ctx,
            instrument.uses_gate,
            steals_quietest,
        );
    }
    controls.apply_gain_pan(left, right, keep);
}

/// What every voice's `note` sources share in one block: the bend ramp (in semitones and
/// as a frequency ratio, start and end of the block), channel pressure and the tuning.
struct NoteBlock<'a> {
    semitones: (f32, f32),
    ratio: (f32, f32),
    pressure: (f32, f32),
    tuning: &'a NoteTable,
}

impl<'a> NoteBlock<'a> {
    /// Advances the instrument's bend glide by one block (`keep`: see [`glide_keep`]).
    fn new(controls: &'a mut ChannelState, keep: f32) -> Self {
        let semitones = controls.bend.advance(keep);
        let ratio = |s: f32| if s == 0.0 { 1.0 } else { (s / 12.0).exp2() };
        NoteBlock {
            semitones,
            ratio: (ratio(semitones.0), ratio(semitones.1)),
            pressure: controls.pressure.advance(keep),
            tuning: &controls.tuning,
        }
    }
}

/// Fills `block` with a linear ramp ending at `end` from just after `start` (a constant
/// when they are equal).
fn ramp(block: &mut [f32], start: f32, end: f32) {
    if start == end {
        block.fill(end);
        return;
    }
    let step = (end - start) / block.len() as f32;
    for (i, x) in block.iter_mut().enumerate() {
        *x = start + step * (i + 1) as f32;
    }
}

/// Block facts shared by every voice.
#[derive(Clone, Copy, Debug)]
pub struct RenderContext {
    /// Sample rate in Hz.
    pub sample_rate: f32,
    /// Engine time of the first frame.
    pub sample_time: u64,
    /// Frames in this block.
    pub frames: usize,
    /// Gain change per sample while fading.
    pub fade_step: f32,
    /// Samples of silence that free a released voice.
    pub silence_samples: u32,
}

/// What a voice program's `note` sources carry, and which of them its template reads.
#[derive(Clone, Copy)]
struct NoteSlots<'a> {
    /// What each entry of the program's `sources` carries.
    outputs: &'a [NoteOutput],
    /// The entries the template reads (the others are never filled).
    read: &'a [usize],
}

/// Fills the voice's `note` source buffers for this block (those its template reads). A
/// source that holds one value (a note without bend, the gate while held, ...) is written
/// whole, once, and recorded in `program.held`; while it keeps that value it is left as it
/// is, and the params it modulates read the value from `held` instead of scanning the
/// buffer, and once settled are skipped until a source changes again. A ramp (bend,
/// pressure moving) or a retriggered gate is written per frame, as before.
fn fill_note_sources(
    program: &mut Program,
    slots: NoteSlots,
    state: &mut VoiceState,
    shared: &NoteBlock,
    frames: usize,
) {
    let gate = if state.phase == VoicePhase::Held {
        1.0
    } else {
        0.0
    };
    let mut changed = false;
    for &i in slots.read {
        let (slot, buffer) = (slots.outputs[i], program.sources[i]);
        let (start, end) = match slot {
            NoteOutput::Freq => {
                let hz = shared.tuning.frequency(state.note);
                (hz * shared.ratio.0, hz * shared.ratio.1)
            }
            NoteOutput::Pitch => {
                let pitch = state.note as f32;
                (pitch + shared.semitones.0, pitch + shared.semitones.1)
            }
            NoteOutput::Gate => (gate, gate),
            NoteOutput::Velocity => (state.velocity, state.velocity),
            NoteOutput::Pressure => (
                shared.pressure.0.max(state.pressure),
                shared.pressure.1.max(state.pressure),
            ),
            NoteOutput::Unknown => (0.0, 0.0),
        };
        let retrigger = slot == NoteOutput::Gate && state.retrigger;
        let held = &mut program.held[buffer];
        if start == end && !retrigger {
            // What `ramp` writes for equal ends, in every sample of the buffer.
            if held.map(f32::to_bits) != Some(end.to_bits()) {
                program.pool[buffer].fill(end);
                *held = Some(end);
                changed = true;
            }
        } else {
            let block = &mut program.pool[buffer][..frames];
            ramp(block, start, end);
            if retrigger {
                block[0] = 0.0;
            }
            *held = None;
            changed = true;
        }
    }
    if changed {
        program.mark_modulated_live();
    }
    state.retrigger = false;
}

fn mix_voice(
    voice: &mut Voice,
    left: &mut [f32],
    right: &mut [f32],
    ctx: RenderContext,
    uses_gate: bool,
    steals_quietest: bool,
) {
    let program = &mut voice.program;
    let state = &mut voice.state;
    let out = &mut program.output;
    out.volume_block
        .render(&mut out.volume, None, (0.0, f32::MAX), ctx.frames);
    let (l, r) = (&program.pool[out.left][..], &program.pool[out.right][..]);
    let volume = &out.volume_block;
    let (left, right) = (&mut left[..ctx.frames], &mut right[..ctx.frames]);
    let peak;
    if state.phase == VoicePhase::Fading {
        let mut gains = [0.0f32; MAX_BLOCK];
        let mut gain = state.gain;
        for (g, v) in gains[..ctx.frames].iter_mut().zip(&volume.values) {
            gain = (gain - ctx.fade_step).max(0.0);
            *g = gain * v;
        }
        peak = mix_scaled(left, right, l, r, &gains);
        state.gain = gain;
        if gain == 0.0 {
            finish_fade(voice, ctx.sample_time + ctx.frames as u64);
            return;
        }
    } else if volume.constant
        && state.phase == VoicePhase::Held
        && !state.release_after_block
        && !steals_quietest
    {
        // Nothing reads the level of a voice that stays held unless the instrument steals
        // the quietest: it is measured again once released (silence frees the voice).
        add_constant(left, right, l, r, volume.values[0]);
        return;
    } else if volume.constant {
        peak = mix_constant(left, right, l, r, volume.values[0]);
    } else {
        peak = mix_scaled(left, right, l, r, &volume.values);
    }
    state.level = peak;
    if state.release_after_block {
        state.release_after_block = false;
        state.release(uses_gate, ctx.sample_time + ctx.frames as u64);
    } else if state.phase == VoicePhase::Released {
        if peak < SILENCE_LEVEL {
            state.silent_samples += ctx.frames as u32;
            if state.silent_samples >= ctx.silence_samples {
                state.phase = VoicePhase::Free;
            }
        } else {
            state.silent_samples = 0;
        }
    }
}

/// A fade ended: reset the voice's modules (so an envelope starts from zero) and its
/// params (so the next note starts at their values, not partway through a glide), and
/// start the pending note, if any.
fn finish_fade(voice: &mut Voice, now: u64) {
    for node in &mut voice.program.nodes {
        node.module.reset();
    }
    voice.program.settle_params();
    let pending = voice.state.pending.take();
    voice.state.phase = VoicePhase::Free;
    voice.state.level = 0.0;
    voice.state.gain = 1.0;
    if let Some((note, velocity, released)) = pending {
        voice.state.start(note, velocity, now);
        voice.state.release_after_block = released;
    }
}
