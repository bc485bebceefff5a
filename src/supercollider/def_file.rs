//! A SynthDef of the user's own (`backend: (kind: "supercollider", synthdef: "mypad")`):
//! its control names read from its `.scsyndef` file ([`def_controls`]), and the names a
//! patch or `/mod` sets checked against them ([`check_controls`]), so an unknown name is one
//! clear line saying where it was set, before anything plays.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::synthdef::{decode, SynthDef, SynthDefError};
use crate::patch::one_line;

/// Why a SynthDef file's controls could not be read.
#[derive(Debug, Error)]
pub enum DefFileError {
    /// The file cannot be read.
    #[error("{path}: {error}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// Not a SynthDef file, or a damaged one.
    #[error("{path}: {error}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        error: SynthDefError,
    },
    /// The file holds several defs and none is named after it.
    #[error("{path}: no SynthDef named {name:?} in it (it holds {})", .found.join(", "))]
    NoDef {
        /// The file.
        path: PathBuf,
        /// The name looked for (the file's stem).
        name: String,
        /// The defs it holds.
        found: Vec<String>,
    },
}

/// The def of a `.scsyndef` file: the one named after the file (`mypad.scsyndef` →
/// `mypad`), or the only one it holds.
pub fn read_def(path: &Path) -> Result<SynthDef, DefFileError> {
    def_in(path, &read(path)?)
}

/// The def [`read_def`] takes from `bytes`, the contents of the file `path` (read for
/// nothing: `path` names the def and places the errors). Any bytes give a def or an error,
/// never a panic: every count in the file is checked against the bytes left.
pub fn def_in(path: &Path, bytes: &[u8]) -> Result<SynthDef, DefFileError> {
    let mut defs = decode(bytes).map_err(|error| DefFileError::Format {
        path: path.to_path_buf(),
        error,
    })?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(i) = defs.iter().position(|d| d.name == name) {
        return Ok(defs.swap_remove(i));
    }
    if defs.len() == 1 {
        return Ok(defs.remove(0));
    }
    Err(DefFileError::NoDef {
        path: path.to_path_buf(),
        name,
        found: defs.iter().map(|d| one_line(&d.name)).collect(),
    })
}

/// The control names of the SynthDef in `path` (see [`read_def`]), in the order of their
/// values in the def.
pub fn def_controls(path: &Path) -> Result<Vec<String>, DefFileError> {
    controls_in(path, &read(path)?)
}

/// [`def_controls`] of the file `path` whose contents are `bytes` (see [`def_in`]).
pub fn controls_in(path: &Path, bytes: &[u8]) -> Result<Vec<String>, DefFileError> {
    let mut names = def_in(path, bytes)?.control_names;
    names.sort_by_key(|(_, index)| *index);
    Ok(names.into_iter().map(|(n, _)| n).collect())
}

fn read(path: &Path) -> Result<Vec<u8>, DefFileError> {
    std::fs::read(path).map_err(|error| DefFileError::Read {
        path: path.to_path_buf(),
        error,
    })
}

/// Checks that every name set on an instrument played by the SynthDef `def` is one of its
/// `controls`. `names` pairs each name with where it was set (`file:line:col`, or the OSC
/// address); every unknown name is one line: where, the name, the def, its controls.
pub fn check_controls(
    def: &str,
    controls: &[String],
    names: &[(&str, &str)],
) -> Result<(), String> {
    let unknown: Vec<String> = names
        .iter()
        .filter(|(name, _)| !controls.iter().any(|c| c == name))
        .map(|(name, at)| {
            format!(
                "{at}: {name:?} is not a control of SynthDef {def:?} (its controls: {})",
                controls
                    .iter()
                    .map(|c| one_line(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(unknown.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supercollider::synthdef::encode;

    fn def(name: &str, controls: &[&str]) -> SynthDef {
        SynthDef {
            name: name.into(),
            controls: vec![0.0; controls.len()],
            // Written out of order: the names come back in the order of their values.
            control_names: controls
                .iter()
                .enumerate()
                .rev()
                .map(|(i, c)| (c.to_string(), i as i32))
                .collect(),
            ..SynthDef::default()
        }
    }

    #[test]
    fn controls_are_read_from_the_def_named_after_the_file() {
        let dir = std::env::temp_dir().join(format!("chronus-def-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pad = dir.join("mypad.scsyndef");
        let both = [
            def("other", &["x"]),
            def("mypad", &["freq", "amp", "gate", "cutoff"]),
        ];
        std::fs::write(&pad, encode(&both).unwrap()).unwrap();
        let controls = def_controls(&pad).unwrap();
        assert_eq!(controls, ["freq", "amp", "gate", "cutoff"]);
        assert!(check_controls("mypad", &controls, &[("cutoff", "/mod/pad/cutoff")]).is_ok());
        let err = check_controls(
            "mypad",
            &controls,
            &[
                ("cutof", "p.ron:4:20"),
                ("freq", "p.ron:5:1"),
                ("res", "p.ron:6:1"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            err.lines().collect::<Vec<_>>(),
            [
                "p.ron:4:20: \"cutof\" is not a control of SynthDef \"mypad\" (its controls: freq, amp, gate, cutoff)",
                "p.ron:6:1: \"res\" is not a control of SynthDef \"mypad\" (its controls: freq, amp, gate, cutoff)",
            ]
        );
        // Several defs, none named after the file: refused, naming them.
        let lost = dir.join("lost.scsyndef");
        std::fs::write(&lost, encode(&both).unwrap()).unwrap();
        let e = def_controls(&lost).unwrap_err().to_string();
        assert!(
            e.ends_with("no SynthDef named \"lost\" in it (it holds other, mypad)"),
            "{e}"
        );
        // A single def is taken whatever its name; a non-def and a missing file are refused.
        std::fs::write(&lost, encode(&both[..1]).unwrap()).unwrap();
        assert_eq!(def_controls(&lost).unwrap(), ["x"]);
        std::fs::write(&lost, b"RIFF....").unwrap();
        assert!(def_controls(&lost)
            .unwrap_err()
            .to_string()
            .contains("not a SynthDef file"));
        assert!(def_controls(&dir.join("none.scsyndef")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Regression (found writing the `scsyndef` fuzz target): a control or def name from the
    /// file holding a line break split a refusal over several lines.
    #[test]
    fn names_from_the_file_keep_each_refusal_on_one_line() {
        let odd = [def("mypad", &["a\nb", "ok"])];
        let path = Path::new("defs/mypad.scsyndef");
        let controls = controls_in(path, &encode(&odd).unwrap()).unwrap();
        assert_eq!(controls, ["a\nb", "ok"]);
        let err = check_controls("mypad", &controls, &[("x", "p.ron:1:1")]).unwrap_err();
        assert_eq!(
            err,
            "p.ron:1:1: \"x\" is not a control of SynthDef \"mypad\" (its controls: a\\nb, ok)"
        );
        let two = [def("one\r\nline", &[]), def("two", &[])];
        let e = def_in(path, &encode(&two).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("(it holds one\\r\\nline, two)"), "{e}");
        assert_eq!(e.lines().count(), 1);
    }
}
