//! Tests of the filters and EQ: measured biquad responses against their design, the comb's
//! resonance, the formant filter's vowels, the DC blocker.

use super::{Coefficients, Shape};
use crate::analysis::rms;
use crate::harness::{run_entry, ModuleRunner};

const SR: f32 = 48_000.0;

fn sine(freq: f64, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (std::f64::consts::TAU * freq * i as f64 / SR as f64).sin() as f32)
        .collect()
}

/// Gain in dB of `entry` with `params` at `freq`: RMS of the output over RMS of the input
/// over whole cycles after 0.5 s of settling.
fn measured_db(params: &[(&str, &str)], numbers: &[(&str, f32)], freq: f64) -> f64 {
    let n = 48_000 + 24_000;
    let x = sine(freq, n);
    let mut r = ModuleRunner::new((super::biquad::BIQUAD.create)(), SR);
    for (k, v) in params {
        r.set(k, *v).unwrap();
    }
    for (k, v) in numbers {
        r.set(k, *v).unwrap();
    }
    let out = r.run(&[&x], n, 64).remove(0);
    // Whole cycles of the test frequency in the measured window.
    let cycles = ((n - 24_000) as f64 * freq / SR as f64).floor().max(1.0);
    let len = (cycles * SR as f64 / freq).round() as usize;
    let (a, b) = (&x[24_000..24_000 + len], &out[24_000..24_000 + len]);
    20.0 * (rms(b) / rms(a)).log10()
}

#[test]
fn biquad_modes_measure_within_half_a_db_of_their_design() {
    let modes = [
        ("peak", 6.0, 1_000.0, 1.0),
        ("peak", -9.0, 250.0, 2.0),
        ("low_shelf", 6.0, 200.0, 0.707),
        ("high_shelf", -6.0, 4_000.0, 0.707),
        ("notch", 0.0, 1_000.0, 2.0),
        ("allpass", 0.0, 1_000.0, 0.707),
    ];
    let shapes = [
        Shape::Peak,
        Shape::Peak,
        Shape::LowShelf,
        Shape::HighShelf,
        Shape::Notch,
        Shape::Allpass,
    ];
    let freqs = [50.0, 200.0, 700.0, 1_000.0, 1_400.0, 4_000.0, 12_000.0];
    for ((mode, gain, f0, q), shape) in modes.into_iter().zip(shapes) {
        let design = Coefficients::design(shape, f0, q, gain, SR as f64);
        for f in freqs {
            let want = design.magnitude_db(f, SR as f64);
            if want < -30.0 {
                // The bottom of a notch: a deep cut is what is promised there.
                let got = measured_db(
                    &[("mode", mode)],
                    &[("freq", f0 as f32), ("q", q as f32), ("gain", gain as f32)],
                    f,
                );
                assert!(
                    got < -20.0,
                    "{mode} at {f} Hz: {got:.2} dB, design {want:.2}"
                );
                continue;
            }
            let got = measured_db(
                &[("mode", mode)],
                &[("freq", f0 as f32), ("q", q as f32), ("gain", gain as f32)],
                f,
            );
            eprintln!("{mode} {f0} Hz {gain:+} dB q {q}: at {f} Hz measured {got:.3} dB, design {want:.3} dB");
            assert!(
                (got - want).abs() < 0.5,
                "{mode} at {f} Hz: {got:.2} dB, design {want:.2}"
            );
        }
    }
    // The designs say what they should: +6 dB at the bell's centre, a shelf's far side.
    let peak = Coefficients::design(Shape::Peak, 1_000.0, 1.0, 6.0, SR as f64);
    assert!((peak.magnitude_db(1_000.0, SR as f64) - 6.0).abs() < 1e-6);
    let shelf = Coefficients::design(Shape::LowShelf, 200.0, 0.707, 6.0, SR as f64);
    assert!((shelf.magnitude_db(20.0, SR as f64) - 6.0).abs() < 0.1);
    assert!(shelf.magnitude_db(10_000.0, SR as f64).abs() < 0.1);
}

#[test]
fn comb_rings_at_its_frequency() {
    let mut impulse = vec![0.0f32; 48_000];
    impulse[0] = 1.0;
    let out = &run_entry(
        &super::comb::COMB,
        &[("freq", 480.0), ("feedback", 0.9), ("damp", 0.0)],
        &[&impulse],
        48_000,
    )[0];
    // Echoes every 100 samples, each 0.9 of the last.
    assert!((out[100] - 0.9).abs() < 1e-4, "{}", out[100]);
    assert!((out[200] - 0.81).abs() < 1e-4, "{}", out[200]);
    assert!(out[50].abs() < 1e-6);
}

#[test]
fn formant_vowels_differ_and_peak_at_their_first_formant() {
    let noise: Vec<f32> = {
        let mut rng = crate::utility::SplitMix(7);
        (0..48_000).map(|_| rng.bipolar()).collect()
    };
    let spectrum_of = |vowel: f32| {
        let out = run_entry(
            &super::formant::FORMANT,
            &[("vowel", vowel)],
            &[&noise],
            48_000,
        )
        .remove(0);
        crate::analysis::spectrum(&out[..32_768])
    };
    let a = spectrum_of(0.0);
    let i = spectrum_of(2.0);
    let band = |s: &[f64], lo: f64, hi: f64| crate::analysis::band_energy(s, SR, lo, hi);
    // "a" has F1 near 650 Hz, "i" near 290 Hz.
    assert!(band(&a, 550.0, 750.0) > 3.0 * band(&i, 550.0, 750.0));
    assert!(band(&i, 240.0, 340.0) > 3.0 * band(&a, 240.0, 340.0));
}

#[test]
fn dc_block_removes_an_offset_and_passes_audio() {
    let x: Vec<f32> = sine(1_000.0, 48_000)
        .iter()
        .map(|s| 0.5 * s + 0.3)
        .collect();
    let out = &run_entry(&super::dc_block::DC_BLOCK, &[], &[&x], 48_000)[0];
    let tail = &out[24_000..];
    let mean = tail.iter().map(|&v| v as f64).sum::<f64>() / tail.len() as f64;
    assert!(mean.abs() < 1e-3, "mean {mean}");
    assert!((rms(tail) - 0.5 / 2f64.sqrt()).abs() < 0.01);
}
