//! Checks on rendered or recorded signals: measuring a sine (onset, frequency, peak,
//! dropouts), the test tone of `patches/sine-test-tone.ron`, and sample-to-sample steps
//! (clicks).

use chronus_modules::analysis::{peak, zero_crossing_frequency};

/// Largest step of a sine of `freq` Hz and amplitude `amp` between two samples at `sr`:
/// its slope maximum 2π·f·A, per sample.
pub fn sine_max_step(freq: f64, amp: f64, sr: f64) -> f64 {
    2.0 * std::f64::consts::PI * freq * amp / sr
}

/// What was measured on a recorded sine.
#[derive(Debug)]
pub struct SineCheck {
    /// First sample whose magnitude is above the noise floor (the sound starting).
    pub onset: usize,
    pub frequency: f64,
    pub peak: f32,
    /// Longest run of (near) zeros after the onset and before the last sound, in frames.
    pub longest_gap: usize,
    /// The run of (near) zeros at the end, in frames.
    pub silent_end: usize,
}

/// A sample this small counts as silence (well below the sine's smallest non-zero sample
/// near a crossing; exact zeros are what a dropout or an unfed JACK port gives).
pub const SILENT: f32 = 1e-5;

/// Measures `signal` (the sound may start late, e.g. while `jack_rec` connects): onset,
/// frequency from zero crossings, peak, the longest silent run between the onset and the
/// last sound, and the silent run at the end.
pub fn measure_sine(signal: &[f32], sr: u32) -> SineCheck {
    let onset = signal
        .iter()
        .position(|x| x.abs() > SILENT)
        .unwrap_or(signal.len());
    let sound = &signal[onset..];
    let mut longest_gap = 0;
    let mut run = 0;
    for x in sound {
        if x.abs() <= SILENT {
            run += 1;
        } else {
            longest_gap = longest_gap.max(run);
            run = 0;
        }
    }
    SineCheck {
        onset,
        frequency: zero_crossing_frequency(sound, sr as f32).unwrap_or(0.0),
        peak: peak(sound),
        longest_gap,
        silent_end: run,
    }
}

/// Checks one channel of a recording of patches/sine-test-tone.ron: at least
/// `min_sound_frames` of sound, 440 Hz, peak 0.25 ± 5 %, no silent run longer than
/// `max_gap` frames after the sound starts; a silent end counts as such a run unless
/// `may_end_silent` (a recording that covers the fade-out). `what` names the recording.
pub fn assert_test_tone(
    what: &str,
    signal: &[f32],
    sr: u32,
    min_sound_frames: usize,
    max_gap: usize,
    may_end_silent: bool,
) -> SineCheck {
    let m = measure_sine(signal, sr);
    let sound = signal.len() - m.onset;
    assert!(
        sound >= min_sound_frames,
        "{what}: only {sound} frames of sound out of {} (onset at frame {}); expected at least \
         {min_sound_frames}",
        signal.len(),
        m.onset
    );
    assert!(
        (m.frequency - 440.0).abs() < 1.0,
        "{what}: frequency from zero crossings is {:.3} Hz, expected 440 Hz ({m:?})",
        m.frequency
    );
    assert!(
        (m.peak - 0.25).abs() <= 0.25 * 0.05,
        "{what}: peak {:.4}, expected 0.25 ± 5% ({m:?})",
        m.peak
    );
    assert!(
        m.longest_gap <= max_gap,
        "{what}: a dropout: {} silent frames in a row after the sound started (at most \
         {max_gap} allowed) ({m:?})",
        m.longest_gap
    );
    assert!(
        may_end_silent || m.silent_end <= max_gap,
        "{what}: the sound stops: the last {} frames are silent (at most {max_gap} allowed) \
         ({m:?})",
        m.silent_end
    );
    m
}

/// Onsets: first sample above `level` after at least 2000 samples below it.
pub fn onsets(signal: &[f32], level: f32) -> Vec<usize> {
    let mut out = Vec::new();
    let mut quiet = 0;
    for (i, x) in signal.iter().enumerate() {
        if x.abs() > level {
            if quiet >= 2000 {
                out.push(i);
            }
            quiet = 0;
        } else {
            quiet += 1;
        }
    }
    out
}
