//! # chronus: the Chronus host
//!
//! The host side of Chronus: patches, the graph compiler, the audio-side engine and the
//! control frontends. DSP modules and their SDK live in the `chronus-modules` crate.
//!
//! ## Map
//! - [`patch`]: the patch model (RON), loading with positions, validation.
//! - [`graph`]: compiling a patch into a fully allocated graph (order, buffers, voices).
//! - [`engine`]: the audio-thread side: sample-accurate events, swaps, voices.
//! - [`control`]: the [`Controller`](control::Controller): standby slot, edits, commit, notes.
//! - [`host`]: running the engine: offline render to WAV, real-time play (cpal, null host).
//! - [`osc`]: the OSC server: live editing, notes and status over UDP.
//! - [`bench`](mod@bench): `chronus bench`: timing the engine offline and counting its allocations.
//! - [`catalog`]: the module table printed by `chronus modules` and kept in the README.

#![deny(missing_docs)]

pub mod bench;
pub mod catalog;
pub mod control;
pub mod engine;
pub mod graph;
pub mod host;
pub mod osc;
pub mod patch;
pub mod seq;
