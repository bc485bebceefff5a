//! [`Controller::sequencer_action`]: where the MIDI router (and OSC) hand the sequencer its
//! semantic actions (tempo, swing, density, trigger step, ...).
//!
//! This build has no sequencer in the engine, so every action is refused with
//! [`ControlError::NoSequencer`]; the sequencer replaces this file with the real one
//! (same signature).

use super::action::SequencerAction;
use super::controller::Controller;
use super::error::ControlError;

impl Controller {
    /// Applies a sequencer action at engine sample `time` (`None`: now). Refused: this
    /// patch has no sequence section.
    pub fn sequencer_action(
        &mut self,
        action: SequencerAction,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        let _ = time;
        Err(ControlError::NoSequencer(action))
    }
}
