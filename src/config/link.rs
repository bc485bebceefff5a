//! The `link` section of `--config`: Ableton Link (builds with the cargo feature `link`).
//!
//! ```ron
//! link: (enabled: true, quantum: 4, start_stop_sync: true),
//! ```
//! `enabled` joins the session (as `--link` does); `quantum` is the beats a bar lines up
//! to (1–16); `start_stop_sync` makes the session's start/stop and the sequencer's follow
//! each other.

use serde::{Deserialize, Serialize};

/// Smallest quantum, beats.
pub const MIN_QUANTUM: f64 = 1.0;
/// Largest quantum, beats.
pub const MAX_QUANTUM: f64 = 16.0;

/// The `link` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkConfig {
    /// Join the session (`--link` does too).
    pub enabled: bool,
    /// Beats a bar lines up to (default 4).
    pub quantum: f64,
    /// Start/stop sync with the session, both ways (default true).
    pub start_stop_sync: bool,
}

impl Default for LinkConfig {
    /// Off; quantum 4; start/stop sync on.
    fn default() -> Self {
        LinkConfig {
            enabled: false,
            quantum: 4.0,
            start_stop_sync: true,
        }
    }
}

impl LinkConfig {
    /// What is wrong with the quantum, if anything.
    pub fn problem(&self) -> Option<String> {
        (!(MIN_QUANTUM..=MAX_QUANTUM).contains(&self.quantum)).then(|| {
            format!(
                "quantum {} is out of range {MIN_QUANTUM} .. {MAX_QUANTUM}",
                self.quantum
            )
        })
    }
}
