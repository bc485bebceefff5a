//! Building the sequencer: a patch's checked `sequence` section (see
//! `patch::sequence_check`) becomes the [`Conductor`] of a compiled graph
//! ([`build_conductor`]), its tracks resolved to instrument keys and its `"id.param"` lanes
//! to engine targets: a module's param in the graph, or an external instrument's backend
//! param (`"nts1.cutoff"`, 0..1, leaving through the outbound ring). May allocate; runs on
//! the control side at commit.

use chronus_modules::Registry;

use super::backend_params::{backend_param, BackendParams, BackendStarts};
use super::param_resolution::resolve_param;
use crate::address::{InstrumentKey, LiveTarget};
use crate::graph::Layout;
use crate::patch::{
    self, division_ticks, glide_param, split_param, track_steps, PatchDesc, SequenceDesc,
    TrackDesc, TrackSteps, MAX_EUCLID_DEGREES,
};
use crate::seq::conductor::{Ambient, Conductor, ConductorParts, ParamLane, Settings, Track};
use crate::seq::euclid::euclid;
use crate::seq::idle::IdleTimes;
use crate::seq::mutation::Bounded;
use crate::seq::pattern::{Pattern, Step};
use crate::seq::SequencerConfig;

/// Why a conductor could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The section is invalid (normally caught by validation first).
    #[error("sequence: {0}")]
    Invalid(String),
}

/// The [`Pattern`] of a track (`steps`, `pattern` text or `euclid`; exactly one), its
/// thinning order seeded by `seed`, or what is wrong as (field, message). A `euclid`
/// without `n` spans `default_len` steps (the config's `steps`), with `k` clamped to it.
pub fn track_pattern(
    t: &TrackDesc,
    seed: u64,
    default_len: usize,
) -> Result<Pattern, (&'static str, String)> {
    let template = Step::note(0, t.velocity, t.gate, t.probability);
    match track_steps(t, default_len)? {
        TrackSteps::Euclid { k, n, rotation } => {
            let mut p = Pattern::new(n as usize, seed);
            let degrees = if t.degrees.is_empty() {
                vec![0]
            } else {
                t.degrees.clone()
            };
            p.fill_euclid(euclid(k, n, rotation), n as usize, &degrees, template);
            Ok(p)
        }
        TrackSteps::Listed(steps) => {
            let mut p = Pattern::new(steps.len(), seed);
            for (slot, s) in p.steps.iter_mut().zip(&steps) {
                *slot = Step {
                    on: s.on,
                    ..Step::note(s.degree, s.velocity, s.gate, s.probability)
                };
            }
            Ok(p)
        }
    }
}

/// The degrees a track's Euclidean refills cycle over, as the conductor holds them: its
/// `degrees` (at most [`MAX_EUCLID_DEGREES`], which the patch check enforces), or degree
/// 0 alone; with the number used.
pub fn euclid_degree_cycle(t: &TrackDesc) -> ([i8; MAX_EUCLID_DEGREES], usize) {
    let mut degrees = [0i8; MAX_EUCLID_DEGREES];
    for (d, v) in degrees.iter_mut().zip(&t.degrees) {
        *d = *v;
    }
    (degrees, t.degrees.len().clamp(1, MAX_EUCLID_DEGREES))
}

/// A stable hash of a `sequence` section (a commit that keeps it keeps the sequencer's
/// state).
pub fn section_hash(seq: &SequenceDesc) -> u64 {
    InstrumentKey::of(&ron::to_string(seq).unwrap_or_default()).0
}

/// The `"id.param"` names of a section's param lanes in the order of the conductor's
/// [`params`](Conductor::params), each with whether mutation may move it: the `mutate`
/// lanes first (the conductor's mutator counts them from the front), then the `ambient`
/// ones not among them.
pub fn lane_names(seq: &SequenceDesc) -> Vec<(&str, bool)> {
    let mut names: Vec<(&str, bool)> = seq.mutate.iter().map(|n| (n.as_str(), true)).collect();
    for name in seq.ambient.keys() {
        if !seq.mutate.contains(name) {
            names.push((name, false));
        }
    }
    names
}

/// A lane `"module.param"` on a param of a template that a live backend plays (a
/// `supercollider` instrument, whose compiled SynthDef names that param's control
/// `module.param` too): the instrument and the control's index, so the lane reaches the
/// backend (`/n_set` on scsynth) rather than the template's params in the graph, which
/// do not sound. `None` when the module is not in such a template.
fn backend_lane(
    desc: &PatchDesc,
    registry: &Registry,
    params: &BackendParams,
    name: &str,
) -> Option<(String, u16)> {
    let (id, _) = split_param(name)?;
    let (scope, _) = crate::patch::module_info(desc, registry, id)?;
    let instrument = scope.instrument_id()?;
    let index = params.get(instrument)?.iter().position(|p| p == name)?;
    Some((instrument.to_string(), index as u16))
}

/// Everything [`build_conductor`] reads.
pub struct BuildInputs<'a> {
    /// The patch (validated).
    pub desc: &'a PatchDesc,
    /// Module kinds.
    pub registry: &'a Registry,
    /// Layouts of the graph the conductor will run with.
    pub layouts: &'a [Layout],
    /// The params of the patch's external instruments.
    pub backend_params: &'a BackendParams,
    /// Where each external instrument's params start, in the same order (a lane on one
    /// starts there; [`patch::EXTERNAL_LANE_START`] for a param not listed).
    pub backend_starts: &'a BackendStarts,
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
        backend_params,
        backend_starts,
        config,
        revision,
        seed,
        sample_rate,
    } = inputs;
    let Some(seq) = &desc.sequence else {
        return Ok(None);
    };
    if let Some(issue) = patch::check_sequence(desc, registry).into_iter().next() {
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
    let names = lane_names(seq);
    let mut params = Vec::with_capacity(names.len());
    for (name, mutable) in names {
        let (id, param) = split_param(name)
            .ok_or_else(|| BuildError::Invalid(format!("bad param \"{name}\"")))?;
        let invalid = |e: super::ControlError| BuildError::Invalid(e.to_string());
        let mut start = None;
        let backend = match backend_lane(desc, registry, backend_params, name) {
            Some(lane) => Some(lane),
            None => backend_param(backend_params, id, param)
                .map_err(invalid)?
                .map(|p| {
                    start = backend_starts
                        .get(id)
                        .and_then(|s| s.get(usize::from(p)))
                        .copied();
                    (id.to_string(), p)
                }),
        };
        let target = match backend {
            Some((id, param)) => LiveTarget::Backend {
                instrument: InstrumentKey::of(&id),
                param,
            },
            None => LiveTarget::Graph(
                resolve_param(desc, registry, layouts, id, param)
                    .map_err(invalid)?
                    .0,
            ),
        };
        let (value, min, max) = glide_param(desc, registry, name).map_err(BuildError::Invalid)?;
        let value = start.unwrap_or(value);
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
        patch::check_sequence(&desc(sequence), &Registry::builtin())
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
            outside: &[],
        };
        let g = crate::graph::compile(&d, &registry, options).unwrap();
        let c = build_conductor(BuildInputs {
            desc: &d,
            registry: &registry,
            layouts: &g.layouts,
            backend_params: &BackendParams::default(),
            backend_starts: &BackendStarts::default(),
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
            backend_params: &BackendParams::default(),
            backend_starts: &BackendStarts::default(),
            config: &SequencerConfig::default(),
            revision: 1,
            seed: 3,
            sample_rate: 48_000.0,
        });
        assert!(none.unwrap().is_none());
    }

    #[test]
    fn lanes_on_an_external_instruments_params_address_its_backend() {
        let text = r#"(instruments: {
            "nts1": (count: 1, backend: (kind: "midi", port: "NTS", profile: "korg_nts1_mk2")),
            "lead": (count: 1, modules: {"env": (kind: "adsr")}),
        }, sequence: (tracks: {"a": (instrument: "nts1", pattern: "0 2")},
            mutate: ["nts1.cutoff", "env.sustain"], ambient: {"nts1.resonance": 0.9}))"#;
        let d = crate::patch::parse(text, None).unwrap();
        let issues: Vec<String> = patch::check_sequence(&d, &Registry::builtin())
            .into_iter()
            .map(|i| i.message)
            .collect();
        assert!(issues.is_empty(), "{issues:?}");
        let registry = Registry::builtin();
        let options = crate::graph::CompileOptions {
            sample_rate: 48_000.0,
            revision: 1,
            seed: 3,
            previous: None,
            outside: &[],
        };
        let g = crate::graph::compile(&d, &registry, options).unwrap();
        let params: BackendParams = [(
            "nts1".to_string(),
            vec!["osc_type".into(), "cutoff".into(), "resonance".into()],
        )]
        .into();
        // Where the profile starts them: cutoff at 0.3, resonance unlisted.
        let starts: BackendStarts = [("nts1".to_string(), vec![0.5, 0.3])].into();
        let build = |params: &BackendParams| {
            build_conductor(BuildInputs {
                desc: &d,
                registry: &registry,
                layouts: &g.layouts,
                backend_params: params,
                backend_starts: &starts,
                config: &SequencerConfig::default(),
                revision: 1,
                seed: 3,
                sample_rate: 48_000.0,
            })
        };
        let c = build(&params).unwrap().expect("a conductor");
        let nts1 = InstrumentKey::of("nts1");
        let lanes: Vec<(LiveTarget, f32, Option<f32>, bool)> = c
            .params
            .iter()
            .map(|l| (l.target, l.active.value, l.ambient, l.mutable))
            .collect();
        assert_eq!(
            lanes[0],
            (
                LiveTarget::Backend {
                    instrument: nts1,
                    param: 1
                },
                0.3,
                None,
                true
            )
        );
        assert!(matches!(lanes[1].0, LiveTarget::Graph(_)), "{lanes:?}");
        assert_eq!(
            lanes[2],
            (
                LiveTarget::Backend {
                    instrument: nts1,
                    param: 2
                },
                patch::EXTERNAL_LANE_START,
                Some(0.9),
                false
            )
        );
        assert_eq!((c.params[0].active.min, c.params[0].active.max), (0.0, 1.0));
        // A param the profile does not have is refused, naming the ones it has.
        let short: BackendParams = [("nts1".to_string(), vec!["cutoff".into()])].into();
        let e = build(&short).err().expect("refused").to_string();
        assert!(e.contains("resonance") && e.contains("cutoff"), "{e}");
    }

    #[test]
    fn lanes_on_a_supercollider_instruments_template_params_address_its_backend() {
        // Played live by scsynth, "pad" declares its compiled def's controls
        // (`module.param`): the lanes on its template's params go to the backend (`/n_set`
        // there), not to the template's params in the graph, which do not sound.
        let text = r#"(instruments: {
            "pad": (count: 2, backend: (kind: "supercollider"), modules: {
                "osc": (kind: "sine"), "vca": (kind: "vca")},
                connections: [("osc.out", "vca.in"), ("vca.out", "output.left")]),
        }, sequence: (tracks: {"a": (instrument: "pad", pattern: "0 2")},
            mutate: ["osc.detune"], ambient: {"vca.gain": 0.1}))"#;
        let d = crate::patch::parse(text, None).unwrap();
        let registry = Registry::builtin();
        let options = crate::graph::CompileOptions {
            sample_rate: 48_000.0,
            revision: 1,
            seed: 3,
            previous: None,
            outside: &[],
        };
        let g = crate::graph::compile(&d, &registry, options).unwrap();
        let build = |params: &BackendParams| {
            build_conductor(BuildInputs {
                desc: &d,
                registry: &registry,
                layouts: &g.layouts,
                backend_params: params,
                backend_starts: &BackendStarts::default(),
                config: &SequencerConfig::default(),
                revision: 1,
                seed: 3,
                sample_rate: 48_000.0,
            })
            .unwrap()
            .expect("a conductor")
        };
        let controls: BackendParams = [(
            "pad".to_string(),
            vec!["osc.freq".into(), "osc.detune".into(), "vca.gain".into()],
        )]
        .into();
        let pad = InstrumentKey::of("pad");
        let c = build(&controls);
        let lanes: Vec<(LiveTarget, f32, f32, f32)> = c
            .params
            .iter()
            .map(|l| (l.target, l.active.value, l.active.min, l.active.max))
            .collect();
        // The template's values and ranges: a compiled def's controls are the params'.
        assert_eq!(
            lanes[0],
            (
                LiveTarget::Backend {
                    instrument: pad,
                    param: 1
                },
                0.0,
                -1200.0,
                1200.0
            )
        );
        assert_eq!(
            lanes[1],
            (
                LiveTarget::Backend {
                    instrument: pad,
                    param: 2
                },
                1.0,
                0.0,
                4.0
            )
        );
        // Played by the engine (no backend controls), the same lanes move the graph.
        let c = build(&BackendParams::default());
        assert!(
            c.params
                .iter()
                .all(|l| matches!(l.target, LiveTarget::Graph(_))),
            "{:?}",
            c.params.iter().map(|l| l.target).collect::<Vec<_>>()
        );
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
}
