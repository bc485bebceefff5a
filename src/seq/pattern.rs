//! [`Pattern`]: the steps of one track, and the global **density** gate.
//!
//! Density thins a pattern in a *stable order*: every step position has a fixed rank
//! (a seeded permutation), and at density `d` a pattern of `L` steps plays the steps whose
//! rank among the first `L` positions is below `round(d · L)`. Lowering the density drops
//! the highest ranks first; raising it back restores exactly the same steps.
//! **Real-time safe** (fixed arrays; [`Pattern::set_len`] recomputes ranks in place).

use super::rng::LoopRng;
use crate::patch::{MAX_GATE, MAX_STEPS, MIN_GATE};

/// One step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// Plays a note (false: a rest).
    pub on: bool,
    /// Scale degree from the track's base note.
    pub degree: i8,
    /// 0..1.
    pub velocity: f32,
    /// Note length as a fraction of the step, 0.05..4 (above 1: ties over the next steps).
    pub gate: f32,
    /// Chance the step plays when it comes, 0..1.
    pub probability: f32,
}

impl Default for Step {
    fn default() -> Self {
        Step {
            on: false,
            degree: 0,
            velocity: 0.8,
            gate: 0.5,
            probability: 1.0,
        }
    }
}

impl Step {
    /// A note step.
    pub fn note(degree: i8, velocity: f32, gate: f32, probability: f32) -> Step {
        Step {
            on: true,
            degree,
            velocity: velocity.clamp(0.0, 1.0),
            gate: gate.clamp(MIN_GATE, MAX_GATE),
            probability: probability.clamp(0.0, 1.0),
        }
    }
}

/// Up to 64 steps and their density ranks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pattern {
    /// Step data; only the first `len` play.
    pub steps: [Step; MAX_STEPS],
    len: usize,
    /// Seeded permutation of the 64 positions: lower thins later.
    order: [u8; MAX_STEPS],
    /// Rank of each position among the first `len` (from `order`).
    rank: [u8; MAX_STEPS],
}

impl Pattern {
    /// An empty pattern of `len` steps whose thinning order comes from `seed`.
    pub fn new(len: usize, seed: u64) -> Pattern {
        let mut order: [u8; MAX_STEPS] = std::array::from_fn(|i| i as u8);
        let mut rng = LoopRng::new(seed);
        for i in (1..MAX_STEPS).rev() {
            order.swap(i, rng.below(i as u32 + 1) as usize);
        }
        let mut p = Pattern {
            steps: [Step::default(); MAX_STEPS],
            len: 0,
            order,
            rank: [0; MAX_STEPS],
        };
        p.set_len(len);
        p
    }

    /// Number of steps that play (1–64).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never true (a pattern has at least one step); for clippy's `len` convention.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sets the length (clamped to 1–64); steps past it keep their data for later.
    pub fn set_len(&mut self, len: usize) {
        self.len = len.clamp(1, MAX_STEPS);
        let mut r = 0u8;
        for &pos in &self.order {
            if (pos as usize) < self.len {
                self.rank[pos as usize] = r;
                r += 1;
            }
        }
    }

    /// True when step `i` passes the density gate at `density` (0..1).
    pub fn dense_enough(&self, i: usize, density: f32) -> bool {
        let kept = (density.clamp(0.0, 1.0) * self.len as f32).round() as u8;
        i < self.len && self.rank[i] < kept
    }

    /// Sets the hits of a Euclidean mask, giving hit number `h` the degree
    /// `degrees[h % degrees.len()]` (0 when empty); other steps become rests.
    pub fn fill_euclid(&mut self, bits: u64, n: usize, degrees: &[i8], template: Step) {
        self.set_len(n);
        let mut h = 0;
        for (i, s) in self.steps.iter_mut().enumerate() {
            if i < self.len && bits >> i & 1 == 1 {
                let degree = if degrees.is_empty() {
                    0
                } else {
                    degrees[h % degrees.len()]
                };
                *s = Step {
                    on: true,
                    degree,
                    ..template
                };
                h += 1;
            } else {
                s.on = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seq::euclid::euclid;

    fn full(len: usize, seed: u64) -> Pattern {
        let mut p = Pattern::new(len, seed);
        for (i, s) in p.steps.iter_mut().enumerate() {
            *s = Step::note(i as i8, 0.8, 0.5, 1.0);
        }
        p
    }

    fn playing(p: &Pattern, d: f32) -> Vec<usize> {
        (0..p.len()).filter(|&i| p.dense_enough(i, d)).collect()
    }

    #[test]
    fn density_thins_in_a_stable_order_and_restores_the_same_steps() {
        let p = full(16, 5);
        let mut previous = playing(&p, 1.0);
        assert_eq!(previous.len(), 16);
        // Going down, each level is a subset of the one above.
        for k in (0..16).rev() {
            let d = k as f32 / 16.0;
            let now = playing(&p, d);
            assert_eq!(now.len(), k);
            assert!(
                now.iter().all(|i| previous.contains(i)),
                "{now:?} ⊄ {previous:?}"
            );
            previous = now;
        }
        // Back up: exactly the same sets.
        let at_half = playing(&p, 0.5);
        let _ = playing(&p, 0.1);
        assert_eq!(playing(&p, 0.5), at_half);
        // Another seed thins in another order.
        assert_ne!(playing(&full(16, 6), 0.5), at_half);
    }

    #[test]
    fn default_density_of_an_8_step_pattern_keeps_7() {
        assert_eq!(playing(&full(8, 1), 0.85).len(), 7);
    }

    #[test]
    fn length_is_clamped_and_ranks_follow_it() {
        let mut p = full(8, 2);
        p.set_len(0);
        assert_eq!(p.len(), 1);
        p.set_len(100);
        assert_eq!(p.len(), 64);
        p.set_len(5);
        let mut ranks: Vec<u8> = p.rank[..5].to_vec();
        ranks.sort();
        assert_eq!(ranks, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn euclid_fill_cycles_degrees_over_the_hits() {
        let mut p = Pattern::new(8, 0);
        p.fill_euclid(euclid(3, 8, 0), 8, &[0, 4], Step::note(0, 0.7, 0.5, 1.0));
        let on: Vec<(usize, i8)> = (0..8)
            .filter(|&i| p.steps[i].on)
            .map(|i| (i, p.steps[i].degree))
            .collect();
        assert_eq!(on, vec![(0, 0), (3, 4), (6, 0)]);
        assert_eq!(p.len(), 8);
    }
}
