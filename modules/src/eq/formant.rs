//! `formant`: a vowel filter — three bandpass sections at the formants of a sung vowel
//! (a, e, i, o, u), morphing continuously between neighbouring vowels.
//!
//! The formant table (frequency, level, bandwidth of F1–F3) is the tenor voice of the
//! Csound manual's formant appendix. Between two vowels, frequencies and bandwidths glide
//! geometrically and levels linearly in dB. The sections are `f64` biquads
//! ([`super::Biquad`], constant 0 dB peak gain), redesigned only when `vowel`, `shift` or
//! `q` change.
//!
//! No SuperCollider counterpart: three band sections could be built, but the vowel table
//! and its morph (frequencies gliding geometrically, levels in dB) are ours, computed per
//! block; not mapped.

use super::{Biquad, Coefficients, Shape};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;

const VOWEL: usize = 0;
const SHIFT: usize = 1;
const Q: usize = 2;

/// Per vowel a, e, i, o, u: (Hz, dB, bandwidth Hz) of F1, F2, F3.
const FORMANTS: [[(f32, f32, f32); 3]; 5] = [
    [
        (650.0, 0.0, 80.0),
        (1080.0, -6.0, 90.0),
        (2650.0, -7.0, 120.0),
    ],
    [
        (400.0, 0.0, 70.0),
        (1700.0, -14.0, 80.0),
        (2600.0, -12.0, 100.0),
    ],
    [
        (290.0, 0.0, 40.0),
        (1870.0, -15.0, 90.0),
        (2800.0, -18.0, 100.0),
    ],
    [
        (400.0, 0.0, 40.0),
        (800.0, -10.0, 80.0),
        (2600.0, -12.0, 100.0),
    ],
    [
        (350.0, 0.0, 40.0),
        (600.0, -20.0, 60.0),
        (2700.0, -17.0, 100.0),
    ],
];

static FORMANT_INFO: ModuleInfo = ModuleInfo {
    kind: "formant",
    doc: "Vowel (formant) filter: three bandpass sections morphing through a, e, i, o, u.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to shape: a bright source (saw, pulse, noise).",
        },
        PortSpec {
            id: "vowel",
            doc: "Adds to the `vowel` param (an LFO sweeping through the vowels).",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "The sum of the three formant bands.",
    }],
    params: &[
        ParamSpec::float("vowel", "Vowel", 0.0, 4.0, 0.0)
            .doc("0 = a, 1 = e, 2 = i, 3 = o, 4 = u; fractions morph between neighbours."),
        ParamSpec::float("shift", "Shift", 0.5, 2.0, 1.0)
            .log()
            .doc("Multiplies every formant frequency (below 1: a larger voice)."),
        ParamSpec::float("q", "Resonance", 0.25, 4.0, 1.0)
            .log()
            .doc("Multiplies each band's Q (narrower, more vocal above 1)."),
    ],
    roles: &[],
};

/// The `formant` kind.
pub const FORMANT: ModuleEntry = ModuleEntry::of::<Formant>(&FORMANT_INFO);

/// The `formant` module.
#[derive(Clone, Debug)]
pub struct Formant {
    bands: [Biquad; 3],
    gains: [f64; 3],
    designed: [f32; 4],
}

impl Default for Formant {
    fn default() -> Self {
        Formant {
            bands: [Biquad::default(); 3],
            gains: [0.0; 3],
            designed: [f32::NAN; 4],
        }
    }
}

impl Formant {
    #[inline]
    fn update(&mut self, key: [f32; 4]) {
        if key == self.designed {
            return;
        }
        self.designed = key;
        let [vowel, shift, q, sr] = key;
        let v = vowel.clamp(0.0, 4.0);
        let lo = (v as usize).min(3);
        let t = v - lo as f32;
        for (k, band) in self.bands.iter_mut().enumerate() {
            let (f0, g0, b0) = FORMANTS[lo][k];
            let (f1, g1, b1) = FORMANTS[lo + 1][k];
            let f = f0 * (f1 / f0).powf(t) * shift;
            let bw = b0 * (b1 / b0).powf(t);
            let g = g0 + (g1 - g0) * t;
            band.c = Coefficients::design(
                Shape::Bandpass,
                f as f64,
                (f / bw * q) as f64,
                0.0,
                sr as f64,
            );
            self.gains[k] = 10f64.powf(g as f64 / 20.0);
        }
    }
}

impl Module for Formant {
    fn info(&self) -> &'static ModuleInfo {
        &FORMANT_INFO
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let x = inputs.port(0);
        let (vowel, shift, q) = (params.block(VOWEL), params.block(SHIFT), params.block(Q));
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            self.update([vowel[i], shift[i], q[i], ctx.sample_rate]);
            let xi = x[i] as f64;
            let mut y = 0.0;
            for (band, g) in self.bands.iter_mut().zip(self.gains) {
                y += band.tick(xi) * g;
            }
            *o = y as f32;
        }
        for band in &mut self.bands {
            band.settle();
        }
    }

    fn reset(&mut self) {
        for band in &mut self.bands {
            band.clear();
        }
    }
}
