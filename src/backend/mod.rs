//! Note sinks: everything that plays notes, behind one [`Instrument`] trait, and the
//! [`Distributor`] that routes MIDI to them by channel and note range.
//!
//! - [`instrument`]: the trait, its status summary and errors.
//! - [`engine_instrument`]: the internal voice engine as an instrument (through the
//!   [`Controller`](crate::control::Controller)).
//! - [`distributor`]: channel / note-range routing of MIDI to instruments.
//! - [`outbound`]: the thread that takes the engine's outbound ring (events for
//!   instruments played outside the engine) to the [`OutboundSink`] of each backend
//!   (MIDI output in `midi_out`; SuperCollider).

pub mod distributor;
pub mod engine_instrument;
pub mod instrument;
pub mod outbound;

pub use distributor::{Distributor, Route};
pub use engine_instrument::EngineInstrument;
pub use instrument::{Instrument, InstrumentError, InstrumentStatus};
pub use outbound::{OutboundSink, OutboundThread};
