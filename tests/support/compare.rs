//! Comparing two renders of one patch note by note (the two-engine test): each note's
//! pitch (autocorrelation), onset (first sample above a fraction of the note's peak) and
//! level (RMS over its sustain, in dB), measured from the WAV files.

/// What one note measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoteMeasure {
    /// The strongest period near the note's, as a frequency (Hz).
    pub pitch: f64,
    /// Onset, seconds from the start of the file.
    pub onset: f64,
    /// RMS over the sustain window, dBFS.
    pub level_db: f64,
}

/// The mono sum `(l + r) / 2` of a stereo render.
pub fn mono(channels: &[Vec<f32>]) -> Vec<f64> {
    channels[0]
        .iter()
        .zip(&channels[1])
        .map(|(&l, &r)| (f64::from(l) + f64::from(r)) / 2.0)
        .collect()
}

/// RMS of `x` in dBFS (−200 for silence).
pub fn rms_db(x: &[f64]) -> f64 {
    let rms = (x.iter().map(|v| v * v).sum::<f64>() / x.len().max(1) as f64).sqrt();
    if rms > 0.0 {
        20.0 * rms.log10()
    } else {
        -200.0
    }
}

/// The spectral centroid of `x` between `lo` and `hi` Hz: the power of the Hann-windowed
/// DFT scanned in steps of 0.01 %, averaged. Over a band around a note it measures the
/// note's partial (an inharmonic bell's carrier; the middle of two detuned saws).
pub fn pitch(x: &[f64], sr: f64, lo: f64, hi: f64) -> f64 {
    let n = x.len();
    let w: Vec<f64> = (0..n)
        .map(|i| {
            let h = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos();
            h * x[i]
        })
        .collect();
    let power = |f: f64| {
        let k = 2.0 * (2.0 * std::f64::consts::PI * f / sr).cos();
        let (mut s1, mut s2) = (0.0, 0.0);
        for &v in &w {
            let s0 = v + k * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        s1 * s1 + s2 * s2 - k * s1 * s2
    };
    let (mut sum, mut weight) = (0.0, 0.0);
    let mut f = lo;
    while f <= hi {
        let p = power(f);
        sum += f * p;
        weight += p;
        f *= 1.0001;
    }
    sum / weight
}

/// Measures the note expected at `freq` Hz starting near `start` s in a render of that
/// note alone: onset (the first sample from 10 ms before it louder than −80 dBFS and ten
/// times the loudest of the 50 ms before that), pitch (the spectral centroid within 3 %
/// of the note) and level over `sustain` (seconds after the start).
pub fn measure_note(x: &[f64], sr: f64, start: f64, freq: f64, sustain: (f64, f64)) -> NoteMeasure {
    let at = |t: f64| ((t * sr).round() as usize).min(x.len());
    let from = at(start - 0.01);
    let before = &x[at(start - 0.06)..from];
    let floor = before.iter().fold(1e-4f64, |m, v| m.max(10.0 * v.abs()));
    let onset = x[from..at(start + 0.1)]
        .iter()
        .position(|v| v.abs() >= floor)
        .map_or(f64::NAN, |i| (from + i) as f64 / sr);
    let body = &x[at(start + sustain.0)..at(start + sustain.1)];
    NoteMeasure {
        pitch: pitch(body, sr, freq / 1.03, freq * 1.03),
        onset,
        level_db: rms_db(body),
    }
}

/// The envelope of `x`: each sample's largest magnitude over the `window` samples ending
/// at it.
fn envelope(x: &[f64], window: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len());
    let mut deque: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    for (i, v) in x.iter().enumerate() {
        while deque.back().is_some_and(|&j| x[j].abs() <= v.abs()) {
            deque.pop_back();
        }
        deque.push_back(i);
        if deque.front().is_some_and(|&j| j + window <= i) {
            deque.pop_front();
        }
        out.push(x[deque[0]].abs());
    }
    out
}

/// Measures a note that starts at `start` s and is released at `end` s in a render where
/// other sounds may still ring (a sequence): onset is the first sample from 10 ms before
/// `start` where the envelope (the peak over the last two periods of the note, at least
/// 2 ms) has risen half-way from its level 5 ms before `start` to its peak over the next
/// 40 ms; pitch and level as [`measure_note`] measures them, over
/// `start + 10 ms .. end`. `None` when the note does not stand out: its peak less than
/// `stand_out` times what sounded before it.
pub fn measure_in_mix(
    x: &[f64],
    sr: f64,
    (start, end): (f64, f64),
    freq: f64,
    stand_out: f64,
) -> Option<NoteMeasure> {
    let at = |t: f64| ((t * sr).round().max(0.0) as usize).min(x.len());
    // Over two periods of the note at least, so the envelope does not ripple with the
    // waveform (whose phase differs between engines).
    let env = envelope(x, (sr * (2.0 / freq).max(0.002)) as usize);
    let before = env[at(start - 0.005)];
    let peak = env[at(start)..at(start + 0.04)]
        .iter()
        .fold(0.0f64, |m, &v| m.max(v));
    if peak < stand_out * before || peak < 1e-3 {
        return None;
    }
    let half = before + 0.5 * (peak - before);
    let from = at(start - 0.01);
    let onset = env[from..at(start + 0.04)]
        .iter()
        .position(|&v| v >= half)
        .map(|i| (from + i) as f64 / sr)?;
    let body = &x[at(start + 0.01)..at(end)];
    Some(NoteMeasure {
        pitch: pitch(body, sr, freq / 1.03, freq * 1.03),
        onset,
        level_db: rms_db(body),
    })
}

/// How much later a note starting near `start` s sounds in `b` than in `a` (seconds,
/// negative when earlier), where other sounds ring too: the lag, within ±5 ms, that best
/// aligns the two renders' envelopes (as [`measure_in_mix`] takes them) from 10 ms before
/// `start` to 40 ms after it, by least squares. The attack dominates the fit, whatever
/// rings under it.
pub fn onset_lag(a: &[f64], b: &[f64], sr: f64, start: f64, freq: f64) -> f64 {
    let window = (sr * (2.0 / freq).max(0.002)) as usize;
    let (ea, eb) = (envelope(a, window), envelope(b, window));
    let from = ((start - 0.01) * sr).round().max(0.0) as usize;
    let to = (((start + 0.04) * sr).round() as usize).min(a.len());
    let reach = (0.005 * sr) as i64;
    let cost = |lag: i64| -> f64 {
        (from..to)
            .map(|i| {
                let j = (i as i64 + lag).clamp(0, eb.len() as i64 - 1) as usize;
                (ea[i] - eb[j]).powi(2)
            })
            .sum()
    };
    let best = (-reach..=reach)
        .min_by(|&x, &y| cost(x).total_cmp(&cost(y)))
        .unwrap_or(0);
    best as f64 / sr
}

/// The power spectrum of `x` (Hann-windowed, zero-padded to a power of two): bin `k` is
/// `k × sr / len` Hz. A radix-2 FFT, small enough to keep here.
fn power_spectrum(x: &[f64]) -> Vec<f64> {
    let n = x.len().next_power_of_two();
    let mut re: Vec<f64> = (0..n)
        .map(|i| {
            x.get(i).map_or(0.0, |v| {
                v * (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / x.len() as f64).cos())
            })
        })
        .collect();
    let mut im = vec![0.0; n];
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if j > i {
            re.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let step = -2.0 * std::f64::consts::PI / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (step * k as f64).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let (tr, ti) = (re[b] * c - im[b] * s, re[b] * s + im[b] * c);
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len *= 2;
    }
    (0..n / 2).map(|k| re[k] * re[k] + im[k] * im[k]).collect()
}

/// The level of `x` in each octave band from `lowest` Hz up to Nyquist, in dB (relative
/// between bands and between signals measured alike, not dBFS): what the two-engine
/// tests compare as "the same spectrum". `(band's lower edge Hz, dB)` per band.
pub fn octave_bands(x: &[f64], sr: f64, lowest: f64) -> Vec<(f64, f64)> {
    let power = power_spectrum(x);
    let hz_per_bin = sr / (2 * power.len()) as f64;
    let mut bands = Vec::new();
    let mut lo = lowest;
    while lo * 2.0 <= sr / 2.0 + 1.0 {
        let (a, b) = (
            (lo / hz_per_bin).ceil() as usize,
            ((2.0 * lo / hz_per_bin).ceil() as usize).min(power.len()),
        );
        let sum: f64 = power[a..b].iter().sum();
        bands.push((lo, 10.0 * sum.max(1e-30).log10()));
        lo *= 2.0;
    }
    bands
}
