//! `flanger`: a short delay swept by a slow sine, fed back on itself and mixed with the
//! dry signal: a comb filter whose teeth glide up and down (the jet-plane whoosh).
//!
//! Why not fundsp's `flanger`: its feedback and delay range are fixed when the unit is
//! built and it ticks its sweep through a closure; ours takes every param live, per
//! sample. The line is allocated in `prepare`; `process` and `reset` never allocate, lock,
//! log or block.
//!
//! No SuperCollider counterpart: its feedback loop is a sample long; in a SynthDef it would
//! go through `LocalIn`/`LocalOut`, a block (64 samples) late, longer than the whole delay.

use super::modulated::{DelayLine, SineLfo};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;

const RATE: usize = 0;
const DEPTH: usize = 1;
const DELAY: usize = 2;
const FEEDBACK: usize = 3;
const MIX: usize = 4;

/// Longest time the line must hold (`delay` + `depth` at their maxima), in seconds.
const LONGEST: f32 = 0.021;

static FLANGER_INFO: ModuleInfo = ModuleInfo {
    kind: "flanger",
    doc: "Flanger: a 0.1–20 ms delay swept by a sine, with feedback, mixed with the dry \
          signal.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to flange.",
        },
        PortSpec {
            id: "rate",
            doc: "Adds to `rate` (Hz).",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "in × (1 − mix) + swept, fed-back copy × mix.",
    }],
    params: &[
        ParamSpec::float("rate", "Rate", 0.02, 10.0, 0.2)
            .log()
            .unit("Hz")
            .doc("Sweeps per second."),
        ParamSpec::float("depth", "Depth", 0.0, 0.01, 0.002)
            .unit("s")
            .doc("How far above `delay` the sweep reaches."),
        ParamSpec::float("delay", "Delay", 0.0001, 0.01, 0.0005)
            .unit("s")
            .doc("Shortest delay of the sweep."),
        ParamSpec::float("feedback", "Feedback", -0.95, 0.95, 0.5)
            .doc("Part of the delayed signal fed back: sharper teeth (negative: odd ones)."),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 0.5).doc("0 = dry only, 1 = swept copy only."),
    ],
    roles: &[],
};

/// The `flanger` kind.
pub const FLANGER: ModuleEntry = ModuleEntry::of::<Flanger>(&FLANGER_INFO);

/// The `flanger` module.
#[derive(Clone, Debug, Default)]
pub struct Flanger {
    sample_rate: f32,
    line: DelayLine,
    lfo: SineLfo,
}

impl Module for Flanger {
    fn info(&self) -> &'static ModuleInfo {
        &FLANGER_INFO
    }

    fn state_bytes(&self, sample_rate: f32) -> usize {
        DelayLine::bytes(LONGEST, sample_rate)
    }

    /// Allocates the 21 ms line. **Allocates: control thread only.**
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.line.allocate(LONGEST, sample_rate);
        self.lfo.reset();
    }

    /// Per sample: one cubic read at the swept time, the write of `in + feedback × read`,
    /// the mix. **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let out = outputs.port(0);
        if !self.line.is_allocated() {
            out.fill(0.0);
            return;
        }
        let x = inputs.port(0);
        let (rate, depth, delay) = (params.block(RATE), params.block(DEPTH), params.block(DELAY));
        let (feedback, mix) = (params.block(FEEDBACK), params.block(MIX));
        let sr = self.sample_rate;
        let inv_sr = 1.0 / sr as f64;
        for k in 0..out.len() {
            let sweep = 0.5 + 0.5 * self.lfo.tick(rate[k], inv_sr, 0.0);
            let wet = self.line.read((delay[k] + depth[k] * sweep) * sr);
            let dry = if x[k].is_finite() { x[k] } else { 0.0 };
            self.line.write(dry + feedback[k] * wet);
            out[k] = dry + (wet - dry) * mix[k];
        }
    }

    /// Empties the line, LFO phase 0. **Real-time safe** (O(1)).
    fn reset(&mut self) {
        self.line.reset();
        self.lfo.reset();
    }
}
