//! The player's MIDI clock input: which port the sequencer follows (`--clock-in`, else
//! the config's `clock.follow`), on which MIDI host (`--midi-host`, else the config's,
//! else ALSA), and starting its thread once the audio plays. Clock in and out on one port
//! are refused here, before anything starts; the clock out's ports (`--clock-out`, else
//! the config's `clock.out`) are the outbound side's (`outbound_setup`).

use std::sync::Arc;

use parking_lot::Mutex;

use super::error::{MidiOpenError, PlayError};
use super::PlayOptions;
use crate::config::clock;
use crate::control::Controller;
use crate::midi::input::{InputLatency, MidiBackend};
use crate::realtime::cycle_stamp::CycleStamp;
use crate::realtime::sample_clock::SampleClock;
use crate::sync::clock_in::{ClockIn, ClockInParts};
use crate::sync::SyncStatus;

/// JACK client name of the MIDI clock input.
#[cfg(feature = "jack")]
pub const CLOCK_IN_CLIENT: &str = "chronus_clock_in";

/// The port the sequencer follows, if any.
pub(super) fn clock_in_name(options: &PlayOptions) -> Option<&str> {
    options
        .midi
        .clock_in
        .as_deref()
        .or(options.config.clock.follow.as_deref())
}

/// The ports that get the MIDI clock.
pub(super) fn clock_out_names(options: &PlayOptions) -> &[String] {
    if options.midi.clock_out.is_empty() {
        &options.config.clock.out
    } else {
        &options.midi.clock_out
    }
}

/// Refuses clock in and out on one port (and empty names).
pub(super) fn check_clock(options: &PlayOptions) -> Result<(), PlayError> {
    clock::check(clock_in_name(options), clock_out_names(options))
        .map_err(|(_, e)| PlayError::Clock(e))?;
    Ok(())
}

/// Opens the clock input's own backend on the MIDI host in use; on JACK with the audio's
/// cycle `stamp`, so each byte is placed at its own frame.
fn open_backend(
    host: &str,
    stamp: Option<Arc<CycleStamp>>,
) -> Result<Box<dyn MidiBackend>, MidiOpenError> {
    match host {
        "alsa" => crate::midi::alsa_input::AlsaBackend::open()
            .map(|b| Box::new(b) as Box<dyn MidiBackend>)
            .map_err(MidiOpenError::Alsa),
        #[cfg(feature = "jack")]
        "jack" => crate::midi::jack_input::JackBackend::open_named(CLOCK_IN_CLIENT, 1, stamp)
            .map(|b| Box::new(b) as Box<dyn MidiBackend>)
            .map_err(MidiOpenError::Jack),
        #[cfg(not(feature = "jack"))]
        "jack" => {
            let _ = stamp;
            Err(MidiOpenError::NoJackFeature)
        }
        other => Err(MidiOpenError::UnknownHost(other.to_string())),
    }
}

/// Starts following the clock-in port, when one is asked for, timed for the stream's
/// `buffer` (frames, reported or measured); `stamp` is the audio callback's JACK cycle
/// stamp when the audio plays on JACK (frame-exact clock in, as the MIDI input).
pub(super) fn start_clock_in(
    options: &PlayOptions,
    control: &Arc<Mutex<Controller>>,
    status: &Arc<SyncStatus>,
    sample_rate: u32,
    buffer: u32,
    stamp: Option<Arc<CycleStamp>>,
) -> Result<Option<ClockIn>, PlayError> {
    let Some(port) = clock_in_name(options) else {
        return Ok(None);
    };
    let host = options
        .midi
        .host
        .as_deref()
        .or(options.config.midi.host.as_deref())
        .unwrap_or("alsa");
    let backend = open_backend(host, stamp).map_err(|reason| PlayError::Midi {
        host: host.to_string(),
        reason,
    })?;
    let (clock, faults) = {
        let c = control.lock();
        let clock = SampleClock::new(c.engine().stats().clone(), sample_rate as f32);
        (clock, c.faults().clone())
    };
    let parts = ClockInParts {
        port: port.to_string(),
        control: control.clone(),
        clock,
        latency: InputLatency::for_stream(options.config.midi.latency_ms, buffer, sample_rate),
        faults,
        status: status.clone(),
    };
    ClockIn::start(backend, parts)
        .map(Some)
        .map_err(PlayError::MidiThread)
}
