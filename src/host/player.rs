//! [`play`]: the life of `chronus play` on the player (main) thread — open the output, run
//! the [`Controller`] beside the audio callback, print the status line, survive stream
//! failures, and stop cleanly.
//!
//! - **Start:** the output is chosen first (its sample rate sizes the engine), then the
//!   engine, controller and optional recorder are built and the stream started. Nothing
//!   openable is one error line (pointing at `--host`, `--device`, `chronus devices` and
//!   `chronus render`), exit non-zero.
//! - **Run:** every 20 ms the player collects the graphs the engine returned, reads the
//!   stream's errors, reports caught panics (one warning line, from here, never from the
//!   audio thread) and, every `--status-interval`, logs the [`StatusLine`].
//! - **Faults:** a stream error other than an xrun is logged in one line; the stream is
//!   dropped, its callback hands the engine back (see `audio_callback`), and the same host
//!   and device are reopened with exponential backoff (100 ms doubling, at most 2 s),
//!   logging once per change of state. The patch and its voices live on in the engine.
//! - **Stop** (Ctrl-C, SIGTERM, `--seconds`): the callback fades out over 50 ms and then
//!   plays zeros; the stream is closed, the recording finalized, a summary logged.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chronus_modules::Registry;
use cpal::traits::StreamTrait;
use parking_lot::Mutex;
use tracing::{error, info, warn};

use super::audio_callback::{take_last_panic_message, AudioCallback, CallbackCore, Shared};
use super::cpal_output::{self, CpalOutput, HostChoice, OpenError, OutputRequest, StreamErrors};
use super::meter::StatusLine;
use super::null_output::{self, NullStream};
use super::recorder::Recorder;
use super::setup;
use crate::config::Config;
use crate::control::Controller;
use crate::engine::EngineStats;
use crate::midi::input::{latency_for, MidiBackend, MidiInput};
use crate::midi::ports::PortChoice;
use crate::midi::router::Router;
use crate::osc::clock::SampleClock;
use crate::osc::{HostStatus, MidiAccess, OscOptions, OscServer};
use crate::patch::PatchDesc;

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
    /// The `--config` file (router, tuning, MIDI defaults); the default config without one.
    pub config: Config,
}

/// `--midi-in` / `--midi-host` as given (each wins over the config's `midi` section).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MidiRequest {
    /// `--midi-host alsa|jack`.
    pub host: Option<String>,
    /// `--midi-in NAME|all`.
    pub input: Option<String>,
}

/// How often the player wakes up.
const TICK: Duration = Duration::from_millis(20);
/// First reconnection delay; doubles up to [`BACKOFF_MAX`].
const BACKOFF_START: Duration = Duration::from_millis(100);
/// Longest reconnection delay.
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// How long a dropped stream may take to hand its engine back.
const HANDBACK_TIMEOUT: Duration = Duration::from_secs(2);

/// An output chosen and configured, not yet started.
enum Output {
    Null { sample_rate: u32, buffer: u32 },
    Cpal(CpalOutput),
}

impl Output {
    fn open(host: HostChoice, req: &OutputRequest) -> Result<Output, OpenError> {
        match host {
            HostChoice::Null => {
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
            HostChoice::Cpal(id) => cpal_output::open(id, req).map(Output::Cpal),
        }
    }

    fn sample_rate(&self) -> u32 {
        match self {
            Output::Null { sample_rate, .. } => *sample_rate,
            Output::Cpal(c) => c.config.sample_rate,
        }
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
struct Playing {
    stream: Stream,
    /// The buffer size the stream reports, if it does.
    buffer: Option<u32>,
}

/// Where the callback core is: playing inside a stream, or in hand waiting to reopen one.
enum State {
    Playing(Playing),
    Reopening {
        core: Core,
        delay: Duration,
        next_try: Instant,
        last_error: String,
    },
}

/// Starts `output` around `core`. On failure the core comes back with the reason (`None`
/// if the backend never returned it).
fn start(
    output: &Output,
    core: Core,
    home: &SyncSender<Core>,
    back: &Receiver<Core>,
) -> Result<Playing, (String, Option<Core>)> {
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

/// The one line printed when no output can be opened.
fn cannot_open(options: &PlayOptions, reason: &str) -> String {
    let device = match &options.request.device {
        Some(d) => format!(", device \"{d}\""),
        None => String::new(),
    };
    format!(
        "error: cannot open audio output (host {}{device}): {}; choose another host with \
         --host alsa|jack|null or a device with --device NAME (`chronus devices` lists them), \
         or render to a file with `chronus render`",
        options.host.name(),
        reason.replace('\n', " ").trim_end_matches('.')
    )
}

/// Opens the output again and starts it around `core`.
fn reopen(
    host: HostChoice,
    request: &OutputRequest,
    core: Core,
    home: &SyncSender<Core>,
    back: &Receiver<Core>,
) -> Result<(Output, Playing), (String, Option<Core>)> {
    let output = match Output::open(host, request) {
        Ok(o) => o,
        Err(OpenError::NoMatch(m) | OpenError::Unavailable(m)) => return Err((m, Some(core))),
    };
    start(&output, core, home, back).map(|p| (output, p))
}

/// Plays `desc` until `stop` is set (or `--seconds` pass). Returns the error line when
/// nothing could start.
pub fn play(
    desc: PatchDesc,
    registry: Registry,
    options: &PlayOptions,
    stop: &AtomicBool,
) -> Result<(), String> {
    let output = match Output::open(options.host, &options.request) {
        Ok(o) => o,
        Err(OpenError::NoMatch(line)) => return Err(line),
        Err(OpenError::Unavailable(reason)) => return Err(cannot_open(options, &reason)),
    };
    let sample_rate = output.sample_rate();
    let (engine, control) = setup::start(
        registry.clone(),
        sample_rate,
        options.seed,
        desc,
        &options.config,
    )
    .map_err(|e| format!("error: {e}"))?;
    // Shared with the OSC and MIDI threads; never with the audio thread.
    let control = Arc::new(Mutex::new(control));
    let router = Arc::new(Mutex::new(Router::new(
        options.config.clone(),
        control.clone(),
    )));
    let midi_backend = open_midi(options)?;
    let midi_ports = Arc::new(Mutex::new(Default::default()));
    let (recorder, sink) = match &options.record {
        Some(path) => {
            let (r, s) = Recorder::start(path, sample_rate)?;
            (Some(r), Some(s))
        }
        None => (None, None),
    };
    let core = CallbackCore::new(engine, sample_rate as f32, sink);
    let mut shared = core.shared().clone();
    // What `/status` reads of the host: the meter of whichever core plays now.
    let meter_for_osc = Arc::new(Mutex::new(shared.clone()));
    let osc_server = match &options.osc {
        Some(osc) => {
            let meter = meter_for_osc.clone();
            let server = OscServer::start(
                osc.clone(),
                control.clone(),
                Arc::new(move || {
                    let shared = meter.lock();
                    HostStatus {
                        dsp_load: shared.meter().load(),
                        xruns: shared.meter().xruns(),
                        refused: 0,
                        panics: shared.meter().panics(),
                    }
                }),
                Some(MidiAccess {
                    router: router.clone(),
                    ports: midi_backend.is_some().then(|| midi_ports.clone()),
                }),
            )
            .map_err(|e| {
                format!(
                    "error: cannot listen for OSC on {}:{}: {e} (choose another --osc-port, or --osc-bind)",
                    osc.bind, osc.port
                )
            })?;
            info!(
                "OSC on udp {} (patch folder {})",
                server.local_addr(),
                osc.folder.root().display()
            );
            Some(server)
        }
        None => None,
    };
    let (home, back) = sync_channel::<Core>(1);
    let playing = start(&output, core, &home, &back).map_err(|(e, _)| cannot_open(options, &e))?;
    info!("{}", describe("playing", options, &output, &playing));
    let _midi = match midi_backend {
        Some(backend) => {
            let clock = {
                let c = control.lock();
                SampleClock::new(c.engine().stats().clone(), sample_rate as f32)
            };
            let buffer = playing.buffer.unwrap_or(1024);
            let input = MidiInput::start(
                backend,
                midi_choice(options),
                router.clone(),
                clock,
                latency_for(buffer, sample_rate),
                midi_ports.clone(),
            )
            .map_err(|e| format!("error: cannot start the MIDI thread: {e}"))?;
            Some(input)
        }
        None => None,
    };

    // Reopening pins the sample rate: the engine runs at it.
    let reopen_request = OutputRequest {
        sample_rate: Some(sample_rate),
        ..options.request.clone()
    };
    let started = Instant::now();
    let deadline = options
        .seconds
        .map(|s| started + Duration::from_secs_f64(s));
    let mut next_status = started + options.status_interval;
    let mut panics_seen = 0;
    let mut state = State::Playing(playing);
    loop {
        let now = Instant::now();
        if stop.load(Ordering::Acquire) || deadline.is_some_and(|d| now >= d) {
            break;
        }
        {
            let mut control = control.lock();
            control.collect_garbage();
            // Sequencer cues (mutations, idle/ambient switches, scale changes), logged here
            // off the audio thread, and sent to OSC clients registered with `/reply`.
            while let Some(cue) = control.pop_cue() {
                info!("{cue}");
                if let Some(server) = &osc_server {
                    server.broadcast(crate::osc::sequencer::cue_message(&cue));
                }
            }
        }
        state = match state {
            State::Playing(mut playing) => match stream_failure(&mut playing) {
                None => State::Playing(playing),
                Some(reason) => {
                    error!("audio stream failed: {reason}");
                    drop(playing);
                    let core = match back.recv_timeout(HANDBACK_TIMEOUT) {
                        Ok(core) => core,
                        Err(_) => rebuild(&mut control.lock(), &registry, options, sample_rate)?,
                    };
                    warn!(
                        "reopening host {}{}, retrying with backoff (0.1 s doubling to 2 s)",
                        options.host.name(),
                        device_suffix(options)
                    );
                    State::Reopening {
                        core,
                        delay: BACKOFF_START,
                        next_try: now + BACKOFF_START,
                        last_error: reason,
                    }
                }
            },
            State::Reopening {
                core,
                delay,
                next_try,
                last_error,
            } if now >= next_try => {
                match reopen(options.host, &reopen_request, core, &home, &back) {
                    Ok((output, playing)) => {
                        info!("{}", describe("reopened", options, &output, &playing));
                        State::Playing(playing)
                    }
                    Err((reason, core)) => {
                        let core = match core {
                            Some(core) => core,
                            None => rebuild(&mut control.lock(), &registry, options, sample_rate)?,
                        };
                        if reason != last_error {
                            warn!("cannot reopen the audio output yet: {reason}");
                        }
                        let delay = (delay * 2).min(BACKOFF_MAX);
                        State::Reopening {
                            core,
                            delay,
                            next_try: now + delay,
                            last_error: reason,
                        }
                    }
                }
            }
            waiting => waiting,
        };
        if let State::Reopening { core, .. } = &state {
            shared = core.shared().clone();
            *meter_for_osc.lock() = shared.clone();
        }
        let panics = shared.meter().panics();
        if panics > panics_seen {
            let what = take_last_panic_message()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            warn!(
                "caught a panic in audio processing{what}: that buffer was silenced and playing \
                 goes on ({panics} so far)"
            );
            panics_seen = panics;
        }
        if now >= next_status {
            info!("{}", status_line(&shared, &control.lock(), sample_rate));
            next_status += options.status_interval;
            if next_status < now {
                next_status = now + options.status_interval;
            }
        }
        let mut sleep = TICK;
        if let Some(d) = deadline {
            sleep = sleep.min(d.saturating_duration_since(now));
        }
        std::thread::sleep(sleep);
    }
    shutdown(state, &shared, &back, recorder, started);
    Ok(())
}

/// The MIDI port choice: `--midi-in`, else the config's `midi.input`, else the default.
fn midi_choice(options: &PlayOptions) -> PortChoice {
    match options
        .midi
        .input
        .as_ref()
        .or(options.config.midi.input.as_ref())
    {
        Some(name) => PortChoice::parse(name),
        None => PortChoice::Default,
    }
}

/// The ALSA sequencer's device on Linux.
const ALSA_SEQ: &str = "/dev/snd/seq";

/// Opens the MIDI backend (`--midi-host`, else the config's, else ALSA). When MIDI was
/// not asked for at all and ALSA has no sequencer here, plays on without MIDI (one line);
/// when it was asked for, that is an error.
fn open_midi(options: &PlayOptions) -> Result<Option<Box<dyn MidiBackend>>, String> {
    let asked = options.midi.host.is_some()
        || options.midi.input.is_some()
        || options.config.midi.host.is_some()
        || options.config.midi.input.is_some();
    let host = options
        .midi
        .host
        .as_deref()
        .or(options.config.midi.host.as_deref())
        .unwrap_or("alsa");
    let opened: Result<Box<dyn MidiBackend>, String> = match host {
        // Not asked for and no sequencer device: said in our own line, without letting
        // alsa-lib print its own error to stderr first (it does, on every failed open).
        "alsa" if !asked && cfg!(target_os = "linux") && !Path::new(ALSA_SEQ).exists() => {
            Err(format!("there is no ALSA sequencer here ({ALSA_SEQ})"))
        }
        "alsa" => crate::midi::alsa_input::AlsaBackend::open()
            .map(|b| Box::new(b) as Box<dyn MidiBackend>)
            .map_err(|e| format!("cannot open the ALSA sequencer: {e}")),
        #[cfg(feature = "jack")]
        "jack" => crate::midi::jack_input::JackBackend::open(midi_choice(options).most_ports())
            .map(|b| Box::new(b) as Box<dyn MidiBackend>),
        #[cfg(not(feature = "jack"))]
        "jack" => Err("this chronus was built without the `jack` feature".to_string()),
        other => Err(format!("unknown MIDI host \"{other}\"")),
    };
    match opened {
        Ok(b) => Ok(Some(b)),
        Err(e) if asked => Err(format!(
            "error: MIDI input (--midi-host {host}): {e}; choose --midi-host alsa|jack \
             (`chronus devices` lists the MIDI ports)"
        )),
        Err(e) => {
            info!("no MIDI input: {e}");
            Ok(None)
        }
    }
}

/// The first stream error that needs a new stream, if any. Xruns never get here (the meter
/// counts them); a rerouted default device is only logged.
fn stream_failure(playing: &mut Playing) -> Option<String> {
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

/// When a backend never hands the engine back (it should): a new engine and controller
/// with the same patch (as it plays: live sequencer edits included), seed, sequencer
/// settings and tuning. The voices and the recording are lost; the patch plays on.
fn rebuild(
    control: &mut Controller,
    registry: &Registry,
    options: &PlayOptions,
    sample_rate: u32,
) -> Result<Core, String> {
    warn!("the audio backend kept the engine; restarting it with the same patch (voices and recording stop)");
    let (engine, fresh) = setup::start(
        registry.clone(),
        sample_rate,
        options.seed,
        control.running_as_played(),
        &options.config,
    )
    .map_err(|e| format!("error: {e}"))?;
    *control = fresh;
    Ok(CallbackCore::new(engine, sample_rate as f32, None))
}

fn device_suffix(options: &PlayOptions) -> String {
    match &options.request.device {
        Some(d) => format!(", device \"{d}\""),
        None => String::new(),
    }
}

/// The startup (or reopened) line: host, device, sample rate, buffer, channels, format.
fn describe(what: &str, options: &PlayOptions, output: &Output, playing: &Playing) -> String {
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

fn status_line(shared: &Shared, control: &Controller, sample_rate: u32) -> StatusLine {
    let stats = control.engine().stats();
    StatusLine {
        sample_rate,
        meter: shared.meter().snapshot(),
        voices: EngineStats::get(&stats.voices_active),
        revision: EngineStats::get(&stats.revision),
    }
}

/// Fades out (if playing), closes the stream, finalizes the recording, logs a summary.
fn shutdown(
    state: State,
    shared: &Shared,
    back: &Receiver<Core>,
    recorder: Option<Recorder>,
    started: Instant,
) {
    if let State::Playing(playing) = state {
        shared.request_fade_out();
        let until = Instant::now() + Duration::from_secs(1);
        while !shared.is_silent() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(playing);
        // The engine comes home to be dropped here, off the audio thread.
        drop(back.recv_timeout(HANDBACK_TIMEOUT));
    }
    let m = shared.meter().snapshot();
    info!(
        "stopped after {:.1} s: callbacks {}, frames {}, xruns {}, panics {}, record drops {}",
        started.elapsed().as_secs_f64(),
        m.callbacks,
        m.frames,
        m.xruns,
        m.panics,
        m.record_drops
    );
    if let Some(rec) = recorder {
        let path = rec.path().display().to_string();
        match rec.finish() {
            Ok(frames) => info!("recorded {frames} frames to {path}"),
            Err(e) => error!("{e}"),
        }
        if m.record_drops > 0 {
            warn!(
                "the recording lost {} frames (the writer could not keep up)",
                m.record_drops
            );
        }
    }
}
