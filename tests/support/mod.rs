//! Helpers for the tests that run real programs: the `chronus` binary, a private JACK dummy
//! server (`jackd`), and jackd2's example clients (`jack_lsp`, `jack_rec`).
//!
//! - Every spawned process lives in a [`Proc`], whose `Drop` kills and reaps it, so nothing
//!   outlives a failing (panicking) test.
//! - Every wait is bounded ([`READY_TIMEOUT`]) and fails with a message saying what did not
//!   happen, with the captured output of the programs involved. These are readiness waits,
//!   never performance assertions.
//! - Each JACK server gets a unique name (process id + test name + counter), and every JACK
//!   program (and chronus) is started with `JACK_DEFAULT_SERVER` set to it, so tests run in
//!   parallel, and with `JACK_NO_START_SERVER=1`, so nothing silently auto-starts a default
//!   server when ours is down.
//!
//! JACK notes for this machine (jackd2 1.9.21, running as root, no dbus, no sound card):
//! - `jackd --no-realtime -n NAME -d dummy -r 48000 -p 256` starts in about 0.3 s;
//!   `jack_lsp` exits 0 once it is up (and 1 at once when it is not). No dbus needed.
//! - Realtime is allowed here (root: `chrt -f 1 true` succeeds) and matters: under load a
//!   `--no-realtime` server reports xruns every second, a `-R -P 10` one (its clients'
//!   process threads get SCHED_FIFO 5) only now and then. See [`realtime_allowed`].
//! - jackd2 has room for 8 servers per user in its shm registry. A server that dies without
//!   unregistering (SIGKILL; or SIGPIPE, which it can die of when stopped right after one of
//!   its clients was SIGKILLed) keeps its slot until a server of the same name runs again.
//!   So servers are stopped with SIGTERM (which frees the slot and its /dev/shm files),
//!   players are stopped with SIGTERM before their server, and a server that did not exit
//!   cleanly is started once more under its name and stopped cleanly (`JackServer::drop`).
//! - `jack_rec -f FILE -d SECONDS [-b BITS] PORT...` connects to the ports itself, records
//!   exactly SECONDS × rate frames and exits 0; `-d` takes whole seconds; its client name is
//!   always `jackrec`. Without `-b` it writes 16-bit PCM; `-b 32` gives 32-bit PCM. The
//!   first samples can be zero (the connections are made while it already runs). It has no
//!   man page or `--help`; run it without arguments for its usage line.
//! - `jack_wait -w -t N` does not give up after N seconds here; the tests poll `jack_lsp`.
//! - cpal names chronus's JACK client `chronus_out` with ports `out_0`, `out_1`; the tests
//!   find them as the output ports that are not `system:*`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chronus_modules::analysis::{max_step, peak, zero_crossing_frequency};

/// Bound of every readiness wait (server up, ports present, process exited, status line).
/// Generous on purpose: a 2-core machine shared with compilers can be slow to schedule.
pub const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// Path of the chronus binary under test.
pub const CHRONUS: &str = env!("CARGO_BIN_EXE_chronus");

/// The package root: patches are given relative to it.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

// ---------------------------------------------------------------------------------------
// Skipping when a program is missing.

/// True when every program is on PATH. Otherwise prints a loud `SKIPPED` line and returns
/// false, or panics when `CHRONUS_REQUIRE_INTEGRATION=1` (CI installs the programs).
pub fn programs_available(test: &str, programs: &[&str]) -> bool {
    for program in programs {
        if find_program(program).is_none() {
            let msg = format!("SKIPPED: {program} not installed (test {test})");
            if std::env::var("CHRONUS_REQUIRE_INTEGRATION").as_deref() == Ok("1") {
                panic!("{msg}; CHRONUS_REQUIRE_INTEGRATION=1 requires it");
            }
            eprintln!("\n*** {msg} ***\n");
            return false;
        }
    }
    true
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

// ---------------------------------------------------------------------------------------
// Progress notes.

/// Prints `[  1.23 s] what` to stderr: a timeline of the test's steps, which libtest shows
/// when the test fails.
pub fn step(start: Instant, what: &str) {
    eprintln!("[{:6.2} s] {what}", start.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------------------------------
// Names and temporary directories.

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A name unique to this process, test and call: `chr<pid>_<test>_<n>` (letters, digits
/// and `_` only, short enough for JACK's server and semaphore names).
pub fn unique_name(test: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let test: String = test
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(24)
        .collect();
    format!("chr{}_{test}_{n}", std::process::id())
}

/// A temporary directory, removed on drop unless the test is failing (then it is kept and
/// its path printed, for looking at the recordings).
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(unique_name(test));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("(test files kept in {})", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Processes.

/// The lines a child wrote to stdout and stderr so far (read by two threads), each with
/// the time it arrived.
#[derive(Clone, Default)]
pub struct Output {
    lines: Arc<Mutex<Vec<Line>>>,
}

/// One line of a child's output.
#[derive(Clone, Debug)]
pub struct Line {
    pub at: Instant,
    pub stream: Stream,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Output {
    fn collect(&self, stream: Stream, pipe: impl Read + Send + 'static) -> JoinHandle<()> {
        let lines = self.lines.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(pipe);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let line = strip_ansi(&String::from_utf8_lossy(&buf));
                        let line = line.trim_end_matches(['\n', '\r']).to_string();
                        lines.lock().unwrap().push(Line {
                            at: Instant::now(),
                            stream,
                            text: line,
                        });
                    }
                }
            }
        })
    }

    /// Lines of one stream so far.
    pub fn lines(&self, stream: Stream) -> Vec<String> {
        let lines = self.lines.lock().unwrap();
        lines
            .iter()
            .filter(|l| l.stream == stream)
            .map(|l| l.text.clone())
            .collect()
    }

    /// All lines so far, both streams, in arrival order, with their arrival times.
    pub fn all(&self) -> Vec<Line> {
        self.lines.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> Vec<String> {
        self.lines(Stream::Stderr)
    }

    pub fn stdout(&self) -> Vec<String> {
        self.lines(Stream::Stdout)
    }

    /// Everything so far, both streams interleaved in arrival order (for failure messages).
    pub fn text(&self) -> String {
        let lines = self.lines.lock().unwrap();
        let mut out = String::new();
        for l in lines.iter() {
            out.push_str(match l.stream {
                Stream::Stdout => "  out| ",
                Stream::Stderr => "  err| ",
            });
            out.push_str(&l.text);
            out.push('\n');
        }
        out
    }
}

/// Removes ANSI escape sequences (colours), in case the logger writes them.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A spawned child with its output captured. Dropping it kills and reaps the child (with
/// SIGTERM first and a short grace period when `graceful`, else SIGKILL at once).
pub struct Proc {
    pub name: String,
    child: Child,
    pub output: Output,
    readers: Vec<JoinHandle<()>>,
    status: Option<ExitStatus>,
    graceful: bool,
}

impl Proc {
    /// Spawns `cmd` (stdin null, stdout and stderr captured).
    pub fn spawn(name: &str, mut cmd: Command) -> Proc {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e} ({cmd:?})"));
        let output = Output::default();
        let readers = vec![
            output.collect(Stream::Stdout, child.stdout.take().unwrap()),
            output.collect(Stream::Stderr, child.stderr.take().unwrap()),
        ];
        Proc {
            name: name.to_string(),
            child,
            output,
            readers,
            status: None,
            graceful: false,
        }
    }

    /// Stop with SIGTERM (then SIGKILL after a grace period) when dropped.
    pub fn graceful_on_drop(mut self) -> Proc {
        self.graceful = true;
        self
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the child has exited (reaping it).
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().expect("try_wait");
        }
        self.status
    }

    pub fn is_running(&mut self) -> bool {
        self.try_status().is_none()
    }

    /// Waits at most `timeout` for the child to exit; its status, or `None` on timeout.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let end = Instant::now() + timeout;
        loop {
            if let Some(s) = self.try_status() {
                self.join_readers();
                return Some(s);
            }
            if Instant::now() >= end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the exit, failing the test (after killing the child) on timeout.
    pub fn wait_exit(&mut self, timeout: Duration, what: &str) -> ExitStatus {
        match self.wait_timeout(timeout) {
            Some(s) => s,
            None => {
                self.kill();
                panic!(
                    "{} did not exit within {timeout:?} ({what}); killed it. Output:\n{}",
                    self.name,
                    self.output.text()
                )
            }
        }
    }

    /// Sends a signal (`"TERM"`, `"INT"`, `"KILL"`) with kill(1).
    pub fn signal(&mut self, signal: &str) {
        if self.try_status().is_some() {
            return;
        }
        // Never panics (also used from drop); a child that just exited is no error.
        let _ = Command::new("kill")
            .args(["-s", signal, &self.pid().to_string()])
            .stderr(Stdio::null())
            .status();
    }

    /// SIGKILL and reap.
    pub fn kill(&mut self) {
        if self.try_status().is_none() {
            let _ = self.child.kill();
            self.status = self.child.wait().ok();
        }
        self.join_readers();
    }

    fn join_readers(&mut self) {
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
    }

    /// Polls `cond` on the captured output until it holds, failing after `timeout` (or as
    /// soon as the child exits without it holding).
    pub fn wait_output(
        &mut self,
        timeout: Duration,
        what: &str,
        mut cond: impl FnMut(&Output) -> bool,
    ) {
        let end = Instant::now() + timeout;
        loop {
            if cond(&self.output) {
                return;
            }
            if let Some(s) = self.try_status() {
                self.join_readers();
                if cond(&self.output) {
                    return;
                }
                panic!(
                    "{} exited ({s}) before {what}. Output:\n{}",
                    self.name,
                    self.output.text()
                );
            }
            if Instant::now() >= end {
                panic!(
                    "timed out after {timeout:?} waiting for {what} from {}. Output:\n{}",
                    self.name,
                    self.output.text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.try_status().is_none() && self.graceful {
            self.signal("TERM");
            let _ = self.wait_timeout(Duration::from_secs(10));
        }
        self.kill();
    }
}

// ---------------------------------------------------------------------------------------
// chronus.

/// A `chronus` command run from the package root (so `patches/...` resolves), with JACK
/// auto-start disabled and colours off. `play` also gets `--osc-port 0` (any free port):
/// its OSC server's default port 9000 is taken as soon as two players run on the machine
/// (parallel tests, a player someone left running), and play then refuses to start.
pub fn chronus_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(CHRONUS);
    cmd.args(args);
    if args.first() == Some(&"play") {
        cmd.args(["--osc-port", "0"]);
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

// ---------------------------------------------------------------------------------------
// JACK.

/// Serializes the JACK tests of one test binary: they could run in parallel (unique server
/// names), but on a 2-core machine two servers and players starting at once in
/// --no-realtime mode can make the dummy driver report xruns, which the tests check are 0.
pub fn jack_test_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A private JACK dummy server: `jackd -R -P 10 -n NAME -d dummy -r 48000 -p 256`, or with
/// `--no-realtime` instead of `-R -P 10` where realtime scheduling is not allowed.
/// Dropping it stops it with SIGTERM (freeing its slot in jackd's registry) and removes
/// files it left in /dev/shm.
pub struct JackServer {
    pub name: String,
    /// Whether the server runs with realtime scheduling (`-R`), see [`realtime_allowed`].
    pub realtime: bool,
    proc: Option<Proc>,
    /// The server died without unregistering (SIGKILL, or a signal while stopping): its
    /// slot in jackd's registry stays taken until a server of this name runs again.
    slot_held: bool,
}

/// Whether this process may use realtime scheduling (probed with `chrt -f 1 true`).
///
/// A `--no-realtime` dummy server competes with everything else on the machine for the
/// CPU, and on a loaded 2-core machine (a compiler running) it reports xruns every second,
/// whatever the player does. In realtime mode (jackd `-R`; its clients' process threads,
/// the player's included, get SCHED_FIFO too) it reports none under the same load. So the
/// tests use realtime when allowed (here: root in the sandbox) and `--no-realtime`
/// otherwise (an ordinary user without an rtprio limit, e.g. many CI runners).
/// `CHRONUS_JACK_NO_REALTIME=1` forces `--no-realtime` (to try what such a runner sees).
pub fn realtime_allowed() -> bool {
    static ALLOWED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ALLOWED.get_or_init(|| {
        if std::env::var("CHRONUS_JACK_NO_REALTIME").as_deref() == Ok("1") {
            return false;
        }
        Command::new("chrt")
            .args(["-f", "1", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    })
}

/// Sample rate and period of the test servers.
pub const JACK_RATE: u32 = 48_000;
pub const JACK_PERIOD: usize = 256;

impl JackServer {
    /// Starts a server with a unique name and waits until clients can connect.
    pub fn start(test: &str) -> JackServer {
        let mut server = JackServer {
            name: unique_name(test),
            realtime: realtime_allowed(),
            proc: None,
            slot_held: false,
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let cmd = self.jackd_command();
        // Stopped by hand in `drop` (to see how it ended), not by Proc's drop.
        self.proc = Some(Proc::spawn(&format!("jackd {}", self.name), cmd));
        self.slot_held = false;
        self.wait_up();
    }

    fn jackd_command(&self) -> Command {
        let mut cmd = Command::new("jackd");
        if self.realtime {
            cmd.args(["-R", "-P", "10"]);
        } else {
            cmd.arg("--no-realtime");
        }
        cmd.args([
            "-n",
            &self.name,
            "-d",
            "dummy",
            "-r",
            &JACK_RATE.to_string(),
            "-p",
            &JACK_PERIOD.to_string(),
        ]);
        self.env(&mut cmd);
        cmd
    }

    /// Stops the server with SIGTERM (SIGKILL after 10 s); true if it exited cleanly (and
    /// so left jackd's registry).
    fn stop(&mut self) -> bool {
        let Some(mut p) = self.proc.take() else {
            return !self.slot_held;
        };
        if p.try_status().is_none() {
            p.signal("TERM");
        }
        let clean = p
            .wait_timeout(Duration::from_secs(10))
            .is_some_and(|s| s.success());
        p.kill();
        clean
    }

    /// Frees the registry slot of a server of this name that died without leaving it: runs
    /// one again (which takes over the slot) and stops it cleanly. Best effort, no panics
    /// (it runs in `drop`, maybe during a panic).
    fn free_slot(&mut self) {
        let mut cmd = self.jackd_command();
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let Ok(mut child) = cmd.spawn() else { return };
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end && matches!(child.try_wait(), Ok(None)) {
            let up = self
                .cmd("jack_lsp")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if up {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill")
            .args(["-s", "TERM", &child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end && matches!(child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Sets the environment every JACK program (and chronus) gets.
    pub fn env<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("JACK_DEFAULT_SERVER", &self.name)
            .env("JACK_NO_START_SERVER", "1")
    }

    /// A command for a JACK program talking to this server.
    pub fn cmd(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        self.env(&mut cmd);
        cmd
    }

    fn jackd(&mut self) -> &mut Proc {
        self.proc.as_mut().expect("jackd is running")
    }

    /// Polls `jack_lsp` until it succeeds.
    fn wait_up(&mut self) {
        let end = Instant::now() + READY_TIMEOUT;
        loop {
            let ok = self
                .cmd("jack_lsp")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ok {
                return;
            }
            let jackd = self.jackd();
            if let Some(s) = jackd.try_status() {
                jackd.join_readers();
                panic!(
                    "jackd {} exited ({s}) instead of starting (jackd2 allows 8 servers per \
                     user; servers killed with SIGKILL keep their slot). Output:\n{}",
                    jackd.name,
                    jackd.output.text()
                );
            }
            if Instant::now() >= end {
                let log = self.jackd().output.text();
                panic!(
                    "JACK server {} not up after {READY_TIMEOUT:?} (jack_lsp keeps failing). \
                     jackd output:\n{log}",
                    self.name
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What the running server printed so far (jackd reports every xrun on stderr:
    /// `JackEngine::XRun: client = ... was not finished`, `JackTimedDriver::Process XRun`).
    pub fn output(&self) -> Output {
        self.proc
            .as_ref()
            .map(|p| p.output.clone())
            .unwrap_or_default()
    }

    /// Kills the server with SIGKILL (a crash: no goodbye to its clients) and reaps it.
    pub fn kill_hard(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
            self.slot_held = true;
        }
    }

    /// Starts the server again under the same name (which also reclaims the registry slot
    /// of a killed one) and waits until it is up.
    pub fn restart(&mut self) {
        assert!(self.proc.is_none(), "restart: the server is still running");
        self.launch();
    }

    /// `jack_lsp -p`: (port, is_output) for every port.
    pub fn ports(&self) -> Vec<(String, bool)> {
        let out = self
            .cmd("jack_lsp")
            .arg("-p")
            .stderr(Stdio::null())
            .output()
            .expect("run jack_lsp");
        if !out.status.success() {
            return Vec::new();
        }
        let mut ports: Vec<(String, bool)> = Vec::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some(props) = line.trim_start().strip_prefix("properties:") {
                if let Some(last) = ports.last_mut() {
                    last.1 = props.split(',').any(|p| p.trim() == "output");
                }
            } else if !line.starts_with(char::is_whitespace) && !line.is_empty() {
                ports.push((line.to_string(), false));
            }
        }
        ports
    }

    /// Output ports of clients other than `system`, sorted (chronus's, in these tests).
    pub fn client_output_ports(&self) -> Vec<String> {
        let mut ports: Vec<String> = self
            .ports()
            .into_iter()
            .filter(|(p, out)| *out && !p.starts_with("system:"))
            .map(|(p, _)| p)
            .collect();
        ports.sort();
        ports
    }

    /// Waits until at least `count` non-system output ports exist (and stay for a moment,
    /// so a client registering its ports one by one is complete); fails after
    /// [`READY_TIMEOUT`], or when `player` exits.
    pub fn wait_client_output_ports(&self, count: usize, player: &mut Proc) -> Vec<String> {
        let end = Instant::now() + READY_TIMEOUT;
        let mut last = Vec::new();
        loop {
            let ports = self.client_output_ports();
            if ports.len() >= count && ports == last {
                return ports;
            }
            if let Some(s) = player.try_status() {
                player.join_readers();
                panic!(
                    "{} exited ({s}) before its JACK output ports appeared (ports now: \
                     {ports:?}). Output:\n{}",
                    player.name,
                    player.output.text()
                );
            }
            if Instant::now() >= end {
                panic!(
                    "timed out after {READY_TIMEOUT:?} waiting for {count} output ports of \
                     {} on JACK server {} (non-system output ports: {ports:?}; all: {:?}). \
                     Output:\n{}",
                    player.name,
                    self.name,
                    self.ports(),
                    player.output.text()
                );
            }
            last = ports;
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Records `ports` with `jack_rec -f FILE -d SECONDS -b 32` into `file`; returns the
    /// channels (one per port). Fails with jack_rec's output if it fails or hangs.
    pub fn record(&self, file: &Path, seconds: u32, ports: &[String]) -> (u32, Vec<Vec<f32>>) {
        let mut cmd = self.cmd("jack_rec");
        cmd.arg("-f")
            .arg(file)
            .args(["-d", &seconds.to_string(), "-b", "32"])
            .args(ports);
        let mut rec = Proc::spawn("jack_rec", cmd);
        let status = rec.wait_exit(
            READY_TIMEOUT + Duration::from_secs(seconds.into()),
            "a recording of fixed length",
        );
        assert!(
            status.success(),
            "jack_rec of {ports:?} failed ({status}). Output:\n{}",
            rec.output.text()
        );
        let (sr, channels) = chronus::host::wav::read_wav(file)
            .unwrap_or_else(|e| panic!("jack_rec wrote an unreadable file: {e}"));
        assert_eq!(
            channels.len(),
            ports.len(),
            "jack_rec wrote one channel per port"
        );
        (sr, channels)
    }
}

impl Drop for JackServer {
    fn drop(&mut self) {
        if !self.stop() {
            self.free_slot();
        }
        // Semaphores and sockets of this server and its clients (a killed server or client
        // leaves them); the unique name makes sure they are ours.
        if let Ok(entries) = std::fs::read_dir("/dev/shm") {
            for e in entries.flatten() {
                let f = e.file_name().to_string_lossy().into_owned();
                let ours = (f.starts_with("jack_sem.") && f.contains(&format!("_{}_", self.name)))
                    || f.starts_with(&format!("jack_{}_", self.name));
                if ours {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Checking a recorded sine.

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

/// Largest sample step in `signal` (re-exported for the tests).
pub fn largest_step(signal: &[f32]) -> f32 {
    max_step(signal)
}

// ---------------------------------------------------------------------------------------
// OSC with liblo's tools.

/// A UDP port that was free a moment ago.
pub fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sends one OSC message with liblo's `oscsend` to localhost:`port`.
pub fn oscsend(port: u16, args: &[&str]) {
    let status = Command::new("oscsend")
        .arg("localhost")
        .arg(port.to_string())
        .args(args)
        .status()
        .expect("run oscsend");
    assert!(status.success(), "oscsend {args:?} failed");
}

/// The port the player's OSC server reports in its log line `OSC on udp 127.0.0.1:PORT`.
pub fn osc_port(player: &mut Proc) -> u16 {
    player.wait_output(READY_TIMEOUT, "the OSC server's address", |o| {
        o.stderr().iter().any(|l| l.contains("OSC on udp "))
    });
    let line = player
        .output
        .stderr()
        .into_iter()
        .find(|l| l.contains("OSC on udp "))
        .unwrap();
    let addr = line.split("OSC on udp ").nth(1).unwrap();
    let addr = addr.split_whitespace().next().unwrap();
    addr.rsplit_once(':').unwrap().1.parse().unwrap()
}

/// liblo's `oscdump` listening on UDP `port`, printing what it receives (read it from
/// `output`).
pub fn oscdump(port: u16) -> Proc {
    let mut c = Command::new("oscdump");
    c.args(["-L", &port.to_string()]);
    Proc::spawn("oscdump", c)
}
