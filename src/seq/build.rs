//! The control side of the sequencer: checks a patch's `sequence` section
//! ([`check`], used by patch validation with file positions) and builds the
//! [`Conductor`] for a compiled graph ([`build_conductor`]), resolving tracks to
//! instrument keys and `"id.param"` names to engine targets. May allocate.

use chronus_modules::{ParamKind, Registry};

use super::conductor::{
    Ambient, Conductor, ConductorParts, ParamLane, Settings, Track, MAX_EUCLID_DEGREES,
};
use super::config::SequencerConfig;
use super::euclid::{euclid, MAX_STEPS};
use super::idle::IdleTimes;
use super::mutation::Bounded;
use super::pattern::{Pattern, Step, MAX_GATE, MIN_GATE};
use crate::address::InstrumentKey;
use crate::control::controller::resolve_param;
use crate::graph::Layout;
use crate::patch::{self, PatchDesc, SequenceDesc, TrackDesc};

/// One problem in a `sequence` section: where (a [`SourceMap::sequence`] path) and what.
///
/// [`SourceMap::sequence`]: crate::patch::SourceMap::sequence
#[derive(Clone, Debug, PartialEq)]
pub struct SeqIssue {
    /// `sequence/tracks/lead/instrument` and the like; a trailing `=` points at the value.
    pub path: String,
    /// One line.
    pub message: String,
}

/// Why a conductor could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The section is invalid (normally caught by validation first).
    #[error("sequence: {0}")]
    Invalid(String),
}

/// Ticks per step of a division name (`"1/16"` → 6 at 24 PPQN).
pub fn division_ticks(division: &str) -> Option<u64> {
    Some(match division {
        "1/1" => 96,
        "1/2" => 48,
        "1/4" => 24,
        "1/8" => 12,
        "1/8t" => 8,
        "1/16" => 6,
        "1/16t" => 4,
        "1/32" => 3,
        _ => return None,
    })
}

/// Steps of a track (`steps`, `pattern` text or `euclid`; exactly one), or what is
/// wrong as (field, message). A `euclid` without `n` spans `default_len` steps (the
/// config's `steps`), with `k` clamped to it.
pub fn track_pattern(
    t: &TrackDesc,
    seed: u64,
    default_len: usize,
) -> Result<Pattern, (&'static str, String)> {
    let given = t.pattern.is_some() as u8 + !t.steps.is_empty() as u8 + t.euclid.is_some() as u8;
    if given != 1 {
        return Err((
            "pattern",
            "a track needs exactly one of `pattern`, `steps` or `euclid`".into(),
        ));
    }
    for (field, v, lo, hi) in [
        ("velocity", t.velocity, 0.0, 1.0),
        ("gate", t.gate, MIN_GATE, MAX_GATE),
        ("probability", t.probability, 0.0, 1.0),
    ] {
        if !(v.is_finite() && (lo..=hi).contains(&v)) {
            return Err((field, format!("{field} {v} is out of range {lo} .. {hi}")));
        }
    }
    let template = Step::note(0, t.velocity, t.gate, t.probability);
    let steps: Vec<Step> = if let Some(text) = &t.pattern {
        text.split_whitespace()
            .map(|tok| match tok {
                "." | "-" => Ok(Step { on: false, ..template }),
                _ => tok
                    .parse::<i8>()
                    .map(|d| Step { degree: d, ..template })
                    .map_err(|_| ("pattern", format!("pattern step \"{tok}\" is neither a scale degree (-128..127) nor \".\" (rest)"))),
            })
            .collect::<Result<_, _>>()?
    } else if let Some(e) = t.euclid {
        let n = e.n.unwrap_or(default_len.clamp(1, MAX_STEPS) as u32);
        let bad_k = e.k > n && e.n.is_some() || e.k > MAX_STEPS as u32;
        if !(1..=MAX_STEPS as u32).contains(&n) || bad_k {
            return Err((
                "euclid",
                format!("euclid k {} / n {n}: n must be 1 .. 64 and k 0 .. n", e.k),
            ));
        }
        let mut p = Pattern::new(n as usize, seed);
        let degrees = if t.degrees.is_empty() {
            vec![0]
        } else {
            t.degrees.clone()
        };
        p.fill_euclid(euclid(e.k, n, e.rotation), n as usize, &degrees, template);
        return Ok(p);
    } else {
        t.steps
            .iter()
            .map(|s| {
                let v = s.velocity.unwrap_or(t.velocity);
                let g = s.gate.unwrap_or(t.gate);
                let p = s.probability.unwrap_or(t.probability);
                if !(v.is_finite() && (0.0..=1.0).contains(&v) && g.is_finite() && (MIN_GATE..=MAX_GATE).contains(&g) && p.is_finite() && (0.0..=1.0).contains(&p)) {
                    return Err(("steps", format!("step velocity {v} / gate {g} / probability {p}: velocity and probability are 0 .. 1, gate {MIN_GATE} .. {MAX_GATE}")));
                }
                let mut st = Step::note(s.degree, v, g, p);
                st.on = !s.rest;
                Ok(st)
            })
            .collect::<Result<_, _>>()?
    };
    if steps.is_empty() || steps.len() > MAX_STEPS {
        return Err((
            "pattern",
            format!("a pattern has 1 .. 64 steps, this one has {}", steps.len()),
        ));
    }
    let mut p = Pattern::new(steps.len(), seed);
    p.steps[..steps.len()].copy_from_slice(&steps);
    Ok(p)
}

/// The degrees a track's Euclidean refills cycle over, as the conductor holds them: its
/// `degrees` (at most [`MAX_EUCLID_DEGREES`], which `check` enforces), or degree 0 alone;
/// with the number used.
pub fn euclid_degree_cycle(t: &TrackDesc) -> ([i8; MAX_EUCLID_DEGREES], usize) {
    let mut degrees = [0i8; MAX_EUCLID_DEGREES];
    for (d, v) in degrees.iter_mut().zip(&t.degrees) {
        *d = *v;
    }
    (degrees, t.degrees.len().clamp(1, MAX_EUCLID_DEGREES))
}

/// Splits `"id.param"`.
pub(crate) fn split_param(name: &str) -> Option<(&str, &str)> {
    name.rsplit_once('.')
        .filter(|(m, p)| !m.is_empty() && !p.is_empty())
}

/// The spec and patch value of user module param `id.param`.
fn param_value(
    desc: &PatchDesc,
    registry: &Registry,
    name: &str,
) -> Result<(f32, f32, f32), String> {
    let (id, param) =
        split_param(name).ok_or_else(|| format!("\"{name}\" is not of the form \"id.param\""))?;
    let (_, module) =
        patch::find_module(desc, id).ok_or_else(|| format!("\"{name}\": no module \"{id}\""))?;
    let info = registry
        .get(&module.kind)
        .map(|e| e.info)
        .ok_or_else(|| format!("\"{name}\": unknown kind"))?;
    let spec = info.param_spec(param).ok_or_else(|| {
        let known: Vec<&str> = info.params.iter().map(|p| p.id).collect();
        format!(
            "\"{name}\": {} has no param \"{param}\" (params: {})",
            info.kind,
            known.join(", ")
        )
    })?;
    if !matches!(spec.kind, ParamKind::Float { .. }) {
        return Err(format!(
            "\"{name}\": only number params can glide (this one is {})",
            spec.range_text()
        ));
    }
    let (min, max) = spec.bounds();
    let value = match module.params.get(param) {
        Some(v) => spec.accept(v).map_err(|e| e.to_string())?,
        None => spec.default,
    };
    Ok((value, min, max))
}

/// Every problem of `desc`'s `sequence` section, in field order.
pub fn check(desc: &PatchDesc, registry: &Registry) -> Vec<SeqIssue> {
    let Some(seq) = &desc.sequence else {
        return Vec::new();
    };
    let mut issues = Vec::new();
    let mut push = |path: String, message: String| issues.push(SeqIssue { path, message });
    for (field, v, lo, hi) in [
        ("bpm", seq.bpm, 20.0, 300.0),
        ("swing", seq.swing, 0.0, 0.75),
        ("density", seq.density, 0.0, 1.0),
        ("drift", seq.drift, 0.0, 0.25),
    ] {
        if let Some(v) = v {
            if !(v.is_finite() && (lo..=hi).contains(&v)) {
                push(
                    format!("sequence/{field}="),
                    format!("{field} {v} is out of range {lo} .. {hi}"),
                );
            }
        }
    }
    if let Some(r) = seq.root {
        if r > 127 {
            push(
                "sequence/root=".into(),
                format!("root {r} is out of range 0 .. 127"),
            );
        }
    }
    if seq.tracks.is_empty() {
        push(
            "sequence".into(),
            "a sequence needs at least one track".into(),
        );
    }
    let instruments: Vec<String> = patch::scope::instruments(desc)
        .map(|(_, id, _)| id.to_string())
        .collect();
    for (name, t) in &seq.tracks {
        let at = |f: &str| format!("sequence/tracks/{name}/{f}=");
        if !instruments.contains(&t.instrument) {
            push(
                at("instrument"),
                format!(
                    "track \"{name}\": no instrument \"{}\" (instruments: {})",
                    t.instrument,
                    if instruments.is_empty() {
                        "none".to_string()
                    } else {
                        instruments.join(", ")
                    }
                ),
            );
        }
        if division_ticks(&t.division).is_none() {
            push(at("division"), format!("track \"{name}\": division \"{}\" is not one of 1/1, 1/2, 1/4, 1/8, 1/8t, 1/16, 1/16t, 1/32", t.division));
        }
        if !(-4..=4).contains(&t.octave) {
            push(
                at("octave"),
                format!(
                    "track \"{name}\": octave {} is out of range -4 .. 4",
                    t.octave
                ),
            );
        }
        if t.degrees.len() > MAX_EUCLID_DEGREES {
            push(
                at("degrees"),
                format!(
                    "track \"{name}\": {} degrees; a euclid track cycles over at most {MAX_EUCLID_DEGREES}",
                    t.degrees.len()
                ),
            );
        }
        if !(1..=8).contains(&t.range) {
            push(
                at("range"),
                format!("track \"{name}\": range {} is out of range 1 .. 8", t.range),
            );
        }
        let default_len = SequencerConfig::default().steps;
        if let Err((field, message)) = track_pattern(t, 0, default_len) {
            push(at(field), format!("track \"{name}\": {message}"));
        }
    }
    for (i, name) in seq.mutate.iter().enumerate() {
        if let Err(message) = param_value(desc, registry, name) {
            push(format!("sequence/mutate/{i}="), format!("mutate {message}"));
        }
    }
    for (name, v) in &seq.ambient {
        match param_value(desc, registry, name) {
            Err(message) => push(
                format!("sequence/ambient/{name}"),
                format!("ambient {message}"),
            ),
            Ok((_, min, max)) if !(min as f64..=max as f64).contains(v) => push(
                format!("sequence/ambient/{name}="),
                format!("ambient \"{name}\": {v} is out of range {min} .. {max}"),
            ),
            Ok(_) => {}
        }
    }
    let config = SequencerConfig {
        mutation: seq.mutation.clone().unwrap_or_default(),
        idle: seq.idle.clone().unwrap_or_default(),
        ..SequencerConfig::default()
    };
    if let Err(e) = config.check() {
        push(
            format!("sequence/{}", e.path[0]),
            e.message.replacen("sequencer.", "", 1),
        );
    }
    issues
}

/// A stable hash of a `sequence` section (a commit that keeps it keeps the sequencer's
/// state).
pub fn section_hash(seq: &SequenceDesc) -> u64 {
    InstrumentKey::of(&ron::to_string(seq).unwrap_or_default()).0
}

/// Everything [`build_conductor`] reads.
pub struct BuildInputs<'a> {
    /// The patch (validated).
    pub desc: &'a PatchDesc,
    /// Module kinds.
    pub registry: &'a Registry,
    /// Layouts of the graph the conductor will run with.
    pub layouts: &'a [Layout],
    /// Sequencer defaults.
    pub config: &'a SequencerConfig,
    /// Graph revision.
    pub revision: u64,
    /// The seed (`--seed`).
    pub seed: u64,
    /// Sample rate.
    pub sample_rate: f32,
}

/// The conductor of a patch with a `sequence` section (`None` without one).
pub fn build_conductor(inputs: BuildInputs) -> Result<Option<Conductor>, BuildError> {
    let BuildInputs {
        desc,
        registry,
        layouts,
        config,
        revision,
        seed,
        sample_rate,
    } = inputs;
    let Some(seq) = &desc.sequence else {
        return Ok(None);
    };
    if let Some(issue) = check(desc, registry).into_iter().next() {
        return Err(BuildError::Invalid(issue.message));
    }
    let mut tracks = Vec::with_capacity(seq.tracks.len());
    for (k, (_, t)) in seq.tracks.iter().enumerate() {
        let pattern = track_pattern(t, seed.wrapping_add(k as u64 * 0x9E37_79B9), config.steps)
            .map_err(|(_, m)| BuildError::Invalid(m))?;
        let (degrees, count) = euclid_degree_cycle(t);
        tracks.push(Track {
            instrument: InstrumentKey::of(&t.instrument),
            pattern,
            euclid_degrees: degrees,
            euclid_degree_count: count,
            octave: t.octave,
            range: t.range,
            ticks_per_step: division_ticks(&t.division).unwrap_or(6),
            steps_played: 0,
        });
    }
    // Mutable lanes first (the conductor's mutator counts them from the front).
    let mut names: Vec<(&str, bool)> = seq.mutate.iter().map(|n| (n.as_str(), true)).collect();
    for name in seq.ambient.keys() {
        if !seq.mutate.contains(name) {
            names.push((name, false));
        }
    }
    let mut params = Vec::with_capacity(names.len());
    for (name, mutable) in names {
        let (id, param) = split_param(name)
            .ok_or_else(|| BuildError::Invalid(format!("bad param \"{name}\"")))?;
        let (target, _) = resolve_param(desc, registry, layouts, id, param)
            .map_err(|e| BuildError::Invalid(e.to_string()))?;
        let (value, min, max) = param_value(desc, registry, name).map_err(BuildError::Invalid)?;
        params.push(ParamLane {
            target,
            active: Bounded { value, min, max },
            ambient: seq.ambient.get(name).map(|v| *v as f32),
            mutable,
            sent: value,
        });
    }
    let palette = if seq.scales.is_empty() {
        config.scales.clone()
    } else {
        seq.scales.clone()
    };
    let idle = seq.idle.clone().unwrap_or_else(|| config.idle.clone());
    let settings = Settings {
        bpm: seq.bpm.unwrap_or(config.bpm),
        swing: seq.swing.unwrap_or(config.swing),
        density: seq.density.unwrap_or(config.density),
        scale: seq.scale.or(palette.first().copied()).unwrap_or_default(),
        root: seq.root.unwrap_or(60),
        palette: 0.0,
    };
    Ok(Some(Conductor::new(ConductorParts {
        revision,
        source_hash: section_hash(seq),
        sample_rate,
        tracks,
        params,
        palette,
        quantize: seq.quantize.unwrap_or(config.quantize_scale_changes),
        ambient: Ambient {
            density: idle.ambient.density,
            tempo_scale: idle.ambient.tempo_scale,
            scale: idle.ambient.scale,
        },
        settings,
        drift: seq.drift.unwrap_or(config.drift),
        idle: IdleTimes::from_seconds(sample_rate, &idle),
        mutation: seq
            .mutation
            .clone()
            .unwrap_or_else(|| config.mutation.clone()),
        seed,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(sequence: &str) -> PatchDesc {
        let text = format!(
            r#"(voice: (modules: {{"env": (kind: "adsr"), "n": (kind: "noise")}}), sequence: {sequence})"#
        );
        crate::patch::parse(&text, None).unwrap()
    }

    fn messages(sequence: &str) -> Vec<String> {
        check(&desc(sequence), &Registry::builtin())
            .into_iter()
            .map(|i| format!("{}: {}", i.path, i.message))
            .collect()
    }

    #[test]
    fn a_good_section_has_no_issues_and_builds_a_conductor() {
        let text = r#"(bpm: 90, tracks: {"a": (instrument: "voices", pattern: "0 . 2"),
            "b": (instrument: "voices", euclid: (k: 3, n: 8), degrees: [0, 4])},
            mutate: ["env.sustain"], ambient: {"env.release": 2.0})"#;
        assert_eq!(messages(text), Vec::<String>::new());
        let (d, registry) = (desc(text), Registry::builtin());
        let options = crate::graph::CompileOptions {
            sample_rate: 48_000.0,
            revision: 1,
            seed: 3,
            previous: None,
        };
        let g = crate::graph::compile(&d, &registry, options).unwrap();
        let c = build_conductor(BuildInputs {
            desc: &d,
            registry: &registry,
            layouts: &g.layouts,
            config: &SequencerConfig::default(),
            revision: 1,
            seed: 3,
            sample_rate: 48_000.0,
        })
        .unwrap()
        .expect("a conductor");
        assert_eq!(c.tracks.len(), 2);
        assert_eq!(c.tracks[1].pattern.len(), 8);
        let lanes: Vec<(bool, Option<f32>)> =
            c.params.iter().map(|l| (l.mutable, l.ambient)).collect();
        assert_eq!(
            lanes,
            [(true, None), (false, Some(2.0))],
            "mutable lanes first"
        );
        assert_eq!(
            (c.settings.bpm, c.settings.swing, c.settings.root),
            (90.0, 0.12, 60)
        );
        let plain = PatchDesc {
            sequence: None,
            ..d.clone()
        };
        let none = build_conductor(BuildInputs {
            desc: &plain,
            registry: &registry,
            layouts: &g.layouts,
            config: &SequencerConfig::default(),
            revision: 1,
            seed: 3,
            sample_rate: 48_000.0,
        });
        assert!(none.unwrap().is_none());
    }

    #[test]
    fn a_euclid_without_n_spans_the_configs_steps() {
        let t: TrackDesc = crate::patch::load::ron_options()
            .from_str(r#"(instrument: "voices", euclid: (k: 5))"#)
            .unwrap();
        let p = track_pattern(&t, 0, 16).unwrap();
        assert_eq!(p.len(), 16);
        assert_eq!(p.steps[..16].iter().filter(|s| s.on).count(), 5);
        assert_eq!(track_pattern(&t, 0, 3).unwrap().len(), 3, "k clamped to n");
    }

    #[test]
    fn every_problem_names_its_field() {
        let text = r#"(swing: 0.9, root: 200, tracks: {
            "a": (instrument: "voices", pattern: "0 1", steps: [(degree: 1)]),
            "b": (instrument: "voices", division: "1/5", euclid: (k: 9, n: 8)),
            "c": (instrument: "voices", pattern: "", range: 0),
            "d": (instrument: "voices", euclid: (k: 3, n: 8), degrees: [0, 1, 2, 3, 4, 5, 6, 7, 8]),
        }, mutate: ["n.color", "env"], ambient: {"env.sustain": 3.0})"#;
        assert_eq!(
            messages(text),
            [
                "sequence/swing=: swing 0.9 is out of range 0 .. 0.75",
                "sequence/root=: root 200 is out of range 0 .. 127",
                "sequence/tracks/a/pattern=: track \"a\": a track needs exactly one of `pattern`, `steps` or `euclid`",
                "sequence/tracks/b/division=: track \"b\": division \"1/5\" is not one of 1/1, 1/2, 1/4, 1/8, 1/8t, 1/16, 1/16t, 1/32",
                "sequence/tracks/b/euclid=: track \"b\": euclid k 9 / n 8: n must be 1 .. 64 and k 0 .. n",
                "sequence/tracks/c/range=: track \"c\": range 0 is out of range 1 .. 8",
                "sequence/tracks/c/pattern=: track \"c\": a pattern has 1 .. 64 steps, this one has 0",
                "sequence/tracks/d/degrees=: track \"d\": 9 degrees; a euclid track cycles over at most 8",
                "sequence/mutate/0=: mutate \"n.color\": only number params can glide (this one is \"white\" | \"pink\" | \"brown\")",
                "sequence/mutate/1=: mutate \"env\" is not of the form \"id.param\"",
                "sequence/ambient/env.sustain=: ambient \"env.sustain\": 3 is out of range 0 .. 1",
            ]
        );
    }
}
