//! Why `chronus play` could not start (or could not go on): [`PlayError`], whose text is
//! the one line printed before exiting non-zero, and [`MidiOpenError`], why no MIDI
//! backend opened.

use std::net::IpAddr;

use thiserror::Error;

use crate::control::ControlError;
use crate::host::recorder::RecordError;
use crate::midi::port_error::PortError;

/// Why [`play`](super::play) stopped with an error.
#[derive(Debug, Error)]
pub enum PlayError {
    /// `--device` matched no device of the host; the line lists them.
    #[error("{0}")]
    NoDeviceMatch(String),
    /// The output could not be opened or started.
    #[error(
        "error: cannot open audio output (host {host}{device}): {reason}; choose another host \
         with --host alsa|jack|null or a device with --device NAME (`chronus devices` lists \
         them), or render to a file with `chronus render`"
    )]
    CannotOpen {
        /// The host's name.
        host: String,
        /// `, device "NAME"` when `--device` was given, else empty.
        device: String,
        /// What the host said, on one line, without a final full stop.
        reason: String,
    },
    /// The engine and controller could not start with the patch and config.
    #[error("error: {0}")]
    Setup(#[from] ControlError),
    /// MIDI input was asked for and could not be opened.
    #[error(
        "error: MIDI input (--midi-host {host}): {reason}; choose --midi-host alsa|jack \
         (`chronus devices` lists the MIDI ports)"
    )]
    Midi {
        /// The MIDI host tried.
        host: String,
        /// Why it did not open.
        reason: MidiOpenError,
    },
    /// `--record` could not start.
    #[error("{0}")]
    Record(#[from] RecordError),
    /// The OSC server could not bind its socket.
    #[error(
        "error: cannot listen for OSC on {bind}:{port}: {error} (choose another --osc-port, \
         or --osc-bind)"
    )]
    Osc {
        /// The address asked for.
        bind: IpAddr,
        /// The port asked for.
        port: u16,
        /// What the OS said.
        error: std::io::Error,
    },
    /// The MIDI thread could not be spawned.
    #[error("error: cannot start the MIDI thread: {0}")]
    MidiThread(std::io::Error),
    /// MIDI clock in and out asked for on one port (or an empty port name).
    #[error("error: MIDI clock (--clock-in/--clock-out, config `clock`): {0}")]
    Clock(crate::config::clock::ClockConfigError),
    /// The HTTP API could not start on the address given with `--http`.
    #[error("error: {0} (choose another address with --http ADDR, or run with --no-http)")]
    Http(String),
    /// Ableton Link asked for and not to be had (a build without the `link` feature), or
    /// with MIDI clock in (two clocks to follow).
    #[error("error: Ableton Link (--link, config `link`): {0}")]
    Link(String),
    /// The outbound thread (external instruments) could not be spawned.
    #[error("error: cannot start the outbound thread: {0}")]
    OutboundThread(std::io::Error),
}

impl PlayError {
    /// The line for an output that cannot be opened, from the host's `reason`.
    pub(super) fn cannot_open(host: String, device: String, reason: &str) -> PlayError {
        PlayError::CannotOpen {
            host,
            device,
            reason: reason.replace('\n', " ").trim_end_matches('.').to_string(),
        }
    }
}

/// Why no MIDI backend opened.
#[derive(Debug, Error)]
pub enum MidiOpenError {
    /// MIDI was not asked for and this machine has no ALSA sequencer device.
    #[error("there is no ALSA sequencer here ({0})")]
    NoAlsaSequencer(&'static str),
    /// The ALSA sequencer would not open.
    #[error("cannot open the ALSA sequencer: {0}")]
    Alsa(PortError),
    /// The JACK MIDI client would not open.
    #[error("{0}")]
    Jack(PortError),
    /// `--midi-host jack` in a build without JACK.
    #[error("this chronus was built without the `jack` feature")]
    NoJackFeature,
    /// A MIDI host name that is neither `alsa` nor `jack`.
    #[error("unknown MIDI host \"{0}\"")]
    UnknownHost(String),
}
