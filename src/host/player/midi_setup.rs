//! The player's MIDI input: which backend and ports the options and the config ask for
//! ([`open_midi`], [`midi_choice`]) and starting the MIDI thread once the audio plays
//! ([`start_midi_thread`]).

use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;
use tracing::info;

use super::error::{MidiOpenError, PlayError};
use super::PlayOptions;
use crate::control::Controller;
use crate::midi::input::{InputLatency, MidiBackend, MidiInput, PortsStatus};
use crate::midi::ports::PortChoice;
use crate::midi::router::Router;
use crate::realtime::cycle_stamp::CycleStamp;
use crate::realtime::sample_clock::SampleClock;

/// The ALSA sequencer's device on Linux.
const ALSA_SEQ: &str = "/dev/snd/seq";

/// The MIDI port choice: `--midi-in`, else the config's `midi.input`, else the default.
pub(super) fn midi_choice(options: &PlayOptions) -> PortChoice {
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

/// True when the command line or the config says anything about MIDI.
fn midi_asked_for(options: &PlayOptions) -> bool {
    options.midi.host.is_some()
        || options.midi.input.is_some()
        || options.config.midi.host.is_some()
        || options.config.midi.input.is_some()
}

/// Opens the MIDI backend (`--midi-host`, else the config's, else ALSA). When MIDI was
/// not asked for at all and ALSA has no sequencer here, plays on without MIDI (one line);
/// when it was asked for, that is an error.
///
/// `stamp` is the audio callback's JACK cycle stamp when the audio plays on JACK: a JACK
/// MIDI input then gives each message its engine sample, frame-exact.
pub(super) fn open_midi(
    options: &PlayOptions,
    stamp: Option<Arc<CycleStamp>>,
) -> Result<Option<Box<dyn MidiBackend>>, PlayError> {
    let asked = midi_asked_for(options);
    let host = options
        .midi
        .host
        .as_deref()
        .or(options.config.midi.host.as_deref())
        .unwrap_or("alsa");
    match open_backend(host, asked, options, stamp) {
        Ok(b) => Ok(Some(b)),
        Err(reason) if asked => Err(PlayError::Midi {
            host: host.to_string(),
            reason,
        }),
        Err(e) => {
            info!("no MIDI input: {e}");
            Ok(None)
        }
    }
}

/// Opens the backend of MIDI host `host`.
fn open_backend(
    host: &str,
    asked: bool,
    options: &PlayOptions,
    stamp: Option<Arc<CycleStamp>>,
) -> Result<Box<dyn MidiBackend>, MidiOpenError> {
    match host {
        // Not asked for and no sequencer device: said in our own line, without letting
        // alsa-lib print its own error to stderr first (it does, on every failed open).
        "alsa" if !asked && cfg!(target_os = "linux") && !Path::new(ALSA_SEQ).exists() => {
            Err(MidiOpenError::NoAlsaSequencer(ALSA_SEQ))
        }
        "alsa" => crate::midi::alsa_input::AlsaBackend::open()
            .map(|b| Box::new(b) as Box<dyn MidiBackend>)
            .map_err(MidiOpenError::Alsa),
        #[cfg(feature = "jack")]
        "jack" => {
            crate::midi::jack_input::JackBackend::open(midi_choice(options).most_ports(), stamp)
                .map(|b| Box::new(b) as Box<dyn MidiBackend>)
                .map_err(MidiOpenError::Jack)
        }
        #[cfg(not(feature = "jack"))]
        "jack" => {
            let _ = (options, stamp);
            Err(MidiOpenError::NoJackFeature)
        }
        other => Err(MidiOpenError::UnknownHost(other.to_string())),
    }
}

/// Starts the MIDI thread on `backend`, timing messages against the engine's clock with
/// the config's `midi.latency_ms`, else the latency of the stream's `buffer` frames
/// (reported or measured: `buffer_size`); frame-exact JACK MIDI plays whole periods
/// later, with `midi.latency_ms` on top (`input::frame_latency`).
pub(super) fn start_midi_thread(
    backend: Box<dyn MidiBackend>,
    options: &PlayOptions,
    control: &Mutex<Controller>,
    router: Arc<Mutex<Router>>,
    ports: Arc<Mutex<PortsStatus>>,
    sample_rate: u32,
    buffer: u32,
) -> Result<MidiInput, PlayError> {
    let (clock, faults) = {
        let c = control.lock();
        let clock = SampleClock::new(c.engine().stats().clone(), sample_rate as f32);
        (clock, c.faults().clone())
    };
    MidiInput::start(
        backend,
        midi_choice(options),
        router,
        clock,
        InputLatency::for_stream(options.config.midi.latency_ms, buffer, sample_rate),
        ports,
        faults,
    )
    .map_err(PlayError::MidiThread)
}
