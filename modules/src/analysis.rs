//! Signal measurements for invariant tests: frequency from zero crossings, energy in a
//! frequency band (DFT), RMS, peak, largest sample-to-sample step.
//!
//! Plain, allocation-happy code for tests and tools, never for the audio thread.

use std::f64::consts::PI;

/// Frequency in Hz estimated from rising zero crossings, interpolated between samples.
/// Returns `None` with fewer than two crossings.
pub fn zero_crossing_frequency(signal: &[f32], sample_rate: f32) -> Option<f64> {
    let mut first = None;
    let mut last = 0.0;
    let mut count = 0usize;
    for i in 1..signal.len() {
        let (a, b) = (signal[i - 1] as f64, signal[i] as f64);
        if a < 0.0 && b >= 0.0 {
            let t = (i - 1) as f64 + (-a) / (b - a);
            if first.is_none() {
                first = Some(t);
            } else {
                count += 1;
            }
            last = t;
        }
    }
    let first = first?;
    (count > 0).then(|| count as f64 * sample_rate as f64 / (last - first))
}

/// Root mean square.
pub fn rms(signal: &[f32]) -> f64 {
    if signal.is_empty() {
        return 0.0;
    }
    (signal.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / signal.len() as f64).sqrt()
}

/// Largest absolute sample.
pub fn peak(signal: &[f32]) -> f32 {
    signal.iter().fold(0.0, |m, &x| m.max(x.abs()))
}

/// Largest absolute difference between consecutive samples (clicks show up here).
pub fn max_step(signal: &[f32]) -> f32 {
    signal
        .windows(2)
        .fold(0.0, |m, w| m.max((w[1] - w[0]).abs()))
}

/// Magnitude spectrum (Hann window) of `signal`: bin `k` is `k * sample_rate / len` Hz.
/// Computed with a radix-2 FFT; `signal.len()` must be a power of two.
pub fn spectrum(signal: &[f32]) -> Vec<f64> {
    let n = signal.len();
    assert!(n.is_power_of_two(), "spectrum needs a power-of-two length");
    let mut re: Vec<f64> = signal
        .iter()
        .enumerate()
        .map(|(i, &x)| x as f64 * (0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos()))
        .collect();
    let mut im = vec![0.0; n];
    fft(&mut re, &mut im);
    (0..n / 2)
        .map(|k| (re[k] * re[k] + im[k] * im[k]).sqrt())
        .collect()
}

/// Energy (sum of squared magnitudes) of `spectrum` between `lo` and `hi` Hz, where the
/// spectrum came from `len` samples at `sample_rate`.
pub fn band_energy(spectrum: &[f64], sample_rate: f32, lo: f64, hi: f64) -> f64 {
    let bin_hz = sample_rate as f64 / (2 * spectrum.len()) as f64;
    spectrum
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            let f = *k as f64 * bin_hz;
            f >= lo && f < hi
        })
        .map(|(_, m)| m * m)
        .sum()
}

/// Energy of `spectrum` away from the harmonics of `fundamental` (more than `tolerance` Hz
/// from every multiple): what aliasing puts into an oscillator's output.
pub fn inharmonic_energy(
    spectrum: &[f64],
    sample_rate: f32,
    fundamental: f64,
    tolerance: f64,
) -> f64 {
    let bin_hz = sample_rate as f64 / (2 * spectrum.len()) as f64;
    spectrum
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            let f = *k as f64 * bin_hz;
            let nearest = (f / fundamental).round() * fundamental;
            (f - nearest).abs() > tolerance
        })
        .map(|(_, m)| m * m)
        .sum()
}

/// In-place iterative radix-2 FFT. Written here because tests need one small transform and
/// a dependency for it would be larger than this function.
fn fft(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -2.0 * PI / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (ang * k as f64).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let tr = re[b] * c - im[b] * s;
                let ti = re[b] * s + im[b] * c;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, sr: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (2.0 * PI * freq * i as f64 / sr as f64).sin() as f32)
            .collect()
    }

    #[test]
    fn zero_crossings_measure_a_sine() {
        let s = sine(440.0, 48_000.0, 48_000);
        let f = zero_crossing_frequency(&s, 48_000.0).unwrap();
        assert!((f - 440.0).abs() < 0.01, "{f}");
        assert!(zero_crossing_frequency(&[0.0; 100], 48_000.0).is_none());
    }

    #[test]
    fn spectrum_peaks_at_the_sine_bin() {
        let s = sine(1500.0, 48_000.0, 4096);
        let spec = spectrum(&s);
        let k = spec
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        let bin_hz = 48_000.0 / 4096.0;
        assert!((k as f64 * bin_hz - 1500.0).abs() <= bin_hz);
        let inside = band_energy(&spec, 48_000.0, 1400.0, 1600.0);
        let total = band_energy(&spec, 48_000.0, 0.0, 24_000.0);
        assert!(inside / total > 0.999);
        assert!(inharmonic_energy(&spec, 48_000.0, 1500.0, 60.0) / total < 1e-3);
    }

    #[test]
    fn rms_peak_and_step() {
        assert_eq!(peak(&[0.1, -0.5, 0.2]), 0.5);
        assert!((rms(&[1.0, -1.0]) - 1.0).abs() < 1e-12);
        assert_eq!(max_step(&[0.0, 0.25, -0.5]), 0.75);
    }
}
