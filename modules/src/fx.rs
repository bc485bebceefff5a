//! Effects: `delay` (feedback echo) and `reverb` (stereo feedback delay network).
//!
//! Both own delay memory, which is allocated in `prepare` (sized from the sample rate and
//! the longest time the params allow) and only read and written afterwards: `process` and
//! `reset` never allocate, lock, log or block.
//!
//! Why not fundsp here:
//! - `reverb_stereo` fixes its reverb time when it is built; changing `time` live would mean
//!   building a new unit (allocating) on the audio thread. Our FDN recomputes 16
//!   coefficients instead.
//! - `tap` does give a variable-time cubic read, but an echo needs it inside a feedback
//!   loop, and fundsp's `feedback` adds one sample of delay to the loop (echo `n` would come
//!   `n·time + n − 1` samples late) and ticks the enclosed graph sample by sample. A ring
//!   buffer with a 4-point read is a few lines and keeps echoes exactly `time` apart.

use crate::io::{Inputs, Outputs, Params, ProcessContext, MAX_BLOCK};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::registry::{create_default, ModuleEntry};
use crate::smoother::Smoothing;

/// Values smaller than this in a feedback path are set to 0, so decaying tails end in true
/// silence instead of crawling through (slow) subnormal floats.
const FLUSH: f32 = 1e-20;

#[inline]
fn flush(x: f32) -> f32 {
    if x.abs() < FLUSH {
        0.0
    } else {
        x
    }
}

/// `dry × (1 − mix) + wet × mix`: the output of both effects.
#[inline]
fn dry_wet(dry: f32, wet: f32, mix: f32) -> f32 {
    dry * (1.0 - mix) + wet * mix
}

// ---------------------------------------------------------------------------------------
// delay

const TIME: usize = 0;
const FEEDBACK: usize = 1;
const MIX: usize = 2;

/// Longest delay time in seconds (the `time` param's maximum).
const MAX_DELAY: f32 = 2.0;

static DELAY_INFO: ModuleInfo = ModuleInfo {
    kind: "delay",
    doc: "Feedback echo with a smoothly gliding, fractional delay time (cubic interpolation).",
    inputs: &[PortSpec {
        id: "in",
        doc: "Signal to echo.",
    }],
    outputs: &[PortSpec {
        id: "out",
        doc: "in × (1 − mix) + echoes × mix.",
    }],
    params: &[
        ParamSpec::float("time", "Time", 0.001, MAX_DELAY, 0.3)
            .log()
            .unit("s")
            .smoothing(Smoothing::Linear(100.0))
            .doc(
                "Delay between echoes. Changes glide over 100 ms (the read head slides like \
                  tape) so they never click.",
            ),
        ParamSpec::float("feedback", "Feedback", 0.0, 0.95, 0.4)
            .doc("Part of each echo fed back: the next echo is this much quieter."),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 0.3).doc("0 = dry only, 1 = echoes only."),
    ],
};

/// The `delay` kind.
pub const DELAY: ModuleEntry = ModuleEntry {
    info: &DELAY_INFO,
    create: create_default::<Delay>,
};

/// The `delay` module: one power-of-two ring buffer, written once and read once (4 taps)
/// per sample.
///
/// `reset` does not clear the ring (a 512 KiB memset inside one audio block): it sets
/// `written` to 0, and until the ring has been written all over again, a tap further back
/// than `written` reads 0, as it would in a freshly prepared (zeroed) ring. The output is
/// the same, bit for bit (a test).
#[derive(Clone, Debug, Default)]
pub struct Delay {
    sample_rate: f32,
    buf: Vec<f32>,
    mask: usize,
    /// Where the current sample will be written; delay `j` reads `pos - j`.
    pos: usize,
    /// Largest delay in samples the 4-point read can serve.
    max_delay: f32,
    /// Samples written since the last reset, saturating at the ring's size: delays up to
    /// this hold what was written since, longer ones hold stale samples and read as 0.
    written: usize,
}

/// Integer delay and the four Catmull-Rom weights for delay `d` (>= 2): the taps are at
/// delays `i-1, i, i+1, i+2`. At a whole-number `d` the weights are exactly (0, 1, 0, 0), so
/// an integer delay is an exact copy.
#[inline]
fn cubic_taps(d: f32) -> (usize, [f32; 4]) {
    let i = d as usize; // d >= 2: truncation is floor
    let t = d - i as f32;
    let t2 = t * t;
    let t3 = t2 * t;
    (
        i,
        [
            0.5 * (-t3 + 2.0 * t2 - t),
            0.5 * (3.0 * t3 - 5.0 * t2 + 2.0),
            0.5 * (-3.0 * t3 + 4.0 * t2 + t),
            0.5 * (t3 - t2),
        ],
    )
}

impl Delay {
    /// The delayed sample for taps `(i, w)` from [`cubic_taps`].
    #[inline]
    fn read(&self, i: usize, w: &[f32; 4]) -> f32 {
        let m = self.mask;
        let p = self.pos;
        let b = &self.buf;
        w[0] * b[p.wrapping_sub(i - 1) & m]
            + w[1] * b[p.wrapping_sub(i) & m]
            + w[2] * b[p.wrapping_sub(i + 1) & m]
            + w[3] * b[p.wrapping_sub(i + 2) & m]
    }

    /// [`read`](Self::read) for a ring written only `fresh` samples back since a reset: a
    /// tap further back reads 0, as in a zeroed ring (the same sum, so the same bits).
    #[inline]
    fn read_since_reset(&self, i: usize, w: &[f32; 4], fresh: usize) -> f32 {
        let (m, p, b) = (self.mask, self.pos, &self.buf);
        let tap = |j: usize| {
            if j <= fresh {
                b[p.wrapping_sub(j) & m]
            } else {
                0.0
            }
        };
        w[0] * tap(i - 1) + w[1] * tap(i) + w[2] * tap(i + 1) + w[3] * tap(i + 2)
    }

    /// Writes the current sample and advances.
    #[inline]
    fn write(&mut self, x: f32) {
        self.buf[self.pos] = flush(x);
        self.pos = (self.pos + 1) & self.mask;
    }

    /// One block: for frame `k`, a read through `taps(k)` (see [`cubic_taps`]), the write
    /// of `x + fb × echo`, and the dry/wet output. `SINCE_RESET` reads through
    /// [`read_since_reset`](Self::read_since_reset); without it every tap must be within
    /// `written` (the caller checks).
    #[inline(always)]
    fn echo_block<const SINCE_RESET: bool>(
        &mut self,
        x: &[f32],
        fb: &[f32],
        mix: &[f32],
        out: &mut [f32],
        taps: impl Fn(usize) -> (usize, [f32; 4]),
    ) {
        for k in 0..out.len() {
            let (i, w) = taps(k);
            let wet = if SINCE_RESET {
                self.read_since_reset(i, &w, self.written + k)
            } else {
                self.read(i, &w)
            };
            self.write(x[k] + fb[k] * wet);
            out[k] = dry_wet(x[k], wet, mix[k]);
        }
        self.written = (self.written + out.len()).min(self.buf.len());
    }
}

impl Module for Delay {
    fn info(&self) -> &'static ModuleInfo {
        &DELAY_INFO
    }

    /// Allocates the ring buffer for the longest delay (2 s) at `sample_rate` (a power of two: 131 072
    /// samples, 512 KiB, at 48 kHz). **Allocates: control thread only.**
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        let size = ((MAX_DELAY * sample_rate).ceil() as usize + 4).next_power_of_two();
        self.sample_rate = sample_rate;
        self.buf = vec![0.0; size];
        self.mask = size - 1;
        self.pos = 0;
        self.max_delay = (size - 3) as f32;
        self.written = size; // all zeros: nothing stale
    }

    /// Per sample: a cubic read at `time × sample rate`, then `in + feedback × echo` is
    /// written. With a constant `time` the tap weights are computed once per block. Until
    /// the ring is rewritten after a reset, reads check each tap against `written` (only
    /// in blocks where a tap may reach that far back).
    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let out = outputs.port(0);
        if self.buf.is_empty() {
            out.fill(0.0); // never prepared: nothing sensible to do
            return;
        }
        let x = inputs.port(0);
        let time = params.block(TIME);
        let fb = params.block(FEEDBACK);
        let mix = params.block(MIX);
        let (sr, max_delay) = (self.sample_rate, self.max_delay);
        let delay_of = |t: f32| (t * sr).clamp(2.0, max_delay);
        if params.is_constant(TIME) {
            let taps = cubic_taps(delay_of(time[0]));
            // The farthest tap is `i + 2`, and `written` only grows during the block.
            if taps.0 + 2 <= self.written {
                self.echo_block::<false>(x, fb, mix, out, |_| taps);
            } else {
                self.echo_block::<true>(x, fb, mix, out, |_| taps);
            }
        } else {
            let taps = |k: usize| cubic_taps(delay_of(time[k]));
            if self.written == self.buf.len() {
                self.echo_block::<false>(x, fb, mix, out, taps);
            } else {
                self.echo_block::<true>(x, fb, mix, out, taps);
            }
        }
    }

    /// Empties the delay line in O(1): what is in the ring becomes stale (see [`Delay`]).
    /// **Real-time safe.**
    fn reset(&mut self) {
        self.pos = 0;
        self.written = 0;
    }
}

// ---------------------------------------------------------------------------------------
// reverb

const RV_TIME: usize = 0;
const RV_DAMPING: usize = 1;
const RV_MIX: usize = 2;

/// Delay lines in the network.
const LINES: usize = 8;

/// Line lengths in samples at 48 kHz (≈ 23–53 ms); at other rates they are scaled and each
/// moved up to the next prime, so the lengths stay mutually prime and the echoes do not
/// pile up on common multiples.
const BASE_LENGTHS: [f32; LINES] = [
    1087.0, 1283.0, 1447.0, 1663.0, 1873.0, 2089.0, 2293.0, 2531.0,
];

/// Gain of the input into each line it feeds.
const IN_GAIN: f32 = 0.35;

/// Gain of the summed output taps.
const OUT_GAIN: f32 = 0.5;

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
};

/// The `reverb` kind.
pub const REVERB: ModuleEntry = ModuleEntry {
    info: &REVERB_INFO,
    create: create_default::<Reverb>,
};

/// The `reverb` module.
///
/// Each sample: read the 8 line outputs, tap them for the stereo output, pass each through
/// a one-pole lowpass (damping) and its decay gain, mix the 8 with an orthogonal (lossless)
/// Hadamard matrix, add the input and write back. All coefficients are recomputed only when
/// `time` or `damping` change (once per block at most: they have no smoothing and no port).
///
/// As in [`Delay`], `reset` does not clear the lines: until a line has been written for
/// its whole length again, the frames that would read a stale sample read 0 instead, as
/// they would from a freshly prepared (zeroed) line, so the output is the same bit for bit
/// (a test).
#[derive(Clone, Debug, Default)]
pub struct Reverb {
    sample_rate: f32,
    /// The 8 lines, `stride` samples each, back to back.
    buf: Vec<f32>,
    stride: usize,
    mask: usize,
    pos: usize,
    len: [usize; LINES],
    /// Per-line loop gain, including the Hadamard normalisation 1/√8.
    gain: [f32; LINES],
    /// Per-line one-pole lowpass coefficient.
    damp: [f32; LINES],
    /// Per-line lowpass state.
    lp: [f32; LINES],
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
    fn run(
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
    fn compute(&mut self, time: f32, damping: f32) {
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

impl Module for Reverb {
    fn info(&self) -> &'static ModuleInfo {
        &REVERB_INFO
    }

    /// Picks the line lengths for `sample_rate` and allocates the lines (8 × 4096 samples,
    /// 128 KiB, at 48 kHz). **Allocates: control thread only.**
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        // Every line longer than a block (see `run`). At 8 kHz, the lowest rate the engine
        // takes, the shortest is 181 samples anyway; the floor keeps it so for a module
        // prepared at any rate.
        let mut prev = MAX_BLOCK;
        for (len, base) in self.len.iter_mut().zip(BASE_LENGTHS) {
            let scaled = (base * sample_rate / 48_000.0).round() as usize;
            *len = next_prime(scaled.max(prev + 1));
            prev = *len;
        }
        self.stride = (prev + 1).next_power_of_two();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{max_step, peak, rms};
    use crate::harness::ModuleRunner;

    const SR: f32 = 48_000.0;

    fn impulse(n: usize) -> Vec<f32> {
        let mut v = vec![0.0; n];
        v[0] = 1.0;
        v
    }

    fn delay(set: &[(&str, f32)]) -> ModuleRunner {
        let mut r = ModuleRunner::new((DELAY.create)(), SR);
        for &(id, v) in set {
            r.set(id, v).unwrap();
        }
        r
    }

    /// Indices of samples above `threshold`.
    fn spikes(v: &[f32], threshold: f32) -> Vec<usize> {
        (0..v.len()).filter(|&i| v[i].abs() > threshold).collect()
    }

    #[test]
    fn delay_impulse_returns_after_time_times_sr() {
        let mut r = delay(&[("time", 0.1), ("feedback", 0.0), ("mix", 1.0)]);
        let out = &r.run(&[&impulse(10_000)], 10_000, 7)[0];
        // 0.1 s × 48 kHz = 4800 samples (0.1f32 × 48000 rounds to exactly 4800.0, so the
        // cubic read has weights (0, 1, 0, 0) and the echo is an exact copy).
        assert_eq!(spikes(out, 1e-9), vec![4_800]);
        assert_eq!(out[4_800], 1.0);
    }

    #[test]
    fn delay_echoes_decay_by_the_feedback_factor() {
        let mut r = delay(&[("time", 0.05), ("feedback", 0.5), ("mix", 0.5)]);
        let out = &r.run(&[&impulse(12_000)], 12_000, 64)[0];
        // Dry 0.5 at 0, then echoes every 2400 samples: 0.5, 0.25, 0.125, 0.0625.
        assert_eq!(spikes(out, 1e-3), vec![0, 2_400, 4_800, 7_200, 9_600]);
        assert!((out[0] - 0.5).abs() < 1e-6);
        for n in 1..4 {
            let ratio = out[2_400 * (n + 1)] / out[2_400 * n];
            assert!((ratio - 0.5).abs() < 1e-3, "echo {n}: ratio {ratio}");
        }
    }

    #[test]
    fn delay_mix_zero_is_dry() {
        let mut r = delay(&[("mix", 0.0), ("feedback", 0.9)]);
        let x: Vec<f32> = (0..30_000).map(|i| (i as f32 * 0.01).sin()).collect();
        let out = &r.run(&[&x], 30_000, 64)[0];
        assert_eq!(out, &x);
    }

    #[test]
    fn delay_fractional_time_interpolates() {
        // 0.1 s + half a sample: the impulse is shared between samples 4800 and 4801.
        let mut r = delay(&[("time", 4_800.5 / SR), ("feedback", 0.0), ("mix", 1.0)]);
        let out = &r.run(&[&impulse(6_000)], 6_000, 64)[0];
        assert!((out[4_800] - 0.5625).abs() < 1e-2, "{}", out[4_800]);
        assert!((out[4_801] - 0.5625).abs() < 1e-2, "{}", out[4_801]);
    }

    #[test]
    fn delay_time_change_glides_without_clicks() {
        // A 220 Hz sine through a fully wet delay; the time jumps 0.3 → 0.05 s (glide).
        let x: Vec<f32> = (0..48_000)
            .map(|i| (std::f32::consts::TAU * 220.0 * i as f32 / SR).sin())
            .collect();
        let mut r = delay(&[("feedback", 0.0), ("mix", 1.0)]);
        let mut out = r.run(&[&x[..20_000]], 20_000, 64)[0].clone();
        r.glide("time", 0.05).unwrap();
        out.extend(&r.run(&[&x[20_000..]], 28_000, 64)[0]);
        // A plain 220 Hz sine moves at most 2π·220/48000 = 0.029 per sample. During the
        // 100 ms glide the delay shrinks by 2.5 samples per sample, so the read head runs
        // 3.5× fast (a tape-like pitch-up to 770 Hz): steps grow to 2π·770/48000 = 0.101.
        // A jump of the read position would show a step near 1.
        let worst = max_step(&out[15_000..]);
        // Measured: 0.1008.
        assert!(worst < 0.12, "largest step {worst}");
        // Settled on the new time: a plain sine again.
        assert!(max_step(&out[30_000..]) < 0.03);
    }

    /// Two channels of deterministic full-scale white noise (RMS 0.58).
    fn noise_pair(n: usize) -> (Vec<f32>, Vec<f32>) {
        let mut seed = 1u32;
        let mut noise = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        };
        let l = (0..n).map(|_| noise()).collect();
        let r = (0..n).map(|_| noise()).collect();
        (l, r)
    }

    /// In-place unnormalised 8-point fast Walsh–Hadamard transform of one frame.
    #[inline]
    fn hadamard8(v: &mut [f32; LINES]) {
        let mut h = 1;
        while h < LINES {
            let mut i = 0;
            while i < LINES {
                for j in i..i + h {
                    let (a, b) = (v[j], v[j + h]);
                    v[j] = a + b;
                    v[j + h] = a - b;
                }
                i += 2 * h;
            }
            h *= 2;
        }
    }

    /// The network stepped frame by frame, as first written: the reference the block
    /// form (`Reverb::run`) is compared with.
    fn reference_reverb(
        r: &mut Reverb,
        in_l: &[f32],
        in_r: &[f32],
        mix: &[f32],
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        let (stride, mask) = (r.stride, r.mask);
        for k in 0..out_l.len() {
            let p = r.pos;
            let mut o = [0.0f32; LINES];
            for (i, o) in o.iter_mut().enumerate() {
                *o = r.buf[i * stride + (p.wrapping_sub(r.len[i]) & mask)];
            }
            let wet_l = OUT_GAIN * ((o[0] - o[2]) + (o[4] - o[6]));
            let wet_r = OUT_GAIN * ((o[1] - o[3]) + (o[5] - o[7]));
            let mut v = [0.0f32; LINES];
            for i in 0..LINES {
                let lp = flush(o[i] + r.damp[i] * (r.lp[i] - o[i]));
                r.lp[i] = lp;
                v[i] = lp * r.gain[i];
            }
            hadamard8(&mut v);
            let (xl, xr) = (in_l[k] * IN_GAIN, in_r[k] * IN_GAIN);
            for (i, v) in v.iter().enumerate() {
                let x = if i % 2 == 0 { xl } else { xr };
                r.buf[i * stride + p] = v + x;
            }
            r.pos = (p + 1) & mask;
            out_l[k] = dry_wet(in_l[k], wet_l, mix[k]);
            out_r[k] = dry_wet(in_r[k], wet_r, mix[k]);
        }
    }

    #[test]
    fn a_tail_ends_in_exact_zeros_without_crawling_through_subnormal_floats() {
        // An impulse, then 6 s of silence at the shortest time: the flush takes the
        // network to exact zeros before its values reach the (slow) subnormal range.
        let mut r = reverb(&[("time", 0.1), ("damping", 0.0), ("mix", 1.0)]);
        let x = impulse(6 * SR as usize);
        let out = r.run(&[&x, &x], x.len(), 64);
        assert!(
            out[0][..SR as usize].iter().any(|&v| v != 0.0),
            "the impulse rings"
        );
        for channel in &out {
            let subnormal = channel.iter().position(|v| v.is_subnormal());
            assert_eq!(subnormal, None, "a subnormal sample");
            assert!(channel[5 * SR as usize..].iter().all(|&v| v == 0.0));
        }
    }

    #[test]
    fn the_block_form_gives_the_frame_by_frame_network_within_rounding() {
        for sr in [48_000.0, 8_000.0] {
            let (mut fast, mut slow) = (Reverb::default(), Reverb::default());
            fast.prepare(sr, MAX_BLOCK);
            slow.prepare(sr, MAX_BLOCK);
            let n = 48_000;
            let (in_l, in_r) = noise_pair(n);
            let mix: Vec<f32> = (0..n).map(|i| (i as f32 / 5_000.0).sin().abs()).collect();
            let (mut a, mut b) = ((vec![0.0; n], vec![0.0; n]), (vec![0.0; n], vec![0.0; n]));
            let (mut start, mut block) = (0, 1);
            while start < n {
                let end = (start + block).min(n);
                // A new time and damping now and then, as a block would bring them.
                let time = [0.3, 2.0, 12.0][(start / 9_000) % 3];
                let damping = [0.0, 0.5, 1.0][(start / 7_000) % 3];
                for r in [&mut fast, &mut slow] {
                    r.compute(time, damping);
                }
                let (l, m) = (&in_l[start..end], &mix[start..end]);
                let r = &in_r[start..end];
                fast.run(l, r, m, &mut a.0[start..end], &mut a.1[start..end]);
                reference_reverb(
                    &mut slow,
                    l,
                    r,
                    m,
                    &mut b.0[start..end],
                    &mut b.1[start..end],
                );
                start = end;
                block = (block + 7) % MAX_BLOCK + 1;
            }
            let worst = |x: &[f32], y: &[f32]| {
                x.iter()
                    .zip(y)
                    .fold(0.0f32, |m, (p, q)| m.max((p - q).abs()))
            };
            let (left, right) = (worst(&a.0, &b.0), worst(&a.1, &b.1));
            eprintln!(
                "{sr} Hz: largest difference left {left:e}, right {right:e}, peak {}",
                peak(&b.0)
            );
            assert!(
                left < 1e-5 && right < 1e-5,
                "{sr} Hz: left {left}, right {right}"
            );
            assert_eq!(fast.pos, slow.pos);
            assert!(rms(&a.0) > 0.01, "the reverb sounds");
        }
    }

    fn reverb(set: &[(&str, f32)]) -> ModuleRunner {
        let mut r = ModuleRunner::new((REVERB.create)(), SR);
        for &(id, v) in set {
            r.set(id, v).unwrap();
        }
        r
    }

    /// Energy of left + right in consecutive windows of `window` samples.
    fn window_energy(out: &[Vec<f32>], window: usize) -> Vec<f64> {
        out[0]
            .chunks(window)
            .zip(out[1].chunks(window))
            .map(|(l, r)| {
                l.iter()
                    .chain(r)
                    .map(|&x| (x as f64) * (x as f64))
                    .sum::<f64>()
            })
            .collect()
    }

    /// Seconds until the 100 ms window energy is 60 dB below its largest window.
    fn rt60(time: f32, damping: f32) -> f64 {
        let n = (SR * (time * 2.5 + 0.5)) as usize;
        let mut r = reverb(&[("time", time), ("damping", damping), ("mix", 1.0)]);
        let out = r.run(&[&impulse(n), &impulse(n)], n, 64);
        let e = window_energy(&out, 4_800);
        let max = e.iter().cloned().fold(0.0, f64::max);
        let below = e
            .iter()
            .position(|&x| x < max * 1e-6)
            .expect("never fell 60 dB");
        below as f64 * 0.1
    }

    #[test]
    fn reverb_tail_decays_steadily() {
        let n = 3 * 48_000;
        let mut r = reverb(&[("mix", 1.0)]);
        let out = r.run(&[&impulse(n)], n, 64);
        let e = window_energy(&out, 4_800);
        // After the build-up (first window), every 100 ms window is quieter than the last.
        for w in 1..e.len() - 1 {
            assert!(e[w + 1] < e[w], "window {w}: {} then {}", e[w], e[w + 1]);
        }
        assert!(out.iter().all(|o| o.iter().all(|x| x.is_finite())));
        // Both channels carry the tail of a left-only input.
        assert!(rms(&out[1][4_800..]) > 0.1 * rms(&out[0][4_800..]));
    }

    #[test]
    fn reverb_reaches_minus_60_db_near_its_time() {
        // Without damping the broadband decay follows `time`. Measured: 0.5 s → 0.6 s,
        // 2 s → 2.1 s, 5 s → 5.1 s (window resolution 0.1 s); 2 s with damping 1 → 1.5 s.
        for time in [0.5f32, 2.0, 5.0] {
            let t60 = rt60(time, 0.0);
            assert!(
                t60 > 0.6 * time as f64 && t60 < 1.4 * time as f64 + 0.1,
                "time {time}: −60 dB after {t60} s"
            );
        }
        // Damping removes highs faster, so the broadband tail is shorter but still long.
        let damped = rt60(2.0, 1.0);
        assert!(damped < rt60(2.0, 0.0) && damped > 0.5, "{damped}");
    }

    #[test]
    fn reverb_longer_time_longer_tail() {
        assert!(rt60(1.0, 0.5) < rt60(3.0, 0.5));
        assert!(rt60(0.3, 0.5) < rt60(1.0, 0.5));
    }

    #[test]
    fn reverb_mix_zero_is_dry() {
        let mut r = reverb(&[("mix", 0.0), ("time", 20.0)]);
        let l: Vec<f32> = (0..20_000).map(|i| (i as f32 * 0.03).sin()).collect();
        let rr: Vec<f32> = (0..20_000).map(|i| (i as f32 * 0.017).cos()).collect();
        let out = r.run(&[&l, &rr], 20_000, 64);
        assert_eq!(out[0], l);
        assert_eq!(out[1], rr);
    }

    #[test]
    fn reverb_is_bounded_for_loud_noise_at_the_longest_time() {
        // Full-scale white noise, 10 s, time 20 s, no damping: the worst case for build-up.
        // Measured: input RMS 0.58, wet RMS 1.2 (still building), peak 5.6.
        let n = 10 * 48_000;
        let (l, r_in) = noise_pair(n);
        let mut r = reverb(&[("mix", 1.0), ("time", 20.0), ("damping", 0.0)]);
        let out = r.run(&[&l, &r_in], n, 64);
        for o in &out {
            assert!(o.iter().all(|x| x.is_finite()));
            assert!(peak(o) < 20.0, "peak {}", peak(o));
        }
        // Silence afterwards: the tail dies away and ends without NaN or subnormals.
        let silence = vec![0.0; 48_000];
        let mut r = reverb(&[("mix", 1.0), ("time", 0.1)]);
        r.run(&[&l[..4_800], &r_in[..4_800]], 4_800, 64);
        let tail = r.run(&[&silence, &silence], 48_000, 64);
        for o in &tail {
            assert!(o
                .iter()
                .all(|x| x.is_finite() && (*x == 0.0 || x.is_normal())));
            assert_eq!(o[47_999], 0.0);
        }
    }

    #[test]
    fn reverb_default_level_is_close_to_the_input() {
        let (l, r_in) = noise_pair(4 * 48_000);
        let mut r = reverb(&[("mix", 1.0)]);
        let out = r.run(&[&l, &r_in], l.len(), 64);
        // Steady state, after 2 s of build-up. Measured at the defaults (2 s, damping 0.5):
        // wet/dry RMS 0.61 (−4.3 dB) on both channels; 0.5 s → 0.39; 20 s without damping
        // → 2.1 after 5 s of noise (still building).
        for o in &out {
            let ratio = rms(&o[96_000..]) / rms(&l);
            assert!(ratio > 0.4 && ratio < 1.0, "{ratio}");
        }
    }

    /// A stretch of input: these parameter glides, then `frames` frames of the next input
    /// in blocks of `block`.
    struct Stretch {
        glide: &'static [(&'static str, f32)],
        frames: usize,
        block: usize,
    }

    /// Runs `stretches` through `r`, taking the input from `inputs` at `*at` on.
    fn run_stretches(
        r: &mut ModuleRunner,
        inputs: &[Vec<f32>],
        at: &mut usize,
        stretches: &[Stretch],
    ) -> Vec<Vec<f32>> {
        let mut out = vec![Vec::new(); r.info().outputs.len()];
        for s in stretches {
            for &(id, v) in s.glide {
                r.glide(id, v).unwrap();
            }
            let slices: Vec<&[f32]> = inputs.iter().map(|x| &x[*at..*at + s.frames]).collect();
            for (o, part) in out.iter_mut().zip(r.run(&slices, s.frames, s.block)) {
                o.extend(part);
            }
            *at += s.frames;
        }
        out
    }

    /// Runs `entry` through each of `history`'s stretch lists with a reset after each,
    /// then through `after`; a freshly prepared instance runs `after` on the same input.
    /// Both start each run with the parameters `set`. The two outputs must be the same,
    /// bit for bit. Without the resets the history must be heard in `after` (else the
    /// test would show nothing).
    fn assert_reset_is_fresh(
        entry: &ModuleEntry,
        set: &[(&str, f32)],
        history: &[&[Stretch]],
        after: &[Stretch],
    ) {
        let (l, r_in) = noise_pair(400_000);
        let inputs = [l, r_in];
        let inputs = &inputs[..entry.info.inputs.len()];
        let runner = || {
            let mut r = ModuleRunner::new((entry.create)(), SR);
            for &(id, v) in set {
                r.set(id, v).unwrap();
            }
            r
        };
        // Through the history and then `after`, with (`true`) or without the resets.
        let used = |reset: bool| {
            let (mut r, mut at) = (runner(), 0);
            for stretches in history {
                run_stretches(&mut r, inputs, &mut at, stretches);
                if reset {
                    r.reset();
                }
                for &(id, v) in set {
                    r.set(id, v).unwrap();
                }
            }
            let start = at;
            (run_stretches(&mut r, inputs, &mut at, after), start)
        };
        let (got, mut start) = used(true);
        let want = run_stretches(&mut runner(), inputs, &mut start, after);
        for (port, (g, w)) in got.iter().zip(&want).enumerate() {
            let first = g
                .iter()
                .zip(w)
                .position(|(a, b)| a.to_bits() != b.to_bits());
            assert_eq!(
                first, None,
                "{} port {port}: first difference",
                entry.info.kind
            );
        }
        assert_ne!(
            used(false).0,
            want,
            "{}: the history is heard",
            entry.info.kind
        );
        assert!(rms(&want[0]) > 0.01, "{} sounds", entry.info.kind);
    }

    /// The delay's taps reach back past what was written since the reset: with a short
    /// constant time (2400 samples), then glides (a modulated time) up to the longest
    /// time, in blocks of 64, 7, 1 and 33, until the whole ring is rewritten and beyond.
    const DELAY_AFTER_RESET: &[Stretch] = &[
        Stretch {
            glide: &[],
            frames: 3_000,
            block: 64,
        },
        Stretch {
            glide: &[("time", 1.2)],
            frames: 10_000,
            block: 7,
        },
        Stretch {
            glide: &[("time", 0.01), ("feedback", 0.3)],
            frames: 20_000,
            block: 1,
        },
        Stretch {
            glide: &[("time", 2.0), ("mix", 0.9)],
            frames: 90_000,
            block: 64,
        },
        Stretch {
            glide: &[("time", 1.7)],
            frames: 20_000,
            block: 33,
        },
    ];

    /// What the delay hears before a reset: 3 s of noise through a long, gliding time, so
    /// that stale echoes fill the whole ring (2.7 s).
    const DELAY_BEFORE_RESET: &[Stretch] = &[
        Stretch {
            glide: &[("time", 1.9)],
            frames: 72_000,
            block: 64,
        },
        Stretch {
            glide: &[("time", 0.6)],
            frames: 70_000,
            block: 50,
        },
    ];

    const DELAY_SET: &[(&str, f32)] = &[("time", 0.05), ("feedback", 0.8), ("mix", 0.5)];

    #[test]
    fn a_reset_delay_sounds_like_a_fresh_one_bit_for_bit() {
        assert_reset_is_fresh(&DELAY, DELAY_SET, &[DELAY_BEFORE_RESET], DELAY_AFTER_RESET);
    }

    #[test]
    fn a_delay_reset_again_before_its_ring_is_rewritten_sounds_like_a_fresh_one() {
        // The second reset comes 5000 frames after the first: the taps must still skip
        // everything from before it.
        let between = &[Stretch {
            glide: &[("time", 0.3)],
            frames: 5_000,
            block: 64,
        }];
        assert_reset_is_fresh(
            &DELAY,
            DELAY_SET,
            &[DELAY_BEFORE_RESET, between],
            DELAY_AFTER_RESET,
        );
    }

    /// The reverb after a reset: blocks of 1, 7, 64 and 13 with new times, damping and mix,
    /// past the longest line (2531 frames) and on.
    const REVERB_AFTER_RESET: &[Stretch] = &[
        Stretch {
            glide: &[],
            frames: 300,
            block: 1,
        },
        Stretch {
            glide: &[("time", 12.0), ("damping", 0.1)],
            frames: 1_500,
            block: 7,
        },
        Stretch {
            glide: &[("mix", 0.2)],
            frames: 4_000,
            block: 64,
        },
        Stretch {
            glide: &[("time", 0.4), ("damping", 0.9), ("mix", 1.0)],
            frames: 3_000,
            block: 13,
        },
    ];

    const REVERB_SET: &[(&str, f32)] = &[("time", 5.0), ("damping", 0.3), ("mix", 0.7)];

    #[test]
    fn a_reset_reverb_sounds_like_a_fresh_one_bit_for_bit() {
        let before = &[Stretch {
            glide: &[("time", 20.0)],
            frames: 20_000,
            block: 64,
        }];
        assert_reset_is_fresh(&REVERB, REVERB_SET, &[before], REVERB_AFTER_RESET);
        // Reset again 1000 frames later, before the longest line is rewritten.
        let between = &[Stretch {
            glide: &[],
            frames: 1_000,
            block: 10,
        }];
        assert_reset_is_fresh(&REVERB, REVERB_SET, &[before, between], REVERB_AFTER_RESET);
    }

    /// The generic block-size test runs 6000 frames at the default 0.3 s delay, before any
    /// echo; this one hears echoes, feedback and a time glide, in blocks of 1, 7 and 64.
    #[test]
    fn delay_and_reverb_are_block_size_independent_while_params_move() {
        let (l, r_in) = noise_pair(20_000);
        for (entry, inputs) in [(&DELAY, vec![&l[..]]), (&REVERB, vec![&l[..], &r_in[..]])] {
            let render = |block: usize| {
                let mut r = ModuleRunner::new((entry.create)(), SR);
                r.set(
                    "time",
                    if entry.info.kind == "delay" {
                        0.01
                    } else {
                        0.3
                    },
                )
                .unwrap();
                r.set("mix", 0.7).unwrap();
                let head: Vec<&[f32]> = inputs.iter().map(|x| &x[..9_000]).collect();
                let mut out = r.run(&head, 9_000, block);
                r.glide("time", 0.15).unwrap();
                r.glide("mix", 0.2).unwrap();
                r.glide(
                    if entry.info.kind == "delay" {
                        "feedback"
                    } else {
                        "damping"
                    },
                    0.9,
                )
                .unwrap();
                let tail: Vec<&[f32]> = inputs.iter().map(|x| &x[9_000..]).collect();
                for (o, t) in out.iter_mut().zip(r.run(&tail, 11_000, block)) {
                    o.extend(t);
                }
                out
            };
            let reference = render(64);
            for block in [1, 7] {
                assert_eq!(
                    render(block),
                    reference,
                    "{} block {block}",
                    entry.info.kind
                );
            }
        }
    }
}
