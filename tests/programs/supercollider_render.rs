//! `chronus render --engine supercollider` (the patch as SynthDefs through a real
//! `scsynth -N`) against the internal render of the same patch and notes: every note's
//! pitch within 0.5 %, onset within 1 ms, level over the sustain within 1.5 dB, for each
//! shipped patch whose kinds all map and that plays only the notes it is given (patches
//! with a `sequence` wait for the sequencer's notes to reach scsynth). Also the refusals.

use crate::support::chronus::run_chronus;
use crate::support::compare::{measure_note, mono, pitch, rms_db, NoteMeasure};
use crate::support::process::programs_available;
use crate::support::temp::TempDir;

const SR: f64 = 48_000.0;

/// The notes every voiced patch plays, each in a render of its own (so each onset is
/// measured after silence), starting off the 64-frame block grid.
const NOTES: [(u8, f64); 3] = [(48, 0.2), (57, 0.2137), (64, 0.2291)];
/// Length of each render, seconds.
const SECONDS: f64 = 1.5;

fn render(dir: &TempDir, patch: &str, engine: &str, notes: Option<&str>) -> Vec<f64> {
    let out = dir.join(&format!("{engine}.wav"));
    let seconds = SECONDS.to_string();
    let mut args = vec![
        "render",
        patch,
        "--seconds",
        &seconds,
        "--out",
        out.to_str().unwrap(),
        "--engine",
        engine,
    ];
    if let Some(notes) = notes {
        args.extend(["--notes", notes]);
    }
    let (status, output) = run_chronus(&args);
    assert!(
        status.success(),
        "{engine} render of {patch}: {}",
        output.text()
    );
    let (rate, channels) = chronus::host::wav::read_wav(&out).expect("a WAV");
    assert_eq!(f64::from(rate), SR);
    assert_eq!(
        channels[0].len(),
        (SECONDS * SR) as usize,
        "{engine}: exact length"
    );
    mono(&channels)
}

fn hz(note: u8) -> f64 {
    440.0 * 2f64.powf((f64::from(note) - 69.0) / 12.0)
}

fn compare_voiced(patch: &str) {
    if !programs_available(patch, &["scsynth"]) {
        return;
    }
    let dir = TempDir::new("sc_render");
    for &(note, start) in &NOTES {
        let notes = format!("{note}@{start}:1.1:0.8");
        let internal = render(&dir, patch, "internal", Some(&notes));
        let sc = render(&dir, patch, "supercollider", Some(&notes));
        let f = hz(note);
        let a: NoteMeasure = measure_note(&internal, SR, start, f, (0.2, 1.1));
        let b: NoteMeasure = measure_note(&sc, SR, start, f, (0.2, 1.1));
        eprintln!("{patch} note {note}: internal {a:?}, scsynth {b:?}");
        assert!(
            a.level_db > -60.0,
            "{patch} note {note} is silent internally"
        );
        assert!(
            (b.pitch / a.pitch - 1.0).abs() <= 0.005,
            "{patch} note {note}: pitch {} Hz on scsynth, {} Hz internally",
            b.pitch,
            a.pitch
        );
        assert!(
            (b.onset - a.onset).abs() <= 0.001,
            "{patch} note {note}: onset {} s on scsynth, {} s internally",
            b.onset,
            a.onset
        );
        assert!(
            (b.level_db - a.level_db).abs() <= 1.5,
            "{patch} note {note}: {} dB on scsynth, {} dB internally",
            b.level_db,
            a.level_db
        );
    }
}

#[test]
fn poly_subtractive_sounds_the_same_on_both_engines() {
    compare_voiced("patches/poly-subtractive.ron");
}

#[test]
fn fm_bell_sounds_the_same_on_both_engines() {
    compare_voiced("patches/fm-bell.ron");
}

#[test]
fn lfo_pad_sounds_the_same_on_both_engines() {
    compare_voiced("patches/lfo-pad.ron");
}

#[test]
fn the_test_tone_sounds_the_same_on_both_engines() {
    if !programs_available("sine-test-tone", &["scsynth"]) {
        return;
    }
    let dir = TempDir::new("sc_render_tone");
    let patch = "patches/sine-test-tone.ron";
    let internal = render(&dir, patch, "internal", None);
    let sc = render(&dir, patch, "supercollider", None);
    let body = |x: &[f64]| x[(0.2 * SR) as usize..(0.9 * SR) as usize].to_vec();
    let (a, b) = (body(&internal), body(&sc));
    let (pa, pb) = (pitch(&a, SR, 300.0, 600.0), pitch(&b, SR, 300.0, 600.0));
    assert!(
        (pb / pa - 1.0).abs() <= 0.005,
        "pitch {pb} on scsynth, {pa} internally"
    );
    assert!((rms_db(&b) - rms_db(&a)).abs() <= 1.5);
}

/// A voice with a `midi_cc` module, which has no SuperCollider counterpart.
const UNMAPPED: &str = r#"(
    voice: (
        modules: {
            "osc": (kind: "sine"),
            "knob": (kind: "midi_cc", params: {"cc": 74}),
        },
        connections: [("note.freq", "osc.freq"), ("osc.out", "output.left")],
    ),
    connections: [("voices.left", "output.left")],
)
"#;

#[test]
fn a_kind_without_a_counterpart_is_refused_with_its_position() {
    let dir = TempDir::new("sc_unmapped");
    let patch = dir.join("unmapped.ron");
    std::fs::write(&patch, UNMAPPED).unwrap();
    let patch = patch.to_str().unwrap();
    let out = dir.join("out.wav");
    let defs = dir.join("defs");
    for args in [
        vec!["synthdef", patch, "--out", defs.to_str().unwrap()],
        vec![
            "render",
            patch,
            "--engine",
            "supercollider",
            "--seconds",
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
    ] {
        let (status, output) = run_chronus(&args);
        assert!(!status.success(), "{args:?}");
        let err = output.stderr();
        assert_eq!(err.len(), 1, "{err:?}");
        assert!(
            err[0].starts_with(&format!("{patch}:5:28: module \"knob\""))
                && err[0].contains("kind \"midi_cc\" has no SuperCollider counterpart"),
            "{err:?}"
        );
    }
    assert!(!out.exists() && !defs.exists(), "nothing written");
}

#[test]
fn synthdef_writes_one_def_per_instrument_and_the_main_graph() {
    let dir = TempDir::new("sc_synthdef");
    let defs = dir.join("defs");
    let (status, output) = run_chronus(&[
        "synthdef",
        "patches/generative-pulse.ron",
        "--out",
        defs.to_str().unwrap(),
    ]);
    assert!(status.success(), "{}", output.text());
    let mut names: Vec<String> = std::fs::read_dir(&defs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "generative-pulse-bass.scsyndef",
            "generative-pulse-lead.scsyndef",
            "generative-pulse-main.scsyndef"
        ]
    );
    for name in &names {
        let bytes = std::fs::read(defs.join(name)).unwrap();
        let def = &chronus::supercollider::decode(&bytes).unwrap()[0];
        assert_eq!(format!("{}.scsyndef", def.name), *name);
        if !name.ends_with("-main.scsyndef") {
            for control in ["freq", "amp", "gate", "pan"] {
                assert!(def.control(control).is_some(), "{name}: {control}");
            }
        }
    }
}

#[test]
fn render_on_scsynth_without_scsynth_is_one_line() {
    let dir = TempDir::new("sc_missing");
    let out = dir.join("out.wav");
    let mut cmd = crate::support::chronus::chronus_cmd(&[
        "render",
        "patches/poly-subtractive.ron",
        "--engine",
        "supercollider",
        "--seconds",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    cmd.env("PATH", dir.path());
    let output = cmd.output().unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot run scsynth"), "{err}");
}
