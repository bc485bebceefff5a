//! The voice-scaling model: cost per sample = base + slope · voices, fitted by least
//! squares, and the voices that fit in half of one core.

use serde::Serialize;

/// One measured point: the cost of the patch with this many voices held.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ScalingPoint {
    /// Voices held (the first instrument's `count`, every one sounding).
    pub voices: usize,
    /// Wall time per sample frame, in nanoseconds.
    pub ns_per_sample: f64,
}

/// The fitted line `ns_per_sample = base + slope · voices`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ScalingFit {
    /// Cost with no voice (main graph and engine), ns per sample frame.
    pub base_ns_per_sample: f64,
    /// Cost of each further voice, ns per sample frame.
    pub slope_ns_per_sample: f64,
}

impl ScalingFit {
    /// Least-squares line through `points`; `None` with fewer than two distinct voice
    /// counts.
    pub fn fit(points: &[ScalingPoint]) -> Option<ScalingFit> {
        let n = points.len() as f64;
        let mean_v = points.iter().map(|p| p.voices as f64).sum::<f64>() / n;
        let mean_c = points.iter().map(|p| p.ns_per_sample).sum::<f64>() / n;
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for p in points {
            let dv = p.voices as f64 - mean_v;
            sxy += dv * (p.ns_per_sample - mean_c);
            sxx += dv * dv;
        }
        (sxx > 0.0).then(|| {
            let slope = sxy / sxx;
            ScalingFit {
                base_ns_per_sample: mean_c - slope * mean_v,
                slope_ns_per_sample: slope,
            }
        })
    }

    /// Voices that fit in `fraction` of one core at `sample_rate`: one second of CPU per
    /// second of audio is `1e9 / sample_rate` ns per sample frame, so
    /// `(fraction · budget − base) / slope`, never below 0. `None` when voices cost
    /// nothing measurable (slope ≤ 0).
    pub fn voices_within(&self, fraction: f64, sample_rate: u32) -> Option<f64> {
        let budget = 1e9 / sample_rate as f64;
        (self.slope_ns_per_sample > 0.0).then(|| {
            ((fraction * budget - self.base_ns_per_sample) / self.slope_ns_per_sample).max(0.0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(voices: usize, ns_per_sample: f64) -> ScalingPoint {
        ScalingPoint {
            voices,
            ns_per_sample,
        }
    }

    #[test]
    fn fits_an_exact_line() {
        let fit = ScalingFit::fit(&[point(1, 110.0), point(8, 180.0), point(32, 420.0)]).unwrap();
        assert!((fit.base_ns_per_sample - 100.0).abs() < 1e-9);
        assert!((fit.slope_ns_per_sample - 10.0).abs() < 1e-9);
        // Half of 1e9 / 48000 ns is 10416.67 ns: (10416.67 - 100) / 10 voices.
        let v = fit.voices_within(0.5, 48_000).unwrap();
        assert!((v - 1031.6667).abs() < 1e-3, "{v}");
    }

    #[test]
    fn least_squares_through_noise() {
        let fit = ScalingFit::fit(&[point(1, 10.0), point(2, 30.0), point(3, 20.0)]).unwrap();
        assert!((fit.slope_ns_per_sample - 5.0).abs() < 1e-9);
        assert!((fit.base_ns_per_sample - 10.0).abs() < 1e-9);
    }

    #[test]
    fn degenerate_cases() {
        assert_eq!(ScalingFit::fit(&[point(8, 1.0), point(8, 2.0)]), None);
        let flat = ScalingFit {
            base_ns_per_sample: 50.0,
            slope_ns_per_sample: 0.0,
        };
        assert_eq!(flat.voices_within(0.5, 48_000), None);
        let heavy = ScalingFit {
            base_ns_per_sample: 20_000.0,
            slope_ns_per_sample: 1.0,
        };
        assert_eq!(heavy.voices_within(0.5, 48_000), Some(0.0));
    }
}
