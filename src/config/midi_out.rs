//! The config's `midi_out` and `cc_profiles` sections, checked with positions: the
//! output queue's settings, and custom CC profiles (each param exactly one of `cc`,
//! `cc14`, `nrpn`, a range inside the control's values, a known curve). Whether the
//! patch's `midi` instruments name known profiles is checked against the patch file
//! (`midi_out::settings::plan`), where those names are written.

use indexmap::IndexMap;

use super::ConfigError;
use crate::midi_out::{MidiOutSettings, ProfileDesc};
use crate::patch::{RonTree, Step};

/// Every error of the `midi_out` and `cc_profiles` sections.
pub fn check(
    settings: &MidiOutSettings,
    profiles: &IndexMap<String, ProfileDesc>,
    tree: &RonTree,
) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    for (field, message) in settings.problems() {
        errors.push(ConfigError::new(
            tree.find(&[Step::Field("midi_out"), Step::Field(field)]),
            message,
            None,
        ));
    }
    for (id, profile) in profiles {
        if id.is_empty() || id.contains(char::is_whitespace) {
            errors.push(ConfigError::new(
                tree.find(&[Step::Field("cc_profiles"), Step::Key(id)]),
                format!("profile name {id:?} cannot be used: it is empty or has a space"),
                None,
            ));
        }
        for (name, param) in &profile.params {
            if let Err(issue) = param.build(name) {
                let mut path = vec![
                    Step::Field("cc_profiles"),
                    Step::Key(id),
                    Step::Field("params"),
                    Step::Key(name),
                ];
                if let Some(f) = issue.field {
                    path.push(Step::Field(f));
                }
                let pos = tree.find(&path).or_else(|| tree.find(&path[..4]));
                errors.push(ConfigError::new(
                    pos,
                    format!("cc_profiles {id:?}: {}", issue.message),
                    Some("a param is (cc: 0..127 | cc14: 0..31 | nrpn: 0..16383, range: (lo, hi), curve: \"linear\" | \"exponential\" | \"logarithmic\" | \"stepped(N)\", initial: 0..1)".into()),
                ));
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use crate::config::parse;
    use crate::patch::{PatchDesc, RonTree};

    fn errors(text: &str) -> Vec<String> {
        let config = parse(text, Some("c.ron")).unwrap();
        super::check(&config.midi_out, &config.cc_profiles, &RonTree::scan(text))
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn custom_profiles_load_and_bad_params_are_positioned() {
        let ok = "(cc_profiles: {\"my_synth\": (name: \"My Synth\", params: {\"cutoff\": (cc: 74, range: (0, 127), curve: \"exponential\")})})";
        assert!(errors(ok).is_empty(), "{:?}", errors(ok));
        let bad = "(\n  midi_out: (queue: 3),\n  cc_profiles: {\"my_synth\": (params: {\n    \"cutoff\": (cc: 200),\n    \"res\": (cc: 71, curve: \"expo\"),\n  })},\n)";
        let e = errors(bad);
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].starts_with("2:21: queue 3 is out of range"), "{e:?}");
        assert!(
            e[1].starts_with("4:20: cc_profiles \"my_synth\": cc 200 is out of range 0 .. 127"),
            "{e:?}"
        );
        assert!(
            e[2].starts_with("5:28: cc_profiles \"my_synth\": unknown curve \"expo\""),
            "{e:?}"
        );
        let _ = PatchDesc::default();
    }
}
