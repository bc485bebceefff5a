//! Tests of the sources: pitch where it is promised, the sampler's file, root, octave and
//! click-free loop, the wavetable's band limit.

use std::sync::Arc;

use crate::analysis::{max_step, zero_crossing_frequency};
use crate::audio_file::AudioFile;
use crate::harness::{run_entry, ModuleRunner};

const SR: f32 = 48_000.0;

fn gate_on(n: usize) -> Vec<f32> {
    let mut g = vec![1.0; n];
    g[0] = 0.0;
    g
}

/// A 16-bit PCM WAV of `samples` (mono) at `rate`, written by hand (the SDK has no writer;
/// 44 bytes of header).
pub(crate) fn write_wav(path: &std::path::Path, rate: u32, samples: &[f32]) {
    let data: Vec<u8> = samples
        .iter()
        .flat_map(|&s| ((s.clamp(-1.0, 1.0) * 32_767.0).round() as i16).to_le_bytes())
        .collect();
    let mut f = Vec::with_capacity(44 + data.len());
    f.extend_from_slice(b"RIFF");
    f.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    f.extend_from_slice(b"WAVEfmt ");
    f.extend_from_slice(&16u32.to_le_bytes());
    f.extend_from_slice(&1u16.to_le_bytes()); // PCM
    f.extend_from_slice(&1u16.to_le_bytes()); // mono
    f.extend_from_slice(&rate.to_le_bytes());
    f.extend_from_slice(&(rate * 2).to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&16u16.to_le_bytes());
    f.extend_from_slice(b"data");
    f.extend_from_slice(&(data.len() as u32).to_le_bytes());
    f.extend_from_slice(&data);
    std::fs::write(path, f).unwrap();
}

/// A 440 Hz sine, 1 s at 44.1 kHz, decoded from a WAV file.
fn sine_file() -> Arc<AudioFile> {
    let dir = std::env::temp_dir().join(format!("chronus-sampler-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a440.wav");
    let samples: Vec<f32> = (0..44_100)
        .map(|i| 0.5 * (std::f64::consts::TAU * 440.0 * i as f64 / 44_100.0).sin() as f32)
        .collect();
    write_wav(&path, 44_100, &samples);
    let file = AudioFile::decode(&path).unwrap();
    assert_eq!(file.sample_rate, 44_100);
    assert_eq!(file.frames(), 44_100);
    assert!((file.channels[0][100] - samples[100]).abs() < 1e-4);
    Arc::new(file)
}

fn sampler(file: &Arc<AudioFile>, params: &[(&str, f32)], mode: &str) -> ModuleRunner {
    let mut m = (super::sampler::SAMPLER.create)();
    m.prepare(SR, 64);
    m.load_file(0, file.clone()).unwrap();
    let mut r = ModuleRunner::new(m, SR);
    r.set("mode", mode).unwrap();
    for (k, v) in params {
        r.set(k, *v).unwrap();
    }
    r
}

#[test]
fn sampler_plays_at_the_root_and_an_octave_up() {
    let file = sine_file();
    let g = gate_on(24_000);
    let z = vec![0.0; 24_000];
    for (freq, want) in [(0.0, 440.0), (440.0, 440.0), (880.0, 880.0), (220.0, 220.0)] {
        let out = sampler(&file, &[("root", 69.0), ("freq", freq)], "one_shot").run(
            &[&z, &z, &g],
            24_000,
            64,
        );
        let got = zero_crossing_frequency(&out[0][100..20_000], SR).unwrap();
        eprintln!("sampler at freq {freq}: {got:.3} Hz");
        assert!(
            (got / want - 1.0).abs() < 0.002,
            "freq {freq}: {got} Hz, want {want}"
        );
        assert_eq!(out[0], out[1], "a mono file plays on both sides");
    }
    // The pitch input: one octave up from the root.
    let (up, g, z) = (vec![1.0f32; 30_000], gate_on(30_000), vec![0.0; 30_000]);
    let out = sampler(&file, &[("root", 69.0)], "one_shot").run(&[&z, &up, &g], 30_000, 64);
    let got = zero_crossing_frequency(&out[0][100..20_000], SR).unwrap();
    assert!((got / 880.0 - 1.0).abs() < 0.002, "{got}");
    // One-shot: an octave up, the 1 s file ends after 0.5 s (24 000 samples).
    assert!(out[0][23_000..24_000].iter().any(|&x| x != 0.0));
    assert!(out[0][24_010..].iter().all(|&x| x == 0.0));
}

#[test]
fn sampler_loops_without_clicks() {
    let file = sine_file();
    let n = 4 * 48_000;
    let g = gate_on(n);
    let z = vec![0.0; n];
    // A loop of 0.5537 s: not a whole number of cycles, so a bare wrap would jump.
    let params = [("loop_start", 0.1), ("loop_end", 0.6537), ("root", 69.0)];
    let smooth = sampler(&file, &params, "loop")
        .run(&[&z, &z, &g], n, 64)
        .remove(0);
    let mut raw = sampler(&file, &params, "loop");
    raw.set("xfade", 0.0).unwrap();
    let raw = raw.run(&[&z, &z, &g], n, 64).remove(0);
    // A 440 Hz sine of amplitude 0.5 steps by at most 0.5 × 2π × 440 / 48000 = 0.0288.
    let sine_step = 0.5 * std::f32::consts::TAU * 440.0 / SR;
    let (s, r) = (max_step(&smooth[1..]), max_step(&raw[1..]));
    eprintln!("largest step: crossfaded loop {s:.4}, bare loop {r:.4}, sine {sine_step:.4}");
    assert!(s <= sine_step * 1.05, "crossfaded loop steps by {s}");
    assert!(
        r > 2.0 * sine_step,
        "the bare loop should click ({r}): the test can fail"
    );
    // Still playing after 3 loops.
    assert!(crate::analysis::rms(&smooth[n - 4_800..]) > 0.2);
}

#[test]
fn sampler_without_a_file_is_silent_and_refuses_other_params() {
    let z = vec![0.0; 1_000];
    let out = run_entry(
        &super::sampler::SAMPLER,
        &[],
        &[&z, &z, &gate_on(1_000)],
        1_000,
    );
    assert!(out.iter().flatten().all(|&x| x == 0.0));
    let mut m = (super::sampler::SAMPLER.create)();
    assert!(m.load_file(1, sine_file()).is_err());
    let mut other = (crate::vca::VCA.create)();
    assert!(other
        .load_file(0, sine_file())
        .unwrap_err()
        .contains("takes no file"));
}

#[test]
fn audio_file_errors_say_what_is_wrong() {
    let dir = std::env::temp_dir().join(format!("chronus-badfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = AudioFile::decode(&dir.join("nope.wav")).unwrap_err();
    assert!(matches!(missing, crate::AudioFileError::Io(_)), "{missing}");
    let junk = dir.join("junk.wav");
    std::fs::write(&junk, b"this is not a wav file at all").unwrap();
    let bad = AudioFile::decode(&junk).unwrap_err();
    assert!(matches!(bad, crate::AudioFileError::Decode(_)), "{bad}");
}

#[test]
fn pitched_sources_play_their_frequency() {
    for (entry, extra) in [
        (&super::fm::FM, &[("index", 0.0)][..]),
        (&super::fm::FM, &[("index", 0.5), ("ratio", 2.0)][..]),
        (&super::supersaw::SUPERSAW, &[("mix", 0.0)][..]),
        (&super::wavetable::WAVETABLE, &[("position", 0.0)][..]),
        (&super::wavetable::WAVETABLE, &[("position", 1.0)][..]),
    ] {
        let mut params = vec![("freq", 220.0)];
        params.extend_from_slice(extra);
        let out = &run_entry(entry, &params, &[], 48_000)[0];
        let f = zero_crossing_frequency(&out[1_000..], SR).unwrap();
        assert!(
            (f / 220.0 - 1.0).abs() < 0.005,
            "{} {extra:?}: {f} Hz",
            entry.info.kind
        );
    }
}

#[test]
fn fm_at_index_zero_is_a_sine() {
    let out = &run_entry(
        &super::fm::FM,
        &[("freq", 1_000.0), ("index", 0.0)],
        &[],
        480,
    )[0];
    for (i, &y) in out.iter().enumerate() {
        let want = (std::f32::consts::TAU * 1_000.0 * i as f32 / SR).sin();
        assert!((y - want).abs() < 1e-3, "{i}: {y} vs {want}");
    }
}

#[test]
fn pluck_is_in_tune_and_decays() {
    for freq in [110.0f32, 329.6, 880.0] {
        let g = gate_on(96_000);
        let z = vec![0.0; 96_000];
        let out = &run_entry(
            &super::pluck::PLUCK,
            &[("freq", freq), ("decay", 2.0)],
            &[&z, &z, &g],
            96_000,
        )[0];
        // Pitch from the autocorrelation peak near the period.
        let seg = &out[4_800..4_800 + 8_192];
        let period = SR / freq;
        let corr = |lag: usize| {
            seg[..seg.len() - lag]
                .iter()
                .zip(&seg[lag..])
                .map(|(a, b)| a * b)
                .sum::<f32>()
        };
        let lo = (period * 0.9) as usize;
        let hi = (period * 1.1) as usize;
        let best = (lo..=hi)
            .max_by(|&a, &b| corr(a).total_cmp(&corr(b)))
            .unwrap();
        // Parabolic refinement of the peak.
        let (a, b, c) = (corr(best - 1), corr(best), corr(best + 1));
        let lag = best as f32 + 0.5 * (a - c) / (a - 2.0 * b + c);
        let got = SR / lag;
        let cents = 1200.0 * (got / freq).log2();
        eprintln!("pluck {freq} Hz: {got:.2} Hz ({cents:+.1} cents)");
        assert!(cents.abs() < 5.0, "{freq}: {got} Hz");
        // 2 s decay to -60 dB: after 1 s, about -30 dB below the start.
        let early = crate::analysis::rms(&out[480..4_800]);
        let late = crate::analysis::rms(&out[48_000..52_320]);
        let db = 20.0 * (late / early).log10();
        assert!((-40.0..-20.0).contains(&db), "{freq}: {db} dB after 1 s");
    }
}

#[test]
fn wavetable_saw_stays_band_limited() {
    // A 3.1 kHz saw: harmonics past 24 kHz fold back between the harmonics. Against a
    // naive saw of the same frequency, the energy off the harmonic series must be far
    // lower.
    let f = 3_100.0;
    let n = 65_536;
    let out = &run_entry(
        &super::wavetable::WAVETABLE,
        &[("freq", f as f32), ("position", 2.0)],
        &[],
        n,
    )[0];
    let naive: Vec<f32> = (0..n)
        .map(|i| 2.0 * ((i as f64 * f / SR as f64).fract() as f32) - 1.0)
        .collect();
    let alias = |x: &[f32]| {
        let s = crate::analysis::spectrum(x);
        let total: f64 = s.iter().map(|m| m * m).sum();
        crate::analysis::inharmonic_energy(&s, SR, f, 30.0) / total
    };
    let (ours, theirs) = (alias(out), alias(&naive));
    eprintln!("wavetable saw at {f} Hz: inharmonic fraction {ours:.2e}, naive saw {theirs:.2e}");
    assert!(ours < theirs / 100.0, "{ours} vs naive {theirs}");
}

#[test]
fn impulse_fires_at_its_rate_and_on_gates() {
    let out = &run_entry(&super::impulse::IMPULSE, &[("freq", 100.0)], &[], 48_000)[0];
    assert_eq!(out.iter().filter(|&&x| x == 1.0).count(), 100);
    assert_eq!(out[0], 1.0);
    assert_eq!(out[480], 1.0);
    let mut g = vec![0.0f32; 1_000];
    g[500..600].fill(1.0);
    let out = &run_entry(&super::impulse::IMPULSE, &[], &[&g], 1_000)[0];
    assert_eq!(out.iter().filter(|&&x| x != 0.0).count(), 1);
    assert_eq!(out[500], 1.0);
}
