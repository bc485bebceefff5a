//! The config's `http` section: where `chronus play` serves its HTTP API
//! (docs/CONTRACTS.md §6) and how much a client may send.
//!
//! ```ron
//! http: (bind: "127.0.0.1:8080", rate: 20.0, burst: 40, max_body_kb: 64),
//! ```
//! `--http ADDR` and `--no-http` win over `bind`.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::patch::{RonTree, Step};

/// The default address of the HTTP API.
pub const DEFAULT_HTTP_BIND: &str = "127.0.0.1:8080";

/// The `http` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Address and port to listen on (`"127.0.0.1:8080"`).
    pub bind: String,
    /// Mutating requests (POST, WebSocket messages) a client may send per second, on
    /// average (a token bucket refilled at this rate).
    pub rate: f64,
    /// How many it may send at once (the bucket's size).
    pub burst: u32,
    /// Largest request body accepted, in KiB.
    pub max_body_kb: u32,
}

impl Default for HttpConfig {
    /// 127.0.0.1:8080, 20 requests/s with bursts of 40, bodies up to 64 KiB.
    fn default() -> Self {
        HttpConfig {
            bind: DEFAULT_HTTP_BIND.to_string(),
            rate: 20.0,
            burst: 40,
            max_body_kb: 64,
        }
    }
}

impl HttpConfig {
    /// The bind address (checked by [`HttpConfig::check`]).
    pub fn address(&self) -> Option<SocketAddr> {
        self.bind.parse().ok()
    }

    /// Every error of the section, positioned in `tree`.
    pub fn check(&self, tree: &RonTree) -> Vec<ConfigError> {
        let at = |f: &'static str| tree.find(&[Step::Field("http"), Step::Field(f)]);
        let mut errors = Vec::new();
        if self.address().is_none() {
            errors.push(ConfigError::new(
                at("bind"),
                format!("\"{}\" is not an address and port", self.bind),
                Some("write \"127.0.0.1:8080\" (or \"0.0.0.0:8080\" for the network)".into()),
            ));
        }
        if !(self.rate.is_finite() && self.rate > 0.0 && self.rate <= 10_000.0) {
            errors.push(ConfigError::new(
                at("rate"),
                format!("rate {} is out of range", self.rate),
                Some("requests per second, 0 < rate <= 10000".into()),
            ));
        }
        if !(1..=100_000).contains(&self.burst) {
            errors.push(ConfigError::new(
                at("burst"),
                format!("burst {} is out of range", self.burst),
                Some("1 <= burst <= 100000".into()),
            ));
        }
        if !(1..=16_384).contains(&self.max_body_kb) {
            errors.push(ConfigError::new(
                at("max_body_kb"),
                format!("max_body_kb {} is out of range", self.max_body_kb),
                Some("1 <= max_body_kb <= 16384".into()),
            ));
        }
        errors
    }
}
