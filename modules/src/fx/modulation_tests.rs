//! Tests of the modulation effects: the chorus, flanger and phaser sweep at their `rate`
//! (measured from the output), the ping-pong echo bounces between the channels.

use super::chorus::*;
use super::flanger::*;
use super::phaser::*;
use super::ping_pong::*;
use crate::analysis::{band_energy, peak, spectrum};
use crate::entry::ModuleEntry;
use crate::harness::ModuleRunner;

const SR: f32 = 48_000.0;

fn sine(freq: f32, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| 0.5 * (std::f64::consts::TAU * freq as f64 * i as f64 / SR as f64).sin() as f32)
        .collect()
}

fn runner(entry: &ModuleEntry, set: &[(&str, f32)]) -> ModuleRunner {
    let mut r = ModuleRunner::new((entry.create)(), SR);
    for &(id, v) in set {
        r.set(id, v).unwrap();
    }
    r
}

/// The rate in Hz at which the pitch of `signal` (a swept copy of a steady tone) wobbles:
/// the tone's period is measured between rising zero crossings, averaged over `smooth`
/// periods, and the rate is counted from the rising zero crossings of that period's
/// deviation from its mean.
fn wobble_rate(signal: &[f32], smooth: usize) -> f64 {
    let mut crossings = vec![];
    for i in 1..signal.len() {
        let (a, b) = (signal[i - 1] as f64, signal[i] as f64);
        if a < 0.0 && b >= 0.0 {
            crossings.push((i - 1) as f64 + -a / (b - a));
        }
    }
    let periods: Vec<(f64, f64)> = crossings
        .windows(smooth + 1)
        .map(|w| ((w[0] + w[smooth]) / 2.0, (w[smooth] - w[0]) / smooth as f64))
        .collect();
    let mean = periods.iter().map(|p| p.1).sum::<f64>() / periods.len() as f64;
    let mut rising = vec![];
    for w in periods.windows(2) {
        let (a, b) = (w[0].1 - mean, w[1].1 - mean);
        if a < 0.0 && b >= 0.0 {
            rising.push(w[0].0 + (w[1].0 - w[0].0) * (-a / (b - a)));
        }
    }
    assert!(rising.len() >= 3, "too few wobbles: {}", rising.len());
    let span = rising[rising.len() - 1] - rising[0];
    (rising.len() - 1) as f64 * SR as f64 / span
}

#[test]
fn chorus_sweeps_at_its_rate_and_the_right_channel_lags_a_quarter() {
    for rate in [0.5f32, 1.5, 4.0] {
        let n = (SR * (6.0 / rate).max(3.0)) as usize;
        let x = sine(1_000.0, n);
        let out =
            runner(&CHORUS, &[("rate", rate), ("mix", 1.0), ("depth", 0.004)]).run(&[&x], n, 64);
        let measured = wobble_rate(&out[0][4_800..], 8);
        assert!(
            ((measured - rate as f64) / rate as f64).abs() < 0.02,
            "chorus {rate} Hz: measured {measured}"
        );
        let right = wobble_rate(&out[1][4_800..], 8);
        assert!(
            ((right - rate as f64) / rate as f64).abs() < 0.02,
            "right {right}"
        );
    }
    // Mix 0 is the dry input on both sides.
    let x = sine(440.0, 4_800);
    let out = runner(&CHORUS, &[("mix", 0.0)]).run(&[&x], 4_800, 64);
    assert_eq!(out[0], x);
    assert_eq!(out[1], x);
}

#[test]
fn flanger_sweeps_at_its_rate() {
    for rate in [0.25f32, 1.0, 3.0] {
        let n = (SR * (6.0 / rate).max(3.0)) as usize;
        let x = sine(1_000.0, n);
        let set = [
            ("rate", rate),
            ("mix", 1.0),
            ("feedback", 0.0),
            ("depth", 0.005),
        ];
        let out = &runner(&FLANGER, &set).run(&[&x], n, 64)[0];
        let measured = wobble_rate(&out[4_800..], 8);
        assert!(
            ((measured - rate as f64) / rate as f64).abs() < 0.02,
            "flanger {rate} Hz: measured {measured}"
        );
    }
}

#[test]
fn flanger_feedback_stays_bounded_at_its_extremes() {
    let x = sine(3_000.0, 48_000);
    for fb in [-0.95f32, 0.95] {
        let out = &runner(&FLANGER, &[("feedback", fb), ("mix", 1.0)]).run(&[&x], 48_000, 64)[0];
        assert!(
            out.iter().all(|v| v.is_finite()) && peak(out) < 20.0,
            "{fb}: {}",
            peak(out)
        );
    }
}

#[test]
fn phaser_sweeps_at_its_rate() {
    for rate in [0.3f32, 1.0, 2.5] {
        let n = (SR * (6.0 / rate).max(3.0)) as usize;
        let x = sine(1_000.0, n);
        let set = [
            ("rate", rate),
            ("mix", 1.0),
            ("feedback", 0.0),
            ("depth", 1.0),
            ("freq", 1_000.0),
        ];
        let out = &runner(&PHASER, &set).run(&[&x], n, 64)[0];
        let measured = wobble_rate(&out[4_800..], 8);
        assert!(
            ((measured - rate as f64) / rate as f64).abs() < 0.02,
            "phaser {rate} Hz: measured {measured}"
        );
    }
}

#[test]
fn phaser_chain_is_allpass_and_the_mix_notches() {
    // Chain only (mix 1, no feedback, no sweep): every frequency passes at its level.
    let set = [
        ("depth", 0.0),
        ("feedback", 0.0),
        ("mix", 1.0),
        ("freq", 700.0),
    ];
    for f in [200.0f32, 700.0, 3_000.0] {
        let x = sine(f, 9_600);
        let out = &runner(&PHASER, &set).run(&[&x], 9_600, 64)[0];
        assert!(
            (peak(&out[4_800..]) - 0.5).abs() < 0.01,
            "{f} Hz: {}",
            peak(&out[4_800..])
        );
    }
    // Mix 0.5 with 2 stages: a notch at the corner (each stage turns 90° there).
    let set = [
        ("depth", 0.0),
        ("feedback", 0.0),
        ("mix", 0.5),
        ("freq", 700.0),
        ("stages", 2.0),
    ];
    let x = sine(700.0, 9_600);
    let out = &runner(&PHASER, &set).run(&[&x], 9_600, 64)[0];
    assert!(peak(&out[4_800..]) < 0.01, "{}", peak(&out[4_800..]));
}

#[test]
fn ping_pong_bounces_left_right_left() {
    let n = 24_000;
    let mut x = vec![0.0f32; n];
    x[0] = 1.0;
    let set = [("time", 0.1), ("feedback", 0.5), ("mix", 1.0)];
    let out = runner(&PING_PONG, &set).run(&[&x, &x], n, 64);
    let spikes = |v: &[f32]| {
        (0..v.len())
            .filter(|&i| v[i].abs() > 1e-3)
            .collect::<Vec<_>>()
    };
    // 0.1 s = 4800 samples: left at 1, 3; right at 2, 4 (× 4800), halving each time.
    assert_eq!(spikes(&out[0]), vec![4_800, 14_400]);
    assert_eq!(spikes(&out[1]), vec![9_600, 19_200]);
    assert!((out[0][4_800] - 1.0).abs() < 1e-6);
    assert!((out[1][9_600] - 0.5).abs() < 1e-6);
    assert!((out[0][14_400] - 0.25).abs() < 1e-6);
    assert!((out[1][19_200] - 0.125).abs() < 1e-6);
}

#[test]
fn ping_pong_reset_silences_the_echoes() {
    let x = sine(300.0, 9_600);
    let mut r = runner(&PING_PONG, &[("time", 0.05), ("mix", 1.0)]);
    let first = r.run(&[&x, &x], 9_600, 64);
    r.reset();
    let again = r.run(&[&x, &x], 9_600, 64);
    assert_eq!(first, again);
    // After a reset with no input, nothing comes back.
    r.reset();
    let silence = vec![0.0; 9_600];
    let out = r.run(&[&silence, &silence], 9_600, 64);
    assert_eq!(peak(&out[0]) + peak(&out[1]), 0.0);
    let spec = spectrum(&first[0][..8_192]);
    assert!(band_energy(&spec, SR, 250.0, 350.0) > 0.0);
}

#[test]
fn plate_tail_falls_at_about_60_db_per_time_and_is_stereo() {
    use super::plate::PLATE;
    use crate::analysis::rms;
    let n = 3 * 48_000;
    let mut x = vec![0.0f32; n];
    x[0] = 1.0;
    for time in [1.0f32, 3.0] {
        let set = [
            ("time", time),
            ("mix", 1.0),
            ("damping", 0.0),
            ("predelay", 0.0),
        ];
        let out = runner(&super::plate::PLATE, &set).run(&[&x, &x], n, 64);
        let level = |from: f32| {
            let a = (from * SR) as usize;
            20.0 * rms(&out[0][a..a + 4_800]).log10()
        };
        // 60 dB per `time`: over 0.5 s the tail falls 30 / time dB.
        let fall = level(0.5) - level(1.0);
        let expected = 30.0 / time as f64;
        assert!(
            (fall - expected).abs() < 0.35 * expected + 2.0,
            "time {time}: fell {fall:.1} dB in 0.5 s, expected {expected:.1}"
        );
        // Left and right are different tails (decorrelated), of similar level.
        let (l, r) = (&out[0][4_800..48_000], &out[1][4_800..48_000]);
        let dot: f64 = l
            .iter()
            .zip(r)
            .map(|(a, b)| (*a as f64) * (*b as f64))
            .sum();
        let corr = dot / (rms(l) * rms(r) * l.len() as f64);
        assert!(corr.abs() < 0.5, "correlation {corr}");
        assert!((rms(l) / rms(r) - 1.0).abs() < 0.5);
    }
    let _ = PLATE;
}
