//! Semantic actions: what a controller gesture means, whoever made it (a MIDI CC through
//! the router, an OSC message, the config). The router turns MIDI into these; the owner of
//! each action applies it (the sequencer owns tempo, swing, density and the rest; the
//! controller owns params and the master volume).

use serde::{Deserialize, Serialize};

/// A continuous or stepped control of the sequencer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequencerControl {
    /// Tempo (the sequencer maps 0..1 onto its BPM range).
    Tempo,
    /// Swing amount.
    Swing,
    /// Global density (how many steps play).
    Density,
    /// Pattern length in steps.
    SequenceLength,
    /// Which of the configured scales plays.
    ScaleSelect,
    /// Freeze mutation (on above the middle of the range).
    ChaosLock,
    /// Playing mode (active/ambient profile and the like).
    Mode,
    /// Sound palette (which profile of sounds).
    Palette,
    /// Amount of tempo drift.
    Drift,
}

/// What the sequencer is told to do.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SequencerAction {
    /// Move a control to `position` (0..1) of its range; the sequencer maps the position
    /// onto the control's own range and units.
    Set {
        /// Which control.
        control: SequencerControl,
        /// 0..1 of the control's range.
        position: f32,
    },
    /// Play step `index` of the current pattern now (a pad or key mapped to steps).
    TriggerStep {
        /// Step index from 0.
        index: u8,
        /// 0..1.
        velocity: f32,
    },
}
