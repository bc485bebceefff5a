//! The LED cue bus (docs/CONTRACTS.md §7): what happens musically — notes started from any
//! source, param changes, mode and idle switches, commits, mutations — as small cues with a
//! stable schema, kept in a short history (`/api/state`, the WebSocket) and sent to the
//! sinks the config names (UDP JSON, OSC, a serial port for a Teensy).
//!
//! Map of the room: [`schema`] (the cue and its three encodings: JSON, OSC, the serial
//! frame), [`log`] (the history with sequence numbers readers follow), [`sink`] (one sink's
//! thread: per-sink rate limit, coalescing of param cues, counted drops, serial retry with
//! backoff), [`bus`] (the sinks together, fed by the player).
//!
//! Cues leave the audio thread through the engine's rings (the sequencer's cue ring and
//! the note-cue ring); the player drains them every 20 ms and publishes them here. Nothing
//! in this room runs on the audio thread. Depends on `seq` and `engine` for the cue types,
//! `config` for the sink settings, `realtime` for the queue gauges.

pub mod bus;
pub mod log;
pub mod schema;
pub mod sink;

pub use bus::CueBus;
pub use log::CueLog;
pub use schema::LedCue;
