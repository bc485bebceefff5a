//! [`Mutator`]: every `[min, max]` seconds (uniformly random), up to
//! `max_changes_per_cycle` small changes, each in a category picked by weight (step
//! degrees, velocities, probabilities, density, swing, patch params), each bounded by
//! `max_delta` of the value's range and clamped to it. `chaos_lock` freezes it (cycles
//! still come and go, changing nothing). Every change is reported as a [`Change`].
//! **Real-time safe.**

use super::pattern::Pattern;
use super::rng::LoopRng;
use super::swing::MAX_SWING;
use crate::patch::{MutationConfig, MutationWeights};

/// What a change touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// A step's scale degree.
    Notes,
    /// A step's velocity.
    Velocity,
    /// A step's probability.
    Probability,
    /// Global density.
    Density,
    /// Swing.
    Swing,
    /// A patch param.
    Param,
}

impl Category {
    /// Every category, in weight order.
    pub const ALL: [Category; 6] = [
        Category::Notes,
        Category::Velocity,
        Category::Probability,
        Category::Density,
        Category::Swing,
        Category::Param,
    ];

    /// Name in logs and cues.
    pub fn name(self) -> &'static str {
        match self {
            Category::Notes => "notes",
            Category::Velocity => "velocity",
            Category::Probability => "probability",
            Category::Density => "density",
            Category::Swing => "swing",
            Category::Param => "param",
        }
    }
}

/// One change made by a cycle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// What.
    pub category: Category,
    /// Track (notes/velocity/probability) or param index (param); 0 otherwise.
    pub target: u8,
    /// Step index (notes/velocity/probability); 0 otherwise.
    pub step: u8,
    /// Value before.
    pub from: f32,
    /// Value after (clamped).
    pub to: f32,
}

/// A value with its range (a mutable patch param).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounded {
    /// Current value.
    pub value: f32,
    /// Lowest.
    pub min: f32,
    /// Highest.
    pub max: f32,
}

/// What the mutator may change.
pub trait Mutable {
    /// Number of tracks.
    fn track_count(&self) -> usize;
    /// A track's pattern.
    fn pattern(&mut self, track: usize) -> &mut Pattern;
    /// Global density (0..1).
    fn density(&mut self) -> &mut f32;
    /// Swing (0..0.75).
    fn swing(&mut self) -> &mut f32;
    /// Number of patch params it may touch.
    fn param_count(&self) -> usize;
    /// Patch param `i` (< `param_count`).
    fn param(&mut self, i: usize) -> &mut Bounded;
}

/// Most changes per cycle.
pub const MAX_CHANGES: usize = 16;
/// Degrees stay within ± this.
pub const MAX_DEGREE: i32 = 24;
/// Lowest density a mutation leaves (it thins, never silences).
pub const MIN_MUTATED_DENSITY: f32 = 0.1;

/// The mutation engine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mutator {
    min_interval: u64,
    max_interval: u64,
    max_changes: u32,
    max_delta: f32,
    weights: [f32; 6],
    next_at: u64,
    /// Chaos lock: cycles change nothing.
    pub locked: bool,
}

impl Mutator {
    /// A mutator whose first cycle is drawn from `rng` after `now`.
    pub fn new(config: &MutationConfig, sample_rate: f32, now: u64, rng: &mut LoopRng) -> Self {
        let s = |secs: f32| (secs.max(0.0) as f64 * sample_rate as f64).round() as u64;
        let MutationWeights {
            notes,
            velocity,
            probability,
            density,
            swing,
            params,
        } = config.weights;
        let mut m = Mutator {
            min_interval: s(config.min_interval).max(1),
            max_interval: s(config.max_interval.max(config.min_interval)).max(1),
            max_changes: config.max_changes_per_cycle.min(MAX_CHANGES as u32),
            max_delta: config.max_delta.clamp(0.0, 0.5),
            weights: [notes, velocity, probability, density, swing, params].map(|w| w.max(0.0)),
            next_at: 0,
            locked: false,
        };
        m.schedule(now, rng);
        m
    }

    /// Sample time of the next cycle.
    pub fn next_at(&self) -> u64 {
        self.next_at
    }

    /// Draws the next cycle's time after `now` (also when a conductor starts late, or a
    /// new piece takes over).
    pub fn schedule(&mut self, now: u64, rng: &mut LoopRng) {
        let span = (self.max_interval - self.min_interval) as f64;
        self.next_at = now + self.min_interval + (rng.unit() as f64 * span) as u64;
    }

    /// Runs the cycle due at `now` (call when `now >= next_at()`): writes the changes made
    /// into `out` and returns how many, then schedules the next cycle.
    pub fn cycle(
        &mut self,
        now: u64,
        rng: &mut LoopRng,
        target: &mut dyn Mutable,
        out: &mut [Change; MAX_CHANGES],
    ) -> usize {
        let mut n = 0;
        if !self.locked && self.max_changes > 0 {
            let count = 1 + rng.below(self.max_changes) as usize;
            for _ in 0..count {
                if let Some(c) = self.change(rng, target) {
                    out[n] = c;
                    n += 1;
                }
            }
        }
        self.schedule(now, rng);
        n
    }

    /// Picks a category by weight among those with something to change.
    fn pick(&self, rng: &mut LoopRng, target: &mut dyn Mutable) -> Option<Category> {
        let tracks = target.track_count() > 0;
        let params = target.param_count() > 0;
        let usable = |c: Category| match c {
            Category::Notes | Category::Velocity | Category::Probability => tracks,
            Category::Param => params,
            Category::Density | Category::Swing => true,
        };
        let total: f32 = Category::ALL
            .iter()
            .zip(self.weights)
            .filter(|(c, _)| usable(**c))
            .map(|(_, w)| w)
            .sum();
        if total <= 0.0 {
            return None;
        }
        let mut x = rng.unit() * total;
        for (c, w) in Category::ALL.iter().zip(self.weights) {
            if !usable(*c) || w <= 0.0 {
                continue;
            }
            if x < w {
                return Some(*c);
            }
            x -= w;
        }
        Category::ALL.iter().rev().copied().find(|c| usable(*c))
    }

    fn change(&self, rng: &mut LoopRng, target: &mut dyn Mutable) -> Option<Change> {
        let category = self.pick(rng, target)?;
        let d = rng.bipolar() * self.max_delta;
        let nudge = |v: &mut f32, lo: f32, hi: f32| {
            let from = *v;
            *v = (from + d * (hi - lo)).clamp(lo, hi);
            (from, *v)
        };
        let (mut t, mut s) = (0u8, 0u8);
        let (from, to) = match category {
            Category::Notes | Category::Velocity | Category::Probability => {
                let track = rng.below(target.track_count() as u32) as usize;
                let p = target.pattern(track);
                let step = rng.below(p.len() as u32) as usize;
                (t, s) = (track as u8, step as u8);
                let st = &mut p.steps[step];
                match category {
                    Category::Notes => {
                        // ±1 or ±2 degrees: the sign and size come from d.
                        let by = if d.abs() > self.max_delta / 2.0 { 2 } else { 1 };
                        let by = if d < 0.0 { -by } else { by };
                        let from = st.degree;
                        st.degree = (from as i32 + by).clamp(-MAX_DEGREE, MAX_DEGREE) as i8;
                        (from as f32, st.degree as f32)
                    }
                    Category::Velocity => nudge(&mut st.velocity, 0.05, 1.0),
                    _ => nudge(&mut st.probability, 0.0, 1.0),
                }
            }
            Category::Density => nudge(target.density(), MIN_MUTATED_DENSITY, 1.0),
            Category::Swing => nudge(target.swing(), 0.0, MAX_SWING),
            Category::Param => {
                let k = rng.below(target.param_count() as u32) as usize;
                t = k as u8;
                let b = target.param(k);
                nudge(&mut b.value, b.min, b.max)
            }
        };
        Some(Change {
            category,
            target: t,
            step: s,
            from,
            to,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seq::pattern::Step;

    struct Target {
        patterns: Vec<Pattern>,
        density: f32,
        swing: f32,
        params: Vec<Bounded>,
    }

    impl Mutable for Target {
        fn track_count(&self) -> usize {
            self.patterns.len()
        }
        fn pattern(&mut self, track: usize) -> &mut Pattern {
            &mut self.patterns[track]
        }
        fn density(&mut self) -> &mut f32 {
            &mut self.density
        }
        fn swing(&mut self) -> &mut f32 {
            &mut self.swing
        }
        fn param_count(&self) -> usize {
            self.params.len()
        }
        fn param(&mut self, i: usize) -> &mut Bounded {
            &mut self.params[i]
        }
    }

    fn target() -> Target {
        let mut p = Pattern::new(8, 1);
        for (i, s) in p.steps.iter_mut().enumerate() {
            *s = Step::note(i as i8, 0.8, 0.5, 0.9);
        }
        Target {
            patterns: vec![p, p],
            density: 0.85,
            swing: 0.12,
            params: vec![Bounded {
                value: 1_000.0,
                min: 20.0,
                max: 20_000.0,
            }],
        }
    }

    const SR: f32 = 1_000.0;

    /// An output array for `Mutator::cycle`.
    fn no_changes() -> [Change; MAX_CHANGES] {
        [Change {
            category: Category::Swing,
            target: 0,
            step: 0,
            from: 0.0,
            to: 0.0,
        }; MAX_CHANGES]
    }

    #[test]
    fn intervals_fall_within_min_max_and_changes_stay_bounded_and_clamped() {
        let config = MutationConfig::default();
        let mut rng = LoopRng::new(11);
        let mut m = Mutator::new(&config, SR, 0, &mut rng);
        let mut t = target();
        let mut out = no_changes();
        let (mut now, mut seen) = (0u64, [false; 6]);
        for _ in 0..2_000 {
            let next = m.next_at();
            let gap = next - now;
            assert!((120_000..=240_000).contains(&gap), "interval {gap} ms");
            now = next;
            let n = m.cycle(now, &mut rng, &mut t, &mut out);
            assert!((1..=2).contains(&n), "{n} changes (max 2)");
            for c in &out[..n] {
                seen[Category::ALL.iter().position(|x| *x == c.category).unwrap()] = true;
                let delta = (c.to - c.from).abs();
                let (lo, hi, range) = match c.category {
                    Category::Notes => {
                        assert!(delta == 0.0 || delta == 1.0 || delta == 2.0, "{c:?}");
                        (-24.0, 24.0, f32::INFINITY)
                    }
                    Category::Velocity => (0.05, 1.0, 0.95),
                    Category::Probability => (0.0, 1.0, 1.0),
                    Category::Density => (0.1, 1.0, 0.9),
                    Category::Swing => (0.0, 0.75, 0.75),
                    Category::Param => (20.0, 20_000.0, 19_980.0),
                };
                assert!(delta <= 0.1 * range * 1.0001, "{c:?} moved {delta}");
                assert!((lo..=hi).contains(&c.to), "{c:?} out of {lo}..{hi}");
            }
        }
        assert!(
            seen.iter().all(|s| *s),
            "every category was picked: {seen:?}"
        );
        assert!((0.1..=1.0).contains(&t.density) && (0.0..=0.75).contains(&t.swing));
    }

    #[test]
    fn chaos_lock_freezes_and_zero_weight_disables_a_category() {
        let config = MutationConfig {
            weights: MutationWeights {
                notes: 0.0,
                velocity: 0.0,
                probability: 0.0,
                density: 0.0,
                swing: 1.0,
                params: 0.0,
            },
            ..MutationConfig::default()
        };
        let mut rng = LoopRng::new(3);
        let mut m = Mutator::new(&config, SR, 0, &mut rng);
        let mut t = target();
        let mut out = no_changes();
        m.locked = true;
        let before = (t.patterns.clone(), t.density, t.swing);
        for _ in 0..50 {
            let at = m.next_at();
            assert_eq!(m.cycle(at, &mut rng, &mut t, &mut out), 0);
        }
        assert_eq!((t.patterns.clone(), t.density, t.swing), before);
        m.locked = false;
        let at = m.next_at();
        let n = m.cycle(at, &mut rng, &mut t, &mut out);
        assert!(n >= 1 && out[..n].iter().all(|c| c.category == Category::Swing));
    }

    #[test]
    fn loop_lock_replays_the_same_decisions() {
        let config = MutationConfig::default();
        let mut rng = LoopRng::new(5);
        let mut m = Mutator::new(&config, SR, 0, &mut rng);
        let mut t = target();
        let mut out = no_changes();
        // Warm up, then lock onto the draws of exactly one cycle pattern.
        for _ in 0..10 {
            let at = m.next_at();
            m.cycle(at, &mut rng, &mut t, &mut out);
        }
        rng.set_loop(16);
        let mut decisions = Vec::new();
        for _ in 0..64 {
            let at = m.next_at();
            let n = m.cycle(at, &mut rng, &mut t, &mut out);
            decisions.extend(out[..n].iter().map(|c| (c.category, c.target, c.step)));
            decisions.push((Category::Notes, 255, 255)); // cycle separator
        }
        // 16 looped draws over cycles of fixed draw counts: the decision stream repeats.
        let text: Vec<_> = decisions.iter().map(|d| format!("{d:?}")).collect();
        let joined = text.join(",");
        let period = (1..=32).find(|&p| {
            let seps: Vec<usize> = decisions
                .iter()
                .enumerate()
                .filter(|(_, d)| d.1 == 255)
                .map(|(i, _)| i)
                .collect();
            let cycles: Vec<&[(Category, u8, u8)]> = seps
                .windows(2)
                .map(|w| &decisions[w[0] + 1..w[1]])
                .collect();
            cycles.len() > 16 + 2 * p && (16..cycles.len() - p).all(|i| cycles[i] == cycles[i + p])
        });
        assert!(period.is_some(), "no repetition in {joined}");
    }
}
