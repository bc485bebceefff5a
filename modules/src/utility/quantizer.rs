//! `quantizer`: snaps a pitch to the nearest note of a scale — the sequencer's own scale
//! table ([`crate::scale`]), so a patch's quantized melodies and its sequence agree.
//!
//! The input is a frequency in Hz (what `note.freq` and oscillators speak) or a MIDI note
//! number (what a `math`-scaled `random` or LFO gives); the outputs are both, so either can
//! feed an oscillator's `freq` or another module. Nearest is measured in semitones (equal
//! ratios), ties go down. The result is cached by input value, so a held input costs a
//! comparison per sample.
//!
//! No SuperCollider counterpart: `DegreeToKey` reads its scale from a server buffer, which
//! a SynthDef cannot carry. (The snapping could be written as arithmetic instead — per
//! scale, a sum of steps at the midpoints between its notes, ties down — but that is not
//! built or compared with ours yet.)

use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::scale::{SCALES, SCALE_NAMES};

const SCALE: usize = 0;
const ROOT: usize = 1;
const INPUT: usize = 2;

static QUANTIZER_INFO: ModuleInfo = ModuleInfo {
    kind: "quantizer",
    doc: "Pitch quantizer: snaps a frequency or MIDI note to the nearest note of a scale \
          (the sequencer's scale table).",
    inputs: &[PortSpec {
        id: "in",
        doc: "Pitch to quantize: Hz, or a MIDI note number (`input: \"note\"`).",
    }],
    outputs: &[
        PortSpec {
            id: "freq",
            doc: "The scale note in Hz (A4 = 440); 0 for an input at or below 0 Hz.",
        },
        PortSpec {
            id: "note",
            doc: "The scale note as a MIDI note number (clamped to 0..127).",
        },
    ],
    params: &[
        ParamSpec::choice("scale", "Scale", &SCALE_NAMES, 0)
            .doc("The scale (the sequencer's names: major, minor, pentatonic, ...)."),
        ParamSpec::int("root", "Root", 0, 11, 0)
            .doc("Pitch class of the scale's root: 0 = C, 2 = D, ... 11 = B."),
        ParamSpec::choice("input", "Input", &["hz", "note"], 0)
            .doc("What `in` carries: hz (a frequency) | note (a MIDI note number)."),
    ],
    roles: &[],
};

/// The `quantizer` kind.
pub const QUANTIZER: ModuleEntry = ModuleEntry::of::<Quantizer>(&QUANTIZER_INFO);

/// The `quantizer` module.
#[derive(Clone, Debug)]
pub struct Quantizer {
    /// The last input and settings and what they gave (a cache; NaN: empty).
    last: (f32, f32, f32, f32),
    freq: f32,
    note: f32,
}

impl Default for Quantizer {
    fn default() -> Self {
        Quantizer {
            last: (f32::NAN, 0.0, 0.0, 0.0),
            freq: 0.0,
            note: 0.0,
        }
    }
}

/// MIDI note → Hz (A4 = 440).
#[inline]
pub(crate) fn note_to_hz(note: f32) -> f32 {
    440.0 * ((note - 69.0) / 12.0).exp2()
}

impl Module for Quantizer {
    fn info(&self) -> &'static ModuleInfo {
        &QUANTIZER_INFO
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let x = inputs.port(0);
        let (scale, root, hz_in) = (
            params.value(SCALE),
            params.value(ROOT),
            params.value(INPUT) < 0.5,
        );
        let table = &SCALES[(scale.max(0.0) as usize).min(SCALES.len() - 1)];
        let [freq_out, note_out] = outputs.ports::<2>();
        for (i, &x) in x.iter().enumerate() {
            let key = (x, scale, root, if hz_in { 0.0 } else { 1.0 });
            if key.0.to_bits() != self.last.0.to_bits()
                || key.1 != self.last.1
                || key.2 != self.last.2
                || key.3 != self.last.3
            {
                self.last = key;
                let note = if hz_in {
                    if x > 0.0 && x.is_finite() {
                        Some(69.0 + 12.0 * (x / 440.0).log2())
                    } else {
                        None
                    }
                } else if x.is_finite() {
                    Some(x)
                } else {
                    None
                };
                match note {
                    Some(n) => {
                        let q = table
                            .nearest(n.clamp(-24.0, 151.0), root as i32)
                            .clamp(0, 127);
                        self.note = q as f32;
                        self.freq = note_to_hz(self.note);
                    }
                    None => {
                        self.note = 0.0;
                        self.freq = 0.0;
                    }
                }
            }
            freq_out[i] = self.freq;
            note_out[i] = self.note;
        }
    }

    fn reset(&mut self) {
        *self = Quantizer::default();
    }
}
