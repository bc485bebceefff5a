//! The `clock` section of `--config`: MIDI clock out and in.
//!
//! ```ron
//! clock: (out: ["NTS-1"], send_start_stop: true, send_song_position: true),
//! clock: (follow: "TR-8"),
//! ```
//! `out` names output ports (part of a name, any case) that get the sequencer's MIDI
//! clock; `follow` names the input port whose clock the sequencer follows. One port is
//! never both (refused: a clock sent back into its own source would feed on itself). The
//! command line's `--clock-out` / `--clock-in` win over these.

use serde::{Deserialize, Serialize};

/// The `clock` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClockConfig {
    /// Output ports that get the MIDI clock (part of a name, any case).
    pub out: Vec<String>,
    /// Send START/STOP/CONTINUE with the clock (default true).
    pub send_start_stop: bool,
    /// Send SONG POSITION POINTER before CONTINUE (default true).
    pub send_song_position: bool,
    /// Input port whose MIDI clock the sequencer follows (part of a name, any case).
    pub follow: Option<String>,
}

impl Default for ClockConfig {
    /// No clock out, no clock in; both flags on.
    fn default() -> Self {
        ClockConfig {
            out: Vec::new(),
            send_start_stop: true,
            send_song_position: true,
            follow: None,
        }
    }
}

/// Why a clock setting is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClockConfigError {
    /// A name that is empty matches every port.
    #[error("an empty port name matches every port")]
    EmptyName,
    /// The followed port is also a clock output.
    #[error(
        "MIDI clock in and out on one port (\"{follow}\" follows, \"{out}\" sends): a clock sent back into its source would feed on itself"
    )]
    InAndOut {
        /// The `follow` name.
        follow: String,
        /// The `out` name that overlaps it.
        out: String,
    },
}

/// True when names `a` and `b` (parts of port names, any case) can pick one port: one
/// contains the other.
pub fn may_overlap(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    a.contains(&b) || b.contains(&a)
}

/// Checks clock in and out settings (from the config or the command line): no empty
/// name, and no port both followed and sent to. Returns the index in `out` of the first
/// offending name with the error.
pub fn check(
    follow: Option<&str>,
    out: &[String],
) -> Result<(), (Option<usize>, ClockConfigError)> {
    if follow.is_some_and(|f| f.trim().is_empty()) {
        return Err((None, ClockConfigError::EmptyName));
    }
    for (i, o) in out.iter().enumerate() {
        if o.trim().is_empty() {
            return Err((Some(i), ClockConfigError::EmptyName));
        }
        if let Some(f) = follow {
            if may_overlap(f, o) {
                return Err((
                    Some(i),
                    ClockConfigError::InAndOut {
                        follow: f.to_string(),
                        out: o.to_string(),
                    },
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_port_is_never_both_in_and_out() {
        let out = vec!["NTS-1".to_string(), "tr-8 out".to_string()];
        assert_eq!(check(Some("Keystep"), &out), Ok(()));
        let (i, e) = check(Some("TR-8"), &out).unwrap_err();
        assert_eq!(i, Some(1));
        assert!(e.to_string().contains("in and out on one port"), "{e}");
        assert_eq!(
            check(Some(" "), &[]),
            Err((None, ClockConfigError::EmptyName))
        );
        assert_eq!(check(None, &out), Ok(()));
    }
}
