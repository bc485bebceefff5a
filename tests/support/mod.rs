//! Helpers of the integration tests, one file per concern. Each test binary's `main.rs`
//! (`tests/engine/`, `tests/programs/`, `tests/jack/`) includes the whole tree with
//! `#[path = "../support/mod.rs"] mod support;`, and its modules name what they use by its
//! file, e.g. `use crate::support::jack::JackServer;`.
//!
//! - [`engine`]: the engine in-process (an engine + controller for a RON patch, rendering
//!   blocks, shared voice patches).
//! - [`process`]: spawned programs with captured output, killed and reaped on drop; bounded
//!   waits; skipping when a program is missing; a test's timeline.
//! - [`chronus`]: the `chronus` binary under test and its `status:` lines.
//! - [`compare`]: two renders of a patch measured note by note (pitch, onset, level).
//! - [`jack`]: a private JACK dummy server per test, listing and recording its ports.
//! - [`midi_dump`]: jackd2's `jack_midi_dump`, what it received with its frame times.
//! - [`http`]: the HTTP API with curl, Debian's Python (Prometheus parser, WebSocket
//!   client) and promtool.
//! - [`http_rig`]: the HTTP API in-process over a real audio callback (the no-alloc tests).
//! - [`osc`]: liblo's `oscsend`/`oscdump` and UDP ports.
//! - [`signal`]: measuring a rendered or recorded sine, the test tone's checks.
//! - [`temp`]: unique names and temporary directories.
//! - [`rng`]: a seeded random source for generated inputs.
//!
//! Each test binary uses part of the tree, so the rest is dead code there.
#![allow(dead_code)]

pub mod chronus;
pub mod compare;
pub mod engine;
pub mod http;
pub mod http_rig;
pub mod jack;
pub mod midi_dump;
pub mod osc;
pub mod process;
pub mod rng;
pub mod signal;
pub mod temp;
