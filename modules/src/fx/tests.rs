//! Tests of the delay and the reverb (some check both: reset, block-size independence).

use super::delay::*;
use super::reverb::*;
use super::*;
use crate::analysis::{max_step, peak, rms};
use crate::entry::ModuleEntry;
use crate::harness::ModuleRunner;
use crate::io::MAX_BLOCK;
use crate::module::Module;

const SR: f32 = 48_000.0;

fn impulse(n: usize) -> Vec<f32> {
    let mut v = vec![0.0; n];
    v[0] = 1.0;
    v
}

fn delay(set: &[(&str, f32)]) -> ModuleRunner {
    let mut r = ModuleRunner::new((DELAY.create)(), SR);
    for &(id, v) in set {
        r.set(id, v).unwrap();
    }
    r
}

/// Indices of samples above `threshold`.
fn spikes(v: &[f32], threshold: f32) -> Vec<usize> {
    (0..v.len()).filter(|&i| v[i].abs() > threshold).collect()
}

#[test]
fn delay_impulse_returns_after_time_times_sr() {
    let mut r = delay(&[("time", 0.1), ("feedback", 0.0), ("mix", 1.0)]);
    let out = &r.run(&[&impulse(10_000)], 10_000, 7)[0];
    // 0.1 s × 48 kHz = 4800 samples (0.1f32 × 48000 rounds to exactly 4800.0, so the
    // cubic read has weights (0, 1, 0, 0) and the echo is an exact copy).
    assert_eq!(spikes(out, 1e-9), vec![4_800]);
    assert_eq!(out[4_800], 1.0);
}

#[test]
fn delay_echoes_decay_by_the_feedback_factor() {
    let mut r = delay(&[("time", 0.05), ("feedback", 0.5), ("mix", 0.5)]);
    let out = &r.run(&[&impulse(12_000)], 12_000, 64)[0];
    // Dry 0.5 at 0, then echoes every 2400 samples: 0.5, 0.25, 0.125, 0.0625.
    assert_eq!(spikes(out, 1e-3), vec![0, 2_400, 4_800, 7_200, 9_600]);
    assert!((out[0] - 0.5).abs() < 1e-6);
    for n in 1..4 {
        let ratio = out[2_400 * (n + 1)] / out[2_400 * n];
        assert!((ratio - 0.5).abs() < 1e-3, "echo {n}: ratio {ratio}");
    }
}

#[test]
fn delay_mix_zero_is_dry() {
    let mut r = delay(&[("mix", 0.0), ("feedback", 0.9)]);
    let x: Vec<f32> = (0..30_000).map(|i| (i as f32 * 0.01).sin()).collect();
    let out = &r.run(&[&x], 30_000, 64)[0];
    assert_eq!(out, &x);
}

#[test]
fn delay_fractional_time_interpolates() {
    // 0.1 s + half a sample: the impulse is shared between samples 4800 and 4801.
    let mut r = delay(&[("time", 4_800.5 / SR), ("feedback", 0.0), ("mix", 1.0)]);
    let out = &r.run(&[&impulse(6_000)], 6_000, 64)[0];
    assert!((out[4_800] - 0.5625).abs() < 1e-2, "{}", out[4_800]);
    assert!((out[4_801] - 0.5625).abs() < 1e-2, "{}", out[4_801]);
}

#[test]
fn delay_time_change_glides_without_clicks() {
    // A 220 Hz sine through a fully wet delay; the time jumps 0.3 → 0.05 s (glide).
    let x: Vec<f32> = (0..48_000)
        .map(|i| (std::f32::consts::TAU * 220.0 * i as f32 / SR).sin())
        .collect();
    let mut r = delay(&[("feedback", 0.0), ("mix", 1.0)]);
    let mut out = r.run(&[&x[..20_000]], 20_000, 64)[0].clone();
    r.glide("time", 0.05).unwrap();
    out.extend(&r.run(&[&x[20_000..]], 28_000, 64)[0]);
    // A plain 220 Hz sine moves at most 2π·220/48000 = 0.029 per sample. During the
    // 100 ms glide the delay shrinks by 2.5 samples per sample, so the read head runs
    // 3.5× fast (a tape-like pitch-up to 770 Hz): steps grow to 2π·770/48000 = 0.101.
    // A jump of the read position would show a step near 1.
    let worst = max_step(&out[15_000..]);
    // Measured: 0.1008.
    assert!(worst < 0.12, "largest step {worst}");
    // Settled on the new time: a plain sine again.
    assert!(max_step(&out[30_000..]) < 0.03);
}

/// Two channels of deterministic full-scale white noise (RMS 0.58).
fn noise_pair(n: usize) -> (Vec<f32>, Vec<f32>) {
    let mut seed = 1u32;
    let mut noise = || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as f32 / (1u32 << 23) as f32 - 1.0
    };
    let l = (0..n).map(|_| noise()).collect();
    let r = (0..n).map(|_| noise()).collect();
    (l, r)
}

/// In-place unnormalised 8-point fast Walsh–Hadamard transform of one frame.
#[inline]
fn hadamard8(v: &mut [f32; LINES]) {
    let mut h = 1;
    while h < LINES {
        let mut i = 0;
        while i < LINES {
            for j in i..i + h {
                let (a, b) = (v[j], v[j + h]);
                v[j] = a + b;
                v[j + h] = a - b;
            }
            i += 2 * h;
        }
        h *= 2;
    }
}

/// The network stepped frame by frame, as first written: the reference the block
/// form (`Reverb::run`) is compared with.
fn reference_reverb(
    r: &mut Reverb,
    in_l: &[f32],
    in_r: &[f32],
    mix: &[f32],
    out_l: &mut [f32],
    out_r: &mut [f32],
) {
    let (stride, mask) = (r.stride, r.mask);
    for k in 0..out_l.len() {
        let p = r.pos;
        let mut o = [0.0f32; LINES];
        for (i, o) in o.iter_mut().enumerate() {
            *o = r.buf[i * stride + (p.wrapping_sub(r.len[i]) & mask)];
        }
        let wet_l = OUT_GAIN * ((o[0] - o[2]) + (o[4] - o[6]));
        let wet_r = OUT_GAIN * ((o[1] - o[3]) + (o[5] - o[7]));
        let mut v = [0.0f32; LINES];
        for i in 0..LINES {
            let lp = flush(o[i] + r.damp[i] * (r.lp[i] - o[i]));
            r.lp[i] = lp;
            v[i] = lp * r.gain[i];
        }
        hadamard8(&mut v);
        let (xl, xr) = (in_l[k] * IN_GAIN, in_r[k] * IN_GAIN);
        for (i, v) in v.iter().enumerate() {
            let x = if i % 2 == 0 { xl } else { xr };
            r.buf[i * stride + p] = v + x;
        }
        r.pos = (p + 1) & mask;
        out_l[k] = dry_wet(in_l[k], wet_l, mix[k]);
        out_r[k] = dry_wet(in_r[k], wet_r, mix[k]);
    }
}

#[test]
fn a_tail_ends_in_exact_zeros_without_crawling_through_subnormal_floats() {
    // An impulse, then 6 s of silence at the shortest time: the flush takes the
    // network to exact zeros before its values reach the (slow) subnormal range.
    let mut r = reverb(&[("time", 0.1), ("damping", 0.0), ("mix", 1.0)]);
    let x = impulse(6 * SR as usize);
    let out = r.run(&[&x, &x], x.len(), 64);
    assert!(
        out[0][..SR as usize].iter().any(|&v| v != 0.0),
        "the impulse rings"
    );
    for channel in &out {
        let subnormal = channel.iter().position(|v| v.is_subnormal());
        assert_eq!(subnormal, None, "a subnormal sample");
        assert!(channel[5 * SR as usize..].iter().all(|&v| v == 0.0));
    }
}

#[test]
fn the_block_form_gives_the_frame_by_frame_network_within_rounding() {
    for sr in [48_000.0, 8_000.0] {
        let (mut fast, mut slow) = (Reverb::default(), Reverb::default());
        fast.prepare(sr, MAX_BLOCK);
        slow.prepare(sr, MAX_BLOCK);
        let n = 48_000;
        let (in_l, in_r) = noise_pair(n);
        let mix: Vec<f32> = (0..n).map(|i| (i as f32 / 5_000.0).sin().abs()).collect();
        let (mut a, mut b) = ((vec![0.0; n], vec![0.0; n]), (vec![0.0; n], vec![0.0; n]));
        let (mut start, mut block) = (0, 1);
        while start < n {
            let end = (start + block).min(n);
            // A new time and damping now and then, as a block would bring them.
            let time = [0.3, 2.0, 12.0][(start / 9_000) % 3];
            let damping = [0.0, 0.5, 1.0][(start / 7_000) % 3];
            for r in [&mut fast, &mut slow] {
                r.compute(time, damping);
            }
            let (l, m) = (&in_l[start..end], &mix[start..end]);
            let r = &in_r[start..end];
            fast.run(l, r, m, &mut a.0[start..end], &mut a.1[start..end]);
            reference_reverb(
                &mut slow,
                l,
                r,
                m,
                &mut b.0[start..end],
                &mut b.1[start..end],
            );
            start = end;
            block = (block + 7) % MAX_BLOCK + 1;
        }
        let worst = |x: &[f32], y: &[f32]| {
            x.iter()
                .zip(y)
                .fold(0.0f32, |m, (p, q)| m.max((p - q).abs()))
        };
        let (left, right) = (worst(&a.0, &b.0), worst(&a.1, &b.1));
        eprintln!(
            "{sr} Hz: largest difference left {left:e}, right {right:e}, peak {}",
            peak(&b.0)
        );
        assert!(
            left < 1e-5 && right < 1e-5,
            "{sr} Hz: left {left}, right {right}"
        );
        assert_eq!(fast.pos, slow.pos);
        assert!(rms(&a.0) > 0.01, "the reverb sounds");
    }
}

fn reverb(set: &[(&str, f32)]) -> ModuleRunner {
    let mut r = ModuleRunner::new((REVERB.create)(), SR);
    for &(id, v) in set {
        r.set(id, v).unwrap();
    }
    r
}

/// Energy of left + right in consecutive windows of `window` samples.
fn window_energy(out: &[Vec<f32>], window: usize) -> Vec<f64> {
    out[0]
        .chunks(window)
        .zip(out[1].chunks(window))
        .map(|(l, r)| {
            l.iter()
                .chain(r)
                .map(|&x| (x as f64) * (x as f64))
                .sum::<f64>()
        })
        .collect()
}

/// Seconds until the 100 ms window energy is 60 dB below its largest window.
fn rt60(time: f32, damping: f32) -> f64 {
    let n = (SR * (time * 2.5 + 0.5)) as usize;
    let mut r = reverb(&[("time", time), ("damping", damping), ("mix", 1.0)]);
    let out = r.run(&[&impulse(n), &impulse(n)], n, 64);
    let e = window_energy(&out, 4_800);
    let max = e.iter().cloned().fold(0.0, f64::max);
    let below = e
        .iter()
        .position(|&x| x < max * 1e-6)
        .expect("never fell 60 dB");
    below as f64 * 0.1
}

#[test]
fn reverb_tail_decays_steadily() {
    let n = 3 * 48_000;
    let mut r = reverb(&[("mix", 1.0)]);
    let out = r.run(&[&impulse(n)], n, 64);
    let e = window_energy(&out, 4_800);
    // After the build-up (first window), every 100 ms window is quieter than the last.
    for w in 1..e.len() - 1 {
        assert!(e[w + 1] < e[w], "window {w}: {} then {}", e[w], e[w + 1]);
    }
    assert!(out.iter().all(|o| o.iter().all(|x| x.is_finite())));
    // Both channels carry the tail of a left-only input.
    assert!(rms(&out[1][4_800..]) > 0.1 * rms(&out[0][4_800..]));
}

#[test]
fn reverb_reaches_minus_60_db_near_its_time() {
    // Without damping the broadband decay follows `time`. Measured: 0.5 s → 0.6 s,
    // 2 s → 2.1 s, 5 s → 5.1 s (window resolution 0.1 s); 2 s with damping 1 → 1.5 s.
    for time in [0.5f32, 2.0, 5.0] {
        let t60 = rt60(time, 0.0);
        assert!(
            t60 > 0.6 * time as f64 && t60 < 1.4 * time as f64 + 0.1,
            "time {time}: −60 dB after {t60} s"
        );
    }
    // Damping removes highs faster, so the broadband tail is shorter but still long.
    let damped = rt60(2.0, 1.0);
    assert!(damped < rt60(2.0, 0.0) && damped > 0.5, "{damped}");
}

#[test]
fn reverb_longer_time_longer_tail() {
    assert!(rt60(1.0, 0.5) < rt60(3.0, 0.5));
    assert!(rt60(0.3, 0.5) < rt60(1.0, 0.5));
}

#[test]
fn reverb_mix_zero_is_dry() {
    let mut r = reverb(&[("mix", 0.0), ("time", 20.0)]);
    let l: Vec<f32> = (0..20_000).map(|i| (i as f32 * 0.03).sin()).collect();
    let rr: Vec<f32> = (0..20_000).map(|i| (i as f32 * 0.017).cos()).collect();
    let out = r.run(&[&l, &rr], 20_000, 64);
    assert_eq!(out[0], l);
    assert_eq!(out[1], rr);
}

#[test]
fn reverb_is_bounded_for_loud_noise_at_the_longest_time() {
    // Full-scale white noise, 10 s, time 20 s, no damping: the worst case for build-up.
    // Measured: input RMS 0.58, wet RMS 1.2 (still building), peak 5.6.
    let n = 10 * 48_000;
    let (l, r_in) = noise_pair(n);
    let mut r = reverb(&[("mix", 1.0), ("time", 20.0), ("damping", 0.0)]);
    let out = r.run(&[&l, &r_in], n, 64);
    for o in &out {
        assert!(o.iter().all(|x| x.is_finite()));
        assert!(peak(o) < 20.0, "peak {}", peak(o));
    }
    // Silence afterwards: the tail dies away and ends without NaN or subnormals.
    let silence = vec![0.0; 48_000];
    let mut r = reverb(&[("mix", 1.0), ("time", 0.1)]);
    r.run(&[&l[..4_800], &r_in[..4_800]], 4_800, 64);
    let tail = r.run(&[&silence, &silence], 48_000, 64);
    for o in &tail {
        assert!(o
            .iter()
            .all(|x| x.is_finite() && (*x == 0.0 || x.is_normal())));
        assert_eq!(o[47_999], 0.0);
    }
}

#[test]
fn reverb_default_level_is_close_to_the_input() {
    let (l, r_in) = noise_pair(4 * 48_000);
    let mut r = reverb(&[("mix", 1.0)]);
    let out = r.run(&[&l, &r_in], l.len(), 64);
    // Steady state, after 2 s of build-up. Measured at the defaults (2 s, damping 0.5):
    // wet/dry RMS 0.61 (−4.3 dB) on both channels; 0.5 s → 0.39; 20 s without damping
    // → 2.1 after 5 s of noise (still building).
    for o in &out {
        let ratio = rms(&o[96_000..]) / rms(&l);
        assert!(ratio > 0.4 && ratio < 1.0, "{ratio}");
    }
}

/// A stretch of input: these parameter glides, then `frames` frames of the next input
/// in blocks of `block`.
struct Stretch {
    glide: &'static [(&'static str, f32)],
    frames: usize,
    block: usize,
}

/// Runs `stretches` through `r`, taking the input from `inputs` at `*at` on.
fn run_stretches(
    r: &mut ModuleRunner,
    inputs: &[Vec<f32>],
    at: &mut usize,
    stretches: &[Stretch],
) -> Vec<Vec<f32>> {
    let mut out = vec![Vec::new(); r.info().outputs.len()];
    for s in stretches {
        for &(id, v) in s.glide {
            r.glide(id, v).unwrap();
        }
        let slices: Vec<&[f32]> = inputs.iter().map(|x| &x[*at..*at + s.frames]).collect();
        for (o, part) in out.iter_mut().zip(r.run(&slices, s.frames, s.block)) {
            o.extend(part);
        }
        *at += s.frames;
    }
    out
}

/// Runs `entry` through each of `history`'s stretch lists with a reset after each,
/// then through `after`; a freshly prepared instance runs `after` on the same input.
/// Both start each run with the parameters `set`. The two outputs must be the same,
/// bit for bit. Without the resets the history must be heard in `after` (else the
/// test would show nothing).
fn assert_reset_is_fresh(
    entry: &ModuleEntry,
    set: &[(&str, f32)],
    history: &[&[Stretch]],
    after: &[Stretch],
) {
    let (l, r_in) = noise_pair(400_000);
    let inputs = [l, r_in];
    let inputs = &inputs[..entry.info.inputs.len()];
    let runner = || {
        let mut r = ModuleRunner::new((entry.create)(), SR);
        for &(id, v) in set {
            r.set(id, v).unwrap();
        }
        r
    };
    // Through the history and then `after`, with (`true`) or without the resets.
    let used = |reset: bool| {
        let (mut r, mut at) = (runner(), 0);
        for stretches in history {
            run_stretches(&mut r, inputs, &mut at, stretches);
            if reset {
                r.reset();
            }
            for &(id, v) in set {
                r.set(id, v).unwrap();
            }
        }
        let start = at;
        (run_stretches(&mut r, inputs, &mut at, after), start)
    };
    let (got, mut start) = used(true);
    let want = run_stretches(&mut runner(), inputs, &mut start, after);
    for (port, (g, w)) in got.iter().zip(&want).enumerate() {
        let first = g
            .iter()
            .zip(w)
            .position(|(a, b)| a.to_bits() != b.to_bits());
        assert_eq!(
            first, None,
            "{} port {port}: first difference",
            entry.info.kind
        );
    }
    assert_ne!(
        used(false).0,
        want,
        "{}: the history is heard",
        entry.info.kind
    );
    assert!(rms(&want[0]) > 0.01, "{} sounds", entry.info.kind);
}

/// The delay's taps reach back past what was written since the reset: with a short
/// constant time (2400 samples), then glides (a modulated time) up to the longest
/// time, in blocks of 64, 7, 1 and 33, until the whole ring is rewritten and beyond.
const DELAY_AFTER_RESET: &[Stretch] = &[
    Stretch {
        glide: &[],
        frames: 3_000,
        block: 64,
    },
    Stretch {
        glide: &[("time", 1.2)],
        frames: 10_000,
        block: 7,
    },
    Stretch {
        glide: &[("time", 0.01), ("feedback", 0.3)],
        frames: 20_000,
        block: 1,
    },
    Stretch {
        glide: &[("time", 2.0), ("mix", 0.9)],
        frames: 90_000,
        block: 64,
    },
    Stretch {
        glide: &[("time", 1.7)],
        frames: 20_000,
        block: 33,
    },
];

/// What the delay hears before a reset: 3 s of noise through a long, gliding time, so
/// that stale echoes fill the whole ring (2.7 s).
const DELAY_BEFORE_RESET: &[Stretch] = &[
    Stretch {
        glide: &[("time", 1.9)],
        frames: 72_000,
        block: 64,
    },
    Stretch {
        glide: &[("time", 0.6)],
        frames: 70_000,
        block: 50,
    },
];

const DELAY_SET: &[(&str, f32)] = &[("time", 0.05), ("feedback", 0.8), ("mix", 0.5)];

#[test]
fn a_reset_delay_sounds_like_a_fresh_one_bit_for_bit() {
    assert_reset_is_fresh(&DELAY, DELAY_SET, &[DELAY_BEFORE_RESET], DELAY_AFTER_RESET);
}

#[test]
fn a_delay_reset_again_before_its_ring_is_rewritten_sounds_like_a_fresh_one() {
    // The second reset comes 5000 frames after the first: the taps must still skip
    // everything from before it.
    let between = &[Stretch {
        glide: &[("time", 0.3)],
        frames: 5_000,
        block: 64,
    }];
    assert_reset_is_fresh(
        &DELAY,
        DELAY_SET,
        &[DELAY_BEFORE_RESET, between],
        DELAY_AFTER_RESET,
    );
}

/// The reverb after a reset: blocks of 1, 7, 64 and 13 with new times, damping and mix,
/// past the longest line (2531 frames) and on.
const REVERB_AFTER_RESET: &[Stretch] = &[
    Stretch {
        glide: &[],
        frames: 300,
        block: 1,
    },
    Stretch {
        glide: &[("time", 12.0), ("damping", 0.1)],
        frames: 1_500,
        block: 7,
    },
    Stretch {
        glide: &[("mix", 0.2)],
        frames: 4_000,
        block: 64,
    },
    Stretch {
        glide: &[("time", 0.4), ("damping", 0.9), ("mix", 1.0)],
        frames: 3_000,
        block: 13,
    },
];

const REVERB_SET: &[(&str, f32)] = &[("time", 5.0), ("damping", 0.3), ("mix", 0.7)];

#[test]
fn a_reset_reverb_sounds_like_a_fresh_one_bit_for_bit() {
    let before = &[Stretch {
        glide: &[("time", 20.0)],
        frames: 20_000,
        block: 64,
    }];
    assert_reset_is_fresh(&REVERB, REVERB_SET, &[before], REVERB_AFTER_RESET);
    // Reset again 1000 frames later, before the longest line is rewritten.
    let between = &[Stretch {
        glide: &[],
        frames: 1_000,
        block: 10,
    }];
    assert_reset_is_fresh(&REVERB, REVERB_SET, &[before, between], REVERB_AFTER_RESET);
}

/// The generic block-size test runs 6000 frames at the default 0.3 s delay, before any
/// echo; this one hears echoes, feedback and a time glide, in blocks of 1, 7 and 64.
#[test]
fn delay_and_reverb_are_block_size_independent_while_params_move() {
    let (l, r_in) = noise_pair(20_000);
    for (entry, inputs) in [(&DELAY, vec![&l[..]]), (&REVERB, vec![&l[..], &r_in[..]])] {
        let render = |block: usize| {
            let mut r = ModuleRunner::new((entry.create)(), SR);
            r.set(
                "time",
                if entry.info.kind == "delay" {
                    0.01
                } else {
                    0.3
                },
            )
            .unwrap();
            r.set("mix", 0.7).unwrap();
            let head: Vec<&[f32]> = inputs.iter().map(|x| &x[..9_000]).collect();
            let mut out = r.run(&head, 9_000, block);
            r.glide("time", 0.15).unwrap();
            r.glide("mix", 0.2).unwrap();
            r.glide(
                if entry.info.kind == "delay" {
                    "feedback"
                } else {
                    "damping"
                },
                0.9,
            )
            .unwrap();
            let tail: Vec<&[f32]> = inputs.iter().map(|x| &x[9_000..]).collect();
            for (o, t) in out.iter_mut().zip(r.run(&tail, 11_000, block)) {
                o.extend(t);
            }
            out
        };
        let reference = render(64);
        for block in [1, 7] {
            assert_eq!(
                render(block),
                reference,
                "{} block {block}",
                entry.info.kind
            );
        }
    }
}
