//! Each module kind of library II mapped to UGens, on both engines: a voice around the
//! kind rendered by Chronus's engine and by a real `scsynth -N` (`render --engine
//! supercollider`), the same note, compared over its sustain: level within 1.5 dB, pitch
//! within 0.5 % where the kind makes one, and the spectrum — every octave band within
//! 40 dB of the strongest agrees within 2 dB.

use crate::support::compare::{octave_bands, pitch, rms_db};
use crate::support::process::programs_available;
use crate::support::temp::TempDir;

use super::supercollider_render::{render_with, SR};

/// The note every case plays: A3 from 0.2 s for 1.8 s.
const NOTE: &str = "57@0.2:1.8:0.8";
/// Its frequency.
const HZ: f64 = 220.0;
/// Render length, seconds.
const SECONDS: f64 = 2.2;
/// The sustain measured, seconds from the start of the file.
const SUSTAIN: (f64, f64) = (0.5, 1.9);

/// A patch of one voice: `modules` and `connections` (RON), its `output.left` and
/// `output.right` mixed into the main output.
fn voice(modules: &str, connections: &str) -> String {
    format!(
        "(voice: (modules: {{{modules}}}, connections: [{connections}]), \
         connections: [(\"voices.left\", \"output.left\"), (\"voices.right\", \"output.right\")])"
    )
}

/// `m.out` to both sides of the voice's output.
const OUT_BOTH: &str = r#"("m.out", "output.left"), ("m.out", "output.right")"#;

/// What one engine's render measured over the sustain.
#[derive(Debug)]
struct Measured {
    level_db: f64,
    pitch: Option<f64>,
    bands: Vec<(f64, f64)>,
}

fn measure(x: &[f64], pitched: bool, lowest_band: f64) -> Measured {
    let body = &x[(SUSTAIN.0 * SR) as usize..(SUSTAIN.1 * SR) as usize];
    Measured {
        level_db: rms_db(body),
        pitch: pitched.then(|| pitch(body, SR, HZ / 1.03, HZ * 1.03)),
        bands: octave_bands(body, SR, lowest_band),
    }
}

/// Renders `patch` on both engines and asserts they agree (see the module doc).
fn compare(name: &str, patch: &str, pitched: bool, lowest_band: f64) {
    if !programs_available(name, &["scsynth"]) {
        return;
    }
    let dir = TempDir::new(&format!("sc_kind_{name}"));
    let file = dir.join(&format!("{name}.ron"));
    std::fs::write(&file, patch).unwrap();
    let file = file.to_str().unwrap();
    let render = |engine| render_with(&dir, file, engine, SECONDS, vec!["--notes", NOTE]);
    let (a, b) = (
        measure(&render("internal"), pitched, lowest_band),
        measure(&render("supercollider"), pitched, lowest_band),
    );
    eprintln!("{name}: internal {a:?}\n{name}: scsynth  {b:?}");
    assert!(a.level_db > -60.0, "{name}: silent internally");
    assert!(
        (b.level_db - a.level_db).abs() <= 1.5,
        "{name}: {:.2} dB on scsynth, {:.2} dB internally",
        b.level_db,
        a.level_db
    );
    if let (Some(pa), Some(pb)) = (a.pitch, b.pitch) {
        assert!(
            (pb / pa - 1.0).abs() <= 0.005,
            "{name}: pitch {pb:.2} Hz on scsynth, {pa:.2} Hz internally"
        );
    }
    let strongest = a.bands.iter().fold(f64::MIN, |m, b| m.max(b.1));
    let mut worst: f64 = 0.0;
    for (&(lo, da), &(_, db)) in a.bands.iter().zip(&b.bands) {
        if da < strongest - 40.0 {
            continue;
        }
        worst = worst.max((db - da).abs());
        assert!(
            (db - da).abs() <= 2.0,
            "{name}: band {lo:.0}–{:.0} Hz {db:.2} dB on scsynth, {da:.2} dB internally",
            2.0 * lo
        );
    }
    eprintln!(
        "{name}: level {:+.2} dB, worst band {worst:.2} dB",
        b.level_db - a.level_db
    );
}

/// `kind` with `params` fed by a saw at the note: `src.out` into `m.in`.
fn through(kind: &str, params: &str) -> String {
    voice(
        &format!(r#""src": (kind: "saw"), "m": (kind: "{kind}", params: {{{params}}})"#),
        &format!(r#"("note.freq", "src.freq"), ("src.out", "m.in"), {OUT_BOTH}"#),
    )
}

#[test]
fn impulse_sounds_the_same_on_both_engines() {
    let patch = voice(
        r#""m": (kind: "impulse", params: {"level": 0.5})"#,
        &format!(r#"("note.freq", "m.freq"), ("note.gate", "m.gate"), {OUT_BOTH}"#),
    );
    compare("impulse", &patch, true, 110.0);
}

#[test]
fn bitcrusher_sounds_the_same_on_both_engines() {
    let patch = voice(
        r#""src": (kind: "sine"), "m": (kind: "bitcrusher", params: {"bits": 4.0, "rate": 3000.0})"#,
        &format!(r#"("note.freq", "src.freq"), ("src.out", "m.in"), {OUT_BOTH}"#),
    );
    compare("bitcrusher", &patch, true, 110.0);
}

#[test]
fn envelope_follower_sounds_the_same_on_both_engines() {
    // A sine gated at 3 Hz, followed: the follower's rise and fall are most of the signal.
    let patch = voice(
        r#""src": (kind: "sine"), "clock": (kind: "pulse_train", params: {"rate": 3.0}),
           "vca": (kind: "vca"),
           "m": (kind: "envelope_follower", params: {"attack": 0.01, "release": 0.05})"#,
        &format!(
            r#"("note.freq", "src.freq"), ("src.out", "vca.in"), ("clock.out", "vca.cv"),
               ("vca.out", "m.in"), {OUT_BOTH}"#
        ),
    );
    compare("envelope_follower", &patch, false, 2.0);
}

#[test]
fn pulse_train_sounds_the_same_on_both_engines() {
    let patch = voice(
        r#""m": (kind: "pulse_train", params: {"rate": 220.0, "width": 0.5})"#,
        OUT_BOTH,
    );
    compare("pulse_train", &patch, true, 110.0);
}

#[test]
fn clock_div_sounds_the_same_on_both_engines() {
    // A 440 Hz clock divided by 2: a 220 Hz pulse.
    let patch = voice(
        r#""clock": (kind: "pulse_train", params: {"rate": 440.0}),
           "m": (kind: "clock_div", params: {"divide": 2})"#,
        &format!(r#"("clock.out", "m.gate"), {OUT_BOTH}"#),
    );
    compare("clock_div", &patch, true, 110.0);
}

#[test]
fn biquad_sounds_the_same_on_both_engines_in_every_mode() {
    for (mode, params) in [
        ("peak", r#""freq": 1000.0, "q": 2.0, "gain": 12.0"#),
        ("low_shelf", r#""freq": 500.0, "q": 0.707, "gain": -12.0"#),
        ("high_shelf", r#""freq": 2000.0, "q": 1.5, "gain": 9.0"#),
        ("notch", r#""freq": 880.0, "q": 1.0"#),
        ("allpass", r#""freq": 1000.0, "q": 0.707"#),
    ] {
        let patch = through("biquad", &format!(r#""mode": "{mode}", {params}"#));
        compare(&format!("biquad_{mode}"), &patch, true, 110.0);
    }
}

#[test]
fn supersaw_sounds_the_same_on_both_engines() {
    let patch = voice(
        r#""m": (kind: "supersaw")"#,
        &format!(r#"("note.freq", "m.freq"), {OUT_BOTH}"#),
    );
    compare("supersaw", &patch, true, 110.0);
}

#[test]
fn chorus_sounds_the_same_on_both_engines() {
    let patch = voice(
        r#""src": (kind: "saw"), "m": (kind: "chorus", params: {"mix": 0.5})"#,
        r#"("note.freq", "src.freq"), ("src.out", "m.in"), ("m.left", "output.left"),
           ("m.right", "output.right")"#,
    );
    compare("chorus", &patch, true, 110.0);
}

#[test]
fn compressor_sounds_the_same_on_both_engines() {
    let patch = through(
        "compressor",
        r#""threshold": -20.0, "ratio": 4.0, "attack": 0.005, "release": 0.1, "knee": 6.0, "makeup": 6.0"#,
    );
    compare("compressor", &patch, true, 110.0);
}

#[test]
fn compressor_ducks_under_its_sidechain_the_same_on_both_engines() {
    // A sine ducked by a 3 Hz pulse on the sidechain: the attack and release shape it.
    let patch = voice(
        r#""src": (kind: "sine"), "clock": (kind: "pulse_train", params: {"rate": 3.0}),
           "m": (kind: "compressor", params: {"threshold": -30.0, "ratio": 8.0, "attack": 0.01, "release": 0.08})"#,
        &format!(
            r#"("note.freq", "src.freq"), ("src.out", "m.in"), ("clock.out", "m.sidechain"), {OUT_BOTH}"#
        ),
    );
    compare("compressor_sidechain", &patch, true, 2.0);
}
