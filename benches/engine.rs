//! What the engine and the graph cost: shipped patches, voice scaling, compile and swap,
//! live parameter changes, and the graph's overhead over calling the kernels directly.
//!
//! ```text
//! cargo bench --bench engine                    # everything, about a minute and a half
//! cargo bench --bench engine -- voices/         # one group (a criterion filter)
//! ```
//!
//! - `patch/<name>`: [`Engine::process`] of one 64-frame block at 48 kHz with the patch
//!   loaded and, for a patch with voices, as many notes held as it has voices (its worst
//!   case), measured one second in (attacks and decays over).
//! - `voices/poly-subtractive-<n>`: `patches/poly-subtractive.ron` with its voice count set
//!   to n = 1, 8, 32, 128 and n notes held. The slope between the points is the cost of a
//!   voice; BENCHMARKS.md turns it into voices at 50% of one core.
//! - `compile/<size>`: [`graph::compile`] (validation, sort, buffer plan, module
//!   construction) of a generated patch: `16m-32c` (16 modules, 32 connections) and
//!   `200m-400c`. The graph is dropped outside the measurement.
//! - `commit-swap/<size>`: [`Controller::commit`] of the same patch (compile, send), one
//!   64-frame [`Engine::process`] (the engine swaps at its block boundary, carrying every
//!   module's state over) and [`Controller::collect_garbage`] (the old graph dropped).
//! - `param-change/<n>-per-block`: n [`Controller::set_live`] calls on the filter cutoff of
//!   every voice of the 8-voice poly patch, then one 64-frame block; `0-per-block` is the
//!   block alone.
//! - `overhead/ref-voice-64-{engine,direct}`: 64 held voices of
//!   `patches/bench/ref-voice.ron` through the engine, against the same module kernels
//!   (saw, saw, lowpass, adsr, vca) called directly in a loop over 64 voices, with
//!   prepared parameter blocks and buffers and a plain sum into two channels. The bench
//!   also times both itself (alternating, median of 7) and prints the ratio
//!   engine / direct: the graph's overhead (target ≤ 1.10).
//!
//! Throughput is in elements = frames, so criterion's `elem/s` is samples per second and
//! 1e9 / that is nanoseconds per sample. Runs are short (10 samples of 1 s) for small
//! shared machines.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chronus::control::{Controller, NoteTarget};
use chronus::engine::{Engine, EngineConfig, EngineStats};
use chronus::graph::{self, CompileOptions};
use chronus::patch::{self, PatchDesc};
use chronus_modules::{
    new_block, BlockBuf, Inputs, Module, Outputs, ParamBlock, ParamValue, Params, ProcessContext,
    Registry, MAX_BLOCK,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const SAMPLE_RATE: f32 = 48_000.0;
const BLOCK: usize = MAX_BLOCK;

fn patch_path(name: &str) -> String {
    format!("{}/patches/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str) -> PatchDesc {
    patch::load_file(patch_path(name), &Registry::builtin()).expect("shipped patch loads")
}

/// `n` distinct MIDI notes (37 is coprime with 128, so up to 128 are distinct).
fn notes(n: usize) -> impl Iterator<Item = u8> {
    (0..n).map(|i| ((24 + i * 37) % 128) as u8)
}

/// An engine running `desc` with `held` notes on, one second in. A generative patch (one
/// with a `sequence`) also plays its own notes, so only patches without one are checked
/// to sound exactly the held notes.
fn running(desc: PatchDesc, held: usize) -> (Engine, Controller) {
    let generative = desc.sequence.is_some();
    let (mut engine, handle) = Engine::new(EngineConfig::default());
    let mut control = Controller::new(Registry::builtin(), handle);
    control.load(desc).expect("patch compiles");
    for note in notes(held) {
        control
            .note_on(&NoteTarget::Default, note, 0.8, None)
            .expect("note accepted");
    }
    let (mut left, mut right) = ([0.0f32; BLOCK], [0.0f32; BLOCK]);
    for _ in 0..48_000 / BLOCK {
        engine.process(&mut left, &mut right);
    }
    control.collect_garbage();
    let active = EngineStats::get(&control.engine().stats().voices_active);
    if generative {
        assert!(
            active as usize >= held,
            "every held note should be sounding"
        );
    } else {
        assert_eq!(active as usize, held, "every note should be sounding");
    }
    (engine, control)
}

fn block(engine: &mut Engine) {
    let (mut left, mut right) = ([0.0f32; BLOCK], [0.0f32; BLOCK]);
    engine.process(&mut left, &mut right);
    black_box((&left, &right));
}

fn patches(c: &mut Criterion) {
    let mut group = c.benchmark_group("patch");
    group.throughput(Throughput::Elements(BLOCK as u64));
    let mut names: Vec<String> = std::fs::read_dir(patch_path(""))
        .expect("patches/")
        .chain(std::fs::read_dir(patch_path("bench")).expect("patches/bench/"))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .map(|p| {
            let rel = p.strip_prefix(patch_path("")).expect("under patches/");
            rel.to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    for name in names {
        let desc = load(&name);
        let held = patch::scope::instruments(&desc)
            .next()
            .map_or(0, |(_, _, inst)| inst.count);
        let (mut engine, _control) = running(desc, held);
        let id = format!("{}-{held}-voices", name.trim_end_matches(".ron"));
        group.bench_function(id, |b| b.iter(|| block(&mut engine)));
    }
    group.finish();
}

fn voices(c: &mut Criterion) {
    let mut group = c.benchmark_group("voices");
    group.throughput(Throughput::Elements(BLOCK as u64));
    for n in [1, 8, 32, 128] {
        let mut desc = load("poly-subtractive.ron");
        desc.voice.as_mut().expect("a voice patch").count = n;
        let (mut engine, _control) = running(desc, n);
        group.bench_function(format!("poly-subtractive-{n}"), |b| {
            b.iter(|| block(&mut engine))
        });
    }
    group.finish();
}

/// A main-graph patch of `modules` modules and `connections` connections: a quarter are
/// saws, the rest 4-input mixers each fed by the modules just before it, the last mixer
/// into both outputs.
fn generated(modules: usize, connections: usize) -> PatchDesc {
    let sources = modules / 4;
    let mixers = modules - sources;
    let mut budget = connections - 2;
    let mut text = String::from("(name: \"generated\", modules: {\n");
    for i in 0..modules {
        if i < sources {
            let freq = 55.0 * (1.0 + i as f32);
            text += &format!("\"m{i}\": (kind: \"saw\", params: {{\"freq\": {freq:.1}}}),\n");
        } else {
            text += &format!("\"m{i}\": (kind: \"mixer\", params: {{\"level1\": 0.25}}),\n");
        }
    }
    text += "}, connections: [\n";
    for (k, i) in (sources..modules).enumerate() {
        // Spread the budget evenly over the mixers, at most 4 inputs each.
        let left = mixers - k;
        let take = budget.div_ceil(left).min(4).min(i);
        for port in 0..take {
            text += &format!("(\"m{}.out\", \"m{i}.in{}\"),\n", i - 1 - port, port + 1);
        }
        budget -= take;
    }
    assert_eq!(budget, 0, "the generator places every connection");
    let last = modules - 1;
    text += &format!("(\"m{last}.out\", \"output.left\"), (\"m{last}.out\", \"output.right\")]\n)");
    let desc = patch::load(&text, None, &Registry::builtin()).expect("generated patch loads");
    assert_eq!(desc.modules.len(), modules);
    assert_eq!(desc.connections.len(), connections);
    desc
}

fn graphs(c: &mut Criterion) {
    let registry = Registry::builtin();
    for (modules, connections) in [(16, 32), (200, 400)] {
        let desc = generated(modules, connections);
        let size = format!("{modules}m-{connections}c");
        let options = CompileOptions {
            sample_rate: SAMPLE_RATE,
            revision: 1,
            seed: 0,
            previous: None,
            outside: &[],
        };
        c.benchmark_group("compile")
            .bench_function(size.as_str(), |b| {
                b.iter_with_large_drop(|| graph::compile(&desc, &registry, options).unwrap())
            });

        let (mut engine, mut control) = running(desc, 0);
        c.benchmark_group("commit-swap")
            .bench_function(size.as_str(), |b| {
                b.iter(|| {
                    control.commit().expect("commit");
                    block(&mut engine);
                    control.collect_garbage();
                })
            });
    }
}

fn param_changes(c: &mut Criterion) {
    let mut group = c.benchmark_group("param-change");
    group.throughput(Throughput::Elements(BLOCK as u64));
    let (mut engine, mut control) = running(load("poly-subtractive.ron"), 8);
    for n in [0usize, 1, 1000] {
        let mut k = 0u32;
        group.bench_function(format!("{n}-per-block"), |b| {
            b.iter(|| {
                for _ in 0..n {
                    k = k.wrapping_add(1);
                    let cutoff = 500.0 + (k % 1000) as f64;
                    control
                        .set_live("vcf", "cutoff", ParamValue::Number(cutoff), None)
                        .expect("live change");
                }
                block(&mut engine);
            })
        });
    }
    group.finish();
}

/// The ref voice's kernels, 64 voices, called directly: what the engine would cost with
/// no graph at all.
struct Direct {
    voices: Vec<DirectVoice>,
    /// 0: zeros; 1: gate on; 2: saw1; 3: saw2; 4: sum; 5: filter; 6: env; 7: vca.
    buffers: Vec<BlockBuf>,
    spare: BlockBuf,
    left: [f32; BLOCK],
    right: [f32; BLOCK],
    sample_time: u64,
}

struct DirectVoice {
    saw1: Box<dyn Module>,
    saw2: Box<dyn Module>,
    filter: Box<dyn Module>,
    env: Box<dyn Module>,
    amp: Box<dyn Module>,
    /// Parameter blocks per module, in `ModuleInfo::params` order.
    saw1_p: Vec<ParamBlock>,
    saw2_p: Vec<ParamBlock>,
    filter_p: Vec<ParamBlock>,
    env_p: Vec<ParamBlock>,
    amp_p: Vec<ParamBlock>,
}

/// Parameter blocks of `module` from the ref-voice patch's values, all constant: the
/// engine too hands a module a constant block for a settled parameter, and for `freq`
/// under the note's steady `note.freq` (see `ParamBlock::render`).
fn param_blocks(module: &dyn Module, values: &[(&str, f32)]) -> Vec<ParamBlock> {
    module
        .info()
        .params
        .iter()
        .map(|spec| {
            let v = values
                .iter()
                .find(|(id, _)| *id == spec.id)
                .map_or(spec.default, |&(_, v)| v);
            ParamBlock::constant(v)
        })
        .collect()
}

impl Direct {
    fn new(voices: usize) -> Direct {
        let registry = Registry::builtin();
        let make = |kind: &str| {
            let mut m = (registry.get(kind).expect("built-in kind").create)();
            m.prepare(SAMPLE_RATE, MAX_BLOCK);
            m
        };
        let voices = notes(voices)
            .map(|note| {
                let freq = 440.0 * 2f32.powf((f32::from(note) - 69.0) / 12.0);
                let (saw1, saw2) = (make("saw"), make("saw"));
                let (filter, env, amp) = (make("lowpass"), make("adsr"), make("vca"));
                DirectVoice {
                    saw1_p: param_blocks(&*saw1, &[("freq", freq)]),
                    saw2_p: param_blocks(&*saw2, &[("freq", freq), ("detune", 8.6357)]),
                    filter_p: param_blocks(&*filter, &[("cutoff", 1200.0), ("q", 3.33)]),
                    env_p: param_blocks(
                        &*env,
                        &[
                            ("attack", 0.01),
                            ("decay", 0.2),
                            ("sustain", 0.6),
                            ("release", 0.3),
                        ],
                    ),
                    amp_p: param_blocks(&*amp, &[("gain", 0.1)]),
                    saw1,
                    saw2,
                    filter,
                    env,
                    amp,
                }
            })
            .collect();
        let mut buffers: Vec<BlockBuf> = (0..8).map(|_| new_block()).collect();
        buffers[1].fill(1.0);
        Direct {
            voices,
            buffers,
            spare: new_block(),
            left: [0.0; BLOCK],
            right: [0.0; BLOCK],
            sample_time: 0,
        }
    }

    #[inline]
    fn block(&mut self) {
        let ctx = ProcessContext {
            sample_rate: SAMPLE_RATE,
            frames: BLOCK,
            sample_time: self.sample_time,
        };
        self.left.fill(0.0);
        self.right.fill(0.0);
        let (b, spare) = (&mut self.buffers, &mut self.spare);
        for v in &mut self.voices {
            // saw inputs: freq, pitch (freq reaches the kernel as its param block).
            run(&ctx, &mut *v.saw1, b, spare, &[0, 0], &v.saw1_p, 2);
            run(&ctx, &mut *v.saw2, b, spare, &[0, 0], &v.saw2_p, 3);
            let (head, tail) = b.split_at_mut(4);
            for ((s, x), y) in tail[0].iter_mut().zip(head[2].iter()).zip(head[3].iter()) {
                *s = x + y;
            }
            // lowpass inputs: in, cutoff, q.
            run(&ctx, &mut *v.filter, b, spare, &[4, 0, 0], &v.filter_p, 5);
            // adsr input: gate.
            run(&ctx, &mut *v.env, b, spare, &[1], &v.env_p, 6);
            // vca inputs: in, cv.
            run(&ctx, &mut *v.amp, b, spare, &[5, 6], &v.amp_p, 7);
            for ((l, r), x) in self
                .left
                .iter_mut()
                .zip(self.right.iter_mut())
                .zip(b[7].iter())
            {
                *l += x;
                *r += x;
            }
        }
        black_box((&self.left, &self.right));
        self.sample_time += BLOCK as u64;
    }
}

/// One module's `process` on `buffers` (by index), writing into `spare`, which then
/// takes the place of `buffers[out]` (two boxes swapped: no copy, no allocation).
#[inline]
fn run(
    ctx: &ProcessContext,
    module: &mut dyn Module,
    buffers: &mut [BlockBuf],
    spare: &mut BlockBuf,
    inputs: &[usize],
    params: &[ParamBlock],
    out: usize,
) {
    module.process(
        ctx,
        &Inputs::new(buffers, inputs, 0, BLOCK),
        &mut Outputs::new(std::slice::from_mut(spare), BLOCK),
        &Params::new(params, BLOCK),
    );
    std::mem::swap(spare, &mut buffers[out]);
}

fn overhead(c: &mut Criterion) {
    const VOICES: usize = 64;
    let (mut engine, _control) = running(load("bench/ref-voice.ron"), VOICES);
    let mut direct = Direct::new(VOICES);
    // One second in, as the engine: every envelope sustaining.
    for _ in 0..48_000 / BLOCK {
        direct.block();
    }

    // Our own alternating timing, for the printed ratio.
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..750 {
            f();
        }
        start.elapsed().as_secs_f64()
    };
    let (mut e, mut d) = (vec![], vec![]);
    for _ in 0..7 {
        e.push(time(&mut || block(&mut engine)));
        d.push(time(&mut || direct.block()));
    }
    e.sort_by(f64::total_cmp);
    d.sort_by(f64::total_cmp);
    let per_sample = |t: f64| t / (750.0 * BLOCK as f64) * 1e9;
    println!(
        "graph overhead, ref voice x{VOICES}: engine {:.0} ns/sample, direct kernels {:.0} ns/sample, ratio {:.3} (target <= 1.10)",
        per_sample(e[3]),
        per_sample(d[3]),
        e[3] / d[3]
    );

    let mut group = c.benchmark_group("overhead");
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.bench_function("ref-voice-64-engine", |b| b.iter(|| block(&mut engine)));
    group.bench_function("ref-voice-64-direct", |b| b.iter(|| direct.block()));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = patches, voices, graphs, param_changes, overhead
}
criterion_main!(benches);
