//! The audio-thread side: [`Engine::process`] and everything it calls, plus the rings that
//! connect it to the control side ([`EngineHandle`]).
//!
//! - [`command`]: what travels on the command ring (swaps and sample-timed events).
//! - [`queue`]: the fixed-capacity, time-ordered pending-event queue.
//! - [`core`]: [`Engine`] (block splitting, swaps, crossfade) and [`EngineHandle`].
//! - `mix`: adding a voice into its instrument's mix and measuring its peak.
//! - [`program`]: running one compiled program for a block.
//! - [`voice`]: voice allocation, stealing, release and mixing.
//! - [`channel`]: an instrument's channel state (bend, pressure, sustain, volume, pan).
//! - [`tuning`]: the note → Hz table.
//! - [`stats`]: atomic counters read by other threads.
//!
//! Nothing here allocates, frees, locks, blocks or logs once the engine is built.

pub mod channel;
pub mod command;
pub mod core;
mod mix;
pub mod program;
pub mod queue;
pub mod stats;
pub mod tuning;
pub mod voice;

pub use channel::{ChannelMessage, ChannelState};
pub use command::{Command, Event, InstrumentKey, ParamSlot, ParamTarget, ProgramRef, TimedEvent};
pub use core::{Engine, EngineConfig, EngineHandle, SendError};
pub use stats::EngineStats;
pub use tuning::NoteTable;
pub use voice::{VoicePhase, VoiceState};
