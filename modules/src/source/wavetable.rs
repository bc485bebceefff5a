//! `wavetable`: a morphing wavetable oscillator over four built-in tables — sine,
//! triangle, saw, square — with band-limited playback.
//!
//! Band limiting: each table is stored as ten mipmap levels, level `L` holding the
//! harmonics `1..=2^L` (additive synthesis, exact: built from a sine table by index
//! arithmetic), and a note plays the richest level whose top harmonic stays below 45 % of
//! the sample rate. So nothing folds back, at the cost of the top octave of harmonics on
//! some notes and a step in brightness where a sweep crosses an octave boundary. Reads
//! interpolate linearly within a level (2048 samples per cycle) and between the two
//! neighbouring tables for fractional `position`.
//!
//! The tables (320 KB) are built once per process, on first use (a control thread: kind
//! construction), and shared by every instance, so a voice costs no table memory.
//! Why not fundsp's wavetables: they are per unit, fixed to one waveform, and cannot
//! morph.
//!
//! Not yet: tables from a file (the file param the sampler uses would carry them).
//!
//! No SuperCollider counterpart: `Osc`/`VOsc` read their tables from server buffers, which
//! a SynthDef cannot carry (the score and the live backend would have to fill them); and
//! ours are mipmapped per note.

use std::sync::OnceLock;

use super::{pitched, FREQ_PARAM, FREQ_PORT, PITCH_PORT};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;

const FREQ: usize = 0;
const POSITION: usize = 1;

/// Samples per cycle (a power of two).
const SIZE: usize = 2048;
const SIZE_BITS: u32 = 11;
/// Mipmap levels: level `L` holds harmonics `1..=2^L`.
const LEVELS: usize = 10;
/// Built-in tables, in `position` order.
const SHAPES: usize = 4;

static WAVETABLE_INFO: ModuleInfo = ModuleInfo {
    kind: "wavetable",
    doc: "Wavetable oscillator morphing sine → triangle → saw → square, band-limited (mipmaps).",
    inputs: &[
        FREQ_PORT,
        PITCH_PORT,
        PortSpec {
            id: "position",
            doc: "Adds to the `position` param (an LFO or envelope morphing the wave).",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "The waveform, about −1..1.",
    }],
    params: &[
        FREQ_PARAM,
        ParamSpec::float("position", "Position", 0.0, 3.0, 0.0)
            .doc("Table: 0 = sine, 1 = triangle, 2 = saw, 3 = square; fractions morph."),
    ],
    roles: &[],
};

/// The `wavetable` kind.
pub const WAVETABLE: ModuleEntry = ModuleEntry::of::<Wavetable>(&WAVETABLE_INFO);

/// Every table at every level: `[shape][level][sample]`, plus a guard sample per table
/// so interpolation never wraps.
type Tables = Vec<[Box<[f32; SIZE + 1]>; LEVELS]>;

/// The shared tables, built on first use.
fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build)
}

/// Fourier sine-series amplitude of harmonic `n` of each shape.
fn amplitude(shape: usize, n: usize) -> f64 {
    use std::f64::consts::PI;
    let nf = n as f64;
    match shape {
        0 => (n == 1) as u8 as f64,
        1 if n % 2 == 1 => {
            let sign = if (n / 2).is_multiple_of(2) { 1.0 } else { -1.0 };
            8.0 / (PI * PI) * sign / (nf * nf)
        }
        2 => 2.0 / PI * if n % 2 == 1 { 1.0 } else { -1.0 } / nf,
        3 if n % 2 == 1 => 4.0 / PI / nf,
        _ => 0.0,
    }
}

fn build() -> Tables {
    let sine: Vec<f64> = (0..SIZE)
        .map(|j| (std::f64::consts::TAU * j as f64 / SIZE as f64).sin())
        .collect();
    (0..SHAPES)
        .map(|shape| {
            let mut acc = vec![0.0f64; SIZE];
            let mut done = 0;
            std::array::from_fn(|level| {
                let top = 1usize << level;
                for n in done + 1..=top {
                    let a = amplitude(shape, n);
                    if a != 0.0 {
                        for (j, v) in acc.iter_mut().enumerate() {
                            *v += a * sine[(n * j) % SIZE];
                        }
                    }
                }
                done = top;
                let mut t = Box::new([0.0f32; SIZE + 1]);
                for (o, v) in t.iter_mut().zip(acc.iter().chain(&acc[..1])) {
                    *o = *v as f32;
                }
                t
            })
        })
        .collect()
}

/// The `wavetable` module.
#[derive(Clone, Debug)]
pub struct Wavetable {
    tables: &'static Tables,
    phase: u32,
}

impl Default for Wavetable {
    fn default() -> Self {
        Wavetable {
            tables: tables(),
            phase: 0,
        }
    }
}

/// Linear read of `table` at fixed-point phase `ph`.
#[inline(always)]
fn read(table: &[f32; SIZE + 1], ph: u32) -> f32 {
    let i = (ph >> (32 - SIZE_BITS)) as usize;
    let frac = (ph << SIZE_BITS) as f32 * (1.0 / 4_294_967_296.0);
    let (a, b) = (table[i], table[i + 1]);
    a + (b - a) * frac
}

impl Module for Wavetable {
    fn info(&self) -> &'static ModuleInfo {
        &WAVETABLE_INFO
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
        let (freq, position) = (params.block(FREQ), params.block(POSITION));
        let units = 4_294_967_296.0 / ctx.sample_rate as f64;
        let limit = 0.45 * ctx.sample_rate;
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            let f = pitched(freq[i], pitch[i], ctx.sample_rate);
            // Richest level whose top harmonic 2^L × f stays under the limit.
            let level = if f > 0.0 {
                ((limit / f).log2().floor().max(0.0) as usize).min(LEVELS - 1)
            } else {
                LEVELS - 1
            };
            let p = position[i].clamp(0.0, 3.0);
            let a = (p as usize).min(SHAPES - 2);
            let t = p - a as f32;
            let x = read(&self.tables[a][level], self.phase);
            let y = read(&self.tables[a + 1][level], self.phase);
            *o = x + (y - x) * t;
            self.phase = self.phase.wrapping_add((f as f64 * units) as u32);
        }
    }

    fn reset(&mut self) {
        self.phase = 0;
    }
}
