//! [`start`]: the engine and controller that `chronus play` and `chronus render` both begin
//! with, so a patch, seed and `--config` sound the same live and offline.
//!
//! Of a [`Config`], the parts that shape the sound are applied here: the `sequencer`
//! section (the sequencer's defaults, set before the patch is loaded so its conductor is
//! built with them) and the `tuning` section (sent right after the load, at sample 0). The
//! `midi` and `router` sections act on MIDI input; the live player wires them up itself.
//! The `cc_profiles` section names the params of the patch's `midi` instruments: the
//! controller's backend catalog is set before the load, so a `sequence`'s `mutate` and
//! `ambient` lanes on them are built at every commit.

use std::sync::Arc;

use chronus_modules::Registry;

use crate::config::Config;
use crate::control::{ControlError, Controller};
use crate::engine::shed::Shedding;
use crate::engine::{Engine, EngineConfig};
use crate::graph::tuning::DEFAULT_A4;
use crate::midi_out::settings::{instrument_params, instrument_starts};
use crate::patch::PatchDesc;

/// A new engine at `sample_rate` and its controller with `desc` loaded, the patch seed
/// set and `config`'s sequencer and tuning sections applied.
pub fn start(
    registry: Registry,
    sample_rate: u32,
    seed: u64,
    desc: PatchDesc,
    config: &Config,
) -> Result<(Engine, Controller), ControlError> {
    start_sharing(registry, sample_rate, seed, desc, config, Arc::default())
}

/// [`start`] with an engine that follows and counts into `shedding` (the player's
/// overload state, kept when it replaces a lost engine).
pub fn start_sharing(
    registry: Registry,
    sample_rate: u32,
    seed: u64,
    desc: PatchDesc,
    config: &Config,
    shedding: Arc<Shedding>,
) -> Result<(Engine, Controller), ControlError> {
    let config_engine = EngineConfig {
        sample_rate: sample_rate as f32,
        ..EngineConfig::default()
    };
    let (engine, handle) = Engine::with_shedding(config_engine, shedding);
    let mut control = Controller::new(registry, handle);
    control.set_seed(seed);
    control.set_sequencer_config(config.sequencer.clone())?;
    let profiles = config.cc_profiles.clone();
    control.set_backend_catalog(std::sync::Arc::new(move |desc: &PatchDesc| {
        instrument_params(desc, &profiles)
    }));
    let profiles = config.cc_profiles.clone();
    control.set_backend_starts(std::sync::Arc::new(move |desc: &PatchDesc| {
        instrument_starts(desc, &profiles)
    }));
    control.load(desc)?;
    if config.tuning.a4 != DEFAULT_A4 {
        control.set_tuning(config.tuning.a4, None)?;
    }
    Ok((engine, control))
}
