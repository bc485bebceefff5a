//! The HTTP API of `chronus play` (docs/CONTRACTS.md §6): Prometheus metrics, a JSON state
//! snapshot, the running patch and the module registry, the OSC address space over HTTP
//! and a WebSocket, config reload, and the place the web console will be served from.
//!
//! Map of the room: [`server`] (the `chronus-http` thread: a tokio runtime serving axum's
//! router; binding, shutdown), [`routes`] (the handlers), [`sources`] (what the handlers
//! read: the controller, the host's figures through [`HostView`], the cue log),
//! [`metrics`] (the Prometheus text), [`state`] (`/api/state`), [`catalog_json`]
//! (`/api/modules`), [`osc_json`] (JSON ↔ OSC messages: `POST /api/osc` and the WebSocket
//! call the very [`PacketHandler::handle_message`](crate::osc::PacketHandler::handle_message)
//! the OSC server calls), [`osc_answer`] (the status and JSON answer to such a request),
//! [`rate_limit`] (a token bucket per client), [`ws`] (the WebSocket),
//! [`console`] (static assets embedded in the binary, served at `GET /`), [`console_api`]
//! (what the console reads besides the API: the patch as SVG and JSON, the patch folder).
//!
//! Like OSC and MIDI, this room reaches the engine only through `control` (and OSC's
//! dispatcher); the host's figures come through the [`HostView`] the player gives it. It
//! never runs on the audio thread and the audio thread never waits for it: every figure it
//! reads of the engine is an atomic the audio thread stores with a relaxed write.

pub mod catalog_json;
pub mod console;
pub mod console_api;
pub mod metrics;
pub mod osc_answer;
pub mod osc_json;
pub mod rate_limit;
pub mod routes;
pub mod server;
pub mod sources;
pub mod state;
pub mod ws;

pub use server::{HttpError, HttpOptions, HttpServer};
pub use sources::{HostFigures, HostView, ReloadFn, Sources, WatchdogFigures};
