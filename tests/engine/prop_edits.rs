//! Property: any sequence of edits through the Controller's public edit API (create,
//! connect, disconnect, set, delete, commit, abort over the registry's kinds, params drawn
//! from each param's own range, notes between them) keeps the engine's output finite and
//! bounded, and renders without allocating on the audio side. Edits the controller refuses
//! change nothing; commits it refuses leave the running graph playing.
//!
//! Kinds: every builtin kind except the control-voltage sources `const`, `lfo` (depth and
//! offset) and `midi_cc`, whose levels are in any unit up to ±20 000 (Hz into a cutoff):
//! wired to the output they are as loud as the patch asks, not a fault.
//!
//! Bounded: the other kinds output at most a few units (oscillators ±1, gains and mixer
//! levels up to 4, filters with resonance, delays and reverbs with feedback below 1), so a
//! patch of at most [`MAX_MODULES`] of them has a static gain far below [`BOUND`] in the
//! sequences generated here; a runaway (feedback growing, a filter blowing up, a NaN)
//! leaves any bound within the second rendered after the last commit.

use assert_no_alloc::assert_no_alloc;
// assert_no_alloc checks in debug builds only: its default `disable_release` feature makes
// `assert_no_alloc` a no-op in release builds, without `AllocDisabler` or the counter.
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::control::Controller;
use chronus::engine::{Engine, EngineConfig};
use chronus::patch;
use chronus_modules::Registry;
use proptest::prelude::*;

use crate::support::engine::value_at;

const SR: f32 = 48_000.0;
/// Frames of one rendered block (two are rendered after every commit and note).
const BLOCK: usize = 256;
/// The largest sample any patch built here may output (see the file's doc).
const BOUND: f32 = 1e6;
/// Blocks rendered after the last commit: one second, for a runaway to show.
const FINAL_BLOCKS: usize = 48_000 / BLOCK;
/// Most modules an edit sequence may create.
const MAX_MODULES: usize = 16;

const START: &str = r#"(voice: (count: 2, modules: {
        "v_osc": (kind: "saw"), "v_env": (kind: "adsr"), "v_vca": (kind: "vca"),
    }, connections: [("note.freq", "v_osc.freq"), ("note.gate", "v_env.gate"),
        ("v_osc.out", "v_vca.in"), ("v_env.out", "v_vca.cv"), ("v_vca.out", "output.left")]),
    modules: {"tone": (kind: "sine", params: {"freq": 330.0})},
    connections: [("voices.left", "output.left"), ("tone.out", "output.right")])"#;

/// One edit, its choices as indices taken modulo what exists when it is applied.
#[derive(Clone, Debug)]
enum Edit {
    Create {
        kind: usize,
        voice: bool,
    },
    Connect {
        from: usize,
        out: usize,
        to: usize,
        input: usize,
    },
    Disconnect {
        from: usize,
        out: usize,
        to: usize,
        input: usize,
    },
    Set {
        module: usize,
        param: usize,
        at: f64,
    },
    Delete {
        module: usize,
    },
    Note {
        note: u8,
        on: bool,
    },
    Commit,
    Abort,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<usize>(), any::<bool>()).prop_map(|(kind, voice)| Edit::Create { kind, voice }),
        4 => (any::<usize>(), any::<usize>(), any::<usize>(), any::<usize>())
            .prop_map(|(from, out, to, input)| Edit::Connect { from, out, to, input }),
        1 => (any::<usize>(), any::<usize>(), any::<usize>(), any::<usize>())
            .prop_map(|(from, out, to, input)| Edit::Disconnect { from, out, to, input }),
        3 => (any::<usize>(), any::<usize>(), 0.0..=1.0f64)
            .prop_map(|(module, param, at)| Edit::Set { module, param, at }),
        1 => any::<usize>().prop_map(|module| Edit::Delete { module }),
        1 => (36u8..96, any::<bool>()).prop_map(|(note, on)| Edit::Note { note, on }),
        2 => Just(Edit::Commit),
        1 => Just(Edit::Abort),
    ]
}

fn kinds(registry: &Registry) -> Vec<&'static str> {
    registry
        .kinds()
        .filter(|k| !matches!(*k, "const" | "lfo" | "midi_cc"))
        .collect()
}

struct Rig {
    engine: Engine,
    control: Controller,
    registry: Registry,
    created: usize,
}

impl Rig {
    fn new() -> Rig {
        let registry = Registry::builtin();
        let (engine, handle) = Engine::new(EngineConfig {
            sample_rate: SR,
            ..EngineConfig::default()
        });
        let mut control = Controller::new(registry.clone(), handle);
        control
            .load(patch::load(START, None, &registry).unwrap())
            .unwrap();
        Rig {
            engine,
            control,
            registry,
            created: 0,
        }
    }

    /// (id, kind, in the voice template) of every module of the standby patch.
    fn modules(&self) -> Vec<(String, String, bool)> {
        let standby = self.control.standby();
        let mut out: Vec<(String, String, bool)> = standby
            .modules
            .iter()
            .map(|(id, m)| (id.clone(), m.kind.clone(), false))
            .collect();
        if let Some(voice) = &standby.voice {
            out.extend(
                voice
                    .modules
                    .iter()
                    .map(|(id, m)| (id.clone(), m.kind.clone(), true)),
            );
        }
        out
    }

    fn port(&self, module: usize, port: usize, output: bool) -> Option<(String, bool)> {
        let modules = self.modules();
        if modules.is_empty() {
            return None;
        }
        let (id, kind, voice) = &modules[module % modules.len()];
        let info = self.registry.get(kind)?.info;
        let ports = if output { info.outputs } else { info.inputs };
        if ports.is_empty() {
            return None;
        }
        Some((format!("{id}.{}", ports[port % ports.len()].id), *voice))
    }

    fn apply(&mut self, edit: &Edit) {
        // Every outcome is allowed here but a panic: a refusal changes nothing.
        match *edit {
            Edit::Create { kind, voice } => {
                if self.created >= MAX_MODULES {
                    return;
                }
                let kinds = kinds(&self.registry);
                let kind = kinds[kind % kinds.len()];
                self.created += 1;
                let id = format!("m{}", self.created);
                let id = if voice { format!("voices/{id}") } else { id };
                let _ = self.control.create(&id, kind, &[]);
            }
            Edit::Connect {
                from,
                out,
                to,
                input,
            }
            | Edit::Disconnect {
                from,
                out,
                to,
                input,
            } => {
                let Some((source, source_voice)) = self.port(from, out, true) else {
                    return;
                };
                let destination = match self.port(to, input, false) {
                    // Every fourth connection goes to the output instead.
                    Some(_) if input % 4 == 0 => (if input % 8 == 0 {
                        "output.left"
                    } else {
                        "output.right"
                    })
                    .to_string(),
                    Some((d, _)) => d,
                    None => "output.left".to_string(),
                };
                let _ = source_voice;
                let _ = if matches!(edit, Edit::Connect { .. }) {
                    self.control.connect(&source, &destination)
                } else {
                    self.control.disconnect(&source, &destination)
                };
            }
            Edit::Set { module, param, at } => {
                // Every module, voice templates included: a commit that changed a
                // template param under a held note once tripped the engine's skipped-param
                // check (found by this property; fixed in engine/program.rs).
                let modules = self.modules();
                if modules.is_empty() {
                    return;
                }
                let (id, kind, _) = &modules[module % modules.len()];
                let Some(entry) = self.registry.get(kind) else {
                    return;
                };
                let params = entry.info.params;
                if params.is_empty() {
                    return;
                }
                let spec = &params[param % params.len()];
                let _ = self.control.set(id, spec.id, value_at(&spec.kind, at));
            }
            Edit::Delete { module } => {
                let modules = self.modules();
                if modules.is_empty() {
                    return;
                }
                let (id, _, _) = &modules[module % modules.len()];
                let _ = self.control.delete(id);
            }
            Edit::Note { note, on } => {
                let target = chronus::control::NoteTarget::Default;
                let _ = if on {
                    self.control.note_on(&target, note, 0.8, None)
                } else {
                    self.control.note_off(&target, note, None)
                };
            }
            Edit::Commit => {
                let _ = self.control.commit();
            }
            Edit::Abort => self.control.abort(),
        }
    }

    /// Renders `blocks` blocks under assert_no_alloc; the largest magnitude.
    fn render(&mut self, blocks: usize) -> f32 {
        let (mut l, mut r) = ([0.0f32; BLOCK], [0.0f32; BLOCK]);
        let mut peak = 0.0f32;
        for _ in 0..blocks {
            let engine = &mut self.engine;
            assert_no_alloc(|| engine.process(&mut l, &mut r));
            for x in l.iter().chain(&r) {
                assert!(x.is_finite(), "a non-finite sample: {x}");
                peak = peak.max(x.abs());
            }
        }
        self.control.collect_garbage();
        peak
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1024,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_edit_sequence_keeps_the_output_finite_and_bounded(
        edits in proptest::collection::vec(edit(), 1..40)
    ) {
        let mut rig = Rig::new();
        #[cfg(debug_assertions)]
        reset_violation_count();
        for e in &edits {
            rig.apply(e);
            if matches!(e, Edit::Commit | Edit::Note { .. }) {
                let peak = rig.render(2);
                prop_assert!(peak <= BOUND, "peak {} after {:?}\nrunning: {}", peak, e,
                    patch::to_ron(rig.control.running()));
            }
        }
        let _ = rig.control.commit();
        let peak = rig.render(FINAL_BLOCKS);
        prop_assert!(peak <= BOUND, "peak {} at the end\nrunning: {}", peak,
            patch::to_ron(rig.control.running()));
        #[cfg(debug_assertions)]
        prop_assert_eq!(violation_count(), 0, "the audio side allocated");
    }
}
