//! Why a config file was refused: one line per error, `file:line:col: what; fix-it hint`.

use std::fmt;

use crate::patch::{OneLine, Pos};

/// One error in a config file.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// The file it came from.
    pub file: Option<String>,
    /// Where in it.
    pub pos: Option<Pos>,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub hint: Option<String>,
}

impl ConfigError {
    /// An error at `pos` with an optional hint.
    pub fn new(pos: Option<Pos>, message: impl Into<String>, hint: Option<String>) -> Self {
        ConfigError {
            file: None,
            pos,
            message: message.into(),
            hint,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}:")?;
        }
        if let Some(pos) = self.pos {
            write!(f, "{pos}:")?;
        }
        if self.file.is_some() || self.pos.is_some() {
            write!(f, " ")?;
        }
        let hint = self
            .hint
            .as_deref()
            .map(|h| format!("; {h}"))
            .unwrap_or_default();
        // One line, always: control characters (a newline in a quoted value) are escaped.
        write!(f, "{}{}", OneLine(&self.message), OneLine(&hint))
    }
}

/// Every error of one config file, in file order; displays one per line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}
