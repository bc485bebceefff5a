//! `fm`: a two-operator FM voice (phase modulation, as in the DX7): a sine modulator at
//! `ratio` × the carrier frequency, with self-feedback, modulates the phase of a sine
//! carrier by `index` radians at full level.
//!
//! Phases are 32-bit fixed point (exact wrap, no drift); the sines are `f32::sin` of the
//! phase in radians. The feedback path averages the last two modulator outputs (the DX7's
//! trick), which keeps high feedback from hunting between two values. Why not fundsp: its
//! FM is built from graph nodes whose frequencies come from inputs per sample through
//! `An` combinators; two phases and three sines are shorter, and the state is plain
//! fields a graph swap can move.
//!
//! No SuperCollider counterpart: the carrier is `SinOsc` phase modulation, but the
//! modulator's feedback averages its last two outputs each sample; `SinOscFB` feeds back
//! one sample, and a SynthDef's own loop (`LocalIn`) is a block late.

use super::{pitched, FREQ_PARAM, FREQ_PORT, PITCH_PORT};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;

const FREQ: usize = 0;
const RATIO: usize = 1;
const INDEX: usize = 2;
const FEEDBACK: usize = 3;

static FM_INFO: ModuleInfo = ModuleInfo {
    kind: "fm",
    doc: "Two-operator FM (phase modulation): sine modulator with feedback into a sine carrier.",
    inputs: &[
        FREQ_PORT,
        PITCH_PORT,
        PortSpec {
            id: "index",
            doc: "Adds to the `index` param (an envelope for a bright attack).",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "The carrier, −1..1.",
    }],
    params: &[
        FREQ_PARAM,
        ParamSpec::float("ratio", "Ratio", 0.125, 16.0, 1.0)
            .log()
            .doc("Modulator frequency over carrier frequency (whole numbers: harmonic; 1.41: bell-like)."),
        ParamSpec::float("index", "Index", 0.0, 20.0, 1.0)
            .doc("Modulation depth: peak phase deviation of the carrier in radians."),
        ParamSpec::float("feedback", "Feedback", 0.0, 1.0, 0.0)
            .doc("Modulator self-modulation, 0..1 (towards 1: saw-like, then noisy)."),
    ],
    roles: &[],
};

/// The `fm` kind.
pub const FM: ModuleEntry = ModuleEntry::of::<Fm>(&FM_INFO);

/// The `fm` module.
#[derive(Clone, Debug, Default)]
pub struct Fm {
    carrier: u32,
    modulator: u32,
    /// The last two modulator outputs (feedback).
    m1: f32,
    m2: f32,
}

/// 2^32: fixed-point phase units per cycle.
const CYCLE: f64 = 4_294_967_296.0;
/// Radians per fixed-point phase unit.
const RAD: f32 = (std::f64::consts::TAU / CYCLE) as f32;

impl Module for Fm {
    fn info(&self) -> &'static ModuleInfo {
        &FM_INFO
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let pitch = inputs.port(1);
        let (freq, ratio, index, fb) = (
            params.block(FREQ),
            params.block(RATIO),
            params.block(INDEX),
            params.block(FEEDBACK),
        );
        let units = (CYCLE / ctx.sample_rate as f64) as f32;
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            let f = pitched(freq[i], pitch[i], ctx.sample_rate);
            // Feedback of 1 is π radians of self-modulation (the DX7's top setting).
            let fb_phase = fb[i] * std::f32::consts::PI * 0.5 * (self.m1 + self.m2);
            let m = (self.modulator as f32 * RAD + fb_phase).sin();
            self.m2 = self.m1;
            self.m1 = m;
            *o = (self.carrier as f32 * RAD + index[i] * m).sin();
            let fm = (f * ratio[i]).min(0.5 * ctx.sample_rate);
            self.carrier = self.carrier.wrapping_add((f * units) as u32);
            self.modulator = self.modulator.wrapping_add((fm * units) as u32);
        }
    }

    fn reset(&mut self) {
        *self = Fm::default();
    }
}
