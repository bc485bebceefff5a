//! Chronus against SuperCollider's scsynth on the reference voice of BENCHMARKS.md.
//!
//! ```text
//! cargo build --release
//! cargo run --release --example scsynth_ref                 # 64 voices, 60 s, 3 runs each
//! cargo run --release --example scsynth_ref -- --runs 5 --seconds 30
//! ```
//!
//! What it does, all under `target/scsynth-ref/`:
//! 1. Writes `ref-voice.scsyndef`, the voice of `patches/bench/ref-voice.ron` as a
//!    SuperCollider SynthDef in the binary SCgf version-2 format, UGen by UGen with
//!    Chronus's own encoder (`chronus::supercollider`; there is no sclang here). In sclang
//!    it would read:
//!    ```text
//!    SynthDef(\ref-voice, { |freq = 440, amp = 0.1, gate = 1|
//!        var sig = RLPF.ar(Saw.ar(freq) + Saw.ar(freq * 1.005), 1200, 1 / 3.33);
//!        var env = EnvGen.kr(Env.adsr(0.01, 0.2, 0.6, 0.3), gate, amp, doneAction: 2);
//!        Out.ar(0, [sig * env, sig * env]);
//!    })
//!    ```
//!    `amp` is the envelope's level scale (one multiply, as Chronus's VCA `gain`).
//! 2. Checks the def: renders one voice at 220 Hz for 2 s with `scsynth -N` (non-realtime)
//!    and the same note with `chronus render`, and prints the pitch (autocorrelation) and
//!    level of both. It stops if scsynth's output is silent or off pitch.
//! 3. Times both rendering 64 voices (MIDI notes 36..=99, all held) for `--seconds`,
//!    alternating scsynth and Chronus `--runs` times, plus the same length with no voices
//!    (what each costs to start, run an empty graph and write the WAV file). CPU time is
//!    user + system of the child process (`getrusage(RUSAGE_CHILDREN)` around each run).
//!    Prints every run, the medians and the ratio Chronus / scsynth, raw and net of the
//!    empty baseline.
//!
//! Both write a 32-bit float stereo WAV at 48 kHz; scsynth uses its default 64-frame
//! control block, Chronus its 64-frame engine block.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

const SAMPLE_RATE: u32 = 48_000;
const DEF_NAME: &str = "ref-voice";
const AMP: f32 = 0.1;
/// The notes of the timed render: 64 semitones from C2.
const NOTES: std::ops::RangeInclusive<u8> = 36..=99;

fn main() {
    let mut seconds = 60.0f64;
    let mut runs = 3usize;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut chronus = root.join("target/release/chronus");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage(&arg));
        match arg.as_str() {
            "--seconds" => seconds = value().parse().unwrap_or_else(|_| usage("--seconds")),
            "--runs" => runs = value().parse().unwrap_or_else(|_| usage("--runs")),
            "--chronus" => chronus = PathBuf::from(value()),
            _ => usage(&arg),
        }
    }
    if !chronus.exists() {
        eprintln!(
            "{} not found: run `cargo build --release` first (or pass --chronus PATH)",
            chronus.display()
        );
        std::process::exit(2);
    }
    let patch = root.join("patches/bench/ref-voice.ron");
    let dir = root.join("target/scsynth-ref");
    std::fs::create_dir_all(&dir).expect("create target/scsynth-ref");

    let def = synthdef();
    std::fs::write(dir.join("ref-voice.scsyndef"), &def).expect("write the synthdef");

    // 2. One voice at 220 Hz (MIDI 57), both engines.
    let check_score = dir.join("check.osc");
    std::fs::write(&check_score, score(&def, &[220.0], 2.0)).expect("write the score");
    let sc_wav = dir.join("check-scsynth.wav");
    let ch_wav = dir.join("check-chronus.wav");
    scsynth(&check_score, &sc_wav).expect("scsynth renders the check score");
    chronus_render(&chronus, &patch, 2.0, "57@0:2", &ch_wav).expect("chronus renders");
    let (sc_pitch, sc_rms) = analyse(&sc_wav);
    let (ch_pitch, ch_rms) = analyse(&ch_wav);
    println!("check, one voice at 220 Hz, 0.5..1.5 s:");
    println!("  scsynth: pitch {sc_pitch:7.2} Hz, RMS {sc_rms:.4}");
    println!("  chronus: pitch {ch_pitch:7.2} Hz, RMS {ch_rms:.4}");
    if sc_rms < 0.005 || (sc_pitch / 220.0 - 1.0).abs() > 0.02 {
        eprintln!("scsynth's output is silent or off pitch: the SynthDef is wrong");
        std::process::exit(1);
    }
    // SuperCollider's band-limited `Saw` spans about ±0.5 (a lone `Saw.ar(220)` renders
    // RMS 0.289 = 0.5/√3), Chronus's saw ±1; everything after the saws is linear, so the
    // same voice is exactly twice as loud here (every harmonic up to the 15th measured
    // 1.99–2.00×). The timed def keeps SuperCollider's own `Saw`, without a `* 2`.
    let level = ch_rms / sc_rms;
    println!("  level chronus / scsynth: {level:.3} (expected 2: SuperCollider's Saw spans ±0.5)");
    if !(1.9..=2.1).contains(&level) {
        eprintln!("the two voices differ by more than the saws' amplitude: the SynthDef is wrong");
        std::process::exit(1);
    }

    // 3. The timed renders.
    let freqs: Vec<f32> = NOTES.map(midi_hz).collect();
    let full_score = dir.join("ref-64.osc");
    let empty_score = dir.join("empty.osc");
    std::fs::write(&full_score, score(&def, &freqs, seconds)).expect("write the score");
    std::fs::write(&empty_score, score(&def, &[], seconds)).expect("write the score");
    let notes: Vec<String> = NOTES.map(|n| format!("{n}@0:{seconds}")).collect();
    let notes = notes.join(",");
    let out = dir.join("timed.wav");
    let (mut sc, mut ch, mut sc0, mut ch0) = (vec![], vec![], vec![], vec![]);
    println!(
        "\n{} voices held for {seconds} s, alternating runs (CPU s = user + sys; wall s):",
        freqs.len()
    );
    for run in 1..=runs {
        let t = timed(|| scsynth(&full_score, &out));
        println!(
            "  run {run} scsynth          cpu {:7.3}  wall {:7.3}",
            t.0, t.1
        );
        sc.push(t.0);
        let t = timed(|| chronus_render(&chronus, &patch, seconds, &notes, &out));
        println!(
            "  run {run} chronus          cpu {:7.3}  wall {:7.3}",
            t.0, t.1
        );
        ch.push(t.0);
        let t = timed(|| scsynth(&empty_score, &out));
        println!(
            "  run {run} scsynth (empty)  cpu {:7.3}  wall {:7.3}",
            t.0, t.1
        );
        sc0.push(t.0);
        let t = timed(|| chronus_render(&chronus, &patch, seconds, "", &out));
        println!(
            "  run {run} chronus (empty)  cpu {:7.3}  wall {:7.3}",
            t.0, t.1
        );
        ch0.push(t.0);
    }
    let (sc, ch, sc0, ch0) = (median(sc), median(ch), median(sc0), median(ch0));
    let voices = freqs.len() as f64;
    println!("\nmedians (CPU s): scsynth {sc:.3}, chronus {ch:.3}; empty: scsynth {sc0:.3}, chronus {ch0:.3}");
    println!(
        "ratio chronus / scsynth, raw:                 {:.2}",
        ch / sc
    );
    println!(
        "ratio chronus / scsynth, net of empty render: {:.2}",
        (ch - ch0) / (sc - sc0)
    );
    println!(
        "per voice, net: scsynth {:.1} µs, chronus {:.1} µs of CPU per second of audio",
        (sc - sc0) / voices / seconds * 1e6,
        (ch - ch0) / voices / seconds * 1e6
    );
}

fn usage(arg: &str) -> ! {
    eprintln!("bad argument {arg:?}; usage: scsynth_ref [--seconds S] [--runs N] [--chronus PATH]");
    std::process::exit(2)
}

fn midi_hz(note: u8) -> f32 {
    440.0 * 2f32.powf((f32::from(note) - 69.0) / 12.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// CPU seconds (user + system) of the children `f` waits for, and wall seconds.
fn timed(f: impl FnOnce() -> Result<(), String>) -> (f64, f64) {
    let before = children_cpu();
    let start = Instant::now();
    f().unwrap_or_else(|e| panic!("{e}"));
    let wall = start.elapsed().as_secs_f64();
    (children_cpu() - before, wall)
}

/// User + system CPU seconds of every child waited for so far.
fn children_cpu() -> f64 {
    // SAFETY: `getrusage` fills the zeroed struct we own; RUSAGE_CHILDREN is valid.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// `scsynth -N`: renders `score` to a stereo float WAV at 48 kHz.
fn scsynth(score: &Path, wav: &Path) -> Result<(), String> {
    let status = Command::new("scsynth")
        // 2 output channels, no inputs, don't load the default synthdef folder.
        .args(["-o", "2", "-i", "0", "-D", "0", "-N"])
        .arg(score)
        .arg("_")
        .arg(wav)
        .args([&SAMPLE_RATE.to_string(), "WAV", "float"])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run scsynth (install supercollider-server): {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or(format!("scsynth failed: {status}"))
}

fn chronus_render(
    chronus: &Path,
    patch: &Path,
    seconds: f64,
    notes: &str,
    wav: &Path,
) -> Result<(), String> {
    let mut command = Command::new(chronus);
    command
        .arg("render")
        .arg(patch)
        .args(["--seconds", &seconds.to_string(), "--out"])
        .arg(wav);
    if !notes.is_empty() {
        command.args(["--notes", notes]);
    }
    let status = command
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", chronus.display()))?;
    status
        .success()
        .then_some(())
        .ok_or(format!("chronus render failed: {status}"))
}

/// Pitch (autocorrelation peak, 50..2000 Hz) and RMS of the left channel from 0.5 to 1.5 s.
fn analyse(wav: &Path) -> (f64, f64) {
    let mut reader = hound::WavReader::open(wav).expect("read the WAV");
    let channels = reader.spec().channels as usize;
    let samples: Vec<f32> = reader
        .samples::<f32>()
        .map(|s| s.expect("sample"))
        .collect();
    let left: Vec<f64> = samples
        .iter()
        .step_by(channels)
        .map(|&s| s as f64)
        .collect();
    let sr = SAMPLE_RATE as usize;
    let x = &left[sr / 2..sr * 3 / 2];
    let rms = (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt();
    let n = x.len() - sr / 50 - 1;
    let corr = |lag: usize| (0..n).map(|i| x[i] * x[i + lag]).sum::<f64>();
    let best = (sr / 2000..=sr / 50)
        .max_by(|&a, &b| corr(a).total_cmp(&corr(b)))
        .expect("lags");
    // Parabolic interpolation around the peak.
    let (a, b, c) = (corr(best - 1), corr(best), corr(best + 1));
    let offset = 0.5 * (a - c) / (a - 2.0 * b + c);
    (sr as f64 / (best as f64 + offset), rms)
}

// ---- The SynthDef, through Chronus's own encoder (`chronus::supercollider`) ----

/// The reference voice as a one-def SCgf v2 file.
fn synthdef() -> Vec<u8> {
    use chronus::supercollider::{encode, DefBuilder, Rate, Sig};
    use chronus_modules::ScBinOp;
    const SHARED: usize = 0;
    let controls = [
        ("freq".to_string(), 440.0f32),
        ("amp".to_string(), AMP),
        ("gate".to_string(), 1.0),
    ];
    let (mut d, c) = DefBuilder::new(DEF_NAME, &controls);
    let (freq, amp, gate) = (c[0], c[1], c[2]);
    let freq2 = d.bin(ScBinOp::Mul, freq, Sig::Const(1.005));
    let saw1 = d.ugen1(SHARED, "Saw", Rate::Audio, 0, &[freq]);
    let saw2 = d.ugen1(SHARED, "Saw", Rate::Audio, 0, &[freq2]);
    let sum = d.bin(ScBinOp::Add, saw1, saw2);
    let filtered = d.ugen1(
        SHARED,
        "RLPF",
        Rate::Audio,
        0,
        &[sum, Sig::Const(1200.0), Sig::Const(1.0 / 3.33)],
    );
    // EnvGen inputs: gate, levelScale, levelBias, timeScale, doneAction, then the envelope:
    // initial level, segments, release node, loop node (-99: none), then per segment
    // level, time, shape (5 = curve), curve. Env.adsr(0.01, 0.2, 0.6, 0.3), curve -4.
    let mut env = vec![gate, amp, Sig::Const(0.0), Sig::Const(1.0), Sig::Const(2.0)];
    env.extend([0.0, 3.0, 2.0, -99.0].map(Sig::Const));
    for (level, time) in [(1.0, 0.01), (0.6, 0.2), (0.0, 0.3)] {
        env.extend([level, time, 5.0, -4.0].map(Sig::Const));
    }
    let env = d.ugen1(SHARED, "EnvGen", Rate::Control, 0, &env);
    let sig = d.bin(ScBinOp::Mul, filtered, env);
    d.ugen(
        SHARED,
        "Out",
        Rate::Audio,
        0,
        &[Sig::Const(0.0), sig, sig],
        0,
    );
    encode(&[d.finish()]).expect("short names")
}

// ---- The NRT score: length-prefixed OSC bundles, time tags in seconds (32.32) ----

fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.to_string(),
        args,
    })
}

fn osc_bundle(out: &mut Vec<u8>, seconds: f64, content: Vec<OscPacket>) {
    let bundle = OscPacket::Bundle(OscBundle {
        timetag: OscTime {
            seconds: seconds.floor() as u32,
            fractional: (seconds.fract() * 4_294_967_296.0) as u32,
        },
        content,
    });
    let bytes = rosc::encoder::encode(&bundle).expect("plain values");
    out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    out.extend_from_slice(&bytes);
}

/// Loads `def`, starts one held voice per frequency at 0 s, ends at `seconds`.
fn score(def: &[u8], freqs: &[f32], seconds: f64) -> Vec<u8> {
    let mut out = Vec::new();
    osc_bundle(
        &mut out,
        0.0,
        vec![message("/d_recv", vec![OscType::Blob(def.to_vec())])],
    );
    let voices: Vec<OscPacket> = freqs
        .iter()
        .enumerate()
        .map(|(i, &f)| {
            message(
                "/s_new",
                vec![
                    OscType::String(DEF_NAME.into()),
                    OscType::Int(1000 + i as i32),
                    OscType::Int(0), // add to head
                    OscType::Int(0), // of the root group
                    OscType::String("freq".into()),
                    OscType::Float(f),
                    OscType::String("gate".into()),
                    OscType::Float(1.0),
                ],
            )
        })
        .collect();
    if !voices.is_empty() {
        osc_bundle(&mut out, 0.0, voices);
    }
    // The score ends with its last command (sclang's Score does the same).
    osc_bundle(
        &mut out,
        seconds,
        vec![message(
            "/c_set",
            vec![OscType::Int(0), OscType::Float(0.0)],
        )],
    );
    out
}
