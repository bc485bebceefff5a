//! The player's SuperCollider backend: the patch's `supercollider` instruments (planned by
//! the command line, `PlayOptions::supercollider`) get an [`ScSink`] on the outbound
//! thread, and the controller sends their events out through the outbound ring (a commit
//! with them [played outside](crate::control::Controller::set_played_outside)).
//!
//! Their sound comes out of scsynth's own outputs (`out` bus `2i`, `2i + 1` for the
//! `i`-th of them): on JACK, scsynth's ports on the same server. On JACK, an instrument
//! whose outputs the main graph reads gets them back: the return client
//! (`sc_live::jack_return`) hears scsynth's two ports and the engine feeds them into the
//! main graph as the instrument's `left`/`right`, one JACK period later
//! (`engine::backend_audio`), through rings the return desk (`engine::return_desk`) makes
//! afresh whenever the return client opens again or the engine is replaced. On other hosts scsynth cannot share the audio device, so
//! such an instrument plays on the internal engine (one warning line).
//!
//! On JACK, the notes are timed by the timing probe (`sc_live::sc_clock`): its JACK input
//! `chronus_sc_probe:in` hears scsynth's output `2n` (for `n` instruments), so a
//! scsynth Chronus starts is given at least `2n + 1` outputs (`-o`).

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use parking_lot::Mutex;

use tracing::warn;

use super::PlayOptions;
use crate::config::supercollider::SuperColliderConfig;
use crate::control::backend_params::BackendRange;
use crate::control::Controller;
use crate::engine::return_desk::ReturnDesk;
use crate::patch::PatchDesc;
use crate::realtime::cycle_stamp::CycleStamp;
use crate::realtime::host_time::HostTime;
use crate::realtime::sample_clock::SampleClock;
use crate::sc_live::server::{Launch, ServerSettings};
use crate::sc_live::sink::{Reconfig, ReconfigBox};
use crate::sc_live::{messages, ScInstrument, ScSink, ScStatus};

/// True when the main graph reads an output of instrument `id`.
fn heard_in_main(desc: &PatchDesc, id: &str) -> bool {
    desc.connections.iter().any(|c| c.from().module == id)
}

/// True when `program` names a file (a path) or a file in a folder of `PATH`.
fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return std::path::Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// The SuperCollider sink of the patch's `supercollider` instruments, or `None` when it
/// has none (or none can be played this way). Declares their controls and commits the
/// patch again with them played outside the engine.
pub(super) fn start_supercollider(
    options: &PlayOptions,
    control: &mut Controller,
    sample_rate: u32,
    reload: ReconfigBox,
    stamp: Option<Arc<CycleStamp>>,
) -> Option<ScStarted> {
    let sc = &options.config.supercollider;
    let jack = options.host.name() == "jack";
    let desc = control.running().clone();
    let instruments: Vec<ScInstrument> = options
        .supercollider
        .iter()
        .filter(|i| {
            if !heard_in_main(&desc, &i.id) || jack {
                true
            } else {
                warn!(
                    "instrument {:?}: the main graph reads its outputs, which scsynth can only give back on JACK (--host jack); it plays on the internal engine",
                    i.id
                );
                false
            }
        })
        .cloned()
        .collect();
    if instruments.is_empty() {
        return None;
    }
    if sc.starts_server() && !on_path(&sc.program) {
        warn!(
            "SuperCollider backend: the program {:?} is not found on PATH (config `supercollider.program`); its instruments play on the internal engine",
            sc.program
        );
        return None;
    }
    let address = sc.server()?;
    let status = Arc::new(ScStatus {
        address: address.to_string().into(),
        started: sc.starts_server().into(),
        ..Default::default()
    });
    let settings = server_settings(sc)?;
    let probe = if jack && sc.timing_probe {
        open_probe(control, options)
    } else {
        None
    };
    let clock = SampleClock::new(control.engine().stats().clone(), sample_rate as f32);
    let latency_ns = (sc.latency_ms * 1e6) as u64;
    let mut sink = match ScSink::new(
        instruments.clone(),
        settings,
        clock,
        latency_ns,
        options.config.tuning.a4,
        status.clone(),
        probe,
    ) {
        Ok(s) => s,
        Err(e) => {
            warn!("SuperCollider backend: cannot open a UDP socket ({e}); its instruments play on the internal engine");
            return None;
        }
    };
    sink.reload_from(reload);
    if let Some(stamp) = &stamp {
        sink.time_by_host(HostTime::new(
            stamp.clone(),
            jack_now_us,
            sample_rate as f64,
        ));
    }
    let returns = match (&stamp, jack) {
        (Some(stamp), true) => open_return(&desc, &instruments, stamp.clone(), &mut sink),
        _ => None,
    };
    for i in &instruments {
        let controls = i
            .controls
            .iter()
            .map(|c| {
                let range = match c.range {
                    Some((lo, hi)) => BackendRange::Clamp(lo, hi),
                    None => BackendRange::Any,
                };
                (c.name.clone(), range)
            })
            .collect();
        control.set_backend_controls(&i.id, controls);
    }
    control.set_played_outside(instruments.iter().map(|i| i.id.clone()).collect());
    if let Err(e) = control.commit() {
        warn!("SuperCollider backend: the patch cannot be committed with it ({e}); its instruments play on the internal engine");
        control.set_played_outside(Vec::new());
        return None;
    }
    let up = status.clone();
    control
        .observed()
        .backends
        .register("supercollider", Arc::new(move || up.up.load(Relaxed)));
    Some(ScStarted {
        sink,
        status,
        returns,
    })
}

/// What [`start_supercollider`] started: the sink, its status, and the desk of the sound
/// scsynth gives back into the main graph (on JACK, for the instruments the main graph
/// reads), which gives each engine its side.
pub(super) struct ScStarted {
    pub(super) sink: ScSink,
    pub(super) status: Arc<ScStatus>,
    pub(super) returns: Option<Arc<Mutex<ReturnDesk>>>,
}

/// Opens the return client for the `instruments` (bus `2i`, `2i + 1` for the `i`-th) whose
/// outputs the main graph of `desc` reads, hands it to `sink` (which keeps it open and
/// connects it to scsynth), and returns the desk that gives the engine its side; `None`
/// when none is read, or (one warning line: they stay silent in the main graph) when its
/// client cannot open.
#[cfg(feature = "jack")]
fn open_return(
    desc: &PatchDesc,
    instruments: &[ScInstrument],
    stamp: Arc<CycleStamp>,
    sink: &mut ScSink,
) -> Option<Arc<Mutex<ReturnDesk>>> {
    use crate::address::InstrumentKey;
    use crate::sc_live::jack_return::{JackReturn, CLIENT_NAME};

    let (keys, buses): (Vec<InstrumentKey>, Vec<usize>) = instruments
        .iter()
        .enumerate()
        .filter(|(_, inst)| heard_in_main(desc, &inst.id))
        .map(|(i, inst)| (InstrumentKey::of(&inst.id), 2 * i))
        .unzip();
    if keys.is_empty() {
        return None;
    }
    let desk = Arc::new(Mutex::new(ReturnDesk::new(keys)));
    match JackReturn::open(buses.clone(), desk.clone(), stamp) {
        Ok(client) => {
            let delay = client.period();
            let named = instruments
                .iter()
                .enumerate()
                .filter(|(i, _)| buses.contains(&(2 * i)));
            for (i, inst) in named {
                tracing::info!(
                    "instrument {:?}: scsynth's output comes back into the main graph through {CLIENT_NAME}:in_{} and in_{}, {delay} frames (one JACK period) after scsynth writes it",
                    inst.id,
                    2 * i + 1,
                    2 * i + 2
                );
            }
            sink.return_to(Box::new(client));
            Some(desk)
        }
        Err(e) => {
            warn!("SuperCollider backend: scsynth's output cannot come back into the main graph ({e}); the instruments it reads are silent there");
            None
        }
    }
}

/// No return without JACK (on JACK only: the caller asks for one only there).
#[cfg(not(feature = "jack"))]
fn open_return(
    _: &PatchDesc,
    _: &[ScInstrument],
    _: Arc<CycleStamp>,
    _: &mut ScSink,
) -> Option<Arc<Mutex<ReturnDesk>>> {
    None
}

/// The timing probe's JACK input and def, or `None` (one warning line) when its client
/// cannot be opened: the notes are then timed by the wall clock.
#[cfg(feature = "jack")]
fn open_probe(
    control: &Controller,
    options: &PlayOptions,
) -> Option<(Box<dyn crate::sc_live::sc_clock::ProbeInput>, Vec<u8>)> {
    let def = options.supercollider_probe.clone()?;
    match crate::sc_live::probe::JackProbe::open(control.engine().stats().clone()) {
        Ok(p) => Some((Box::new(p), def)),
        Err(e) => {
            warn!("SuperCollider backend: no timing probe ({e}); its notes are timed by the wall clock (within a JACK period)");
            None
        }
    }
}

#[cfg(not(feature = "jack"))]
fn open_probe(
    _control: &Controller,
    _options: &PlayOptions,
) -> Option<(Box<dyn crate::sc_live::sc_clock::ProbeInput>, Vec<u8>)> {
    None
}

/// The server the `supercollider` section says (`None` for an address that is not one,
/// which the config check refuses): where it is, how it is started, the user's SynthDef
/// folder to load, the failures before the error state.
fn server_settings(sc: &SuperColliderConfig) -> Option<ServerSettings> {
    let mut loads = Vec::new();
    if let Some(dir) = &sc.synthdefs {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.into());
        loads.push(messages::message(
            "/d_loadDir",
            vec![rosc::OscType::String(dir.display().to_string())],
        ));
    }
    Some(ServerSettings {
        address: sc.server()?,
        launch: sc.starts_server().then(|| Launch {
            program: sc.program.clone(),
            port: sc.port,
            options: sc.options.clone(),
        }),
        loads,
        setup: Vec::new(),
        max_failures: sc.max_failures,
        calibrate: false,
    })
}

/// What a config reload changes in the running backend, from the `supercollider` section
/// in force (`old`) to the reloaded one (`new`): the latency always; the server when
/// anything else changed. `None` when nothing did.
pub(super) fn reconfig(old: &SuperColliderConfig, new: &SuperColliderConfig) -> Option<Reconfig> {
    if old == new {
        return None;
    }
    let same_server = SuperColliderConfig {
        latency_ms: old.latency_ms,
        ..new.clone()
    } == *old;
    Some(Reconfig {
        server: if same_server {
            None
        } else {
            server_settings(new)
        },
        latency_ns: (new.latency_ms * 1e6) as u64,
    })
}

/// JACK's clock now, in µs: the clock of the audio callback's [`CycleStamp`] times.
/// `jack_get_time` (deprecated in the crate for `Client::time`) is used because the audio
/// stream's client is cpal's and not reachable here; it is open in this process whenever a
/// stamp is, which is what the clock needs.
#[cfg(feature = "jack")]
#[allow(deprecated)]
fn jack_now_us() -> u64 {
    jack::get_time()
}

/// Without JACK support no callback stamps its cycles, so this is never read.
#[cfg(not(feature = "jack"))]
fn jack_now_us() -> u64 {
    0
}
