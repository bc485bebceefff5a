//! Colour: nonlinear and digital distortions — [`saturator`] (tanh, soft clip, sine fold),
//! [`wavefolder`], [`bitcrusher`] and [`ring`] (ring modulator) — and [`oversample`], the
//! ×2 half-band oversampler the two waveshapers run in to hold aliasing down (measured in
//! the tests against the same shaper run at the base rate).
//!
//! Why not fundsp: its `shape` (`Tanh`, `Softsign`, `Clip`...) shapes at the base rate with
//! no oversampling, and its `oversample` wraps a whole unit ticked sample by sample, which
//! cannot take our per-sample, live params. The shapes are one line each.

pub mod bitcrusher;
pub mod oversample;
pub mod ring;
pub mod saturator;
pub mod wavefolder;

#[cfg(test)]
mod tests;

/// A one-pole DC blocker (a highpass at about 7 Hz at 48 kHz): a waveshaper fed an offset
/// input, or a folder with `offset`, would otherwise put DC on its output.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DcBlock {
    x1: f32,
    y1: f32,
}

impl DcBlock {
    /// Pole radius: `R = 1 − 2π·fc/fs` for fc ≈ 7 Hz at 48 kHz.
    const R: f32 = 0.999;

    #[inline]
    pub(crate) fn process(&mut self, x: f32) -> f32 {
        let y = x - self.x1 + Self::R * self.y1;
        self.x1 = x;
        self.y1 = if y.abs() < 1e-20 { 0.0 } else { y };
        self.y1
    }
}
