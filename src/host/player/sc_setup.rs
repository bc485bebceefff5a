//! The player's SuperCollider backend: the patch's `supercollider` instruments (planned by
//! the command line, `PlayOptions::supercollider`) get an [`ScSink`] on the outbound
//! thread, and the controller sends their events out through the outbound ring (a commit
//! with them [played outside](crate::control::Controller::set_played_outside)).
//!
//! Their sound comes out of scsynth's own outputs (`out` bus `2i`, `2i + 1` for the
//! `i`-th of them): on JACK, scsynth's ports on the same server. It does not come back
//! into Chronus's graph, so an instrument whose outputs the main graph reads is refused
//! on other hosts (it plays on the internal engine, one warning line), and on JACK the
//! main graph's effects do not apply to it (one warning line).
//!
//! On JACK, the notes are timed by the timing probe (`sc_live::sc_clock`): its JACK input
//! `chronus_sc_probe:in` hears scsynth's output `2n` (for `n` instruments), so a
//! scsynth Chronus starts is given at least `2n + 1` outputs (`-o`).

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use tracing::warn;

use super::PlayOptions;
use crate::control::backend_params::BackendRange;
use crate::control::Controller;
use crate::patch::PatchDesc;
use crate::realtime::sample_clock::SampleClock;
use crate::sc_live::server::{Launch, ServerSettings};
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
) -> Option<(ScSink, Arc<ScStatus>)> {
    let sc = &options.config.supercollider;
    let jack = options.host.name() == "jack";
    let desc = control.running().clone();
    let instruments: Vec<ScInstrument> = options
        .supercollider
        .iter()
        .filter(|i| {
            if !heard_in_main(&desc, &i.id) {
                return true;
            }
            if jack {
                warn!(
                    "instrument {:?}: scsynth plays it on its own JACK ports; the main graph's effects on its outputs do not apply (its sound does not come back into Chronus's graph)",
                    i.id
                );
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
        address: address.to_string(),
        started: sc.starts_server(),
        ..Default::default()
    });
    let mut loads = Vec::new();
    if let Some(dir) = &sc.synthdefs {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.into());
        loads.push(messages::message(
            "/d_loadDir",
            vec![rosc::OscType::String(dir.display().to_string())],
        ));
    }
    let probe = if jack {
        open_probe(control, options)
    } else {
        None
    };
    let mut launch_options = sc.options.clone();
    if probe.is_some() {
        launch_options = with_outputs(launch_options, 2 * instruments.len() + 1);
    }
    let settings = ServerSettings {
        address,
        launch: sc.starts_server().then(|| Launch {
            program: sc.program.clone(),
            port: sc.port,
            options: launch_options,
        }),
        loads,
        setup: Vec::new(),
        max_failures: sc.max_failures,
        calibrate: false,
    };
    let clock = SampleClock::new(control.engine().stats().clone(), sample_rate as f32);
    let latency_ns = (sc.latency_ms * 1e6) as u64;
    let sink = match ScSink::new(
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
    Some((sink, status))
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

/// scsynth's default number of outputs.
const SC_DEFAULT_OUTPUTS: usize = 8;

/// `options` with at least `needed` outputs (`-o`; scsynth's default is 8).
fn with_outputs(mut options: Vec<String>, needed: usize) -> Vec<String> {
    match options.iter().position(|o| o == "-o") {
        Some(i) if i + 1 < options.len() => {
            if options[i + 1].parse::<usize>().is_ok_and(|n| n < needed) {
                options[i + 1] = needed.to_string();
            }
        }
        Some(_) => {}
        None if needed > SC_DEFAULT_OUTPUTS => {
            options.extend(["-o".to_string(), needed.to_string()]);
        }
        None => {}
    }
    options
}

#[cfg(test)]
mod tests {
    use super::with_outputs;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_probe_gets_an_output_of_its_own() {
        assert_eq!(
            with_outputs(v(&["-i", "0", "-o", "2"]), 3),
            v(&["-i", "0", "-o", "3"])
        );
        assert_eq!(with_outputs(v(&["-o", "16"]), 3), v(&["-o", "16"]));
        assert_eq!(with_outputs(v(&[]), 3), v(&[]));
        assert_eq!(with_outputs(v(&[]), 11), v(&["-o", "11"]));
    }
}
