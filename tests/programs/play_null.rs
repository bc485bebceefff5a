//! `chronus play` without a sound card: the null host (a timer thread at real-time speed)
//! recording to WAV, the errors for an unknown device and for a machine without ALSA cards,
//! and `chronus devices`.

use std::time::Duration;

use crate::support::chronus::{chronus_cmd, run_chronus, status_lines};
use crate::support::process::{Proc, READY_TIMEOUT};
use crate::support::signal::{assert_test_tone, sine_max_step};
use crate::support::temp::TempDir;
use chronus_modules::analysis::max_step;

const SR: u32 = 48_000;
/// The null host's default buffer (frames per callback).
const BUFFER: usize = 256;

/// Non-empty stderr lines that come from chronus (not the ALSA library's own complaints,
/// which it prints to stderr by itself on a machine without cards).
fn own_lines(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("ALSA lib "))
        .cloned()
        .collect()
}

#[test]
fn play_null_records_the_time_played_at_440_hz_and_ends_in_silence() {
    const SECONDS: u32 = 3;
    let dir = TempDir::new("play_null_record");
    let wav = dir.join("played.wav");
    let wav_arg = wav.to_str().unwrap();
    let seconds = SECONDS.to_string();
    let mut player = Proc::spawn(
        "chronus play --host null --record",
        chronus_cmd(&[
            "play",
            "patches/sine-test-tone.ron",
            "--host",
            "null",
            "--sample-rate",
            "48000",
            "--record",
            wav_arg,
            "--seconds",
            &seconds,
            "--status-interval",
            "1",
        ]),
    );
    let status = player.wait_exit(
        READY_TIMEOUT + Duration::from_secs(SECONDS.into()),
        "--seconds 3",
    );
    let text = player.output.text();
    assert!(
        status.success(),
        "play exited with {status}. Output:\n{text}"
    );

    let (sr, channels) = chronus::host::wav::read_wav(&wav)
        .unwrap_or_else(|e| panic!("{e}. Player output:\n{text}"));
    assert_eq!(sr, SR, "sample rate of the recording");
    assert_eq!(channels.len(), 2, "the recording is stereo");

    // Length: the recording holds what the callback played, from the stream's start to its
    // close. --seconds counts wall time from the start of playing, then the ~50 ms fade-out
    // (2400 frames) is played and recorded too, in whole buffers. On top of that, the
    // stop is noticed by a thread that sleeps (so it can be late), and the null host
    // drops time on a missed deadline instead of catching up (so it can be short). Those
    // two are scheduling slack, not a promise of the implementation; 0.25 s of it is
    // allowed both ways, which a 2-core machine busy compiling should stay within.
    let expected = (SECONDS * SR) as i64;
    let fade = (SR / 20) as i64;
    let slack = (SR / 4) as i64;
    let len = channels[0].len() as i64;
    assert!(
        len >= expected - BUFFER as i64 - slack && len <= expected + fade + BUFFER as i64 + slack,
        "recording of {len} frames ({:.3} s) for --seconds {SECONDS}: expected {expected} \
         frames, less at most one buffer plus slack ({slack}), more at most the fade ({fade}) \
         + one buffer + slack. Output:\n{text}",
        len as f64 / SR as f64
    );

    let max_sine_step = sine_max_step(440.0, 0.25, SR as f64) as f32;
    for (name, signal) in ["left", "right"].iter().zip(&channels) {
        let what = format!("null-host recording, {name} channel");
        // The null host fills every buffer: no silent run at all once the tone started
        // (a single zero sample at a zero crossing is the only silence a sine has).
        let m = assert_test_tone(&what, signal, sr, (SECONDS * SR) as usize / 2, 2, true);
        assert!(
            m.onset < BUFFER,
            "{what}: the tone starts only at frame {} (expected in the first buffer)",
            m.onset
        );
        // Ends in silence: the fade-out reached zero.
        let tail = &signal[signal.len() - 32..];
        assert!(
            tail.iter().all(|x| x.abs() < 1e-3),
            "{what}: does not end in silence (the fade-out): last samples {tail:?}"
        );
        // No click anywhere (start, fade-out): no step beyond the sine's own largest step
        // (2% more for the fade's own slope, 0.25 / 2400 per sample, and rounding).
        let step = max_step(signal);
        assert!(
            step <= max_sine_step * 1.02,
            "{what}: a click: step of {step:.5} between two samples, the sine's largest is \
             {max_sine_step:.5}"
        );
    }

    // The status lines (one a second): nothing lost, nothing panicked.
    let lines = status_lines(&player.output.stderr());
    assert!(
        !lines.is_empty(),
        "no status line in {SECONDS} s with --status-interval 1. Output:\n{text}"
    );
    for s in &lines {
        assert_eq!(s.sample_rate, SR as u64, "status sample rate: {text}");
        assert_eq!(s.record_drops, 0, "record drops: {text}");
        assert_eq!(s.panics, 0, "panics: {text}");
    }
    // MIDI was not asked for: no ALSA library complaint on a machine without a sequencer.
    assert!(
        !player
            .output
            .stderr()
            .iter()
            .any(|l| l.starts_with("ALSA lib ")),
        "{text}"
    );
}

#[test]
fn play_null_with_an_unknown_device_exits_nonzero_listing_the_devices() {
    // --seconds bounds it should the device be ignored (that then fails below on exit 0).
    let (status, output) = run_chronus(&[
        "play",
        "patches/sine-test-tone.ron",
        "--host",
        "null",
        "--device",
        "nope",
        "--seconds",
        "2",
    ]);
    let text = output.text();
    assert!(
        !status.success(),
        "play --host null --device nope must fail, it exited with {status}. Output:\n{text}"
    );
    let lines = own_lines(&output.stderr());
    assert_eq!(lines.len(), 1, "expected a one-line error. Output:\n{text}");
    let line = &lines[0];
    assert!(
        line.contains("\"nope\"") || line.contains("nope"),
        "the error should name the device asked for: {line}"
    );
    assert!(
        line.contains("devices"),
        "the error should list the devices of the null host: {line}"
    );
}

/// True when ALSA has no sound card: no /proc/asound at all, or it says so.
fn no_alsa_cards() -> bool {
    match std::fs::read_to_string("/proc/asound/cards") {
        Err(_) => true,
        Ok(cards) => cards.contains("no soundcards") || cards.trim().is_empty(),
    }
}

#[cfg(target_os = "linux")]
#[test]
fn play_on_alsa_without_a_sound_card_says_what_to_do_instead() {
    if !no_alsa_cards() {
        eprintln!(
            "NOT CHECKED: this machine has ALSA sound cards (/proc/asound/cards), so plain \
             `chronus play` would play; the no-card error is only checked without cards"
        );
        return;
    }
    // Plain `play`: the built-in patch on the default host (ALSA on Linux). Bounded by
    // run_chronus's timeout should it play anyway.
    let (status, output) = run_chronus(&["play"]);
    let text = output.text();
    assert!(
        !status.success(),
        "play without a sound card must fail, it exited with {status}. Output:\n{text}"
    );
    let lines = own_lines(&output.stderr());
    assert_eq!(
        lines.len(),
        1,
        "expected one clear error line (besides the ALSA library's). Output:\n{text}"
    );
    let line = &lines[0];
    for hint in ["--host", "--device", "chronus devices", "render"] {
        assert!(
            line.contains(hint),
            "the error should mention `{hint}`: {line}"
        );
    }
}

#[test]
fn devices_lists_the_hosts_including_null() {
    let (status, output) = run_chronus(&["devices"]);
    let text = output.text();
    assert!(
        status.success(),
        "chronus devices failed ({status}):\n{text}"
    );
    let stdout = output.stdout();
    assert!(
        stdout.iter().any(|l| l.to_lowercase().contains("host")),
        "chronus devices should list the audio hosts:\n{text}"
    );
    assert!(
        stdout.iter().any(|l| l.contains("null")),
        "chronus devices should list the null host:\n{text}"
    );
}

/// `--config`: a bad file is refused before anything plays (one line, file:line:col, a
/// fix); a good one plays.
#[test]
fn play_with_a_config_file() {
    let dir = TempDir::new("play_null_config");
    let bad = dir.join("bad.ron");
    std::fs::write(&bad, "(\n  router: (ccs: [(cc: 20, action: tempoo)]),\n)\n").unwrap();
    let bad_arg = bad.to_str().unwrap();
    let (status, out) = run_chronus(&[
        "play",
        "patches/sine-test-tone.ron",
        "--host",
        "null",
        "--seconds",
        "5",
        "--config",
        bad_arg,
    ]);
    assert!(!status.success());
    let lines = own_lines(&out.stderr());
    assert_eq!(
        lines,
        vec![format!(
            "{bad_arg}:2:35: unknown action or value `tempoo`; did you mean `tempo`? choices: tempo, \
             filter_cutoff, reverb_mix, swing, density, master_volume, sequence_length, \
             scale_select, chaos_lock, mode, palette, drift, param"
        )]
    );

    let good = dir.join("good.ron");
    std::fs::write(
        &good,
        "(tuning: (a4: 432.0), router: (ccs: [(cc: 25, action: master_volume)]))",
    )
    .unwrap();
    let wav = dir.join("tuned.wav");
    let (status, out) = run_chronus(&[
        "play",
        "patches/sine-test-tone.ron",
        "--host",
        "null",
        "--sample-rate",
        "48000",
        "--seconds",
        "1",
        "--config",
        good.to_str().unwrap(),
        "--record",
        wav.to_str().unwrap(),
    ]);
    assert!(status.success(), "{}", out.text());
    let (_, channels) = chronus::host::wav::read_wav(&wav).unwrap();
    assert!(
        chronus_modules::analysis::peak(&channels[0]) > 0.2,
        "it played"
    );

    // Asking for ALSA MIDI where there is no sequencer is an error, not a silent no-MIDI.
    if !std::path::Path::new("/dev/snd/seq").exists() {
        let (status, out) = run_chronus(&[
            "play",
            "patches/sine-test-tone.ron",
            "--host",
            "null",
            "--seconds",
            "5",
            "--midi-host",
            "alsa",
        ]);
        assert!(!status.success());
        let lines = own_lines(&out.stderr());
        assert!(
            lines.last().is_some_and(|l| l.starts_with(
                "error: MIDI input (--midi-host alsa): cannot open the ALSA sequencer"
            )),
            "{lines:?}"
        );
    }
}

#[test]
fn live_play_of_a_generative_patch_gives_the_bits_of_its_render() {
    // Same patch, same seed, no input: the live player (256-frame callbacks on the null
    // host's timer thread) plays exactly what `render` (1024-frame chunks) writes, voice
    // reuse and all (the engine's sub-blocks follow its own 64-frame grid).
    let dir = TempDir::new("play_null_generative");
    let plain = assert_live_play_is_the_render(&dir, &[]);

    // The same `--config` on both: its tuning (every note at A4 = 432 Hz) and its
    // sequencer section (ambient mode after 1 s, which the patch leaves to the config)
    // apply live and offline alike.
    let config = dir.join("config.ron");
    std::fs::write(
        &config,
        "(tuning: (a4: 432.0), sequencer: (idle: (timeout: 1, fade_in: 0.5)))",
    )
    .unwrap();
    let configured = assert_live_play_is_the_render(&dir, &["--config", config.to_str().unwrap()]);
    let n = 2 * SR as usize;
    assert!(
        plain[0][..n] != configured[0][..n],
        "the config changes the piece"
    );
}

/// Plays patches/generative-pulse.ron with `--seed 5` and `args` for 3 s on the null host
/// (no OSC, no input), renders it with the same seed and `args`, and checks that the first
/// 2 s are the same bits; returns the render.
fn assert_live_play_is_the_render(dir: &TempDir, args: &[&str]) -> Vec<Vec<f32>> {
    let name = if args.is_empty() { "plain" } else { "args" };
    let (live, rendered) = (
        dir.join(&format!("live_{name}.wav")),
        dir.join(&format!("render_{name}.wav")),
    );
    let patch = "patches/generative-pulse.ron";
    let mut play = vec![
        "play",
        patch,
        "--host",
        "null",
        "--seed",
        "5",
        "--seconds",
        "3",
        "--no-osc",
        "--record",
        live.to_str().unwrap(),
    ];
    play.extend_from_slice(args);
    let mut player = Proc::spawn(
        &format!("chronus play --host null --seed 5 --record {args:?}"),
        chronus_cmd(&play),
    );
    let status = player.wait_exit(READY_TIMEOUT + Duration::from_secs(3), "--seconds 3");
    assert!(status.success(), "{}", player.output.text());
    let mut render = vec![
        "render",
        patch,
        "--seconds",
        "3",
        "--seed",
        "5",
        "--out",
        rendered.to_str().unwrap(),
    ];
    render.extend_from_slice(args);
    let (status, output) = run_chronus(&render);
    assert!(status.success(), "{}", output.text());
    let (_, live) = chronus::host::wav::read_wav(&live).unwrap();
    let (_, rendered) = chronus::host::wav::read_wav(&rendered).unwrap();
    // The first 2 s: the stop's fade-out comes after them however late the stop is.
    let n = 2 * SR as usize;
    assert!(live[0].len() >= n, "recorded {} frames", live[0].len());
    for (ch, (a, b)) in live.iter().zip(&rendered).enumerate() {
        let first = (0..n).find(|&i| a[i].to_bits() != b[i].to_bits());
        assert_eq!(
            first, None,
            "channel {ch}, {args:?}: live play differs from render from here on"
        );
        assert!(
            chronus_modules::analysis::peak(&b[..n]) > 0.05,
            "the piece plays"
        );
    }
    rendered
}
