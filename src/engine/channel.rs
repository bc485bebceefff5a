//! Channel messages and what the engine does with an instrument's channel state
//! ([`ChannelState`], plain data the compiled graph carries): pitch bend and its range,
//! channel pressure, the sustain pedal, volume × expression and pan.
//!
//! Continuous values (bend, gain, pan) never jump: each block they move a fixed fraction of
//! the way to their target ([`GLIDE_MS`] time constant) and the block ramps linearly from
//! the value at its start to the value at its end, so a bend or a volume change is free of
//! zipper noise however the engine cuts its blocks.
//!
//! **Real-time safe**: nothing here allocates.

use crate::graph::{ChannelState, Glide};

/// Time constant of bend, volume and pan glides, in milliseconds.
pub const GLIDE_MS: f32 = 5.0;

/// A channel message for one instrument, as the engine applies it (values already
/// decoded and in range).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ChannelMessage {
    /// Pitch bend, -1..1 of the bend range (14-bit value 0..16383 mapped, 8192 = 0).
    Bend(f32),
    /// Pitch-bend range in semitones (RPN 0).
    BendRange(f32),
    /// Channel pressure 0..1.
    Pressure(f32),
    /// Polyphonic aftertouch 0..1 for one note.
    PolyPressure {
        /// MIDI note number.
        note: u8,
        /// 0..1.
        value: f32,
    },
    /// Sustain pedal (CC 64 ≥ 64 = down). Pedal up releases the notes it held.
    Sustain(bool),
    /// Channel volume (CC 7), 0..1 of full scale; gain is its square (≈ the GM curve).
    Volume(f32),
    /// Expression (CC 11), 0..1; multiplies volume, same curve.
    Expression(f32),
    /// Pan (CC 10), -1 (left) .. 1 (right), balance law (centre = unity on both sides).
    Pan(f32),
    /// Release every held note of this instrument (CC 123), like a note-off for every key:
    /// a sustain pedal that is down keeps holding them, as the MIDI spec says.
    AllNotesOff,
    /// Silence every voice within a few milliseconds (CC 120).
    AllSoundOff,
    /// Reset controllers (CC 121, per RP-015): bend, pressure, sustain, expression back to
    /// their defaults; volume and pan are kept.
    ResetControllers,
}

impl Glide {
    /// Advances by one block whose glide factor is `keep` (the fraction of the distance to
    /// the target left after the block); returns the values at the block's start and end.
    pub fn advance(&mut self, keep: f32) -> (f32, f32) {
        let start = self.now;
        let mut end = self.target + (start - self.target) * keep;
        if (end - self.target).abs() < 1e-6 {
            end = self.target;
        }
        self.now = end;
        (start, end)
    }

    /// True while the value still moves.
    pub fn moving(&self) -> bool {
        self.now != self.target
    }
}

impl ChannelState {
    /// Sets the bend position -1..1.
    pub fn set_bend(&mut self, position: f32) {
        self.bend_position = position.clamp(-1.0, 1.0);
        self.bend.target = self.bend_position * self.bend_range;
    }

    /// Sets the bend range in semitones (the current position keeps its meaning).
    pub fn set_bend_range(&mut self, semitones: f32) {
        self.bend_range = semitones.clamp(0.0, 96.0);
        self.bend.target = self.bend_position * self.bend_range;
    }

    /// Sets CC 7 or CC 11 and retargets the gain.
    pub fn set_volume(&mut self, volume: Option<f32>, expression: Option<f32>) {
        if let Some(v) = volume {
            self.volume = v.clamp(0.0, 1.0);
        }
        if let Some(e) = expression {
            self.expression = e.clamp(0.0, 1.0);
        }
        let level = self.volume * self.expression;
        self.gain.target = level * level;
    }

    /// Reset controllers (RP-015): bend, pressure, sustain, expression; not volume or pan.
    pub fn reset_controllers(&mut self) {
        self.set_bend(0.0);
        self.pressure.target = 0.0;
        self.sustain = false;
        self.set_volume(None, Some(1.0));
    }

    /// True while bend, pressure, gain or pan still glides.
    pub fn moving(&self) -> bool {
        self.bend.moving() || self.pressure.moving() || self.gain.moving() || self.pan.moving()
    }

    /// Applies the stereo gain and pan ramps of one block to the instrument's mix.
    pub fn apply_gain_pan(&mut self, left: &mut [f32], right: &mut [f32], keep: f32) {
        let (g0, g1) = self.gain.advance(keep);
        let (p0, p1) = self.pan.advance(keep);
        if g0 == 1.0 && g1 == 1.0 && p0 == 0.0 && p1 == 0.0 {
            return;
        }
        let n = left.len().min(right.len());
        let step = 1.0 / n.max(1) as f32;
        for i in 0..n {
            let t = (i + 1) as f32 * step;
            let g = g0 + (g1 - g0) * t;
            let p = p0 + (p1 - p0) * t;
            let (gl, gr) = balance(p);
            left[i] *= g * gl;
            right[i] *= g * gr;
        }
    }
}

/// Balance law: centre leaves both sides at unity; towards one side the other fades out.
pub fn balance(pan: f32) -> (f32, f32) {
    let p = pan.clamp(-1.0, 1.0);
    ((1.0 - p).min(1.0), (1.0 + p).min(1.0))
}

/// Fraction of the distance to its target a glide keeps after `frames` samples.
pub fn glide_keep(frames: usize, sample_rate: f32) -> f32 {
    (-(frames as f32) / (GLIDE_MS * 0.001 * sample_rate)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glide_reaches_its_target_and_ramps_without_jumps() {
        let mut g = Glide::at(0.0);
        g.target = 2.0;
        let keep = glide_keep(64, 48_000.0);
        let mut last = 0.0;
        for _ in 0..200 {
            let (a, b) = g.advance(keep);
            assert_eq!(a, last);
            assert!(b >= a && b <= 2.0);
            last = b;
        }
        assert_eq!(g.now, 2.0);
        assert!(!g.moving());
    }

    #[test]
    fn bend_range_rescales_the_held_position() {
        let mut c = ChannelState::default();
        c.set_bend(1.0);
        assert_eq!(c.bend.target, 2.0);
        c.set_bend_range(12.0);
        assert_eq!(c.bend.target, 12.0);
        c.reset_controllers();
        assert_eq!(c.bend.target, 0.0);
        assert_eq!(c.bend_range, 12.0, "RP-015 keeps the range");
    }

    #[test]
    fn volume_and_expression_multiply_on_a_square_law() {
        let mut c = ChannelState::default();
        c.set_volume(Some(0.5), None);
        assert_eq!(c.gain.target, 0.25);
        c.set_volume(None, Some(0.5));
        assert_eq!(c.gain.target, 0.0625);
        c.reset_controllers();
        assert_eq!(
            c.gain.target, 0.25,
            "reset keeps volume, restores expression"
        );
        assert_eq!(balance(0.0), (1.0, 1.0));
        assert_eq!(balance(1.0), (0.0, 1.0));
        assert_eq!(balance(-0.5), (1.0, 0.5));
    }
}
