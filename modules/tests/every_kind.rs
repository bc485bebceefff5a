//! Invariants every registered kind must keep, checked generically over `BUILTIN`:
//! - `process` after `prepare` allocates nothing (run under `assert_no_alloc`, whose
//!   allocator is this test binary's global allocator);
//! - the output does not depend on the block size (1, 7 and 64 frames);
//! - `reset` reproduces the first output;
//! - the state hand-over continues the sound exactly;
//! - output is finite and bounded for ordinary inputs.
//!
//! Kinds with a file param are checked playing a file (`test_file`), given the way the
//! host gives it.

use assert_no_alloc::assert_no_alloc;
// assert_no_alloc checks in debug builds only: its default `disable_release` feature makes
// `assert_no_alloc` a no-op in release builds, without `AllocDisabler` or the counter.
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count, AllocDisabler};
use std::sync::Arc;

#[cfg(debug_assertions)]
use chronus_modules::PortSpec;
use chronus_modules::{
    AudioFile, Inputs, Module, ModuleEntry, ModuleInfo, ModuleRunner, Outputs, Params,
    ProcessContext, Registry, BUILTIN,
};

#[cfg(debug_assertions)]
#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

const SR: f32 = 48_000.0;
const FRAMES: usize = 6_000;

/// A deterministic signal for each input port: gates get a 0/1 pattern with edges off the
/// block grid, everything else a sine plus a slow ramp, so modulation inputs really move.
fn test_inputs(info: &ModuleInfo) -> Vec<Vec<f32>> {
    info.inputs
        .iter()
        .enumerate()
        .map(|(p, port)| {
            (0..FRAMES)
                .map(|i| {
                    if port.id == "gate" {
                        if (i + 333) % 2_000 < 1_100 {
                            1.0
                        } else {
                            0.0
                        }
                    } else {
                        let t = i as f32 / SR;
                        0.5 * (std::f32::consts::TAU * 110.0 * (p + 1) as f32 * t).sin() + 0.1 * t
                    }
                })
                .collect()
        })
        .collect()
}

/// The audio file every file param gets: 0.3 s of a decaying 330 Hz tone at 44.1 kHz
/// (another rate than the tests', so rate conversion runs), left and right apart.
fn test_file() -> Arc<AudioFile> {
    let tone = |hz: f32| -> Vec<f32> {
        (0..13_230)
            .map(|i| {
                let t = i as f32 / 44_100.0;
                0.8 * (-t * 4.0).exp() * (std::f32::consts::TAU * hz * t).sin()
            })
            .collect()
    };
    Arc::new(AudioFile {
        sample_rate: 44_100,
        channels: vec![tone(330.0), tone(495.0)],
    })
}

/// Gives `module` the test file for each of its file params (as the host would at build
/// time), so kinds that play files are checked playing one.
fn load_files(module: &mut dyn Module) {
    for (p, spec) in module.info().params.iter().enumerate() {
        if spec.is_file() {
            module.load_file(p, test_file()).unwrap();
        }
    }
}

/// A runner for `entry`, prepared, with its files loaded.
fn runner(entry: &ModuleEntry) -> ModuleRunner {
    let mut r = ModuleRunner::new((entry.create)(), SR);
    load_files(r.module_mut());
    r
}

fn run(entry: &ModuleEntry, block: usize) -> Vec<Vec<f32>> {
    let inputs = test_inputs(entry.info);
    let views: Vec<&[f32]> = inputs.iter().map(|v| v.as_slice()).collect();
    runner(entry).run(&views, FRAMES, block)
}

#[test]
fn every_builtin_kind_is_registered_once() {
    let registry = Registry::builtin();
    for kind in [
        "sine", "saw", "square", "triangle", "noise", "lfo", "lowpass", "highpass", "bandpass",
        "moog", "adsr", "vca", "mixer", "pan", "const", "delay", "reverb",
    ] {
        assert!(registry.get(kind).is_some(), "core kind `{kind}` missing");
    }
    let mut kinds: Vec<_> = registry.kinds().collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), BUILTIN.len(), "duplicate kind names");
}

#[test]
fn process_never_allocates_after_prepare() {
    for entry in BUILTIN {
        let inputs = test_inputs(entry.info);
        let views: Vec<&[f32]> = inputs.iter().map(|v| v.as_slice()).collect();
        let mut runner = runner(entry);
        // Move every param off its default so glides run too.
        for spec in entry.info.params.iter().filter(|s| !s.is_file()) {
            // 30 % of the range along its taper (whole numbers for int params).
            let v = spec.to_value(spec.from_normalized(0.3));
            runner.glide(spec.id, v).unwrap();
        }
        #[cfg(debug_assertions)]
        reset_violation_count();
        let mut checksum = 0.0f64;
        assert_no_alloc(|| {
            for block in [64, 7, 1] {
                runner.run_with(&views, 2_000, block, |_, outs| {
                    for o in outs {
                        checksum += o[0] as f64;
                    }
                });
                runner.reset();
            }
        });
        #[cfg(debug_assertions)]
        assert_eq!(
            violation_count(),
            0,
            "`{}` allocated on the processing path",
            entry.info.kind
        );
        assert!(checksum.is_finite());
    }
}

/// A module that allocates in `process`, to show the check above can fail (debug builds
/// only: release builds check nothing).
#[cfg(debug_assertions)]
struct Allocating;

#[cfg(debug_assertions)]
static ALLOCATING_INFO: ModuleInfo = ModuleInfo {
    kind: "allocating",
    doc: "Allocates in process (a deliberate bug).",
    inputs: &[],
    outputs: &[PortSpec {
        id: "out",
        doc: "Length of a fresh Vec.",
    }],
    params: &[],
    roles: &[],
};

#[cfg(debug_assertions)]
impl Module for Allocating {
    fn info(&self) -> &'static ModuleInfo {
        &ALLOCATING_INFO
    }
    fn prepare(&mut self, _: f32, _: usize) {}
    fn process(&mut self, ctx: &ProcessContext, _: &Inputs, out: &mut Outputs, _: &Params) {
        let v = vec![1.0f32; ctx.frames];
        out.port(0).copy_from_slice(&v);
    }
    fn reset(&mut self) {}
}

#[cfg(debug_assertions)]
#[test]
fn an_allocating_module_is_caught() {
    let mut runner = ModuleRunner::new(Box::new(Allocating), SR);
    reset_violation_count();
    assert_no_alloc(|| runner.run_with(&[], 128, 64, |_, _| {}));
    assert!(violation_count() >= 2, "allocations went unnoticed");
    reset_violation_count();
}

#[test]
fn output_is_independent_of_block_size() {
    for entry in BUILTIN {
        let reference = run(entry, 64);
        for block in [1, 7] {
            let other = run(entry, block);
            for (port, (a, b)) in reference.iter().zip(&other).enumerate() {
                let worst = a
                    .iter()
                    .zip(b)
                    .map(|(x, y)| (x - y).abs())
                    .fold(0.0f32, f32::max);
                assert!(
                    worst <= 1e-4,
                    "`{}` output {port}: blocks of {block} differ from 64 by {worst}",
                    entry.info.kind
                );
            }
        }
    }
}

#[test]
fn reset_reproduces_the_first_output() {
    for entry in BUILTIN {
        let inputs = test_inputs(entry.info);
        let views: Vec<&[f32]> = inputs.iter().map(|v| v.as_slice()).collect();
        let mut runner = runner(entry);
        let first = runner.run(&views, FRAMES, 64);
        runner.reset();
        let again = runner.run(&views, FRAMES, 64);
        assert_eq!(first, again, "`{}` after reset", entry.info.kind);
    }
}

#[test]
fn output_is_finite_and_bounded() {
    for entry in BUILTIN {
        for (port, out) in run(entry, 64).iter().enumerate() {
            assert!(
                out.iter().all(|x| x.is_finite() && x.abs() < 50.0),
                "`{}` output {port} is not finite/bounded",
                entry.info.kind
            );
        }
    }
}

#[test]
fn state_hand_over_continues_the_sound() {
    for entry in BUILTIN {
        let inputs = test_inputs(entry.info);
        let views: Vec<&[f32]> = inputs.iter().map(|v| v.as_slice()).collect();
        let reference = runner(entry).run(&views, 4_096, 64);

        let mut old = runner(entry);
        let head = old.run(&views, 2_048, 64);
        let tail_views: Vec<&[f32]> = views.iter().map(|v| &v[2_048..]).collect();
        let mut new = runner(entry);
        assert!(new.module_mut().take_state(old.module_mut()));
        // The runner's sample clock starts at 0 in `new`; modules must not depend on it
        // for their sound, only on their own state.
        let tail = new.run(&tail_views, 2_048, 64);
        for (port, r) in reference.iter().enumerate() {
            let joined: Vec<f32> = head[port].iter().chain(&tail[port]).copied().collect();
            let worst = r
                .iter()
                .zip(&joined)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0f32, f32::max);
            assert!(
                worst <= 1e-4,
                "`{}` output {port} jumps by {worst} across the hand-over",
                entry.info.kind
            );
        }
    }
}

#[test]
fn hand_over_refuses_another_kind() {
    let reg = Registry::builtin();
    let mut a = reg.create("sine").unwrap();
    let mut b = reg.create("vca").unwrap();
    assert!(!a.take_state(b.as_mut()));
}

#[test]
fn process_writes_every_frame_of_every_output() {
    // The engine hands a module output buffers holding whatever they last held (its
    // buffers trade places with the pool's), so a module must write all `frames` of each
    // output: outputs prefilled with NaN give the outputs prefilled with zeros.
    for entry in BUILTIN {
        let info = entry.info;
        let inputs = test_inputs(info);
        let render = |prefill: f32| {
            let mut module = (entry.create)();
            module.prepare(SR, chronus_modules::MAX_BLOCK);
            load_files(module.as_mut());
            let params: Vec<chronus_modules::ParamBlock> = info
                .params
                .iter()
                .map(|p| chronus_modules::ParamBlock::constant(p.default))
                .collect();
            let mut pool: Vec<chronus_modules::BlockBuf> = (0..=info.inputs.len())
                .map(|_| chronus_modules::new_block())
                .collect();
            let ports: Vec<usize> = (1..=info.inputs.len()).collect();
            let mut outs: Vec<chronus_modules::BlockBuf> = info
                .outputs
                .iter()
                .map(|_| chronus_modules::new_block())
                .collect();
            let mut heard = vec![];
            for (block, start) in (0..1_024).step_by(37).enumerate() {
                let frames = 37.min(1_024 - start);
                for (buf, signal) in pool[1..].iter_mut().zip(&inputs) {
                    buf[..frames].copy_from_slice(&signal[start..start + frames]);
                }
                outs.iter_mut().for_each(|o| o.fill(prefill));
                let ctx = ProcessContext {
                    sample_rate: SR,
                    frames,
                    sample_time: start as u64,
                };
                module.process(
                    &ctx,
                    &Inputs::new(&pool, &ports, 0, frames),
                    &mut Outputs::new(&mut outs, frames),
                    &Params::new(&params, frames),
                );
                for (port, o) in outs.iter().enumerate() {
                    let bits = o[..frames].iter().map(|x| x.to_bits());
                    heard.extend(bits.map(|b| (block, port, b)));
                }
            }
            heard
        };
        assert_eq!(render(0.0), render(f32::NAN), "{}", info.kind);
    }
}
