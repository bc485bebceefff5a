//! `wavefolder`: a triangle folder (the Buchla 259 idea): the input, amplified by `fold`
//! and shifted by `offset`, is reflected back each time it reaches ±1, so a louder input
//! gains ever more harmonics instead of clipping. Oversampled ×2 through
//! [`Oversampler2`] (folding makes strong high harmonics), with a DC blocker after it for
//! what `offset` adds.
//!
//! Our own: fundsp has no folder. Per sample on fixed arrays: `process` never allocates,
//! locks, logs or blocks.
//!
//! No SuperCollider counterpart: `fold2` folds, but ours folds oversampled ×2 through our
//! half-band filter; at the base rate scsynth would alias where this does not.

use super::oversample::Oversampler2;
use super::DcBlock;
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;

const FOLD: usize = 0;
const OFFSET: usize = 1;
const MIX: usize = 2;

static WAVEFOLDER_INFO: ModuleInfo = ModuleInfo {
    kind: "wavefolder",
    doc: "Triangle wavefolder: amplified input reflected at ±1 (more fold, more \
          harmonics), oversampled ×2.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to fold (about ±1).",
        },
        PortSpec {
            id: "fold",
            doc: "Adds to `fold`.",
        },
        PortSpec {
            id: "offset",
            doc: "Adds to `offset`.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "fold(in × fold + offset), DC removed, mixed with the dry `in` by `mix`; 31 \
              samples later.",
    }],
    params: &[
        ParamSpec::float("fold", "Fold", 1.0, 20.0, 2.0)
            .log()
            .doc("Gain into the folder: 1 passes ±1 untouched, each further unit folds once more."),
        ParamSpec::float("offset", "Offset", -1.0, 1.0, 0.0)
            .doc("Shift before folding: asymmetric folds, even harmonics."),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 1.0).doc("0 = dry only, 1 = folded only."),
    ],
    roles: &[],
};

/// The `wavefolder` kind.
pub const WAVEFOLDER: ModuleEntry = ModuleEntry::of::<Wavefolder>(&WAVEFOLDER_INFO);

/// The triangle fold: `x` on [−1, 1], reflected at ±1 beyond (period 4).
#[inline]
pub fn fold(x: f32) -> f32 {
    // Shift so the reflection points are at multiples of 2, wrap into [0, 4), unfold.
    let t = (x + 1.0).rem_euclid(4.0);
    if t < 2.0 {
        t - 1.0
    } else {
        3.0 - t
    }
}

/// The `wavefolder` module.
#[derive(Clone, Debug, Default)]
pub struct Wavefolder {
    os: Oversampler2,
    dc: DcBlock,
    dry: [f32; Oversampler2::LATENCY + 1],
    dry_pos: usize,
}

impl Module for Wavefolder {
    fn info(&self) -> &'static ModuleInfo {
        &WAVEFOLDER_INFO
    }

    /// Per sample: gain and offset, the fold at 2×, DC block, mix.
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
        let (gain, offset, mix) = (params.block(FOLD), params.block(OFFSET), params.block(MIX));
        for k in 0..out.len() {
            let input = if x[k].is_finite() { x[k] } else { 0.0 };
            let folded = self.os.process(input * gain[k] + offset[k], fold);
            let wet = self.dc.process(folded);
            let n = self.dry.len();
            self.dry[self.dry_pos] = input;
            self.dry_pos = (self.dry_pos + 1) % n;
            let dry = self.dry[self.dry_pos];
            out[k] = dry + (wet - dry) * mix[k];
        }
    }

    /// Empties the filters. **Real-time safe.**
    fn reset(&mut self) {
        self.os.reset();
        self.dc = DcBlock::default();
        self.dry = [0.0; Oversampler2::LATENCY + 1];
        self.dry_pos = 0;
    }
}
