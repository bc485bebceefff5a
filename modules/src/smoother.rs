//! Parameter smoothing: [`Smoothing`] names a glide style in a
//! [`ParamSpec`](crate::ParamSpec); [`Smoother`] is the per-parameter state that fills one block of
//! values at a time.
//!
//! Every style takes the same time to arrive (except `None`, which jumps):
//! - `Linear(ms)`: equal steps; lands exactly on the target after `ms`.
//! - `Exponential(ms)`: a one-pole glide (fast start, slow finish) whose coefficient puts it
//!   at 99.9 % of the way after `ms`; at that moment it snaps to the target, so it always
//!   settles (a plain one-pole never does).
//! - `Logarithmic(ms)`: equal *ratios* per sample, so a frequency sweep sounds even; lands
//!   exactly on the target after `ms`. Ratios cannot cross or touch zero: a move from or to a
//!   value `<= 0` (or between values of opposite sign) glides linearly over the same time
//!   instead.
//!
//! Retargeting in the middle of a glide starts the new glide from the current value, so the
//! output stays continuous. [`Smoother::fill`] writes a whole block with one tight loop per
//! phase and no branch per sample; a settled smoother just fills a constant.

/// How a parameter glides to a new value. Times are in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Smoothing {
    /// Jump immediately (times, switches, enum choices).
    None,
    /// Equal steps over the given time (gains, mixes).
    Linear(f32),
    /// One-pole glide reaching 99.9 % in the given time, then snapping to the target.
    Exponential(f32),
    /// Equal ratios over the given time (frequencies); see the module doc for zero.
    Logarithmic(f32),
}

impl Smoothing {
    /// Glide time in milliseconds (0 for `None`).
    pub fn time_ms(self) -> f32 {
        match self {
            Smoothing::None => 0.0,
            Smoothing::Linear(ms) | Smoothing::Exponential(ms) | Smoothing::Logarithmic(ms) => ms,
        }
    }

    /// Short description for tables: `log 20 ms`, `none`.
    pub fn describe(self) -> String {
        match self {
            Smoothing::None => "none".to_string(),
            Smoothing::Linear(ms) => format!("linear {ms} ms"),
            Smoothing::Exponential(ms) => format!("exp {ms} ms"),
            Smoothing::Logarithmic(ms) => format!("log {ms} ms"),
        }
    }
}

/// The glide in progress.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Glide {
    /// At the target.
    Settled,
    /// `value += step` per sample.
    Add(f32),
    /// `value *= step` per sample.
    Multiply(f32),
    /// `value += (target - value) * step` per sample.
    Approach(f32),
}

/// Per-parameter smoothing state. Creating one and [`set_sample_rate`](Self::set_sample_rate)
/// may be done anywhere; [`set_target`](Self::set_target), [`jump`](Self::jump) and
/// [`fill`](Self::fill) are real-time safe (no allocation, no locks).
#[derive(Clone, Debug, PartialEq)]
pub struct Smoother {
    style: Smoothing,
    /// Glide length in samples at the current sample rate (at least 1 when smoothing).
    glide_samples: u32,
    value: f32,
    target: f32,
    remaining: u32,
    glide: Glide,
}

impl Smoother {
    /// A settled smoother at `value`.
    pub fn new(style: Smoothing, sample_rate: f32, value: f32) -> Self {
        let mut s = Smoother {
            style,
            glide_samples: 0,
            value,
            target: value,
            remaining: 0,
            glide: Glide::Settled,
        };
        s.set_sample_rate(sample_rate);
        s
    }

    /// Recomputes the glide length for a sample rate. Settles any glide in progress.
    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        let samples = (self.style.time_ms() * 0.001 * sample_rate).round();
        self.glide_samples = if matches!(self.style, Smoothing::None) {
            0
        } else {
            samples.max(1.0) as u32
        };
        self.jump(self.target);
    }

    /// The value most recently written by [`fill`](Self::fill) (or set by `jump`).
    #[inline]
    pub fn value(&self) -> f32 {
        self.value
    }

    /// Where the glide is going.
    pub fn target(&self) -> f32 {
        self.target
    }

    /// True when the value has arrived at the target.
    #[inline]
    pub fn is_settled(&self) -> bool {
        self.glide == Glide::Settled
    }

    /// Sets the value and target at once, with no glide.
    pub fn jump(&mut self, value: f32) {
        self.value = value;
        self.target = value;
        self.remaining = 0;
        self.glide = Glide::Settled;
    }

    /// Starts a glide from the current value to `target`.
    pub fn set_target(&mut self, target: f32) {
        self.target = target;
        if self.glide_samples == 0 || target == self.value {
            self.jump(target);
            return;
        }
        let n = self.glide_samples;
        let from = self.value;
        self.remaining = n;
        self.glide = match self.style {
            Smoothing::None => Glide::Settled,
            Smoothing::Linear(_) => Glide::Add((target - from) / n as f32),
            Smoothing::Exponential(_) => {
                // (1 - c)^n = 0.001: 99.9 % of the way after n samples.
                Glide::Approach(1.0 - 0.001f32.powf(1.0 / n as f32))
            }
            Smoothing::Logarithmic(_) => {
                if from > 0.0 && target > 0.0 || from < 0.0 && target < 0.0 {
                    Glide::Multiply((target / from).powf(1.0 / n as f32))
                } else {
                    Glide::Add((target - from) / n as f32)
                }
            }
        };
    }

    /// Fills `out` with the next `out.len()` values. Returns `true` when every value written
    /// is the same (the parameter is constant over the block), which lets modules skip
    /// per-sample work such as coefficient updates.
    pub fn fill(&mut self, out: &mut [f32]) -> bool {
        if self.glide == Glide::Settled {
            out.fill(self.value);
            return true;
        }
        let gliding = (self.remaining as usize).min(out.len());
        let (head, tail) = out.split_at_mut(gliding);
        let mut v = self.value;
        match self.glide {
            Glide::Settled => {}
            Glide::Add(step) => {
                for x in head.iter_mut() {
                    v += step;
                    *x = v;
                }
            }
            Glide::Multiply(ratio) => {
                for x in head.iter_mut() {
                    v *= ratio;
                    *x = v;
                }
            }
            Glide::Approach(coeff) => {
                let target = self.target;
                for x in head.iter_mut() {
                    v += (target - v) * coeff;
                    *x = v;
                }
            }
        }
        self.remaining -= gliding as u32;
        if self.remaining == 0 {
            // Arrive exactly: rounding in the loop must not leave us a hair off target.
            v = self.target;
            if let Some(last) = head.last_mut() {
                *last = v;
            }
            self.glide = Glide::Settled;
        }
        self.value = v;
        tail.fill(v);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: f32 = 48_000.0;

    /// Runs a smoother for `n` samples in blocks of `block`, returning every value.
    fn run(s: &mut Smoother, n: usize, block: usize) -> Vec<f32> {
        let mut out = vec![0.0; n];
        for chunk in out.chunks_mut(block) {
            s.fill(chunk);
        }
        out
    }

    #[test]
    fn none_jumps_immediately() {
        let mut s = Smoother::new(Smoothing::None, SR, 1.0);
        s.set_target(5.0);
        let v = run(&mut s, 4, 4);
        assert_eq!(v, vec![5.0; 4]);
        assert!(s.is_settled());
    }

    #[test]
    fn linear_lands_exactly_on_target_after_its_time() {
        // 10 ms at 48 kHz = 480 samples.
        let mut s = Smoother::new(Smoothing::Linear(10.0), SR, 0.0);
        s.set_target(1.0);
        let v = run(&mut s, 600, 64);
        assert!(v[478] < 1.0);
        assert_eq!(v[479], 1.0, "sample 480 is exactly the target");
        assert!(v[480..].iter().all(|&x| x == 1.0));
        // Equal steps.
        let d1 = v[1] - v[0];
        let d2 = v[300] - v[299];
        assert!((d1 - d2).abs() < 1e-6);
    }

    #[test]
    fn exponential_reaches_99_9_percent_within_its_time_then_snaps() {
        let mut s = Smoother::new(Smoothing::Exponential(10.0), SR, 0.0);
        s.set_target(1.0);
        let v = run(&mut s, 600, 64);
        // Fast start: a quarter of the way in, well past a quarter of the distance.
        assert!(v[119] > 0.7);
        assert!(v[478] >= 0.998 && v[478] < 1.0, "{}", v[478]);
        assert_eq!(v[479], 1.0);
        assert!(s.is_settled());
    }

    #[test]
    fn logarithmic_moves_in_equal_ratios() {
        let mut s = Smoother::new(Smoothing::Logarithmic(10.0), SR, 100.0);
        s.set_target(1600.0);
        let v = run(&mut s, 480, 7);
        let r1 = v[1] / v[0];
        let r2 = v[400] / v[399];
        assert!((r1 - r2).abs() < 1e-4, "{r1} vs {r2}");
        // Halfway in time = geometric middle (400 Hz), not arithmetic (850 Hz).
        assert!((v[239] - 400.0).abs() < 1.0, "{}", v[239]);
        assert_eq!(v[479], 1600.0);
    }

    #[test]
    fn logarithmic_to_or_from_zero_glides_linearly() {
        let mut s = Smoother::new(Smoothing::Logarithmic(1.0), SR, 0.0);
        s.set_target(48.0);
        let v = run(&mut s, 48, 64);
        assert!((v[0] - 1.0).abs() < 1e-5);
        assert!((v[23] - 24.0).abs() < 1e-4);
        assert_eq!(v[47], 48.0);
        s.set_target(0.0);
        let v = run(&mut s, 48, 64);
        assert_eq!(v[47], 0.0);
        assert!(v.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn retargeting_mid_ramp_is_continuous() {
        for style in [
            Smoothing::Linear(10.0),
            Smoothing::Exponential(10.0),
            Smoothing::Logarithmic(10.0),
        ] {
            let mut s = Smoother::new(style, SR, 100.0);
            s.set_target(1000.0);
            let mut v = run(&mut s, 200, 64);
            s.set_target(200.0);
            v.extend(run(&mut s, 600, 64));
            let max_step = v
                .windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(0.0, f32::max);
            // The largest step of the first glide bounds every step: no jump at the retarget.
            assert!(max_step < 900.0 / 480.0 * 8.0, "{style:?}: {max_step}");
            assert_eq!(*v.last().unwrap(), 200.0, "{style:?}");
        }
    }

    #[test]
    fn block_size_does_not_change_the_glide() {
        for style in [
            Smoothing::Linear(5.0),
            Smoothing::Exponential(5.0),
            Smoothing::Logarithmic(5.0),
        ] {
            let mut a = Smoother::new(style, SR, 50.0);
            let mut b = a.clone();
            a.set_target(5000.0);
            b.set_target(5000.0);
            let va = run(&mut a, 500, 1);
            let vb = run(&mut b, 500, 64);
            assert_eq!(va, vb, "{style:?}");
        }
    }

    #[test]
    fn fill_reports_constant_blocks() {
        let mut s = Smoother::new(Smoothing::Linear(1.0), SR, 0.0);
        let mut buf = [0.0; 64];
        assert!(s.fill(&mut buf));
        s.set_target(1.0);
        assert!(!s.fill(&mut buf));
        assert!(s.fill(&mut buf));
        assert_eq!(buf, [1.0; 64]);
    }

    #[test]
    fn sample_rate_changes_glide_length() {
        let mut s = Smoother::new(Smoothing::Linear(10.0), 96_000.0, 0.0);
        s.set_target(1.0);
        let v = run(&mut s, 1000, 64);
        assert!(v[958] < 1.0);
        assert_eq!(v[959], 1.0);
    }
}
