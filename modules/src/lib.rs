//! # chronus-modules: the Chronus module SDK and built-in DSP modules
//!
//! Everything a module author needs, and nothing of the host.
//!
//! ## Map
//! - [`param`]: [`ParamSpec`], [`ParamKind`], [`Taper`], [`ParamValue`] — parameters as
//!   static data, with validation and knob/display conversions.
//! - [`smoother`]: [`Smoothing`] styles and the per-block [`Smoother`].
//! - [`module`]: the [`Module`] trait (the real-time split is written on its methods),
//!   [`ModuleInfo`], [`PortSpec`], and the state hand-over used by graph swaps.
//! - [`io`]: the block views a module processes — [`ProcessContext`], [`Inputs`],
//!   [`Outputs`], [`Params`] — and [`MAX_BLOCK`].
//! - [`registry`]: kind name → constructor; [`BUILTIN`] lists the core kinds.
//! - [`harness`]: [`ModuleRunner`], runs one module offline (tests, benches, your own
//!   module's tests).
//! - [`analysis`]: signal measurements used by invariant tests (frequency from zero
//!   crossings, band energy, RMS).
//! - One file per module family: `osc`, `noise`, `lfo`, `filter`, `env`, `util`, `fx`.
//!
//! ## Writing a module
//! Implement [`Module`] for a struct whose `Default`/constructor takes no arguments, give
//! it a `static` [`ModuleInfo`], and add one [`ModuleEntry`] line to [`BUILTIN`] (or
//! [`Registry::register`] it from your program). See `examples/custom_module.rs`.

#![deny(missing_docs)]

pub mod analysis;
pub mod env;
pub mod filter;
pub mod fx;
pub mod harness;
pub mod io;
pub mod lfo;
pub mod midi_cc;
pub mod module;
pub mod noise;
pub mod osc;
pub mod param;
pub mod registry;
pub mod smoother;
pub mod util;

pub use harness::ModuleRunner;
pub use io::{new_block, BlockBuf, Inputs, Outputs, ParamBlock, Params, ProcessContext, MAX_BLOCK};
pub use module::{Module, ModuleInfo, PortSpec, StateHandOver};
pub use param::{shortest_f64, ParamError, ParamKind, ParamSpec, ParamValue, Taper};
pub use registry::{create_default, ModuleEntry, Registry, RegistryError, BUILTIN};
pub use smoother::{Smoother, Smoothing};
