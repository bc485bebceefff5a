//! The non-real-time frontend: the [`Controller`] (standby slot, edits, commit, live
//! params, notes) and its [`ControlError`]s. OSC, MIDI, the sequencer and the CLI all call
//! it.

pub mod action;
pub mod controller;
pub mod error;
pub mod midi_cc;
pub mod note_routes;
pub mod scheduled;
pub mod sequence_edits;
pub mod sequencer_action;

pub use action::{SequencerAction, SequencerControl};
pub use controller::{Controller, NoteTarget};
pub use error::ControlError;
