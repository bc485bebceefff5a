//! `chorus`: a stereo chorus — the input read from a delay line at a time swept by a slow
//! sine, once per channel with the right channel's sweep a quarter cycle behind, mixed
//! with the dry signal.
//!
//! Why not fundsp's `chorus`: its rate, depth and separation are fixed when the unit is
//! built (a live change would rebuild it, allocating, on the audio thread) and it is mono.
//! One [`DelayLine`] read twice per sample is a few lines. The line is allocated in
//! `prepare`; `process` and `reset` never allocate, lock, log or block.
//!
//! On scsynth: two `DelayC` reads (cubic, Catmull-Rom like ours) of the input at
//! `delay + depth × SinOsc.ar(rate, φ)`, φ = 0 on the left and 3π/2 (a quarter cycle
//! behind) on the right, each mixed with the dry signal.

use super::modulated::{DelayLine, SineLfo};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::supercollider::{Sc, ScCounterpart, ScUGen};

const RATE: usize = 0;
const DEPTH: usize = 1;
const DELAY: usize = 2;
const MIX: usize = 3;

/// Longest time the line must hold: `delay` + `depth` at their maxima, in seconds.
const LONGEST: f32 = 0.05;

static CHORUS_INFO: ModuleInfo = ModuleInfo {
    kind: "chorus",
    doc: "Stereo chorus: a delay swept by a sine around `delay`, the right channel a \
          quarter cycle behind the left.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to thicken (mono).",
        },
        PortSpec {
            id: "rate",
            doc: "Adds to `rate` (Hz).",
        },
    ],
    outputs: &[
        PortSpec {
            id: "left",
            doc: "in × (1 − mix) + swept copy × mix.",
        },
        PortSpec {
            id: "right",
            doc: "The same with the sweep a quarter cycle later.",
        },
    ],
    params: &[
        ParamSpec::float("rate", "Rate", 0.02, 10.0, 0.6)
            .log()
            .unit("Hz")
            .doc("Sweeps per second."),
        ParamSpec::float("depth", "Depth", 0.0, 0.01, 0.003)
            .unit("s")
            .doc("How far the delay swings either side of `delay`."),
        ParamSpec::float("delay", "Delay", 0.005, 0.04, 0.015)
            .unit("s")
            .doc("Centre of the sweep."),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 0.5).doc("0 = dry only, 1 = swept copy only."),
    ],
    roles: &[],
};

/// The `chorus` kind.
pub const CHORUS: ModuleEntry = ModuleEntry::of::<Chorus>(&CHORUS_INFO).supercollider(&CHORUS_SC);

/// One channel on scsynth: `in + (DelayC.ar(in, LONGEST, delay + depth × SinOsc.ar(rate,
/// phase)) − in) × mix`.
macro_rules! sc_channel {
    ($phase:expr) => {
        Sc::add(
            &Sc::Input("in", 0.0),
            &Sc::mul(
                &Sc::sub(
                    &Sc::ar(&ScUGen::ar(
                        "DelayC",
                        &[
                            Sc::Audio(&Sc::Input("in", 0.0)),
                            Sc::Const(LONGEST),
                            Sc::add(
                                &Sc::Param("delay"),
                                &Sc::mul(
                                    &Sc::Param("depth"),
                                    &Sc::ar(&ScUGen::ar(
                                        "SinOsc",
                                        &[Sc::Param("rate"), Sc::Const($phase)],
                                    )),
                                ),
                            ),
                        ],
                    )),
                    &Sc::Input("in", 0.0),
                ),
                &Sc::Param("mix"),
            ),
        )
    };
}

/// `chorus` on scsynth: the left channel swept from phase 0, the right from 3π/2.
static CHORUS_SC: ScCounterpart = ScCounterpart {
    outputs: &[sc_channel!(0.0), sc_channel!(1.5 * std::f32::consts::PI)],
    note: "DelayC swept by SinOsc, per channel",
};

/// The `chorus` module.
#[derive(Clone, Debug, Default)]
pub struct Chorus {
    sample_rate: f32,
    line: DelayLine,
    lfo: SineLfo,
}

impl Module for Chorus {
    fn info(&self) -> &'static ModuleInfo {
        &CHORUS_INFO
    }

    fn state_bytes(&self, sample_rate: f32) -> usize {
        DelayLine::bytes(LONGEST, sample_rate)
    }

    /// Allocates the 50 ms line. **Allocates: control thread only.**
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.line.allocate(LONGEST, sample_rate);
        self.lfo.reset();
    }

    /// Per sample: two cubic reads at the swept times, one write, the mix.
    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let [out_l, out_r] = outputs.ports::<2>();
        if !self.line.is_allocated() {
            out_l.fill(0.0);
            out_r.fill(0.0);
            return;
        }
        let x = inputs.port(0);
        let (rate, depth, delay, mix) = (
            params.block(RATE),
            params.block(DEPTH),
            params.block(DELAY),
            params.block(MIX),
        );
        let sr = self.sample_rate;
        let inv_sr = 1.0 / sr as f64;
        for k in 0..out_l.len() {
            let right_phase = self.lfo.peek(-0.25);
            let left_phase = self.lfo.tick(rate[k], inv_sr, 0.0);
            let wet_l = self.line.read((delay[k] + depth[k] * left_phase) * sr);
            let wet_r = self.line.read((delay[k] + depth[k] * right_phase) * sr);
            let dry = if x[k].is_finite() { x[k] } else { 0.0 };
            self.line.write(dry);
            out_l[k] = dry + (wet_l - dry) * mix[k];
            out_r[k] = dry + (wet_r - dry) * mix[k];
        }
    }

    /// Empties the line, LFO phase 0. **Real-time safe** (O(1)).
    fn reset(&mut self) {
        self.line.reset();
        self.lfo.reset();
    }
}
