//! [`SeqCommand`]: what the control side tells the conductor, as an engine event
//! (`Event::Sequencer`). Values are already checked and in range; the conductor clamps
//! again anyway (it must never panic).

use super::idle::ModePolicy;
use crate::patch::ScaleKind;

/// One sequencer command.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SeqCommand {
    /// Start playing from the next tick (the bar count restarts).
    Start,
    /// Stop; held sequencer notes are released.
    Stop,
    /// Resume from where it stopped (or from the song position set while stopped), on the
    /// next sixteenth boundary; while playing, nothing.
    Continue,
    /// Sets the song position to resume from, in sixteenths (MIDI SONG POSITION
    /// POINTER); ignored while playing.
    Position(u16),
    /// Follow an external clock (true): from now on the sequencer's ticks are the
    /// [`ClockTick`](SeqCommand::ClockTick)s it is sent, not its own clock's; false: its
    /// own clock takes over again from the next tick, at the tempo it has.
    Follow(bool),
    /// One tick of the external clock it follows (ignored when not following or stopped).
    ClockTick,
    /// Tempo, BPM (from the next tick).
    Bpm(f32),
    /// Swing, 0..0.75.
    Swing(f32),
    /// Density, 0..1.
    Density(f32),
    /// Scale change (quantized per the config).
    Scale(ScaleKind),
    /// Root note (MIDI note number of degree 0 at octave offset 0).
    Root(u8),
    /// Length of every track's pattern, 1–64.
    Length(u8),
    /// Sets one step of a track.
    Step {
        /// Track index.
        track: u8,
        /// Step index.
        index: u8,
        /// Scale degree.
        degree: i8,
        /// 0..1 (0: the step becomes a rest).
        velocity: f32,
        /// 0..1.
        probability: f32,
    },
    /// Refills a track with a Euclidean rhythm (its degrees cycle over the hits).
    Euclid {
        /// Track index.
        track: u8,
        /// Hits.
        k: u8,
        /// Steps.
        n: u8,
        /// Rotation.
        rotation: u8,
    },
    /// Chaos lock: freezes mutation.
    ChaosLock(bool),
    /// Loop lock: replay the last N random draws (0: off).
    LoopLock(u8),
    /// Tempo drift depth, 0..0.25.
    Drift(f32),
    /// Who decides active/ambient.
    Mode(ModePolicy),
    /// Sound palette: blend of the patch's ambient param values, 0..1.
    Palette(f32),
    /// Plays step `index` of every track now.
    TriggerStep {
        /// Step index.
        index: u8,
        /// 0..1.
        velocity: f32,
    },
}
