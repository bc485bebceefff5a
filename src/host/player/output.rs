//! The player's output: choosing and configuring it ([`Output`]), starting a stream
//! around the callback core ([`start`], [`reopen`]), noticing when the stream fails
//! ([`stream_failure`]) and the line that describes what plays ([`describe`]).

use std::sync::mpsc::{Receiver, SyncSender};
use std::time::Duration;

use cpal::traits::StreamTrait;
use tracing::{info, warn};

use super::error::PlayError;
use super::{Core, PlayOptions};
use crate::host::audio_callback::AudioCallback;
use crate::host::cpal_output::{
    self, CpalOutput, HostChoice, OpenError, OutputRequest, StreamErrors,
};
use crate::host::null_output::{self, NullStream};

/// How long a dropped stream may take to hand its engine back.
pub(super) const HANDBACK_TIMEOUT: Duration = Duration::from_secs(2);

/// An output chosen and configured, not yet started.
pub(super) enum Output {
    Null { sample_rate: u32, buffer: u32 },
    Cpal(CpalOutput),
}

impl Output {
    /// Chooses and configures the output `req` asks for on `host`.
    pub(super) fn open(host: HostChoice, req: &OutputRequest) -> Result<Output, OpenError> {
        match host {
            HostChoice::Null => Output::open_null(req),
            HostChoice::Cpal(id) => cpal_output::open(id, req).map(Output::Cpal),
        }
    }

    /// The null host: its one device, at the rate and buffer asked for.
    fn open_null(req: &OutputRequest) -> Result<Output, OpenError> {
        if let Some(wanted) = &req.device {
            if !null_output::DEVICE.contains(&wanted.to_lowercase()) {
                return Err(OpenError::NoMatch(format!(
                    "error: no output device of host null matches \"{wanted}\"; \
                     devices: \"{}\" (its only one: a timer, no sound card; see \
                     `chronus devices`)",
                    null_output::DEVICE
                )));
            }
        }
        Ok(Output::Null {
            sample_rate: req.sample_rate.unwrap_or(48_000),
            buffer: req.buffer.unwrap_or(null_output::DEFAULT_BUFFER),
        })
    }

    /// The sample rate the output runs at (and the engine with it).
    pub(super) fn sample_rate(&self) -> u32 {
        match self {
            Output::Null { sample_rate, .. } => *sample_rate,
            Output::Cpal(c) => c.config.sample_rate,
        }
    }
}

/// Opens the output `options` ask for, or says in one line why it cannot be.
pub(super) fn open_output(options: &PlayOptions) -> Result<Output, PlayError> {
    match Output::open(options.host, &options.request) {
        Ok(o) => Ok(o),
        Err(OpenError::NoMatch(line)) => Err(PlayError::NoDeviceMatch(line)),
        Err(OpenError::Unavailable(reason)) => Err(cannot_open(options, &reason)),
    }
}

/// The error of an output that cannot be opened, for `reason`.
pub(super) fn cannot_open(options: &PlayOptions, reason: &str) -> PlayError {
    PlayError::cannot_open(options.host.name(), device_suffix(options), reason)
}

/// `, device "NAME"` when `--device` was given, else empty.
pub(super) fn device_suffix(options: &PlayOptions) -> String {
    match &options.request.device {
        Some(d) => format!(", device \"{d}\""),
        None => String::new(),
    }
}

/// A started stream, held to keep it running. Dropping it stops the audio thread, which
/// hands the core back.
enum Stream {
    Null {
        _stream: NullStream,
    },
    Cpal {
        _stream: cpal::Stream,
        errors: StreamErrors,
    },
}

/// The stream playing and what to say about it.
pub(super) struct Playing {
    stream: Stream,
    /// The buffer size the stream reports, if it does.
    pub(super) buffer: Option<u32>,
}

/// Why a stream did not start, with the core when the backend gave it back.
pub(super) type StartFailure = (String, Option<Core>);

/// Starts `output` around `core`. On failure the core comes back with the reason (`None`
/// if the backend never returned it).
pub(super) fn start(
    output: &Output,
    core: Core,
    home: &SyncSender<Core>,
    back: &Receiver<Core>,
) -> Result<Playing, StartFailure> {
    let shared = core.shared().clone();
    let callback = AudioCallback::returning_to(core, home.clone());
    let failed = |e: String| (e, back.recv_timeout(HANDBACK_TIMEOUT).ok());
    match output {
        Output::Null {
            sample_rate,
            buffer,
        } => match NullStream::start(callback, *sample_rate, *buffer) {
            Ok(s) => Ok(Playing {
                stream: Stream::Null { _stream: s },
                buffer: Some(*buffer),
            }),
            Err(e) => Err(failed(format!("cannot start the null host's thread: {e}"))),
        },
        Output::Cpal(out) => {
            let (stream, errors) = out
                .build(callback, shared)
                .map_err(|e| failed(e.to_string()))?;
            if let Err(e) = stream.play() {
                drop(stream);
                return Err(failed(e.to_string()));
            }
            let buffer = stream.buffer_size().ok();
            Ok(Playing {
                stream: Stream::Cpal {
                    _stream: stream,
                    errors,
                },
                buffer,
            })
        }
    }
}

/// Opens the output again and starts it around `core`.
pub(super) fn reopen(
    host: HostChoice,
    request: &OutputRequest,
    core: Core,
    home: &SyncSender<Core>,
    back: &Receiver<Core>,
) -> Result<(Output, Playing), StartFailure> {
    let output = match Output::open(host, request) {
        Ok(o) => o,
        Err(OpenError::NoMatch(m) | OpenError::Unavailable(m)) => return Err((m, Some(core))),
    };
    start(&output, core, home, back).map(|p| (output, p))
}

/// True when the host schedules its audio thread itself (JACK: `jackd -R`), so the
/// player does not ask for real-time priority for it.
pub(super) fn host_managed(options: &PlayOptions) -> bool {
    options.host.name().eq_ignore_ascii_case("jack")
}

/// The first stream error that needs a new stream, if any. Xruns never get here (the meter
/// counts them); a rerouted default device is only logged.
pub(super) fn stream_failure(playing: &mut Playing) -> Option<String> {
    let Stream::Cpal { errors, .. } = &mut playing.stream else {
        return None;
    };
    while let Ok(e) = errors.pop() {
        match e.kind() {
            cpal::ErrorKind::DeviceChanged => info!("audio output rerouted: {e}"),
            cpal::ErrorKind::RealtimeDenied => warn!("audio thread: {e}"),
            _ => return Some(e.to_string().replace('\n', " ")),
        }
    }
    None
}

/// The startup (or reopened) line: host, device, sample rate, buffer, channels, format.
pub(super) fn describe(
    what: &str,
    options: &PlayOptions,
    output: &Output,
    playing: &Playing,
) -> String {
    let buffer = match playing.buffer {
        Some(n) => format!("{n} frames"),
        None => "device default".to_string(),
    };
    let (device, channels, format) = match output {
        Output::Null { .. } => (
            format!(
                "\"{}\" (a real-time timer, no sound card)",
                null_output::DEVICE
            ),
            null_output::CHANNELS as u16,
            "f32".to_string(),
        ),
        Output::Cpal(c) => (
            c.device_name.clone(),
            c.config.channels,
            c.format.to_string(),
        ),
    };
    format!(
        "{what} \"{}\" on host {}, device {device}, {} Hz, buffer {buffer}, {channels} channels, {format}",
        options.patch_name,
        options.host.name(),
        output.sample_rate(),
    )
}
