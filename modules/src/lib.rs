//! # chronus-modules: the Chronus module SDK and built-in DSP modules
//!
//! Everything a module author needs, and nothing of the host.
//!
//! ## Map
//! The SDK, lowest first (each file imports only files above it):
//! - [`param`]: [`ParamSpec`], [`ParamKind`], [`Taper`], [`ParamValue`] — parameters as
//!   static data, with validation and knob/display conversions.
//! - [`smoother`]: [`Smoothing`] styles and the per-block [`Smoother`].
//! - [`io`]: the block views a module processes — [`ProcessContext`], [`Inputs`],
//!   [`Outputs`], [`Params`] — and [`MAX_BLOCK`].
//! - [`role`]: [`Role`], what a kind is to the host (a filter, a reverb, a MIDI controller
//!   source), so the host never names a kind.
//! - [`module`]: the [`Module`] trait (the real-time split is written on its methods),
//!   [`ModuleInfo`], [`PortSpec`], and the state hand-over used by graph swaps.
//! - [`supercollider`]: [`ScCounterpart`], a kind's SuperCollider counterpart as data
//!   (UGens and arithmetic over its params and inputs).
//! - [`entry`]: [`ModuleEntry`], one kind's description, constructor and counterpart.
//! - the kinds, one concept per file, each exporting its entries: [`oscillator`]
//!   (`sine`, `saw`, `square`, `triangle`), [`noise`], [`lfo`], [`filter`] (`svf`:
//!   `lowpass`, `highpass`, `bandpass`; `ladder`: `moog`), [`envelope`] (`adsr`), [`vca`],
//!   [`mixer`], [`pan`], [`constant`] (`const`), [`midi_cc`], [`fx`] (`delay`, `reverb`,
//!   `chorus`, `flanger`, `phaser`, `ping_pong`, `plate`), [`dynamics`] (`limiter`,
//!   `compressor`, and the output's safety limiter), [`colour`] (`saturator`,
//!   `wavefolder`, `bitcrusher`, `ring`); [`source`] (`fm`, `supersaw`, `pluck`, `impulse`,
//!   `wavetable`, `sampler`), [`eq`] (`biquad`, `comb`, `formant`, `dc_block`),
//!   [`utility`] (`slew`, `sample_hold`, `quantizer`, `envelope_follower`, `ar`, `ad`,
//!   `math`, `crossfade`, `pulse_train`, `clock_div`, `gate_delay`, `random`).
//! - [`scale`]: the scale table the host's sequencer and the `quantizer` share.
//! - [`audio_file`]: [`AudioFile`], files decoded for [`ParamKind::File`] params.
//! - [`registry`]: kind name → entry; [`BUILTIN`] lists the built-in kinds.
//! - [`harness`]: [`ModuleRunner`], runs one module offline (tests, benches, your own
//!   module's tests).
//! - [`analysis`]: signal measurements used by invariant tests (frequency from zero
//!   crossings, band energy, RMS).
//!
//! ## Writing a module
//! Implement [`Module`] for a struct whose `Default`/constructor takes no arguments (a
//! stateless kind keeps the default `prepare` and `reset`), give it a `static`
//! [`ModuleInfo`] and a `pub const` [`ModuleEntry`] (`ModuleEntry::of::<MyModule>(&MY_INFO)`),
//! and add that entry to [`BUILTIN`]: one file and one line (plus the file's `pub mod` line
//! here). Or [`Registry::register`] it from your program. The README's module table is
//! regenerated from the registry (`UPDATE_README=1 cargo test --test readme`). See
//! `examples/custom_module.rs`.

#![deny(missing_docs)]

pub mod analysis;
pub mod audio_file;
pub mod colour;
pub mod constant;
pub mod dynamics;
pub mod entry;
pub mod envelope;
pub mod eq;
pub mod filter;
pub mod fx;
pub mod harness;
pub mod io;
pub mod lfo;
pub mod midi_cc;
pub mod mixer;
pub mod module;
pub mod noise;
pub mod oscillator;
pub mod pan;
pub mod param;
pub mod registry;
pub mod role;
pub mod scale;
pub mod smoother;
pub mod source;
pub mod supercollider;
pub mod utility;
pub mod vca;

pub use audio_file::{AudioFile, AudioFileError};
pub use entry::{create_default, ModuleEntry};
pub use harness::ModuleRunner;
pub use io::{new_block, BlockBuf, Inputs, Outputs, ParamBlock, Params, ProcessContext, MAX_BLOCK};
pub use module::{Module, ModuleInfo, PortSpec, StateHandOver};
pub use param::{shortest_f64, ParamError, ParamKind, ParamSpec, ParamValue, Taper};
pub use registry::{Registry, RegistryError, BUILTIN};
pub use role::Role;
pub use smoother::{Smoother, Smoothing};
pub use supercollider::{Sc, ScBinOp, ScCounterpart, ScRate, ScUGen, ScUnaryOp};
