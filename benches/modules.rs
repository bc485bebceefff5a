//! What Chronus costs: every built-in module kind on its own, and a whole polyphonic patch
//! in the engine.
//!
//! ```text
//! cargo bench --bench modules                   # everything, about a minute
//! cargo bench --bench modules -- module/moog    # one kind (a criterion filter)
//! ```
//!
//! - `module/<kind>`: [`Module::process`] called directly on blocks of 64 frames at
//!   48 kHz, over buffers prepared beforehand the way the engine (and `ModuleRunner`) lays
//!   them out, so only the module is measured: no copying of inputs, no parameter
//!   smoothing. Inputs carry realistic signals: a 220 Hz sine on audio ports (`in`,
//!   `in1`..`in4`, `left`, `right`), a note's 220 Hz on `freq`, an envelope-like 0..1 swing
//!   on `cv`, a gate on for 0.3 s of every 0.5 s on `gate` (the `a`, `b` operands of
//!   `math` and `crossfade` are audio too; the `sampler` plays `patches/samples/mallet.wav`
//!   from each gate). Other modulation inputs
//!   (`pitch`, `cutoff`, `q`, `resonance`, `rate`, `pan`) are left unconnected, so those
//!   parameters hold still; `module/lowpass+cutoff-lfo` shows the cost of sweeping one.
//! - `module/delay-reset`, `module/reverb-reset`: [`Module::reset`] and then the next
//!   block, as when a stolen voice's fade ends (`finish_fade` resets every module of the
//!   voice inside one block): the worst block a reset brings.
//! - `engine/poly-subtractive-8-voices`: `Engine::process` of 256 frames with
//!   `patches/poly-subtractive.ron` loaded and 8 notes held (8 voices of saw, lowpass,
//!   ADSR and VCA, then a stereo reverb).
//!
//! Throughput is in elements = frames, so criterion's `elem/s` is samples per second per
//! module (or per engine); 1e9 / that is nanoseconds per sample. Runs are kept short
//! (20 samples of 1 s) for small shared machines; pass `--measurement-time` for more.

use std::hint::black_box;
use std::time::Duration;

use chronus::control::{Controller, NoteTarget};
use chronus::engine::{Engine, EngineConfig, EngineStats};
use chronus_modules::{
    new_block, BlockBuf, Inputs, Module, ModuleEntry, Outputs, ParamBlock, Params, ProcessContext,
    Registry, Smoother, BUILTIN, MAX_BLOCK,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const SAMPLE_RATE: f32 = 48_000.0;
/// Frames per `process` call: the engine's block.
const BLOCK: usize = MAX_BLOCK;
/// Input prepared ahead and cycled through: 375 blocks = 0.5 s, one gate period, and a
/// whole number of cycles of every signal below.
const CYCLE: usize = 375;

/// What feeds one input port.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Signal {
    /// Nothing connected: the port reads zeros and its parameter (if any) holds still.
    Unconnected,
    /// A sine of this frequency at amplitude 0.5.
    Audio(f32),
    /// A constant (a held note's frequency).
    Constant(f32),
    /// 0.5 ± 0.5, 2 Hz: what an envelope or LFO feeds a `cv`.
    Unipolar,
    /// 1 for the first 0.3 s of every 0.5 s, then 0.
    Gate,
    /// A 2 Hz sine of this amplitude: an LFO sweeping a parameter.
    Lfo(f32),
}

impl Signal {
    /// The realistic signal for an input port of a built-in kind.
    fn for_port(id: &str) -> Signal {
        match id {
            "in" | "in1" | "in2" | "in3" | "in4" | "left" | "right" | "a" | "b" => {
                Signal::Audio(220.0)
            }
            "freq" => Signal::Constant(220.0),
            "cv" => Signal::Unipolar,
            "gate" => Signal::Gate,
            _ => Signal::Unconnected,
        }
    }

    /// The value at frame `t`.
    fn at(self, t: usize) -> f32 {
        let sine = |hz: f32| (std::f32::consts::TAU * hz * t as f32 / SAMPLE_RATE).sin();
        match self {
            Signal::Unconnected => 0.0,
            Signal::Audio(hz) => 0.5 * sine(hz),
            Signal::Constant(v) => v,
            Signal::Unipolar => 0.5 + 0.5 * sine(2.0),
            Signal::Gate => f32::from(t % (CYCLE * BLOCK) < 14_400),
            Signal::Lfo(depth) => depth * sine(2.0),
        }
    }
}

/// One prepared module and [`CYCLE`] blocks of its inputs and parameter values.
struct Fixture {
    module: Box<dyn Module>,
    /// Buffer 0 is the zeroed one unconnected ports read; then `CYCLE` blocks per
    /// connected port.
    buffers: Vec<BlockBuf>,
    /// Port → buffer index, `inputs` entries per cycle position.
    ports: Vec<usize>,
    inputs: usize,
    /// Parameter blocks, `params` entries per position.
    param_blocks: Vec<ParamBlock>,
    params: usize,
    /// `CYCLE` when an input modulates a parameter, else 1 (the values never change).
    param_positions: usize,
    outputs: Vec<BlockBuf>,
    position: usize,
    sample_time: u64,
}

impl Fixture {
    /// Prepares `entry`'s module with `signal(port id)` on each input port.
    fn new(entry: &ModuleEntry, signal: impl Fn(&str) -> Signal) -> Fixture {
        let info = entry.info;
        let mut module = (entry.create)();
        module.prepare(SAMPLE_RATE, MAX_BLOCK);
        module.seed(1);
        // A kind that plays a file (the sampler) plays the shipped mallet sample.
        for (p, spec) in info.params.iter().enumerate() {
            if spec.is_file() {
                let path = concat!(env!("CARGO_MANIFEST_DIR"), "/patches/samples/mallet.wav");
                let file = chronus_modules::AudioFile::decode(std::path::Path::new(path)).unwrap();
                module.load_file(p, std::sync::Arc::new(file)).unwrap();
            }
        }

        let signals: Vec<Signal> = info.inputs.iter().map(|p| signal(p.id)).collect();
        let mut buffers = vec![new_block()];
        let mut first_block = vec![0; signals.len()];
        for (port, &s) in signals.iter().enumerate() {
            if s == Signal::Unconnected {
                continue;
            }
            first_block[port] = buffers.len();
            for k in 0..CYCLE {
                let mut block = new_block();
                for (i, v) in block.iter_mut().enumerate() {
                    *v = s.at(k * BLOCK + i);
                }
                buffers.push(block);
            }
        }
        let ports = (0..CYCLE)
            .flat_map(|k| {
                let first_block = &first_block;
                (0..signals.len()).map(move |p| match first_block[p] {
                    0 => 0,
                    first => first + k,
                })
            })
            .collect();

        // Parameters exactly as the engine renders them: smoothed (settled here), plus the
        // signal of the input port of the same id, clamped. A connected port starts its
        // parameter at `modulated_default` (an oscillator's `freq` at 0, so the note's
        // 220 Hz is the pitch), as the graph compiler does.
        let modulation: Vec<Option<usize>> = info
            .params
            .iter()
            .map(|spec| info.input(spec.id).filter(|&i| first_block[i] != 0))
            .collect();
        let positions = if modulation.iter().any(Option::is_some) {
            CYCLE
        } else {
            1
        };
        let mut smoothers: Vec<Smoother> = info
            .params
            .iter()
            .zip(&modulation)
            .map(|(spec, m)| {
                let start = match (m, spec.modulated_default) {
                    (Some(_), Some(d)) => d,
                    _ => spec.default,
                };
                Smoother::new(spec.smoothing, SAMPLE_RATE, start)
            })
            .collect();
        let mut param_blocks = Vec::with_capacity(positions * info.params.len());
        for k in 0..positions {
            for (p, spec) in info.params.iter().enumerate() {
                let mut block = ParamBlock::constant(spec.default);
                let signal = modulation[p].map(|i| &buffers[first_block[i] + k][..]);
                block.render(&mut smoothers[p], signal, spec.bounds(), BLOCK);
                param_blocks.push(block);
            }
        }

        Fixture {
            module,
            buffers,
            ports,
            inputs: signals.len(),
            param_blocks,
            params: info.params.len(),
            param_positions: positions,
            outputs: info.outputs.iter().map(|_| new_block()).collect(),
            position: 0,
            sample_time: 0,
        }
    }

    /// One `process` call on the next block of the cycle: all that is measured.
    #[inline]
    fn process_block(&mut self) {
        let k = self.position;
        let p = k % self.param_positions;
        let ctx = ProcessContext {
            sample_rate: SAMPLE_RATE,
            frames: BLOCK,
            sample_time: self.sample_time,
        };
        let ports = &self.ports[k * self.inputs..(k + 1) * self.inputs];
        let params = &self.param_blocks[p * self.params..(p + 1) * self.params];
        self.module.process(
            &ctx,
            &Inputs::new(&self.buffers, ports, 0, BLOCK),
            &mut Outputs::new(&mut self.outputs, BLOCK),
            &Params::new(params, BLOCK),
        );
        black_box(&self.outputs);
        self.sample_time += BLOCK as u64;
        self.position = (k + 1) % CYCLE;
    }

    /// A reset, then [`process_block`](Self::process_block).
    #[inline]
    fn reset_and_process_block(&mut self) {
        self.module.reset();
        self.process_block();
    }
}

fn modules(c: &mut Criterion) {
    // As the engine does at the top of every `process`: flush denormals to zero.
    fundsp::denormal::prevent_denormals();
    let mut group = c.benchmark_group("module");
    group.throughput(Throughput::Elements(BLOCK as u64));
    for entry in BUILTIN {
        let mut fixture = Fixture::new(entry, Signal::for_port);
        group.bench_function(entry.info.kind, |b| b.iter(|| fixture.process_block()));
    }
    // A filter whose cutoff an LFO sweeps ±600 Hz around 1 kHz (as in lfo-pad.ron): the
    // coefficients change every sample instead of once.
    let mut fixture = Fixture::new(&chronus_modules::filter::svf::LOWPASS, |id| match id {
        "cutoff" => Signal::Lfo(600.0),
        other => Signal::for_port(other),
    });
    group.bench_function("lowpass+cutoff-lfo", |b| b.iter(|| fixture.process_block()));
    for entry in [
        &chronus_modules::fx::delay::DELAY,
        &chronus_modules::fx::reverb::REVERB,
    ] {
        let mut fixture = Fixture::new(entry, Signal::for_port);
        let name = format!("{}-reset", entry.info.kind);
        group.bench_function(name, |b| b.iter(|| fixture.reset_and_process_block()));
    }
    group.finish();
}

fn engine(c: &mut Criterion) {
    const FRAMES: usize = 256;
    let registry = Registry::builtin();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/patches/poly-subtractive.ron");
    let desc = chronus::patch::load_file(path, &registry).expect("example patch loads");
    let (mut engine, handle) = Engine::new(EngineConfig::default());
    let mut control = Controller::new(registry, handle);
    control.load(desc).expect("example patch compiles");
    for note in [48, 52, 55, 59, 60, 64, 67, 71] {
        control
            .note_on(&NoteTarget::Default, note, 0.8, None)
            .expect("note accepted");
    }
    let (mut left, mut right) = ([0.0f32; FRAMES], [0.0f32; FRAMES]);
    // One second in: every voice is past its attack and decay, sustaining.
    for _ in 0..48_000 / FRAMES {
        engine.process(&mut left, &mut right);
    }
    control.collect_garbage();
    let active = EngineStats::get(&control.engine().stats().voices_active);
    assert_eq!(active, 8, "all eight notes should be sounding");

    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(FRAMES as u64));
    group.bench_function("poly-subtractive-8-voices", |b| {
        b.iter(|| {
            engine.process(&mut left, &mut right);
            black_box((&left, &right));
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1));
    targets = modules, engine
}
criterion_main!(benches);
