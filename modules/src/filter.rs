//! Filters: `lowpass`, `highpass`, `bandpass` (2-pole state-variable filter) and `moog`
//! (4-pole ladder).
//!
//! # State-variable filter (`lowpass`, `highpass`, `bandpass`)
//! One [`Svf`] struct with an [`SvfMode`]: Andrew Simper's (Cytomic) linear trapezoidal SVF,
//! "SvfLinearTrapOptimised2". It is a zero-delay-feedback, trapezoidal-integrator design:
//! the cutoff is prewarped, so the digital response matches the analog prototype exactly at
//! the cutoff (-3.01 dB at q 0.707), and its state stays meaningful when coefficients change
//! every sample, so audio-rate cutoff modulation neither blows up nor clicks (the classic
//! Chamberlin SVF and direct-form biquads do both). The three modes share the same two
//! integrators and differ only in how the output is mixed from them:
//! - `lowpass`: 12 dB/oct, gain at the cutoff = q (so -3 dB at 0.707, +14 dB at 5).
//! - `highpass`: the mirror image.
//! - `bandpass`: **constant peak gain**: exactly 0 dB at the centre frequency for every q;
//!   q sets the width (-3 dB bandwidth = cutoff / q), 6 dB/oct skirts.
//!
//! `q` runs 0.1..20: 0.1 is a very soft knee, 20 a +26 dB ringing peak. The SVF damping
//! `1/q` never reaches zero, so it cannot self-oscillate; use `moog` for that.
//!
//! # Ladder (`moog`)
//! Our own 4-pole ladder, not fundsp's `moog()` (a Stilson-style model whose resonance
//! threshold and tuning drift with the cutoff): four trapezoidal (TPT) one-pole lowpasses
//! with global negative feedback, solved without a unit delay in the loop (Zavalishin,
//! "The Art of VA Filter Design", ch. 5). The feedback goes through a soft saturator (the
//! cubic `x - 4x³/27`, flat at ±1 beyond ±1.5) applied to the zero-delay estimate of the
//! output — the "cheap" nonlinear ZDF: exactly linear for small signals, bounded
//! self-oscillation. The four stage outputs are computed from the ladder input in
//! parallel (each is `Gⁱ·u` plus a state term) rather than as a chain, which shortens
//! the per-sample dependency chain by about a third; the next sample's feedback estimate
//! is carried from this one (`REST`, `LAST_U`), so it waits on one multiply-add after the
//! ladder input rather than on the state update and a dot product (17% faster again).
//! - 24 dB/oct; at the cutoff the response is -12 dB below DC (four -3 dB poles), and the
//!   resonant peak sits exactly at the cutoff at every cutoff (prewarped).
//! - `resonance` 0..1 maps linearly to the loop gain `k = 4.2 × resonance`. The linear
//!   ladder self-oscillates at `k = 4`, i.e. from `resonance` ≈ 0.95 up; at 1 it sings a
//!   steady sine at the cutoff whose level the saturator settles (≈ 0.65 peak at the
//!   output), tuned to the cutoff within 0.01 %.
//! - Like the hardware there is no passband compensation: for small signals the DC gain is
//!   `1 / (1 + k)` (-3.0 dB at the default 0.1, -14 dB near 1); loud inputs push through
//!   the saturating feedback and lose less.
//! - The ladder stages only ever see the input plus a bounded feedback term (at most `k`),
//!   and each TPT stage is contractive for any cutoff, so the output is bounded for bounded
//!   input under any modulation.
//!
//! # Coefficients and cost
//! Coefficients depend only on the per-sample values of the parameters (never on where a
//! block starts), so the output is the same for any block size (up to rounding where the
//! four-sample form below groups samples from the start of a block). They are cached with the
//! values they were computed from and recomputed only when those change: once per block
//! when `params.is_constant` says the block holds one value (and not at all when it equals
//! the last one), otherwise per sample, with the same cache check, so a connected but
//! steady modulation signal costs one comparison per sample. With still coefficients the
//! SVF runs four samples at a time (`svf_block`: the same linear filter, its four outputs
//! computed as independent vector multiply-adds from the state and the inputs, and the
//! state advanced by `A⁴`), which removes the per-sample dependency chain that bounded
//! its speed; it differs from the per-sample loop by rounding only (at most 8e-6 of the
//! largest output in the tests' corners of the parameter ranges). `tan` is a [7/6] Padé
//! approximant ([`tan_fast`]): relative error below 1e-6 in `f32` on the range used
//! (cutoff up to 0.49 × the sample rate, where the cutoff is also clamped), a few
//! multiply-adds and one division instead of a libm call.
//!
//! # Denormals
//! The engine sets flush-to-zero at callback entry. On top of that, so that silence
//! decays to exact zero with no subnormal on the way everywhere (tests, offline runners,
//! platforms without FTZ), the filter's state is zeroed once all of it is below 1e-12 in
//! magnitude (-240 dB: far below hearing and the float noise of any real signal; all of it
//! at once, so the decay above that level is the filter's own):
//! - at the end of every block: enough when the slowest pole has |z| ≥ 0.5, since 64
//!   samples then shrink the state by at most 0.5⁶⁴ ≈ 5e-20, to no less than 5e-32, still
//!   a normal float;
//! - after every sample while the coefficients have all poles inside |z| < 0.5 (the SVF
//!   near a quarter of the sample rate with q ≲ 0.7, the ladder with a stage pole
//!   `1 - 2G` inside ±0.5; a flag computed with the coefficients), where a state could
//!   otherwise fall through the subnormal range within a block. That check is a
//!   predictable branch, skipped entirely in the common settings.
//!
//! Once zero, silence in gives exact zeros out. A state that is no longer finite (a NaN or
//! infinity fed in) resets the filter to silence at the end of the block instead of
//! poisoning it forever; NaN cutoffs, q or resonance read as their minimum.
//!
//! # Real time
//! Constructors and `prepare` may allocate (they do not need to); `process` and `reset`
//! never allocate, free, lock, block, do I/O or log: they only touch a few floats.

use std::f32::consts::PI;

use crate::io::{Inputs, Outputs, Params, ProcessContext, MAX_BLOCK};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::registry::{create_default, ModuleEntry};
use crate::smoother::Smoothing;

mod svf_block;
use svf_block::SvfBlock;

/// Lowest cutoff, in Hz (the parameter's minimum).
const MIN_CUTOFF: f32 = 20.0;
/// Highest cutoff, in Hz (the parameter's maximum; further limited to 0.49 × sample rate).
const MAX_CUTOFF: f32 = 20_000.0;
/// Highest cutoff as a fraction of the sample rate (keeps `tan` finite and accurate).
const MAX_CUTOFF_RATIO: f32 = 0.49;
/// Smallest SVF q (a very soft knee).
const MIN_Q: f32 = 0.1;
/// Largest SVF q (+26 dB at the cutoff).
const MAX_Q: f32 = 20.0;
/// Ladder loop gain at `resonance` 1 (self-oscillation starts at 4, resonance ≈ 0.952).
const MOOG_MAX_FEEDBACK: f32 = 4.2;
/// A state entirely below this is set to zero (see "Denormals" in the module doc).
const FLUSH_BELOW: f32 = 1e-12;

// Port and parameter indices (positions in the `ModuleInfo` tables below).
const IN: usize = 0;
const OUT: usize = 0;
const P_CUTOFF: usize = 0;
/// `q` for the SVF kinds, `resonance` for `moog`.
const P_SECOND: usize = 1;

// ---------------------------------------------------------------------------------------
// Static descriptions
// ---------------------------------------------------------------------------------------

const IN_PORT: PortSpec = PortSpec {
    id: "in",
    doc: "Audio to filter.",
};

const CUTOFF_PORT: PortSpec = PortSpec {
    id: "cutoff",
    doc: "Adds to the `cutoff` param, in Hz (scale an LFO or envelope to Hz to sweep it); \
          the sum is clamped to 20..20000 Hz.",
};

const Q_PORT: PortSpec = PortSpec {
    id: "q",
    doc: "Adds to the `q` param; the sum is clamped to 0.1..20.",
};

const SVF_CUTOFF: ParamSpec = ParamSpec::float("cutoff", "Cutoff", MIN_CUTOFF, MAX_CUTOFF, 1000.0)
    .log()
    .unit("Hz")
    .doc("Corner frequency: -3 dB point at q 0.707, centre for bandpass.");

const SVF_Q: ParamSpec = ParamSpec::float("q", "Q", MIN_Q, MAX_Q, 0.707)
    .smoothing(Smoothing::Linear(20.0))
    .doc(
        "Resonance: gain at the cutoff for lowpass/highpass (0.707 = flat Butterworth); \
          bandwidth = cutoff / q for bandpass. 0.1 soft .. 20 ringing.",
    );

static SVF_INPUTS: [PortSpec; 3] = [IN_PORT, CUTOFF_PORT, Q_PORT];
static SVF_PARAMS: [ParamSpec; 2] = [SVF_CUTOFF, SVF_Q];

/// `lowpass`: 2-pole (12 dB/oct) state-variable lowpass.
pub static LOWPASS_INFO: ModuleInfo = ModuleInfo {
    kind: "lowpass",
    doc: "2-pole (12 dB/oct) state-variable lowpass; -3 dB at the cutoff at q 0.707.",
    inputs: &SVF_INPUTS,
    outputs: &[PortSpec {
        id: "out",
        doc: "The lowpassed signal: flat below the cutoff, falling 12 dB/oct above it.",
    }],
    params: &SVF_PARAMS,
};

/// `highpass`: 2-pole (12 dB/oct) state-variable highpass.
pub static HIGHPASS_INFO: ModuleInfo = ModuleInfo {
    kind: "highpass",
    doc: "2-pole (12 dB/oct) state-variable highpass; -3 dB at the cutoff at q 0.707.",
    inputs: &SVF_INPUTS,
    outputs: &[PortSpec {
        id: "out",
        doc: "The highpassed signal: flat above the cutoff, falling 12 dB/oct below it.",
    }],
    params: &SVF_PARAMS,
};

/// `bandpass`: 2-pole state-variable bandpass with 0 dB at the centre.
pub static BANDPASS_INFO: ModuleInfo = ModuleInfo {
    kind: "bandpass",
    doc: "2-pole state-variable bandpass, constant peak gain: 0 dB at the centre \
          (`cutoff`) for every q; bandwidth = cutoff / q.",
    inputs: &SVF_INPUTS,
    outputs: &[PortSpec {
        id: "out",
        doc: "The band around the cutoff at unity gain, falling 6 dB/oct on each side.",
    }],
    params: &SVF_PARAMS,
};

/// `moog`: 4-pole (24 dB/oct) resonant ladder lowpass.
pub static MOOG_INFO: ModuleInfo = ModuleInfo {
    kind: "moog",
    doc: "4-pole (24 dB/oct) ladder lowpass with saturating resonance; self-oscillates \
          at the cutoff from resonance ≈ 0.95.",
    inputs: &[
        IN_PORT,
        CUTOFF_PORT,
        PortSpec {
            id: "resonance",
            doc: "Adds to the `resonance` param; the sum is clamped to 0..1.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "The lowpassed signal (small-signal DC gain 1 / (1 + 4.2 × resonance)).",
    }],
    params: &[
        ParamSpec::float("cutoff", "Cutoff", MIN_CUTOFF, MAX_CUTOFF, 1000.0)
            .log()
            .unit("Hz")
            .doc("Corner and resonance frequency (-12 dB there at resonance 0)."),
        ParamSpec::float("resonance", "Resonance", 0.0, 1.0, 0.1)
            .smoothing(Smoothing::Linear(20.0))
            .doc(
                "Feedback: 0 none, ≈ 0.95 onset of self-oscillation, 1 a steady sine at \
                  the cutoff (loop gain 4.2 × resonance).",
            ),
    ],
};

/// Registry entry for `lowpass`.
pub const LOWPASS: ModuleEntry = ModuleEntry {
    info: &LOWPASS_INFO,
    create: new_lowpass,
};
/// Registry entry for `highpass`.
pub const HIGHPASS: ModuleEntry = ModuleEntry {
    info: &HIGHPASS_INFO,
    create: new_highpass,
};
/// Registry entry for `bandpass`.
pub const BANDPASS: ModuleEntry = ModuleEntry {
    info: &BANDPASS_INFO,
    create: new_bandpass,
};
/// Registry entry for `moog`.
pub const MOOG: ModuleEntry = ModuleEntry {
    info: &MOOG_INFO,
    create: create_default::<Moog>,
};

fn new_lowpass() -> Box<dyn Module> {
    Box::new(Svf::new(SvfMode::Lowpass))
}
fn new_highpass() -> Box<dyn Module> {
    Box::new(Svf::new(SvfMode::Highpass))
}
fn new_bandpass() -> Box<dyn Module> {
    Box::new(Svf::new(SvfMode::Bandpass))
}

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// `tan(x)` for `0 <= x <= 0.49π`, by the [7/6] Padé approximant (a truncation of
/// Lambert's continued fraction). Relative error < 1e-7 in exact arithmetic over that
/// range, a few 1e-6 in `f32` right at the top; not meant for arguments beyond it.
#[inline]
pub fn tan_fast(x: f32) -> f32 {
    let x2 = x * x;
    let num = x * (135_135.0 + x2 * (-17_325.0 + x2 * (378.0 - x2)));
    let den = 135_135.0 + x2 * (-62_370.0 + x2 * (3_150.0 - 28.0 * x2));
    num / den
}

/// Soft saturator for the ladder's feedback: the cubic `x - 4x³/27`, slope 1 at 0,
/// reaching exactly ±1 with zero slope at ±1.5 and flat beyond. Close to `tanh` in
/// shape, and cheaper (no division) on the ladder's per-sample critical path.
#[inline]
fn soft_clip(x: f32) -> f32 {
    let x = x.clamp(-1.5, 1.5);
    // `x·x` and `(4/27)·x` side by side: two multiplies deep, not three.
    x - ((4.0 / 27.0) * x) * (x * x)
}

/// Cutoff in Hz → `π f / fs`, clamped to the usable range (NaN reads as the minimum).
#[inline]
fn warp_arg(cutoff: f32, pi_over_sr: f32, max_cutoff: f32) -> f32 {
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

// ---------------------------------------------------------------------------------------
// The filter around a kernel
// ---------------------------------------------------------------------------------------

/// What tells the two filters apart: their coefficients, how those follow from the
/// parameters, and one sample through the filter, for a state of `N` floats. [`Filter`]
/// does the rest for both. Implemented by [`SvfMode`] (for [`Svf`]) and [`Ladder`] (for
/// [`Moog`]); everything is resolved at compile time and inlined into the block loop.
trait Kernel<const N: usize> {
    /// Coefficients for one (cutoff, second parameter) pair.
    type Coeffs: Copy + Default + std::fmt::Debug;

    /// The second parameter (`q`, `resonance`) as [`coeffs`](Self::coeffs) takes it,
    /// clamped to its range; a NaN reads as the minimum.
    fn second(value: f32) -> f32;

    /// Whether [`second`](Self::second) costs enough (a division) to be kept across
    /// cutoff-only changes; if not, it is recomputed with the coefficients every time,
    /// which is cheaper than the test that would skip it.
    const KEEP_SECOND: bool;

    /// Coefficients for prewarped gain `g = tan(π f / fs)` and `second` (from
    /// [`second`](Self::second)).
    fn coeffs(&self, g: f32, second: f32) -> Self::Coeffs;

    /// Whether every pole lies inside |z| < 0.5: then the state can fall from the flush
    /// threshold to subnormal within one block, so it is checked every sample.
    fn fast(c: &Self::Coeffs) -> bool;

    /// One sample `x` through the filter with coefficients `c` and state `s`.
    fn tick(c: &Self::Coeffs, s: &mut [f32; N], x: f32) -> f32;

    /// Brings state kept in terms of the coefficients (the ladder's carried feedback
    /// estimate) in line with new coefficients `c`. Called whenever they change, at the
    /// sample they change, so the output does not depend on where blocks start.
    #[inline(always)]
    fn retune(_c: &Self::Coeffs, _s: &mut [f32; N]) {}

    /// A form that runs four samples at a time for still coefficients (the SVF's, see
    /// `svf_block`); [`Infallible`](std::convert::Infallible) for a kernel without one.
    type Block: Copy + std::fmt::Debug;

    /// The four-sample form for `c`, when the kernel has one that is safe for `c`. Same
    /// state, same output up to rounding.
    fn block(c: &Self::Coeffs) -> Option<Self::Block>;

    /// Four samples `x` through the four-sample form `b` and state `s`.
    fn tick4(b: &Self::Block, s: &mut [f32; N], x: [f32; 4]) -> [f32; 4];
}

/// A filter of kernel `K` with `N` floats of state: the cutoff limits for the sample rate,
/// the coefficients cached with the parameter values they were computed from, the state,
/// and the block loop (see "Coefficients and cost" and "Denormals" in the module doc).
#[derive(Clone, Debug)]
struct Filter<K: Kernel<N>, const N: usize> {
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
    fn new(kernel: K) -> Self {
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

    /// Control thread; allocates nothing, but may.
    fn prepare(&mut self, sample_rate: f32) {
        self.set_sample_rate(sample_rate);
        self.reset();
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

    /// **Real-time**: no allocation, locks, I/O or logging.
    #[inline]
    fn process(&mut self, inputs: &Inputs, outputs: &mut Outputs, params: &Params) {
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

// ---------------------------------------------------------------------------------------
// State-variable filter
// ---------------------------------------------------------------------------------------

/// Which output of the state-variable filter a [`Svf`] delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SvfMode {
    /// 12 dB/oct lowpass (`lowpass`).
    Lowpass,
    /// 12 dB/oct highpass (`highpass`).
    Highpass,
    /// Constant-peak-gain bandpass, 0 dB at the centre (`bandpass`).
    Bandpass,
}

/// Coefficients of the SVF for one (cutoff, q) pair: the integrator gains and the output
/// mix `out = m0·in + m1·band + m2·low`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct SvfCoeffs {
    a1: f32,
    a2: f32,
    a3: f32,
    m0: f32,
    m1: f32,
    m2: f32,
    /// Both poles inside |z| < 0.5: the state can fall from the flush threshold to
    /// subnormal within one block, so it is checked every sample.
    fast: bool,
}

impl SvfCoeffs {
    /// Simper's coefficients for prewarped gain `g = tan(π f / fs)` and damping `k = 1/q`.
    #[inline]
    fn new(g: f32, k: f32, mode: SvfMode) -> Self {
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        let (m0, m1, m2) = match mode {
            SvfMode::Lowpass => (0.0, 0.0, 1.0),
            SvfMode::Highpass => (1.0, -k, -1.0),
            SvfMode::Bandpass => (0.0, k, 0.0),
        };
        // With silence in, the state evolves as s' = M s, M = [[2a1-1, -2a2], [2a2, 1-2a3]].
        // Its eigenvalues z solve z² - tr z + det = 0; both lie in |z| < 0.5 exactly when
        // w² - 2tr w + 4det (z = w/2) passes Jury's test for the unit circle.
        let tr = 2.0 * (a1 - a3);
        let det = (2.0 * a1 - 1.0) * (1.0 - 2.0 * a3) + 4.0 * a2 * a2;
        let fast = (4.0 * det).abs() < 1.0
            && 1.0 - 2.0 * tr + 4.0 * det > 0.0
            && 1.0 + 2.0 * tr + 4.0 * det > 0.0;
        SvfCoeffs {
            a1,
            a2,
            a3,
            m0,
            m1,
            m2,
            fast,
        }
    }
}

impl Kernel<2> for SvfMode {
    type Coeffs = SvfCoeffs;

    /// `q` → damping `k = 1/q`. `max`/`min` rather than `clamp`: a NaN q reads as the
    /// minimum.
    #[inline]
    #[allow(clippy::manual_clamp)]
    fn second(q: f32) -> f32 {
        1.0 / q.max(MIN_Q).min(MAX_Q)
    }

    const KEEP_SECOND: bool = true;

    #[inline]
    fn coeffs(&self, g: f32, k: f32) -> SvfCoeffs {
        SvfCoeffs::new(g, k, *self)
    }

    #[inline(always)]
    fn fast(c: &SvfCoeffs) -> bool {
        c.fast
    }

    /// One sample through the filter (Simper's SvfLinearTrapOptimised2).
    #[inline(always)]
    fn tick(c: &SvfCoeffs, s: &mut [f32; 2], v0: f32) -> f32 {
        let [ic1eq, ic2eq] = *s;
        let v3 = v0 - ic2eq;
        let v1 = c.a1 * ic1eq + c.a2 * v3;
        let v2 = ic2eq + c.a2 * ic1eq + c.a3 * v3;
        *s = [2.0 * v1 - ic1eq, 2.0 * v2 - ic2eq];
        c.m0 * v0 + c.m1 * v1 + c.m2 * v2
    }

    type Block = SvfBlock;

    #[inline]
    fn block(c: &SvfCoeffs) -> Option<SvfBlock> {
        SvfBlock::new(c)
    }

    #[inline(always)]
    fn tick4(b: &SvfBlock, s: &mut [f32; 2], x: [f32; 4]) -> [f32; 4] {
        b.tick4(s, x)
    }
}

/// The state-variable filter behind `lowpass`, `highpass` and `bandpass` (see the module
/// doc). Parameters: `cutoff` (Hz), `q`. State: Simper's integrators `ic1eq`, `ic2eq`.
#[derive(Clone, Debug)]
pub struct Svf(Filter<SvfMode, 2>);

impl Svf {
    /// A filter in `mode`, prepared for 48 kHz until [`Module::prepare`] says otherwise.
    pub fn new(mode: SvfMode) -> Self {
        Svf(Filter::new(mode))
    }
}

impl Module for Svf {
    fn info(&self) -> &'static ModuleInfo {
        match self.0.kernel {
            SvfMode::Lowpass => &LOWPASS_INFO,
            SvfMode::Highpass => &HIGHPASS_INFO,
            SvfMode::Bandpass => &BANDPASS_INFO,
        }
    }

    /// Control thread; allocates nothing, but may.
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.0.prepare(sample_rate);
    }

    /// **Real-time**: no allocation, locks, I/O or logging.
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        self.0.process(inputs, outputs, params);
    }

    /// **Real-time**: clears the state; no allocation.
    fn reset(&mut self) {
        self.0.reset();
    }
}

// ---------------------------------------------------------------------------------------
// Ladder
// ---------------------------------------------------------------------------------------

/// Coefficients of the ladder for one (cutoff, resonance) pair.
///
/// Each stage is a TPT one-pole: with `G = g / (1 + g)`, stage `i` outputs
/// `yᵢ = G·yᵢ₋₁ + (1 - G)·sᵢ` and updates `sᵢ ← 2yᵢ - sᵢ`. Unrolled, every stage output is
/// `yᵢ = Gⁱ·u + Pᵢ`, where `Pᵢ` depends only on the states, so all four follow from the
/// ladder input `u` in one multiply-add instead of a chain of four (the per-sample
/// critical path is what limits a single filter's speed).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct LadderCoeffs {
    /// `Gⁱ` for i = 1..4: how much of `u` reaches stage i's output.
    gu: [f32; 4],
    /// `(1 - G)·Gʲ` for j = 0..3: how much of a state reaches the output j stages later.
    b: [f32; 4],
    /// The linear zero-delay output estimate `(G⁴x + P₄) / (1 + kG⁴)`, as weights on
    /// `x` and on the states s₀..s₃.
    ex: f32,
    es: [f32; 4],
    /// `2·Σ esᵢ·Gⁱ⁺¹`: how much of this sample's ladder input `u` reaches the next
    /// sample's estimate through the states (see [`REST`]).
    w: f32,
    /// Loop gain.
    k: f32,
    /// The stage pole `1 - 2G` lies in |z| < 0.5: the state can fall from the flush
    /// threshold to subnormal within one block, so it is checked every sample. (Feedback
    /// only moves the slowest pole outwards, so this is the worst case.)
    fast: bool,
}

impl LadderCoeffs {
    #[inline]
    fn new(g: f32, k: f32) -> Self {
        let g1 = g / (1.0 + g);
        let g2 = g1 * g1;
        let g3 = g2 * g1;
        let g4 = g2 * g2;
        let beta = 1.0 - g1;
        let b = [beta, beta * g1, beta * g2, beta * g3];
        let inv = 1.0 / (1.0 + k * g4);
        let gu = [g1, g2, g3, g4];
        let es = [b[3] * inv, b[2] * inv, b[1] * inv, b[0] * inv];
        LadderCoeffs {
            gu,
            b,
            ex: g4 * inv,
            es,
            w: 2.0 * ((es[0] * gu[0] + es[1] * gu[1]) + (es[2] * gu[2] + es[3] * gu[3])),
            k,
            fast: (1.0 - 2.0 * g1).abs() < 0.5,
        }
    }
}

/// The ladder's [`Kernel`]: four TPT stages with saturating global feedback. Its state is
/// the four stages, then [`REST`] and [`LAST_U`].
#[derive(Clone, Copy, Debug)]
struct Ladder;

/// The next sample's linear output estimate needs the states' part `es·s` of the updated
/// states. Computing it from them waits on their update and a dot product; instead it is
/// carried as `w·u + es·(2P - s)` (the same sum): the part that does not depend on this
/// sample's ladder input `u` at index `REST`, and `u` itself at [`LAST_U`], so the next
/// estimate waits on one multiply-add after `u`. That makes the loop-carried chain from
/// one `u` to the next about 40% shorter, which is what bounds a single ladder's speed.
/// [`Kernel::retune`] sets `REST` to `es·s` and `LAST_U` to 0 when the coefficients change.
const REST: usize = 4;
/// Index in the ladder's state of the last sample's ladder input `u` (see [`REST`]).
const LAST_U: usize = 5;

impl Kernel<6> for Ladder {
    type Coeffs = LadderCoeffs;

    /// `resonance` → loop gain `k`. `max`/`min` rather than `clamp`: a NaN resonance
    /// reads as 0.
    #[inline]
    #[allow(clippy::manual_clamp)]
    fn second(resonance: f32) -> f32 {
        MOOG_MAX_FEEDBACK * resonance.max(0.0).min(1.0)
    }

    const KEEP_SECOND: bool = false;

    #[inline]
    fn coeffs(&self, g: f32, k: f32) -> LadderCoeffs {
        LadderCoeffs::new(g, k)
    }

    #[inline(always)]
    fn fast(c: &LadderCoeffs) -> bool {
        c.fast
    }

    /// One sample through the ladder.
    #[inline(always)]
    fn tick(c: &LadderCoeffs, s: &mut [f32; 6], x: f32) -> f32 {
        // What the states contribute to each stage's output.
        let p1 = c.b[0] * s[0];
        let p2 = c.b[1] * s[0] + c.b[0] * s[1];
        let p3 = c.b[2] * s[0] + c.b[1] * s[1] + c.b[0] * s[2];
        let p4 = c.b[3] * s[0] + c.b[2] * s[1] + c.b[1] * s[2] + c.b[0] * s[3];
        // The output if the loop were linear, then the saturated feedback.
        let estimate = (c.ex * x + s[REST]) + c.w * s[LAST_U];
        let u = x - c.k * soft_clip(estimate);
        let y = [
            c.gu[0] * u + p1,
            c.gu[1] * u + p2,
            c.gu[2] * u + p3,
            c.gu[3] * u + p4,
        ];
        // The next estimate's state part, from the states before they move.
        s[REST] = (c.es[0] * (2.0 * p1 - s[0]) + c.es[1] * (2.0 * p2 - s[1]))
            + (c.es[2] * (2.0 * p3 - s[2]) + c.es[3] * (2.0 * p4 - s[3]));
        s[LAST_U] = u;
        for (st, yi) in s.iter_mut().zip(y) {
            *st = 2.0 * yi - *st;
        }
        y[3]
    }

    #[inline(always)]
    fn retune(c: &LadderCoeffs, s: &mut [f32; 6]) {
        s[REST] = (c.es[0] * s[0] + c.es[1] * s[1]) + (c.es[2] * s[2] + c.es[3] * s[3]);
        s[LAST_U] = 0.0;
    }

    /// The ladder is nonlinear (saturating feedback): no four-sample form.
    type Block = std::convert::Infallible;

    fn block(_: &LadderCoeffs) -> Option<Self::Block> {
        None
    }

    fn tick4(b: &Self::Block, _: &mut [f32; 6], _: [f32; 4]) -> [f32; 4] {
        match *b {}
    }
}

/// The 4-pole ladder behind `moog` (see the module doc). Parameters: `cutoff` (Hz),
/// `resonance` (0..1). State: the four stages, input stage first, and the carried part of
/// the next feedback estimate.
#[derive(Clone, Debug)]
pub struct Moog(Filter<Ladder, 6>);

impl Default for Moog {
    fn default() -> Self {
        Self::new()
    }
}

impl Moog {
    /// A ladder prepared for 48 kHz until [`Module::prepare`] says otherwise.
    pub fn new() -> Self {
        Moog(Filter::new(Ladder))
    }
}

impl Module for Moog {
    fn info(&self) -> &'static ModuleInfo {
        &MOOG_INFO
    }

    /// Control thread; allocates nothing, but may.
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.0.prepare(sample_rate);
    }

    /// **Real-time**: no allocation, locks, I/O or logging.
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        self.0.process(inputs, outputs, params);
    }

    /// **Real-time**: clears the state; no allocation.
    fn reset(&mut self) {
        self.0.reset();
    }
}

#[cfg(test)]
mod tests {
    //! Responses are measured from impulse responses (an unwindowed DFT at single
    //! frequencies, exact for responses that have decayed within the run) or from white
    //! noise through the filter. Figures in comments were measured at 48 kHz.

    use super::*;
    use crate::analysis::{band_energy, peak, rms, spectrum, zero_crossing_frequency};
    use crate::harness::ModuleRunner;

    const SR: f32 = 48_000.0;
    const SVF_KINDS: [ModuleEntry; 3] = [LOWPASS, HIGHPASS, BANDPASS];

    fn runner_at(entry: ModuleEntry, sr: f32, params: &[(&str, f32)]) -> ModuleRunner {
        let mut r = ModuleRunner::new((entry.create)(), sr);
        for &(id, v) in params {
            r.set(id, v).unwrap();
        }
        r
    }

    fn runner(entry: ModuleEntry, params: &[(&str, f32)]) -> ModuleRunner {
        runner_at(entry, SR, params)
    }

    /// The response (`n` samples) to an impulse of height `amp`, divided by `amp`. The
    /// ladder is measured with a small impulse so its saturator stays linear.
    fn impulse_response(
        entry: ModuleEntry,
        params: &[(&str, f32)],
        amp: f32,
        n: usize,
    ) -> Vec<f32> {
        let mut input = vec![0.0; n];
        input[0] = amp;
        let out = runner(entry, params).run(&[&input], n, 64);
        out[0].iter().map(|&y| y / amp).collect()
    }

    /// Gain in dB at `freq` of an impulse response.
    fn gain_db(h: &[f32], freq: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * freq / SR as f64;
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for (n, &x) in h.iter().enumerate() {
            let (s, c) = (w * n as f64).sin_cos();
            re += x as f64 * c;
            im -= x as f64 * s;
        }
        10.0 * (re * re + im * im).log10()
    }

    /// The frequency of the largest gain among 200 log-spaced points in `lo..hi`.
    fn peak_frequency(h: &[f32], lo: f64, hi: f64) -> f64 {
        (0..200)
            .map(|i| lo * (hi / lo).powf(i as f64 / 199.0))
            .max_by(|a, b| gain_db(h, *a).total_cmp(&gain_db(h, *b)))
            .unwrap()
    }

    /// Deterministic white noise in -1..1 (a 32-bit LCG).
    fn noise(n: usize, seed: u32) -> Vec<f32> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1u32 << 23) as f32 - 1.0
            })
            .collect()
    }

    /// Energy of `signal` (length a power of two) between `lo` and `hi` Hz.
    fn energy(signal: &[f32], lo: f64, hi: f64) -> f64 {
        band_energy(&spectrum(signal), SR, lo, hi)
    }

    fn assert_near(what: &str, measured: f64, expected: f64, tolerance: f64) {
        assert!(
            (measured - expected).abs() <= tolerance,
            "{what}: measured {measured:.3}, expected {expected} ± {tolerance}"
        );
    }

    #[test]
    fn tan_fast_matches_tan_over_the_used_range() {
        let mut worst = 0.0f64;
        for i in 1..=10_000 {
            let x = i as f64 / 10_000.0 * MAX_CUTOFF_RATIO as f64 * std::f64::consts::PI;
            let rel = (tan_fast(x as f32) as f64 / x.tan() - 1.0).abs();
            worst = worst.max(rel);
        }
        // Measured: below 1e-6 (f32 rounding; the approximant itself is 6e-8).
        assert!(worst < 5e-6, "worst relative error {worst:e}");
    }

    #[test]
    fn soft_clip_is_linear_near_zero_smooth_and_bounded() {
        assert!((soft_clip(1e-3) - 1e-3).abs() < 1e-9);
        assert_eq!(soft_clip(1.5), 1.0);
        assert_eq!(soft_clip(-1e9), -1.0);
        let values: Vec<f32> = (-400..=400).map(|i| soft_clip(i as f32 / 100.0)).collect();
        assert!(values.windows(2).all(|w| w[1] >= w[0]), "monotonic");
        // No corner where it meets the rails: the step next to ±1.5 is tiny.
        assert!(soft_clip(1.5) - soft_clip(1.49) < 1e-4);
    }

    #[test]
    fn svf_fast_flag_matches_the_pole_radius() {
        // Spectral radius of the silent-input state matrix, computed directly.
        let radius = |c: &SvfCoeffs| {
            let m = [
                [2.0 * c.a1 as f64 - 1.0, -2.0 * c.a2 as f64],
                [2.0 * c.a2 as f64, 1.0 - 2.0 * c.a3 as f64],
            ];
            let tr = m[0][0] + m[1][1];
            let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
            let disc = tr * tr - 4.0 * det;
            if disc < 0.0 {
                det.sqrt()
            } else {
                (tr.abs() + disc.sqrt()) / 2.0
            }
        };
        let mut fast_seen = 0;
        for i in 0..60 {
            let cutoff = 20.0 * 1000f32.powf(i as f32 / 59.0);
            for q in [0.1, 0.3, 0.5, 0.6, 0.707, 1.0, 5.0] {
                let g = tan_fast(warp_arg(cutoff, PI / SR, 0.49 * SR));
                let c = SvfCoeffs::new(g, 1.0 / q, SvfMode::Lowpass);
                let r = radius(&c);
                if (r - 0.5).abs() > 1e-3 {
                    assert_eq!(c.fast, r < 0.5, "{cutoff} Hz q {q}: radius {r}");
                }
                fast_seen += c.fast as usize;
            }
        }
        assert!(fast_seen > 10, "the grid reaches fast settings");
    }

    #[test]
    fn lowpass_is_minus_3_db_at_cutoff_and_falls_12_db_per_octave() {
        let h = impulse_response(LOWPASS, &[], 1.0, 16_384);
        // Measured: 1 kHz -3.012 dB, 100 Hz -0.000 dB, 10 kHz -42.74 dB (the bilinear
        // transform's zero at Nyquist adds ~3 dB to the analog -40 this close to it).
        assert_near("lowpass at cutoff", gain_db(&h, 1000.0), -3.01, 0.05);
        assert_near("lowpass at cutoff/10", gain_db(&h, 100.0), 0.0, 0.05);
        assert_near("lowpass at cutoff*10", gain_db(&h, 10_000.0), -42.7, 3.0);
        // Far from Nyquist the slope is the analog one. Measured: 100 Hz -3.012,
        // 1 kHz -40.03 dB, 2 kHz -52.1 dB.
        let h = impulse_response(LOWPASS, &[("cutoff", 100.0)], 1.0, 32_768);
        assert_near("lowpass 100 Hz at cutoff", gain_db(&h, 100.0), -3.01, 0.05);
        assert_near("lowpass 100 Hz at 1 kHz", gain_db(&h, 1000.0), -40.0, 1.0);
        let slope = gain_db(&h, 400.0) - gain_db(&h, 1600.0);
        assert_near("lowpass slope over 2 octaves", slope / 2.0, 12.0, 0.5);
        // q is the gain at the cutoff. Measured: q 5 -> +13.979 dB (20·log10 5 = 13.98).
        let h = impulse_response(LOWPASS, &[("q", 5.0)], 1.0, 32_768);
        assert_near("lowpass q 5 at cutoff", gain_db(&h, 1000.0), 13.98, 0.1);
        assert_near(
            "lowpass q 5 peak",
            peak_frequency(&h, 500.0, 2000.0),
            1000.0,
            30.0,
        );
    }

    #[test]
    fn highpass_mirrors_the_lowpass() {
        let h = impulse_response(HIGHPASS, &[], 1.0, 16_384);
        // Measured: 1 kHz -3.012 dB, 10 kHz -0.000 dB, 100 Hz -40.03 dB.
        assert_near("highpass at cutoff", gain_db(&h, 1000.0), -3.01, 0.05);
        assert_near("highpass at cutoff*10", gain_db(&h, 10_000.0), 0.0, 0.1);
        assert_near("highpass at cutoff/10", gain_db(&h, 100.0), -40.0, 1.0);
        let slope = gain_db(&h, 500.0) - gain_db(&h, 125.0);
        assert_near("highpass slope over 2 octaves", slope / 2.0, 12.0, 1.0);
        let h = impulse_response(HIGHPASS, &[("q", 5.0)], 1.0, 32_768);
        assert_near("highpass q 5 at cutoff", gain_db(&h, 1000.0), 13.98, 0.1);
    }

    #[test]
    fn bandpass_peaks_at_unity_on_the_centre_and_falls_off_both_sides() {
        for q in [0.707, 5.0, 20.0] {
            let h = impulse_response(BANDPASS, &[("q", q)], 1.0, 65_536);
            // Measured: 0.000 dB at 1 kHz for each q (constant peak gain).
            assert_near("bandpass at centre", gain_db(&h, 1000.0), 0.0, 0.05);
            let f = peak_frequency(&h, 100.0, 10_000.0);
            assert!((f / 1000.0 - 1.0).abs() < 0.025, "q {q}: peak at {f} Hz");
        }
        let h = impulse_response(BANDPASS, &[], 1.0, 16_384);
        // Measured (q 0.707): 100 Hz -17.0 dB, 500 Hz -3.28, 2 kHz -3.31, 10 kHz -18.4.
        assert!(gain_db(&h, 100.0) < -15.0);
        assert!(gain_db(&h, 10_000.0) < -15.0);
        assert!(gain_db(&h, 500.0) < -2.0 && gain_db(&h, 2000.0) < -2.0);
        // q narrows the band. Measured (q 5): 500 Hz -17.6 dB, 2 kHz -17.6, 100 Hz -33.9,
        // 10 kHz -35.3.
        let h = impulse_response(BANDPASS, &[("q", 5.0)], 1.0, 32_768);
        for f in [500.0, 2000.0] {
            assert_near("bandpass q 5 an octave off", gain_db(&h, f), -17.6, 1.0);
        }
        assert!(gain_db(&h, 100.0) < -30.0 && gain_db(&h, 10_000.0) < -30.0);
        // -3 dB bandwidth = cutoff / q: the edges of a 200 Hz band around 1 kHz.
        let lo = -100.0 + (100.0f64.powi(2) + 1000.0f64.powi(2)).sqrt();
        assert_near("bandpass q 5 lower edge", gain_db(&h, lo), -3.01, 0.1);
        assert_near(
            "bandpass q 5 upper edge",
            gain_db(&h, lo + 200.0),
            -3.01,
            0.1,
        );
    }

    /// The ladder as first written: the estimate from the states, which then move. The
    /// carried form (`REST`, `LAST_U`) must give the same samples up to rounding.
    fn reference_ladder(c: &LadderCoeffs, s: &mut [f32; 4], x: f32) -> f32 {
        let p = [
            c.b[0] * s[0],
            c.b[1] * s[0] + c.b[0] * s[1],
            c.b[2] * s[0] + c.b[1] * s[1] + c.b[0] * s[2],
            c.b[3] * s[0] + c.b[2] * s[1] + c.b[1] * s[2] + c.b[0] * s[3],
        ];
        let estimate = c.ex * x + (0..4).map(|i| c.es[i] * s[i]).sum::<f32>();
        let u = x - c.k * soft_clip(estimate);
        let y: [f32; 4] = std::array::from_fn(|i| c.gu[i] * u + p[i]);
        for i in 0..4 {
            s[i] = 2.0 * y[i] - s[i];
        }
        y[3]
    }

    #[test]
    fn the_carried_ladder_gives_the_ladders_samples_through_sweeps_and_loud_input() {
        let x = noise(9_600, 7);
        let mut carried = [0.0f32; 6];
        let mut plain = [0.0f32; 4];
        let mut coeffs = LadderCoeffs::default();
        let mut worst = 0.0f32;
        let mut loudest = 0.0f32;
        for (i, &v) in x.iter().enumerate() {
            // A new cutoff every 7 samples (a sweep from 200 Hz up and back) and a
            // resonance near self-oscillation in the second half; input up to ±3.
            if i % 7 == 0 {
                let cutoff = 200.0 + 4_000.0 * (i as f32 / 1_500.0).sin().abs();
                let resonance = if i < 4_800 { 0.3 } else { 0.9 };
                let g = tan_fast(warp_arg(cutoff, PI / SR, MAX_CUTOFF));
                coeffs = Ladder.coeffs(g, Ladder::second(resonance));
                Ladder::retune(&coeffs, &mut carried);
            }
            let a = Ladder::tick(&coeffs, &mut carried, 3.0 * v);
            let b = reference_ladder(&coeffs, &mut plain, 3.0 * v);
            worst = worst.max((a - b).abs());
            loudest = loudest.max(b.abs());
        }
        eprintln!("largest difference {worst}, loudest sample {loudest}");
        assert!(loudest > 0.5, "the ladder was driven: {loudest}");
        // Measured: 8.3e-7 (input up to ±3, output up to ≈ ±1.8).
        assert!(worst < 1e-5, "largest difference {worst}");
        assert!(carried[..4]
            .iter()
            .zip(&plain)
            .all(|(a, b)| (a - b).abs() < 1e-5));
    }

    #[test]
    fn moog_falls_24_db_per_octave() {
        let h = impulse_response(MOOG, &[("resonance", 0.0)], 1e-3, 32_768);
        // Measured (cutoff 1 kHz, resonance 0): 10 Hz -0.002 dB, 1 kHz -12.04 dB, 2 kHz
        // -28.08, 8 kHz -75.8, 10 kHz -85.6 (bilinear warp adds to the analog -80).
        assert_near("moog DC", gain_db(&h, 10.0), 0.0, 0.05);
        assert_near("moog at cutoff", gain_db(&h, 1000.0), -12.04, 0.1);
        assert!(gain_db(&h, 10_000.0) < -78.0);
        let slope = (gain_db(&h, 2000.0) - gain_db(&h, 8000.0)) / 2.0;
        // Measured: 23.9 dB/oct.
        assert!(slope >= 20.0, "slope {slope} dB/oct");
        // Lower cutoff, less warping. Measured (250 Hz): 2.5 kHz -80.5 dB.
        let h = impulse_response(MOOG, &[("cutoff", 250.0), ("resonance", 0.0)], 1e-3, 32_768);
        assert_near("moog 250 Hz at cutoff*10", gain_db(&h, 2500.0), -80.0, 3.0);
        // The default resonance 0.1 (k = 0.42) costs 1/(1+k) of passband: -3.05 dB.
        let h = impulse_response(MOOG, &[], 1e-3, 32_768);
        assert_near("moog default DC", gain_db(&h, 10.0), -3.05, 0.1);
    }

    #[test]
    fn moog_resonance_peaks_at_cutoff_and_self_oscillates_near_1() {
        // Measured (resonance 0.9, 1 kHz): DC -13.59 dB, 1 kHz +13.15 dB.
        let h = impulse_response(MOOG, &[("resonance", 0.9)], 1e-3, 65_536);
        let rise = gain_db(&h, 1000.0) - gain_db(&h, 10.0);
        assert!(rise > 20.0, "peak only {rise} dB above DC");
        let f = peak_frequency(&h, 200.0, 5000.0);
        assert!((f / 1000.0 - 1.0).abs() < 0.02, "peak at {f} Hz");

        // A kick, then 2 s of silence. Measured: resonance 0.9 dies away (tail RMS 0),
        // 0.95 too (just below the threshold); 0.97 sustains RMS 0.29 at 1000.0 Hz; 1.0
        // sustains RMS 0.46, peak 0.65, at 999.98 Hz (1 kHz), 299.995 Hz (300 Hz),
        // 4999.99 Hz (5 kHz).
        for (cutoff, resonance, sustains) in [
            (1000.0, 0.9, false),
            (1000.0, 0.97, true),
            (1000.0, 1.0, true),
            (300.0, 1.0, true),
            (5000.0, 1.0, true),
        ] {
            let n = 96_000;
            let mut input = vec![0.0; n];
            input[0] = 0.5;
            let out =
                runner(MOOG, &[("cutoff", cutoff), ("resonance", resonance)]).run(&[&input], n, 64);
            let tail = &out[0][n - 9600..];
            if sustains {
                assert!(
                    rms(tail) > 0.15,
                    "{cutoff} Hz, {resonance}: tail RMS {}",
                    rms(tail)
                );
                assert!(
                    peak(tail) < 1.0,
                    "{cutoff} Hz, {resonance}: peak {}",
                    peak(tail)
                );
                let f = zero_crossing_frequency(tail, SR).unwrap();
                assert!(
                    (f / cutoff as f64 - 1.0).abs() < 0.01,
                    "sings at {f} Hz, not {cutoff}"
                );
            } else {
                assert!(rms(tail) < 1e-6, "{resonance} should not self-oscillate");
            }
        }
    }

    #[test]
    fn cutoff_port_sweeps_the_response() {
        let n = 16_384;
        let input = noise(n, 1);
        let up = vec![4800.0f32; n];
        // A steady +4800 Hz on the port moves a 200 Hz cutoff to 5 kHz. Measured energy
        // ratios (port / no port): 3..10 kHz lowpass 1.3e5, moog 3.4e9; 50..500 Hz
        // highpass 2.8e-5; 4..6 kHz bandpass 3.1e2.
        for (entry, lo, hi, brighter) in [
            (LOWPASS, 3000.0, 10_000.0, true),
            (MOOG, 3000.0, 10_000.0, true),
            (HIGHPASS, 50.0, 500.0, false),
            (BANDPASS, 4000.0, 6000.0, true),
        ] {
            let plain = runner(entry, &[("cutoff", 200.0)]).run(&[&input], n, 64);
            let swept = runner(entry, &[("cutoff", 200.0)]).run(&[&input, &up], n, 64);
            let ratio = energy(&swept[0], lo, hi) / energy(&plain[0], lo, hi);
            let kind = entry.info.kind;
            if brighter {
                assert!(ratio > 100.0, "{kind}: energy ratio {ratio}");
            } else {
                assert!(ratio < 0.01, "{kind}: energy ratio {ratio}");
            }
        }
        // A ramp 0 -> 10 kHz on the port over the run: the last quarter is far brighter
        // than the first. Measured 3..10 kHz energy ratio: lowpass 1.0e2, moog 2.0e3.
        let ramp: Vec<f32> = (0..n).map(|i| 10_000.0 * i as f32 / n as f32).collect();
        for entry in [LOWPASS, MOOG] {
            let out = runner(entry, &[("cutoff", 200.0)]).run(&[&input, &ramp], n, 64);
            let q = n / 4;
            let first = energy(&out[0][..q], 3000.0, 10_000.0);
            let last = energy(&out[0][n - q..], 3000.0, 10_000.0);
            assert!(
                last > 30.0 * first,
                "{}: {last} vs {first}",
                entry.info.kind
            );
        }
    }

    #[test]
    fn fast_full_range_modulation_with_loud_input_stays_bounded() {
        let n = 48_000;
        let loud: Vec<f32> = noise(n, 7).iter().map(|x| 10.0 * x).collect();
        // Cutoff 10 kHz ± 10 kHz at 3 kHz: every sample a different cutoff, hitting both
        // clamps; the second param swept over its whole range at 700 Hz.
        let cutoff_mod: Vec<f32> = (0..n)
            .map(|i| 10_000.0 * (std::f32::consts::TAU * 3000.0 * i as f32 / SR).sin())
            .collect();
        let q_mod: Vec<f32> = (0..n)
            .map(|i| 10.0 * (std::f32::consts::TAU * 700.0 * i as f32 / SR).sin())
            .collect();
        let res_mod: Vec<f32> = q_mod.iter().map(|x| x / 10.0).collect();
        for sr in [SR, 44_100.0, 22_050.0] {
            for entry in SVF_KINDS {
                for (q, qm) in [(0.1, false), (20.0, false), (10.0, true)] {
                    let mut r = runner_at(entry, sr, &[("cutoff", 10_000.0), ("q", q)]);
                    let inputs: Vec<&[f32]> = if qm {
                        vec![&loud, &cutoff_mod, &q_mod]
                    } else {
                        vec![&loud, &cutoff_mod]
                    };
                    let out = &r.run(&inputs, n, 64)[0];
                    let p = peak(out);
                    // Measured peaks for input peak 10: 5.3 .. 231 (worst: bandpass,
                    // q modulated, 22.05 kHz); q 20 alone allows ×20.
                    assert!(
                        out.iter().all(|x| x.is_finite()) && p < 2000.0,
                        "{} sr {sr} q {q} modulated {qm}: peak {p}",
                        entry.info.kind
                    );
                }
            }
            for (res, rm) in [(1.0, false), (0.5, true)] {
                let mut r = runner_at(MOOG, sr, &[("cutoff", 10_000.0), ("resonance", res)]);
                let inputs: Vec<&[f32]> = if rm {
                    vec![&loud, &cutoff_mod, &res_mod]
                } else {
                    vec![&loud, &cutoff_mod]
                };
                let out = &r.run(&inputs, n, 64)[0];
                let p = peak(out);
                // Measured peaks: 12.5 .. 30.7 (input 10 plus at most k = 4.2 of
                // feedback, through the ladder's overshoot).
                assert!(
                    out.iter().all(|x| x.is_finite()) && p < 100.0,
                    "moog sr {sr} resonance {res}: peak {p}"
                );
            }
        }
    }

    #[test]
    fn silence_after_loud_input_decays_to_zero_without_denormals() {
        let loud: Vec<f32> = noise(4800, 3).iter().map(|x| 5.0 * x).collect();
        let n = 4 * 48_000;
        let mut input = vec![0.0; n];
        input[..loud.len()].copy_from_slice(&loud);
        let mut cases: Vec<(ModuleEntry, f32, &str, f32)> = Vec::new();
        for entry in SVF_KINDS {
            // 1540 Hz at q 0.1 and 12 kHz at q 0.5 put a pole at z ≈ 0 (checked every
            // sample); the rest decay at the pace of the per-block check.
            for cutoff in [20.0, 1000.0, 1540.0, 12_000.0, 20_000.0] {
                for q in [0.1, 0.5, 0.707, 5.0] {
                    cases.push((entry, cutoff, "q", q));
                }
            }
        }
        for cutoff in [20.0, 1000.0, 5000.0, 12_000.0, 20_000.0] {
            for res in [0.0, 0.5, 0.9] {
                // At 20 Hz, resonance 0.9 rings with a 0.55 s time constant (physics, not
                // a stuck state): -240 dB takes 15 s.
                if cutoff > 20.0 || res < 0.9 {
                    cases.push((MOOG, cutoff, "resonance", res));
                }
            }
        }
        for (entry, cutoff, second, value) in cases {
            for block in [64, 7] {
                let out =
                    runner(entry, &[("cutoff", cutoff), (second, value)]).run(&[&input], n, block);
                let what = format!(
                    "{} {cutoff} Hz {second} {value} block {block}",
                    entry.info.kind
                );
                let bad = out[0].iter().position(|x| !(x.is_normal() || *x == 0.0));
                assert_eq!(bad, None, "{what}: denormal or NaN output");
                let last_nonzero = out[0].iter().rposition(|x| *x != 0.0).unwrap_or(0);
                // Measured: the slowest (20 Hz, q 5) reaches exact zero after ~2.1 s.
                assert!(
                    last_nonzero < n - 48_000,
                    "{what}: still {:e} at {last_nonzero}",
                    out[0][last_nonzero]
                );
            }
        }
    }

    #[test]
    fn block_size_does_not_change_modulated_output() {
        let n = 9_000;
        let input = noise(n, 11);
        let cutoff_mod: Vec<f32> = (0..n)
            .map(|i| 3000.0 * (std::f32::consts::TAU * 5.0 * i as f32 / SR).sin())
            .collect();
        // Steady for the first third (constant-block path), moving afterwards.
        let second_mod: Vec<f32> = (0..n)
            .map(|i| {
                if i < n / 3 {
                    0.0
                } else {
                    0.3 * (i as f32 / n as f32)
                }
            })
            .collect();
        for entry in [LOWPASS, HIGHPASS, BANDPASS, MOOG] {
            let second = entry.info.params[P_SECOND].id;
            let render = |block: usize, modulated: bool| {
                let mut r = runner(entry, &[("cutoff", 500.0), (second, 0.5)]);
                // Glides run while the first blocks play: per-sample and per-block paths.
                r.glide("cutoff", 4000.0).unwrap();
                r.glide(second, 0.8).unwrap();
                let inputs: Vec<&[f32]> = if modulated {
                    vec![&input, &cutoff_mod, &second_mod]
                } else {
                    vec![&input]
                };
                r.run(&inputs, n, block).remove(0)
            };
            for modulated in [false, true] {
                let reference = render(64, modulated);
                for block in [1, 7, 33] {
                    let other = render(block, modulated);
                    let worst = reference
                        .iter()
                        .zip(&other)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0f32, f32::max);
                    // Measured: 0 (identical).
                    assert!(worst <= 1e-5, "{} block {block}: {worst}", entry.info.kind);
                    // Swept all through: blocks of 1 take the per-frame update, blocks of
                    // 64 the sweep loop (gains first, then the filter): the same bits.
                    if modulated && block == 1 {
                        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&reference), bits(&other), "{}", entry.info.kind);
                    }
                }
            }
        }
    }

    #[test]
    fn a_nan_is_forgotten_after_one_block() {
        let n = 1024;
        let mut input = noise(n, 5);
        input[100] = f32::NAN;
        let mut cutoff_mod = vec![0.0; n];
        cutoff_mod[500] = f32::NAN;
        for entry in [LOWPASS, HIGHPASS, BANDPASS, MOOG] {
            let out = runner(entry, &[]).run(&[&input, &cutoff_mod], n, 64);
            // NaN from sample 100 to the end of its block (127), finite from 128 on; the
            // NaN cutoff at 500 reads as 20 Hz and harms nothing.
            assert!(out[0][..100].iter().all(|x| x.is_finite()));
            assert!(
                out[0][128..].iter().all(|x| x.is_finite()),
                "{}",
                entry.info.kind
            );
        }
    }

    #[test]
    fn reset_clears_the_state() {
        for entry in [LOWPASS, HIGHPASS, BANDPASS, MOOG] {
            let input = noise(2000, 9);
            let mut r = runner(entry, &[]);
            let first = r.run(&[&input], 2000, 64);
            r.reset();
            let again = r.run(&[&input], 2000, 64);
            assert_eq!(first, again, "{}", entry.info.kind);
        }
    }
}
