//! SuperCollider: Chronus patches as SynthDefs played by `scsynth`.
//!
//! - [`synthdef`]: the SCgf version-2 file format (encode, decode).
//! - [`builder`]: [`DefBuilder`], a def built UGen by UGen (constants once, controls first,
//!   identical UGens shared, constant arithmetic folded).
//! - [`compile`]: a patch's voice templates and main graph as defs, from the SuperCollider
//!   counterparts the module kinds declare as data in `chronus-modules`.
//! - [`patch_defs`]: every def of a patch, named after it, written as `.scsyndef` files.
//!
//! This room imports `patch` and the module SDK only; the command line and the hosts use
//! it.

pub mod builder;
pub mod compile;
pub mod patch_defs;
pub mod synthdef;

pub use builder::{DefBuilder, Sig};
pub use compile::{compile_main, compile_voice, unmapped, CompiledDef, ScError};
pub use patch_defs::{def_name, patch_defs, patch_name, write_defs, PatchDefs};
pub use synthdef::{decode, encode, Rate, SynthDef, SynthDefError};
