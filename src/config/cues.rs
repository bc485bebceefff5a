//! The config's `cues` section: where LED cues go (docs/CONTRACTS.md §7). Any number of
//! sinks:
//!
//! ```ron
//! cues: [
//!     (sink: "udp", target: "127.0.0.1:9100"),              // one JSON object per datagram
//!     (sink: "osc", target: "127.0.0.1:9101", rate: 50.0),  // /cue/note i i, /cue/param s f, ...
//!     (sink: "serial", device: "/dev/ttyACM0", baud: 115200),
//! ],
//! ```
//! `rate` is the most cues per second the sink sends (default 200): above it, param cues
//! coalesce (the latest value of each name wins) and other cues wait in a queue of 256,
//! beyond which they are dropped and counted.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::patch::{RonTree, Step};

/// Default cues per second of a sink.
pub const DEFAULT_CUE_RATE: f64 = 200.0;
/// Default baud rate of a serial sink.
pub const DEFAULT_BAUD: u32 = 115_200;

/// One sink of the `cues` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CueSinkConfig {
    /// `"udp"`, `"osc"` or `"serial"`.
    pub sink: String,
    /// `udp` and `osc`: the listener's address and port.
    #[serde(default)]
    pub target: Option<String>,
    /// `serial`: the device path.
    #[serde(default)]
    pub device: Option<String>,
    /// `serial`: baud rate (default 115200).
    #[serde(default)]
    pub baud: Option<u32>,
    /// Most cues per second (default 200).
    #[serde(default)]
    pub rate: Option<f64>,
}

impl CueSinkConfig {
    /// The target address of a `udp` or `osc` sink (checked by [`check`]).
    pub fn address(&self) -> Option<SocketAddr> {
        self.target.as_deref()?.parse().ok()
    }

    /// The cue rate.
    pub fn rate(&self) -> f64 {
        self.rate.unwrap_or(DEFAULT_CUE_RATE)
    }

    /// A short name for logs and metrics: `udp:127.0.0.1:9100`, `serial:/dev/ttyACM0`.
    pub fn label(&self) -> String {
        match self.sink.as_str() {
            "serial" => format!("serial:{}", self.device.as_deref().unwrap_or("?")),
            kind => format!("{kind}:{}", self.target.as_deref().unwrap_or("?")),
        }
    }
}

/// Every error of the `cues` section, positioned in `tree`.
pub fn check(sinks: &[CueSinkConfig], tree: &RonTree) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    for (i, s) in sinks.iter().enumerate() {
        let at = |f: &'static str| {
            tree.find(&[Step::Field("cues"), Step::Index(i), Step::Field(f)])
                .or_else(|| tree.find(&[Step::Field("cues"), Step::Index(i)]))
        };
        match s.sink.as_str() {
            "udp" | "osc" => {
                if s.address().is_none() {
                    errors.push(ConfigError::new(
                        at("target"),
                        format!(
                            "a {} sink needs `target`, an address and port (got {:?})",
                            s.sink,
                            s.target.as_deref().unwrap_or("nothing")
                        ),
                        Some("write target: \"127.0.0.1:9100\"".into()),
                    ));
                }
            }
            "serial" => {
                if s.device.as_deref().is_none_or(str::is_empty) {
                    errors.push(ConfigError::new(
                        at("device"),
                        "a serial sink needs `device`",
                        Some("write device: \"/dev/ttyACM0\"".into()),
                    ));
                }
                if s.baud.is_some_and(|b| !(300..=4_000_000).contains(&b)) {
                    errors.push(ConfigError::new(
                        at("baud"),
                        format!("baud {} is out of range", s.baud.unwrap_or(0)),
                        Some("300 <= baud <= 4000000 (a Teensy: 115200)".into()),
                    ));
                }
            }
            other => errors.push(ConfigError::new(
                at("sink"),
                format!("unknown cue sink \"{other}\""),
                Some("write \"udp\", \"osc\" or \"serial\"".into()),
            )),
        }
        if !(s.rate().is_finite() && s.rate() > 0.0 && s.rate() <= 100_000.0) {
            errors.push(ConfigError::new(
                at("rate"),
                format!("rate {} is out of range", s.rate()),
                Some("cues per second, 0 < rate <= 100000".into()),
            ));
        }
    }
    errors
}
