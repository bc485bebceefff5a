//! Every patch shipped in `patches/` checks clean and renders sound: finite, bounded,
//! audible, and identical on a second render.

use std::path::{Path, PathBuf};

use chronus::graph;
use chronus::host::{render, NoteSpec, RenderOptions};
use chronus::patch;
use chronus_modules::Registry;

fn patch_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            patch_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "ron") {
            out.push(path);
        }
    }
}

fn all_patches() -> Vec<PathBuf> {
    let mut files = Vec::new();
    patch_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("patches"),
        &mut files,
    );
    files.sort();
    files
}

fn chord() -> Vec<NoteSpec> {
    [(48, 0.0), (55, 0.25), (60, 0.5), (64, 0.75)]
        .iter()
        .map(|&(note, start)| NoteSpec {
            instrument: None,
            note,
            start,
            duration: 1.0,
            velocity: 0.8,
        })
        .collect()
}

#[test]
fn there_are_at_least_five_example_patches() {
    assert!(all_patches().len() >= 5, "{:?}", all_patches());
}

#[test]
fn every_patch_checks_and_renders_sound() {
    let registry = Registry::builtin();
    for path in all_patches() {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        // File params (the sampler's) are relative to the patch's folder.
        let desc = graph::check_in(&text, Some(&name), path.parent(), &registry)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(patch::silent_parts(&desc), Vec::<String>::new(), "{name}");
        let has_voices = patch::scope::instruments(&desc).next().is_some();
        let options = RenderOptions {
            seconds: 2.0,
            notes: if has_voices { chord() } else { Vec::new() },
            ..RenderOptions::default()
        };
        let a = render(desc.clone(), registry.clone(), &options).unwrap();
        let peak = a.left.iter().chain(&a.right).fold(0.0f32, |m, x| {
            assert!(x.is_finite(), "{name}: NaN or infinity");
            m.max(x.abs())
        });
        assert!(peak > 0.01, "{name} is silent (peak {peak})");
        assert!(peak <= 4.0, "{name} peaks at {peak}");
        let b = render(desc, registry.clone(), &options).unwrap();
        assert!(a == b, "{name}: two renders differ");
    }
}

#[test]
fn every_patch_round_trips_through_save() {
    let registry = Registry::builtin();
    for path in all_patches() {
        let desc = patch::load_file(&path, &registry).unwrap();
        let again = patch::parse(&patch::to_ron(&desc), None).unwrap();
        assert_eq!(desc, again, "{}", path.display());
    }
}

/// Half a second of a shipped patch, without notes, with `seed`.
fn render_seeded(name: &str, seed: u64) -> chronus::host::Rendered {
    let registry = Registry::builtin();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("patches")
        .join(name);
    let desc = patch::load_file(path, &registry).unwrap();
    let options = RenderOptions {
        seconds: 0.5,
        seed,
        ..RenderOptions::default()
    };
    render(desc, registry, &options).unwrap()
}

#[test]
fn the_seed_changes_random_modules_and_only_them() {
    let drone = |seed| render_seeded("noise-drone.ron", seed);
    assert_eq!(drone(7), drone(7));
    assert_ne!(drone(7), drone(8));
    let tone = |seed| render_seeded("sine-test-tone.ron", seed);
    assert_eq!(tone(1), tone(2), "no randomness, no difference");
}
