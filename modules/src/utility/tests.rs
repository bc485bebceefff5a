//! Tests of the control and utility kinds.

use crate::harness::{run_entry, ModuleRunner};
use crate::scale::Scale;

const SR: f32 = 48_000.0;

fn gate(n: usize, on: &[(usize, usize)]) -> Vec<f32> {
    let mut g = vec![0.0; n];
    for &(a, b) in on {
        g[a..b].fill(1.0);
    }
    g
}

#[test]
fn quantizer_maps_inputs_to_the_scale_notes() {
    // Every 10 cents from C3 to C6, in Hz, through C minor pentatonic and D major.
    let notes: Vec<f32> = (0..=360).map(|c| 48.0 + c as f32 * 0.1).collect();
    let hz: Vec<f32> = notes
        .iter()
        .map(|&n| 440.0 * ((n - 69.0) / 12.0).exp2())
        .collect();
    for (scale, root) in [("minor_pentatonic", 0), ("major", 2), ("whole_tone", 0)] {
        let mut r = ModuleRunner::new((super::quantizer::QUANTIZER.create)(), SR);
        r.set("scale", scale).unwrap();
        r.set("root", root as f32).unwrap();
        let out = r.run(&[&hz], hz.len(), 64);
        let table = Scale::named(scale).unwrap();
        for (k, (&n, &q)) in notes.iter().zip(&out[1]).enumerate() {
            let pc = ((q as i32 - root) % 12) as u8;
            assert!(
                table.intervals.contains(&pc),
                "{scale}: {n} -> {q}, not in the scale"
            );
            // Nearest: no scale note is closer.
            for cand in q as i32 - 3..=q as i32 + 3 {
                if table
                    .intervals
                    .contains(&(((cand - root).rem_euclid(12)) as u8))
                {
                    assert!(
                        (q - n).abs() <= (cand as f32 - n).abs() + 1e-3,
                        "{scale}: {n} -> {q}, {cand} is nearer"
                    );
                }
            }
            let want_hz = 440.0 * ((q - 69.0) / 12.0).exp2();
            assert!((out[0][k] / want_hz - 1.0).abs() < 1e-5);
        }
    }
    // Note input: 61.4 in C major is D (62); the sequencer's C major from C4.
    let mut r = ModuleRunner::new((super::quantizer::QUANTIZER.create)(), SR);
    r.set("input", "note").unwrap();
    let out = r.run(&[&[61.4, 60.4, 65.9, 70.6]], 4, 4);
    assert_eq!(out[1], [62.0, 60.0, 65.0, 71.0]);
}

#[test]
fn random_is_identical_for_the_same_seed_and_differs_for_another() {
    let render = |seed: u64, mode: &str| {
        let mut m = (super::random::RANDOM.create)();
        m.prepare(SR, 64);
        m.seed(seed);
        let mut r = ModuleRunner::new(m, SR);
        r.set("rate", 50.0).unwrap();
        r.set("mode", mode).unwrap();
        r.run(&[], 48_000, 64).remove(0)
    };
    for mode in ["stepped", "smooth"] {
        let a = render(42, mode);
        assert_eq!(a, render(42, mode), "{mode}");
        assert_ne!(a, render(43, mode), "{mode}");
        assert!(a.iter().all(|x| (-1.0..=1.0).contains(x)));
        let distinct = {
            let mut v: Vec<u32> = a.iter().map(|x| x.to_bits()).collect();
            v.sort();
            v.dedup();
            v.len()
        };
        if mode == "stepped" {
            // 50 draws a second (the first value at once).
            assert!((49..=52).contains(&distinct), "{distinct} values");
        } else {
            assert!(distinct > 40_000);
            let max_step = crate::analysis::max_step(&a);
            assert!(max_step < 0.01, "smooth steps by {max_step}");
        }
    }
}

#[test]
fn slew_rises_and_falls_at_their_own_times() {
    let mut x = vec![1.0f32; 48_000];
    x[0] = 0.0;
    x[24_000..].fill(0.0);
    let out = &run_entry(
        &super::slew::SLEW,
        &[("rise", 0.01), ("fall", 0.1), ("shape", 1.0)],
        &[&x],
        48_000,
    )[0];
    // Linear: 1 unit in 10 ms up (480 samples), 100 ms down.
    assert!((out[240] - 0.5).abs() < 0.01, "{}", out[240]);
    assert_eq!(out[600], 1.0);
    assert!((out[24_000 + 2_400] - 0.5).abs() < 0.01, "{}", out[26_400]);
    let out = &run_entry(
        &super::slew::SLEW,
        &[("rise", 0.01), ("fall", 0.01)],
        &[&x],
        48_000,
    )[0];
    // Exponential: 63 % after one time constant.
    assert!((out[480] - 0.632).abs() < 0.01, "{}", out[480]);
    assert_eq!(out[20_000], 1.0, "reaches a held input exactly");
}

#[test]
fn sample_hold_takes_the_input_on_rising_edges() {
    let x: Vec<f32> = (0..1_000).map(|i| i as f32).collect();
    let g = gate(1_000, &[(100, 150), (400, 900)]);
    let out = &run_entry(&super::sample_hold::SAMPLE_HOLD, &[], &[&x, &g], 1_000)[0];
    assert_eq!(out[99], 0.0);
    assert_eq!(out[100], 100.0);
    assert_eq!(out[399], 100.0);
    assert_eq!(out[999], 400.0);
}

#[test]
fn ar_and_ad_follow_their_times() {
    let g = gate(48_000, &[(0, 24_000)]);
    let ar = &run_entry(
        &super::envelopes::AR,
        &[("attack", 0.01), ("release", 0.1)],
        &[&g],
        48_000,
    )[0];
    assert!((ar[239] - 0.5).abs() < 0.01);
    assert_eq!(ar[10_000], 1.0);
    assert!((ar[24_000 + 2_399] - 0.5).abs() < 0.01);
    assert_eq!(ar[24_000 + 5_000], 0.0);
    // ad ignores the gate's length: a 1-sample trigger runs the whole envelope.
    let t = gate(48_000, &[(0, 1)]);
    let ad = &run_entry(
        &super::envelopes::AD,
        &[("attack", 0.01), ("decay", 0.1)],
        &[&t],
        48_000,
    )[0];
    assert_eq!(ad[479], 1.0);
    assert!((ad[480 + 2_400] - 0.5).abs() < 0.01);
    assert_eq!(ad[10_000], 0.0);
}

#[test]
fn math_ops() {
    let a = [1.0, -2.0, 3.0, -0.5];
    let b = [0.5, 0.5, -4.0, 2.0];
    let run = |op: &str, nums: &[(&str, f32)]| {
        let mut r = ModuleRunner::new((super::math::MATH.create)(), SR);
        r.set("op", op).unwrap();
        for (k, v) in nums {
            r.set(k, *v).unwrap();
        }
        r.run(&[&a, &b], 4, 4).remove(0)
    };
    assert_eq!(run("add", &[]), [1.5, -1.5, -1.0, 1.5]);
    assert_eq!(run("add", &[("b", 1.0)]), [2.5, -0.5, 0.0, 2.5]);
    assert_eq!(run("multiply", &[]), [0.5, -1.0, -12.0, -1.0]);
    assert_eq!(run("min", &[]), [0.5, -2.0, -4.0, -0.5]);
    assert_eq!(run("max", &[]), [1.0, 0.5, 3.0, 2.0]);
    assert_eq!(run("abs", &[]), [1.0, 2.0, 3.0, 0.5]);
    assert_eq!(
        run("clamp", &[("lo", -1.0), ("hi", 2.0)]),
        [1.0, -1.0, 2.0, -0.5]
    );
    assert_eq!(
        run("scale_offset", &[("scale", 2.0), ("offset", 1.0)]),
        [3.0, -3.0, 7.0, 0.0]
    );
}

#[test]
fn crossfade_laws() {
    let a = [1.0f32; 4];
    let b = [-1.0f32; 4];
    let out = &run_entry(&super::crossfade::CROSSFADE, &[("mix", 0.25)], &[&a, &b], 4)[0];
    assert_eq!(out[0], 0.5);
    let out = &run_entry(
        &super::crossfade::CROSSFADE,
        &[("mix", 0.5), ("law", 1.0)],
        &[&a, &a],
        4,
    )[0];
    assert!((out[0] - std::f32::consts::SQRT_2).abs() < 1e-6);
}

#[test]
fn clock_div_pulse_train_and_gate_delay() {
    // 10 Hz clock for 1 s: 10 pulses of 50 ms.
    let clock = &run_entry(&super::clock::PULSE_TRAIN, &[("rate", 10.0)], &[], 48_000)[0];
    let rising = |s: &[f32]| {
        s.windows(2).filter(|w| w[0] <= 0.5 && w[1] > 0.5).count() + (s[0] > 0.5) as usize
    };
    assert_eq!(rising(clock), 10);
    let high = clock.iter().filter(|&&x| x > 0.5).count();
    assert!((23_990..=24_010).contains(&high), "{high}");
    let div = &run_entry(
        &super::clock::CLOCK_DIV,
        &[("divide", 3.0)],
        &[clock],
        48_000,
    )[0];
    assert_eq!(rising(div), 4, "pulses 1, 4, 7, 10");
    assert_eq!(div[0], 1.0);
    assert_eq!(div[4_800], 0.0);
    assert_eq!(div[3 * 4_800], 1.0);
    let delayed = &run_entry(
        &super::clock::GATE_DELAY,
        &[("time", 0.01)],
        &[clock],
        48_000,
    )[0];
    assert_eq!(&delayed[480..48_000], &clock[..48_000 - 480]);
    assert!(delayed[..480].iter().all(|&x| x == 0.0));
}

#[test]
fn envelope_follower_tracks_the_level() {
    let x: Vec<f32> = (0..48_000)
        .map(|i| {
            if i < 24_000 {
                0.8 * if (i / 50) % 2 == 0 { 1.0 } else { -1.0 }
            } else {
                0.0
            }
        })
        .collect();
    let out = &run_entry(&super::follower::ENVELOPE_FOLLOWER, &[], &[&x], 48_000)[0];
    assert!((out[20_000] - 0.8).abs() < 1e-3, "{}", out[20_000]);
    // Release 0.1 s: e^-1 of the level after 4800 samples.
    assert!((out[24_000 + 4_800] / 0.8 - (-1f32).exp()).abs() < 0.01);
}
