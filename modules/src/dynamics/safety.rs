//! [`SafetyLimiter`]: the limiter behind the `output` module's `limit` setting
//! (docs/CONTRACTS.md §1.5), so a mistaken patch (a feedback loop, a volume of 4) cannot
//! blast an installation.
//!
//! Unlike the [`limiter`](super::limiter) kind it has no look-ahead, so it adds no latency,
//! and while the signal stays under the ceiling its gain is exactly 1: the output is the
//! input, bit for bit. The sound changes only when (and as long as) it engages. Above the
//! ceiling the gain drops at once to what the louder channel needs (an instant attack: the
//! first sample over is already held to the ceiling), then recovers over `RELEASE`. A
//! non-finite sample (NaN, inf) is silenced.
//!
//! Plain arithmetic on a few fields: `process` never allocates, locks, logs or blocks.

use super::{db_to_gain, finite_or_zero, one_pole_coeff};

/// Release time in seconds (63 % of the way back to unity gain).
pub const RELEASE: f32 = 0.25;

/// Once the gain is this close to 1 it snaps to exactly 1 (so the output is the input again).
const SNAP: f32 = 1e-5;

/// A zero-latency stereo peak limiter with a fixed release (see the module doc).
#[derive(Clone, Debug, PartialEq)]
pub struct SafetyLimiter {
    ceiling: f32,
    release: f32,
    /// `1 − gain`, kept as such: the release shrinks it geometrically (a gain creeping up
    /// to 1 in f32 would stall a few ulps short of it).
    reduction: f32,
}

impl SafetyLimiter {
    /// A limiter holding peaks to `ceiling_db` dB below full scale at `sample_rate`.
    /// Allocation-free; may be built on any thread.
    pub fn new(ceiling_db: f32, sample_rate: f32) -> Self {
        SafetyLimiter {
            ceiling: db_to_gain(ceiling_db),
            release: one_pole_coeff(RELEASE, sample_rate),
            reduction: 0.0,
        }
    }

    /// The ceiling as a linear peak level.
    pub fn ceiling(&self) -> f32 {
        self.ceiling
    }

    /// The gain applied to the last sample (1 when not engaged).
    pub fn gain(&self) -> f32 {
        1.0 - self.reduction
    }

    /// Limits one block in place. **Real-time safe.**
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let c = self.ceiling;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let (a, b) = (finite_or_zero(*l), finite_or_zero(*r));
            let peak = a.abs().max(b.abs());
            if self.reduction == 0.0 && peak <= c {
                // Not engaged: the input, bit for bit (also for a NaN, silenced above).
                *l = a;
                *r = b;
                continue;
            }
            let need = if peak > c { c / peak } else { 1.0 };
            let mut released = self.reduction * (1.0 - self.release);
            if released < SNAP {
                released = 0.0;
            }
            let g = if need < 1.0 - released {
                self.reduction = 1.0 - need;
                need
            } else {
                self.reduction = released;
                1.0 - released
            };
            *l = (a * g).clamp(-c, c);
            *r = (b * g).clamp(-c, c);
        }
    }

    /// Back to unity gain. **Real-time safe.**
    pub fn reset(&mut self) {
        self.reduction = 0.0;
    }
}
