//! The non-real-time frontend: the [`Controller`] (standby slot, edits, commit, live
//! params, notes) and its [`ControlError`]s. OSC, MIDI, the sequencer and the CLI all call
//! it. It also builds the sequencer of each commit ([`sequencer_build`]).
//!
//! Map of the room: [`controller`] (the state), [`commit`], [`patch_edits`],
//! [`live_params`], [`notes`] (with [`note_target`] and [`note_routes`]),
//! [`param_resolution`], [`scheduled`] (live changes waiting for their time),
//! [`events_ahead`] (the bound on events sent for a later sample);
//! the sequencer's side: [`semantic_action`] (what a gesture means),
//! [`sequencer_commands`] (actions and `/seq` commands to the engine),
//! [`sequence_edits`] (live edits as the saved patch), [`sequencer_build`];
//! [`midi_cc`] (the `midi_cc` module's params); [`backend_params`] (the params of
//! instruments a backend outside the engine plays).

pub mod backend_params;
pub mod commit;
pub mod controller;
pub mod error;
pub mod events_ahead;
pub mod live_params;
pub mod midi_cc;
pub mod note_routes;
pub mod note_target;
pub mod notes;
pub mod observed;
pub mod param_resolution;
pub mod patch_edits;
pub mod scheduled;
pub mod semantic_action;
pub mod sequence_edits;
pub mod sequencer_build;
pub mod sequencer_commands;

pub use controller::{CommitListener, Controller};
pub use error::ControlError;
pub use note_target::NoteTarget;
pub use observed::{NoteSource, Observed};
pub use semantic_action::{SequencerAction, SequencerControl};
