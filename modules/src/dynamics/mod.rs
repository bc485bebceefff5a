//! Dynamics: [`limiter`] (look-ahead brick wall), [`compressor`] (with a sidechain input),
//! and [`safety`], the zero-latency [`SafetyLimiter`](safety::SafetyLimiter) the host runs
//! on a graph's output when the patch asks for `limit`.
//!
//! Why not fundsp's `limiter`/`limiter_stereo`: its attack and release are fixed when the
//! unit is built (changing them live would mean building a new unit, which allocates, on
//! the audio thread), and it limits to 1.0 with no ceiling parameter. Ours take every
//! param live, per sample, and guarantee the ceiling (see [`limiter`]).

pub mod compressor;
pub mod limiter;
pub mod safety;

#[cfg(test)]
mod tests;

/// Decibels to a linear gain.
#[inline]
pub(crate) fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db * 0.05)
}

/// Linear level to decibels, with a floor of -200 dB for zero.
#[inline]
pub(crate) fn gain_to_db(gain: f32) -> f32 {
    20.0 * gain.max(1e-10).log10()
}

/// The one-pole coefficient that covers 63 % of the way to a target in `seconds` at
/// `sample_rate` (`y += (target − y) × coeff`).
#[inline]
pub(crate) fn one_pole_coeff(seconds: f32, sample_rate: f32) -> f32 {
    1.0 - (-1.0 / (seconds * sample_rate).max(1.0)).exp()
}

/// A sample that is not finite (NaN, ±inf) reads as silence: a broken upstream module must
/// not turn a limiter into a NaN source.
#[inline]
pub(crate) fn finite_or_zero(x: f32) -> f32 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}
