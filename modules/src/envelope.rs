//! Envelope generators: `adsr`.
//!
//! A linear-segment ADSR. Every stage is a straight line whose length is a whole number of
//! samples, so stage timings are exact (the attack of 0.01 s at 48 kHz reaches 1.0 on its
//! 480th sample) and the per-sample cost is one add (attack, release) or one multiply-add
//! (decay) — cheap enough for many voices.
//!
//! Why not fundsp's `adsr_live`: it keeps its state behind `Shared` atomics and only starts on
//! a rising gate from its own idea of the gate, while we need sample-accurate gate edges from
//! an input port, retrigger from the current level, and a plain state that the graph-swap
//! hand-over can move.
//!
//! Real-time: construction and `prepare` are the only places that may allocate (and they do
//! not need to); `process` and `reset` never allocate, lock, log or block.

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScCounterpart, ScUGen};

const ATTACK: usize = 0;
const DECAY: usize = 1;
const SUSTAIN: usize = 2;
const RELEASE: usize = 3;

/// Longest attack, decay or release time in seconds.
const MAX_TIME: f32 = 60.0;

static ADSR_INFO: ModuleInfo = ModuleInfo {
    kind: "adsr",
    doc: "Linear-segment attack/decay/sustain/release envelope, sample-accurate gate, \
          retriggers from its current level without a click.",
    inputs: &[PortSpec {
        id: "gate",
        doc: "Gate: above 0.5 is on. A rising edge (re)starts the attack from the current \
              level; a falling edge starts the release. Read per sample.",
    }],
    outputs: &[PortSpec {
        id: "out",
        doc: "Envelope level, 0..1.",
    }],
    params: &[
        ParamSpec::float("attack", "Attack", 0.0, MAX_TIME, 0.01)
            .unit("s")
            .smoothing(Smoothing::None)
            .doc(
                "Time to rise from 0 to 1 (a retrigger from a higher level takes \
                  proportionally less, at the same slope).",
            ),
        ParamSpec::float("decay", "Decay", 0.0, MAX_TIME, 0.2)
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Time to fall from 1 to the sustain level."),
        ParamSpec::float("sustain", "Sustain", 0.0, 1.0, 0.7)
            .doc("Level held while the gate stays on after the decay."),
        ParamSpec::float("release", "Release", 0.0, MAX_TIME, 0.3)
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Time to fall from the level at gate-off to 0."),
    ],
    roles: &[],
};

/// The `adsr` kind.
pub const ADSR: ModuleEntry = ModuleEntry::of::<Adsr>(&ADSR_INFO).supercollider(&ADSR_SC);

/// `adsr` on scsynth: `EnvGen.ar(Env.adsr(attack, decay, sustain, release, curve: \lin),
/// gate)`: the same straight segments, retriggered from the current level. EnvGen's inputs
/// are gate, level scale, level bias, time scale, done action, then the envelope: initial
/// level, segments, release node, loop node (-99: none), and per segment level, time,
/// shape (1: linear), curve.
static ADSR_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::ar(&ScUGen::ar(
        "EnvGen",
        &[
            Sc::Input("gate", 0.0),
            Sc::Const(1.0),
            Sc::Const(0.0),
            Sc::Const(1.0),
            Sc::Const(0.0),
            // Env.adsr: from 0, three segments, release node 2, no loop.
            Sc::Const(0.0),
            Sc::Const(3.0),
            Sc::Const(2.0),
            Sc::Const(-99.0),
            Sc::Const(1.0),
            Sc::Param("attack"),
            Sc::Const(1.0),
            Sc::Const(0.0),
            Sc::Param("sustain"),
            Sc::Param("decay"),
            Sc::Const(1.0),
            Sc::Const(0.0),
            Sc::Const(0.0),
            Sc::Param("release"),
            Sc::Const(1.0),
            Sc::Const(0.0),
        ],
    ))],
    note: "EnvGen with Env.adsr, linear segments (gate above 0 rather than 0.5)",
};

/// Where the envelope is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// At 0, waiting for a gate.
    Idle,
    /// Rising by `step` per sample: `1 − remaining × step`, exactly 1 when `remaining`
    /// reaches 0.
    Attack,
    /// Falling from 1 to sustain; `remaining` of `decay_samples` to go.
    Decay,
    /// Following the sustain param.
    Sustain,
    /// Falling by `step` per sample: `remaining × step`, exactly 0 when `remaining` reaches
    /// 0.
    Release,
}

/// The `adsr` module. Public so the engine's voice allocator can downcast a voice's
/// envelope and ask [`is_idle`](Self::is_idle) / [`level`](Self::level).
#[derive(Clone, Debug)]
pub struct Adsr {
    sample_rate: f32,
    stage: Stage,
    level: f32,
    step: f32,
    remaining: u32,
    gate: bool,
    /// Param values the sample counts below were computed from (NaN: not yet).
    attack_s: f32,
    decay_s: f32,
    release_s: f32,
    /// `attack × sample rate`: samples for a full 0→1 rise (not rounded).
    attack_samples: f32,
    /// Samples of a full decay, at least 1.
    decay_samples: u32,
    /// `1 / decay_samples`.
    decay_inv: f32,
    /// Samples of a release, at least 1.
    release_samples: u32,
}

impl Default for Adsr {
    fn default() -> Self {
        Self::new()
    }
}

impl Adsr {
    /// A silent, idle envelope (prepared for 48 kHz until `prepare` says otherwise).
    pub fn new() -> Self {
        Adsr {
            sample_rate: 48_000.0,
            stage: Stage::Idle,
            level: 0.0,
            step: 0.0,
            remaining: 0,
            gate: false,
            attack_s: f32::NAN,
            decay_s: f32::NAN,
            release_s: f32::NAN,
            attack_samples: 0.0,
            decay_samples: 1,
            decay_inv: 1.0,
            release_samples: 1,
        }
    }

    /// True when the envelope has finished: gate off and the release has reached 0 (or it
    /// never started). The voice allocator may free a voice whose envelope is idle.
    /// Real-time safe.
    pub fn is_idle(&self) -> bool {
        self.stage == Stage::Idle
    }

    /// The level of the last sample written, 0..1 (for "steal the quietest voice").
    /// Real-time safe.
    pub fn level(&self) -> f32 {
        self.level
    }

    /// Takes in new time params (once per block: they have no smoothing and no port, so they
    /// are constant over a block) and rescales a stage in progress so it continues from its
    /// current level without a jump.
    fn retune(&mut self, attack: f32, decay: f32, release: f32) {
        let sr = self.sample_rate;
        if attack != self.attack_s {
            self.attack_s = attack;
            self.attack_samples = attack * sr;
            if self.stage == Stage::Attack {
                self.begin_attack();
            }
        }
        if decay != self.decay_s {
            self.decay_s = decay;
            let old = self.decay_samples;
            self.decay_samples = samples(decay * sr);
            self.decay_inv = 1.0 / self.decay_samples as f32;
            if self.stage == Stage::Decay {
                // Same fraction of the way through, so the level does not move.
                let frac = self.remaining as f32 / old as f32;
                self.remaining = samples(frac * self.decay_samples as f32);
            }
        }
        if release != self.release_s {
            self.release_s = release;
            let old = self.release_samples;
            self.release_samples = samples(release * sr);
            if self.stage == Stage::Release {
                let frac = self.remaining as f32 / old as f32;
                self.remaining = samples(frac * self.release_samples as f32);
                self.step = self.level / self.remaining as f32;
            }
        }
    }

    /// The gate at one frame (above 0.5 is on; NaN reads as off): a rising edge starts
    /// the attack, a falling edge the release.
    #[inline]
    fn follow_gate(&mut self, gate: f32) {
        let on = gate > 0.5;
        if on != self.gate {
            self.gate = on;
            if on {
                self.begin_attack();
            } else {
                self.begin_release();
            }
        }
    }

    /// Rise from the current level to 1 at the slope of a full 0→1 attack.
    fn begin_attack(&mut self) {
        self.stage = Stage::Attack;
        let distance = 1.0 - self.level;
        self.remaining = samples(distance * self.attack_samples);
        self.step = distance / self.remaining as f32;
    }

    /// Fall from the current level to 0 in the release time.
    fn begin_release(&mut self) {
        if self.stage == Stage::Idle {
            return;
        }
        self.stage = Stage::Release;
        self.remaining = self.release_samples;
        self.step = self.level / self.remaining as f32;
    }

    /// One block: at once when [`holds`](Self::holds) says nothing changes in it, else
    /// [`run`](Self::run).
    fn render(&mut self, gate: &[f32], sustain: &[f32], constant_sustain: bool, out: &mut [f32]) {
        if self.holds(gate, constant_sustain) {
            if self.stage == Stage::Sustain {
                self.level = sustain[0];
            }
            out.fill(self.level);
        } else {
            self.run(gate, sustain, out);
        }
    }

    /// The general path: at each gate edge the stage it starts, then the frames up to the
    /// next edge or the end of the stage as one [`segment`](Self::segment). The same
    /// values as stepping the stage frame by frame (a test keeps that form to compare).
    fn run(&mut self, gate: &[f32], sustain: &[f32], out: &mut [f32]) {
        let n = out.len();
        let mut i = 0;
        while i < n {
            self.follow_gate(gate[i]);
            // The next frame whose gate differs (a NaN gate reads as off).
            let edge = gate[i + 1..n]
                .iter()
                .position(|&g| (g > 0.5) != self.gate)
                .map_or(n, |p| i + 1 + p);
            let end = match self.stage {
                // A timed stage has at least one frame to go.
                Stage::Attack | Stage::Decay | Stage::Release => {
                    edge.min(i + self.remaining as usize)
                }
                Stage::Idle | Stage::Sustain => edge,
            };
            self.segment(&sustain[i..end], &mut out[i..end]);
            i = end;
        }
    }

    /// Frames of one stage with no gate edge among them (a timed stage at most to its
    /// end): what [`tick`](Self::tick) writes frame by frame, computed for all at once
    /// from the frame's countdown (`remaining - 1 - j` at frame `j`), so it vectorizes.
    fn segment(&mut self, sustain: &[f32], out: &mut [f32]) {
        let len = out.len();
        // After frame `j`, `remaining - 1 - j` samples remain (below 2³¹: exact as i32).
        let left = |j: usize| (self.remaining as i32 - 1 - j as i32) as f32;
        match self.stage {
            Stage::Idle => out.fill(self.level),
            Stage::Sustain => out.copy_from_slice(sustain),
            Stage::Attack => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = 1.0 - left(j) * self.step;
                }
            }
            Stage::Decay => {
                for ((j, o), &s) in out.iter_mut().enumerate().zip(sustain) {
                    *o = s + (1.0 - s) * (left(j) * self.decay_inv);
                }
            }
            Stage::Release => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = left(j) * self.step;
                }
            }
        }
        if let Some(&last) = out.last() {
            self.level = last;
        }
        if matches!(self.stage, Stage::Attack | Stage::Decay | Stage::Release) {
            self.remaining -= len as u32;
            if self.remaining == 0 {
                self.stage = match self.stage {
                    Stage::Attack => {
                        self.remaining = self.decay_samples;
                        Stage::Decay
                    }
                    Stage::Decay => Stage::Sustain,
                    _ => Stage::Idle,
                };
            }
        }
    }

    /// True when [`run`](Self::run) would write one value over this block: sustaining
    /// (a `constant_sustain`) with the gate on at every frame, or idle with it off at
    /// every frame (no edge, no stage change; the level is the sustain, or 0 when idle).
    #[inline]
    fn holds(&self, gate: &[f32], constant_sustain: bool) -> bool {
        let steady = match self.stage {
            Stage::Sustain => self.gate && constant_sustain,
            Stage::Idle => !self.gate,
            _ => false,
        };
        // Branch-free over the block so it vectorizes; a NaN gate reads as off.
        steady
            && gate
                .iter()
                .fold(true, |same, &g| same & ((g > 0.5) == self.gate))
    }
}

/// A stage length in whole samples, at least 1 (a zero time takes one sample).
#[inline]
fn samples(exact: f32) -> u32 {
    exact.round().max(1.0) as u32
}

impl Module for Adsr {
    fn info(&self) -> &'static ModuleInfo {
        &ADSR_INFO
    }

    /// Stores the sample rate; stage lengths are recomputed on the next block.
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.attack_s = f32::NAN;
        self.decay_s = f32::NAN;
        self.release_s = f32::NAN;
    }

    /// Per sample: gate edge detection, then one step of the current stage; a block in
    /// which nothing can change (sustaining with the gate held and a constant sustain, or
    /// idle with the gate off) is written at once (see `Adsr::render`).
    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        self.retune(
            params.value(ATTACK),
            params.value(DECAY),
            params.value(RELEASE),
        );
        let gate = inputs.port(0);
        let sustain = params.block(SUSTAIN);
        self.render(gate, sustain, params.is_constant(SUSTAIN), outputs.port(0));
    }

    /// Back to idle at 0 with the gate off. **Real-time safe.**
    fn reset(&mut self) {
        self.stage = Stage::Idle;
        self.level = 0.0;
        self.step = 0.0;
        self.remaining = 0;
        self.gate = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::max_step;
    use crate::harness::ModuleRunner;

    const SR: f32 = 48_000.0;

    fn runner() -> ModuleRunner {
        ModuleRunner::new((ADSR.create)(), SR)
    }

    /// A gate that is on for `on` (start, end) sample ranges.
    fn gate(len: usize, on: &[(usize, usize)]) -> Vec<f32> {
        let mut g = vec![0.0; len];
        for &(a, b) in on {
            g[a..b].fill(1.0);
        }
        g
    }

    fn first_index(v: &[f32], pred: impl Fn(f32) -> bool) -> usize {
        v.iter().position(|&x| pred(x)).expect("never reached")
    }

    /// The envelope one frame at a time, as first written: the reference the segment
    /// loops are compared with, bit for bit.
    fn reference_run(a: &mut Adsr, gate: &[f32], sustain: &[f32], out: &mut [f32]) {
        for ((o, &g), &s) in out.iter_mut().zip(gate).zip(sustain) {
            a.follow_gate(g);
            *o = reference_tick(a, s);
        }
    }

    /// One frame of the stage at sustain level `sustain`.
    fn reference_tick(a: &mut Adsr, sustain: f32) -> f32 {
        match a.stage {
            Stage::Idle => {}
            Stage::Attack => {
                a.remaining -= 1;
                // From the counter, not accumulated: no rounding drift, exactly 1 at 0.
                a.level = 1.0 - a.remaining as f32 * a.step;
                if a.remaining == 0 {
                    a.stage = Stage::Decay;
                    a.remaining = a.decay_samples;
                }
            }
            Stage::Decay => {
                a.remaining -= 1;
                // Interpolating toward the (possibly gliding) sustain keeps the line
                // continuous and lands exactly on it after `decay_samples`.
                a.level = sustain + (1.0 - sustain) * (a.remaining as f32 * a.decay_inv);
                if a.remaining == 0 {
                    a.stage = Stage::Sustain;
                }
            }
            Stage::Sustain => a.level = sustain,
            Stage::Release => {
                a.remaining -= 1;
                a.level = a.remaining as f32 * a.step;
                if a.remaining == 0 {
                    a.stage = Stage::Idle;
                }
            }
        }
        a.level
    }

    #[test]
    fn segment_loops_give_the_frame_by_frame_envelope_bit_for_bit() {
        // Gates of random lengths (1 frame to 0.1 s, NaN among them), a gliding sustain,
        // stage times changed between blocks, uneven blocks.
        let mut x = 12345u32;
        let mut rand = move || {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            x >> 8
        };
        let n = 96_000;
        let mut gate = Vec::with_capacity(n);
        while gate.len() < n {
            let len = 1 + (rand() % 4_800) as usize;
            let value = match rand() % 5 {
                0 => f32::NAN,
                1 | 2 => 1.0,
                _ => 0.0,
            };
            gate.extend(std::iter::repeat_n(value, len));
        }
        gate.truncate(n);
        let sustain: Vec<f32> = (0..n)
            .map(|i| 0.5 + 0.4 * (i as f32 / 3_000.0).sin())
            .collect();
        let (mut fast, mut slow) = (Adsr::new(), Adsr::new());
        let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
        let mut start = 0;
        while start < n {
            let end = (start + 1 + (rand() % 64) as usize).min(n);
            let times = [0.0005, 0.002, 0.01, 0.05][(rand() % 4) as usize];
            for env in [&mut fast, &mut slow] {
                env.retune(times, times * 3.0, times * 2.0);
            }
            fast.run(&gate[start..end], &sustain[start..end], &mut a[start..end]);
            reference_run(
                &mut slow,
                &gate[start..end],
                &sustain[start..end],
                &mut b[start..end],
            );
            start = end;
        }
        let first = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x.to_bits() != y.to_bits());
        assert_eq!(first, None);
        assert_eq!((fast.stage, fast.remaining), (slow.stage, slow.remaining));
        assert!(a.iter().any(|&v| v > 0.99), "the attacks reach 1");
    }

    #[test]
    fn attack_reaches_one_on_its_480th_sample_and_starts_at_the_gate() {
        let mut r = runner();
        let g = gate(2_000, &[(100, 2_000)]);
        for block in [1, 7, 64] {
            r.reset();
            let out = &r.run(&[&g], 2_000, block)[0];
            assert!(out[..100].iter().all(|&x| x == 0.0));
            // Rising on the gate's own sample: one step of 1/480.
            assert!((out[100] - 1.0 / 480.0).abs() < 1e-6, "{}", out[100]);
            // 0.01 s × 48 kHz = 480 samples: the 480th sample of the attack is 1.0.
            assert_eq!(first_index(out, |x| x >= 1.0), 100 + 479, "block {block}");
            assert!(out[100 + 478] < 1.0);
            // Linear: equal steps.
            let d1 = out[101] - out[100];
            let d2 = out[400] - out[399];
            assert!((d1 - d2).abs() < 1e-6);
        }
    }

    #[test]
    fn decay_lands_on_sustain_after_exactly_decay_times_sr() {
        let mut r = runner();
        r.set("decay", 0.1).unwrap();
        r.set("sustain", 0.25).unwrap();
        let g = gate(10_000, &[(0, 10_000)]);
        let out = &r.run(&[&g], 10_000, 64)[0];
        let peak = first_index(out, |x| x >= 1.0);
        assert_eq!(peak, 479);
        // 0.1 s = 4800 samples after the peak, exactly at sustain.
        let land = peak + first_index(&out[peak..], |x| x == 0.25);
        assert_eq!(land - peak, 4_800);
        assert!(out[land - 1] > 0.25);
        // Halfway through the decay, halfway down.
        assert!(
            (out[peak + 2_400] - 0.625).abs() < 1e-5,
            "{}",
            out[peak + 2_400]
        );
        assert!(out[land..].iter().all(|&x| x == 0.25));
    }

    #[test]
    fn release_reaches_zero_after_exactly_release_times_sr_and_goes_idle() {
        let mut r = runner();
        r.set("release", 0.05).unwrap();
        // Gate off at 20 000, long after the decay (480 + 9600 samples).
        let g = gate(30_000, &[(0, 20_000)]);
        let out = &r.run(&[&g], 30_000, 7)[0];
        assert!((out[19_999] - 0.7).abs() < 1e-6);
        // Falling on the gate-off sample itself.
        assert!(out[20_000] < 0.7);
        let zero = first_index(&out[20_000..], |x| x == 0.0);
        // 0.05 s = 2400 samples: the 2400th sample of the release is 0.
        assert_eq!(zero, 2_399);
        assert!(out[20_000 + 2_398] > 0.0);
        let adsr = r
            .module_mut()
            .as_any_mut()
            .downcast_mut::<Adsr>()
            .expect("an Adsr");
        assert!(adsr.is_idle());
        assert_eq!(adsr.level(), 0.0);
    }

    #[test]
    fn not_idle_while_sounding() {
        let mut r = runner();
        let g = gate(1_000, &[(0, 1_000)]);
        r.run(&[&g], 1_000, 64);
        let adsr = r.module_mut().as_any_mut().downcast_mut::<Adsr>().unwrap();
        assert!(!adsr.is_idle());
    }

    #[test]
    fn retrigger_mid_release_restarts_from_the_current_level() {
        let mut r = runner();
        r.set("release", 0.1).unwrap();
        // On, off at 20 000, on again at 21 200 (a quarter into the 4800-sample release).
        let g = gate(24_000, &[(0, 20_000), (21_200, 24_000)]);
        let out = &r.run(&[&g], 24_000, 64)[0];
        let before = out[21_199];
        assert!((before - 0.7 * 0.75).abs() < 1e-3, "{before}");
        // No jump: the retrigger continues from where the release was, rising.
        assert!(out[21_200] > before);
        assert!(out[21_200] - before < 1.0 / 480.0 + 1e-6);
        // Largest step in the whole run is the attack slope (1/480).
        assert!(max_step(out) <= 1.0 / 480.0 + 1e-6, "{}", max_step(out));
        // From 0.525 at the attack slope: 1 - 0.525 = 0.475 × 480 = 228 samples to the top.
        assert_eq!(first_index(&out[21_200..], |x| x >= 1.0), 227);
    }

    #[test]
    fn gate_off_during_attack_releases_from_there() {
        let mut r = runner();
        let g = gate(20_000, &[(0, 240)]);
        let out = &r.run(&[&g], 20_000, 64)[0];
        assert!((out[239] - 0.5).abs() < 1e-5);
        assert!(out[240] < out[239]);
        // Release time is 0.3 s regardless of the starting level.
        assert_eq!(first_index(&out[240..], |x| x == 0.0), 14_399);
    }

    #[test]
    fn zero_times_jump_in_one_sample() {
        let mut r = runner();
        r.set("attack", 0.0).unwrap();
        r.set("decay", 0.0).unwrap();
        r.set("release", 0.0).unwrap();
        let g = gate(10, &[(2, 5)]);
        let out = &r.run(&[&g], 10, 64)[0];
        assert_eq!(out, &[0.0, 0.0, 1.0, 0.7, 0.7, 0.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn changing_attack_mid_stage_does_not_jump() {
        let mut r = runner();
        r.set("attack", 0.1).unwrap();
        let g = gate(10_000, &[(0, 10_000)]);
        let head = r.run(&[&g], 2_400, 64)[0].clone();
        assert!((head[2_399] - 0.5).abs() < 1e-4);
        r.set("attack", 0.01).unwrap();
        let tail = r.run(&[&g[2_400..]], 1_000, 64)[0].clone();
        assert!(tail[0] - head[2_399] <= 1.0 / 480.0 + 1e-6);
        // Remaining half at the new slope: 240 samples.
        assert_eq!(first_index(&tail, |x| x >= 1.0), 239);
    }

    #[test]
    fn block_size_independent_while_params_move() {
        let g: Vec<f32> = (0..30_000)
            .map(|i| if (i + 77) % 3_001 < 1_700 { 1.0 } else { 0.0 })
            .collect();
        let render = |block: usize| {
            let mut r = runner();
            r.set("decay", 0.01).unwrap();
            r.set("release", 0.02).unwrap();
            let mut out = r.run(&[&g[..10_000]], 10_000, block).remove(0);
            r.set("attack", 0.05).unwrap();
            r.glide("sustain", 0.2).unwrap();
            out.extend(r.run(&[&g[10_000..]], 20_000, block).remove(0));
            out
        };
        let reference = render(64);
        assert_eq!(render(1), reference);
        assert_eq!(render(7), reference);
    }

    /// The held-block fast path (sustain with the gate on, idle with it off) writes what
    /// the per-sample path writes, bit for bit, and leaves the same state behind.
    #[test]
    fn held_blocks_match_the_per_sample_path() {
        let g = gate(20_000, &[(100, 9_000), (9_000, 9_001), (12_345, 19_000)]);
        let mut sustain = vec![0.6f32; 20_000];
        // A sustain that moves within some blocks: those must take the general path.
        for (i, s) in sustain[15_000..15_200].iter_mut().enumerate() {
            *s = 0.6 - i as f32 * 0.001;
        }
        let (mut fast, mut slow) = (Adsr::new(), Adsr::new());
        let mut held = 0;
        for start in (0..g.len()).step_by(64) {
            let end = (start + 64).min(g.len());
            let (gate, sus) = (&g[start..end], &sustain[start..end]);
            let constant = sus.iter().all(|&s| s == sus[0]);
            let (mut a, mut b) = ([0.0f32; 64], [0.0f32; 64]);
            let n = end - start;
            fast.retune(0.01, 0.05, 0.1);
            slow.retune(0.01, 0.05, 0.1);
            held += usize::from(fast.holds(gate, constant));
            fast.render(gate, sus, constant, &mut a[..n]);
            slow.run(gate, sus, &mut b[..n]);
            assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits), "block at {start}");
            assert_eq!(
                (fast.stage, fast.level.to_bits(), fast.gate, fast.remaining),
                (slow.stage, slow.level.to_bits(), slow.gate, slow.remaining),
                "state after the block at {start}"
            );
        }
        assert!(held > 100, "the fast path was taken only {held} times");
    }
}
