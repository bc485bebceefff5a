//! [`Filter`]: the one filter every filter kind is, around its [`Kernel`]: the cutoff
//! limits for the sample rate, the coefficients cached with the parameter values they were
//! computed from, the state, the block loop and the `Module` implementation; and the
//! helpers the loop uses (`tan_fast`, the denormal guards). See the [`filter`](super) doc.

use std::f32::consts::PI;

use super::kernel::Kernel;
use super::{FLUSH_BELOW, IN, MAX_CUTOFF, MAX_CUTOFF_RATIO, MIN_CUTOFF, OUT, P_CUTOFF, P_SECOND};
use crate::io::{Inputs, Outputs, Params, ProcessContext, MAX_BLOCK};
use crate::module::{Module, ModuleInfo};

/// `tan(x)` for `0 <= x <= 0.49π`, by the [7/6] Padé approximant (a truncation of
/// Lambert's continued fraction). Relative error < 1e-7 in exact arithmetic over that
/// range, a few 1e-6 in `f32` right at the top; not meant for arguments beyond it.
#[inline]
pub(super) fn tan_fast(x: f32) -> f32 {
    let x2 = x * x;
    let num = x * (135_135.0 + x2 * (-17_325.0 + x2 * (378.0 - x2)));
    let den = 135_135.0 + x2 * (-62_370.0 + x2 * (3_150.0 - 28.0 * x2));
    num / den
}

/// Cutoff in Hz → `π f / fs`, clamped to the usable range (NaN reads as the minimum).
#[inline]
pub(super) fn warp_arg(cutoff: f32, pi_over_sr: f32, max_cutoff: f32) -> f32 {
    cutoff.max(MIN_CUTOFF).min(max_cutoff) * pi_over_sr
}

/// Per-sample guard used only while a filter decays fast (see [`Kernel::fast`]): zeroes
/// the whole state once all of it is below [`FLUSH_BELOW`]. The zeroing itself is out of
/// line so the check stays a cheap, predictable branch.
#[inline(always)]
fn flush_tiny<const N: usize>(states: &mut [f32; N]) {
    if states.iter().fold(0.0f32, |m, s| m.max(s.abs())) < FLUSH_BELOW {
        zero(states);
    }
}

#[cold]
#[inline(never)]
fn zero(states: &mut [f32]) {
    states.fill(0.0);
}

/// End-of-block housekeeping for a filter's state: zeroes all of `states` once every one
/// is below [`FLUSH_BELOW`] (all at once: zeroing one integrator while another still
/// holds energy would change the filter's decay), and zeroes them when any is not finite
/// (NaN or infinity fed in).
#[inline]
fn settle(states: &mut [f32]) {
    let largest = states.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    if largest < FLUSH_BELOW || !states.iter().all(|s| s.is_finite()) {
        states.fill(0.0);
    }
}

/// A filter of kernel `K` with `N` floats of state: the cutoff limits for the sample rate,
/// the coefficients cached with the parameter values they were computed from, the state,
/// and the block loop (see "Coefficients and cost" and "Denormals" in the module doc).
#[derive(Clone, Debug)]
pub(super) struct Filter<K: Kernel<N>, const N: usize> {
    kernel: K,
    pi_over_sr: f32,
    max_cutoff: f32,
    /// The state (SVF integrators, ladder stages).
    state: [f32; N],
    /// The parameter values `coeffs` were computed from (NaN: none yet).
    last_cutoff: f32,
    last_second: f32,
    coeffs: K::Coeffs,
    /// `K::second(last_second)`, kept with [`Kernel::KEEP_SECOND`] so a cutoff-only
    /// change skips recomputing it.
    second: f32,
    /// `K::block(&coeffs)` once a still block has asked for it; `None` until then (reset
    /// whenever the coefficients change, so a per-sample sweep never computes it).
    block: Option<Option<K::Block>>,
}

impl<K: Kernel<N>, const N: usize> Filter<K, N> {
    /// A silent filter, prepared for 48 kHz until [`prepare`](Self::prepare) says otherwise.
    pub(super) fn new(kernel: K) -> Self {
        let mut filter = Filter {
            kernel,
            pi_over_sr: 0.0,
            max_cutoff: MAX_CUTOFF,
            state: [0.0; N],
            last_cutoff: f32::NAN,
            last_second: f32::NAN,
            coeffs: K::Coeffs::default(),
            second: 0.0,
            block: None,
        };
        filter.set_sample_rate(48_000.0);
        filter
    }

    fn set_sample_rate(&mut self, sample_rate: f32) {
        self.pi_over_sr = PI / sample_rate;
        self.max_cutoff = MAX_CUTOFF.min(MAX_CUTOFF_RATIO * sample_rate);
        self.last_cutoff = f32::NAN;
        self.last_second = f32::NAN;
    }

    /// Recomputes the coefficients if `cutoff` or `second` differ from the cached ones,
    /// and then [retunes](Kernel::retune) the state `s`.
    #[inline]
    fn update(&mut self, cutoff: f32, second: f32, s: &mut [f32; N]) {
        if cutoff == self.last_cutoff && second == self.last_second {
            return;
        }
        let mapped = if K::KEEP_SECOND {
            if second != self.last_second {
                self.second = K::second(second);
            }
            self.second
        } else {
            K::second(second)
        };
        self.last_cutoff = cutoff;
        self.last_second = second;
        let g = tan_fast(warp_arg(cutoff, self.pi_over_sr, self.max_cutoff));
        self.coeffs = self.kernel.coeffs(g, mapped);
        self.block = None;
        K::retune(&self.coeffs, s);
    }
}

/// The one `Module` implementation of every filter kind.
impl<K: Kernel<N>, const N: usize> Module for Filter<K, N> {
    fn info(&self) -> &'static ModuleInfo {
        self.kernel.info()
    }

    /// Control thread; allocates nothing, but may.
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.set_sample_rate(sample_rate);
        self.reset();
    }

    /// **Real-time**: no allocation, locks, I/O or logging.
    #[inline]
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let input = inputs.port(IN);
        let out = outputs.port(OUT);
        let cutoff = params.block(P_CUTOFF);
        let second = params.block(P_SECOND);
        let mut s = self.state;
        if params.is_constant(P_CUTOFF) && params.is_constant(P_SECOND) {
            self.update(cutoff[0], second[0], &mut s);
            let c = self.coeffs;
            if K::fast(&c) {
                for (y, &x) in out.iter_mut().zip(input) {
                    *y = K::tick(&c, &mut s, x);
                    flush_tiny(&mut s);
                }
            } else {
                // Whole groups of four through the four-sample form when there is one,
                // the rest (and everything otherwise) one sample at a time.
                let block = *self.block.get_or_insert_with(|| K::block(&c));
                let mut done = 0;
                if let Some(b) = &block {
                    let groups = out.chunks_exact_mut(4).zip(input.chunks_exact(4));
                    for (y, x) in groups {
                        y.copy_from_slice(&K::tick4(b, &mut s, [x[0], x[1], x[2], x[3]]));
                        done += 4;
                    }
                }
                for (y, &x) in out[done..].iter_mut().zip(&input[done..]) {
                    *y = K::tick(&c, &mut s, x);
                }
            }
        } else {
            // A sweep. The prewarped gain and the mapped second parameter of every frame
            // first: no frame depends on another there, so their divisions and
            // polynomials run four or eight frames at a time. Then the filter frame by
            // frame, with new coefficients wherever the parameters moved: the values
            // `update` gives per frame, bit for bit.
            let n = out.len();
            let mut g = [0.0f32; MAX_BLOCK];
            for (g, &f) in g[..n].iter_mut().zip(cutoff) {
                *g = tan_fast(warp_arg(f, self.pi_over_sr, self.max_cutoff));
            }
            let mut mapped = [0.0f32; MAX_BLOCK];
            for (m, &v) in mapped[..n].iter_mut().zip(second) {
                *m = K::second(v);
            }
            // The coefficients live in locals through the loop: read back from `self`
            // right after being written field by field, they stalled every frame on
            // store-to-load forwarding.
            let (mut c, mut last) = (self.coeffs, (self.last_cutoff, self.last_second));
            let mut moved = None;
            for k in 0..n {
                if !(cutoff[k] == last.0 && second[k] == last.1) {
                    last = (cutoff[k], second[k]);
                    c = self.kernel.coeffs(g[k], mapped[k]);
                    K::retune(&c, &mut s);
                    moved = Some(mapped[k]);
                }
                out[k] = K::tick(&c, &mut s, input[k]);
                if K::fast(&c) {
                    flush_tiny(&mut s);
                }
            }
            if let Some(mapped) = moved {
                (self.last_cutoff, self.last_second) = last;
                self.second = mapped;
                self.coeffs = c;
                self.block = None;
            }
        }
        settle(&mut s);
        self.state = s;
    }

    /// **Real-time**: clears the state; no allocation.
    fn reset(&mut self) {
        self.state = [0.0; N];
    }
}
