//! The allocation count of `chronus bench` is itself tested: this test binary installs the
//! same counting allocator as the `chronus` binary, and a module that allocates in
//! `process` is counted through the very code path the benchmark uses, so the 0 that
//! every shipped patch gets means something.

use std::hint::black_box;

use chronus::bench::{self, count_allocations, measure, BenchOptions, Checked, CountingAlloc};
use chronus::graph;
use chronus_modules::{
    Inputs, Module, ModuleEntry, ModuleInfo, Outputs, Params, PortSpec, ProcessContext, Registry,
};

#[global_allocator]
static ALLOCATOR: CountingAlloc<Checked> = CountingAlloc::checked();

/// Frames per measured run: short, the counts do not depend on length.
const FRAMES: u64 = 12_000;

static ALLOCATING_INFO: ModuleInfo = ModuleInfo {
    kind: "allocating",
    doc: "Silence, allocating and freeing a buffer on every process call (tests only).",
    inputs: &[],
    outputs: &[PortSpec {
        id: "out",
        doc: "silence",
    }],
    params: &[],
    roles: &[],
};

/// Breaks the real-time contract on purpose: a `Vec` per block.
#[derive(Default)]
struct Allocating;

impl Module for Allocating {
    fn info(&self) -> &'static ModuleInfo {
        &ALLOCATING_INFO
    }
    fn prepare(&mut self, _: f32, _: usize) {}
    fn process(&mut self, ctx: &ProcessContext, _: &Inputs, out: &mut Outputs, _: &Params) {
        let scratch: Vec<f32> = black_box(vec![0.0; ctx.frames]);
        out.port(0).copy_from_slice(&scratch);
    }
    fn reset(&mut self) {}
}

fn registry_with_allocating() -> Registry {
    let mut registry = Registry::builtin();
    registry
        .register(ModuleEntry {
            info: &ALLOCATING_INFO,
            create: || Box::new(Allocating),
            supercollider: None,
        })
        .unwrap();
    registry
}

/// A patch as the shipped ones are read: file params (a sampler's sample) resolve against
/// `patches/`.
fn patch(text: &str, registry: &Registry) -> chronus::patch::PatchDesc {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("patches");
    graph::check_in(text, Some("test"), Some(&folder), registry).unwrap()
}

#[test]
fn the_counting_allocator_is_installed_and_counts() {
    assert!(bench::counting_installed());
    let (_, counts) = count_allocations(|| black_box(Box::new(7u32)));
    assert_eq!(counts.allocations, 1);
    // Outside `count_allocations` nothing is counted.
    let (b, _) = count_allocations(|| 0);
    drop(black_box(vec![1u8; 100]));
    assert_eq!(b, 0);
}

#[test]
fn an_allocating_module_is_counted_in_the_main_graph() {
    let registry = registry_with_allocating();
    let desc = patch(
        r#"(modules: {"a": (kind: "allocating")},
            connections: [("a.out", "output.left"), ("a.out", "output.right")])"#,
        &registry,
    );
    let m = measure(
        desc,
        &registry,
        FRAMES,
        &bench::progress::Progress::hidden(),
    )
    .unwrap();
    let blocks = FRAMES.div_ceil(bench::BLOCK as u64);
    assert!(m.counts.allocations >= blocks, "{:?}", m.counts);
    assert!(m.counts.deallocations >= blocks, "{:?}", m.counts);
}

#[test]
fn an_allocating_module_in_held_voices_is_counted_by_the_whole_benchmark() {
    let registry = registry_with_allocating();
    let desc = patch(
        r#"(voice: (count: 4, modules: {"a": (kind: "allocating")},
                    connections: [("a.out", "output.left"), ("a.out", "output.right")]))"#,
        &registry,
    );
    let report = bench::run(
        &desc,
        &registry,
        &BenchOptions {
            patch_name: "allocating".into(),
            seconds: 0.25,
            progress: false,
        },
    )
    .unwrap();
    assert!(report.allocations > 0 && report.deallocations > 0);
    assert_eq!(report.voices, 4);
    assert_eq!(report.scaling.len(), 3);
}

/// Every `.ron` under `patches/`, sub-folders included.
fn shipped_patches() -> Vec<std::path::PathBuf> {
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/patches"
    ))];
    let mut found = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "ron") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn every_shipped_patch_processes_without_allocating() {
    let registry = Registry::builtin();
    let mut checked = 0;
    for path in shipped_patches() {
        let desc = patch(&std::fs::read_to_string(&path).unwrap(), &registry);
        let has_sequence = desc.sequence.is_some();
        for voices in [None, Some(32)] {
            let desc = match voices {
                Some(v) if bench::voices::first_instrument_voices(&desc) > 0 => {
                    bench::voices::with_voices(desc.clone(), v)
                }
                Some(_) => continue,
                None => desc.clone(),
            };
            let m = measure(
                desc,
                &registry,
                FRAMES,
                &bench::progress::Progress::hidden(),
            )
            .unwrap();
            assert!(
                m.counts.is_zero(),
                "{} ({voices:?} voices): {:?}",
                path.display(),
                m.counts
            );
            // Every held note sounds: the chord reaches every voice (a generative patch's
            // sequencer plays notes of its own on top).
            if has_sequence {
                assert!(
                    m.voices_sounding >= m.notes_held as u64,
                    "{}",
                    path.display()
                );
            } else {
                assert_eq!(m.voices_sounding, m.notes_held as u64, "{}", path.display());
            }
        }
        checked += 1;
    }
    assert!(checked >= 6, "found {checked} patches");
}

/// The counting allocator delegates to `AllocDisabler` in debug builds, so
/// `assert_no_alloc` still sees an allocation (it counts a violation in `warn_debug` mode).
#[cfg(debug_assertions)]
#[test]
fn assert_no_alloc_still_sees_allocations_through_the_counting_allocator() {
    let before = assert_no_alloc::violation_count();
    assert_no_alloc::assert_no_alloc(|| drop(black_box(Box::new(1u64))));
    assert!(assert_no_alloc::violation_count() > before);
    assert_no_alloc::reset_violation_count();
}
