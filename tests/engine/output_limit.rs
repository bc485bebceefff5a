//! The main output's safety limiter (`limit`, docs/CONTRACTS.md §1.5): transparent, bit for
//! bit, while the output stays under its ceiling (every shipped patch sets it, and renders
//! the same as without it); a hot patch is held to the ceiling; a bad value is refused.

use std::path::Path;

use chronus::graph;
use chronus::host::{render, NoteSpec, RenderOptions};
use chronus::patch;
use chronus_modules::Registry;

fn chord() -> Vec<NoteSpec> {
    [(48, 0.0), (55, 0.25), (60, 0.5), (64, 0.75), (67, 1.0)]
        .iter()
        .map(|&(note, start)| NoteSpec {
            instrument: None,
            note,
            start,
            duration: 1.5,
            velocity: 1.0,
        })
        .collect()
}

fn peak(r: &chronus::host::Rendered) -> f32 {
    r.left
        .iter()
        .chain(&r.right)
        .fold(0.0f32, |m, x| m.max(x.abs()))
}

fn db(x: f64) -> f32 {
    10f64.powf(x / 20.0) as f32
}

#[test]
fn shipped_patches_render_the_same_with_the_limiter_until_it_engages() {
    let registry = Registry::builtin();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("patches");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ron") {
            continue;
        }
        let desc = patch::load_file(&path, &registry).unwrap();
        let ceiling = desc
            .limit
            .unwrap_or_else(|| panic!("{} does not set `limit`", path.display()));
        let has_voices = patch::scope::instruments(&desc).next().is_some();
        let options = RenderOptions {
            seconds: 3.0,
            notes: if has_voices { chord() } else { Vec::new() },
            ..RenderOptions::default()
        };
        let limited = render(desc.clone(), registry.clone(), &options).unwrap();
        let mut open = desc;
        open.limit = None;
        let unlimited = render(open, registry.clone(), &options).unwrap();
        let c = db(ceiling);
        if peak(&unlimited) <= c {
            assert!(
                limited == unlimited,
                "{}: the limiter changed a render that stays under its ceiling",
                path.display()
            );
        } else {
            assert!(
                peak(&limited) <= c,
                "{}: {} > {c}",
                path.display(),
                peak(&limited)
            );
        }
        checked += 1;
    }
    assert!(checked >= 8);
}

const HOT: &str = r#"(
    name: "hot",
    volume: 4.0,
    limit: -6.0,
    modules: {
        "osc": (kind: "saw", params: {"freq": 110.0}),
        "amp": (kind: "vca", params: {"gain": 4.0}),
        "fb": (kind: "delay", params: {"time": 0.01, "feedback": 0.95, "mix": 1.0}),
    },
    connections: [
        ("osc.out", "amp.in"),
        ("amp.out", "fb.in"),
        ("fb.out", "output.left"),
        ("amp.out", "output.right"),
    ],
)"#;

#[test]
fn a_hot_patch_is_held_to_the_ceiling() {
    let registry = Registry::builtin();
    let desc = graph::check(HOT, Some("hot.ron"), &registry).unwrap();
    let options = RenderOptions {
        seconds: 2.0,
        ..RenderOptions::default()
    };
    let limited = render(desc.clone(), registry.clone(), &options).unwrap();
    let c = db(-6.0);
    assert!(peak(&limited) <= c, "{} > {c}", peak(&limited));
    // It limits rather than mutes: the output sits at the ceiling.
    assert!(peak(&limited) > 0.95 * c);
    let mut open = desc;
    open.limit = None;
    let unlimited = render(open, registry, &options).unwrap();
    assert!(peak(&unlimited) > 10.0, "{}", peak(&unlimited));
}

#[test]
fn a_limit_out_of_range_is_refused_with_its_position() {
    let registry = Registry::builtin();
    let text = HOT.replace("limit: -6.0", "limit: 3.0");
    let err = graph::check(&text, Some("hot.ron"), &registry)
        .unwrap_err()
        .to_string();
    assert!(err.contains("hot.ron:4:5"), "{err}");
    assert!(
        err.contains("`limit`") && err.contains("-40 .. 0 dB"),
        "{err}"
    );
}
