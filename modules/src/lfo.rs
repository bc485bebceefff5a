//! Low-frequency oscillator: kind `lfo`.
//!
//! `out = offset + depth × shape(phase)`, per sample, so an LFO can drive a parameter in its
//! own unit: `depth 500, offset 1500` into a filter's `cutoff` input sweeps 1000..2000 Hz
//! around the filter's own cutoff (the input adds Hz).
//!
//! Shapes (all in −1..1, phase 0 at the start): `sine` (0 rising), `triangle` (0 rising,
//! peak at a quarter cycle), `saw` (rising ramp, 0 at the start, falling edge half a cycle
//! in), `square` (+1 for the first half cycle, −1 for the second) and `random` (a new value
//! in −1..1 at the start of every cycle, held until the next).
//!
//! Control signals are not band-limited: the edges of `saw`, `square` and `random` are
//! sample-sharp, as a modulation source should be.
//!
//! `random` is deterministic: value `k` of the sequence is a hash of the instance's seed
//! and `k` (fundsp's SplitMix-based `rnd1`), so [`reset`](Module::reset) replays the same
//! values and renders are repeatable. The seed is a fixed default until the host sets one
//! per instance (from `--seed`, the module id and the voice) through [`Module::seed`].
//!
//! ## Real time
//! [`process`](Module::process) and [`reset`](Module::reset) never allocate, lock, log or
//! block.

use fundsp::math::rnd1;

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext, MAX_BLOCK};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::oscillator::{sin_cycle, triangle};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen};

/// Index of the `rate` param.
const RATE: usize = 0;
/// Index of the `depth` param.
const DEPTH: usize = 1;
/// Index of the `offset` param.
const OFFSET: usize = 2;
/// Index of the `shape` param.
const SHAPE: usize = 3;

/// Seed of the `random` shape's sequence.
const RANDOM_SEED: u64 = 0x4c46_4f5f_5345_4544;

/// The shape variants, in index order.
const SHAPES: &[&str] = &["sine", "triangle", "saw", "square", "random"];

static INPUTS: [PortSpec; 1] = [PortSpec {
    id: "rate",
    doc: "Adds Hz to the `rate` param.",
}];

static OUTPUTS: [PortSpec; 1] = [PortSpec {
    id: "out",
    doc: "offset + depth × shape, in the unit of whatever it modulates.",
}];

static PARAMS: [ParamSpec; 4] = [
    ParamSpec::float("rate", "Rate", 0.001, 1000.0, 1.0)
        .log()
        .unit("Hz")
        .doc("Cycles per second (log taper: the knob's middle is 1 Hz)."),
    ParamSpec::float("depth", "Depth", 0.0, 20_000.0, 1.0)
        .smoothing(Smoothing::Linear(20.0))
        .doc("Amplitude of the swing around `offset` (up to 20000, to sweep a cutoff in Hz)."),
    ParamSpec::float("offset", "Offset", -20_000.0, 20_000.0, 0.0)
        .smoothing(Smoothing::Linear(20.0))
        .doc("Value the output swings around."),
    ParamSpec::choice("shape", "Shape", SHAPES, 0)
        .doc("sine | triangle | saw | square | random (sample and hold, one value per cycle)."),
];

/// Description of the `lfo` kind.
pub static LFO_INFO: ModuleInfo = ModuleInfo {
    kind: "lfo",
    doc: "Low-frequency oscillator for modulation: offset + depth × shape.",
    inputs: &INPUTS,
    outputs: &OUTPUTS,
    params: &PARAMS,
    roles: &[],
};

/// Registry entry for `lfo`.
pub const LFO: ModuleEntry = ModuleEntry::of::<Lfo>(&LFO_INFO).supercollider(&LFO_SC);

/// `lfo` on scsynth: `offset + depth × shape`, the shape `SinOsc`, `LFTri`, `LFSaw`,
/// `LFPulse` (as ±1) or `LFNoise0` at `rate` (fixed when the def is built).
static LFO_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::add(
        &Sc::Param("offset"),
        &Sc::mul(
            &Sc::Param("depth"),
            &Sc::Choice(
                "shape",
                &[
                    Sc::ar(&ScUGen::ar("SinOsc", &[Sc::Param("rate"), Sc::Const(0.0)])),
                    Sc::ar(&ScUGen::ar("LFTri", &[Sc::Param("rate"), Sc::Const(0.0)])),
                    Sc::ar(&ScUGen::ar("LFSaw", &[Sc::Param("rate"), Sc::Const(0.0)])),
                    Sc::Bin(
                        ScBinOp::Sub,
                        &Sc::mul(
                            &Sc::ar(&ScUGen::ar(
                                "LFPulse",
                                &[Sc::Param("rate"), Sc::Const(0.0), Sc::Const(0.5)],
                            )),
                            &Sc::Const(2.0),
                        ),
                        &Sc::Const(1.0),
                    ),
                    Sc::ar(&ScUGen::ar("LFNoise0", &[Sc::Param("rate")])),
                ],
            ),
        ),
    )],
    note: "SinOsc / LFTri / LFSaw / LFPulse / LFNoise0 (shape fixed in the def)",
};

/// The `lfo` module.
#[derive(Clone, Debug)]
pub struct Lfo {
    /// Phase as a 64-bit fixed-point fraction of a cycle (`2^64` = one cycle): a wrapping
    /// add advances it, and its carry marks the start of a new cycle.
    phase: u64,
    /// Phase increment per Hz: `2^64 / sample_rate`.
    inc_per_hz: f32,
    /// Index of the current cycle in the `random` sequence.
    cycle: u64,
    /// The `random` shape's value for the current cycle.
    held: f32,
    /// Seed of the `random` sequence.
    seed: u64,
}

impl Default for Lfo {
    fn default() -> Self {
        Self::new()
    }
}

impl Lfo {
    /// A fresh LFO at phase 0 (prepared for 48 kHz until [`prepare`](Module::prepare) says
    /// otherwise).
    pub fn new() -> Self {
        Lfo {
            phase: 0,
            inc_per_hz: inc_per_hz(48_000.0),
            cycle: 0,
            held: random_value(RANDOM_SEED, 0),
            seed: RANDOM_SEED,
        }
    }

    /// Runs one block: `out[i] = offset[i] + depth[i] × shape(phase, held)`.
    #[inline(always)]
    fn render(
        &mut self,
        rate: &[f32],
        depth: &[f32],
        offset: &[f32],
        out: &mut [f32],
        shape: impl Fn(f32, f32) -> f32,
    ) {
        // Pass 1 (serial): phase and held value of every frame.
        let mut phases = [0.0f32; MAX_BLOCK];
        let mut helds = [0.0f32; MAX_BLOCK];
        let k = self.inc_per_hz;
        let mut p = self.phase;
        let (mut cycle, mut held) = (self.cycle, self.held);
        for ((t, h), &r) in phases.iter_mut().zip(helds.iter_mut()).zip(rate) {
            // 24 bits of phase as a fraction of a cycle in 0..1 (exact in f32).
            *t = (p >> 40) as f32 * (1.0 / 16_777_216.0);
            *h = held;
            // The saturating cast keeps the step within half a cycle per sample; negative
            // and NaN rates stop the LFO.
            let inc = ((r * k) as i64).max(0) as u64;
            let wrapped;
            (p, wrapped) = p.overflowing_add(inc);
            if wrapped {
                cycle = cycle.wrapping_add(1);
                held = random_value(self.seed, cycle);
            }
        }
        self.phase = p;
        self.cycle = cycle;
        self.held = held;

        // Pass 2 (independent frames): shape, depth and offset.
        for ((((o, &t), &h), &d), &c) in out
            .iter_mut()
            .zip(phases.iter())
            .zip(helds.iter())
            .zip(depth)
            .zip(offset)
        {
            *o = c + d * shape(t, h);
        }
    }
}

fn inc_per_hz(sample_rate: f32) -> f32 {
    (18_446_744_073_709_551_616.0 / sample_rate as f64) as f32
}

/// Value `k` of the `random` sequence, in −1..1.
#[inline]
fn random_value(seed: u64, k: u64) -> f32 {
    (rnd1(seed.wrapping_add(k)) * 2.0 - 1.0) as f32
}

impl Module for Lfo {
    fn info(&self) -> &'static ModuleInfo {
        &LFO_INFO
    }

    /// Stores the sample rate and returns to phase 0. Does not allocate.
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.inc_per_hz = inc_per_hz(sample_rate);
        self.reset();
    }

    /// Real-time: no allocation, locks or logging. `shape` is read once per block (it
    /// cannot glide); everything else per sample.
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        _inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let rate = params.block(RATE);
        let depth = params.block(DEPTH);
        let offset = params.block(OFFSET);
        let out = outputs.port(0);
        match params.value(SHAPE).round() as usize {
            0 => self.render(rate, depth, offset, out, |t, _| sin_cycle(t)),
            1 => self.render(rate, depth, offset, out, |t, _| {
                triangle(if t >= 0.75 { t - 0.75 } else { t + 0.25 })
            }),
            2 => self.render(rate, depth, offset, out, |t, _| {
                let s = if t >= 0.5 { t - 0.5 } else { t + 0.5 };
                s + s - 1.0
            }),
            3 => self.render(
                rate,
                depth,
                offset,
                out,
                |t, _| {
                    if t < 0.5 {
                        1.0
                    } else {
                        -1.0
                    }
                },
            ),
            _ => self.render(rate, depth, offset, out, |_, held| held),
        }
    }

    /// Back to phase 0 and the start of the `random` sequence. Real-time safe.
    fn reset(&mut self) {
        self.phase = 0;
        self.cycle = 0;
        self.held = random_value(self.seed, 0);
    }

    /// Starts the `random` sequence from `seed` (control thread; real-time safe anyway).
    fn seed(&mut self, seed: u64) {
        self.seed = seed;
        self.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::zero_crossing_frequency;
    use crate::harness::ModuleRunner;

    const SR: f32 = 48_000.0;

    fn run(params: &[(&str, f32)], shape: &str, frames: usize, block: usize) -> Vec<f32> {
        let mut r = ModuleRunner::new((LFO.create)(), SR);
        for &(id, v) in params {
            r.set(id, v).unwrap();
        }
        r.set("shape", shape).unwrap();
        r.run(&[], frames, block).remove(0)
    }

    fn min_max(x: &[f32]) -> (f32, f32) {
        x.iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)))
    }

    #[test]
    fn rate_from_zero_crossings() {
        for shape in ["sine", "triangle", "saw", "square"] {
            for rate in [0.5f32, 3.0, 40.0] {
                let out = run(&[("rate", rate)], shape, 10 * 48_000, 64);
                let f = zero_crossing_frequency(&out, SR).unwrap();
                assert!(
                    (f / rate as f64 - 1.0).abs() < 1e-3,
                    "{shape} at {rate} Hz: measured {f}"
                );
            }
        }
        // Default rate is 1 Hz.
        let out = run(&[], "sine", 5 * 48_000, 64);
        let f = zero_crossing_frequency(&out, SR).unwrap();
        assert!((f - 1.0).abs() < 1e-3, "{f}");
    }

    #[test]
    fn rate_input_adds_hz() {
        let n = 4 * 48_000;
        let mut r = ModuleRunner::new((LFO.create)(), SR);
        r.set("rate", 2.0).unwrap();
        let input = vec![3.0; n];
        let out = r.run(&[&input], n, 64).remove(0);
        let f = zero_crossing_frequency(&out, SR).unwrap();
        assert!((f - 5.0).abs() < 5e-3, "{f}");
    }

    #[test]
    fn every_shape_spans_offset_plus_minus_depth() {
        for shape in SHAPES {
            let out = run(
                &[("rate", 50.0), ("depth", 500.0), ("offset", 1500.0)],
                shape,
                48_000,
                64,
            );
            let (lo, hi) = min_max(&out);
            assert!(
                lo >= 1000.0 - 1e-2 && hi <= 2000.0 + 1e-2,
                "{shape}: {lo}..{hi}"
            );
            // 50 random values come within 10 % of both ends (measured: 1003..1995).
            // The others reach within one sample's step (2 × 500 × 50 / 48000 ≈ 1).
            let reach = if *shape == "random" { 50.0 } else { 2.0 };
            assert!(
                lo < 1000.0 + reach && hi > 2000.0 - reach,
                "{shape}: {lo}..{hi}"
            );
        }
    }

    #[test]
    fn defaults_swing_plus_minus_one() {
        let out = run(&[], "triangle", 48_000, 64);
        let (lo, hi) = min_max(&out);
        assert!(
            (lo + 1.0).abs() < 1e-3 && (hi - 1.0).abs() < 1e-3,
            "{lo}..{hi}"
        );
    }

    #[test]
    fn square_has_half_duty() {
        let out = run(&[("rate", 3.0)], "square", 48_000, 64);
        let high = out.iter().filter(|&&x| x > 0.0).count() as f64 / out.len() as f64;
        assert!((high - 0.5).abs() < 1e-3, "{high}");
        assert!(out.iter().all(|&x| x == 1.0 || x == -1.0));
    }

    #[test]
    fn saw_rises_then_drops_once_per_cycle() {
        let out = run(&[("rate", 4.0)], "saw", 48_000, 64);
        let drops = out.windows(2).filter(|w| w[1] < w[0]).count();
        assert_eq!(drops, 4);
        assert!(out[0].abs() < 1e-6 && out[1] > 0.0);
    }

    #[test]
    fn random_is_stepwise_one_value_per_cycle_and_deterministic() {
        let n = 48_000;
        let out = run(&[("rate", 10.0)], "random", n, 64);
        let changes = out.windows(2).filter(|w| w[1] != w[0]).count();
        assert_eq!(changes, 9, "10 cycles in a second hold 10 values");
        // Steps fall on cycle boundaries: every 4800 samples.
        for (i, w) in out.windows(2).enumerate() {
            if w[1] != w[0] {
                assert_eq!((i + 1) % 4_800, 0, "step at {}", i + 1);
            }
        }
        let distinct: Vec<f32> = out.iter().step_by(4_800).copied().collect();
        assert!(distinct.iter().all(|v| (-1.0..=1.0).contains(v)));
        let spread = min_max(&distinct);
        assert!(
            spread.1 - spread.0 > 0.5,
            "values barely move: {distinct:?}"
        );
        // Same output from a new instance, other block sizes and after reset.
        assert_eq!(out, run(&[("rate", 10.0)], "random", n, 7));
        let mut r = ModuleRunner::new((LFO.create)(), SR);
        r.set("rate", 10.0).unwrap();
        r.set("shape", "random").unwrap();
        let a = r.run(&[], n, 64).remove(0);
        r.reset();
        assert_eq!(a, r.run(&[], n, 64).remove(0));
    }

    #[test]
    fn block_size_does_not_change_the_output() {
        for shape in SHAPES {
            let render = |block: usize| {
                let mut r = ModuleRunner::new((LFO.create)(), SR);
                r.set("shape", *shape).unwrap();
                r.set("rate", 20.0).unwrap();
                let mut out = r.run(&[], 1_000, block).remove(0);
                r.glide("rate", 200.0).unwrap();
                r.glide("depth", 3.0).unwrap();
                r.glide("offset", -1.0).unwrap();
                out.extend(r.run(&[], 3_000, block).remove(0));
                out
            };
            let a = render(1);
            assert_eq!(a, render(7), "{shape}");
            assert_eq!(a, render(64), "{shape}");
        }
    }
}
