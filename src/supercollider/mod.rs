//! SuperCollider: Chronus patches as SynthDefs played by `scsynth`.
//!
//! - [`synthdef`]: the SCgf version-2 file format (encode, decode).
//! - [`builder`]: [`DefBuilder`], a def built UGen by UGen (constants once, controls first,
//!   identical UGens shared, constant arithmetic folded).
//! - [`compile`]: a patch's voice templates and main graph as defs, from the SuperCollider
//!   counterparts the module kinds declare as data in `chronus-modules`.
//! - [`patch_defs`](mod@patch_defs): every def of a patch, named after it, written as `.scsyndef` files.
//! - [`score`]: notes as a time-tagged non-real-time score.
//! - [`live_plan`]: each `supercollider` instrument's def for live play (`sc_live`).
//! - [`nrt`]: `chronus render --engine supercollider`, the score through `scsynth -N`.
//!
//! This room imports `patch`, the module SDK, and from `host` the `--notes` items and the
//! WAV files (for `render`); the command line uses it.

pub mod builder;
pub mod compile;
pub mod live_plan;
pub mod nrt;
pub mod patch_defs;
pub mod score;
pub mod synthdef;

pub use builder::{DefBuilder, Sig};
pub use compile::{compile_main, compile_voice, unmapped, CompiledDef, ScError};
pub use live_plan::{controls_of, live_plan, LivePlan};
pub use patch_defs::{def_name, patch_defs, patch_name, write_defs, PatchDefs};
pub use synthdef::{decode, encode, Rate, SynthDef, SynthDefError};
