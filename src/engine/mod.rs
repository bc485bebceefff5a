//! The audio-thread side: [`Engine::process`] and everything it calls, plus the rings that
//! connect it to the control side ([`EngineHandle`]).
//!
//! - [`command`]: what travels on the command ring (revisions to swap in, sample-timed
//!   events).
//! - [`queue`]: the fixed-capacity, time-ordered pending-event queue.
//! - [`block`]: [`Engine`] and its block loop (splitting blocks at event times, rendering).
//! - `apply`: applying one timed event to the running graph(s) or the sequencer.
//! - `swap`: swapping a revision in at a block boundary (sequencer, scheduled changes).
//! - `takeover`: the state a new graph takes from the one it replaces.
//! - `crossfade`: the graphs fading out under the running one, mixed block by block.
//! - [`handle`]: [`EngineHandle`], the control side of the rings.
//! - `mix`: adding a voice into its instrument's mix and measuring its peak.
//! - [`program`]: running one compiled program for a block.
//! - [`voice`]: voice allocation, stealing, release and mixing.
//! - [`channel`]: channel messages, and what they do to an instrument's channel state (bend,
//!   pressure, sustain, volume, pan).
//! - [`backend_audio`]: sound a backend outside the engine gives back (scsynth's, on
//!   JACK), fed into the main graph as its instrument's outputs.
//! - [`return_desk`]: the control side of those rings: fresh ones, both ends handed out,
//!   whenever the backend's side opens again or the engine is replaced.
//! - [`outbound`]: the ring events for external instruments (MIDI, SuperCollider) leave
//!   the audio thread through.
//! - [`stats`]: atomic counters read by other threads.
//! - [`shed`]: overload shedding: the level a control thread sets, the voice cap it
//!   means, its counters.
//!
//! Nothing here allocates, frees, locks, blocks or logs once the engine is built (the
//! control sides, [`handle`] and [`return_desk`], run off the audio thread).

mod apply;
pub mod backend_audio;
pub mod block;
pub mod channel;
pub mod command;
mod crossfade;
pub mod handle;
mod mix;
pub mod note_cue;
pub mod outbound;
pub mod program;
pub mod queue;
pub mod return_desk;
pub mod shed;
pub mod stats;
mod swap;
mod takeover;
pub mod voice;

pub use crate::seq::midi_clock::ClockMessage;
pub use block::{Engine, EngineConfig};
pub use channel::ChannelMessage;
pub use command::{Command, Event, Revision, TimedEvent};
pub use handle::{EngineHandle, SendError};
pub use note_cue::NoteCue;
pub use outbound::{OutEvent, OutboundEvent};
pub use shed::Shedding;
pub use stats::EngineStats;
