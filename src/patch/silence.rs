//! Warnings for a patch that is valid but silent somewhere: a graph or an instrument
//! whose sound never reaches the output. Such a patch loads and runs (a sound designer may
//! be half-way through wiring it), so these are warnings, not errors: `chronus check`,
//! `render`, `play` and `bench` print them and go on.

use std::collections::HashSet;

use super::implicit::OUTPUT_ID;
use super::model::{Connection, PatchDesc};
use super::scope::instruments;

/// One line per silent part of `desc`, in patch order (empty for a patch that is heard
/// everywhere):
/// - nothing connected to the main graph's `output.left` or `output.right`: the whole
///   patch is silent (and only this is said);
/// - an instrument whose `left` and `right` lead to no module that reaches the output;
/// - an instrument whose voice template connects nothing to `output.left` or
///   `output.right`.
///
/// Instruments played elsewhere (a `midi` backend) make no sound in Chronus: they are
/// never silent parts, and a patch of only those is not silent either.
pub fn silent_parts(desc: &PatchDesc) -> Vec<String> {
    let external = |inst: &super::model::InstrumentDesc| {
        inst.backend.as_ref().is_some_and(|b| b.is_external_only())
    };
    let mut internal = instruments(desc).filter(|(_, _, inst)| !external(inst));
    if internal.next().is_none() && desc.modules.is_empty() {
        return Vec::new();
    }
    if !feeds_output(&desc.connections) {
        return vec![
            "nothing is connected to `output.left` or `output.right`: the patch is silent"
                .to_string(),
        ];
    }
    let heard = reaching_output(&desc.connections);
    let mut lines = Vec::new();
    for (_, id, inst) in instruments(desc).filter(|(_, _, inst)| !external(inst)) {
        if !heard.contains(id) {
            lines.push(format!(
                "instrument \"{id}\" is never heard: nothing takes `{id}.left` or `{id}.right` \
                 to the output"
            ));
        } else if !feeds_output(&inst.connections) {
            lines.push(format!(
                "instrument \"{id}\": its voice template connects nothing to `output.left` or \
                 `output.right`, so its voices are silent"
            ));
        }
    }
    lines
}

/// True when some connection ends at `output.left` or `output.right`.
fn feeds_output(connections: &[Connection]) -> bool {
    connections
        .iter()
        .any(|c| c.to().module == OUTPUT_ID && matches!(c.to().port.as_str(), "left" | "right"))
}

/// The modules (and instruments) of the main graph from which a chain of connections
/// leads to `output.left` or `output.right`.
fn reaching_output(connections: &[Connection]) -> HashSet<&str> {
    let mut heard: HashSet<&str> = connections
        .iter()
        .filter(|c| feeds_output(std::slice::from_ref(c)))
        .map(|c| c.from().module.as_str())
        .collect();
    loop {
        let before = heard.len();
        for c in connections {
            if heard.contains(c.to().module.as_str()) {
                heard.insert(c.from().module.as_str());
            }
        }
        if heard.len() == before {
            return heard;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::parse;

    fn lines(text: &str) -> Vec<String> {
        silent_parts(&parse(text, None).unwrap_or_else(|e| panic!("{e}")))
    }

    const VOICE: &str = r#"voice: (count: 2, modules: {"osc": (kind: "saw")},
        connections: [("note.freq", "osc.freq"), ("osc.out", "output.left")])"#;

    #[test]
    fn a_patch_heard_everywhere_has_no_warning() {
        // Through a module of the main graph, as the shipped patches do.
        let text = format!(
            r#"({VOICE}, modules: {{"rev": (kind: "reverb")}},
            connections: [("voices.left", "rev.left"), ("rev.left", "output.left")])"#
        );
        assert_eq!(lines(&text), Vec::<String>::new());
    }

    #[test]
    fn nothing_into_the_output_is_one_warning() {
        let text = format!(r#"({VOICE}, connections: [("voices.left", "output.volume")])"#);
        assert_eq!(
            lines(&text),
            ["nothing is connected to `output.left` or `output.right`: the patch is silent"]
        );
    }

    #[test]
    fn an_instrument_nothing_takes_to_the_output_is_named() {
        let text = format!(
            r#"({VOICE}, modules: {{"rev": (kind: "reverb"), "tone": (kind: "sine")}},
            connections: [("voices.left", "rev.left"), ("tone.out", "output.left")])"#
        );
        assert_eq!(
            lines(&text),
            [
                "instrument \"voices\" is never heard: nothing takes `voices.left` or \
              `voices.right` to the output"
            ]
        );
    }

    #[test]
    fn a_template_that_reaches_no_output_is_named() {
        let text = r#"(instruments: {"lead": (modules: {"osc": (kind: "saw")},
            connections: [("note.freq", "osc.freq")])},
            connections: [("lead.left", "output.left")])"#;
        assert_eq!(
            lines(text),
            [
                "instrument \"lead\": its voice template connects nothing to `output.left` or \
              `output.right`, so its voices are silent"
            ]
        );
    }
}
