//! Noise generator: kind `noise`, in three colours.
//!
//! - `white`: fundsp's `white()` — a counter hashed to a uniform value in −1..1 (flat
//!   spectrum, RMS 1/√3 ≈ 0.58, peak exactly ≤ 1).
//! - `pink`: that white noise through fundsp's `pinkpass()` (Paul Kellett's refined
//!   −3 dB/octave filter, ±0.05 dB above 9.2 Hz), scaled to RMS ≈ 0.35.
//! - `brown`: that white noise through a one-pole lowpass at 10 Hz (fundsp's
//!   `lowpole_hz`, −6 dB/octave above it and flat below, so unlike a pure integrator it
//!   never wanders off), scaled to RMS ≈ 0.35 at any sample rate.
//!
//! Why fundsp: it has exactly these parts (the project rule is to wrap fundsp where it
//! fits), they are per-sample `tick`s with no allocation, and its noise is seedable and
//! counter-based, so the output is deterministic: an instance starts from its seed (a
//! fixed default, or the one the host derives from `--seed`, the module id and the voice
//! through [`Module::seed`], so instances are decorrelated) and
//! [`reset`](Module::reset) replays the same samples.
//!
//! Levels: pink and brown are Gaussian-like rather than bounded like white, so they sit
//! 4–5 dB lower in RMS (0.35 against 0.58) to pass ±1 only rarely: measured over 10 s at
//! 48 kHz, 0.3 % of pink and 0.8 % of brown samples, with peaks of about 1.5.
//!
//! ## Real time
//! [`process`](Module::process) and [`reset`](Module::reset) never allocate, lock, log or
//! block.

use std::f64::consts::TAU;

use fundsp::combinator::An;
use fundsp::filter::{Lowpole, Pinkpass};
use fundsp::noise::Noise;
use fundsp::prelude32::{lowpole_hz, pinkpass, white};
use fundsp::typenum::U1;

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen, ScUnaryOp, SAMPLE_RATE};

/// Index of the `color` param.
const COLOR: usize = 0;

/// Seed of the white-noise sequence every colour is made from.
const SEED: u64 = 0x4348_524f_4e55_5321;

/// Target RMS of pink and brown.
const TARGET_RMS: f64 = 0.35;
/// RMS of fundsp's `white() >> pinkpass()` (measured over 10 s at 48 kHz; the filter is
/// sample-rate independent).
const PINKPASS_RMS: f64 = 0.2128;
/// Corner of the brown-noise lowpass.
const BROWN_CORNER_HZ: f64 = 10.0;
/// Variance of uniform white noise in −1..1.
const WHITE_VARIANCE: f64 = 1.0 / 3.0;

static OUTPUTS: [PortSpec; 1] = [PortSpec {
    id: "out",
    doc: "Noise: white peaks at ±1 (RMS 0.58); pink and brown have RMS ≈ 0.35.",
}];

static PARAMS: [ParamSpec; 1] =
    [
        ParamSpec::choice("color", "Color", &["white", "pink", "brown"], 0)
            .doc("white (flat) | pink (−3 dB/octave) | brown (−6 dB/octave above 10 Hz)."),
    ];

/// Description of the `noise` kind.
pub static NOISE_INFO: ModuleInfo = ModuleInfo {
    kind: "noise",
    doc: "Deterministic noise: white, pink or brown.",
    inputs: &[],
    outputs: &OUTPUTS,
    params: &PARAMS,
    roles: &[],
};

/// Registry entry for `noise`.
pub const NOISE: ModuleEntry = ModuleEntry::of::<NoiseModule>(&NOISE_INFO).supercollider(&NOISE_SC);

/// `noise` on scsynth, colour by colour, each the same filter on the same white noise:
/// `WhiteNoise` is uniform in −1..1 as ours. Pink and brown are not `PinkNoise` and
/// `BrownNoise`: those are other algorithms (Voss-McCartney; a bounded random walk) whose
/// spectra differ from ours by 1.2–2.5 dB (pink) and 3.5–7.3 dB (brown) across
/// 50 Hz–5 kHz however they are scaled (measured through a `bandpass` of q 6 on both
/// engines), which made `noise-drone` several dB apart. Instead:
/// - pink is Paul Kellett's refined filter, fundsp's `pinkpass()`, written out: six
///   one-poles (`OnePole.ar(w × g / (1 − |c|), c)` is `b = c·b + g·w`), the previous white
///   sample (`Delay1`) and the white itself, summed and scaled as fundsp and we scale them;
/// - brown is `OnePole.ar(w, a)` with `a = exp(−2π·10 Hz / SampleRate.ir)`, our one-pole at
///   10 Hz, times our gain `0.35 / √(σ² (1 − a) / (1 + a))` computed the same way.
static NOISE_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::Choice("color", &[WHITE, PINK, BROWN])],
    note: "WhiteNoise; pink and brown as our filters on it (OnePole, Delay1)",
};

const WHITE: Sc = Sc::ar(&ScUGen::ar("WhiteNoise", &[]));

/// `OnePole.ar(w × g / (1 − |c|), c)`: `b = c·b + g·w`, one term of Kellett's filter.
macro_rules! kellett {
    ($c:expr, $g:expr) => {
        Sc::ar(&ScUGen::ar(
            "OnePole",
            &[
                Sc::mul(
                    &WHITE,
                    &Sc::Const(($g as f64 / (1.0 - ($c as f64).abs())) as f32),
                ),
                Sc::Const($c),
            ],
        ))
    };
}

/// fundsp's `pinkpass()` (its coefficients) on `WHITE`, times our pink gain.
const PINK: Sc = Sc::mul(
    &Sc::add(
        &Sc::add(
            &Sc::add(&kellett!(0.99886, 0.0555179), &kellett!(0.99332, 0.0750759)),
            &Sc::add(&kellett!(0.96900, 0.1538520), &kellett!(0.86650, 0.3104856)),
        ),
        &Sc::add(
            &Sc::add(
                &kellett!(0.55000, 0.5329522),
                &kellett!(-0.7616, -0.0168980),
            ),
            &Sc::add(
                &Sc::mul(
                    &Sc::ar(&ScUGen::ar("Delay1", &[WHITE])),
                    &Sc::Const(0.115926),
                ),
                &Sc::mul(&WHITE, &Sc::Const(0.5362)),
            ),
        ),
    ),
    &Sc::Const((0.115830421 * TARGET_RMS / PINKPASS_RMS) as f32),
);

/// `exp(−2π·10 Hz / SampleRate.ir)`, the brown one-pole's coefficient.
const BROWN_POLE: Sc = Sc::Unary(
    ScUnaryOp::Exp,
    &Sc::Bin(
        ScBinOp::Div,
        &Sc::Const((-TAU * BROWN_CORNER_HZ) as f32),
        &Sc::UGen(&SAMPLE_RATE, 0),
    ),
);

/// Our brown: the one-pole on `WHITE`, times `0.35 / √(σ² (1 − a) / (1 + a))`.
const BROWN: Sc = Sc::Bin(
    ScBinOp::Div,
    &Sc::mul(
        &Sc::ar(&ScUGen::ar("OnePole", &[WHITE, BROWN_POLE])),
        &Sc::Const(TARGET_RMS as f32),
    ),
    &Sc::Unary(
        ScUnaryOp::Sqrt,
        &Sc::Bin(
            ScBinOp::Div,
            &Sc::mul(
                &Sc::sub(&Sc::Const(1.0), &BROWN_POLE),
                &Sc::Const(WHITE_VARIANCE as f32),
            ),
            &Sc::add(&Sc::Const(1.0), &BROWN_POLE),
        ),
    ),
);

/// The `noise` module.
#[derive(Clone)]
pub struct NoiseModule {
    white: An<Noise>,
    pink: An<Pinkpass<f32>>,
    brown: An<Lowpole<f32, U1>>,
    /// Output scale of the brown filter (depends on the sample rate).
    brown_gain: f32,
    /// Seed of the white noise.
    seed: u64,
}

impl Default for NoiseModule {
    fn default() -> Self {
        Self::new()
    }
}

impl NoiseModule {
    /// A fresh generator (prepared for 48 kHz until [`prepare`](Module::prepare) says
    /// otherwise).
    pub fn new() -> Self {
        let mut n = NoiseModule {
            white: white().seed(SEED),
            pink: pinkpass(),
            brown: lowpole_hz(BROWN_CORNER_HZ as f32),
            brown_gain: 1.0,
            seed: SEED,
        };
        n.prepare(48_000.0, crate::io::MAX_BLOCK);
        n
    }

    /// Runs one block, drawing white noise and shaping it with `color`.
    #[inline(always)]
    fn render(&mut self, out: &mut [f32], mut color: impl FnMut(&mut Self, f32) -> f32) {
        for o in out.iter_mut() {
            let w = self.white.get_mono();
            *o = color(self, w);
        }
    }
}

impl Module for NoiseModule {
    fn info(&self) -> &'static ModuleInfo {
        &NOISE_INFO
    }

    /// Sets the brown filter's corner and level for `sample_rate` and resets. Does not
    /// allocate.
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.brown.set_sample_rate(sample_rate as f64);
        // A one-pole y += (1 - a)(x - y) driven by white noise of variance σ² has variance
        // σ² (1 - a) / (1 + a).
        let a = (-TAU * BROWN_CORNER_HZ / sample_rate as f64).exp();
        let rms = (WHITE_VARIANCE * (1.0 - a) / (1.0 + a)).sqrt();
        self.brown_gain = (TARGET_RMS / rms) as f32;
        self.reset();
    }

    /// Real-time: no allocation, locks or logging. `color` is read once per block; only
    /// the selected colour's filter runs.
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        _inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let out = outputs.port(0);
        match params.value(COLOR).round() as usize {
            0 => self.render(out, |_, w| w),
            1 => {
                let gain = (TARGET_RMS / PINKPASS_RMS) as f32;
                self.render(out, |s, w| s.pink.filter_mono(w) * gain)
            }
            _ => {
                let gain = self.brown_gain;
                self.render(out, |s, w| s.brown.filter_mono(w) * gain)
            }
        }
    }

    /// Starts the white noise from `seed` (control thread; does not allocate).
    fn seed(&mut self, seed: u64) {
        self.seed = seed;
        self.white = white().seed(seed);
    }

    /// Back to the seed and silent filters: the next block repeats the first one.
    /// Real-time safe.
    fn reset(&mut self) {
        self.white.reset();
        self.pink.reset();
        self.brown.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{band_energy, peak, rms, spectrum};
    use crate::harness::ModuleRunner;

    const SR: f32 = 48_000.0;
    const COLORS: [&str; 3] = ["white", "pink", "brown"];

    fn run(color: &str, frames: usize, block: usize) -> Vec<f32> {
        let mut r = ModuleRunner::new((NOISE.create)(), SR);
        r.set("color", color).unwrap();
        r.run(&[], frames, block).remove(0)
    }

    /// Energy in 5..15 kHz over energy in 50..500 Hz, averaged over 8 spectra of 2^16.
    fn high_over_low(signal: &[f32]) -> f64 {
        let (mut hi, mut lo) = (0.0, 0.0);
        for chunk in signal.chunks_exact(1 << 16) {
            let s = spectrum(chunk);
            hi += band_energy(&s, SR, 5_000.0, 15_000.0);
            lo += band_energy(&s, SR, 50.0, 500.0);
        }
        hi / lo
    }

    #[test]
    fn colours_tilt_the_spectrum() {
        let n = 8 << 16;
        let ratio: Vec<f64> = COLORS
            .iter()
            .map(|c| high_over_low(&run(c, n, 64)))
            .collect();
        eprintln!(
            "5-15 kHz / 50-500 Hz energy: white {:.3}, pink {:.3}, brown {:.5}",
            ratio[0], ratio[1], ratio[2]
        );
        // Theory: white 10000/450 = 22.2; pink log(3)/log(10) = 0.477;
        // brown (1/5000 - 1/15000) / (1/50 - 1/500) = 0.0074.
        assert!((ratio[0] / 22.2 - 1.0).abs() < 0.1, "white {}", ratio[0]);
        assert!((ratio[1] / 0.477 - 1.0).abs() < 0.25, "pink {}", ratio[1]);
        assert!((ratio[2] / 0.0074 - 1.0).abs() < 0.35, "brown {}", ratio[2]);
    }

    #[test]
    fn levels_are_comparable_bounded_and_finite() {
        for color in COLORS {
            let out = run(color, 10 * 48_000, 64);
            let r = rms(&out);
            let p = peak(&out);
            let over = out.iter().filter(|x| x.abs() > 1.0).count() as f64 / out.len() as f64;
            eprintln!(
                "{color}: rms {r:.4}, peak {p:.3}, beyond ±1: {:.3} %",
                over * 100.0
            );
            assert!(out.iter().all(|x| x.is_finite()), "{color}");
            assert!((0.3..=0.6).contains(&r), "{color}: rms {r}");
            assert!(p <= 2.0, "{color}: peak {p}");
            let mean = out.iter().map(|&x| x as f64).sum::<f64>() / out.len() as f64;
            assert!(mean.abs() < 0.05, "{color}: mean {mean}");
        }
        assert!(peak(&run("white", 48_000, 64)) <= 1.0);
    }

    #[test]
    fn deterministic_and_reset_reproduces() {
        for color in COLORS {
            let a = run(color, 5_000, 64);
            assert_eq!(a, run(color, 5_000, 1), "{color}: block size");
            assert_eq!(a, run(color, 5_000, 7), "{color}: block size");
            let mut r = ModuleRunner::new((NOISE.create)(), SR);
            r.set("color", color).unwrap();
            let first = r.run(&[], 5_000, 64).remove(0);
            assert_eq!(a, first, "{color}: new instance");
            r.reset();
            assert_eq!(first, r.run(&[], 5_000, 64).remove(0), "{color}: reset");
            // Not a constant or a short loop.
            assert!(a.windows(2).filter(|w| w[0] != w[1]).count() > 4_990);
        }
    }

    #[test]
    fn pinkpass_rms_constant_matches_fundsp() {
        let mut w = white().seed(SEED);
        let mut p = pinkpass();
        let x: Vec<f32> = (0..10 * 48_000)
            .map(|_| p.filter_mono(w.get_mono()))
            .collect();
        let r = rms(&x);
        assert!((r / PINKPASS_RMS - 1.0).abs() < 0.02, "measured {r}");
    }
}
