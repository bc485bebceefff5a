//! [`LoopRng`]: the sequencer's seeded random source, with a *loop lock* (deja-vu): while
//! locked to N, it replays its last N draws over and over instead of drawing new ones, so a
//! phrase it liked repeats. Unlocking resumes the seeded stream where it left off.
//!
//! Built on rand's `SmallRng` (Xoshiro256++ in rand 0.9, pinned by Cargo.lock): small,
//! fast, allocation-free and the same for the same seed. **Real-time safe.**

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Most draws a loop lock can hold.
pub const MAX_LOOP: usize = 64;

/// A seeded random source that can loop its recent history.
#[derive(Clone, Debug)]
pub struct LoopRng {
    rng: SmallRng,
    /// The last [`MAX_LOOP`] draws, ring-ordered; `written` counts all draws ever recorded.
    history: [u32; MAX_LOOP],
    written: usize,
    /// The looped draws (oldest first) while locked.
    looped: [u32; MAX_LOOP],
    loop_len: usize,
    loop_pos: usize,
}

impl LoopRng {
    /// A source seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        LoopRng {
            rng: SmallRng::seed_from_u64(seed),
            history: [0; MAX_LOOP],
            written: 0,
            looped: [0; MAX_LOOP],
            loop_len: 0,
            loop_pos: 0,
        }
    }

    /// Locks onto the last `n` draws (clamped to those made, at most [`MAX_LOOP`]); 0
    /// unlocks.
    pub fn set_loop(&mut self, n: usize) {
        let n = n.min(MAX_LOOP).min(self.written);
        for (i, slot) in self.looped[..n].iter_mut().enumerate() {
            *slot = self.history[(self.written - n + i) % MAX_LOOP];
        }
        self.loop_len = n;
        self.loop_pos = 0;
    }

    /// Length of the loop lock (0: unlocked).
    pub fn loop_len(&self) -> usize {
        self.loop_len
    }

    /// The next draw: the seeded stream, or the loop while locked.
    pub fn next_u32(&mut self) -> u32 {
        if self.loop_len > 0 {
            let v = self.looped[self.loop_pos];
            self.loop_pos = (self.loop_pos + 1) % self.loop_len;
            return v;
        }
        let v = self.rng.random::<u32>();
        self.history[self.written % MAX_LOOP] = v;
        self.written += 1;
        v
    }

    /// Uniform in 0..1.
    pub fn unit(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 / (1u32 << 24) as f32
    }

    /// Uniform in -1..1.
    pub fn bipolar(&mut self) -> f32 {
        self.unit() * 2.0 - 1.0
    }

    /// Uniform integer in 0..n (n > 0).
    pub fn below(&mut self, n: u32) -> u32 {
        ((self.next_u32() as u64 * n.max(1) as u64) >> 32) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_other_seed_other_stream() {
        let draw = |seed| {
            let mut r = LoopRng::new(seed);
            (0..100).map(|_| r.next_u32()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn loop_lock_replays_the_last_n_draws_and_unlock_resumes() {
        let mut r = LoopRng::new(1);
        let first: Vec<u32> = (0..10).map(|_| r.next_u32()).collect();
        r.set_loop(4);
        let looped: Vec<u32> = (0..12).map(|_| r.next_u32()).collect();
        let tail = &first[6..];
        assert_eq!(looped, [tail, tail, tail].concat());
        r.set_loop(0);
        let mut fresh = LoopRng::new(1);
        let expect: Vec<u32> = (0..12).map(|_| fresh.next_u32()).collect();
        assert_eq!(
            r.next_u32(),
            expect[10],
            "the stream resumes where it stopped"
        );
    }

    #[test]
    fn ranges_hold() {
        let mut r = LoopRng::new(9);
        for _ in 0..10_000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(r.below(5) < 5);
        }
        assert_eq!(LoopRng::new(0).loop_len(), 0);
    }
}
