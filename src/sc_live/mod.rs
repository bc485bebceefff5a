//! SuperCollider live: a patch's `supercollider` instruments played by a running scsynth
//! during `chronus play` (docs/CONTRACTS.md §1 "Instrument backends", §5).
//!
//! Their events leave the audio thread through the engine's outbound ring like a `midi`
//! instrument's; the outbound thread hands them to the [`ScSink`] here, which turns them
//! into OSC bundles time-tagged at the event's sample plus a fixed latency and sends them
//! over UDP. Nothing here runs on the audio thread.
//!
//! - [`plan`]: what the sink is told of each instrument (its def, voices, controls).
//! - [`messages`]: OSC time tags and packets.
//! - [`voices`]: an instrument's held notes, voice count and stealing, channel state.
//! - [`sc_clock`]: how scsynth maps OSC time to JACK frames, measured by a timing
//!   probe, so notes land on their frame; `probe`: the probe's JACK input (with the
//!   `jack` feature).
//! - `jack_return` (with the `jack` feature): the JACK input ports through which
//!   scsynth's output comes back into the main graph (`engine::backend_audio`).
//! - [`server`]: the server: starting scsynth, loading defs, the `/status` heartbeat,
//!   restarts with backoff, `/fail` and late reports.
//! - [`replies`]: what the server's replies tell (`/status.reply`, `/done`, `/late`,
//!   `/fail`), read from the datagram's bytes.
//! - [`status`]: what `/backend/status`, `/api/state` and the status line read.
//! - [`sink`]: the [`ScSink`] itself.
//! - [`devices`]: the SuperCollider part of `chronus devices`.
//!
//! This room imports the outbound ring's types (`engine`, `backend`), the sample clock
//! (`realtime`), its config section (`config`), the patch's steal setting (`patch`), and
//! `address`. The defs it loads are compiled by `supercollider` and handed in as bytes
//! (`supercollider::live_plan`), so this room never imports `supercollider` or `host`.

pub mod devices;
#[cfg(feature = "jack")]
pub mod jack_return;
pub mod messages;
pub mod plan;
#[cfg(feature = "jack")]
pub mod probe;
pub mod replies;
pub mod sc_clock;
pub mod server;
pub mod sink;
pub mod status;
pub mod voices;

pub use plan::{ScControl, ScInstrument};
pub use sink::ScSink;
pub use status::ScStatus;
