//! `plate`: a lusher second reverb, Jon Dattorro's plate ("Effect Design, Part 1: Reverberator
//! and Other Filters", JAES 45(9), 1997): a predelay, a bandwidth lowpass, four input
//! diffusers, then a figure-of-eight tank of two halves (a modulated allpass, a delay,
//! damping, an allpass and a delay each) that feed each other, and 14 output taps. Its
//! slowly modulated tank gives the dense, shimmering tail the static 8-line `reverb` lacks.
//!
//! The paper's delay lengths (at 29 761 Hz) are scaled to the sample rate; `time` sets the
//! tank's decay gain from the RT60 (two decay gains per half-loop of about 0.36 s). Why not
//! fundsp: it has no plate, and its `reverb_stereo` fixes its time when built (see the
//! [`fx`](super) doc).
//!
//! Every line is allocated in `prepare` (about 190 KiB at 48 kHz) and only read and
//! written afterwards. As in `delay`, `reset` is O(1): the lines share one write position,
//! and a read further back than what was written since the reset reads 0.
//!
//! No SuperCollider counterpart: Dattorro's plate is not among the core UGens (`FreeVerb`
//! is a Schroeder reverb, `JPverb` and `Greyhole` are sc3-plugins of other designs).

use super::flush;
use super::modulated::SineLfo;
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::role::Role;
use crate::smoother::Smoothing;

const TIME: usize = 0;
const DAMPING: usize = 1;
const PREDELAY: usize = 2;
const MIX: usize = 3;

/// The paper's sample rate: its lengths are in samples at this rate.
const PAPER_RATE: f32 = 29_761.0;
/// Longest predelay in seconds.
const MAX_PREDELAY: f32 = 0.2;
/// Input diffusers: lengths and coefficients.
const DIFFUSERS: [(f32, f32); 4] = [(142.0, 0.75), (107.0, 0.75), (379.0, 0.625), (277.0, 0.625)];
/// Tank halves: modulated allpass, delay, allpass, delay (lengths).
const TANK: [[f32; 4]; 2] = [
    [672.0, 4453.0, 1800.0, 3720.0],
    [908.0, 4217.0, 2656.0, 3163.0],
];
/// Excursion of the modulated allpasses, in paper samples.
const EXCURSION: f32 = 16.0;
/// Rate of their modulation in Hz.
const MOD_RATE: f32 = 0.9;
/// Input bandwidth lowpass coefficient (the paper's 0.9995).
const BANDWIDTH: f32 = 0.9995;
/// Tank allpass coefficients: decay diffusion 1 (modulated, sign reversed) and 2.
const DIFFUSION_1: f32 = 0.7;
const DIFFUSION_2: f32 = 0.5;
/// Seconds of one tank half-loop (modulated allpass + delay + allpass + delay), for the
/// RT60 → decay conversion.
const HALF_LOOP: f32 = (672.0 + 4453.0 + 1800.0 + 3720.0) / PAPER_RATE;
/// Largest decay gain (keeps the tank stable whatever `time` says).
const MAX_DECAY: f32 = 0.98;
/// Output taps: (half, element, paper delay, sign); element 1 = first delay, 2 = the
/// allpass's line, 3 = second delay. Left then right.
type Tap = (usize, usize, f32, f32);
const TAPS: [[Tap; 7]; 2] = [
    [
        (1, 1, 266.0, 1.0),
        (1, 1, 2974.0, 1.0),
        (1, 2, 1913.0, -1.0),
        (1, 3, 1996.0, 1.0),
        (0, 1, 1990.0, -1.0),
        (0, 2, 187.0, -1.0),
        (0, 3, 1066.0, -1.0),
    ],
    [
        (0, 1, 353.0, 1.0),
        (0, 1, 3627.0, 1.0),
        (0, 2, 1228.0, -1.0),
        (0, 3, 2673.0, 1.0),
        (1, 1, 2111.0, -1.0),
        (1, 2, 335.0, -1.0),
        (1, 3, 121.0, -1.0),
    ],
];

static PLATE_INFO: ModuleInfo = ModuleInfo {
    kind: "plate",
    doc: "Stereo plate reverb (Dattorro): diffusers and a modulated figure-of-eight tank, \
          denser and lusher than `reverb`.",
    inputs: &[
        PortSpec {
            id: "left",
            doc: "Left input (summed with the right into the plate).",
        },
        PortSpec {
            id: "right",
            doc: "Right input.",
        },
    ],
    outputs: &[
        PortSpec {
            id: "left",
            doc: "left × (1 − mix) + left plate taps × mix.",
        },
        PortSpec {
            id: "right",
            doc: "right × (1 − mix) + right plate taps × mix.",
        },
    ],
    params: &[
        ParamSpec::float("time", "Time", 0.3, 20.0, 3.0)
            .log()
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Decay time (RT60) of the tail, roughly: 60 dB down after this long."),
        ParamSpec::float("damping", "Damping", 0.0, 0.95, 0.3)
            .smoothing(Smoothing::None)
            .doc("High-frequency loss in the tank: higher, darker tail."),
        ParamSpec::float("predelay", "Predelay", 0.0, MAX_PREDELAY, 0.02)
            .unit("s")
            .smoothing(Smoothing::Linear(100.0))
            .doc("Gap before the reverb starts; changes glide over 100 ms."),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 0.3).doc("0 = dry only, 1 = reverb only."),
    ],
    roles: &[Role::Reverb],
};

/// The `plate` kind.
pub const PLATE: ModuleEntry = ModuleEntry::of::<Plate>(&PLATE_INFO);

/// One power-of-two line; every line of a plate is written at the same position.
#[derive(Clone, Debug, Default)]
struct Line {
    buf: Vec<f32>,
    mask: usize,
}

impl Line {
    fn new(samples: usize) -> Self {
        let size = (samples + 2).next_power_of_two();
        Line {
            buf: vec![0.0; size],
            mask: size - 1,
        }
    }
}

/// The tank's decay gain for an RT60 of `time` seconds.
fn decay_for(time: f32) -> f32 {
    10f32.powf(-1.5 * HALF_LOOP / time).min(MAX_DECAY)
}

/// The `plate` module.
#[derive(Clone, Debug, Default)]
pub struct Plate {
    sample_rate: f32,
    /// Predelay, the 4 diffusers, then per half: modulated allpass, delay, allpass, delay.
    lines: Vec<Line>,
    /// Lengths in samples at the current rate, same order (predelay: its maximum).
    len: Vec<usize>,
    /// Output taps scaled to the rate: (line index, delay, sign).
    taps: [[(usize, usize, f32); 7]; 2],
    excursion: f32,
    pos: usize,
    /// Samples written since the last reset, saturating at `usize::MAX / 2`.
    written: usize,
    bandwidth_state: f32,
    damp_state: [f32; 2],
    lfo: SineLfo,
}

/// Index of the predelay line, of diffuser `i`, and of element `e` of tank half `h`.
const PREDELAY_LINE: usize = 0;
const fn diffuser(i: usize) -> usize {
    1 + i
}
const fn tank(h: usize, e: usize) -> usize {
    5 + 4 * h + e
}

impl Plate {
    /// The sample `d` samples back on line `i` (0 if not written since the reset).
    #[inline]
    fn read(&self, i: usize, d: usize) -> f32 {
        if d > self.written {
            return 0.0;
        }
        let l = &self.lines[i];
        l.buf[self.pos.wrapping_sub(d) & l.mask]
    }

    /// Linear read at a fractional delay `d` (>= 1) on line `i`.
    #[inline]
    fn read_frac(&self, i: usize, d: f32) -> f32 {
        let whole = d as usize;
        let t = d - whole as f32;
        let a = self.read(i, whole);
        let b = self.read(i, whole + 1);
        a + (b - a) * t
    }

    #[inline]
    fn write(&mut self, i: usize, x: f32) {
        let l = &mut self.lines[i];
        l.buf[self.pos & l.mask] = flush(x);
    }

    /// A Schroeder allpass on line `i` of length `len[i]` (or `delay`): `w = x − g·d`,
    /// `y = d + g·w`, with `d` the line's output.
    #[inline]
    fn allpass(&mut self, i: usize, x: f32, g: f32, delay: Option<f32>) -> f32 {
        let d = match delay {
            Some(frac) => self.read_frac(i, frac),
            None => self.read(i, self.len[i]),
        };
        let w = x - g * d;
        self.write(i, w);
        d + g * w
    }

    /// A plain delay on line `i`: writes `x`, returns the sample `len[i]` back.
    #[inline]
    fn delay(&mut self, i: usize, x: f32) -> f32 {
        let y = self.read(i, self.len[i]);
        self.write(i, x);
        y
    }
}

impl Module for Plate {
    fn info(&self) -> &'static ModuleInfo {
        &PLATE_INFO
    }

    fn state_bytes(&self, sample_rate: f32) -> usize {
        lengths(sample_rate)
            .iter()
            .map(|&n| (n + 2).next_power_of_two() * std::mem::size_of::<f32>())
            .sum()
    }

    /// Allocates the 13 lines for `sample_rate`. **Allocates: control thread only.**
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.len = lengths(sample_rate);
        let scale = sample_rate / PAPER_RATE;
        self.excursion = EXCURSION * scale;
        // The modulated allpasses need room for their excursion.
        self.lines = (0..self.len.len())
            .map(|i| {
                let extra = if i == tank(0, 0) || i == tank(1, 0) {
                    self.excursion as usize + 2
                } else {
                    0
                };
                Line::new(self.len[i] + extra)
            })
            .collect();
        for (side, taps) in TAPS.iter().enumerate() {
            for (k, &(h, e, d, sign)) in taps.iter().enumerate() {
                self.taps[side][k] = (tank(h, e), ((d * scale) as usize).max(1), sign);
            }
        }
        self.reset();
    }

    /// Per sample: predelay, bandwidth, 4 diffusers, the two tank halves, 14 taps.
    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let [out_l, out_r] = outputs.ports::<2>();
        if self.lines.is_empty() {
            out_l.fill(0.0);
            out_r.fill(0.0);
            return;
        }
        let (x_l, x_r) = (inputs.port(0), inputs.port(1));
        let (predelay, mix) = (params.block(PREDELAY), params.block(MIX));
        // Time and damping have no smoothing: one value per block.
        let decay = decay_for(params.value(TIME));
        let damping = params.value(DAMPING);
        let diffusion_2 = (decay + 0.15).clamp(0.25, DIFFUSION_2);
        let sr = self.sample_rate;
        let inv_sr = 1.0 / sr as f64;
        let max_pre = self.len[PREDELAY_LINE] as f32;
        for k in 0..out_l.len() {
            let finite = |v: f32| if v.is_finite() { v } else { 0.0 };
            let (l, r) = (finite(x_l[k]), finite(x_r[k]));
            // Predelay (at least one sample, so it is read before it is written).
            self.write(PREDELAY_LINE, 0.5 * (l + r));
            let pre = self.read_frac(PREDELAY_LINE, (predelay[k] * sr).clamp(0.0, max_pre - 1.0));
            self.bandwidth_state += BANDWIDTH * (pre - self.bandwidth_state);
            let mut s = self.bandwidth_state;
            for (i, &(_, g)) in DIFFUSERS.iter().enumerate() {
                s = self.allpass(diffuser(i), s, g, None);
            }
            // The two halves feed each other through their last delays.
            let cross = [
                self.read(tank(1, 3), self.len[tank(1, 3)]) * decay,
                self.read(tank(0, 3), self.len[tank(0, 3)]) * decay,
            ];
            let sweep = [self.lfo.peek(0.0), self.lfo.tick(MOD_RATE, inv_sr, 0.25)];
            for h in 0..2 {
                let m = tank(h, 0);
                let d = self.len[m] as f32 + self.excursion * sweep[h];
                let a = self.allpass(m, s + cross[h], -DIFFUSION_1, Some(d));
                let b = self.delay(tank(h, 1), a);
                self.damp_state[h] = flush(b + damping * (self.damp_state[h] - b));
                let c = self.allpass(tank(h, 2), self.damp_state[h] * decay, diffusion_2, None);
                self.delay(tank(h, 3), c);
            }
            let tap = |side: usize| {
                let mut sum = 0.0;
                for &(line, d, sign) in &self.taps[side] {
                    sum += sign * self.read(line, d);
                }
                0.6 * sum
            };
            let (wet_l, wet_r) = (tap(0), tap(1));
            out_l[k] = l + (wet_l - l) * mix[k];
            out_r[k] = r + (wet_r - r) * mix[k];
            self.pos = self.pos.wrapping_add(1);
            self.written = (self.written + 1).min(usize::MAX / 2);
        }
    }

    /// Empties every line in O(1) (stale samples read as 0), LFO phase 0.
    /// **Real-time safe.**
    fn reset(&mut self) {
        self.pos = 0;
        self.written = 0;
        self.bandwidth_state = 0.0;
        self.damp_state = [0.0; 2];
        self.lfo.reset();
    }
}

/// Line lengths in samples at `sample_rate`: predelay, diffusers, tank halves.
fn lengths(sample_rate: f32) -> Vec<usize> {
    let scale = sample_rate / PAPER_RATE;
    let mut len = vec![(MAX_PREDELAY * sample_rate).ceil() as usize + 2];
    len.extend(
        DIFFUSERS
            .iter()
            .map(|&(n, _)| ((n * scale) as usize).max(1)),
    );
    for half in TANK {
        len.extend(half.iter().map(|&n| ((n * scale) as usize).max(1)));
    }
    len
}
