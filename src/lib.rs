//! # chronus: the Chronus host
//!
//! The host side of Chronus: patches, the graph compiler, the audio-side engine and the
//! control frontends. DSP modules and their SDK live in the `chronus-modules` crate.
//!
//! ## Map
//! - [`patch`]: the patch model (RON), loading with positions, validation.
//! - [`address`]: how events name an instrument or a param (shared by graph, engine, seq).
//! - [`graph`]: compiling a patch into a fully allocated graph (order, buffers, voices).
//! - [`engine`]: the audio-thread side: sample-accurate events, swaps, voices.
//! - [`seq`]: the generative sequencer: its pure logic, the conductor the engine runs, and
//!   building one from a patch.
//! - [`sync`]: sync with other gear: following an external MIDI clock, the clock source.
//! - [`control`]: the [`Controller`](control::Controller): standby slot, edits, commit, notes.
//! - [`host`]: running the engine: offline render to WAV, real-time play (cpal, null host).
//! - [`backend`]: the [`Instrument`](backend::Instrument) trait, the internal engine as one,
//!   and the distributor routing MIDI to instruments by channel and note range.
//! - [`midi`]: MIDI input: parsing, input ports (ALSA, JACK), the router config's actions.
//! - [`midi_out`]: MIDI output to external synths: CC profiles, the per-port output
//!   queue, JACK and ALSA output ports.
//! - [`midi_protocol`]: MIDI 1.0 as data: the channel message type, controller numbers,
//!   RPNs (below both the inputs and the note sinks).
//! - [`realtime`]: what threads share about real time: the wall-clock → sample-time
//!   clock, the no-allocation guard of real-time callbacks.
//! - [`config`]: the `--config` file (MIDI input, tuning, router), checked with positions.
//! - [`osc`]: the OSC server: live editing, notes and status over UDP.
//! - [`http`]: the HTTP API: metrics, state, the OSC address space over HTTP and a
//!   WebSocket, the web console's place.
//! - [`cues`]: the LED cue bus: cue schema, history, and sinks (UDP, OSC, serial).
//! - [`fault`]: fault containment on control threads (caught, counted, logged; restarted).
//! - [`bench`](mod@bench): `chronus bench`: timing the engine offline and counting its allocations.
//! - [`service`]: systemd's notify protocol and watchdog, real-time priority, locked memory.
//! - [`soak`]: `chronus soak`: hours of seeded traffic, sampled and judged.
//! - [`catalog`]: the module table printed by `chronus modules` and kept in the README.

#![deny(missing_docs)]

pub mod address;
pub mod backend;
pub mod bench;
pub mod catalog;
pub mod config;
pub mod control;
pub mod cues;
pub mod engine;
pub mod fault;
pub mod graph;
pub mod host;
pub mod http;
pub mod midi;
pub mod midi_out;
pub mod midi_protocol;
pub mod osc;
pub mod patch;
pub mod realtime;
pub mod sc_live;
pub mod seq;
pub mod service;
pub mod soak;
pub mod supercollider;
pub mod sync;
