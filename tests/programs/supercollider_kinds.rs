//! Each module kind of library II mapped to UGens, on both engines: a voice around the
//! kind rendered by Chronus's engine and by a real `scsynth -N` (`render --engine
//! supercollider`), the same note, compared over its sustain: level within 1.5 dB, pitch
//! within 0.5 % where the kind makes one, and the spectrum — every octave band within
//! 40 dB of the strongest agrees within 2 dB. Kinds that shape a level over time
//! (envelopes, slew, sample and hold as a control) are also compared by their contour:
//! the level of every 50 ms frame from the note's start, within 1 dB where it is within
//! 40 dB of the loudest frame.

use crate::support::compare::{octave_bands, pitch, rms_db};
use crate::support::process::programs_available;
use crate::support::temp::TempDir;

use super::supercollider_render::{render_with, SR};

/// The note every case plays: A3 from 0.2 s for 1.8 s.
const NOTE: &str = "57@0.2:1.8:0.8";
/// Its start, seconds.
const NOTE_START: f64 = 0.2;
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

/// `patch` rendered by Chronus's engine and by scsynth (`None`, said loudly, without
/// scsynth).
fn render_both(name: &str, patch: &str) -> Option<(Vec<f64>, Vec<f64>)> {
    if !programs_available(name, &["scsynth"]) {
        return None;
    }
    let dir = TempDir::new(&format!("sc_kind_{name}"));
    let file = dir.join(&format!("{name}.ron"));
    std::fs::write(&file, patch).unwrap();
    let file = file.to_str().unwrap();
    let render = |engine| render_with(&dir, file, engine, SECONDS, vec!["--notes", NOTE]);
    Some((render("internal"), render("supercollider")))
}

/// Renders `patch` on both engines and asserts they agree (see the module doc).
fn compare(name: &str, patch: &str, pitched: bool, lowest_band: f64) {
    if let Some((a, b)) = render_both(name, patch) {
        assert_alike(name, &a, &b, pitched, lowest_band);
    }
}

/// [`compare`], and the two renders' level contours agree (see the module doc).
fn compare_contour(name: &str, patch: &str, pitched: bool, lowest_band: f64) {
    let Some((a, b)) = render_both(name, patch) else {
        return;
    };
    assert_alike(name, &a, &b, pitched, lowest_band);
    let frame = (0.05 * SR) as usize;
    let from = (NOTE_START * SR) as usize;
    let contour = |x: &[f64]| -> Vec<f64> { x[from..].chunks_exact(frame).map(rms_db).collect() };
    let (ca, cb) = (contour(&a), contour(&b));
    let loudest = ca.iter().fold(f64::MIN, |m, v| m.max(*v));
    let mut worst: f64 = 0.0;
    for (k, (da, db)) in ca.iter().zip(&cb).enumerate() {
        if *da < loudest - 40.0 {
            continue;
        }
        worst = worst.max((db - da).abs());
        assert!(
            (db - da).abs() <= 1.0,
            "{name}: frame at {:.2} s {db:.2} dB on scsynth, {da:.2} dB internally\n\
             internal {ca:.1?}\nscsynth  {cb:.1?}",
            NOTE_START + k as f64 * 0.05
        );
    }
    eprintln!("{name}: contour within {worst:.2} dB");
}

/// Asserts the renders `a` (internal) and `b` (scsynth) agree over the sustain (see the
/// module doc).
fn assert_alike(name: &str, a: &[f64], b: &[f64], pitched: bool, lowest_band: f64) {
    let (a, b) = (
        measure(a, pitched, lowest_band),
        measure(b, pitched, lowest_band),
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

#[test]
fn math_sounds_the_same_on_both_engines_for_every_op() {
    // `a` at the note: a saw for the two-operand ops, a sine for the others (a saw's
    // shape at its jump is each engine's own band-limiting, which abs and clamp expose).
    // `b` a sine at 97.3 Hz: a frequency no harmonic of the note's shares, so the
    // result's spectrum does not hang on the two oscillators' relative phase (each engine
    // starts its own).
    for (op, a, params, pitched) in [
        ("add", "saw", r#""b": 0.25"#, false),
        ("multiply", "saw", r#""b": 0.0"#, false),
        ("min", "saw", "", false),
        ("max", "saw", "", false),
        ("abs", "sine", "", false),
        ("clamp", "sine", r#""lo": -0.3, "hi": 0.5"#, true),
        (
            "scale_offset",
            "sine",
            r#""scale": 0.5, "offset": 0.1"#,
            true,
        ),
    ] {
        let patch = voice(
            &format!(
                r#""src": (kind: "{a}"), "other": (kind: "sine", params: {{"freq": 97.3}}),
                   "m": (kind: "math", params: {{"op": "{op}", {params}}})"#
            ),
            &format!(
                r#"("note.freq", "src.freq"), ("src.out", "m.a"), ("other.out", "m.b"), {OUT_BOTH}"#
            ),
        );
        compare(&format!("math_{op}"), &patch, pitched, 55.0);
    }
}

#[test]
fn ring_sounds_the_same_on_both_engines() {
    // Its own 300 Hz carrier on a saw at the note: sum and difference tones, no 220 Hz.
    let patch = through("ring", r#""freq": 300.0, "mix": 1.0"#);
    compare("ring", &patch, false, 55.0);
    // Half dry: the 220 Hz note is there too.
    let patch = through("ring", r#""freq": 300.0, "mix": 0.5"#);
    compare("ring_half", &patch, true, 55.0);
}

#[test]
fn crossfade_sounds_the_same_on_both_engines_in_both_laws() {
    for law in ["linear", "equal_power"] {
        let patch = voice(
            &format!(
                r#""sa": (kind: "saw"), "sb": (kind: "sine"),
                   "m": (kind: "crossfade", params: {{"mix": 0.3, "law": "{law}"}})"#
            ),
            &format!(
                r#"("note.freq", "sa.freq"), ("note.freq", "sb.freq"), ("sa.out", "m.a"),
                   ("sb.out", "m.b"), {OUT_BOTH}"#
            ),
        );
        compare(&format!("crossfade_{law}"), &patch, true, 110.0);
    }
}

#[test]
fn dc_block_sounds_the_same_on_both_engines() {
    // A sine lifted by 0.5 (math add): the block takes the offset away (the level says
    // so), down to 2 Hz. (A sine: a saw's top octave differs by ~2 dB between engines.)
    let patch = voice(
        r#""src": (kind: "sine"), "lift": (kind: "math", params: {"op": "add", "b": 0.5}),
           "m": (kind: "dc_block", params: {"cutoff": 10.0})"#,
        &format!(
            r#"("note.freq", "src.freq"), ("src.out", "lift.a"), ("lift.out", "m.in"), {OUT_BOTH}"#
        ),
    );
    compare("dc_block", &patch, true, 2.0);
}

#[test]
fn sample_hold_sounds_the_same_on_both_engines() {
    // A 0.7 Hz sine LFO held at each edge of an 8 Hz clock: the steps set a sine's level.
    let patch = voice(
        r#""src": (kind: "sine"), "lfo": (kind: "lfo", params: {"rate": 0.7}),
           "clock": (kind: "pulse_train", params: {"rate": 8.0}),
           "m": (kind: "sample_hold"), "vca": (kind: "vca")"#,
        r#"("note.freq", "src.freq"), ("lfo.out", "m.in"), ("clock.out", "m.gate"),
           ("src.out", "vca.in"), ("m.out", "vca.cv"), ("vca.out", "output.left"),
           ("vca.out", "output.right")"#,
    );
    compare_contour("sample_hold", &patch, true, 110.0);
}

#[test]
fn slew_sounds_the_same_on_both_engines_in_both_shapes() {
    // A 3 Hz clock, slewed, sets a sine's level: the rise and fall shape every frame.
    for shape in ["exponential", "linear"] {
        let patch = voice(
            &format!(
                r#""src": (kind: "sine"), "clock": (kind: "pulse_train", params: {{"rate": 3.0}}),
                   "m": (kind: "slew", params: {{"rise": 0.04, "fall": 0.1, "shape": "{shape}"}}),
                   "vca": (kind: "vca")"#
            ),
            r#"("note.freq", "src.freq"), ("clock.out", "m.in"), ("src.out", "vca.in"),
               ("m.out", "vca.cv"), ("vca.out", "output.left"), ("vca.out", "output.right")"#,
        );
        compare_contour(&format!("slew_{shape}"), &patch, true, 110.0);
    }
}

/// A saw at the note through a vca whose level is envelope `kind` with `params`, on the
/// note's gate.
fn enveloped(kind: &str, params: &str) -> String {
    voice(
        &format!(
            r#""src": (kind: "saw"), "env": (kind: "{kind}", params: {{{params}}}),
               "vca": (kind: "vca")"#
        ),
        r#"("note.freq", "src.freq"), ("note.gate", "env.gate"), ("src.out", "vca.in"),
           ("env.out", "vca.cv"), ("vca.out", "output.left"), ("vca.out", "output.right")"#,
    )
}

#[test]
fn ar_sounds_the_same_on_both_engines() {
    // A slow attack across the sustain, the release after the note's end (2.0 s).
    compare_contour(
        "ar",
        &enveloped("ar", r#""attack": 0.8, "release": 0.15"#),
        true,
        110.0,
    );
}

#[test]
fn ad_sounds_the_same_on_both_engines() {
    // Attack then a decay across the sustain, whatever the gate does.
    compare_contour(
        "ad",
        &enveloped("ad", r#""attack": 0.1, "decay": 1.5"#),
        true,
        110.0,
    );
}
