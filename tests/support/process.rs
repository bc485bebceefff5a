//! Spawned programs: a [`Proc`] runs a child with its stdout and stderr captured line by
//! line ([`Output`]) and kills and reaps it on drop, so nothing outlives a failing
//! (panicking) test. Every wait is bounded ([`READY_TIMEOUT`]) and fails with a message
//! saying what did not happen, with the captured output (readiness waits, never
//! performance assertions). Also: skipping a test whose program is missing, and the
//! timeline of a test's steps.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Bound of every readiness wait (server up, ports present, process exited, status line).
/// Generous on purpose: a 2-core machine shared with compilers can be slow to schedule.
pub const READY_TIMEOUT: Duration = Duration::from_secs(20);

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

    pub(super) fn join_readers(&mut self) {
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
