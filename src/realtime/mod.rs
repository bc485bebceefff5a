//! What the threads around the engine share about real time, below every frontend (OSC,
//! MIDI) and the host that runs them:
//!
//! - [`sample_clock`]: wall-clock times (OSC time tags, MIDI arrival times) → engine
//!   sample times, from the anchor the audio callback publishes in the
//!   [`EngineStats`](crate::engine::EngineStats).
//! - [`cycle_stamp`]: the audio callback's (JACK time, engine sample) pair, when it runs
//!   on JACK, for the other JACK clients of the server.
//! - [`host_time`]: engine samples → wall time through the host's cycle clock (the
//!   [`cycle_stamp`]), for backends that time-tag what they send.
//! - [`frame_anchor`]: engine samples ↔ JACK frames with one fixed offset, as the JACK
//!   MIDI input and output keep it (exact when it follows the [`cycle_stamp`]).
//! - [`queue_gauges`]: the registry of named queue gauges every ring and queue reports
//!   its depth, high-water mark and drops to (read by `/metrics`).
//! - [`backend_gauges`]: the registry of instrument backends and whether each is
//!   reachable (read by `/metrics`).
//! - [`overload`]: the overload governor — DSP load and xruns → the shedding level the
//!   engine follows — and the config's `overload` limits.
//! - `jack_process` (with the `jack` feature): the process callback and shutdown flag
//!   every JACK client of Chronus's own is made of.
//! - `no_alloc`: the guard real-time callbacks (audio, JACK MIDI) run their body under.
//!
//! Depends on [`engine`](crate::engine) only.

pub mod backend_gauges;
pub mod cycle_stamp;
pub mod frame_anchor;
pub mod host_time;
#[cfg(feature = "jack")]
pub(crate) mod jack_process;
pub(crate) mod no_alloc;
pub mod overload;
pub mod queue_gauges;
pub mod sample_clock;
