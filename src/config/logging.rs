//! The config's `logging` section: how `chronus play` logs.
//!
//! ```ron
//! logging: (format: "json", level: "info", file: Some("chronus.log"), max_size_mb: 10, keep: 5),
//! ```
//! `format` is `"text"` (the default; `--log-format` wins) or `"json"` (one JSON object per
//! line: `timestamp`, `level`, `event`, fields). Without `file`, logs go to stderr (journald
//! takes them from there); with it, to that file, rotated when it reaches `max_size_mb`,
//! keeping `keep` old files (`chronus.log.1` the newest). A config reload changes `level`
//! live; `format` and `file` need a restart.

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::patch::{RonTree, Step};

/// The levels `level` accepts.
pub const LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

/// The `logging` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoggingConfig {
    /// `"text"` or `"json"`.
    pub format: String,
    /// `"error"`, `"warn"`, `"info"`, `"debug"` or `"trace"`.
    pub level: String,
    /// A log file instead of stderr.
    pub file: Option<String>,
    /// Size at which the file is rotated, in MiB.
    pub max_size_mb: f64,
    /// Rotated files kept.
    pub keep: u32,
}

impl Default for LoggingConfig {
    /// Text at info level to stderr; a file (when named) rotates at 10 MiB, 5 kept.
    fn default() -> Self {
        LoggingConfig {
            format: "text".to_string(),
            level: "info".to_string(),
            file: None,
            max_size_mb: 10.0,
            keep: 5,
        }
    }
}

impl LoggingConfig {
    /// Every error of the section, positioned in `tree`.
    pub fn check(&self, tree: &RonTree) -> Vec<ConfigError> {
        let at = |f: &'static str| tree.find(&[Step::Field("logging"), Step::Field(f)]);
        let mut errors = Vec::new();
        if self.format != "text" && self.format != "json" {
            errors.push(ConfigError::new(
                at("format"),
                format!("unknown log format \"{}\"", self.format),
                Some("write \"text\" or \"json\"".into()),
            ));
        }
        if !LEVELS.contains(&self.level.as_str()) {
            errors.push(ConfigError::new(
                at("level"),
                format!("unknown log level \"{}\"", self.level),
                Some(format!("levels: {}", LEVELS.join(", "))),
            ));
        }
        if !(self.max_size_mb.is_finite() && self.max_size_mb > 0.0 && self.max_size_mb <= 4096.0) {
            errors.push(ConfigError::new(
                at("max_size_mb"),
                format!("max_size_mb {} is out of range", self.max_size_mb),
                Some("MiB, 0 < max_size_mb <= 4096 (0.5 is half a MiB)".into()),
            ));
        }
        if !(1..=1000).contains(&self.keep) {
            errors.push(ConfigError::new(
                at("keep"),
                format!("keep {} is out of range", self.keep),
                Some("1 <= keep <= 1000".into()),
            ));
        }
        errors
    }

    /// `max_size_mb` in bytes.
    pub fn max_bytes(&self) -> usize {
        (self.max_size_mb * 1024.0 * 1024.0) as usize
    }
}
