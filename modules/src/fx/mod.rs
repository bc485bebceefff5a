//! Effects: [`delay`] (feedback echo) and [`reverb`] (stereo feedback delay network), the
//! modulation effects [`chorus`], [`flanger`], [`phaser`] and the stereo [`ping_pong`] echo
//! (sharing [`modulated`]'s delay line and LFO), the lusher [`plate`] reverb (Dattorro),
//! and the two small helpers all use (flushing tiny values, the dry/wet mix).
//!
//! Both own delay memory, which is allocated in `prepare` (sized from the sample rate and
//! the longest time the params allow) and only read and written afterwards: `process` and
//! `reset` never allocate, lock, log or block.
//!
//! Why not fundsp here:
//! - `reverb_stereo` fixes its reverb time when it is built; changing `time` live would mean
//!   building a new unit (allocating) on the audio thread. Our FDN recomputes 16
//!   coefficients instead.
//! - `tap` does give a variable-time cubic read, but an echo needs it inside a feedback
//!   loop, and fundsp's `feedback` adds one sample of delay to the loop (echo `n` would come
//!   `n·time + n − 1` samples late) and ticks the enclosed graph sample by sample. A ring
//!   buffer with a 4-point read is a few lines and keeps echoes exactly `time` apart.

pub mod chorus;
pub mod delay;
pub mod flanger;
pub mod modulated;
pub mod phaser;
pub mod ping_pong;
pub mod plate;
pub mod reverb;

#[cfg(test)]
mod modulation_tests;
#[cfg(test)]
mod tests;

/// Values smaller than this in a feedback path are set to 0, so decaying tails end in true
/// silence instead of crawling through (slow) subnormal floats.
pub(super) const FLUSH: f32 = 1e-20;

#[inline]
pub(super) fn flush(x: f32) -> f32 {
    if x.abs() < FLUSH {
        0.0
    } else {
        x
    }
}

/// `dry × (1 − mix) + wet × mix`: the output of both effects.
#[inline]
pub(super) fn dry_wet(dry: f32, wet: f32, mix: f32) -> f32 {
    dry * (1.0 - mix) + wet * mix
}
