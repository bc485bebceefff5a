//! Note sinks: everything that plays notes, behind one [`Instrument`] trait, and the
//! [`Distributor`] that routes MIDI to them by channel and note range.
//!
//! - [`instrument`]: the trait, its status summary and errors.
//! - [`engine_instrument`]: the internal voice engine as an instrument (through the
//!   [`Controller`](crate::control::Controller)).
//! - [`distributor`]: channel / note-range routing of MIDI to instruments.
//!
//! SuperCollider and external MIDI synths join later as further implementations.

pub mod distributor;
pub mod engine_instrument;
pub mod instrument;

pub use distributor::{Distributor, Route};
pub use engine_instrument::EngineInstrument;
pub use instrument::{Instrument, InstrumentError, InstrumentStatus};
