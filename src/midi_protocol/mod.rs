//! MIDI 1.0 as data, below everything that reads or plays MIDI (the inputs in
//! [`midi`](crate::midi), the note sinks in [`backend`](crate::backend), OSC's MIDI
//! addresses):
//!
//! - [`channel_event`]: [`ChannelEvent`], a decoded channel message.
//! - [`cc`]: controller numbers with a fixed meaning, and value scaling.
//! - [`rpn`]: the registered-parameter state machine (the pitch-bend range).
//!
//! Depends on nothing else in the crate: no ports, no threads, no engine.

pub mod cc;
pub mod channel_event;
pub mod rpn;

pub use channel_event::ChannelEvent;
