//! Tests of the saturator (aliasing against the base-rate shaper), the wavefolder, the
//! bitcrusher and the ring modulator.

use super::bitcrusher::*;
use super::oversample::Oversampler2;
use super::ring::*;
use super::saturator::*;
use super::wavefolder::*;
use crate::analysis::{band_energy, peak, spectrum};
use crate::harness::run_entry;

const SR: f32 = 48_000.0;
const N: usize = 16_384;

fn sine(freq: f32, amp: f32, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| amp * (std::f64::consts::TAU * freq as f64 * i as f64 / SR as f64).sin() as f32)
        .collect()
}

/// Energy below 20 kHz more than 60 Hz away from every multiple of `f0`, over the energy
/// at the harmonics below 20 kHz: how much aliasing the audible band holds, in dB.
fn aliasing_db(signal: &[f32], f0: f64) -> f64 {
    let spec = spectrum(signal);
    let bin_hz = SR as f64 / (2 * spec.len()) as f64;
    let (mut harmonic, mut alias) = (0.0, 0.0);
    for (k, m) in spec.iter().enumerate() {
        let f = k as f64 * bin_hz;
        if !(20.0..20_000.0).contains(&f) {
            continue;
        }
        let near = (f - (f / f0).round() * f0).abs() <= 60.0;
        if near {
            harmonic += m * m;
        } else {
            alias += m * m;
        }
    }
    10.0 * (alias / harmonic).log10()
}

#[test]
fn saturator_oversampling_cuts_aliasing_of_a_5_khz_sine() {
    let x = sine(5_000.0, 1.0, N + 2_048);
    for (mode, name) in MODES.iter().enumerate() {
        let drive_db = 12.0f32;
        let d = 10f32.powf(drive_db / 20.0);
        let over = &run_entry(
            &SATURATOR,
            &[("mode", mode as f32), ("drive", drive_db)],
            &[&x],
            x.len(),
        )[0];
        let naive: Vec<f32> = x.iter().map(|&v| shape(mode, v * d)).collect();
        let a_over = aliasing_db(&over[2_048..], 5_000.0);
        let a_naive = aliasing_db(&naive[2_048..], 5_000.0);
        eprintln!("saturator {name}: aliasing {a_over:.1} dB oversampled, {a_naive:.1} dB at the base rate");
        assert!(
            a_over < a_naive - 15.0,
            "{name}: {a_over:.1} dB oversampled vs {a_naive:.1} dB"
        );
    }
}

#[test]
fn saturator_shapes_are_odd_bounded_and_unity_slope() {
    for mode in 0..MODES.len() {
        for i in -400..=400 {
            let x = i as f32 * 0.05;
            let y = shape(mode, x);
            assert!(y.abs() <= 1.0 + 1e-6, "mode {mode} at {x}: {y}");
            assert!((y + shape(mode, -x)).abs() < 1e-6);
        }
        let slope = shape(mode, 1e-3) / 1e-3;
        assert!((slope - 1.0).abs() < 0.6, "mode {mode}: slope {slope}");
    }
    assert_eq!(shape(1, 3.0), 1.0);
}

#[test]
fn saturator_quiet_input_at_zero_drive_comes_through_delayed() {
    // tanh of a small signal is nearly the signal: at 0 dB drive, -40 dB in, it comes out
    // the same, 31 samples later, and mix 0 is the dry signal with the same delay.
    let x = sine(1_000.0, 0.01, 4_096);
    let l = Oversampler2::LATENCY;
    let out = &run_entry(&SATURATOR, &[("drive", 0.0)], &[&x], 4_096)[0];
    let worst = (1_000..4_096)
        .map(|i| (out[i] - x[i - l]).abs())
        .fold(0.0, f32::max);
    assert!(worst < 1e-4, "{worst}");
    let dry = &run_entry(&SATURATOR, &[("mix", 0.0)], &[&x], 4_096)[0];
    assert!((l..4_096).all(|i| dry[i] == x[i - l]));
}

#[test]
fn fold_reflects_at_plus_and_minus_one() {
    for (x, y) in [
        (0.5, 0.5),
        (1.0, 1.0),
        (1.5, 0.5),
        (3.0, -1.0),
        (-1.5, -0.5),
        (5.0, 1.0),
    ] {
        assert!((fold(x) - y).abs() < 1e-6, "fold({x}) = {}", fold(x));
    }
}

#[test]
fn wavefolder_adds_harmonics_as_fold_grows() {
    let x = sine(200.0, 1.0, N + 2_048);
    let high = |fold: f32| {
        let out = &run_entry(&WAVEFOLDER, &[("fold", fold)], &[&x], x.len())[0];
        let spec = spectrum(&out[2_048..]);
        band_energy(&spec, SR, 1_000.0, 20_000.0) / band_energy(&spec, SR, 0.0, 20_000.0)
    };
    let (gentle, hard) = (high(1.0), high(6.0));
    assert!(gentle < 1e-4, "fold 1 leaves a sine a sine: {gentle}");
    assert!(hard > 0.3, "fold 6 puts most energy above 1 kHz: {hard}");
    let out = &run_entry(&WAVEFOLDER, &[("fold", 20.0)], &[&x], x.len())[0];
    assert!(peak(out) <= 2.0);
}

#[test]
fn bitcrusher_rounds_to_its_bits_and_holds_at_its_rate() {
    let x = sine(100.0, 0.9, 4_800);
    let out = &run_entry(
        &BITCRUSHER,
        &[("bits", 3.0), ("rate", 48_000.0)],
        &[&x],
        4_800,
    )[0];
    // 3 bits: steps of 1/4.
    assert!(out.iter().all(|y| (y * 4.0).fract() == 0.0));
    assert!(out.iter().zip(&x).all(|(y, x)| (y - x).abs() <= 0.125));
    // 6 kHz: each value held for 8 samples.
    let out = &run_entry(
        &BITCRUSHER,
        &[("bits", 16.0), ("rate", 6_000.0)],
        &[&x],
        4_800,
    )[0];
    for (i, chunk) in out.chunks(8).enumerate() {
        assert!(chunk.iter().all(|v| *v == chunk[0]), "chunk {i}");
        assert!((chunk[0] - quantize(x[i * 8], 16.0)).abs() < 1e-6);
    }
}

#[test]
fn ring_makes_sum_and_difference_frequencies() {
    let x = sine(300.0, 1.0, N);
    let out = &run_entry(&RING, &[("freq", 1_000.0)], &[&x], N)[0];
    let spec = spectrum(out);
    let total = band_energy(&spec, SR, 0.0, 24_000.0);
    let at = |f: f64| band_energy(&spec, SR, f - 30.0, f + 30.0) / total;
    assert!(
        at(700.0) > 0.45 && at(1_300.0) > 0.45,
        "{} {}",
        at(700.0),
        at(1_300.0)
    );
    assert!(at(300.0) < 1e-4 && at(1_000.0) < 1e-4);
    // An external carrier is multiplied in exactly.
    let c = sine(77.0, 0.5, 1_000);
    let out = &run_entry(&RING, &[], &[&x[..1_000], &c], 1_000)[0];
    assert!(out
        .iter()
        .enumerate()
        .all(|(i, y)| *y == x[i] + (x[i] * c[i] - x[i])));
}
