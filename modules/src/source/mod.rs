//! Sound sources beyond the basic oscillators: [`fm`] (`fm`: two-operator FM),
//! [`supersaw`] (`supersaw`), [`pluck`] (`pluck`: Karplus-Strong), [`impulse`]
//! (`impulse`), [`wavetable`] (`wavetable`) and [`sampler`] (`sampler`), with the pitch
//! inputs and param they share with the oscillators (`freq` in Hz plus the `freq` input,
//! `pitch` in octaves).
//!
//! Real time: tables and delay lines are built at construction or in `prepare` (the
//! sampler's file is decoded by the host at build time, off the audio thread); `process`
//! and `reset` never allocate, lock, log or block.

pub mod fm;
pub mod impulse;
pub mod pluck;
pub mod sampler;
pub mod supersaw;
pub mod wavetable;

#[cfg(test)]
mod tests;

use crate::module::PortSpec;
use crate::param::ParamSpec;
use crate::smoother::Smoothing;

/// The `freq` param of every pitched source: as the oscillators' (0 when `note.freq` is
/// connected and the patch does not set it).
pub(crate) const FREQ_PARAM: ParamSpec = ParamSpec::float("freq", "Frequency", 0.0, 20_000.0, 220.0)
    .unit("Hz")
    .smoothing(Smoothing::Logarithmic(10.0))
    .modulated_default(0.0)
    .doc("Frequency in Hz, before the pitch input; 0 when the freq input is connected and the patch does not set it.");

/// The `freq` input port.
pub(crate) const FREQ_PORT: PortSpec = PortSpec {
    id: "freq",
    doc: "Adds Hz to the `freq` param (connect `note.freq` here).",
};

/// The `pitch` input port.
pub(crate) const PITCH_PORT: PortSpec = PortSpec {
    id: "pitch",
    doc: "Octaves: multiplies the frequency by 2^pitch, per sample (1 = one octave up).",
};

/// The frequency after the pitch input: `freq × 2^pitch`, clamped to 0..Nyquist.
#[inline]
pub(crate) fn pitched(freq: f32, pitch: f32, sample_rate: f32) -> f32 {
    let f = if pitch == 0.0 {
        freq
    } else {
        freq * pitch.exp2()
    };
    if f.is_finite() {
        f.clamp(0.0, 0.5 * sample_rate)
    } else {
        0.0
    }
}
