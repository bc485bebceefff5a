//! SuperCollider: Chronus patches as SynthDefs played by `scsynth`.
//!
//! - [`synthdef`]: the SCgf version-2 file format (encode, decode).
//! - [`builder`]: [`DefBuilder`], a def built UGen by UGen (constants once, controls first,
//!   identical UGens shared, constant arithmetic folded).
//! - [`compile`]: a patch's voice templates and main graph as defs, from the SuperCollider
//!   counterparts the module kinds declare as data in `chronus-modules`.
//! - [`patch_defs`](mod@patch_defs): every def of a patch, named after it, written as `.scsyndef` files.
//! - [`limit`]: the main output's safety limiter (`limit`) as UGens.
//! - [`play`]: what a render plays: the `--notes` and the sequencer's notes and param
//!   moves, at the samples the engine plays them.
//! - [`voices`]: an instrument's `count` and `steal` as voice slots and node commands.
//! - [`score`]: all of it as a time-tagged non-real-time score.
//! - [`mod@live_plan`]: each `supercollider` instrument's def for live play (`sc_live`).
//! - [`probe`]: the def of the live backend's timing probe on JACK (`sc_live::probe`).
//! - [`nrt`]: `chronus render --engine supercollider`, the score through `scsynth -N`.
//! - [`def_file`]: the controls of a SynthDef file of the user's own, checked against the
//!   names a patch sets.
//!
//! This room imports `patch`, the module SDK, `graph` (the tuning table, the layouts the
//! sequencer's lanes resolve against), `control` and `seq` (the sequencer, built and run as
//! the engine runs it), `config`, `sc_live` (the live backend's instruments, planned by
//! [`mod@live_plan`]), and from `host` the `--notes` schedule and the WAV files
//! (for `render`); the command line uses it.

pub mod builder;
pub mod compile;
pub mod def_file;
pub mod limit;
pub mod live_plan;
pub mod nrt;
pub mod patch_defs;
pub mod play;
pub mod probe;
pub mod score;
pub mod synthdef;
pub mod voices;

pub use builder::{DefBuilder, Sig};
pub use compile::{compile_main, compile_voice, unmapped, CompiledDef, ScError};
pub use def_file::{check_controls, def_controls, DefFileError};
pub use live_plan::{live_plan, LivePlan};
pub use patch_defs::{def_name, patch_defs, patch_name, write_defs, PatchDefs};
pub use synthdef::{decode, encode, Rate, SynthDef, SynthDefError};
