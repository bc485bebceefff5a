//! The scsynth server the live backend talks to, and its supervision.
//!
//! [`Server::tick`] (called every millisecond by the outbound thread) moves it through
//! its phases: **down** → (start `scsynth -u PORT OPTIONS...` when Chronus runs it) →
//! **booting** (`/status` every 100 ms until it answers) → **loading** (`/notify 1`, every
//! `/d_recv` and the `/d_loadDir`, until each answers `/done`) → **up** (the setup
//! messages: groups; then `/status` every 250 ms as a heartbeat).
//!
//! A server that exits, stops answering for [`SILENT_LIMIT`], or does not boot or load
//! within [`START_LIMIT`] is *lost*: one warning line, the child (if ours) killed, and a
//! new start after a backoff of 0.5 s doubling to 10 s. After `max_failures` losses in a
//! row without coming up, one error line and the error state in [`ScStatus`]; it keeps
//! trying every 10 s. Every distinct `/fail` reply is logged once with what caused it;
//! `/late` replies and the `late` lines of a started scsynth's console are counted.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rosc::{OscPacket, OscType};
use tracing::{debug, error, info, warn};

use super::messages::{args_text, encode, message};
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
        })
    }

    /// True while the server is up with its defs.
    pub fn is_up(&self) -> bool {
        matches!(self.phase, Phase::Up { .. })
    }

    /// Sends `bytes` (a packet) to the server; counted in `sent`.
    pub fn send(&self, bytes: &[u8]) {
        if self.socket.send_to(bytes, self.settings.address).is_ok() {
            self.status.sent.fetch_add(1, Relaxed);
        }
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

    /// Reads replies, watches the child and the heartbeat, and moves the phase on.
    pub fn tick(&mut self, now: Instant) -> Change {
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
            if let Ok((_, packet)) = rosc::decoder::decode_udp(&buf[..n]) {
                self.reply(packet);
            }
        }
    }

    fn reply(&mut self, packet: OscPacket) {
        let m = match packet {
            OscPacket::Bundle(b) => {
                for p in b.content {
                    self.reply(p);
                }
                return;
            }
            OscPacket::Message(m) => m,
        };
        match m.addr.as_str() {
            "/status.reply" => self.answered = true,
            "/done" => {
                if let Some(OscType::String(cmd)) = m.args.first() {
                    if cmd == "/d_recv" || cmd == "/d_loadDir" {
                        self.done += 1;
                    }
                }
            }
            "/late" => {
                self.status.late.fetch_add(1, Relaxed);
            }
            "/fail" => {
                let cmd = match m.args.first() {
                    Some(OscType::String(c)) => c.clone(),
                    _ => String::new(),
                };
                // The setup frees Chronus's group before making it (a server it used
                // before may still have it): "not found" there is expected.
                if cmd == "/n_free" {
                    return;
                }
                self.status.fails.fetch_add(1, Relaxed);
                let text = args_text(&m.args);
                if self.fails_seen.insert(text.clone()) {
                    let cause = self
                        .causes
                        .get(&cmd)
                        .map(|c| format!(" (sent for {c})"))
                        .unwrap_or_default();
                    warn!(
                        "SuperCollider server {} refused {text}{cause}",
                        self.settings.address
                    );
                }
            }
            _ => {}
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
