//! Starting `chronus play`, in the order the user sees it: the output is chosen first (its
//! sample rate sizes the engine), then the engine and controller, the MIDI backend, the
//! recorder and the OSC server are made, the stream started and, last, the MIDI thread.
//! Each step that fails is one error line ([`PlayError`]).

use crate::fault::Faults;
use std::path::Path;
use std::sync::mpsc::sync_channel;
use std::sync::Arc;

use chronus_modules::Registry;
use parking_lot::Mutex;
use tracing::info;

use super::buffer_size::buffer_frames;
use super::clock_setup::{check_clock, clock_in_name, start_clock_in};
use super::error::PlayError;
use super::link_setup::{check_link, set_link_buffer, start_link};
use super::midi_setup::{open_midi, start_midi_thread};
use super::outbound_setup::start_outbound;
use super::output::{cannot_open, describe, host_managed, open_output, start};
use super::reload::Reloader;
use super::running::{hangup_flag, CoreHome, Running, Services, State};
use super::{observe, Core, PlayOptions};
use crate::control::Controller;
use crate::cues::CueBus;
use crate::host::audio_callback::{CallbackCore, Shared};
use crate::host::null_output::DEFAULT_BUFFER;
use crate::host::recorder::{RecordSink, Recorder};
use crate::host::setup;
use crate::http::ReloadFn;
use crate::midi::router::Router;
use crate::osc::{HostStatus, MidiAccess, OscOptions, OscServer};
use crate::patch::PatchDesc;
use crate::realtime::cycle_stamp::CycleStamp;
use crate::realtime::overload::Governor;
use crate::sc_live::sink::ReconfigBox;
use crate::service::{promote_audio_thread, Notifier, NotifyEnv};

/// Starts everything `chronus play` runs, up to the first tick of the player loop.
pub(super) fn start_playing<'a>(
    desc: PatchDesc,
    registry: &'a Registry,
    options: &'a PlayOptions,
) -> Result<Running<'a>, PlayError> {
    check_clock(options)?;
    check_link(options)?;
    let hangup = hangup_flag();
    let output = open_output(options)?;
    let sample_rate = output.sample_rate();
    let (mut engine, control) = setup::start(
        registry.clone(),
        sample_rate,
        options.seed,
        desc,
        &options.config,
    )?;
    let outbound_rx = engine.take_outbound();
    // Shared with the OSC and MIDI threads; never with the audio thread.
    let control = Arc::new(Mutex::new(control));
    let router = Arc::new(Mutex::new(Router::new(
        options.config.clone(),
        control.clone(),
    )));
    // The audio on JACK: its callback stamps each cycle for the JACK MIDI input, which
    // then places every event at its own frame (`realtime::cycle_stamp`).
    let cycle_stamp = host_managed(options).then(|| Arc::new(CycleStamp::default()));
    let midi_backend = open_midi(options, cycle_stamp.clone())?;
    let midi_ports = Arc::new(Mutex::new(Default::default()));
    let faults = control.lock().faults().clone();
    let (recorder, sink) = start_recording(options.record.as_deref(), sample_rate, faults)?;
    let mut core = CallbackCore::new(engine, sample_rate as f32, sink);
    core.set_cycle_stamp(cycle_stamp.clone());
    let link = start_link(options, &control, &mut core, sample_rate)?;
    let shared = core.shared().clone();
    // What `/status` reads of the host: the meter of whichever core plays now.
    let meter_for_osc = Arc::new(Mutex::new(shared.clone()));
    let midi_access = MidiAccess {
        router: router.clone(),
        ports: midi_backend.is_some().then(|| midi_ports.clone()),
    };
    let osc = match &options.osc {
        Some(osc) => Some(start_osc(
            osc,
            &control,
            &meter_for_osc,
            midi_access.clone(),
        )?),
        None => None,
    };
    let bus = CueBus::new(control.lock().observed().queues.clone());
    bus.set_sinks(&options.config.cues);
    observe::register_queues(&control, osc.as_ref());
    let notifier = Notifier::new(NotifyEnv::from_env());
    let view = observe::PlayerView {
        meter: meter_for_osc.clone(),
        sample_rate,
        outputs: outputs(options),
        notify: (notifier.stats().clone(), notifier.watchdog_enabled()),
    };
    let governor = Arc::new(Mutex::new(Governor::new(options.config.overload.clone())));
    // Where a reload leaves the `supercollider` section's changes for the backend's sink.
    let sc_reload = ReconfigBox::default();
    let reloader = options.config_path.clone().map(|path| {
        Arc::new(Reloader {
            supercollider: sc_reload.clone(),
            path,
            registry: registry.clone(),
            control: control.clone(),
            router: router.clone(),
            bus: bus.clone(),
            governor: governor.clone(),
            current: Mutex::new(options.config.clone()),
        })
    });
    let reload_fn = reloader
        .clone()
        .map(|r| -> ReloadFn { Arc::new(move || r.reload()) });
    let http = observe::start_http(
        options,
        &control,
        view,
        osc.as_ref(),
        &bus,
        reload_fn,
        midi_access,
    )?;
    let outbound = match outbound_rx {
        Some(rx) => start_outbound(
            rx,
            options,
            &control,
            sample_rate,
            options.request.buffer,
            sc_reload,
            cycle_stamp.clone(),
        )?,
        None => None,
    };
    if let Some(audio) = outbound.as_ref().and_then(|o| o.backend_audio()) {
        core.set_backend_audio(audio);
    }
    let (home, back) = sync_channel::<Core>(1);
    let playing = start(&output, core, &home, &back).map_err(|(e, _)| cannot_open(options, &e))?;
    info!("{}", describe("playing", options, &output, &playing));
    info!("{}", promote_audio_thread(host_managed(options)).line());
    // The buffer the MIDI and Link timing is computed from: reported, or measured from the
    // first callbacks, and only when something times by it.
    let wants_buffer = midi_backend.is_some()
        || clock_in_name(options).is_some()
        || link.is_some()
        || outbound.as_ref().is_some_and(|o| o.wants_buffer());
    let buffer = wants_buffer.then(|| {
        buffer_frames(
            playing.buffer,
            &shared,
            options.request.buffer.unwrap_or(DEFAULT_BUFFER),
        )
    });
    if let (Some(outbound), Some(buffer)) = (&outbound, buffer) {
        outbound.set_buffer(buffer, sample_rate);
    }
    if let Some(buffer) = buffer {
        set_link_buffer(link.as_ref(), buffer, sample_rate);
    }
    let midi = match (midi_backend, buffer) {
        (Some(backend), Some(buffer)) => Some(start_midi_thread(
            backend,
            options,
            &control,
            router,
            midi_ports,
            sample_rate,
            buffer,
        )?),
        _ => None,
    };
    let sync_status = control.lock().sync_status().clone();
    let clock_in = match buffer {
        Some(buffer) => start_clock_in(
            options,
            &control,
            &sync_status,
            sample_rate,
            buffer,
            cycle_stamp.clone(),
        )?,
        None => None,
    };
    let services = Services {
        midi,
        clock_in,
        osc,
        recorder,
        http,
        announcer: observe::Announcer::new(bus),
        reloader,
        outbound,
        notifier,
        governor,
        link,
        cycle_stamp,
        hangup,
    };
    let core = CoreHome {
        state: State::Playing(playing),
        shared,
        meter_for_osc,
        home,
        back,
    };
    Ok(Running::new(
        options,
        registry,
        sample_rate,
        control,
        services,
        core,
    ))
}

/// The outputs `/api/state` names: the audio host and device, and the recording.
fn outputs(options: &PlayOptions) -> Vec<String> {
    let mut outputs = vec![format!(
        "{}{}",
        options.host.name(),
        options
            .request
            .device
            .as_ref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default()
    )];
    if let Some(path) = &options.record {
        outputs.push(format!("record: {}", path.display()));
    }
    outputs
}

/// `--record`: the recorder and the callback's sink, or neither.
fn start_recording(
    path: Option<&Path>,
    sample_rate: u32,
    faults: Arc<Faults>,
) -> Result<(Option<Recorder>, Option<RecordSink>), PlayError> {
    match path {
        Some(path) => {
            let (r, s) = Recorder::start(path, sample_rate, faults)?;
            Ok((Some(r), Some(s)))
        }
        None => Ok((None, None)),
    }
}

/// Starts the OSC server; its `/status` reads the meter in `meter`.
fn start_osc(
    osc: &OscOptions,
    control: &Arc<Mutex<Controller>>,
    meter: &Arc<Mutex<Arc<Shared>>>,
    midi: MidiAccess,
) -> Result<OscServer, PlayError> {
    let meter = meter.clone();
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
        Some(midi),
    )
    .map_err(|error| PlayError::Osc {
        bind: osc.bind,
        port: osc.port,
        error,
    })?;
    info!(
        "OSC on udp {} (patch folder {})",
        server.local_addr(),
        osc.folder.root().display()
    );
    Ok(server)
}
