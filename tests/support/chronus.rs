//! The `chronus` binary under test: its command line (run from the package root, JACK
//! auto-start and colours off), running it to its end, and parsing the `status:` lines of
//! `chronus play`.

use std::process::{Command, ExitStatus};

use super::process::{Output, Proc, READY_TIMEOUT};

/// Path of the chronus binary under test.
pub const CHRONUS: &str = env!("CARGO_BIN_EXE_chronus");

/// The package root: patches are given relative to it.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A `chronus` command run from the package root (so `patches/...` resolves), with JACK
/// auto-start disabled and colours off. `play` also gets `--osc-port 0` (any free port):
/// its OSC server's default port 9000 is taken as soon as two players run on the machine
/// (parallel tests, a player someone left running), and play then refuses to start; and
/// `--no-http` unless the test gives `--http` or `--no-http`.
pub fn chronus_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(CHRONUS);
    cmd.args(args);
    if args.first() == Some(&"play") {
        cmd.args(["--osc-port", "0"]);
        // The HTTP API's default address is taken as soon as two players run: tests that
        // use it give `--http 127.0.0.1:0` (any free port).
        if !args.contains(&"--http") && !args.contains(&"--no-http") {
            cmd.arg("--no-http");
        }
    }
    cmd.current_dir(ROOT)
        .env("NO_COLOR", "1")
        .env("JACK_NO_START_SERVER", "1");
    cmd
}

/// Runs `chronus args` to its end (bounded by [`READY_TIMEOUT`]); (status, output).
pub fn run_chronus(args: &[&str]) -> (ExitStatus, Output) {
    let mut p = Proc::spawn(&format!("chronus {}", args.join(" ")), chronus_cmd(args));
    let status = p.wait_exit(READY_TIMEOUT, "a command that should finish on its own");
    (status, p.output.clone())
}

/// One `status:` line of `chronus play`.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub sample_rate: u64,
    pub frames: u64,
    pub load_avg: f64,
    pub load_peak: f64,
    pub xruns: u64,
    pub callbacks: u64,
    pub voices: u64,
    pub revision: u64,
    pub panics: u64,
    pub record_drops: u64,
}

impl Status {
    /// Parses the part from `status: ` on:
    /// `status: {sr} Hz, {frames} frames, dsp load {avg}% (peak {peak}%), xruns {n},
    /// callbacks {n}, voices {n}, revision {n}, panics {n}, record drops {n}`.
    /// Whatever precedes `status: ` (a timestamp and level) is ignored.
    pub fn parse(line: &str) -> Option<Status> {
        let rest = &line[line.find("status: ")? + "status: ".len()..];
        let num = |after: &str, before: &str| -> Option<f64> {
            let start = rest.find(after)? + after.len();
            let tail = &rest[start..];
            let end = tail.find(before)?;
            tail[..end].trim().parse().ok()
        };
        let int = |after: &str, before: &str| num(after, before).map(|v| v as u64);
        // The first field has no key before it.
        let sample_rate = rest.split(" Hz").next()?.trim().parse().ok()?;
        Some(Status {
            sample_rate,
            frames: int("Hz, ", " frames")?,
            load_avg: num("dsp load ", "%")?,
            load_peak: num("(peak ", "%")?,
            xruns: int("xruns ", ",")?,
            callbacks: int("callbacks ", ",")?,
            voices: int("voices ", ",")?,
            revision: int("revision ", ",")?,
            panics: int("panics ", ",")?,
            record_drops: {
                let start = rest.find("record drops ")? + "record drops ".len();
                let digits: String = rest[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                digits.parse().ok()?
            },
        })
    }
}

/// The status lines in `lines`, parsed; panics on a line that has `status: ` but does not
/// parse (the format is a contract).
pub fn status_lines(lines: &[String]) -> Vec<Status> {
    lines
        .iter()
        .filter(|l| l.contains("status: "))
        .map(|l| Status::parse(l).unwrap_or_else(|| panic!("malformed status line: {l:?}")))
        .collect()
}
