//! `random`: stepped and smooth random values, seeded like `noise` (the host derives each
//! instance's seed from the patch seed, the module id and the voice), so a render with the
//! same seed is the same render.
//!
//! A new value is drawn `rate` times a second, or on each rising edge of `gate` when it is
//! connected. `stepped` jumps to it; `smooth` glides there along a raised cosine over the
//! next period (or the time since the previous edge), so the curve has no corners.
//!
//! No SuperCollider counterpart: its values come from our seeded generator and its smooth
//! shape is a raised cosine; `LFNoise0`/`LFNoise2` draw from scsynth's own generator with
//! other shapes.

use super::{Edge, SplitMix};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;

const RATE: usize = 0;
const MODE: usize = 1;

/// Seed before the host gives one.
const SEED: u64 = 0x5241_4e44_4f4d_2121;

static RANDOM_INFO: ModuleInfo = ModuleInfo {
    kind: "random",
    doc: "Seeded random control: stepped (sample & hold) or smooth (cosine glides), \
          at a rate or on each gate.",
    inputs: &[
        PortSpec {
            id: "gate",
            doc: "When connected, each rising edge past 0.5 draws the next value (then `rate` \
                  is not used).",
        },
        PortSpec {
            id: "rate",
            doc: "Adds Hz to the `rate` param.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "Random values, uniform in −1..1.",
    }],
    params: &[
        ParamSpec::float("rate", "Rate", 0.01, 100.0, 1.0)
            .log()
            .unit("Hz")
            .doc("New values per second (without a gate)."),
        ParamSpec::choice("mode", "Mode", &["stepped", "smooth"], 0)
            .doc("stepped: jumps | smooth: glides along a raised cosine."),
    ],
    roles: &[],
};

/// The `random` kind.
pub const RANDOM: ModuleEntry = ModuleEntry::of::<Random>(&RANDOM_INFO);

/// The `random` module.
#[derive(Clone, Debug)]
pub struct Random {
    seed: u64,
    rng: SplitMix,
    edge: Edge,
    /// Phase in 0..1 of the current period (rate mode).
    phase: f64,
    from: f32,
    to: f32,
    /// Samples since the last gate edge, and the length of the glide in samples (gate
    /// mode: the previous interval).
    since: u32,
    glide: u32,
    started: bool,
}

impl Default for Random {
    fn default() -> Self {
        let mut r = Random {
            seed: SEED,
            rng: SplitMix(SEED),
            edge: Edge::default(),
            phase: 0.0,
            from: 0.0,
            to: 0.0,
            since: 0,
            glide: 1,
            started: false,
        };
        r.reset();
        r
    }
}

/// Raised-cosine interpolation from `a` to `b` at `t` in 0..1.
#[inline]
fn cosine(a: f32, b: f32, t: f32) -> f32 {
    let w = 0.5 - 0.5 * (std::f32::consts::PI * t.clamp(0.0, 1.0)).cos();
    a + (b - a) * w
}

impl Random {
    /// The next target: the old one becomes the glide's start.
    #[inline]
    fn draw(&mut self) {
        self.from = self.to;
        self.to = self.rng.bipolar();
    }
}

impl Module for Random {
    fn info(&self) -> &'static ModuleInfo {
        &RANDOM_INFO
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let gated = inputs.is_connected(0);
        let gate = inputs.port(0);
        let rate = params.block(RATE);
        let smooth = params.value(MODE) >= 0.5;
        let inv_sr = 1.0 / ctx.sample_rate as f64;
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            if !self.started {
                // The first value is there from the first sample.
                self.started = true;
                self.draw();
                self.from = self.to;
            }
            let t = if gated {
                if self.edge.step(gate[i]) == Some(true) {
                    self.draw();
                    self.glide = self.since.max(1);
                    self.since = 0;
                }
                self.since = self.since.saturating_add(1);
                self.since as f32 / self.glide as f32
            } else {
                self.phase += rate[i] as f64 * inv_sr;
                if self.phase >= 1.0 {
                    self.phase -= self.phase.floor();
                    self.draw();
                }
                self.phase as f32
            };
            *o = if smooth {
                cosine(self.from, self.to, t)
            } else {
                self.to
            };
        }
    }

    /// Starts the sequence from `seed` (control thread; does not allocate).
    fn seed(&mut self, seed: u64) {
        self.seed = seed;
        self.reset();
    }

    /// Back to the seed: the next block repeats the first one. Real-time safe.
    fn reset(&mut self) {
        self.rng = SplitMix(self.seed);
        self.edge = Edge::default();
        self.phase = 0.0;
        self.from = 0.0;
        self.to = 0.0;
        self.since = 0;
        self.glide = 1;
        self.started = false;
    }
}
