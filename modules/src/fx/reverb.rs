//! `reverb`: a stereo 8-line feedback delay network with Hadamard mixing, its decay time
//! and high-frequency damping adjustable live.
//!
//! The lines are allocated in `prepare` (sized from the sample rate) and only read and
//! written afterwards: `process` and `reset` never allocate, lock, log or block. Why not
//! fundsp's `reverb_stereo`: see the [`fx`](super) doc.

use super::{dry_wet, flush};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext, MAX_BLOCK};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::role::Role;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScRate, ScUGen};

const RV_TIME: usize = 0;
const RV_DAMPING: usize = 1;
const RV_MIX: usize = 2;

/// Delay lines in the network.
pub(super) const LINES: usize = 8;

/// Line lengths in samples at 48 kHz (≈ 23–53 ms); at other rates they are scaled and each
/// moved up to the next prime, so the lengths stay mutually prime and the echoes do not
/// pile up on common multiples.
const BASE_LENGTHS: [f32; LINES] = [
    1087.0, 1283.0, 1447.0, 1663.0, 1873.0, 2089.0, 2293.0, 2531.0,
];

/// Gain of the input into each line it feeds.
pub(super) const IN_GAIN: f32 = 0.35;

/// Gain of the summed output taps.
pub(super) const OUT_GAIN: f32 = 0.5;

/// Largest one-pole coefficient the damping may reach: beyond this the lowpass in the loop
/// would nearly freeze (and hold DC).
const MAX_DAMP_COEFF: f32 = 0.9;

static REVERB_INFO: ModuleInfo = ModuleInfo {
    kind: "reverb",
    doc: "Stereo reverb: an 8-line feedback delay network with Hadamard mixing, decay time \
          and high-frequency damping adjustable live.",
    inputs: &[
        PortSpec {
            id: "left",
            doc: "Left input (feeds the even delay lines).",
        },
        PortSpec {
            id: "right",
            doc: "Right input (feeds the odd delay lines).",
        },
    ],
    outputs: &[
        PortSpec {
            id: "left",
            doc: "left × (1 − mix) + left reverb × mix.",
        },
        PortSpec {
            id: "right",
            doc: "right × (1 − mix) + right reverb × mix.",
        },
    ],
    params: &[
        ParamSpec::float("time", "Time", 0.1, 20.0, 2.0)
            .log()
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Decay time (RT60): the tail falls by 60 dB in this time (low frequencies)."),
        ParamSpec::float("damping", "Damping", 0.0, 1.0, 0.5)
            .smoothing(Smoothing::None)
            .doc(
                "High-frequency damping: 0 = highs last as long as lows, 1 = highs die about \
                  20 times faster.",
            ),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 0.3).doc("0 = dry only, 1 = reverb only."),
    ],
    roles: &[Role::Reverb],
};

/// The `reverb` kind.
pub const REVERB: ModuleEntry = ModuleEntry::of::<Reverb>(&REVERB_INFO).supercollider(&REVERB_SC);

/// FreeVerb's `room` for our decay `time`: its combs (≈ 28 ms on average) decay by 60 dB
/// in `time` with a feedback of `10^(−0.085 / time)`, and `room` sets that feedback as
/// `0.7 + 0.28 × room`.
const SC_ROOM: Sc = Sc::Bin(
    ScBinOp::Min,
    &Sc::Bin(
        ScBinOp::Max,
        &Sc::Bin(
            ScBinOp::Div,
            &Sc::Bin(
                ScBinOp::Sub,
                &Sc::Bin(
                    ScBinOp::Pow,
                    &Sc::Const(10.0),
                    &Sc::Bin(ScBinOp::Div, &Sc::Const(-0.085), &Sc::Param("time")),
                ),
                &Sc::Const(0.7),
            ),
            &Sc::Const(0.28),
        ),
        &Sc::Const(0.0),
    ),
    &Sc::Const(1.0),
);

/// `FreeVerb2.ar(left, right, mix, room, damping)`.
static FREEVERB2: ScUGen = ScUGen {
    class: "FreeVerb2",
    rate: ScRate::Audio,
    special: 0,
    inputs: &[
        Sc::Audio(&Sc::Input("left", 0.0)),
        Sc::Audio(&Sc::Input("right", 0.0)),
        Sc::Param("mix"),
        SC_ROOM,
        Sc::Param("damping"),
    ],
    outputs: 2,
};

/// `reverb` on scsynth: `FreeVerb2`, its room from our time (an approximation: a
/// Schroeder reverb, not our FDN).
static REVERB_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::UGen(&FREEVERB2, 0), Sc::UGen(&FREEVERB2, 1)],
    note: "FreeVerb2 (room from time; approximate)",
};

/// The `reverb` module.
///
/// Each sample: read the 8 line outputs, tap them for the stereo output, pass each through
/// a one-pole lowpass (damping) and its decay gain, mix the 8 with an orthogonal (lossless)
/// Hadamard matrix, add the input and write back. All coefficients are recomputed only when
/// `time` or `damping` change (once per block at most: they have no smoothing and no port).
///
/// As in [`Delay`](super::delay::Delay), `reset` does not clear the lines: until a line has been written for
/// its whole length again, the frames that would read a stale sample read 0 instead, as
/// they would from a freshly prepared (zeroed) line, so the output is the same bit for bit
/// (a test).
#[derive(Clone, Debug, Default)]
pub struct Reverb {
    sample_rate: f32,
    /// The 8 lines, `stride` samples each, back to back.
    pub(super) buf: Vec<f32>,
    pub(super) stride: usize,
    pub(super) mask: usize,
    pub(super) pos: usize,
    pub(super) len: [usize; LINES],
    /// Per-line loop gain, including the Hadamard normalisation 1/√8.
    pub(super) gain: [f32; LINES],
    /// Per-line one-pole lowpass coefficient.
    pub(super) damp: [f32; LINES],
    /// Per-line lowpass state.
    pub(super) lp: [f32; LINES],
    /// `(time, damping)` the coefficients were computed for (`None`: not yet).
    computed_for: Option<(f32, f32)>,
    /// Frames written since the last reset, saturating at the longest line: line `i` reads
    /// a stale sample while this is below `len[i]`.
    written: usize,
}

/// Smallest prime `>= n`.
fn next_prime(mut n: usize) -> usize {
    let is_prime = |n: usize| {
        n >= 2
            && (2..)
                .take_while(|d| d * d <= n)
                .all(|d| !n.is_multiple_of(d))
    };
    while !is_prime(n) {
        n += 1;
    }
    n
}

/// `out.len()` samples of a circular `line` from index `from` on.
#[inline]
fn copy_wrapped(line: &[f32], from: usize, out: &mut [f32]) {
    let first = out.len().min(line.len() - from);
    out[..first].copy_from_slice(&line[from..from + first]);
    let rest = out.len() - first;
    out[first..].copy_from_slice(&line[..rest]);
}

/// Writes `src` into a circular `line` from index `at` on.
#[inline]
fn write_wrapped(line: &mut [f32], at: usize, src: &[f32]) {
    let first = src.len().min(line.len() - at);
    line[at..at + first].copy_from_slice(&src[..first]);
    let rest = src.len() - first;
    line[..rest].copy_from_slice(&src[first..]);
}

/// The unnormalised 8-point fast Walsh–Hadamard transform (24 adds) of every frame of a
/// line-major block (`v[line][frame]`, the first `n`
/// frames): the same butterflies in the same order, each over the whole block.
#[inline]
fn hadamard8_block(v: &mut [[f32; MAX_BLOCK]; LINES], n: usize) {
    let mut h = 1;
    while h < LINES {
        let mut i = 0;
        while i < LINES {
            for j in i..i + h {
                let (lo, hi) = v.split_at_mut(j + h);
                let (a, b) = (&mut lo[j][..n], &mut hi[0][..n]);
                for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                    let (p, q) = (*x, *y);
                    *x = p + q;
                    *y = p - q;
                }
            }
            i += 2 * h;
        }
        h *= 2;
    }
}

impl Reverb {
    /// Up to [`MAX_BLOCK`] frames through the network, line by line (no read of the block
    /// sees a write of it). The same network as stepping it frame by frame, equal within
    /// rounding (a test): the damping one-pole is written `(1 - a)·x + a·lp`, one
    /// multiply-add on its per-frame chain, and the flush applies to what is written and,
    /// once per block, to the filter state, not inside the chain (within one block the
    /// state falls by at most 0.9⁶⁴ ≈ 1e-3, far from the subnormal range).
    pub(super) fn run(
        &mut self,
        in_l: &[f32],
        in_r: &[f32],
        mix: &[f32],
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        let n = out_l.len();
        let (stride, mask, p) = (self.stride, self.mask, self.pos);
        // The lines' outputs for the block, line-major.
        let mut o = [[0.0f32; MAX_BLOCK]; LINES];
        for (i, line) in o.iter_mut().enumerate() {
            let from = p.wrapping_sub(self.len[i]) & mask;
            copy_wrapped(
                &self.buf[i * stride..(i + 1) * stride],
                from,
                &mut line[..n],
            );
        }
        if self.written < self.len[LINES - 1] {
            self.mask_stale_reads(&mut o, n);
        }
        for k in 0..n {
            out_l[k] = OUT_GAIN * ((o[0][k] - o[2][k]) + (o[4][k] - o[6][k]));
            out_r[k] = OUT_GAIN * ((o[1][k] - o[3][k]) + (o[5][k] - o[7][k]));
        }
        // Damping: a one-pole per line, serial in time, the 8 lines side by side.
        let keep: [f32; LINES] = std::array::from_fn(|i| 1.0 - self.damp[i]);
        let mut lp = self.lp;
        let mut damped = [[0.0f32; LINES]; MAX_BLOCK];
        for (k, frame) in damped[..n].iter_mut().enumerate() {
            for i in 0..LINES {
                lp[i] = keep[i] * o[i][k] + self.damp[i] * lp[i];
                frame[i] = lp[i];
            }
        }
        self.lp = lp.map(flush);
        // Flushed and decayed, line-major again for the mixing.
        let mut v = [[0.0f32; MAX_BLOCK]; LINES];
        for (k, frame) in damped[..n].iter().enumerate() {
            for i in 0..LINES {
                v[i][k] = flush(frame[i]) * self.gain[i];
            }
        }
        hadamard8_block(&mut v, n);
        // Input into the even (left) and odd (right) lines, written back.
        for (i, line) in v.iter_mut().enumerate() {
            let input = if i % 2 == 0 { in_l } else { in_r };
            for (x, &inp) in line[..n].iter_mut().zip(input) {
                *x += inp * IN_GAIN;
            }
            let dst = &mut self.buf[i * stride..(i + 1) * stride];
            write_wrapped(dst, p, &line[..n]);
        }
        self.pos = (p + n) & mask;
        for k in 0..n {
            out_l[k] = dry_wet(in_l[k], out_l[k], mix[k]);
            out_r[k] = dry_wet(in_r[k], out_r[k], mix[k]);
        }
    }

    /// Since a reset, frame `k` of line `i` reads what was written `len[i]` frames before
    /// it: stale (from before the reset) for `k < len[i] − written`. Those read 0, as from
    /// a zeroed line; `written` then advances by the block's `n` frames.
    fn mask_stale_reads(&mut self, o: &mut [[f32; MAX_BLOCK]; LINES], n: usize) {
        for (line, &len) in o.iter_mut().zip(&self.len) {
            let stale = len.saturating_sub(self.written).min(n);
            line[..stale].fill(0.0);
        }
        self.written = (self.written + n).min(self.len[LINES - 1]);
    }

    /// Loop gains and damping coefficients for a decay time and damping amount.
    pub(super) fn compute(&mut self, time: f32, damping: f32) {
        // High frequencies decay in `time × ratio`.
        let ratio = 1.0 - 0.95 * damping;
        let norm = 1.0 / (LINES as f32).sqrt();
        for i in 0..LINES {
            let secs = self.len[i] as f32 / self.sample_rate;
            // −60 dB (×10⁻³) after `time` seconds of travel through lines like this one.
            self.gain[i] = 10f32.powf(-3.0 * secs / time) * norm;
            // Extra loss per pass at Nyquist so highs reach −60 dB after time × ratio;
            // a one-pole y += (1 − a)(x − y) has Nyquist gain (1 − a)/(1 + a) = h.
            let h = 10f32.powf(-3.0 * secs * (1.0 / (time * ratio) - 1.0 / time));
            self.damp[i] = ((1.0 - h) / (1.0 + h)).min(MAX_DAMP_COEFF);
        }
        self.computed_for = Some((time, damping));
    }
}

/// The lines' lengths at `sample_rate` and the stride each gets (a power of two above the
/// longest). Every line is longer than a block (see `run`): at 8 kHz, the lowest rate the
/// engine takes, the shortest is 181 samples anyway; the floor keeps it so for a module
/// prepared at any rate.
fn line_lengths(sample_rate: f32) -> ([usize; LINES], usize) {
    let mut len = [0; LINES];
    let mut prev = MAX_BLOCK;
    for (len, base) in len.iter_mut().zip(BASE_LENGTHS) {
        let scaled = (base * sample_rate / 48_000.0).round() as usize;
        *len = next_prime(scaled.max(prev + 1));
        prev = *len;
    }
    (len, (prev + 1).next_power_of_two())
}

impl Module for Reverb {
    fn info(&self) -> &'static ModuleInfo {
        &REVERB_INFO
    }

    fn state_bytes(&self, sample_rate: f32) -> usize {
        LINES * line_lengths(sample_rate).1 * std::mem::size_of::<f32>()
    }

    /// Picks the line lengths for `sample_rate` and allocates the lines (8 × 4096 samples,
    /// 128 KiB, at 48 kHz). **Allocates: control thread only.**
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        (self.len, self.stride) = line_lengths(sample_rate);
        self.mask = self.stride - 1;
        self.buf = vec![0.0; LINES * self.stride];
        self.pos = 0;
        self.lp = [0.0; LINES];
        self.computed_for = None;
        self.written = self.len[LINES - 1]; // all zeros: nothing stale
    }

    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let [out_l, out_r] = outputs.ports::<2>();
        if self.buf.is_empty() {
            out_l.fill(0.0); // never prepared
            out_r.fill(0.0);
            return;
        }
        let (time, damping) = (params.value(RV_TIME), params.value(RV_DAMPING));
        if self.computed_for != Some((time, damping)) {
            self.compute(time, damping);
        }
        let (in_l, in_r) = (inputs.port(0), inputs.port(1));
        let mix = params.block(RV_MIX);
        // Every line is longer than a block (`prepare` makes the shortest at least
        // `MAX_BLOCK + 1`), so no frame of a block reads what an earlier frame of the same
        // block writes: each line's reads, the mixing and each line's writes can run over
        // the whole block at once.
        let mut start = 0;
        while start < out_l.len() {
            let end = out_l.len().min(start + MAX_BLOCK);
            self.run(
                &in_l[start..end],
                &in_r[start..end],
                &mix[start..end],
                &mut out_l[start..end],
                &mut out_r[start..end],
            );
            start = end;
        }
    }

    /// Empties the lines in O(1) (what is in them becomes stale, see [`Reverb`]) and the
    /// filters. **Real-time safe.**
    fn reset(&mut self) {
        self.lp = [0.0; LINES];
        self.pos = 0;
        self.written = 0;
    }
}
