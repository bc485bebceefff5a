//! [`Notifier`]: systemd's notify protocol for `chronus play` — `READY=1` once the audio
//! callback has run, `WATCHDOG=1` every half watchdog interval **only while the callback
//! keeps running**, `STOPPING=1` at shutdown.
//!
//! Spoken whenever `NOTIFY_SOCKET` is set, whether or not systemd started the process.
//! The watchdog is on whenever `WATCHDOG_USEC` is set to a positive number of
//! microseconds and `WATCHDOG_PID`, if set, is this process's id (systemd sets both; a
//! test or another supervisor may set only the first). The environment is read here, by
//! hand, because the `sd-notify` crate's `watchdog_enabled` insists on `WATCHDOG_PID`;
//! the datagrams themselves are sent with `sd_notify::notify`.
//!
//! Progress is the audio callback's count of callbacks (the meter's atomic): the player
//! thread hands it to [`Notifier::tick`] every tick. A ping is sent only if the count
//! moved since the previous ping, so a hung callback (or a stream that stays down) stops
//! the pings and systemd restarts the service after `WatchdogSec=`. A hung player thread
//! stops them too.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sd_notify::NotifyState;
use tracing::{info, warn};

/// What the environment asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotifyEnv {
    /// `NOTIFY_SOCKET` is set: speak the protocol.
    pub socket: bool,
    /// The watchdog interval (`WATCHDOG_USEC`), when the watchdog applies to this process.
    pub watchdog: Option<Duration>,
}

impl NotifyEnv {
    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from the environment.
    pub fn from_env() -> NotifyEnv {
        NotifyEnv::from_vars(
            std::env::var_os("NOTIFY_SOCKET").is_some(),
            std::env::var("WATCHDOG_USEC").ok().as_deref(),
            std::env::var("WATCHDOG_PID").ok().as_deref(),
            std::process::id(),
        )
    }

    /// The same from given values (`pid` is this process's id).
    pub fn from_vars(
        socket: bool,
        watchdog_usec: Option<&str>,
        watchdog_pid: Option<&str>,
        pid: u32,
    ) -> NotifyEnv {
        let usec = watchdog_usec
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&u| u > 0);
        let ours = match watchdog_pid {
            None => true,
            Some(p) => p.trim().parse::<u32>().ok() == Some(pid),
        };
        NotifyEnv {
            socket,
            watchdog: usec.filter(|_| ours).map(Duration::from_micros),
        }
    }
}

/// What the notifier did, in atomics any thread may read (status, metrics).
#[derive(Debug, Default)]
pub struct NotifyStats {
    /// `READY=1` was sent (the audio callback has run).
    pub ready: AtomicBool,
    /// `WATCHDOG=1` datagrams sent.
    pub watchdog_pings: AtomicU64,
    /// Half-intervals in which the callback did not run, so no `WATCHDOG=1` was sent.
    pub watchdog_skipped: AtomicU64,
}

/// The notify side of one `chronus play`.
#[derive(Debug)]
pub struct Notifier {
    env: NotifyEnv,
    stats: Arc<NotifyStats>,
    ready: bool,
    /// Callback count at the previous ping (or at READY).
    last_progress: u64,
    next_ping: Option<Instant>,
    /// The stall has been logged (once per stall).
    stall_logged: bool,
}

impl Notifier {
    /// A notifier for `env` (see [`NotifyEnv::from_env`]).
    pub fn new(env: NotifyEnv) -> Notifier {
        if let Some(interval) = env.watchdog {
            info!(
                "systemd watchdog: every {:.1} s while the audio callback runs (WATCHDOG_USEC {})",
                interval.as_secs_f64() / 2.0,
                interval.as_micros()
            );
        }
        Notifier {
            env,
            stats: Arc::default(),
            ready: false,
            last_progress: 0,
            next_ping: None,
            stall_logged: false,
        }
    }

    /// True once `READY=1` was sent (or would have been, without a socket).
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// True when the watchdog applies to this process (`WATCHDOG_USEC`).
    pub fn watchdog_enabled(&self) -> bool {
        self.env.watchdog.is_some()
    }

    /// The counters, to share with a status or metrics reader.
    pub fn stats(&self) -> &Arc<NotifyStats> {
        &self.stats
    }

    /// Called by the player every tick with the callbacks run so far: `READY=1` after the
    /// first, then `WATCHDOG=1` every half interval if the count moved since the last.
    pub fn tick(&mut self, now: Instant, callbacks: u64) {
        if !self.ready {
            if callbacks == 0 {
                return;
            }
            self.ready = true;
            self.stats.ready.store(true, Relaxed);
            self.last_progress = callbacks;
            self.send(&[NotifyState::Ready, NotifyState::Status("playing")]);
            if let Some(interval) = self.env.watchdog {
                self.stats.watchdog_pings.fetch_add(1, Relaxed);
                self.send(&[NotifyState::Watchdog]);
                self.next_ping = Some(now + interval / 2);
            }
            return;
        }
        let (Some(interval), Some(next)) = (self.env.watchdog, self.next_ping) else {
            return;
        };
        if now < next {
            return;
        }
        self.next_ping = Some(now + interval / 2);
        if callbacks != self.last_progress {
            self.last_progress = callbacks;
            self.stall_logged = false;
            self.stats.watchdog_pings.fetch_add(1, Relaxed);
            self.send(&[NotifyState::Watchdog]);
            return;
        }
        self.stats.watchdog_skipped.fetch_add(1, Relaxed);
        if !self.stall_logged {
            self.stall_logged = true;
            warn!(
                "the audio callback has not run for {:.1} s: the systemd watchdog is no longer \
                 notified (the service restarts after WatchdogSec= unless it resumes)",
                (interval / 2).as_secs_f64()
            );
        }
    }

    /// `STOPPING=1`: the player is shutting down.
    pub fn stopping(&self) {
        self.send(&[NotifyState::Stopping]);
    }

    fn send(&self, state: &[NotifyState]) {
        if !self.env.socket {
            return;
        }
        if let Err(e) = sd_notify::notify(false, state) {
            warn!("cannot notify systemd through NOTIFY_SOCKET: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchdog_needs_usec_and_our_pid_if_any() {
        let env = |usec, pid| NotifyEnv::from_vars(true, usec, pid, 42);
        assert_eq!(env(None, None).watchdog, None);
        assert_eq!(env(Some("0"), None).watchdog, None);
        assert_eq!(env(Some("x"), None).watchdog, None);
        assert_eq!(
            env(Some("2000000"), None).watchdog,
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            env(Some("2000000"), Some("42")).watchdog,
            Some(Duration::from_secs(2))
        );
        assert_eq!(env(Some("2000000"), Some("43")).watchdog, None);
    }

    #[test]
    fn pings_only_while_callbacks_progress() {
        let mut n = Notifier::new(NotifyEnv {
            socket: false,
            watchdog: Some(Duration::from_secs(2)),
        });
        let t0 = Instant::now();
        n.tick(t0, 0);
        assert!(!n.is_ready());
        n.tick(t0, 5);
        assert!(n.is_ready());
        assert_eq!(n.next_ping, Some(t0 + Duration::from_secs(1)));
        n.tick(t0 + Duration::from_millis(1100), 50);
        assert_eq!(n.last_progress, 50);
        assert!(!n.stall_logged);
        n.tick(t0 + Duration::from_millis(2200), 50);
        assert!(n.stall_logged, "no progress: no ping");
        n.tick(t0 + Duration::from_millis(3300), 90);
        assert!(!n.stall_logged);
        assert_eq!(n.last_progress, 90);
        let s = n.stats();
        assert!(s.ready.load(Relaxed));
        assert_eq!(s.watchdog_pings.load(Relaxed), 3);
        assert_eq!(s.watchdog_skipped.load(Relaxed), 1);
    }
}
