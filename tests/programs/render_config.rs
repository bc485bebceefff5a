//! `chronus render --config FILE.ron`, through the real binary: the config's `tuning` and
//! `sequencer` sections shape a render as they shape live play, renders with a config stay
//! byte-identical per seed, and a bad config is one positioned line, exit 1, no file.
//! (Live play against render with the same config: `tests/programs/play_null.rs`.)

use std::path::{Path, PathBuf};

use crate::support::chronus::run_chronus;
use crate::support::temp::TempDir;
use chronus_modules::analysis::{peak, zero_crossing_frequency};

const SR: usize = 48_000;

/// Writes `text` to `dir/name` and returns the path.
fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `chronus render PATCH --out OUT ARGS...`, which must succeed; the WAV's two channels.
fn render(patch: &Path, out: &Path, args: &[&str]) -> Vec<Vec<f32>> {
    let mut all = vec![
        "render",
        patch.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let (status, output) = run_chronus(&all);
    assert!(status.success(), "chronus {all:?}: {}", output.text());
    let (sr, channels) = chronus::host::wav::read_wav(out).unwrap();
    assert_eq!(sr as usize, SR);
    channels
}

#[test]
fn the_configs_tuning_sets_the_pitch_of_a_render() {
    let dir = TempDir::new("render_config_tuning");
    let patch = write(&dir, "sine.ron", &crate::support::engine::sine_voice(2));
    let config = write(&dir, "432.ron", "(tuning: (a4: 432.0))");
    let args = ["--seconds", "1", "--notes", "69@0:1"];
    let pitch = |channels: &[Vec<f32>]| {
        // From 0.1 s (past the attack) to 0.9 s (before the release).
        zero_crossing_frequency(&channels[0][SR / 10..SR * 9 / 10], SR as f32).unwrap()
    };

    let concert = pitch(&render(&patch, &dir.join("440.wav"), &args));
    assert!(
        (concert - 440.0).abs() < 1.0,
        "A4 without a config: {concert} Hz"
    );

    let mut with_config = args.to_vec();
    with_config.extend(["--config", config.to_str().unwrap()]);
    let tuned = pitch(&render(&patch, &dir.join("432.wav"), &with_config));
    assert!(
        (tuned - 432.0).abs() < 1.0,
        "A4 with `tuning: (a4: 432.0)`: {tuned} Hz"
    );
}

#[test]
fn the_configs_sequencer_section_shapes_a_generative_render_the_same_way_every_time() {
    // generative-pulse's `sequence` sets tempo, swing, density, drift and scales but no
    // `idle`, so the config's idle settings are the piece's: ambient mode after 1 s here
    // instead of the default 30 s.
    let dir = TempDir::new("render_config_sequencer");
    let patch = Path::new("patches/generative-pulse.ron");
    let config = write(
        &dir,
        "idle.ron",
        "(sequencer: (idle: (timeout: 1, fade_in: 0.5)))",
    );
    let seed = ["--seconds", "3", "--seed", "7"];
    let mut with_config = seed.to_vec();
    with_config.extend(["--config", config.to_str().unwrap()]);

    let plain = render(patch, &dir.join("plain.wav"), &seed);
    let (a, b) = (dir.join("a.wav"), dir.join("b.wav"));
    let configured = render(patch, &a, &with_config);
    render(patch, &b, &with_config);
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "same config and seed, same bytes"
    );
    assert!(peak(&configured[0]) > 0.05, "the piece plays");

    // The same piece until the idle timeout, another one from there on.
    let first = (0..plain[0].len())
        .find(|&i| plain[0][i].to_bits() != configured[0][i].to_bits())
        .expect("the config's idle section changes the render");
    assert!(
        first >= SR,
        "the render with the config differs from frame {first}, before its 1 s idle timeout"
    );
}

#[test]
fn a_bad_config_is_one_positioned_line_and_writes_no_file() {
    let dir = TempDir::new("render_config_bad");
    let bad = write(
        &dir,
        "bad.ron",
        "(\n    sequencer: (idle: (timeout: -1)),\n)\n",
    );
    let bad_arg = bad.to_str().unwrap();
    let out = dir.join("never.wav");
    let (status, output) = run_chronus(&[
        "render",
        "patches/generative-pulse.ron",
        "--seconds",
        "1",
        "--out",
        out.to_str().unwrap(),
        "--config",
        bad_arg,
    ]);
    assert_eq!(status.code(), Some(1), "{}", output.text());
    assert_eq!(
        output.stderr(),
        vec![format!(
            "{bad_arg}:2:33: sequencer.idle.timeout -1 is out of range 0 .. 86400; see the \
             `sequencer` table in the README for every range"
        )]
    );
    assert!(!out.exists(), "a refused config wrote {}", out.display());
}
