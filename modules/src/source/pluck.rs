//! `pluck`: a Karplus-Strong string. Each rising gate edge plucks it: one period of
//! seeded noise (shaped by `brightness`) enters a delay loop whose length sets the pitch
//! and whose lowpass and gain set the timbre and the decay.
//!
//! Tuning: the loop holds `sample_rate / freq` samples exactly: the whole part in the
//! ring, the rest in a first-order allpass (Jaffe & Smith, 1983), the lowpass's half
//! sample included. `decay` is the time to fall by 60 dB at any pitch (the loop gain per
//! period is `0.001^(1 / (freq × decay))`, divided by the loop lowpass's gain at `freq`
//! so damping darkens without shortening the note).
//!
//! Why not fundsp's `pluck`: it fixes the frequency when it is built, so each note would
//! build a new unit (allocating) on the audio thread; ours retunes per sample and plucks
//! from a gate. Excitation noise is seeded from the host like `noise`, so renders repeat.
//!
//! No SuperCollider counterpart: `Pluck` is Karplus-Strong too, but with another loop
//! filter, no allpass for the fractional period and another decay law: other pitches and
//! decays.

use super::{pitched, FREQ_PARAM, FREQ_PORT, PITCH_PORT};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::utility::{Edge, SplitMix};

const FREQ: usize = 0;
const DECAY: usize = 1;
const DAMP: usize = 2;
const BRIGHTNESS: usize = 3;

/// Lowest pitch: the ring holds one period of it.
const MIN_FREQ: f32 = 20.0;
/// Seed before the host gives one.
const SEED: u64 = 0x504c_5543_4b21_2121;

static PLUCK_INFO: ModuleInfo = ModuleInfo {
    kind: "pluck",
    doc: "Karplus-Strong plucked string: a gate plucks, freq tunes, decay and damping shape it.",
    inputs: &[
        FREQ_PORT,
        PITCH_PORT,
        PortSpec {
            id: "gate",
            doc: "Each rising edge past 0.5 plucks the string (over whatever still rings).",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "The string, about −1..1.",
    }],
    params: &[
        FREQ_PARAM,
        ParamSpec::float("decay", "Decay", 0.05, 30.0, 3.0)
            .log()
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Time for the string to fall by 60 dB."),
        ParamSpec::float("damp", "Damping", 0.0, 1.0, 0.5).doc(
            "Loop lowpass: 0 = bright and metallic, 1 = the classic two-point average (mellow).",
        ),
        ParamSpec::float("brightness", "Brightness", 0.0, 1.0, 0.7)
            .doc("Pluck: 1 = white noise burst (a pick), lower = softer (a finger)."),
    ],
    roles: &[],
};

/// The `pluck` kind.
pub const PLUCK: ModuleEntry = ModuleEntry::of::<Pluck>(&PLUCK_INFO);

/// The `pluck` module.
#[derive(Clone, Debug)]
pub struct Pluck {
    line: Vec<f32>,
    write: usize,
    /// The loop lowpass's last input, and the allpass state.
    last: f32,
    ap_x: f32,
    ap_y: f32,
    /// Samples of excitation still to add, and its one-pole state.
    burst: u32,
    burst_lp: f32,
    edge: Edge,
    seed: u64,
    rng: SplitMix,
    /// The (frequency, decay, damping) the loop gain was computed for, and the gain.
    gain_key: (f32, f32, f32),
    gain: f32,
}

impl Default for Pluck {
    fn default() -> Self {
        let mut p = Pluck {
            line: Vec::new(),
            write: 0,
            last: 0.0,
            ap_x: 0.0,
            ap_y: 0.0,
            burst: 0,
            burst_lp: 0.0,
            edge: Edge::default(),
            seed: SEED,
            rng: SplitMix(SEED),
            gain_key: (f32::NAN, f32::NAN, f32::NAN),
            gain: 0.0,
        };
        p.prepare(48_000.0, crate::io::MAX_BLOCK);
        p
    }
}

fn line_len(sample_rate: f32) -> usize {
    (sample_rate / MIN_FREQ).ceil() as usize + 4
}

impl Module for Pluck {
    fn info(&self) -> &'static ModuleInfo {
        &PLUCK_INFO
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.line = vec![0.0; line_len(sample_rate)];
        self.reset();
    }

    fn state_bytes(&self, sample_rate: f32) -> usize {
        line_len(sample_rate) * std::mem::size_of::<f32>()
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let (pitch, gate) = (inputs.port(1), inputs.port(2));
        let (freq, decay, damp, bright) = (
            params.block(FREQ),
            params.block(DECAY),
            params.block(DAMP),
            params.block(BRIGHTNESS),
        );
        let len = self.line.len();
        let sr = ctx.sample_rate;
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            let f = pitched(freq[i], pitch[i], sr).max(MIN_FREQ);
            let period = sr / f;
            if self.edge.step(gate[i]) == Some(true) {
                self.burst = period as u32;
            }
            // Loop lowpass y = (1 − s)·x[n] + s·x[n−1], s = damp / 2: delay s samples.
            let s = 0.5 * damp[i];
            // Whole delay in the ring, the fraction (0.5..1.5, where the allpass is well
            // behaved) in the allpass.
            let rest = (period - s - 0.5).clamp(1.0, (len - 2) as f32);
            let whole = rest as usize;
            let frac = period - s - whole as f32;
            let a = (1.0 - frac) / (1.0 + frac);
            let delayed = self.line[(self.write + len - whole) % len];
            let lp = (1.0 - s) * delayed + s * self.last;
            self.last = delayed;
            let ap = a * lp + self.ap_x - a * self.ap_y;
            self.ap_x = lp;
            self.ap_y = if ap.abs() < 1e-20 { 0.0 } else { ap };
            if (f, decay[i], s) != self.gain_key {
                self.gain_key = (f, decay[i], s);
                // The loop lowpass also loses |H(f)| per period at the fundamental: make
                // up for it, so `decay` holds at any pitch and damping (up to a loop gain
                // of 1 at DC, which keeps the loop stable).
                let w = std::f32::consts::TAU * f / sr;
                let h = ((1.0 - s) * (1.0 - s) + s * s + 2.0 * s * (1.0 - s) * w.cos()).sqrt();
                self.gain = (0.001f32.powf(1.0 / (f * decay[i])) / h.max(1e-3)).min(0.9999);
            }
            let gain = self.gain;
            let mut x = 0.0;
            if self.burst > 0 {
                self.burst -= 1;
                let b = bright[i];
                // Brightness: a one-pole lowpass on the noise (1 = none).
                self.burst_lp += (0.05 + 0.95 * b * b) * (self.rng.bipolar() - self.burst_lp);
                x = self.burst_lp;
            }
            let y = x + gain * self.ap_y;
            self.line[self.write] = y;
            self.write = (self.write + 1) % len;
            *o = y;
        }
        if !self.ap_y.is_finite() || !self.last.is_finite() {
            self.line.fill(0.0);
            self.ap_x = 0.0;
            self.ap_y = 0.0;
            self.last = 0.0;
        }
    }

    /// Seeds the excitation noise (control thread; does not allocate).
    fn seed(&mut self, seed: u64) {
        self.seed = seed;
        self.reset();
    }

    fn reset(&mut self) {
        self.line.fill(0.0);
        self.write = 0;
        self.last = 0.0;
        self.ap_x = 0.0;
        self.ap_y = 0.0;
        self.burst = 0;
        self.burst_lp = 0.0;
        self.edge = Edge::default();
        self.rng = SplitMix(self.seed);
    }
}
