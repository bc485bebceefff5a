//! The state-variable filter four samples at a time, for blocks whose cutoff and q hold
//! still.
//!
//! One sample of Simper's SVF (`SvfMode::tick` in the parent module) is linear in
//! its state `s = (ic1eq, ic2eq)` and its input `x`:
//!
//! ```text
//! s' = A s + B x      A = [[2a1 - 1, -2a2], [2a2, 1 - 2a3]],  B = [2a2, 2a3]
//! y  = C s + D x      C = [m1 a1 + m2 a2, m2 (1 - a3) - m1 a2],  D = m0 + m1 a2 + m2 a3
//! ```
//!
//! so four samples are too: `y[j] = C Aʲ s + Σₖ₍ₖ<ⱼ₎ C Aʲ⁻¹⁻ᵏ B x[k] + D x[j]` and
//! `s'''' = A⁴ s + Σₖ A³⁻ᵏ B x[k]`. Computed that way, the four outputs are independent
//! multiply-adds (one 4-lane vector each, on SSE2 and NEON alike), and the serial chain
//! through the state is one 2×2 matrix step per four samples instead of three dependent
//! multiply-adds per sample, which is what limited the per-sample loop (about 7 ns per
//! sample on the bench machine).
//!
//! The state is the same `(ic1eq, ic2eq)` as the per-sample loop's, so hand-over, reset
//! and a change of path between blocks are seamless. The matrices are computed in `f64`
//! once per coefficient change. The outputs differ from the per-sample loop's only by
//! rounding (a few units in the last place of the state's magnitude; the tests bound it),
//! and the form is only used when its rounded `A⁴` is stable with a margin (always so
//! for the parameter ranges, `q ≤ 20` and `cutoff ≥ 20 Hz`, where `|z|⁴ ≤ 1 - 5e-4`).

use super::svf::SvfCoeffs;

/// The four-sample form of one set of [`SvfCoeffs`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct SvfBlock {
    /// `state[i]`'s weight in output `j`: `(C Aʲ)ᵢ`.
    from_state: [[f32; 4]; 2],
    /// `x[k]`'s weight in output `j`: `D` for `j = k`, `C Aʲ⁻¹⁻ᵏ B` for `j > k`, else 0.
    from_input: [[f32; 4]; 4],
    /// `A⁴`, row by row.
    step: [[f32; 2]; 2],
    /// `x[k]`'s weight in the next state `i`: `(A³⁻ᵏ B)ᵢ`.
    next_from_input: [[f32; 4]; 2],
}

/// The largest `det A⁴` (the fourth power of the poles' squared radius) the form is used
/// for; closer to the unit circle, the per-sample loop runs instead.
const MAX_DET: f64 = 1.0 - 1e-6;

type Mat = [[f64; 2]; 2];

fn mul(a: &Mat, b: &Mat) -> Mat {
    std::array::from_fn(|i| std::array::from_fn(|j| a[i][0] * b[0][j] + a[i][1] * b[1][j]))
}

fn apply(a: &Mat, v: [f64; 2]) -> [f64; 2] {
    [
        a[0][0] * v[0] + a[0][1] * v[1],
        a[1][0] * v[0] + a[1][1] * v[1],
    ]
}

impl SvfBlock {
    /// The four-sample form of `c`, or `None` when its rounded `A⁴` is not safely stable
    /// (then the per-sample loop is used).
    pub(super) fn new(c: &SvfCoeffs) -> Option<Self> {
        let [a1, a2, a3, m0, m1, m2] = [c.a1, c.a2, c.a3, c.m0, c.m1, c.m2].map(f64::from);
        let a: Mat = [[2.0 * a1 - 1.0, -2.0 * a2], [2.0 * a2, 1.0 - 2.0 * a3]];
        let b = [2.0 * a2, 2.0 * a3];
        let c_row = [m1 * a1 + m2 * a2, m2 * (1.0 - a3) - m1 * a2];
        let d = m0 + m1 * a2 + m2 * a3;
        // Aʲ for j = 0..4.
        let mut powers = [[[1.0, 0.0], [0.0, 1.0]]; 5];
        for j in 1..5 {
            powers[j] = mul(&powers[j - 1], &a);
        }
        let c_times = |m: &Mat| [0, 1].map(|i| c_row[0] * m[0][i] + c_row[1] * m[1][i]);
        let mut block = SvfBlock::default();
        for j in 0..4 {
            let ca = c_times(&powers[j]);
            block.from_state[0][j] = ca[0] as f32;
            block.from_state[1][j] = ca[1] as f32;
            for k in 0..4 {
                block.from_input[k][j] = match j.cmp(&k) {
                    std::cmp::Ordering::Less => 0.0,
                    std::cmp::Ordering::Equal => d as f32,
                    std::cmp::Ordering::Greater => {
                        let cab = c_times(&powers[j - 1 - k]);
                        (cab[0] * b[0] + cab[1] * b[1]) as f32
                    }
                };
            }
        }
        for k in 0..4 {
            let ab = apply(&powers[3 - k], b);
            block.next_from_input[0][k] = ab[0] as f32;
            block.next_from_input[1][k] = ab[1] as f32;
        }
        block.step = powers[4].map(|row| row.map(|x| x as f32));
        // Jury's test on the matrix actually used: det < 1, |tr| < 1 + det, with margin.
        let r = block.step.map(|row| row.map(f64::from));
        let (tr, det) = (r[0][0] + r[1][1], r[0][0] * r[1][1] - r[0][1] * r[1][0]);
        let stable = det.abs() <= MAX_DET && tr.abs() < 1.0 + det;
        stable.then_some(block)
    }

    /// Four samples `x` through the filter from state `s`; returns the four outputs and
    /// leaves the state after the fourth in `s`.
    #[inline(always)]
    pub(super) fn tick4(&self, s: &mut [f32; 2], x: [f32; 4]) -> [f32; 4] {
        let [s1, s2] = *s;
        let w = &self.from_input;
        let y = std::array::from_fn(|j| {
            (self.from_state[0][j] * s1 + self.from_state[1][j] * s2)
                + ((w[0][j] * x[0] + w[1][j] * x[1]) + (w[2][j] * x[2] + w[3][j] * x[3]))
        });
        let next = |i: usize| {
            let q = &self.next_from_input[i];
            (self.step[i][0] * s1 + self.step[i][1] * s2)
                + ((q[0] * x[0] + q[1] * x[1]) + (q[2] * x[2] + q[3] * x[3]))
        };
        *s = [next(0), next(1)];
        y
    }
}

#[cfg(test)]
mod tests {
    use super::super::generic::tan_fast;
    use super::super::kernel::Kernel;
    use super::super::svf::{SvfMode, MAX_Q, MIN_Q};
    use super::*;

    const SR: f64 = 48_000.0;

    /// White noise in -1..1.
    fn noise(n: usize) -> Vec<f32> {
        let mut x = 0x2545_f491_u32;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 8) as f32 / 8_388_608.0 - 1.0
            })
            .collect()
    }

    fn coeffs(cutoff: f64, q: f32, mode: SvfMode) -> SvfCoeffs {
        let g = tan_fast((std::f64::consts::PI * cutoff / SR) as f32);
        SvfCoeffs::new(g, SvfMode::second(q), mode)
    }

    /// Every corner of the parameter ranges, and the reference voice's setting.
    fn settings() -> Vec<(f64, f32, SvfMode)> {
        let mut all = vec![];
        for mode in [SvfMode::Lowpass, SvfMode::Highpass, SvfMode::Bandpass] {
            for cutoff in [20.0, 100.0, 1_200.0, 5_000.0, 20_000.0] {
                for q in [MIN_Q, 0.707, 3.33, MAX_Q] {
                    all.push((cutoff, q, mode));
                }
            }
        }
        all
    }

    #[test]
    fn four_samples_at_a_time_match_the_per_sample_loop() {
        let x = noise(48_000);
        for (cutoff, q, mode) in settings() {
            let c = coeffs(cutoff, q, mode);
            if c.fast {
                // Fast-decaying settings run per sample (with the per-sample flush).
                continue;
            }
            let block = SvfBlock::new(&c).expect("stable over the whole parameter range");
            let (mut s1, mut s4) = ([0.0f32; 2], [0.0f32; 2]);
            let (mut worst, mut largest) = (0.0f32, 0.0f32);
            for x4 in x.chunks_exact(4) {
                let y4 = block.tick4(&mut s4, [x4[0], x4[1], x4[2], x4[3]]);
                for (&xi, yi) in x4.iter().zip(y4) {
                    let y1 = SvfMode::tick(&c, &mut s1, xi);
                    worst = worst.max((y1 - yi).abs());
                    largest = largest.max(y1.abs());
                }
            }
            // Rounding only: a few parts per million of the largest output.
            assert!(
                worst <= 2e-5 * largest.max(1.0),
                "{mode:?} {cutoff} Hz q {q}: differs by {worst} (largest output {largest})"
            );
            let state_gap = (s1[0] - s4[0]).abs().max((s1[1] - s4[1]).abs());
            assert!(
                state_gap <= 2e-5 * largest.max(1.0),
                "{mode:?} {cutoff} Hz q {q}: state"
            );
        }
    }

    #[test]
    fn the_form_exists_for_every_setting_and_refuses_an_unstable_one() {
        for (cutoff, q, mode) in settings() {
            assert!(
                SvfBlock::new(&coeffs(cutoff, q, mode)).is_some(),
                "{cutoff} Hz q {q}"
            );
        }
        // Undamped (k = 0, outside the q range): poles on the unit circle.
        let g = tan_fast((std::f64::consts::PI * 1_000.0 / SR) as f32);
        assert!(SvfBlock::new(&SvfCoeffs::new(g, 0.0, SvfMode::Lowpass)).is_none());
    }
}
