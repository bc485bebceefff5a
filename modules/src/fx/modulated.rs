//! The two parts the modulation effects share: [`DelayLine`], a power-of-two ring with
//! cubic fractional reads and an O(1) reset, and [`SineLfo`], a phase accumulator.
//!
//! [`chorus`](super::chorus), [`flanger`](super::flanger) and
//! [`ping_pong`](super::ping_pong) read their lines at times that move every sample; the
//! reads use the same Catmull-Rom taps as [`delay`](super::delay). The line is allocated by
//! [`DelayLine::allocate`] in `prepare`; everything else is real-time safe.

use super::delay::cubic_taps;
use super::flush;

/// A ring buffer read at fractional delays.
///
/// Like `delay`'s ring, [`reset`](Self::reset) does not clear the memory: it sets `written`
/// to 0, and a tap further back than what was written since reads 0, as in a zeroed line.
#[derive(Clone, Debug, Default)]
pub struct DelayLine {
    buf: Vec<f32>,
    mask: usize,
    /// Where the next sample is written; delay `j` reads `pos − j`.
    pos: usize,
    /// Samples written since the last reset, saturating at the ring's size.
    written: usize,
}

impl DelayLine {
    /// Bytes [`allocate`](Self::allocate) takes for a longest delay of `seconds`.
    pub(super) fn bytes(seconds: f32, sample_rate: f32) -> usize {
        Self::size(seconds, sample_rate) * std::mem::size_of::<f32>()
    }

    fn size(seconds: f32, sample_rate: f32) -> usize {
        ((seconds * sample_rate).ceil() as usize + 4).next_power_of_two()
    }

    /// Sizes the ring for delays up to `seconds`. **Allocates: control thread only.**
    pub(super) fn allocate(&mut self, seconds: f32, sample_rate: f32) {
        let size = Self::size(seconds, sample_rate);
        self.buf = vec![0.0; size];
        self.mask = size - 1;
        self.pos = 0;
        self.written = size;
    }

    /// True once [`allocate`](Self::allocate) ran.
    pub(super) fn is_allocated(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Largest delay in samples a read can serve.
    pub(super) fn max_delay(&self) -> f32 {
        self.buf.len().saturating_sub(3) as f32
    }

    /// The sample `d` samples back (fractional, clamped to `2..=max_delay`): a 4-point
    /// cubic read. Read before [`write`](Self::write) of the current sample.
    #[inline]
    pub(super) fn read(&self, d: f32) -> f32 {
        let (i, w) = cubic_taps(d.clamp(2.0, self.max_delay()));
        let (m, p, b) = (self.mask, self.pos, &self.buf);
        if self.written == b.len() {
            w[0] * b[p.wrapping_sub(i - 1) & m]
                + w[1] * b[p.wrapping_sub(i) & m]
                + w[2] * b[p.wrapping_sub(i + 1) & m]
                + w[3] * b[p.wrapping_sub(i + 2) & m]
        } else {
            let fresh = self.written;
            let tap = |j: usize| {
                if j <= fresh {
                    b[p.wrapping_sub(j) & m]
                } else {
                    0.0
                }
            };
            w[0] * tap(i - 1) + w[1] * tap(i) + w[2] * tap(i + 1) + w[3] * tap(i + 2)
        }
    }

    /// Writes the current sample and advances.
    #[inline]
    pub(super) fn write(&mut self, x: f32) {
        self.buf[self.pos] = flush(x);
        self.pos = (self.pos + 1) & self.mask;
        if self.written < self.buf.len() {
            self.written += 1;
        }
    }

    /// Empties the line in O(1). **Real-time safe.**
    pub(super) fn reset(&mut self) {
        self.pos = 0;
        self.written = 0;
    }
}

/// A sine LFO: phase in cycles, kept in f64 so long runs do not drift.
#[derive(Clone, Copy, Debug, Default)]
pub struct SineLfo {
    phase: f64,
}

impl SineLfo {
    /// The sine at the current phase plus `offset` cycles, then advance by `hz`.
    #[inline]
    pub(super) fn tick(&mut self, hz: f32, inv_sr: f64, offset: f64) -> f32 {
        let v = (std::f64::consts::TAU * (self.phase + offset)).sin() as f32;
        self.phase = (self.phase + hz as f64 * inv_sr).fract();
        v
    }

    /// The sine at the current phase plus `offset` cycles, without advancing.
    #[inline]
    pub(super) fn peek(&self, offset: f64) -> f32 {
        (std::f64::consts::TAU * (self.phase + offset)).sin() as f32
    }

    /// Phase 0. **Real-time safe.**
    pub(super) fn reset(&mut self) {
        self.phase = 0.0;
    }
}
