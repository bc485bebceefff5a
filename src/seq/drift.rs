//! [`Drift`]: a slow, smooth random walk of the tempo within ±`amount` (a fraction: 0.03
//! is ±3 %). Stepped once per beat from the sequencer's seeded random source, so it is
//! the same for the same seed. **Real-time safe.**

/// Smooth random walk in -1..1 with inertia.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Drift {
    /// Depth: the tempo stays within `bpm · (1 ± amount)`. 0..0.25.
    pub amount: f32,
    walk: f32,
    velocity: f32,
}

/// Deepest drift allowed (±25 %).
pub const MAX_DRIFT: f32 = 0.25;

impl Drift {
    /// A walk of depth `amount` (clamped to 0..[`MAX_DRIFT`]) starting at the centre.
    pub fn new(amount: f32) -> Self {
        Drift {
            amount: amount.clamp(0.0, MAX_DRIFT),
            walk: 0.0,
            velocity: 0.0,
        }
    }

    /// One step of the walk; `uniform` is a random number in -1..1.
    pub fn step(&mut self, uniform: f32) {
        // Velocity is a leaky integral of noise, the walk an integral of velocity: the
        // tempo glides instead of jumping. Bouncing off the walls keeps it in range.
        self.velocity = (self.velocity * 0.85 + uniform * 0.05).clamp(-0.2, 0.2);
        self.walk += self.velocity;
        if self.walk.abs() > 1.0 {
            self.walk = self.walk.signum() * 2.0 - self.walk;
            self.velocity = -self.velocity;
        }
        self.walk = self.walk.clamp(-1.0, 1.0);
    }

    /// The tempo factor now: within `1 ± amount`.
    pub fn factor(&self) -> f32 {
        1.0 + self.amount * self.walk
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seq::rng::LoopRng;

    #[test]
    fn stays_within_bounds_moves_smoothly_and_repeats_per_seed() {
        let run = |seed| {
            let mut rng = LoopRng::new(seed);
            let mut d = Drift::new(0.05);
            let mut out = Vec::new();
            for _ in 0..20_000 {
                d.step(rng.bipolar());
                out.push(d.factor());
            }
            out
        };
        let a = run(3);
        assert_eq!(a, run(3));
        assert_ne!(a, run(4));
        let (lo, hi) = a
            .iter()
            .fold((2.0f32, 0.0f32), |(l, h), &f| (l.min(f), h.max(f)));
        assert!(lo >= 0.95 - 1e-6 && hi <= 1.05 + 1e-6, "{lo} .. {hi}");
        // It explores the range, not a corner of it.
        assert!(lo < 0.97 && hi > 1.03, "{lo} .. {hi}");
        // Smooth: one beat never moves the tempo more than 0.2 · amount · 2.
        let max_step = a
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(max_step <= 0.05 * 0.4 + 1e-6, "{max_step}");
    }

    #[test]
    fn zero_amount_never_moves_and_amount_is_clamped() {
        let mut d = Drift::new(0.0);
        d.step(1.0);
        assert_eq!(d.factor(), 1.0);
        assert_eq!(Drift::new(3.0).amount, MAX_DRIFT);
    }
}
