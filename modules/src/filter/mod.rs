//! Filters: [`svf`] (`lowpass`, `highpass`, `bandpass`: the 2-pole state-variable filter)
//! and [`ladder`] (`moog`: the 4-pole ladder).
//!
//! Both are one `Filter` (`generic.rs`) around a `Kernel` (`kernel.rs`): the kernel
//! says what tells a filter apart (its coefficients and one sample through it), the
//! `Filter` does the rest once for both (parameter cache, state, block loop, the `Module`
//! implementation).
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
//! approximant (`tan_fast`): relative error below 1e-6 in `f32` on the range used
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

mod generic;
mod kernel;
pub mod ladder;
pub mod svf;
mod svf_block;

#[cfg(test)]
mod tests;

use crate::module::PortSpec;

/// Lowest cutoff, in Hz (the parameter's minimum).
const MIN_CUTOFF: f32 = 20.0;
/// Highest cutoff, in Hz (the parameter's maximum; further limited to 0.49 × sample rate).
const MAX_CUTOFF: f32 = 20_000.0;
/// Highest cutoff as a fraction of the sample rate (keeps `tan` finite and accurate).
const MAX_CUTOFF_RATIO: f32 = 0.49;
/// A state entirely below this is set to zero (see "Denormals" in the module doc).
const FLUSH_BELOW: f32 = 1e-12;

// Port and parameter indices (positions in the `ModuleInfo` tables of every filter kind).
const IN: usize = 0;
const OUT: usize = 0;
const P_CUTOFF: usize = 0;
/// `q` for the SVF kinds, `resonance` for `moog`.
const P_SECOND: usize = 1;

const IN_PORT: PortSpec = PortSpec {
    id: "in",
    doc: "Audio to filter.",
};

const CUTOFF_PORT: PortSpec = PortSpec {
    id: "cutoff",
    doc: "Adds to the `cutoff` param, in Hz (scale an LFO or envelope to Hz to sweep it); \
          the sum is clamped to 20..20000 Hz.",
};
