//! [`play`]: the life of `chronus play` on the player (main) thread — open the output, run
//! the [`Controller`](crate::control::Controller) beside the audio callback, print the status line, survive stream
//! failures, and stop cleanly.
//!
//! - **Start:** the output is chosen first (its sample rate sizes the engine), then the
//!   engine, controller and optional recorder are built and the stream started. Nothing
//!   openable is one error line (pointing at `--host`, `--device`, `chronus devices` and
//!   `chronus render`), exit non-zero.
//! - **Run:** every 20 ms the player collects the graphs the engine returned, reads the
//!   stream's errors, reports caught panics (one warning line, from here, never from the
//!   audio thread) and, every `--status-interval`, logs the [`StatusLine`](super::meter::StatusLine).
//! - **Faults:** a stream error other than an xrun is logged in one line; the stream is
//!   dropped, its callback hands the engine back (see `audio_callback`), and the same host
//!   and device are reopened with exponential backoff (100 ms doubling, at most 2 s),
//!   logging once per change of state. The patch and its voices live on in the engine.
//! - **Stop** (Ctrl-C, SIGTERM, `--seconds`): the callback fades out over 50 ms and then
//!   plays zeros; the stream is closed, the recording finalized, a summary logged.
//!
//! The steps, one file each: `startup` (output, engine, MIDI, recorder, OSC, stream),
//! `output` (opening, starting and describing the stream), `buffer_size` (reported or
//! measured from the first callbacks), `midi_setup` (which MIDI backend and ports),
//! `clock_setup` (MIDI clock in), `link_setup` (Ableton Link), `outbound_setup` (the
//! outbound thread and the MIDI output of external instruments), `sc_setup` (the
//! SuperCollider backend), `running` (the player loop, reopening, shutdown), `rebuild`
//! (a new engine when a backend kept the old one: the counters go on);
//! [`error`] holds
//! the one-line errors.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use chronus_modules::Registry;

use super::audio_callback::CallbackCore;
use super::cpal_output::{HostChoice, OutputRequest};
use crate::config::Config;
use crate::http::HttpOptions;
use crate::osc::OscOptions;
use crate::patch::PatchDesc;

mod buffer_size;
mod clock_setup;
pub mod error;
mod link_setup;
mod midi_setup;
mod observe;
mod outbound_setup;
mod output;
mod rebuild;
mod reload;
mod running;
mod sc_setup;
mod startup;

pub use error::{MidiOpenError, PlayError};

/// The callback's core, in the player's hands between two streams.
type Core = Box<CallbackCore>;

/// How `chronus play` runs.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayOptions {
    /// The audio host.
    pub host: HostChoice,
    /// Device, sample rate and buffer size asked for.
    pub request: OutputRequest,
    /// `--record FILE.wav`.
    pub record: Option<PathBuf>,
    /// `--seconds`: stop after this much wall time.
    pub seconds: Option<f64>,
    /// Patch seed.
    pub seed: u64,
    /// Time between status lines.
    pub status_interval: Duration,
    /// The patch's name, for the startup line.
    pub patch_name: String,
    /// The OSC server to run beside the player (`None`: no OSC).
    pub osc: Option<OscOptions>,
    /// MIDI input asked for on the command line.
    pub midi: MidiRequest,
    /// `--link`: join the Ableton Link session (else the config's `link.enabled`).
    pub link: bool,
    /// The `--config` file (router, tuning, MIDI defaults); the default config without one.
    pub config: Config,
    /// The path of the `--config` file, re-read on SIGHUP and `POST /api/reload`.
    pub config_path: Option<PathBuf>,
    /// The HTTP API to serve (`None`: `--no-http`).
    pub http: Option<HttpOptions>,
    /// The `supercollider` instruments scsynth plays (their defs compiled by the command
    /// line, `supercollider::live_plan`); empty: none.
    pub supercollider: Vec<crate::sc_live::ScInstrument>,
    /// The timing probe's SynthDef (SCgf bytes, `supercollider::probe`), played on JACK to
    /// time the `supercollider` instruments' notes; `None`: no probe.
    pub supercollider_probe: Option<Vec<u8>>,
}

/// `--midi-in` / `--midi-host` as given (each wins over the config's `midi` section).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MidiRequest {
    /// `--midi-host alsa|jack`.
    pub host: Option<String>,
    /// `--midi-in NAME|all`.
    pub input: Option<String>,
    /// `--clock-in NAME`: follow this port's MIDI clock.
    pub clock_in: Option<String>,
    /// `--clock-out NAME` (repeatable): send the MIDI clock to these ports.
    pub clock_out: Vec<String>,
}

/// Plays `desc` until `stop` is set (or `--seconds` pass). Returns the error line when
/// nothing could start.
pub fn play(
    desc: PatchDesc,
    registry: Registry,
    options: &PlayOptions,
    stop: &AtomicBool,
) -> Result<(), PlayError> {
    let mut running = startup::start_playing(desc, &registry, options)?;
    running.run_until(stop)?;
    running.shutdown();
    Ok(())
}
