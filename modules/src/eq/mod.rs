//! Filters and EQ beyond the `svf` family: [`biquad`] (`biquad`: peak, shelves, notch,
//! allpass), [`comb`] (`comb`), [`formant`] (`formant`: a vowel filter) and [`dc_block`]
//! (`dc_block`), plus the biquad section they share ([`Biquad`], RBJ cookbook
//! coefficients).
//!
//! Why our own rather than fundsp's `biquad`/`bell`/`lowshelf`...: fundsp's units take
//! their settings from inputs sample by sample and recompute coefficients every sample
//! (a `tan` and a `sqrt` per sample per filter); ours cache the coefficients with the
//! values they came from and recompute them only when a value changes, and keep their
//! state in plain fields a graph swap can move. The section runs in `f64`: at 48 kHz a
//! 30 Hz shelf has poles within 0.004 of the unit circle, where `f32` coefficients move
//! the response by tenths of a dB.
//!
//! Real time: `comb` sizes its delay line in `prepare`; nothing else allocates, and
//! `process` and `reset` never allocate, lock, log or block. States are flushed to zero
//! below 1e-20, so silence decays to exact zeros.

pub mod biquad;
pub mod comb;
pub mod dc_block;
pub mod formant;

#[cfg(test)]
mod tests;

use std::f64::consts::PI;

/// Below this a filter state is zero (no subnormals on the way to silence).
const FLUSH: f64 = 1e-20;

/// The biquad responses the SDK designs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A bell: `gain` dB at `freq`, width from `q`.
    Peak,
    /// Shelf below `freq` by `gain` dB (`q` = shelf slope, 0.707 the steepest without
    /// overshoot).
    LowShelf,
    /// Shelf above `freq` by `gain` dB.
    HighShelf,
    /// A notch at `freq`.
    Notch,
    /// Flat magnitude; the phase turns by 360° around `freq`.
    Allpass,
    /// Bandpass with 0 dB at the peak (the formant filter's sections).
    Bandpass,
}

/// Normalised coefficients `b0 b1 b2 a1 a2` (a0 = 1).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Coefficients {
    /// Feed-forward taps.
    pub b: [f64; 3],
    /// Feedback taps (a1, a2).
    pub a: [f64; 2],
}

impl Coefficients {
    /// The RBJ Audio EQ Cookbook design of `shape` at `freq` Hz (clamped below Nyquist),
    /// `q` and `gain_db`, for `sample_rate`.
    pub fn design(shape: Shape, freq: f64, q: f64, gain_db: f64, sample_rate: f64) -> Self {
        let f = freq.clamp(1.0, 0.49 * sample_rate);
        let q = q.max(0.01);
        let w = 2.0 * PI * f / sample_rate;
        let (sn, cs) = w.sin_cos();
        let amp = 10f64.powf(gain_db / 40.0);
        let alpha = sn / (2.0 * q);
        let (b, a0, a1, a2) = match shape {
            Shape::Peak => (
                [1.0 + alpha * amp, -2.0 * cs, 1.0 - alpha * amp],
                1.0 + alpha / amp,
                -2.0 * cs,
                1.0 - alpha / amp,
            ),
            Shape::LowShelf | Shape::HighShelf => {
                let sq = 2.0 * amp.sqrt() * alpha;
                let (ap, am) = (amp + 1.0, amp - 1.0);
                if shape == Shape::LowShelf {
                    (
                        [
                            amp * (ap - am * cs + sq),
                            2.0 * amp * (am - ap * cs),
                            amp * (ap - am * cs - sq),
                        ],
                        ap + am * cs + sq,
                        -2.0 * (am + ap * cs),
                        ap + am * cs - sq,
                    )
                } else {
                    (
                        [
                            amp * (ap + am * cs + sq),
                            -2.0 * amp * (am + ap * cs),
                            amp * (ap + am * cs - sq),
                        ],
                        ap - am * cs + sq,
                        2.0 * (am - ap * cs),
                        ap - am * cs - sq,
                    )
                }
            }
            Shape::Notch => ([1.0, -2.0 * cs, 1.0], 1.0 + alpha, -2.0 * cs, 1.0 - alpha),
            Shape::Allpass => (
                [1.0 - alpha, -2.0 * cs, 1.0 + alpha],
                1.0 + alpha,
                -2.0 * cs,
                1.0 - alpha,
            ),
            Shape::Bandpass => ([alpha, 0.0, -alpha], 1.0 + alpha, -2.0 * cs, 1.0 - alpha),
        };
        Coefficients {
            b: [b[0] / a0, b[1] / a0, b[2] / a0],
            a: [a1 / a0, a2 / a0],
        }
    }

    /// The magnitude response in dB at `freq` Hz: the design's own value, which tests
    /// compare measurements against.
    pub fn magnitude_db(&self, freq: f64, sample_rate: f64) -> f64 {
        let w = 2.0 * PI * freq / sample_rate;
        // H(z) at z = e^{jw}: numerator and denominator as complex sums.
        let eval = |c0: f64, c1: f64, c2: f64| {
            let re = c0 + c1 * w.cos() + c2 * (2.0 * w).cos();
            let im = -c1 * w.sin() - c2 * (2.0 * w).sin();
            re.hypot(im)
        };
        let num = eval(self.b[0], self.b[1], self.b[2]);
        let den = eval(1.0, self.a[0], self.a[1]);
        20.0 * (num / den).log10()
    }
}

/// One biquad section, transposed direct form II, in `f64`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Biquad {
    /// The coefficients in use.
    pub c: Coefficients,
    s1: f64,
    s2: f64,
}

impl Biquad {
    /// One sample through the section.
    #[inline]
    pub fn tick(&mut self, x: f64) -> f64 {
        let c = &self.c;
        let y = c.b[0] * x + self.s1;
        self.s1 = c.b[1] * x - c.a[0] * y + self.s2;
        self.s2 = c.b[2] * x - c.a[1] * y;
        y
    }

    /// Zeroes a state that fell below [`FLUSH`], or that is no longer finite (a NaN fed
    /// in), so silence is exact and one bad sample does not poison the filter forever.
    #[inline]
    pub fn settle(&mut self) {
        if !(self.s1.abs() >= FLUSH || self.s2.abs() >= FLUSH)
            || !(self.s1.is_finite() && self.s2.is_finite())
        {
            self.s1 = 0.0;
            self.s2 = 0.0;
        }
    }

    /// Silence.
    pub fn clear(&mut self) {
        self.s1 = 0.0;
        self.s2 = 0.0;
    }
}
