//! Validation of a patch's `sequence` section ([`check_sequence`], reported by
//! [`validate`](super::validate()) with file positions), and the format's limits it checks
//! against. It reads the model only: building the running sequencer from a checked
//! section is the control room's (`control::sequencer_build`), which reuses
//! [`track_steps`], [`split_param`] and [`glide_param`] so that what passes here builds.

use chronus_modules::{ParamKind, Registry};

use super::model::{PatchDesc, TrackDesc};
use super::scope::{self, find_module};
use super::sequence_settings::FieldError;

/// Most steps in a pattern (and `n` of a Euclidean rhythm).
pub const MAX_STEPS: usize = 64;
/// Shortest gate, a fraction of a step.
pub const MIN_GATE: f32 = 0.05;
/// Longest gate, in steps.
pub const MAX_GATE: f32 = 4.0;
/// Most `degrees` a Euclidean track cycles over.
pub const MAX_EUCLID_DEGREES: usize = 8;
/// Length of a `euclid` track without `n` when the `sequencer` config says nothing.
pub const DEFAULT_STEPS: usize = 8;

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

/// One step of a track as its section writes it, checked (values in range).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepValues {
    /// Plays a note (false: a rest).
    pub on: bool,
    /// Scale degree from the track's base note.
    pub degree: i8,
    /// 0..1.
    pub velocity: f32,
    /// [`MIN_GATE`] ..= [`MAX_GATE`].
    pub gate: f32,
    /// 0..1.
    pub probability: f32,
}

/// A track's steps as its section gives them, checked.
#[derive(Clone, Debug, PartialEq)]
pub enum TrackSteps {
    /// Steps listed one by one (`pattern` text or `steps`), 1 ..= [`MAX_STEPS`] of them.
    Listed(Vec<StepValues>),
    /// A Euclidean rhythm: `k` hits over `n` steps (1 ..= [`MAX_STEPS`]), rotated.
    Euclid {
        /// Hits, 0 ..= n.
        k: u32,
        /// Steps.
        n: u32,
        /// Rotation in steps.
        rotation: u32,
    },
}

/// Steps of a track (`steps`, `pattern` text or `euclid`; exactly one), or what is
/// wrong as (field, message). A `euclid` without `n` spans `default_len` steps (the
/// config's `steps`), with `k` clamped to it.
pub fn track_steps(
    t: &TrackDesc,
    default_len: usize,
) -> Result<TrackSteps, (&'static str, String)> {
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
    let template = StepValues {
        on: true,
        degree: 0,
        velocity: t.velocity,
        gate: t.gate,
        probability: t.probability,
    };
    let steps: Vec<StepValues> = if let Some(text) = &t.pattern {
        text.split_whitespace()
            .map(|tok| match tok {
                "." | "-" => Ok(StepValues { on: false, ..template }),
                _ => tok
                    .parse::<i8>()
                    .map(|d| StepValues { degree: d, ..template })
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
        return Ok(TrackSteps::Euclid {
            k: e.k,
            n,
            rotation: e.rotation,
        });
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
                Ok(StepValues {
                    on: !s.rest,
                    degree: s.degree,
                    velocity: v,
                    gate: g,
                    probability: p,
                })
            })
            .collect::<Result<_, _>>()?
    };
    if steps.is_empty() || steps.len() > MAX_STEPS {
        return Err((
            "pattern",
            format!("a pattern has 1 .. 64 steps, this one has {}", steps.len()),
        ));
    }
    Ok(TrackSteps::Listed(steps))
}

/// Splits `"id.param"`.
pub fn split_param(name: &str) -> Option<(&str, &str)> {
    name.rsplit_once('.')
        .filter(|(m, p)| !m.is_empty() && !p.is_empty())
}

/// Where a sequencer lane on an external instrument's param starts in the active profile:
/// the patch holds no value for a synth's params, so the middle of 0..1.
pub const EXTERNAL_LANE_START: f32 = 0.5;

/// True when `id` names an instrument played outside the engine (a `midi` backend).
pub fn is_external_instrument(desc: &PatchDesc, id: &str) -> bool {
    scope::instruments(desc)
        .any(|(_, i, inst)| i == id && inst.backend.as_ref().is_some_and(|b| b.is_external_only()))
}

/// The patch value and bounds `(value, min, max)` of `"id.param"`, a number param the
/// sequencer can glide (`mutate`, `ambient`), or what is wrong: a user module's param, or
/// a param of an external instrument (`"nts1.cutoff"`: 0..1 through its CC profile,
/// starting at [`EXTERNAL_LANE_START`]; whether its profile has that param is checked
/// with the profiles, `midi_out::settings::check_patch_profiles`).
pub fn glide_param(
    desc: &PatchDesc,
    registry: &Registry,
    name: &str,
) -> Result<(f32, f32, f32), String> {
    let (id, param) =
        split_param(name).ok_or_else(|| format!("\"{name}\" is not of the form \"id.param\""))?;
    if is_external_instrument(desc, id) {
        return Ok((EXTERNAL_LANE_START, 0.0, 1.0));
    }
    let (_, module) =
        find_module(desc, id).ok_or_else(|| format!("\"{name}\": no module \"{id}\""))?;
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
pub fn check_sequence(desc: &PatchDesc, registry: &Registry) -> Vec<SeqIssue> {
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
    let instruments: Vec<String> = scope::instruments(desc)
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
        if let Err((field, message)) = track_steps(t, DEFAULT_STEPS) {
            push(at(field), format!("track \"{name}\": {message}"));
        }
    }
    for (i, name) in seq.mutate.iter().enumerate() {
        if let Err(message) = glide_param(desc, registry, name) {
            push(format!("sequence/mutate/{i}="), format!("mutate {message}"));
        }
    }
    for (name, v) in &seq.ambient {
        match glide_param(desc, registry, name) {
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
    let settings = seq
        .mutation
        .clone()
        .unwrap_or_default()
        .check()
        .and_then(|()| seq.idle.clone().unwrap_or_default().check());
    if let Err(FieldError { path, message }) = settings {
        push(format!("sequence/{}", path[0]), message);
    }
    issues
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
        check_sequence(&desc(sequence), &Registry::builtin())
            .into_iter()
            .map(|i| format!("{}: {}", i.path, i.message))
            .collect()
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
