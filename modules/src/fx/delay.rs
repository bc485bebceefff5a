//! `delay`: a feedback echo whose time glides like a tape head (cubic, fractional reads).
//!
//! Its ring buffer is allocated in `prepare` (sized from the sample rate and the longest
//! `time`) and only read and written afterwards: `process` and `reset` never allocate,
//! lock, log or block. Why not fundsp's `tap` and `feedback`: see the [`fx`](super) doc.

use super::{dry_wet, flush};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen, ScUnaryOp};

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
    roles: &[],
};

/// The `delay` kind.
pub const DELAY: ModuleEntry = ModuleEntry::of::<Delay>(&DELAY_INFO).supercollider(&DELAY_SC);

/// `ln(0.001)`: SuperCollider's comb decay time is the time to -60 dB.
const LN_MILLI: f32 = -6.907_755;

/// The echoes: `CombC.ar(in, MAX_DELAY, time, decay)` with the decay time that gives our
/// `feedback` per repeat (`time × ln 0.001 / ln feedback`).
const SC_ECHOES: Sc = Sc::ar(&ScUGen::ar(
    "CombC",
    &[
        Sc::Audio(&Sc::Input("in", 0.0)),
        Sc::Const(MAX_DELAY),
        Sc::Param("time"),
        Sc::Bin(
            ScBinOp::Div,
            &Sc::mul(&Sc::Param("time"), &Sc::Const(LN_MILLI)),
            &Sc::Unary(
                ScUnaryOp::Log,
                &Sc::Bin(ScBinOp::Max, &Sc::Param("feedback"), &Sc::Const(1e-6)),
            ),
        ),
    ],
));

/// `delay` on scsynth: `in × (1 − mix) + CombC × mix`.
static DELAY_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::add(
        &Sc::mul(
            &Sc::Input("in", 0.0),
            &Sc::Bin(ScBinOp::Sub, &Sc::Const(1.0), &Sc::Param("mix")),
        ),
        &Sc::mul(&SC_ECHOES, &Sc::Param("mix")),
    )],
    note: "CombC (cubic), the same echoes",
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
pub(super) fn cubic_taps(d: f32) -> (usize, [f32; 4]) {
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

/// Samples of the ring at `sample_rate`: the longest delay plus interpolation room, to a
/// power of two.
fn ring_size(sample_rate: f32) -> usize {
    ((MAX_DELAY * sample_rate).ceil() as usize + 4).next_power_of_two()
}

impl Module for Delay {
    fn info(&self) -> &'static ModuleInfo {
        &DELAY_INFO
    }

    fn state_bytes(&self, sample_rate: f32) -> usize {
        ring_size(sample_rate) * std::mem::size_of::<f32>()
    }

    /// Allocates the ring buffer for the longest delay (2 s) at `sample_rate` (a power of two: 131 072
    /// samples, 512 KiB, at 48 kHz). **Allocates: control thread only.**
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        let size = ring_size(sample_rate);
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
