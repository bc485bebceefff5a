//! Audio output through cpal: choosing the host ([`HostChoice`]), the device (`--device`,
//! a case-insensitive substring of its name or id), the stream config (sample rate,
//! channels, sample format, `--buffer`), and building the stream around an
//! [`AudioCallback`] for whatever sample format the device takes.
//!
//! **JACK** (cargo feature `jack`): the client is named `chronus_out` (cpal appends `_out`
//! to the name we give; JACK adds a suffix such as `-01` if the name is taken), with output
//! ports `chronus_out:out_0` (left) and `chronus_out:out_1` (right), connected to
//! `system:playback_1`/`_2` when those exist. The sample rate and buffer size are the
//! server's: `--sample-rate`/`--buffer` must match them or are refused.

use std::sync::Arc;

use cpal::traits::{DeviceTrait, HostTrait};
use cpal::{BufferSize, SampleFormat, StreamConfig, SupportedStreamConfigRange};
use rtrb::{Consumer, RingBuffer};
use thiserror::Error;

use super::audio_callback::{AudioCallback, Shared};

/// `--host` named a host this build does not know.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("error: unknown audio host \"{name}\"{jack_hint}; hosts: {known}")]
pub struct UnknownHost {
    /// The name as given.
    pub name: String,
    /// Why `jack` is unknown here, when that was the name.
    jack_hint: &'static str,
    /// The hosts this build knows, comma-separated.
    known: String,
}

/// Why a host's output devices could not be listed.
#[derive(Debug, Error)]
enum DeviceListError {
    /// No JACK server to make our client on (`server`: ` named "NAME"` or empty).
    #[error("no JACK server{server} is running ({error})")]
    #[cfg_attr(not(feature = "jack"), allow(dead_code))]
    NoJackServer { server: String, error: cpal::Error },
    /// cpal could not reach the host or its devices.
    #[error("{0}")]
    Cpal(#[from] cpal::Error),
}

/// Why no stream config fits the device and the request.
#[derive(Debug, Error)]
enum ConfigError {
    /// cpal could not list the device's configs.
    #[error("{0}")]
    Cpal(#[from] cpal::Error),
    /// The device lists no output config at all.
    #[error("the device supports no output config")]
    NoConfig,
    /// No config at the sample rate (`rates`: what the device supports).
    #[error("the device does not play at {sample_rate} Hz (it supports {rates})")]
    Rate { sample_rate: u32, rates: String },
    /// No sample format we can write at that rate and channel count.
    #[error("the device offers no PCM sample format at {sample_rate} Hz, {channels} ch")]
    Format { sample_rate: u32, channels: u16 },
}

/// Which audio host plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostChoice {
    /// No device: a thread paced at real time (see `null_output`).
    Null,
    /// A cpal host (`alsa`, `jack`, or the platform's own).
    Cpal(cpal::HostId),
}

impl HostChoice {
    /// Parses a `--host` value: `null`, or a cpal host name (`alsa`, `jack`, ...).
    pub fn parse(name: &str) -> Result<HostChoice, UnknownHost> {
        if name.eq_ignore_ascii_case("null") {
            return Ok(HostChoice::Null);
        }
        if let Ok(id) = name.parse::<cpal::HostId>() {
            return Ok(HostChoice::Cpal(id));
        }
        let jack_hint = if name.eq_ignore_ascii_case("jack") {
            " (this chronus was built without the `jack` cargo feature)"
        } else {
            ""
        };
        let known: Vec<String> = cpal::ALL_HOSTS
            .iter()
            .map(|h| h.to_string())
            .chain(["null".to_string()])
            .collect();
        Err(UnknownHost {
            name: name.to_string(),
            jack_hint,
            known: known.join(", "),
        })
    }

    /// The default host: ALSA on Linux, cpal's default elsewhere.
    pub fn platform_default() -> HostChoice {
        #[cfg(target_os = "linux")]
        if let Ok(id) = "alsa".parse::<cpal::HostId>() {
            return HostChoice::Cpal(id);
        }
        HostChoice::Cpal(cpal::default_host().id())
    }

    /// The host's name as `--host` takes it.
    pub fn name(&self) -> String {
        match self {
            HostChoice::Null => "null".to_string(),
            HostChoice::Cpal(id) => id.to_string(),
        }
    }
}

/// What the user asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputRequest {
    /// `--device`: a substring of the device's name or id (case-insensitive).
    pub device: Option<String>,
    /// `--sample-rate`, else the device's default (48 kHz when it has none).
    pub sample_rate: Option<u32>,
    /// `--buffer` frames (cpal `BufferSize::Fixed`), else the device's default.
    pub buffer: Option<u32>,
}

/// Why an output could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpenError {
    /// `--device` matched none of the host's devices; the message lists them.
    NoMatch(String),
    /// The host, device or config is not usable.
    Unavailable(String),
}

/// A device chosen, with the config the stream will use.
pub struct CpalOutput {
    device: cpal::Device,
    /// The host's name.
    pub host: String,
    /// The device's name (and id).
    pub device_name: String,
    /// Channels, sample rate and buffer size.
    pub config: StreamConfig,
    /// The device's sample format.
    pub format: SampleFormat,
}

/// Sample formats we can write, best first.
const FORMATS: [SampleFormat; 12] = [
    SampleFormat::F32,
    SampleFormat::I32,
    SampleFormat::I24,
    SampleFormat::I16,
    SampleFormat::U16,
    SampleFormat::F64,
    SampleFormat::U32,
    SampleFormat::U24,
    SampleFormat::I64,
    SampleFormat::U64,
    SampleFormat::I8,
    SampleFormat::U8,
];

/// A device's display name: its description and id.
pub fn device_label(device: &cpal::Device) -> String {
    let name = device
        .description()
        .map(|d| d.name().to_string())
        .unwrap_or_else(|_| "(unnamed)".to_string());
    match device.id() {
        Ok(id) => format!("\"{name}\" ({id})"),
        Err(_) => format!("\"{name}\""),
    }
}

fn matches(device: &cpal::Device, wanted: &str) -> bool {
    let wanted = wanted.to_lowercase();
    let name = device
        .description()
        .map(|d| d.name().to_lowercase())
        .unwrap_or_default();
    let id = device
        .id()
        .map(|i| i.to_string().to_lowercase())
        .unwrap_or_default();
    name.contains(&wanted) || id.contains(&wanted)
}

/// The output devices of `host` (for JACK: our own client, named `chronus`).
fn output_devices(id: cpal::HostId) -> Result<Vec<cpal::Device>, DeviceListError> {
    #[cfg(all(
        feature = "jack",
        any(
            target_os = "linux",
            target_os = "dragonfly",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "macos",
            target_os = "windows",
        )
    ))]
    if id.name().eq_ignore_ascii_case("jack") {
        // cpal's JACK host names its clients `cpal_client_<pid>`; a device made directly
        // carries our name. Autoconnect to system:playback_*; never start a server.
        type JackDevice = <cpal::platform::JackHost as HostTrait>::Device;
        return match JackDevice::default_output_device("chronus", true, false) {
            Ok(d) => Ok(vec![cpal::Device::from(d)]),
            Err(error) => Err(DeviceListError::NoJackServer {
                server: std::env::var("JACK_DEFAULT_SERVER")
                    .map(|name| format!(" named \"{name}\""))
                    .unwrap_or_default(),
                error,
            }),
        };
    }
    let host = cpal::host_from_id(id)?;
    let devices = host.output_devices()?;
    Ok(devices.collect())
}

/// Chooses the device and stream config on `host` for `req`.
pub fn open(host: cpal::HostId, req: &OutputRequest) -> Result<CpalOutput, OpenError> {
    let host_name = host.to_string();
    let device = match &req.device {
        Some(wanted) => {
            let devices =
                output_devices(host).map_err(|e| OpenError::Unavailable(e.to_string()))?;
            match devices.iter().find(|d| matches(d, wanted)) {
                Some(d) => d.clone(),
                None => {
                    let names: Vec<String> = devices.iter().map(device_label).collect();
                    return Err(OpenError::NoMatch(format!(
                        "error: no output device of host {host_name} matches \"{wanted}\"; \
                         devices: {} (see `chronus devices`)",
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        }
                    )));
                }
            }
        }
        None if host.name().eq_ignore_ascii_case("jack") => output_devices(host)
            .map_err(|e| OpenError::Unavailable(e.to_string()))?
            .into_iter()
            .next()
            .ok_or_else(|| OpenError::Unavailable("no JACK output".to_string()))?,
        None => cpal::host_from_id(host)
            .map_err(|e| OpenError::Unavailable(e.to_string()))?
            .default_output_device()
            .ok_or_else(|| OpenError::Unavailable("the host has no output device".to_string()))?,
    };
    let (config, format) = choose_config(&device, req)
        .map_err(|e| OpenError::Unavailable(format!("device {}: {e}", device_label(&device))))?;
    Ok(CpalOutput {
        device_name: device_label(&device),
        device,
        host: host_name,
        config,
        format,
    })
}

/// Sample rate, channels and format: the device's default where the user said nothing,
/// the best supported format at that rate and channel count.
fn choose_config(
    device: &cpal::Device,
    req: &OutputRequest,
) -> Result<(StreamConfig, SampleFormat), ConfigError> {
    let ranges: Vec<SupportedStreamConfigRange> = device.supported_output_configs()?.collect();
    if ranges.is_empty() {
        return Err(ConfigError::NoConfig);
    }
    let default = device.default_output_config().ok();
    let supports_rate = |r: &SupportedStreamConfigRange, sr: u32| {
        r.min_sample_rate() <= sr && sr <= r.max_sample_rate()
    };
    let sample_rate = req
        .sample_rate
        .or(default.map(|d| d.sample_rate()))
        .unwrap_or_else(|| {
            if ranges.iter().any(|r| supports_rate(r, 48_000)) {
                48_000
            } else {
                ranges[0].max_sample_rate()
            }
        });
    let channels = default.map(|d| d.channels()).unwrap_or(2);
    let fits = |r: &&SupportedStreamConfigRange, ch: u16| {
        r.channels() == ch && supports_rate(r, sample_rate)
    };
    let channels = if ranges.iter().any(|r| fits(&r, channels)) {
        channels
    } else {
        ranges
            .iter()
            .filter(|r| supports_rate(r, sample_rate))
            .map(|r| r.channels())
            .min_by_key(|&c| (c < 2, c))
            .ok_or_else(|| ConfigError::Rate {
                sample_rate,
                rates: rate_list(&ranges),
            })?
    };
    let format = FORMATS
        .iter()
        .copied()
        .find(|f| {
            ranges
                .iter()
                .any(|r| fits(&r, channels) && r.sample_format() == *f)
        })
        .ok_or(ConfigError::Format {
            sample_rate,
            channels,
        })?;
    let buffer_size = match req.buffer {
        Some(n) => BufferSize::Fixed(n),
        None => BufferSize::Default,
    };
    Ok((
        StreamConfig {
            channels,
            sample_rate,
            buffer_size,
        },
        format,
    ))
}

fn rate_list(ranges: &[SupportedStreamConfigRange]) -> String {
    let mut rates: Vec<String> = ranges
        .iter()
        .map(|r| {
            if r.min_sample_rate() == r.max_sample_rate() {
                format!("{} Hz", r.min_sample_rate())
            } else {
                format!("{}-{} Hz", r.min_sample_rate(), r.max_sample_rate())
            }
        })
        .collect();
    rates.sort();
    rates.dedup();
    rates.join(", ")
}

/// Stream errors cpal reports, for the player: xruns are counted on the spot (the error
/// callback may run on the audio thread), everything else waits in a small ring.
pub type StreamErrors = Consumer<cpal::Error>;

impl CpalOutput {
    /// Builds and returns the stream (paused) around `callback`. On failure cpal drops the
    /// callback, which hands its core back.
    pub fn build(
        &self,
        callback: AudioCallback,
        shared: Arc<Shared>,
    ) -> Result<(cpal::Stream, StreamErrors), cpal::Error> {
        let (mut tx, rx) = RingBuffer::new(16);
        let on_error = move |e: cpal::Error| {
            if e.kind() == cpal::ErrorKind::Xrun {
                shared.meter().add_xrun();
            } else {
                // Never blocks; a full ring loses the error (the first ones tell the story).
                let _ = tx.push(e);
            }
        };
        let channels = self.config.channels as usize;
        let mut callback = callback;
        // On JACK, cpal's callback instant is JACK's own clock (µs) at the callback: the
        // JACK MIDI input finds the cycle from it (`realtime::cycle_stamp`). Other hosts'
        // instants are on other clocks and are not passed on.
        let jack = self.host.eq_ignore_ascii_case("jack");
        macro_rules! build {
            ($t:ty) => {
                self.device.build_output_stream::<$t, _, _>(
                    self.config,
                    move |data: &mut [$t], info: &cpal::OutputCallbackInfo| {
                        let host_us = jack.then(|| {
                            let at = info.timestamp().callback;
                            at.duration_since(cpal::StreamInstant::ZERO).as_micros() as u64
                        });
                        callback.process_at(data, channels, host_us)
                    },
                    on_error,
                    None,
                )
            };
        }
        let stream = match self.format {
            SampleFormat::F32 => build!(f32),
            SampleFormat::F64 => build!(f64),
            SampleFormat::I8 => build!(i8),
            SampleFormat::I16 => build!(i16),
            SampleFormat::I24 => build!(cpal::I24),
            SampleFormat::I32 => build!(i32),
            SampleFormat::I64 => build!(i64),
            SampleFormat::U8 => build!(u8),
            SampleFormat::U16 => build!(u16),
            SampleFormat::U24 => build!(cpal::U24),
            SampleFormat::U32 => build!(u32),
            SampleFormat::U64 => build!(u64),
            other => {
                return Err(cpal::Error::with_message(
                    cpal::ErrorKind::UnsupportedConfig,
                    format!("sample format {other} is not supported"),
                ))
            }
        }?;
        Ok((stream, rx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_parse() {
        assert_eq!(HostChoice::parse("null"), Ok(HostChoice::Null));
        assert_eq!(HostChoice::parse("NULL").unwrap().name(), "null");
        #[cfg(target_os = "linux")]
        assert_eq!(HostChoice::parse("alsa").unwrap().name(), "alsa");
        #[cfg(all(target_os = "linux", feature = "jack"))]
        assert_eq!(HostChoice::parse("jack").unwrap().name(), "jack");
        let e = HostChoice::parse("nope").unwrap_err().to_string();
        assert!(
            e.contains("unknown audio host \"nope\"") && e.contains("null"),
            "{e}"
        );
    }
}
