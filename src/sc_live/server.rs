//! The scsynth server the live backend talks to, and its supervision.
//!
//! [`Server::tick`] (called every millisecond by the outbound thread) moves it through
//! its phases: **down** → (start `scsynth -u PORT OPTIONS...` when Chronus runs it) →
//! **booting** (`/status` every 100 ms until it answers) → **loading** (`/notify 1`, every
//! `/d_recv` and the `/d_loadDir`, until each answers `/done`) → (the setup messages:
//! groups) → **calibrating**, when the settings ask for it (the sink measures scsynth's
//! clock with the timing probe, `sc_clock`; at most [`CALIBRATE_LIMIT`]) → **up**
//! (`/status` every 250 ms as a heartbeat; its replies give scsynth's smoothed sample
//! rate).
//!
//! A server that exits, stops answering for [`SILENT_LIMIT`], or does not boot or load
//! within [`START_LIMIT`] is *lost*: one warning line, the child (if ours) killed, and a
//! new start after a backoff of 0.5 s doubling to 10 s. After `max_failures` losses in a
//! row without coming up, one error line and the error state in [`ScStatus`]; it keeps
//! trying every 10 s. Every distinct `/fail` reply is logged once with what caused it (the
//! first [`MAX_DISTINCT_FAILS`]; all are counted); `/late` replies and the `late` lines of
//! a started scsynth's console are counted. The replies are read by [`replies`].

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rosc::{OscPacket, OscType};
use tracing::{debug, error, info, warn};

use super::messages::{encode, message};
use super::replies::{self, Reply};
use super::status::ScStatus;

/// First wait before starting again.
pub const BACKOFF_START: Duration = Duration::from_millis(500);
/// Longest wait between two starts.
pub const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// A server up that has not answered `/status` for this long is lost.
pub const SILENT_LIMIT: Duration = Duration::from_secs(3);
/// Time a server Chronus starts has to answer its first `/status` and load its defs.
pub const START_LIMIT: Duration = Duration::from_secs(10);
/// Time a server someone else runs has to answer its first `/status`.
pub const REACH_LIMIT: Duration = Duration::from_secs(3);
/// Distinct `/fail` replies logged, one warning line each; further distinct ones are only
/// counted (each names its node, so a long run could otherwise log, and remember, without
/// end).
pub const MAX_DISTINCT_FAILS: usize = 256;
/// Time the sink has to hear the timing probe before the server is up anyway (its notes
/// then timed by the wall clock until the probe is heard).
pub const CALIBRATE_LIMIT: Duration = Duration::from_secs(1);
/// scsynth's default number of outputs.
const SC_DEFAULT_OUTPUTS: usize = 8;

/// scsynth's command-line `options` with at least `needed` outputs (`-o`; scsynth's
/// default is 8).
pub fn with_outputs(mut options: Vec<String>, needed: usize) -> Vec<String> {
    match options.iter().position(|o| o == "-o") {
        Some(i)
            if options
                .get(i + 1)
                .is_some_and(|o| o.parse::<usize>().is_ok_and(|n| n < needed)) =>
        {
            options[i + 1] = needed.to_string();
        }
        Some(_) => {}
        None if needed > SC_DEFAULT_OUTPUTS => {
            options.extend(["-o".to_string(), needed.to_string()]);
        }
        None => {}
    }
    options
}

/// Heartbeat period while up.
const PING_UP: Duration = Duration::from_millis(250);
/// `/status` period while booting.
const PING_BOOT: Duration = Duration::from_millis(100);

/// How to start scsynth.
#[derive(Clone, Debug, PartialEq)]
pub struct Launch {
    /// The program.
    pub program: String,
    /// Its UDP port (`-u`).
    pub port: u16,
    /// More options.
    pub options: Vec<String>,
}

/// What the server is and what it is given each time it comes up.
#[derive(Clone, Debug)]
pub struct ServerSettings {
    /// Where it listens.
    pub address: SocketAddr,
    /// How to start it; `None`: a server someone else runs.
    pub launch: Option<Launch>,
    /// Asynchronous loads (`/d_recv`, `/d_loadDir`), each answered by `/done`.
    pub loads: Vec<OscPacket>,
    /// Sent once the loads are done (groups).
    pub setup: Vec<OscPacket>,
    /// Losses in a row before the error state.
    pub max_failures: u32,
    /// True when the server is up only once the sink says it measured its clock (or
    /// after [`CALIBRATE_LIMIT`]).
    pub calibrate: bool,
}

enum Phase {
    Down {
        retry_at: Instant,
    },
    Booting {
        since: Instant,
        ping_at: Instant,
    },
    Loading {
        since: Instant,
        pending: usize,
    },
    Calibrating {
        since: Instant,
    },
    Up {
        last_reply: Instant,
        ping_at: Instant,
    },
}

/// What changed in one tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Nothing the sink must act on.
    None,
    /// The server has its defs and groups (first time, or again) and waits to be
    /// calibrated: the sink measures its clock now.
    Loaded,
    /// The server is up with its defs and groups (first time, or again).
    CameUp,
    /// The server was up and is lost: its nodes are gone.
    WentDown,
}

/// The server and its supervision.
pub struct Server {
    settings: ServerSettings,
    socket: UdpSocket,
    child: Option<Child>,
    phase: Phase,
    backoff: Duration,
    failures: u32,
    ever_up: bool,
    warned: bool,
    status: Arc<ScStatus>,
    fails_seen: HashSet<String>,
    causes: HashMap<String, String>,
    answered: bool,
    done: usize,
    rate: Option<f64>,
    warned_calibration: bool,
}

impl Server {
    /// A server to start (or reach) at the first tick.
    pub fn new(settings: ServerSettings, status: Arc<ScStatus>) -> std::io::Result<Server> {
        let local: SocketAddr = if settings.address.ip().is_loopback() {
            "127.0.0.1:0".parse().expect("an address")
        } else {
            "0.0.0.0:0".parse().expect("an address")
        };
        let socket = UdpSocket::bind(local)?;
        socket.set_nonblocking(true)?;
        Ok(Server {
            settings,
            socket,
            child: None,
            phase: Phase::Down {
                retry_at: Instant::now(),
            },
            backoff: BACKOFF_START,
            failures: 0,
            ever_up: false,
            warned: false,
            status,
            fails_seen: HashSet::new(),
            causes: HashMap::new(),
            answered: false,
            done: 0,
            rate: None,
            warned_calibration: false,
        })
    }

    /// True while the server is up with its defs.
    pub fn is_up(&self) -> bool {
        matches!(self.phase, Phase::Up { .. })
    }

    /// True while the server has its defs and groups (calibrating or up).
    pub fn is_loaded(&self) -> bool {
        matches!(self.phase, Phase::Up { .. } | Phase::Calibrating { .. })
    }

    /// scsynth's smoothed ("actual") sample rate, from its last `/status.reply`.
    pub fn actual_rate(&self) -> Option<f64> {
        self.rate
    }

    /// Sends `bytes` (a packet) to the server; counted in `sent`.
    pub fn send(&self, bytes: &[u8]) {
        if self.socket.send_to(bytes, self.settings.address).is_ok() {
            self.status.sent.fetch_add(1, Relaxed);
        }
    }

    /// Sends `bytes` (a timing probe) to the server, not counted.
    pub fn send_probe(&self, bytes: &[u8]) {
        let _ = self.socket.send_to(bytes, self.settings.address);
    }

    fn send_packet(&self, packet: &OscPacket) {
        self.send(&encode(packet));
    }

    /// Remembers what the last command `addr` was sent for, so a `/fail` of it says so.
    pub fn note_cause(&mut self, addr: &str, cause: impl FnOnce() -> String) {
        if let Some(c) = self.causes.get_mut(addr) {
            c.clear();
            c.push_str(&cause());
        } else {
            self.causes.insert(addr.to_string(), cause());
        }
    }

    /// Reads replies, watches the child and the heartbeat, and moves the phase on;
    /// `calibrated`: the sink has measured the server's clock (see [`Change::Loaded`]).
    pub fn tick(&mut self, now: Instant, calibrated: bool) -> Change {
        self.read_replies();
        if let Some(child) = &mut self.child {
            if let Ok(Some(exit)) = child.try_wait() {
                self.child = None;
                return self.lose(now, format!("exited ({exit})"));
            }
        }
        match self.phase {
            Phase::Down { retry_at } if now >= retry_at => {
                if let Err(reason) = self.start() {
                    return self.lose(now, reason);
                }
                self.answered = false;
                self.phase = Phase::Booting {
                    since: now,
                    ping_at: now,
                };
            }
            Phase::Down { .. } => {}
            Phase::Booting { since, ping_at } => {
                if self.answered {
                    self.send_packet(&message("/notify", vec![OscType::Int(1)]));
                    for load in &self.settings.loads {
                        self.send_packet(load);
                    }
                    self.done = 0;
                    self.phase = Phase::Loading {
                        since: now,
                        pending: self.settings.loads.len(),
                    };
                    return self.tick_loading(now);
                }
                let limit = match self.settings.launch {
                    Some(_) => START_LIMIT,
                    None => REACH_LIMIT,
                };
                if now.duration_since(since) > limit {
                    return self.lose(now, format!("did not answer /status within {limit:?}"));
                }
                if now >= ping_at {
                    self.send_packet(&message("/status", vec![]));
                    self.phase = Phase::Booting {
                        since,
                        ping_at: now + PING_BOOT,
                    };
                }
            }
            Phase::Loading { .. } => return self.tick_loading(now),
            Phase::Calibrating { since } => {
                if calibrated {
                    return self.came_up(now);
                }
                if now.duration_since(since) > CALIBRATE_LIMIT {
                    if !self.warned_calibration {
                        warn!(
                            "SuperCollider server {}: its timing probe was not heard within {CALIBRATE_LIMIT:?}; its notes are timed by the wall clock (within a JACK period) until it is",
                            self.settings.address
                        );
                        self.warned_calibration = true;
                    }
                    return self.came_up(now);
                }
            }
            Phase::Up {
                last_reply,
                ping_at,
            } => {
                let last_reply = if self.answered { now } else { last_reply };
                self.answered = false;
                if now.duration_since(last_reply) > SILENT_LIMIT {
                    return self.lose(
                        now,
                        format!("stopped answering (no /status.reply for {SILENT_LIMIT:?})"),
                    );
                }
                let ping_at = if now >= ping_at {
                    self.send_packet(&message("/status", vec![]));
                    now + PING_UP
                } else {
                    ping_at
                };
                self.phase = Phase::Up {
                    last_reply,
                    ping_at,
                };
            }
        }
        Change::None
    }

    fn tick_loading(&mut self, now: Instant) -> Change {
        let Phase::Loading { since, pending } = self.phase else {
            return Change::None;
        };
        if self.done >= pending {
            for packet in &self.settings.setup {
                self.send_packet(packet);
            }
            if self.settings.calibrate {
                self.phase = Phase::Calibrating { since: now };
                return Change::Loaded;
            }
            return self.came_up(now);
        }
        if now.duration_since(since) > START_LIMIT {
            return self.lose(
                now,
                format!(
                    "did not load its SynthDefs within {START_LIMIT:?} ({} of {pending} done)",
                    self.done
                ),
            );
        }
        Change::None
    }

    fn came_up(&mut self, now: Instant) -> Change {
        let address = self.settings.address;
        if self.ever_up {
            let n = self.status.restarts.fetch_add(1, Relaxed) + 1;
            info!("SuperCollider server {address} is back (restart {n})");
        } else {
            info!(
                "SuperCollider server {address} is up ({} SynthDef loads done)",
                self.settings.loads.len()
            );
        }
        self.ever_up = true;
        self.failures = 0;
        self.warned = false;
        self.backoff = BACKOFF_START;
        self.status.up.store(true, Relaxed);
        self.status.error.store(false, Relaxed);
        self.phase = Phase::Up {
            last_reply: now,
            ping_at: now + PING_UP,
        };
        Change::CameUp
    }

    /// Starts scsynth when Chronus runs it; a server elsewhere is only pinged.
    fn start(&mut self) -> Result<(), String> {
        let Some(launch) = &self.settings.launch else {
            return Ok(());
        };
        let mut cmd = Command::new(&launch.program);
        cmd.arg("-u")
            .arg(launch.port.to_string())
            .args(&launch.options)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!(
                    "cannot be started: program {:?} not found on PATH",
                    launch.program
                )
            }
            _ => format!("cannot be started: {:?}: {e}", launch.program),
        })?;
        if let Some(out) = child.stdout.take() {
            let status = self.status.clone();
            let spawned = std::thread::Builder::new()
                .name("chronus-scsynth-log".into())
                .spawn(move || {
                    for line in BufReader::new(out).lines().map_while(Result::ok) {
                        if line.starts_with("late ") {
                            status.late.fetch_add(1, Relaxed);
                        } else {
                            debug!(target: "scsynth", "{line}");
                        }
                    }
                });
            if let Err(e) = spawned {
                warn!("cannot read scsynth's console: {e}");
            }
        }
        self.child = Some(child);
        Ok(())
    }

    /// The server is lost (or did not start): one line per outage, the child killed, a
    /// start again after the backoff.
    fn lose(&mut self, now: Instant, reason: String) -> Change {
        let was_up = self.is_up();
        self.kill_child();
        self.status.up.store(false, Relaxed);
        self.failures += 1;
        let again = if self.settings.launch.is_some() {
            "restarting"
        } else {
            "trying again"
        };
        let address = self.settings.address;
        if !self.warned {
            warn!(
                "SuperCollider server {address} {reason}; {again} in {:.1} s",
                self.backoff.as_secs_f64()
            );
            self.warned = true;
        } else {
            debug!("SuperCollider server {address} {reason}");
        }
        if self.failures == self.settings.max_failures {
            error!(
                "SuperCollider server {address}: {} failures in a row ({reason}); its instruments are silent, trying again every {} s",
                self.failures,
                BACKOFF_MAX.as_secs()
            );
            self.status.error.store(true, Relaxed);
        }
        self.phase = Phase::Down {
            retry_at: now + self.backoff,
        };
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
        if was_up {
            Change::WentDown
        } else {
            Change::None
        }
    }

    fn kill_child(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn read_replies(&mut self) {
        let mut buf = [0u8; 65_536];
        while let Ok((n, _)) = self.socket.recv_from(&mut buf) {
            if let Some(reply) = replies::read(&buf[..n]) {
                self.reply(reply);
            }
        }
    }

    fn reply(&mut self, reply: Reply) {
        match reply {
            Reply::Status { sample_rate } => {
                self.answered = true;
                if sample_rate.is_some() {
                    self.rate = sample_rate;
                }
            }
            Reply::Loaded => self.done += 1,
            Reply::Late => {
                self.status.late.fetch_add(1, Relaxed);
            }
            Reply::Fail { command, text } => {
                self.status.fails.fetch_add(1, Relaxed);
                let address = self.settings.address;
                if self.fails_seen.contains(&text) {
                    return;
                }
                if self.fails_seen.len() >= MAX_DISTINCT_FAILS {
                    debug!("SuperCollider server {address} refused {text}");
                    return;
                }
                let cause = self
                    .causes
                    .get(&command)
                    .map(|c| format!(" (sent for {c})"))
                    .unwrap_or_default();
                warn!("SuperCollider server {address} refused {text}{cause}");
                self.fails_seen.insert(text);
                if self.fails_seen.len() == MAX_DISTINCT_FAILS {
                    warn!(
                        "SuperCollider server {address}: {MAX_DISTINCT_FAILS} distinct /fail replies logged; further ones are only counted (fails in /backend/status)"
                    );
                }
            }
        }
    }

    /// Stops: a server Chronus started is told `/quit` and killed if it has not exited
    /// within a second.
    pub fn stop(&mut self) {
        if let Some(child) = &mut self.child {
            self.socket
                .send_to(&encode(&message("/quit", vec![])), self.settings.address)
                .ok();
            let until = Instant::now() + Duration::from_secs(1);
            while Instant::now() < until {
                if let Ok(Some(_)) = child.try_wait() {
                    self.child = None;
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        self.kill_child();
        self.status.up.store(false, Relaxed);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_child();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distinct `/fail`s (each naming its node) are remembered, and logged, up to
    /// [`MAX_DISTINCT_FAILS`]; every one is counted.
    #[test]
    fn the_probe_gets_an_output_of_its_own() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            with_outputs(v(&["-i", "0", "-o", "2"]), 3),
            v(&["-i", "0", "-o", "3"])
        );
        assert_eq!(with_outputs(v(&["-o", "16"]), 3), v(&["-o", "16"]));
        assert_eq!(with_outputs(v(&[]), 3), v(&[]));
        assert_eq!(with_outputs(v(&[]), 11), v(&["-o", "11"]));
    }

    #[test]
    fn distinct_fails_are_remembered_up_to_the_limit_and_all_counted() {
        let settings = ServerSettings {
            address: "127.0.0.1:9".parse().unwrap(),
            launch: None,
            loads: vec![],
            setup: vec![],
            max_failures: 5,
            calibrate: false,
        };
        let status = Arc::new(ScStatus::default());
        let mut server = Server::new(settings, status.clone()).unwrap();
        let fails = MAX_DISTINCT_FAILS + 44;
        for node in 0..fails {
            for _ in 0..2 {
                server.reply(Reply::Fail {
                    command: "/n_set".into(),
                    text: format!("/n_set Node {node} not found"),
                });
            }
        }
        assert_eq!(server.fails_seen.len(), MAX_DISTINCT_FAILS);
        assert_eq!(status.fails.load(Relaxed), 2 * fails as u64);
        server.reply(Reply::Late);
        server.reply(Reply::Loaded);
        server.reply(Reply::Status { sample_rate: None });
        assert_eq!(status.late.load(Relaxed), 1);
        assert_eq!((server.done, server.answered), (1, true));
    }
}
