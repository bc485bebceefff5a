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
