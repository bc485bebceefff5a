//! `limiter`: a stereo look-ahead brick-wall limiter whose output never exceeds its
//! `ceiling` (a test drives it with a +20 dB burst).
//!
//! Our own, not fundsp's `limiter_stereo`: see the [`dynamics`](super) doc.
//!
//! # How the ceiling is guaranteed
//! With a look-ahead window of `W` samples (5 ms), the signal is delayed by `W − 1`
//! samples. For each incoming sample the gain it needs is `need = min(1, ceiling / peak)`
//! (the louder channel: the two channels share one gain, so the stereo image holds). The
//! gain applied to the delayed sample `x[n − W + 1]` is the mean, over the last `W`
//! samples, of `r[k] = min(release(r[k − 1]), min(need[k − W + 1 ..= k]))`. Every one of
//! those `W` values is at most `need[n − W + 1]` (each window contains sample
//! `n − W + 1`), so their mean is too: the delayed sample times that gain stays within the
//! ceiling, and the gain ramps down smoothly over the window instead of stepping. A final
//! clamp to `±ceiling` only catches the last bit of rounding.
//!
//! The window minimum is a monotonic queue (amortised O(1) per sample) and the mean a
//! running sum (recomputed exactly once per window, so rounding never accumulates). The
//! buffers are allocated in `prepare`; `process` and `reset` never allocate, lock, log or
//! block.
//!
//! No SuperCollider counterpart: `Limiter.ar` is a look-ahead limiter of another gain
//! computer (peaks per half window, linear gain ramps between them, its recovery tied to
//! its window, no `release`), so its output would not compare with ours sample for sample
//! or in release; and ours cannot be rebuilt from core UGens: its gain is the minimum of
//! `need` over a sliding 5 ms window, and no core UGen keeps a sliding minimum
//! (`RunningMin` holds until a reset; the output's safety limiter, which has no window,
//! is rebuilt so: `supercollider::limit`).

use super::{db_to_gain, finite_or_zero, one_pole_coeff};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;

const CEILING: usize = 0;
const DRIVE: usize = 1;
const RELEASE: usize = 2;

/// Look-ahead (and latency) in seconds.
pub const LOOKAHEAD: f32 = 0.005;

static LIMITER_INFO: ModuleInfo = ModuleInfo {
    kind: "limiter",
    doc: "Stereo look-ahead brick-wall limiter: never exceeds `ceiling`; delays the signal \
          by 5 ms.",
    inputs: &[
        PortSpec {
            id: "left",
            doc: "Left input (a mono signal: connect only this one).",
        },
        PortSpec {
            id: "right",
            doc: "Right input.",
        },
    ],
    outputs: &[
        PortSpec {
            id: "left",
            doc: "Left input × drive × gain, 5 ms later; never above `ceiling`.",
        },
        PortSpec {
            id: "right",
            doc: "Right input, limited with the same gain as the left.",
        },
    ],
    params: &[
        ParamSpec::float("ceiling", "Ceiling", -24.0, 0.0, -1.0)
            .unit("dB")
            .doc("Highest output peak, in dB below full scale (1.0)."),
        ParamSpec::float("drive", "Drive", 0.0, 24.0, 0.0)
            .unit("dB")
            .doc("Gain before the limiter: raise it to make quiet material louder."),
        ParamSpec::float("release", "Release", 0.005, 2.0, 0.1)
            .log()
            .unit("s")
            .doc("Time the gain takes to recover (63 %) once the peaks are gone."),
    ],
    roles: &[],
};

/// The `limiter` kind.
pub const LIMITER: ModuleEntry = ModuleEntry::of::<Limiter>(&LIMITER_INFO);

/// Look-ahead window in samples at `sample_rate`.
pub fn window(sample_rate: f32) -> usize {
    ((LOOKAHEAD * sample_rate).round() as usize).max(1)
}

/// The `limiter` module.
#[derive(Clone, Debug, Default)]
pub struct Limiter {
    sample_rate: f32,
    /// Window length `W`.
    w: usize,
    /// Input delay lines (`W` samples each).
    delay_l: Vec<f32>,
    delay_r: Vec<f32>,
    /// Smoothed gains `r` of the last `W` samples (the box filter's memory).
    gains: Vec<f32>,
    /// Their sum.
    sum: f64,
    /// Where sample `n` goes in the three rings (`n mod W`).
    pos: usize,
    /// Monotonic queue of (sample number, needed gain): increasing gains from front to
    /// back, front = the window minimum. A ring of capacity `W`.
    queue: Vec<(u64, f32)>,
    head: usize,
    len: usize,
    /// Samples processed since the last reset.
    n: u64,
    /// `1 − r` of the previous sample.
    reduction: f32,
}

impl Limiter {
    /// Pushes the gain sample `n` needs into the window and returns the window minimum.
    #[inline]
    fn window_min(&mut self, need: f32) -> f32 {
        let cap = self.w;
        // Drop from the back every entry at least as large: it can never be the minimum.
        while self.len > 0 {
            let back = (self.head + self.len - 1) % cap;
            if self.queue[back].1 >= need {
                self.len -= 1;
            } else {
                break;
            }
        }
        // Drop from the front what left the window.
        if self.len > 0 && self.queue[self.head].0 + cap as u64 <= self.n {
            self.head = (self.head + 1) % cap;
            self.len -= 1;
        }
        let tail = (self.head + self.len) % cap;
        self.queue[tail] = (self.n, need);
        self.len += 1;
        self.queue[self.head].1
    }

    /// One stereo sample: returns the limited, delayed pair.
    #[inline]
    fn tick(&mut self, l: f32, r: f32, ceiling: f32, release: f32) -> (f32, f32) {
        let (l, r) = (finite_or_zero(l), finite_or_zero(r));
        let peak = l.abs().max(r.abs());
        let need = if peak > ceiling { ceiling / peak } else { 1.0 };
        let held = self.window_min(need);
        // The release shrinks the reduction `1 − r`, kept as such (a gain creeping up to 1
        // in f32 would stall a few ulps short of it); it snaps to exactly 0, so an idle
        // limiter is an exact delay again.
        let mut released = self.reduction * (1.0 - release);
        if released < 1e-6 {
            released = 0.0;
        }
        let g = if held < 1.0 - released {
            self.reduction = 1.0 - held;
            held
        } else {
            self.reduction = released;
            1.0 - released
        };
        let p = self.pos;
        self.sum += (g - self.gains[p]) as f64;
        self.gains[p] = g;
        // The oldest input, W − 1 samples back, then the newest in its place.
        let next = if p + 1 == self.w { 0 } else { p + 1 };
        let (dl, dr) = if self.w == 1 {
            (l, r)
        } else {
            (self.delay_l[next], self.delay_r[next])
        };
        self.delay_l[p] = l;
        self.delay_r[p] = r;
        self.pos = next;
        self.n += 1;
        if next == 0 {
            // Once per window: the exact sum, so rounding never accumulates.
            self.sum = self.gains.iter().map(|&x| x as f64).sum();
        }
        let gain = (self.sum / self.w as f64) as f32;
        (
            (dl * gain).clamp(-ceiling, ceiling),
            (dr * gain).clamp(-ceiling, ceiling),
        )
    }
}

impl Module for Limiter {
    fn info(&self) -> &'static ModuleInfo {
        &LIMITER_INFO
    }

    fn state_bytes(&self, sample_rate: f32) -> usize {
        let w = window(sample_rate);
        w * (3 * std::mem::size_of::<f32>() + std::mem::size_of::<(u64, f32)>())
    }

    /// Allocates the 5 ms delay lines and window (240 samples each at 48 kHz).
    /// **Allocates: control thread only.**
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.w = window(sample_rate);
        self.delay_l = vec![0.0; self.w];
        self.delay_r = vec![0.0; self.w];
        self.gains = vec![1.0; self.w];
        self.queue = vec![(0, 1.0); self.w];
        self.reset();
    }

    /// Per sample: the window minimum of the gains needed, the release, the mean over the
    /// window, applied to the delayed input. Params are converted once per block when they
    /// hold still. **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let [out_l, out_r] = outputs.ports::<2>();
        if self.w == 0 {
            out_l.fill(0.0);
            out_r.fill(0.0);
            return;
        }
        let (x_l, x_r) = (inputs.port(0), inputs.port(1));
        let (ceiling, drive, release) = (
            params.block(CEILING),
            params.block(DRIVE),
            params.block(RELEASE),
        );
        let sr = self.sample_rate;
        let convert = |k: usize| {
            (
                db_to_gain(ceiling[k]),
                db_to_gain(drive[k]),
                one_pole_coeff(release[k], sr),
            )
        };
        let constant = [CEILING, DRIVE, RELEASE]
            .iter()
            .all(|&p| params.is_constant(p));
        let fixed = convert(0);
        for k in 0..out_l.len() {
            let (c, d, rel) = if constant { fixed } else { convert(k) };
            let (l, r) = self.tick(x_l[k] * d, x_r[k] * d, c, rel);
            out_l[k] = l;
            out_r[k] = r;
        }
    }

    /// Silence in the delay lines, full gain. **Real-time safe** (fills 5 ms of samples).
    fn reset(&mut self) {
        self.delay_l.fill(0.0);
        self.delay_r.fill(0.0);
        self.gains.fill(1.0);
        self.sum = self.w as f64;
        self.pos = 0;
        self.head = 0;
        self.len = 0;
        self.n = 0;
        self.reduction = 0.0;
    }
}
