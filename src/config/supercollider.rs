//! The config's `supercollider` section: the scsynth server that plays a patch's
//! `supercollider` instruments during `chronus play` (docs/CONTRACTS.md §5).
//!
//! ```ron
//! supercollider: (
//!     program: "scsynth", port: 57110, options: ["-o", "2"],   // start scsynth ...
//!     // address: Some("127.0.0.1:57110"),                      // ... or use a running one
//!     synthdefs: Some("synthdefs"), latency_ms: 50.0, max_failures: 5,
//! ),
//! ```
//! Without `address`, Chronus starts `program -u port options...` on 127.0.0.1 and
//! supervises it; with `address`, it talks to the server there and starts nothing.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::patch::{RonTree, Step};

/// The default UDP port of a scsynth Chronus starts.
pub const DEFAULT_SC_PORT: u16 = 57110;

/// The `supercollider` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SuperColliderConfig {
    /// The scsynth program to start (looked up on `PATH` unless a path).
    pub program: String,
    /// The UDP port the started scsynth listens on (on 127.0.0.1).
    pub port: u16,
    /// More command-line options for the started scsynth (device, channels, block size:
    /// `["-H", "hw:1", "-z", "64"]`).
    pub options: Vec<String>,
    /// A running server's `host:port`: Chronus starts nothing and talks to it.
    pub address: Option<String>,
    /// The folder of the user's SynthDefs (`.scsyndef`), loaded with `/d_loadDir`; a
    /// `backend: (kind: "supercollider", synthdef: "name")` names a def in it.
    pub synthdefs: Option<String>,
    /// The fixed latency added to every note's sample time in its bundle's time tag, in
    /// milliseconds: the time a bundle has to reach scsynth before it is due.
    pub latency_ms: f64,
    /// Failed starts in a row after which the backend reports an error state (it keeps
    /// trying every 10 s).
    pub max_failures: u32,
    /// On JACK, time notes through the timing probe (`sc_live::sc_clock`: scsynth's own
    /// OSC-time → frame mapping, measured every 200 ms) instead of the wall clock.
    /// **Experimental, off by default:** in runs on 2026-12-07 most recordings had notes
    /// slipping by one JACK period and more, worse than the wall clock's mapping (within
    /// a period), cause not found yet.
    pub timing_probe: bool,
}

impl Default for SuperColliderConfig {
    /// Start `scsynth -u 57110` on 127.0.0.1, no SynthDef folder, 50 ms latency, error
    /// state after 5 failed starts in a row.
    fn default() -> Self {
        SuperColliderConfig {
            program: "scsynth".to_string(),
            port: DEFAULT_SC_PORT,
            options: Vec::new(),
            address: None,
            synthdefs: None,
            latency_ms: 50.0,
            max_failures: 5,
            timing_probe: false,
        }
    }
}

impl SuperColliderConfig {
    /// The server's address: `address` when given, else 127.0.0.1 at `port`. `None` for an
    /// `address` that is not one ([`SuperColliderConfig::check`] refuses it).
    pub fn server(&self) -> Option<SocketAddr> {
        match &self.address {
            Some(a) => a.parse().ok(),
            None => Some(SocketAddr::from(([127, 0, 0, 1], self.port))),
        }
    }

    /// True when Chronus starts (and supervises) the server itself.
    pub fn starts_server(&self) -> bool {
        self.address.is_none()
    }

    /// Every error of the section, positioned in `tree`.
    pub fn check(&self, tree: &RonTree) -> Vec<ConfigError> {
        let at = |f: &'static str| tree.find(&[Step::Field("supercollider"), Step::Field(f)]);
        let mut errors = Vec::new();
        if self.server().is_none() {
            errors.push(ConfigError::new(
                at("address"),
                format!(
                    "\"{}\" is not an address and port",
                    self.address.as_deref().unwrap_or_default()
                ),
                Some("write \"127.0.0.1:57110\"".into()),
            ));
        }
        if self.port == 0 {
            errors.push(ConfigError::new(
                at("port"),
                "port 0 is not a port scsynth can listen on",
                Some("1 <= port <= 65535 (scsynth's default: 57110)".into()),
            ));
        }
        if self.program.trim().is_empty() {
            errors.push(ConfigError::new(
                at("program"),
                "the scsynth program is empty",
                Some("write \"scsynth\" or its path".into()),
            ));
        }
        if !(self.latency_ms.is_finite() && (1.0..=1000.0).contains(&self.latency_ms)) {
            errors.push(ConfigError::new(
                at("latency_ms"),
                format!("latency_ms {} is out of range", self.latency_ms),
                Some("1 <= latency_ms <= 1000".into()),
            ));
        }
        if !(1..=100).contains(&self.max_failures) {
            errors.push(ConfigError::new(
                at("max_failures"),
                format!("max_failures {} is out of range", self.max_failures),
                Some("1 <= max_failures <= 100".into()),
            ));
        }
        if let Some(dir) = &self.synthdefs {
            if !std::path::Path::new(dir).is_dir() {
                errors.push(ConfigError::new(
                    at("synthdefs"),
                    format!("the SynthDef folder \"{dir}\" is not a folder"),
                    Some("give a folder of .scsyndef files".into()),
                ));
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        let config = crate::config::parse(text, None).unwrap();
        config
            .supercollider
            .check(&RonTree::scan(text))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_default_starts_scsynth_on_57110() {
        let c = SuperColliderConfig::default();
        assert!(c.starts_server());
        assert_eq!(c.server(), "127.0.0.1:57110".parse().ok());
        assert!(errors("(supercollider: ())").is_empty());
    }

    #[test]
    fn wrong_fields_are_positioned() {
        let text = "(supercollider: (\n  address: Some(\"nowhere\"),\n  latency_ms: 0.0,\n  synthdefs: Some(\"/no/such/folder\"),\n))";
        let e = errors(text);
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[0].starts_with("2:12: \"nowhere\" is not an address"),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("3:15: latency_ms 0 is out of range"),
            "{e:?}"
        );
        assert!(
            e[2].contains("\"/no/such/folder\" is not a folder"),
            "{e:?}"
        );
    }
}
