//! `phaser`: a chain of first-order allpass filters whose corner is swept by a slow sine
//! (in octaves around `freq`), with feedback, mixed with the dry signal: notches where the
//! chain turns the phase by 180°, gliding up and down.
//!
//! Why not fundsp's `phaser`: its sweep is a closure ticked per sample and its stage count
//! and feedback are fixed when built; ours takes every param live. A first-order allpass
//! is three lines. Fixed-size state: `process` never allocates, locks, logs or blocks.
//!
//! No SuperCollider counterpart: its feedback around the allpass chain is a sample long; in
//! a SynthDef it would be a block late (`LocalIn`).

use super::flush;
use super::modulated::SineLfo;
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;

const RATE: usize = 0;
const FREQ: usize = 1;
const DEPTH: usize = 2;
const FEEDBACK: usize = 3;
const STAGES: usize = 4;
const MIX: usize = 5;

/// Most allpass stages.
const MAX_STAGES: usize = 12;

static PHASER_INFO: ModuleInfo = ModuleInfo {
    kind: "phaser",
    doc: "Phaser: 2–12 allpass stages swept by a sine around `freq`, with feedback, mixed \
          with the dry signal.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to phase.",
        },
        PortSpec {
            id: "rate",
            doc: "Adds to `rate` (Hz).",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "in × (1 − mix) + allpass chain × mix.",
    }],
    params: &[
        ParamSpec::float("rate", "Rate", 0.02, 10.0, 0.3)
            .log()
            .unit("Hz")
            .doc("Sweeps per second."),
        ParamSpec::float("freq", "Frequency", 50.0, 5_000.0, 700.0)
            .log()
            .unit("Hz")
            .doc("Centre of the sweep: the stages' corner frequency at rest."),
        ParamSpec::float("depth", "Depth", 0.0, 4.0, 2.0)
            .doc("Octaves the corner swings either side of `freq`."),
        ParamSpec::float("feedback", "Feedback", -0.9, 0.9, 0.4)
            .doc("Part of the chain's output fed back in: deeper, sharper notches."),
        ParamSpec::int("stages", "Stages", 2, MAX_STAGES as i32, 6)
            .doc("Allpass stages: each pair adds a notch."),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 0.5)
            .doc("0 = dry only, 0.5 = deepest notches, 1 = chain only."),
    ],
    roles: &[],
};

/// The `phaser` kind.
pub const PHASER: ModuleEntry = ModuleEntry::of::<Phaser>(&PHASER_INFO);

/// The `phaser` module.
#[derive(Clone, Debug, Default)]
pub struct Phaser {
    sample_rate: f32,
    lfo: SineLfo,
    /// Each stage's previous input and output.
    x1: [f32; MAX_STAGES],
    y1: [f32; MAX_STAGES],
    /// The chain's last output (for feedback).
    last: f32,
}

impl Module for Phaser {
    fn info(&self) -> &'static ModuleInfo {
        &PHASER_INFO
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.reset();
    }

    /// Per sample: the swept corner's allpass coefficient (one `tan`), the chain, the mix.
    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let x = inputs.port(0);
        let out = outputs.port(0);
        let (rate, freq, depth) = (params.block(RATE), params.block(FREQ), params.block(DEPTH));
        let (feedback, mix) = (params.block(FEEDBACK), params.block(MIX));
        let stages = (params.value(STAGES) as usize).clamp(2, MAX_STAGES);
        let sr = self.sample_rate.max(1.0);
        let inv_sr = 1.0 / sr as f64;
        let nyquist_guard = 0.45 * sr;
        for k in 0..out.len() {
            let sweep = self.lfo.tick(rate[k], inv_sr, 0.0);
            let corner = (freq[k] * (depth[k] * sweep).exp2()).clamp(10.0, nyquist_guard);
            let t = (std::f32::consts::PI * corner / sr).tan();
            let a = (t - 1.0) / (t + 1.0);
            let dry = if x[k].is_finite() { x[k] } else { 0.0 };
            let mut s = dry + feedback[k] * self.last;
            for i in 0..stages {
                // H(z) = (a + z⁻¹) / (1 + a z⁻¹)
                let y = a * s + self.x1[i] - a * self.y1[i];
                self.x1[i] = s;
                self.y1[i] = flush(y);
                s = self.y1[i];
            }
            self.last = s;
            out[k] = dry + (s - dry) * mix[k];
        }
    }

    /// Silence in every stage, LFO phase 0. **Real-time safe.**
    fn reset(&mut self) {
        self.lfo.reset();
        self.x1 = [0.0; MAX_STAGES];
        self.y1 = [0.0; MAX_STAGES];
        self.last = 0.0;
    }
}
