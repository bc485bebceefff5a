//! [`Cue`]: what the conductor reports to the control side through the engine's
//! preallocated event-out ring (logged at info there, usable as OSC cues or LED cues).

use super::idle::Mode;
use super::mutation::Change;
use crate::patch::ScaleKind;

/// One report from the audio thread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cue {
    /// A mutation changed something.
    Mutation(Change),
    /// The idle state machine switched profile.
    Idle(Mode),
    /// A (quantized) scale change landed, on this bar.
    Scale {
        /// The new scale.
        scale: ScaleKind,
        /// Bar number.
        bar: u64,
    },
    /// The sequencer started or stopped.
    Playing(bool),
}

impl std::fmt::Display for Cue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cue::Mutation(c) => write!(
                f,
                "mutation: {} (target {}, step {}) {} -> {}",
                c.category.name(),
                c.target,
                c.step,
                c.from,
                c.to
            ),
            Cue::Idle(Mode::Ambient) => write!(f, "idle: ambient profile fading in"),
            Cue::Idle(Mode::Active) => write!(f, "idle: active profile back"),
            Cue::Scale { scale, bar } => write!(f, "scale: {} from bar {bar}", scale.name()),
            Cue::Playing(true) => write!(f, "sequencer started"),
            Cue::Playing(false) => write!(f, "sequencer stopped"),
        }
    }
}
