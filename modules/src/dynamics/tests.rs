//! Tests of the limiter, the safety limiter and the compressor.

use super::compressor::*;
use super::limiter::*;
use super::safety::*;
use super::*;
use crate::analysis::peak;
use crate::harness::ModuleRunner;

const SR: f32 = 48_000.0;

fn sine(freq: f32, amp: f32, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| amp * (std::f32::consts::TAU * freq * i as f32 / SR).sin())
        .collect()
}

/// 0.3 s of a 997 Hz sine at `amp`, 0.3 s at `amp × 10` (+20 dB), 0.6 s at `amp`.
fn burst(amp: f32) -> Vec<f32> {
    let n = (1.2 * SR) as usize;
    let s = sine(997.0, 1.0, n);
    (0..n)
        .map(|i| {
            let loud = (0.3 * SR) as usize..(0.6 * SR) as usize;
            s[i] * if loud.contains(&i) { amp * 10.0 } else { amp }
        })
        .collect()
}

fn limiter(set: &[(&str, f32)]) -> ModuleRunner {
    let mut r = ModuleRunner::new((LIMITER.create)(), SR);
    for &(id, v) in set {
        r.set(id, v).unwrap();
    }
    r
}

#[test]
fn limiter_never_exceeds_its_ceiling_on_a_20_db_burst() {
    for (ceiling, drive, release) in [(-1.0, 0.0, 0.1), (-6.0, 12.0, 0.005), (0.0, 24.0, 2.0)] {
        let c = db_to_gain(ceiling);
        // The quiet part sits 3 dB under the ceiling before the drive.
        let x = burst(c * db_to_gain(-3.0));
        for block in [64, 7, 1] {
            let mut r = limiter(&[("ceiling", ceiling), ("drive", drive), ("release", release)]);
            let out = r.run(&[&x, &x], x.len(), block);
            for o in &out {
                let p = peak(o);
                assert!(
                    p <= c,
                    "ceiling {ceiling} dB: peak {p} > {c} (block {block})"
                );
            }
            // And it really limits, rather than muting: the burst comes out near the ceiling.
            let loud = &out[0][(0.4 * SR) as usize..(0.55 * SR) as usize];
            assert!(peak(loud) > 0.9 * c, "burst peak {}", peak(loud));
        }
    }
}

#[test]
fn limiter_under_the_ceiling_is_a_pure_delay_of_5_ms() {
    let w = window(SR);
    assert_eq!(w, 240);
    let x = sine(440.0, 0.5, 4_800);
    let out = limiter(&[]).run(&[&x, &x], 4_800, 64);
    for (i, y) in out[0].iter().enumerate() {
        let expected = if i + 1 >= w { x[i + 1 - w] } else { 0.0 };
        assert_eq!(*y, expected, "sample {i}");
    }
}

#[test]
fn limiter_ramps_down_before_the_peak_and_recovers_after_release() {
    // A single loud sample in silence-level signal: the gain starts falling a window
    // ahead, so the sample before the peak is already turned down (no step).
    let mut x = vec![0.1f32; 9_600];
    x[2_000] = 4.0;
    let out = &limiter(&[("ceiling", 0.0), ("release", 0.01)]).run(&[&x], 9_600, 64)[0];
    let at = 2_000 + window(SR) - 1;
    assert!(
        (out[at] - 1.0).abs() < 1e-4,
        "peak lands on the ceiling: {}",
        out[at]
    );
    assert!(
        out[at - 100] < 0.1 && out[at - 100] > 0.05,
        "{}",
        out[at - 100]
    );
    // 10 ms release: 50 ms later the gain is back to within 1 %.
    assert!(
        (out[at + 3 * 2_400] - 0.1).abs() < 1e-3,
        "{}",
        out[at + 7_200]
    );
}

#[test]
fn safety_limiter_is_transparent_until_it_engages() {
    let mut lim = SafetyLimiter::new(-1.0, SR);
    let x = sine(440.0, 0.8, 4_800);
    let (mut l, mut r) = (x.clone(), x.clone());
    lim.process(&mut l, &mut r);
    assert!(l.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
    assert_eq!(lim.gain(), 1.0);
}

#[test]
fn safety_limiter_holds_a_20_db_burst_to_the_ceiling_and_recovers_exactly() {
    let mut lim = SafetyLimiter::new(-1.0, SR);
    let c = lim.ceiling();
    let x = burst(0.5);
    let (mut l, mut r) = (x.clone(), x.iter().map(|v| -v).collect::<Vec<_>>());
    for (a, b) in l.chunks_mut(64).zip(r.chunks_mut(64)) {
        lim.process(a, b);
    }
    assert!(peak(&l) <= c && peak(&r) <= c, "{} {}", peak(&l), peak(&r));
    // 0.6 s after the burst (2.4 release times) the gain is back at exactly 1 only once
    // it passes the snap; at the end of 0.6 s it is within 1 %, and the quiet signal is
    // never amplified.
    let tail = (1.15 * SR) as usize;
    let ratio = peak(&l[tail..]) / peak(&x[tail..]);
    assert!(ratio > 0.9 && ratio <= 1.0, "{ratio}");
    // A long quiet stretch brings it back to unity: bit for bit the input again.
    let quiet = sine(440.0, 0.5, 48_000 * 4);
    let (mut a, mut b) = (quiet.clone(), quiet.clone());
    lim.process(&mut a, &mut b);
    assert_eq!(lim.gain(), 1.0);
    let end = quiet.len() - 4_800;
    assert!(a[end..]
        .iter()
        .zip(&quiet[end..])
        .all(|(p, q)| p.to_bits() == q.to_bits()));
}

#[test]
fn safety_limiter_silences_non_finite_samples() {
    let mut lim = SafetyLimiter::new(0.0, SR);
    let (mut l, mut r) = (vec![f32::NAN, 0.5, f32::INFINITY], vec![0.25; 3]);
    lim.process(&mut l, &mut r);
    assert_eq!(l, [0.0, 0.5, 0.0]);
    assert_eq!(r, [0.25; 3]);
}

#[test]
fn compressor_static_curve_and_knee() {
    // Hard knee: 10 dB over a -20 dB threshold at 4:1 comes out 2.5 dB over.
    assert_eq!(gain_reduction(-10.0, -20.0, 4.0, 0.0), -7.5);
    assert_eq!(gain_reduction(-30.0, -20.0, 4.0, 0.0), 0.0);
    // Soft knee: continuous at both knee edges, and half-way in between at the threshold.
    let k = 6.0;
    assert!(gain_reduction(-23.0, -20.0, 4.0, k).abs() < 1e-6);
    assert!(
        (gain_reduction(-17.0, -20.0, 4.0, k) - gain_reduction(-17.0, -20.0, 4.0, 0.0)).abs()
            < 1e-5
    );
    assert!((gain_reduction(-20.0, -20.0, 4.0, k) - (-0.75 * 3.0 * 3.0 / 12.0)).abs() < 1e-5);
}

fn compressor(set: &[(&str, f32)]) -> ModuleRunner {
    let mut r = ModuleRunner::new((COMPRESSOR.create)(), SR);
    for &(id, v) in set {
        r.set(id, v).unwrap();
    }
    r
}

#[test]
fn compressor_turns_a_loud_sine_down_by_the_ratio() {
    // Peaks at -6 dB, 14 dB over a -20 dB threshold at 4:1: out peaks near -16.5 dB.
    let x = sine(997.0, db_to_gain(-6.0), 48_000);
    let set = [
        ("threshold", -20.0),
        ("ratio", 4.0),
        ("knee", 0.0),
        ("attack", 0.001),
        ("release", 0.3),
    ];
    let out = &compressor(&set).run(&[&x], 48_000, 64)[0];
    let level = gain_to_db(peak(&out[24_000..]));
    assert!((level - -16.5).abs() < 1.0, "{level} dB");
    // Makeup raises it by its amount.
    let mut with_makeup = set.to_vec();
    with_makeup.push(("makeup", 6.0));
    let out = &compressor(&with_makeup).run(&[&x], 48_000, 64)[0];
    let louder = gain_to_db(peak(&out[24_000..]));
    assert!((louder - level - 6.0).abs() < 0.05, "{louder} vs {level}");
    // Under the threshold nothing changes.
    let quiet = sine(997.0, db_to_gain(-30.0), 4_800);
    let out = &compressor(&set).run(&[&quiet], 4_800, 64)[0];
    assert_eq!(out, &quiet);
}

#[test]
fn compressor_sidechain_ducks_the_input() {
    let n = 48_000;
    let pad = sine(220.0, 0.25, n);
    // The kick: loud for the middle third, silent otherwise.
    let kick: Vec<f32> = sine(60.0, 1.0, n)
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if (16_000..32_000).contains(&i) {
                *v
            } else {
                0.0
            }
        })
        .collect();
    let set = [
        ("threshold", -30.0),
        ("ratio", 10.0),
        ("attack", 0.002),
        ("release", 0.05),
    ];
    let out = &compressor(&set).run(&[&pad, &kick], n, 64)[0];
    let before = peak(&out[8_000..16_000]);
    let during = peak(&out[24_000..32_000]);
    let after = peak(&out[44_000..]);
    assert!((before - 0.25).abs() < 1e-3, "{before}");
    // The kick is 30 dB over: about 27 dB of reduction (a 60 Hz peak detector ripples).
    assert!(gain_to_db(during / before) < -20.0, "{during}");
    assert!((after - 0.25).abs() < 0.01, "{after}");
}
