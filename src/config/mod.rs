//! The `--config FILE` of `chronus play` and `chronus render` (RON): which MIDI input, the
//! tuning reference, the router that maps notes and controllers to actions, and the
//! sequencer's settings. `render` applies the tuning and sequencer sections (see
//! `host::setup`); it checks the `midi` and `router` sections too, but has no MIDI input
//! for them to act on.
//!
//! ```ron
//! (
//!     midi: (input: "Teensy", host: "alsa", channel: 1, latency_ms: 20.0),
//!     tuning: (a4: 440.0),
//!     router: (notes: [...], ccs: [...]),   // see `router`
//!     sequencer: (bpm: 110, swing: 0.12, ...), // see `seq::config`
//!     clock: (out: ["NTS-1"], follow: None),   // see `clock`
//!     overload: (dsp_load: 0.85, xruns_per_minute: 5), // see `overload`
//!     link: (enabled: true, quantum: 4),      // see `link`
//!     supercollider: (port: 57110, synthdefs: Some("defs")), // see `supercollider`
//! )
//! ```
//! Every section and field is optional (`#[serde(default)]`); unknown fields are refused.
//! [`load_file`] checks everything it can — against the patch too (`play` instruments,
//! `param` targets) — and refuses the file with `file:line:col: what; hint` lines, so a
//! typo never reaches a performance. The `sequencer` section is
//! [`SequencerConfig`]: the sequencer's defaults, which a
//! patch's `sequence` section overrides for its musical fields.

pub mod clock;
pub mod cues;
pub mod error;
pub mod http;
pub mod link;
pub mod logging;
pub mod midi_out;
pub mod overload;
pub mod router;
pub mod supercollider;

use std::collections::HashMap;
use std::path::Path;

use chronus_modules::{ParamKind, Registry};
use serde::{Deserialize, Serialize};

use crate::backend::distributor::MAX_INSTRUMENTS;
use crate::graph::tuning::DEFAULT_A4;
use crate::patch::error::closest;
use crate::patch::{self, implicit, PatchDesc, Pos, RonTree, Step};
use crate::seq::SequencerConfig;
pub use clock::ClockConfig;
pub use error::{ConfigError, ConfigErrors};
pub use router::{CcAction, CcRoute, Curve, NoteAction, NoteRoute, RouterConfig};

/// The whole config file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// MIDI input.
    pub midi: MidiConfig,
    /// Tuning.
    pub tuning: TuningConfig,
    /// Notes and controllers → actions.
    pub router: RouterConfig,
    /// The sequencer's settings (tempo, swing, density, scales, mutation, idle).
    pub sequencer: SequencerConfig,
    /// MIDI clock out and in (see [`clock`]).
    pub clock: ClockConfig,
    /// Ableton Link (see [`link`]).
    pub link: link::LinkConfig,
    /// The HTTP API (`chronus play`).
    pub http: http::HttpConfig,
    /// Log format, level and file.
    pub logging: logging::LoggingConfig,
    /// LED cue sinks.
    pub cues: Vec<cues::CueSinkConfig>,
    /// MIDI output: CC throttle and queue bound (see `midi_out.rs`).
    pub midi_out: crate::midi_out::MidiOutSettings,
    /// Custom CC profiles by name, beside the built-in ones.
    pub cc_profiles: indexmap::IndexMap<String, crate::midi_out::ProfileDesc>,
    /// When overload shedding starts and ends (see [`overload`]).
    pub overload: crate::realtime::overload::OverloadLimits,
    /// The scsynth server of `supercollider` instruments (see `supercollider.rs`).
    pub supercollider: supercollider::SuperColliderConfig,
}

/// The `midi` section (the command line's `--midi-in` / `--midi-host` win over it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MidiConfig {
    /// Input port: a substring of its name, or `"all"`.
    pub input: Option<String>,
    /// `"alsa"` or `"jack"`.
    pub host: Option<String>,
    /// Only this channel (1–16) reaches Chronus; absent: every channel.
    pub channel: Option<u8>,
    /// The input latency in ms (0–1000): a message plays this long after it arrived.
    /// Absent: two audio buffers + 2 ms. More absorbs a loaded machine's scheduling
    /// delays (a message handed over after its sample was rendered plays late).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f32>,
}

/// The `tuning` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TuningConfig {
    /// Hz of A4 (MIDI note 69).
    pub a4: f32,
}

impl Default for TuningConfig {
    /// A4 = 440 Hz.
    fn default() -> Self {
        TuningConfig { a4: DEFAULT_A4 }
    }
}

/// Parses config text (syntax, unknown fields and variants, types), without checking it
/// against a patch.
pub fn parse(text: &str, source_name: Option<&str>) -> Result<Config, ConfigErrors> {
    patch::load::ron_options()
        .from_str::<Config>(text)
        .map_err(|e| with_file(vec![syntax_error(&e)], source_name))
}

/// Parses and checks config text against the patch it will run with.
pub fn load(
    text: &str,
    source_name: Option<&str>,
    desc: &PatchDesc,
    registry: &Registry,
) -> Result<Config, ConfigErrors> {
    let config = parse(text, source_name)?;
    let tree = RonTree::scan(text);
    let mut errors = validate(&config, &tree, desc, registry);
    errors.extend(midi_out::check(
        &config.midi_out,
        &config.cc_profiles,
        &tree,
    ));
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(with_file(errors, source_name))
    }
}

/// Reads and [`load`]s a config file; errors name the path.
pub fn load_file(
    path: impl AsRef<Path>,
    desc: &PatchDesc,
    registry: &Registry,
) -> Result<Config, ConfigErrors> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        with_file(
            vec![ConfigError::new(
                None,
                format!("cannot read the config: {e}"),
                None,
            )],
            Some(&name),
        )
    })?;
    load(&text, Some(&name), desc, registry)
}

fn with_file(mut errors: Vec<ConfigError>, file: Option<&str>) -> ConfigErrors {
    for e in &mut errors {
        e.file = file.map(str::to_string);
    }
    errors.sort_by_key(|e| e.pos);
    ConfigErrors(errors)
}

fn syntax_error(e: &ron::error::SpannedError) -> ConfigError {
    let pos = Some(Pos::from(e.span.start));
    let suggest = |found: &str, expected: &[&str], what: &str| {
        let known = expected.join(", ");
        Some(match closest(found, expected.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? {what}: {known}"),
            None => format!("{what}: {known}"),
        })
    };
    match &e.code {
        ron::Error::NoSuchStructField {
            expected, found, ..
        } => ConfigError::new(
            pos,
            format!("unknown field `{found}`"),
            suggest(found, expected, "fields here"),
        ),
        ron::Error::NoSuchEnumVariant {
            expected, found, ..
        } => ConfigError::new(
            pos,
            format!("unknown action or value `{found}`"),
            suggest(found, expected, "choices"),
        ),
        code => ConfigError::new(pos, code.to_string(), None),
    }
}

/// Every error of a parsed config, positioned with `tree`.
fn validate(
    config: &Config,
    tree: &RonTree,
    desc: &PatchDesc,
    registry: &Registry,
) -> Vec<ConfigError> {
    let mut errors = config.http.check(tree);
    errors.extend(config.supercollider.check(tree));
    errors.extend(config.logging.check(tree));
    errors.extend(cues::check(&config.cues, tree));
    errors.extend(overload::check(&config.overload, tree));
    let mut err = |path: &[Step], message: String, hint: Option<String>| {
        errors.push(ConfigError::new(tree.find(path), message, hint));
    };
    let channel_ok = |c: Option<u8>| c.is_none_or(|c| (1..=16).contains(&c));
    let channel_hint =
        || Some("MIDI channels are 1 .. 16; leave `channel` out for every channel".to_string());

    if !channel_ok(config.midi.channel) {
        err(
            &[Step::Field("midi"), Step::Field("channel")],
            format!(
                "channel {} is out of range",
                config.midi.channel.unwrap_or(0)
            ),
            channel_hint(),
        );
    }
    if let Some(ms) = config.midi.latency_ms {
        if !(ms.is_finite() && (0.0..=1000.0).contains(&ms)) {
            err(
                &[Step::Field("midi"), Step::Field("latency_ms")],
                format!("latency_ms {ms} is out of range 0 .. 1000"),
                Some("leave it out for two audio buffers + 2 ms".into()),
            );
        }
    }
    if let Some(host) = &config.midi.host {
        if host != "alsa" && host != "jack" {
            err(
                &[Step::Field("midi"), Step::Field("host")],
                format!("unknown MIDI host \"{host}\""),
                Some("write \"alsa\" or \"jack\"".into()),
            );
        }
    }
    if let Err(e) = config.sequencer.check() {
        let mut path = vec![Step::Field("sequencer")];
        path.extend(e.path.iter().map(|f| Step::Field(f)));
        err(
            &path,
            e.message,
            Some("see the `sequencer` table in the README for every range".into()),
        );
    }
    if let Err((i, e)) = clock::check(config.clock.follow.as_deref(), &config.clock.out) {
        let path = match i {
            Some(i) => vec![Step::Field("clock"), Step::Field("out"), Step::Index(i)],
            None => vec![Step::Field("clock"), Step::Field("follow")],
        };
        err(
            &path,
            e.to_string(),
            Some("name a port in `out` or in `follow`, not both".into()),
        );
    }
    if let Some(problem) = config.link.problem() {
        err(
            &[Step::Field("link"), Step::Field("quantum")],
            problem,
            Some("give the beats of a bar, e.g. 4".into()),
        );
    }
    let a4 = config.tuning.a4;
    if !(a4.is_finite() && a4 > 0.0 && a4 <= 2_000.0) {
        err(
            &[Step::Field("tuning"), Step::Field("a4")],
            format!("a4 = {a4} Hz is out of range"),
            Some("give A4 in Hz, 0 < a4 <= 2000 (concert pitch: 440.0)".into()),
        );
    }

    let instruments: Vec<&str> = patch::scope::instruments(desc)
        .map(|(_, id, _)| id)
        .collect();
    for (i, route) in config.router.notes.iter().enumerate() {
        let at = |f: &'static str| {
            [
                Step::Field("router"),
                Step::Field("notes"),
                Step::Index(i),
                Step::Field(f),
            ]
        };
        let (first, last) = route.notes;
        if first > 127 || last > 127 || first > last {
            err(
                &at("notes"),
                format!("note range ({first}, {last}) is not a range of MIDI notes"),
                Some("write (first, last) with 0 <= first <= last <= 127".into()),
            );
        }
        if !channel_ok(route.channel) {
            err(
                &at("channel"),
                format!("channel {} is out of range", route.channel.unwrap_or(0)),
                channel_hint(),
            );
        }
        if let NoteAction::Play { instrument } = &route.action {
            if !instruments.contains(&instrument.as_str()) {
                let hint = match closest(instrument, instruments.iter().copied()) {
                    Some(s) => format!(
                        "did you mean \"{s}\"? instruments of the patch: {}",
                        instruments.join(", ")
                    ),
                    None => format!(
                        "instruments of the patch: {}",
                        if instruments.is_empty() {
                            "none".to_string()
                        } else {
                            instruments.join(", ")
                        }
                    ),
                };
                err(
                    &at("action"),
                    format!("no instrument \"{instrument}\" in the patch"),
                    Some(hint),
                );
            }
        }
    }

    // Each `play` route is an instrument of the MIDI distributor, plus one for notes no
    // range takes.
    let plays = config
        .router
        .notes
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.action, NoteAction::Play { .. }));
    if let Some((i, _)) = plays.clone().nth(MAX_INSTRUMENTS - 1) {
        err(
            &[Step::Field("router"), Step::Field("notes"), Step::Index(i)],
            format!(
                "{} `play` routes; at most {} fit",
                plays.count(),
                MAX_INSTRUMENTS - 1
            ),
            Some("merge ranges that play the same instrument".into()),
        );
    }

    let mut seen: HashMap<(u8, Option<u8>), usize> = HashMap::new();
    for (i, route) in config.router.ccs.iter().enumerate() {
        let at = |f: &'static str| {
            [
                Step::Field("router"),
                Step::Field("ccs"),
                Step::Index(i),
                Step::Field(f),
            ]
        };
        if route.cc > 127 {
            err(
                &at("cc"),
                format!("controller {} is out of range", route.cc),
                Some("controller numbers are 0 .. 127".into()),
            );
        }
        if !channel_ok(route.channel) {
            err(
                &at("channel"),
                format!("channel {} is out of range", route.channel.unwrap_or(0)),
                channel_hint(),
            );
        }
        if let Some(first) = seen.insert((route.cc, route.channel), i) {
            let first_pos = tree.find(&[
                Step::Field("router"),
                Step::Field("ccs"),
                Step::Index(first),
            ]);
            err(
                &at("cc"),
                format!("controller {} is routed twice", route.cc),
                Some(format!(
                    "keep one route per controller and channel (the first is at {})",
                    first_pos.map_or("an earlier entry".to_string(), |p| p.to_string())
                )),
            );
        }
        if let CcAction::Param {
            target,
            curve,
            steps,
        } = &route.action
        {
            let profiles = &config.cc_profiles;
            let checked = check_param_target(target, *curve, *steps, desc, registry, profiles);
            if let Err((message, hint)) = checked {
                err(&at("action"), message, Some(hint));
            }
        }
    }
    errors
}

/// Checks a `param` action's `"id.param"` against the patch (a module's param, or a param
/// of an external instrument's CC profile, built in or in `profiles`) and its curve
/// against the param's kind.
fn check_param_target(
    target: &str,
    curve: Curve,
    steps: Option<u32>,
    desc: &PatchDesc,
    registry: &Registry,
    profiles: &indexmap::IndexMap<String, crate::midi_out::ProfileDesc>,
) -> Result<(), (String, String)> {
    let Some((id, param)) = target.split_once('.') else {
        return Err((
            format!("param target \"{target}\" is not of the form \"id.param\""),
            "write the module id and the param id, e.g. \"vcf.cutoff\"".into(),
        ));
    };
    if patch::is_external_instrument(desc, id) {
        // 0..1 along the curve, then through the profile's own curve (like `/mod`).
        let params = crate::midi_out::settings::instrument_params(desc, profiles);
        let known = params.get(id).cloned().unwrap_or_default();
        if !known.iter().any(|p| p == param) {
            return Err((
                format!("instrument \"{id}\" has no param \"{param}\" in its CC profile"),
                match closest(param, known.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean \"{s}\"? its params: {}", known.join(", ")),
                    None if known.is_empty() => "it has no profile, or an unknown one".into(),
                    None => format!("its params: {}", known.join(", ")),
                },
            ));
        }
        if curve == Curve::Stepped && steps.is_none_or(|s| s < 2) {
            return Err((
                format!("`curve: stepped` on \"{target}\" needs a number of steps"),
                "add `steps: N` (N >= 2) beside the curve".into(),
            ));
        }
        return Ok(());
    }
    let spec = if id == implicit::OUTPUT_ID {
        implicit::OUTPUT_INFO.param_spec(param)
    } else {
        let Some((_, info)) = patch::module_info(desc, registry, id) else {
            let ids: Vec<&str> = desc
                .modules
                .keys()
                .map(String::as_str)
                .chain(
                    patch::scope::instruments(desc)
                        .flat_map(|(_, _, i)| i.modules.keys().map(String::as_str)),
                )
                .collect();
            return Err((
                format!("no module \"{id}\" in the patch"),
                match closest(id, ids.iter().copied()) {
                    Some(s) => format!("did you mean \"{s}\"?"),
                    None => format!("modules of the patch: {}", ids.join(", ")),
                },
            ));
        };
        match info.param_spec(param) {
            Some(spec) => Some(spec),
            None => {
                let known: Vec<&str> = info.params.iter().map(|p| p.id).collect();
                return Err((
                    format!("module \"{id}\" ({}) has no param \"{param}\"", info.kind),
                    match closest(param, known.iter().copied()) {
                        Some(s) => {
                            format!("did you mean \"{s}\"? its params: {}", known.join(", "))
                        }
                        None => format!("its params: {}", known.join(", ")),
                    },
                ));
            }
        }
    };
    let Some(spec) = spec else {
        return Err((
            format!("the output has no param \"{param}\""),
            "its only param is \"volume\"".into(),
        ));
    };
    if curve == Curve::Stepped
        && matches!(spec.kind, ParamKind::Float { .. })
        && steps.is_none_or(|s| s < 2)
    {
        return Err((
            format!("`curve: stepped` on the float param \"{target}\" needs a number of steps"),
            "add `steps: N` (N >= 2) beside the curve".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_default_config() {
        assert_eq!(parse("()", None).unwrap(), Config::default());
        let c = parse("(tuning: (a4: 432.0))", None).unwrap();
        assert_eq!(c.tuning.a4, 432.0);
        assert_eq!(c.router, RouterConfig::default());
    }
}
