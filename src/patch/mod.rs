//! Patches: the RON model users write ([`model`]), loading and saving it with file
//! positions ([`load`](mod@load), [`source_map`] over the tolerant [`ron_lexer`] and
//! [`ron_tree`]), and validating it against the module registry before anything runs
//! ([`validate`](mod@validate), [`implicit`]). The `sequence` section's own types live here
//! too ([`sequence_enums`], [`sequence_settings`], [`enum_names`]), and so does its check
//! ([`sequence_check`]), and an instrument's `backend` (MIDI, SuperCollider) is
//! [`backend`](mod@backend); the sequencer that plays it is `seq`, built by `control`. Errors
//! are [`PatchError`]s, one line each:
//! `patches/x.ron:12:9: module "osc": unknown kind "sawx" (did you mean "saw"?)`.

pub mod backend;
pub mod enum_names;
pub mod error;
pub mod implicit;
pub mod load;
pub mod model;
pub mod ron_lexer;
pub mod ron_tree;
pub mod scope;
pub mod sequence_check;
pub mod sequence_enums;
pub mod sequence_settings;
pub mod silence;
pub mod source_map;
#[cfg(test)]
mod test_support;
mod unique_map;
pub mod validate;

pub use backend::{Backend, BackendDesc, MidiBackend};
pub use error::{
    one_line, Direction, End, IdKind, OneLine, PatchError, PatchErrorKind, PatchErrors, Pos,
};
pub use implicit::{implicit_module, Implicit};
pub use load::{load, load_file, load_with_source_map, parse, to_ron};
pub use model::{
    Connection, EuclidDesc, InstrumentDesc, ModuleDesc, PatchDesc, PortRef, SequenceDesc, Steal,
    StepDesc, TrackDesc,
};
pub use ron_tree::{RonTree, Step};
pub use scope::{find_module, find_module_mut, Scope};
pub use sequence_check::{
    check_sequence, division_ticks, glide_param, is_external_instrument, split_param, track_steps,
    SeqIssue, StepValues, TrackSteps, DEFAULT_STEPS, EXTERNAL_LANE_START, MAX_EUCLID_DEGREES,
    MAX_GATE, MAX_STEPS, MIN_GATE,
};
pub use sequence_enums::{Quantize, ScaleKind};
pub use sequence_settings::{
    AmbientProfile, FieldError, IdleConfig, MutationConfig, MutationWeights,
};
pub use silence::silent_parts;
pub use source_map::SourceMap;
pub use validate::{module_info, resolve, validate, MAX_VOICE_COUNT};
