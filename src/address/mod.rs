//! Addresses: how the control side, the sequencer and the engine name what an event acts
//! on. A low room of plain `Copy` values with no behaviour beyond naming: the graph
//! compiler stamps them on what it builds, the control side and the sequencer write them
//! into events, the engine looks them up. It imports nothing from the host crate.
//!
//! - [`instrument`]: [`InstrumentKey`], an instrument named by a hash of its id.
//! - [`param`]: [`ParamTarget`] (a [`ProgramRef`] and a [`ParamSlot`]), a param anywhere
//!   in a compiled graph; [`LiveTarget`], a param something moves live: one of the graph's
//!   or one of an external instrument's backend.

pub mod instrument;
pub mod param;

pub use instrument::InstrumentKey;
pub use param::{LiveTarget, ParamSlot, ParamTarget, ProgramRef};
