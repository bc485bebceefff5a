//! What the SuperCollider backend reports (`/backend/status`, `/api/state`'s backends,
//! `/metrics`, the stop summary): its address, up or down, error state, restarts, late
//! bundles and what was dropped while it was down. Atomics (and the address behind a lock
//! the outbound thread takes only on a config reload): any thread reads them.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicU64};

use parking_lot::Mutex;

/// The backend's counters and state.
#[derive(Debug, Default)]
pub struct ScStatus {
    /// The server's `host:port` (a config reload may change it).
    pub address: Mutex<String>,
    /// True when Chronus started the server (and restarts it).
    pub started: AtomicBool,
    /// The server answers and has its defs.
    pub up: AtomicBool,
    /// It failed `max_failures` times in a row (Chronus keeps trying every 10 s).
    pub error: AtomicBool,
    /// Times it came up again after being lost.
    pub restarts: AtomicU64,
    /// Bundles scsynth reported late (`/late`, or `late` on its console).
    pub late: AtomicU64,
    /// Bundles sent.
    pub sent: AtomicU64,
    /// Note events dropped while the server was down (held notes sound again when it is
    /// back).
    pub dropped: AtomicU64,
    /// `/fail` replies.
    pub fails: AtomicU64,
}

impl ScStatus {
    /// `up`, `down` or `error`.
    pub fn state(&self) -> &'static str {
        if self.up.load(Relaxed) {
            "up"
        } else if self.error.load(Relaxed) {
            "error"
        } else {
            "down"
        }
    }

    /// The figures as JSON (`/api/state`'s `supercollider`): `address`, `started`,
    /// `state`, `restarts`, `late`, `sent`, `dropped`, `fails`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "address": *self.address.lock(),
            "started": self.started.load(Relaxed),
            "state": self.state(),
            "restarts": self.restarts.load(Relaxed),
            "late": self.late.load(Relaxed),
            "sent": self.sent.load(Relaxed),
            "dropped": self.dropped.load(Relaxed),
            "fails": self.fails.load(Relaxed),
        })
    }

    /// One line: `SuperCollider 127.0.0.1:57110 (started): up; restarts 0, late 0, ...`.
    pub fn line(&self) -> String {
        format!(
            "SuperCollider {} ({}): {}; restarts {}, late {}, sent {}, dropped {}, fails {}",
            self.address.lock(),
            if self.started.load(Relaxed) {
                "started"
            } else {
                "running"
            },
            self.state(),
            self.restarts.load(Relaxed),
            self.late.load(Relaxed),
            self.sent.load(Relaxed),
            self.dropped.load(Relaxed),
            self.fails.load(Relaxed),
        )
    }
}
