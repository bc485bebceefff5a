//! File params end to end (the `sampler`'s `file`): resolved against the patch's folder,
//! decoded when the graph is built, refused with the file's position when missing or
//! unusable, changed by an edit and a commit (the new file plays, not the old one), never
//! live.

use chronus::control::Controller;
use chronus::engine::{Engine, EngineConfig};
use chronus::graph;
use chronus_modules::analysis::zero_crossing_frequency;
use chronus_modules::{ParamValue, Registry};

use crate::support::engine::{run, SR};
use crate::support::temp::TempDir;

/// A 16-bit mono WAV of a sine at `freq`, 1 s at 48 kHz.
fn write_sine(path: &std::path::Path, freq: f64) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..48_000 {
        let s = 0.5 * (std::f64::consts::TAU * freq * i as f64 / 48_000.0).sin();
        w.write_sample((s * 32_767.0).round() as i16).unwrap();
    }
    w.finalize().unwrap();
}

/// A main graph looping `file` at its own speed, started by a constant gate.
fn patch(file: &str) -> String {
    format!(
        r#"(
    modules: {{
        "gate": (kind: "const", params: {{"value": 1.0}}),
        "smp": (kind: "sampler", params: {{"file": "{file}", "mode": "loop"}}),
    }},
    connections: [
        ("gate.out", "smp.gate"),
        ("smp.left", "output.left"),
        ("smp.right", "output.right"),
    ],
)"#
    )
}

fn folder() -> TempDir {
    let dir = TempDir::new("sampler-files");
    write_sine(&dir.join("a440.wav"), 440.0);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    write_sine(&dir.join("sub/a880.wav"), 880.0);
    dir
}

fn pitch(engine: &mut Engine) -> f64 {
    let (left, _) = run(engine, 24_000, 64);
    zero_crossing_frequency(&left[4_800..], SR).expect("sound")
}

#[test]
fn a_file_plays_from_the_patch_folder_and_a_commit_changes_it() {
    let dir = folder();
    let registry = Registry::builtin();
    let desc = graph::check_in(
        &patch("a440.wav"),
        Some("t.ron"),
        Some(dir.path()),
        &registry,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (mut engine, handle) = Engine::new(EngineConfig {
        sample_rate: SR,
        ..EngineConfig::default()
    });
    let mut control = Controller::new(registry, handle);
    control.load(desc).unwrap();
    let f = pitch(&mut engine);
    assert!((f / 440.0 - 1.0).abs() < 0.002, "{f}");

    // Not live: a file is decoded when the graph is built.
    let live = control.set_live("smp", "file", ParamValue::Text("sub/a880.wav".into()), None);
    assert!(live.unwrap_err().to_string().contains("/patch/set"));

    // An edit and a commit: the new file plays, not the old instance's.
    control
        .set("smp", "file", ParamValue::Text("sub/a880.wav".into()))
        .unwrap();
    control.commit().unwrap();
    let f = pitch(&mut engine);
    assert!((f / 880.0 - 1.0).abs() < 0.002, "{f}");

    // A missing file: the commit is refused, the sound goes on.
    control
        .set("smp", "file", ParamValue::Text("gone.wav".into()))
        .unwrap();
    let err = control.commit().unwrap_err().to_string();
    assert!(
        err.contains("gone.wav") && err.contains("cannot read it"),
        "{err}"
    );
    let f = pitch(&mut engine);
    assert!((f / 880.0 - 1.0).abs() < 0.002, "{f}");
}

#[test]
fn bad_files_are_refused_at_their_position() {
    let dir = folder();
    let registry = Registry::builtin();
    let check = |file: &str| {
        graph::check_in(&patch(file), Some("t.ron"), Some(dir.path()), &registry)
            .unwrap_err()
            .to_string()
    };
    let missing = check("missing.wav");
    assert!(
        missing.starts_with("t.ron:4:57: module \"smp\": param `file`: file \"missing.wav\"")
            && missing.contains("cannot read it"),
        "{missing}"
    );
    std::fs::write(dir.join("junk.wav"), b"not audio").unwrap();
    let junk = check("junk.wav");
    assert!(
        junk.starts_with("t.ron:4:57:") && junk.contains("cannot decode it"),
        "{junk}"
    );
    for (name, why) in [
        ("../a440.wav", "no `..`"),
        ("/etc/a440.wav", "relative"),
        ("a440.mp3", ".wav, .flac, .ogg"),
    ] {
        let e = check(name);
        assert!(
            e.starts_with("t.ron:4:57:") && e.contains(why),
            "{name}: {e}"
        );
    }
}
