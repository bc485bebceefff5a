//! Control and utility kinds: [`slew`] (`slew`), [`sample_hold`] (`sample_hold`),
//! [`quantizer`] (`quantizer`), [`follower`] (`envelope_follower`), [`envelopes`] (`ar`,
//! `ad`), [`math`] (`math`), [`crossfade`] (`crossfade`), [`clock`] (`clock_div`,
//! `gate_delay`, `pulse_train`) and [`random`] (`random`), plus the two small helpers they
//! share: a gate edge detector and a seeded random source.
//!
//! Why not fundsp: these are a few lines of arithmetic each on plain state that a graph
//! swap can move; fundsp's counterparts (`follow`, `afollow`, `hold`) either fix their
//! times at construction or work on its own graph notation rather than on gate ports.
//!
//! Real time: nothing here allocates after construction; `process` and `reset` never
//! allocate, lock, log or block. Every kind works sample by sample on its own state (never
//! on the engine's clock), so its output does not depend on how blocks are cut.

pub mod clock;
pub mod crossfade;
pub mod envelopes;
pub mod follower;
pub mod math;
pub mod quantizer;
pub mod random;
pub mod sample_hold;
pub mod slew;

#[cfg(test)]
mod tests;

/// Above this a gate is on.
pub(crate) const GATE_ON: f32 = 0.5;

/// Rising-edge detection on a gate signal, one sample at a time.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Edge {
    high: bool,
}

impl Edge {
    /// Feeds one sample: `Some(true)` on a rising edge, `Some(false)` on a falling edge,
    /// `None` otherwise. NaN reads as off.
    #[inline]
    pub(crate) fn step(&mut self, x: f32) -> Option<bool> {
        let high = x > GATE_ON;
        if high == self.high {
            None
        } else {
            self.high = high;
            Some(high)
        }
    }

    /// Whether the gate is on.
    #[inline]
    pub(crate) fn is_high(&self) -> bool {
        self.high
    }
}

/// A seeded random source: splitmix64, written here rather than taken from `rand` because
/// renders must stay identical across dependency updates (the sequence is part of a
/// patch's sound) and it is three lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    /// The next 64 random bits.
    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform value in −1..1.
    #[inline]
    pub(crate) fn bipolar(&mut self) -> f32 {
        // 24 random bits: every value exactly representable in f32.
        ((self.next_u64() >> 40) as f32 / (1u32 << 23) as f32) - 1.0
    }
}
