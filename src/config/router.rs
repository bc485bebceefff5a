//! The `router` section of the config: what note ranges and controller numbers mean.
//!
//! ```ron
//! router: (
//!     notes: [
//!         (notes: (36, 59), action: play(instrument: "bass")),
//!         (notes: (60, 71), channel: 10, action: trigger_step),
//!     ],
//!     ccs: [
//!         (cc: 20, action: tempo),
//!         (cc: 74, action: param(target: "vcf.cutoff", curve: exponential)),
//!     ],
//! )
//! ```
//! Notes no route takes play the patch's instruments by channel (their `channel:`
//! fields); controllers no route takes go to the instruments (volume, pan, sustain, ...)
//! and to `midi_cc` modules.

use serde::{Deserialize, Serialize};

use crate::control::SequencerControl;

/// Note ranges and controller numbers mapped to actions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouterConfig {
    /// Note ranges, first match wins.
    pub notes: Vec<NoteRoute>,
    /// Controller numbers, one route per (cc, channel).
    pub ccs: Vec<CcRoute>,
}

/// A note range and what its notes do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteRoute {
    /// First and last note (inclusive), 0–127.
    pub notes: (u8, u8),
    /// Only this MIDI channel (1–16); absent: every channel.
    #[serde(default)]
    pub channel: Option<u8>,
    /// What the notes do.
    pub action: NoteAction,
}

/// What a routed note does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum NoteAction {
    /// Play the note on the patch instrument with this id (note-off releases it).
    Play {
        /// Instrument id (`voices` for a patch with `voice:`).
        instrument: String,
    },
    /// Play step `note - first` of the sequencer's pattern (note-on only).
    TriggerStep,
}

/// A controller number and what it moves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CcRoute {
    /// Controller number 0–127.
    pub cc: u8,
    /// Only this MIDI channel (1–16); absent: every channel.
    #[serde(default)]
    pub channel: Option<u8>,
    /// What it moves.
    pub action: CcAction,
}

/// What a routed controller moves. The sequencer's controls go to the sequencer as a 0..1
/// position of their range; the others are applied by the controller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CcAction {
    /// Sequencer tempo.
    Tempo,
    /// Cutoff of every filter module (`lowpass`, `highpass`, `bandpass`, `moog`) of the
    /// running patch, along each cutoff's own (logarithmic) range.
    FilterCutoff,
    /// `mix` of every `reverb` module of the running patch, 0..1.
    ReverbMix,
    /// Sequencer swing.
    Swing,
    /// Sequencer density.
    Density,
    /// The output volume: (cc/127)² (the CC 7 curve), 127 = unity.
    MasterVolume,
    /// Sequencer pattern length.
    SequenceLength,
    /// Sequencer scale choice.
    ScaleSelect,
    /// Sequencer mutation freeze.
    ChaosLock,
    /// Sequencer mode.
    Mode,
    /// Sequencer palette.
    Palette,
    /// Sequencer tempo drift.
    Drift,
    /// Any param, `"id.param"`, with 0–127 mapped onto its range along `curve`.
    Param {
        /// `"module.param"`, or `"output.volume"`.
        target: String,
        /// How 0–127 maps onto the range.
        #[serde(default)]
        curve: Curve,
        /// Number of steps for `curve: stepped` on a float param (int and choice params
        /// step through their own values).
        #[serde(default)]
        steps: Option<u32>,
    },
}

impl CcAction {
    /// The sequencer control this action moves, if it is one of the sequencer's.
    pub fn sequencer_control(&self) -> Option<SequencerControl> {
        Some(match self {
            CcAction::Tempo => SequencerControl::Tempo,
            CcAction::Swing => SequencerControl::Swing,
            CcAction::Density => SequencerControl::Density,
            CcAction::SequenceLength => SequencerControl::SequenceLength,
            CcAction::ScaleSelect => SequencerControl::ScaleSelect,
            CcAction::ChaosLock => SequencerControl::ChaosLock,
            CcAction::Mode => SequencerControl::Mode,
            CcAction::Palette => SequencerControl::Palette,
            CcAction::Drift => SequencerControl::Drift,
            _ => return None,
        })
    }
}

/// How a 0–127 controller value maps onto a param's range `min..max`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Curve {
    /// `min + (max - min) · p`, with `p = cc / 127`.
    #[default]
    Linear,
    /// Slow start, fast end: `min + (max - min) · (2^(10p) - 1) / 1023` (about 60 dB of
    /// range: a cutoff of 20..20000 Hz reads 625 Hz at the middle).
    Exponential,
    /// Fast start, slow end (the inverse): `min + (max - min) · log2(1 + 1023p) / 10`.
    Logarithmic,
    /// `steps` equal steps from min to max (the CC's range cut into `steps` zones).
    Stepped,
}

impl Curve {
    /// The shaped position 0..1 of controller value `value` (0–127). `steps` is used by
    /// [`Curve::Stepped`] (at least 2).
    pub fn shape(self, value: u8, steps: u32) -> f32 {
        let p = value.min(127) as f32 / 127.0;
        match self {
            Curve::Linear => p,
            Curve::Exponential => ((10.0 * p).exp2() - 1.0) / 1023.0,
            Curve::Logarithmic => (1.0 + 1023.0 * p).log2() / 10.0,
            Curve::Stepped => {
                let steps = steps.max(2);
                let zone = ((value.min(127) as u32 * steps) / 128).min(steps - 1);
                zone as f32 / (steps - 1) as f32
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_curve_spans_the_range_monotonically() {
        for curve in [
            Curve::Linear,
            Curve::Exponential,
            Curve::Logarithmic,
            Curve::Stepped,
        ] {
            assert_eq!(curve.shape(0, 4), 0.0, "{curve:?}");
            assert!((curve.shape(127, 4) - 1.0).abs() < 1e-6, "{curve:?}");
            let mut last = 0.0;
            for v in 0..=127 {
                let s = curve.shape(v, 4);
                assert!(s >= last, "{curve:?} at {v}");
                last = s;
            }
        }
        let mid = |c: Curve| c.shape(64, 4);
        assert!(mid(Curve::Exponential) < 0.05);
        assert!(mid(Curve::Logarithmic) > 0.9);
        assert!((mid(Curve::Linear) - 0.504).abs() < 0.001);
        // Four zones of 32 values each.
        let steps: Vec<f32> = [0, 31, 32, 63, 64, 95, 96, 127]
            .iter()
            .map(|&v| Curve::Stepped.shape(v, 4))
            .collect();
        let third = 1.0 / 3.0;
        assert_eq!(
            steps,
            [0.0, 0.0, third, third, 2.0 * third, 2.0 * third, 1.0, 1.0]
        );
    }
}
