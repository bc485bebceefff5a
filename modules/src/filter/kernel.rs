//! [`Kernel`]: what tells one filter from another (coefficients, one sample through it),
//! for the shared [`Filter`](super::generic::Filter) to run.

#[cfg(doc)]
use super::{generic::Filter, ladder::Ladder, svf::SvfMode};
use crate::module::ModuleInfo;

/// What tells the two filters apart: their coefficients, how those follow from the
/// parameters, and one sample through the filter, for a state of `N` floats. [`Filter`]
/// does the rest for both. Implemented by [`SvfMode`] and [`Ladder`]; everything is
/// resolved at compile time and inlined into the block loop.
pub(super) trait Kernel<const N: usize>: Copy + Send + std::fmt::Debug + 'static {
    /// The static description of the kind this kernel makes a filter of.
    fn info(&self) -> &'static ModuleInfo;

    /// Coefficients for one (cutoff, second parameter) pair.
    type Coeffs: Copy + Default + Send + std::fmt::Debug + 'static;

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
    type Block: Copy + Send + std::fmt::Debug + 'static;

    /// The four-sample form for `c`, when the kernel has one that is safe for `c`. Same
    /// state, same output up to rounding.
    fn block(c: &Self::Coeffs) -> Option<Self::Block>;

    /// Four samples `x` through the four-sample form `b` and state `s`.
    fn tick4(b: &Self::Block, s: &mut [f32; N], x: [f32; 4]) -> [f32; 4];
}
