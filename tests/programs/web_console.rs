//! The web console (issue #21) in two real headless browsers against `chronus play --host
//! null --record`: Chromium (Debian `chromium`, `chromium-driver`, `python3-selenium`) and
//! Firefox ESR (`firefox-esr`, driven over its own WebDriver BiDi agent with
//! `python3-websockets`). The same checks in both (`tests/support/web_console.py`): the
//! page connects with no console errors; the graph shows every module; every control is
//! labelled, valued and keyboard-reachable, on a desktop and a 390×844 phone viewport (no
//! horizontal overflow there); a commit made over OSC shows in the graph; and, measured
//! here in the recording: a key of the on-screen keyboard and one of the computer keyboard
//! play their pitch, the cutoff moved by the keyboard brightens and darkens the sound as
//! its control says, a patch loaded from the list switches the sound; saving under a name
//! obeys the folder rules, a bad patch's error shows with its file position, the
//! sequencer's mode control sets who decides active/ambient, and changes made over OSC move
//! the controls (a param's slider, the BPM field, swing, density, chaos lock).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use chronus_modules::analysis::{band_energy, spectrum};

use crate::support::chronus::{chronus_cmd, ROOT};
use crate::support::compare::{mono, pitch, rms_db};
use crate::support::http::{http_addr, PYTHON};
use crate::support::osc::osc_port;
use crate::support::process::{programs_available, Proc};
use crate::support::temp::TempDir;

/// A patch with a RON syntax error on line 3 (the missing comma).
const BAD_SYNTAX: &str =
    "(\n    modules: {\n        \"a\": (kind: \"sine\") \"b\": (kind: \"vca\"),\n    },\n)\n";
/// A patch naming an unknown module kind on line 3 (a validation error).
const BAD_KIND: &str = "(\n    modules: {\n        \"x\": (kind: \"no_such_kind\"),\n    },\n)\n";
/// A patch whose modules make a loop (the compiler's error, at the first module's line).
const BAD_LOOP: &str = "(\n    modules: {\n        \"a\": (kind: \"lowpass\"),\n        \"b\": (kind: \"highpass\"),\n    },\n    connections: [(\"a.out\", \"b.in\"), (\"b.out\", \"a.in\"), (\"a.out\", \"output.left\")],\n)\n";

/// Whether the programs and the Python module `browser` needs are there (when not: skipped
/// loudly, or failed under `CHRONUS_REQUIRE_INTEGRATION=1`).
fn browser_available(test: &str, browser: &str) -> bool {
    let (programs, module): (&[&str], &str) = match browser {
        "chromium" => (&["chromium", "chromedriver"], "selenium"),
        _ => (&["firefox-esr"], "websockets"),
    };
    if !programs_available(test, programs) {
        return false;
    }
    let has = Command::new(PYTHON)
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        let msg = format!("SKIPPED: python3-{module} not installed (test {test})");
        assert!(
            std::env::var("CHRONUS_REQUIRE_INTEGRATION").as_deref() != Ok("1"),
            "{msg}"
        );
        eprintln!("\n*** {msg} ***\n");
    }
    has
}

/// What a run left: the driver's output, its `MARK name frame` lines, the recording.
struct Run {
    stdout: String,
    marks: HashMap<String, usize>,
    sample_rate: f64,
    audio: Vec<f64>,
}

impl Run {
    /// The recording between two marks, skipping `settle` seconds after the first.
    fn between(&self, from: &str, to: &str, settle: f64) -> &[f64] {
        let a = self.marks[from] + (settle * self.sample_rate) as usize;
        let b = self.marks[to].min(self.audio.len());
        assert!(a + 32_768 <= b, "{from}..{to} is too short: {a}..{b}");
        &self.audio[a..b]
    }
}

/// Runs the console's `checks` in `browser` against `chronus play PATCH`.
fn console(browser: &str, patch: &str, checks: &str) -> Run {
    let dir = TempDir::new("web_console");
    let folder = dir.path().join("patches");
    std::fs::create_dir_all(&folder).unwrap();
    for p in ["poly-subtractive", "generative-pulse", "sine-test-tone"] {
        std::fs::copy(
            Path::new(ROOT).join(format!("patches/{p}.ron")),
            folder.join(format!("{p}.ron")),
        )
        .unwrap();
    }
    std::fs::write(folder.join("bad-syntax.ron"), BAD_SYNTAX).unwrap();
    std::fs::write(folder.join("bad-kind.ron"), BAD_KIND).unwrap();
    std::fs::write(folder.join("bad-loop.ron"), BAD_LOOP).unwrap();
    let wav = dir.path().join("out.wav");
    let mut player = Proc::spawn(
        "chronus play",
        chronus_cmd(&[
            "play",
            patch,
            "--host",
            "null",
            "--buffer",
            "256",
            "--http",
            "127.0.0.1:0",
            "--patch-dir",
            folder.to_str().unwrap(),
            "--record",
            wav.to_str().unwrap(),
            "--seconds",
            "120",
        ]),
    )
    .graceful_on_drop();
    let addr = http_addr(&mut player);
    let port = osc_port(&mut player);
    let out = Command::new(PYTHON)
        .arg(format!("{ROOT}/tests/support/web_console.py"))
        .args([
            browser,
            &format!("http://{addr}"),
            &port.to_string(),
            checks,
        ])
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.lines().any(|l| l == "OK"),
        "the console failed in {browser}:\n{stdout}\n{stderr}\n{}",
        player.output.text()
    );
    eprintln!("{stdout}");
    assert!(
        !folder.parent().unwrap().join("escaped.ron").exists(),
        "a name out of the folder was written"
    );
    if checks.contains("folder") {
        assert!(folder.join("saved-from-page.ron").exists());
        // Each error as `chronus check` words it, the file named as it was loaded: the
        // syntax, a validation error (the kind) and the compiler's (the loop).
        for (name, at) in [
            ("bad-syntax", "/patch/load: bad-syntax:3:29: syntax error"),
            (
                "bad-kind",
                "/patch/load: bad-kind:3:21: module \"x\": unknown kind",
            ),
            (
                "bad-loop",
                "/patch/load: bad-loop:3:9: cycle through modules",
            ),
        ] {
            let shown = stdout
                .lines()
                .find(|l| l.starts_with(&format!("{name} error shown:")))
                .unwrap_or_else(|| panic!("no {name} line in {stdout}"));
            assert!(
                shown.contains(at),
                "{name}'s error is not shown as {at:?}: {shown}"
            );
        }
    }
    player.signal("INT");
    player.wait_exit(crate::support::process::READY_TIMEOUT, "the player to stop");
    let marks = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("MARK "))
        .map(|l| {
            let (name, frame) = l.split_once(' ').unwrap();
            (name.to_string(), frame.parse().unwrap())
        })
        .collect();
    let mut reader = hound::WavReader::open(&wav).unwrap();
    let spec = reader.spec();
    let samples: Vec<f32> = reader.samples::<f32>().map(Result::unwrap).collect();
    let channels: Vec<Vec<f32>> = (0..2)
        .map(|c| samples.iter().skip(c).step_by(2).copied().collect())
        .collect();
    Run {
        stdout,
        marks,
        sample_rate: spec.sample_rate as f64,
        audio: mono(&channels),
    }
}

/// The strongest frequency between `lo` and `hi` Hz of the first 32768 samples of `x`
/// (magnitude spectrum peak), refined to the power centroid within 3 % of it.
fn strongest(x: &[f64], sr: f64, lo: f64, hi: f64) -> f64 {
    let x: Vec<f32> = x[..32_768].iter().map(|&v| v as f32).collect();
    let s = spectrum(&x);
    let bin = sr / x.len() as f64;
    let k = (((lo / bin) as usize)..((hi / bin) as usize).min(s.len()))
        .max_by(|&a, &b| s[a].total_cmp(&s[b]))
        .unwrap();
    let f = k as f64 * bin;
    let body: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    pitch(&body, sr, f / 1.03, f * 1.03)
}

/// Energy above `hz` over all energy, in the first 32768 samples of `x`.
fn above(x: &[f64], sr: f64, hz: f64) -> f64 {
    let x: Vec<f32> = x[..32_768].iter().map(|&v| v as f32).collect();
    let s = spectrum(&x);
    band_energy(&s, sr as f32, hz, sr / 2.0) / band_energy(&s, sr as f32, 20.0, sr / 2.0)
}

fn assert_pitch(run: &Run, from: &str, to: &str, want: f64) {
    let got = strongest(run.between(from, to, 0.3), run.sample_rate, 80.0, 2000.0);
    assert!(
        (got / want - 1.0).abs() < 0.01,
        "{from}: the recording's pitch is {got:.1} Hz, not {want:.1} Hz\n{}",
        run.stdout
    );
    eprintln!("{from}: {got:.2} Hz (want {want:.2})");
}

/// The sound checks of one browser run on `poly-subtractive`, in the recording.
fn sound_checks(run: &Run) {
    let sr = run.sample_rate;
    let silence = rms_db(run.between("silence", "onscreen_e4", 0.1));
    assert!(
        silence < -80.0,
        "silence before the notes: {silence:.1} dBFS"
    );
    // E4 from the on-screen keyboard, C5 from the computer's K key.
    assert_pitch(run, "onscreen_e4", "onscreen_e4_end", 329.63);
    assert_pitch(run, "computer_c5", "cutoff_default", 523.25);
    // The cutoff: 1800 Hz (the patch), then 20 kHz (End), then 20 Hz (Home). At the top
    // the saw's partials above 4 kHz come through; at the bottom the note is gone.
    let default = run.between("computer_c5", "cutoff_default", 0.3);
    let max = run.between("cutoff_max", "cutoff_min", 0.3);
    let min = run.between("cutoff_min", "cutoff_min_end", 1.2);
    let (hi_default, hi_max) = (above(default, sr, 4000.0), above(max, sr, 4000.0));
    eprintln!(
        "energy above 4 kHz: {hi_default:.2e} at 1800 Hz, {hi_max:.2e} at 20 kHz; level {:.1} dB at 1800 Hz, {:.1} dB at 20 Hz",
        rms_db(default),
        rms_db(min)
    );
    assert!(
        hi_max > 20.0 * hi_default,
        "opening the cutoff did not brighten the sound: {hi_default:.2e} -> {hi_max:.2e}"
    );
    assert!(
        rms_db(min) < rms_db(default) - 30.0,
        "closing the cutoff did not silence the note: {:.1} -> {:.1} dB",
        rms_db(default),
        rms_db(min)
    );
    // The patch loaded from the list: its 440 Hz test tone, playing by itself.
    let tone = run.between("loaded_tone", "loaded_tone_end", 0.3);
    assert_pitch(run, "loaded_tone", "loaded_tone_end", 440.0);
    assert!(
        rms_db(tone) > -20.0,
        "the loaded tone is too quiet: {:.1}",
        rms_db(tone)
    );
}

fn all_checks(browser: &str) {
    let test = &format!("console_in_{browser}");
    if !browser_available(test, browser) {
        return;
    }
    let run = console(browser, "patches/poly-subtractive.ron", "page,folder,sound");
    sound_checks(&run);
    console(browser, "patches/generative-pulse.ron", "page,mode,follow");
}

#[test]
fn console_in_chromium() {
    all_checks("chromium");
}

#[test]
fn console_in_firefox() {
    all_checks("firefox");
}
