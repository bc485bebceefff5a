//! An instrument's `backend`: where its notes are played (docs/CONTRACTS.md §1,
//! "Instrument backends").
//!
//! ```ron
//! "nts1": (count: 1, backend: (kind: "midi", port: "NTS-1", channel: 1, profile: "korg_nts1_mk2")),
//! "pad":  (count: 8, backend: (kind: "supercollider"), modules: {...}, connections: [...]),
//! "bell": (count: 4, backend: (kind: "supercollider", synthdef: "mybell")),
//! ```
//!
//! Without `backend` an instrument is played by the internal engine. The written form is
//! one flat struct ([`BackendDesc`]) so that a wrong field is a positioned error naming the
//! kind it does not belong to; [`BackendDesc::kind`] gives the typed view
//! ([`Backend`]) the rest of the program uses. [`check`] is the validation, called by
//! `validate` for each instrument.

use serde::{Deserialize, Serialize};

/// The `kind` names a backend may have, in the order they are documented.
pub const BACKEND_KINDS: [&str; 2] = ["midi", "supercollider"];

/// An instrument's `backend: (...)` as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendDesc {
    /// `"midi"` or `"supercollider"`.
    pub kind: String,
    /// `midi`: the output port, part of its name in any case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// `midi`: the MIDI channel 1–16 (1 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<u8>,
    /// `midi`: the CC profile naming the synth's params (built in or the config's
    /// `cc_profiles`); notes and channel messages only when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// `supercollider`: a SynthDef from the config's folder; absent, the instrument's voice
    /// template is compiled into one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthdef: Option<String>,
}

impl BackendDesc {
    /// A `midi` backend on `port`, `channel`, with `profile`.
    pub fn midi(port: &str, channel: u8, profile: Option<&str>) -> Self {
        BackendDesc {
            kind: "midi".into(),
            port: Some(port.into()),
            channel: Some(channel),
            profile: profile.map(Into::into),
            synthdef: None,
        }
    }

    /// A `supercollider` backend, with or without a named SynthDef.
    pub fn supercollider(synthdef: Option<&str>) -> Self {
        BackendDesc {
            kind: "supercollider".into(),
            port: None,
            channel: None,
            profile: None,
            synthdef: synthdef.map(Into::into),
        }
    }

    /// The typed view of a backend that [`check`] accepted; `None` for an unknown kind.
    pub fn kind(&self) -> Option<Backend<'_>> {
        match self.kind.as_str() {
            "midi" => Some(Backend::Midi(MidiBackend {
                port: self.port.as_deref().unwrap_or(""),
                channel: self.channel.unwrap_or(1),
                profile: self.profile.as_deref(),
            })),
            "supercollider" => Some(Backend::SuperCollider {
                synthdef: self.synthdef.as_deref(),
            }),
            _ => None,
        }
    }

    /// True for a backend whose voices are not played by Chronus's engine at all (`midi`).
    /// A `supercollider` instrument still has a voice template (it is compiled into a
    /// SynthDef, and played by the internal engine until that backend runs).
    pub fn is_external_only(&self) -> bool {
        self.kind == "midi"
    }
}

/// Where an instrument's notes are played, as the rest of the program reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend<'a> {
    /// An external synth on a MIDI output port.
    Midi(MidiBackend<'a>),
    /// SuperCollider's server.
    SuperCollider {
        /// A named SynthDef, or `None` for the compiled voice template.
        synthdef: Option<&'a str>,
    },
}

/// A `midi` backend's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MidiBackend<'a> {
    /// Part of the output port's name.
    pub port: &'a str,
    /// MIDI channel, 1–16.
    pub channel: u8,
    /// The CC profile's name.
    pub profile: Option<&'a str>,
}

/// One problem with a backend, and which field it is about (`kind`, `port`, ...; `None`:
/// the backend as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendIssue {
    /// The field written wrong, for its position.
    pub field: Option<&'static str>,
    /// What is wrong, one line.
    pub message: String,
}

fn issue(field: Option<&'static str>, message: String) -> BackendIssue {
    BackendIssue { field, message }
}

/// Checks one instrument's backend: a known kind, only that kind's fields, a port and a
/// channel in range for `midi`, and no voice template (`has_template`: modules or
/// connections) for `midi`.
pub fn check(backend: &BackendDesc, has_template: bool) -> Vec<BackendIssue> {
    let mut issues = Vec::new();
    let fields: [(&'static str, bool); 4] = [
        ("port", backend.port.is_some()),
        ("channel", backend.channel.is_some()),
        ("profile", backend.profile.is_some()),
        ("synthdef", backend.synthdef.is_some()),
    ];
    let allowed: &[&str] = match backend.kind.as_str() {
        "midi" => &["port", "channel", "profile"],
        "supercollider" => &["synthdef"],
        other => {
            let hint = match super::error::closest(other, BACKEND_KINDS) {
                Some(s) => format!("did you mean {s:?}?"),
                None => "known kinds: \"midi\", \"supercollider\"".to_string(),
            };
            issues.push(issue(
                Some("kind"),
                format!("unknown backend kind {other:?} ({hint})"),
            ));
            return issues;
        }
    };
    for (field, present) in fields {
        if present && !allowed.contains(&field) {
            issues.push(issue(
                Some(field),
                format!(
                    "backend {:?} has no field `{field}` (its fields: {})",
                    backend.kind,
                    allowed
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    if backend.kind == "midi" {
        match backend.port.as_deref() {
            None => issues.push(issue(
                None,
                "a \"midi\" backend needs a `port` (part of the output port's name)".into(),
            )),
            Some(p) if p.trim().is_empty() => {
                issues.push(issue(Some("port"), "the backend's `port` is empty".into()))
            }
            Some(_) => {}
        }
        if let Some(ch) = backend.channel {
            if !(1..=16).contains(&ch) {
                issues.push(issue(
                    Some("channel"),
                    format!("backend channel {ch} is out of range 1 .. 16"),
                ));
            }
        }
        if backend.profile.as_deref().is_some_and(|p| p.is_empty()) {
            issues.push(issue(
                Some("profile"),
                "the backend's `profile` is empty".into(),
            ));
        }
        if has_template {
            issues.push(issue(
                None,
                "a \"midi\" instrument is played by the synth on its port: it has no `modules` or `connections`".into(),
            ));
        }
    }
    if backend.synthdef.as_deref().is_some_and(|s| s.is_empty()) {
        issues.push(issue(
            Some("synthdef"),
            "the backend's `synthdef` is empty".into(),
        ));
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_midi_backend_reads_as_one() {
        let b = BackendDesc::midi("NTS-1", 3, Some("korg_nts1_mk2"));
        assert!(check(&b, false).is_empty());
        assert_eq!(
            b.kind(),
            Some(Backend::Midi(MidiBackend {
                port: "NTS-1",
                channel: 3,
                profile: Some("korg_nts1_mk2")
            }))
        );
        assert!(b.is_external_only());
    }

    #[test]
    fn wrong_fields_and_kinds_are_named() {
        let mut b = BackendDesc::supercollider(None);
        b.port = Some("x".into());
        let issues = check(&b, true);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].field, Some("port"));
        assert!(issues[0].message.contains("`synthdef`"), "{issues:?}");

        b.kind = "mdi".into();
        let issues = check(&b, false);
        assert_eq!(
            issues[0].message,
            "unknown backend kind \"mdi\" (did you mean \"midi\"?)"
        );

        let mut m = BackendDesc::midi("a", 17, None);
        m.synthdef = Some("s".into());
        let issues = check(&m, true);
        let fields: Vec<_> = issues.iter().map(|i| i.field).collect();
        assert_eq!(fields, [Some("synthdef"), Some("channel"), None]);
    }

    fn load(text: &str) -> Result<crate::patch::PatchDesc, String> {
        crate::patch::load(text, Some("p.ron"), &chronus_modules::Registry::builtin())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn backends_load_validate_and_round_trip() {
        let text = r#"(
    instruments: {
        "nts1": (count: 1, backend: (kind: "midi", port: "NTS-1", channel: 1, profile: "korg_nts1_mk2")),
        "bell": (count: 4, backend: (kind: "supercollider", synthdef: Some("mybell"))),
        "pad": (count: 2, backend: (kind: "supercollider"), modules: {"osc": (kind: "sine")},
            connections: [("note.freq", "osc.freq"), ("osc.out", "output.left")]),
    },
    connections: [("pad.left", "output.left")],
)"#;
        let desc = load(text).unwrap();
        assert_eq!(
            desc.instruments["bell"].backend,
            Some(BackendDesc::supercollider(Some("mybell")))
        );
        let again = crate::patch::parse(&crate::patch::to_ron(&desc), None).unwrap();
        assert_eq!(again, desc);
        assert!(crate::patch::to_ron(&desc).contains("kind: \"midi\""));
        // Only MIDI instruments and an empty main graph: valid, and never a silent part.
        let only = "(instruments: {\"a\": (backend: (kind: \"midi\", port: \"x\"))})";
        let desc = load(only).unwrap();
        assert!(crate::patch::silent_parts(&desc).is_empty());
    }

    #[test]
    fn backend_errors_are_positioned() {
        let text = "(instruments: {\n  \"a\": (backend: (kind: \"mdi\", port: \"x\")),\n  \"b\": (backend: (kind: \"supercollider\", channel: 3)),\n  \"c\": (backend: (kind: \"midi\", port: \"x\", channel: 0), modules: {\"o\": (kind: \"sine\")}),\n})";
        let e = load(text).unwrap_err();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(
            lines,
            [
                "p.ron:2:25: instrument \"a\": unknown backend kind \"mdi\" (did you mean \"midi\"?)",
                "p.ron:3:51: instrument \"b\": backend \"supercollider\" has no field `channel` (its fields: `synthdef`)",
                "p.ron:4:18: instrument \"c\": a \"midi\" instrument is played by the synth on its port: it has no `modules` or `connections`",
                "p.ron:4:53: instrument \"c\": backend channel 0 is out of range 1 .. 16",
            ]
        );
        let unknown =
            load("(instruments: {\"a\": (backend: (kind: \"midi\", prot: \"x\"))})").unwrap_err();
        assert!(
            unknown.contains("unknown field \"prot\" in a backend"),
            "{unknown}"
        );
    }
}
