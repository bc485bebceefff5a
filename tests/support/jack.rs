//! A private JACK dummy server (`jackd`) per test, and jackd2's example clients
//! (`jack_lsp`, `jack_rec`) to list and record its ports.
//!
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

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::process::{Output, Proc, READY_TIMEOUT};
use super::temp::unique_name;

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
    /// Frames per period (`-p`).
    pub period: usize,
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
        JackServer::start_with_period(test, JACK_PERIOD)
    }

    /// Starts a server with `period` frames per period (`-p`).
    pub fn start_with_period(test: &str, period: usize) -> JackServer {
        let mut server = JackServer {
            name: unique_name(test),
            period,
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
            &self.period.to_string(),
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
