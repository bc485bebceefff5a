//! [`check_state_budget`]: the memory a compiled graph's modules will hold, added up
//! *before* any is built, against [`MAX_GRAPH_STATE_BYTES`] (docs/CONTRACTS.md §7).
//!
//! A module kind that allocates in `prepare` (a delay's 2 s line: 512 KiB at 48 kHz; a
//! reverb's tank) says how much through `Module::state_bytes`; every voice of an
//! instrument holds its own. Without this bound, one `/patch/create` of a delay inside a
//! 128-voice template, or a thousand delays, would be a commit of gigabytes; with it, the
//! commit is refused with one line and the running sound goes on.

use std::collections::HashMap;

use chronus_modules::Registry;

use super::error::GraphError;
use crate::patch::{self, PatchDesc, Scope};

/// The most bytes of module state one compiled graph may hold: 256 MiB (a Raspberry Pi
/// keeps the running graph, the one fading out and the one being built).
pub const MAX_GRAPH_STATE_BYTES: usize = 256 << 20;

/// The bytes of state `desc`'s module instances need at `sample_rate` (main graph once,
/// each voice template once per voice); an error when over [`MAX_GRAPH_STATE_BYTES`].
pub fn check_state_budget(
    desc: &PatchDesc,
    registry: &Registry,
    sample_rate: f32,
) -> Result<usize, GraphError> {
    let mut per_kind: HashMap<&str, usize> = HashMap::new();
    let mut total = 0usize;
    let mut add = |scope: &Scope, copies: usize| {
        let Some((modules, _)) = patch::scope::graph(desc, scope) else {
            return;
        };
        for module in modules.values() {
            let bytes = *per_kind.entry(module.kind.as_str()).or_insert_with(|| {
                registry
                    .get(&module.kind)
                    .map_or(0, |e| (e.create)().state_bytes(sample_rate))
            });
            total = total.saturating_add(bytes.saturating_mul(copies));
        }
    };
    add(&Scope::Main, 1);
    for (scope, _, instrument) in patch::scope::instruments(desc) {
        add(&scope, instrument.count);
    }
    if total > MAX_GRAPH_STATE_BYTES {
        return Err(GraphError::TooLarge {
            bytes: total,
            max: MAX_GRAPH_STATE_BYTES,
        });
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(text: &str) -> PatchDesc {
        crate::patch::parse(text, None).unwrap()
    }

    #[test]
    fn delays_count_once_per_voice_and_a_graph_over_budget_is_refused() {
        let registry = Registry::builtin();
        let one = patch(r#"(modules: {"d": (kind: "delay")}, connections: [])"#);
        let line = check_state_budget(&one, &registry, 48_000.0).unwrap();
        assert_eq!(line, 131_072 * 4, "a 2 s line at 48 kHz, to a power of two");
        let voiced = patch(
            r#"(voice: (count: 8, modules: {"d": (kind: "delay")}, connections: []),
                modules: {"e": (kind: "delay"), "s": (kind: "sine")}, connections: [])"#,
        );
        assert_eq!(
            check_state_budget(&voiced, &registry, 48_000.0).unwrap(),
            9 * line
        );
        let huge = patch(
            r#"(voice: (count: 128, modules: {"d1": (kind: "delay"), "d2": (kind: "delay"),
                "d3": (kind: "delay"), "d4": (kind: "delay"), "d5": (kind: "delay")},
                connections: []), modules: {}, connections: [])"#,
        );
        let e = check_state_budget(&huge, &registry, 48_000.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the patch's modules would hold 320 MiB of state (delay lines, reverbs; each \
             voice its own); at most 256 MiB per graph: use fewer voices or fewer delays"
        );
    }

    #[test]
    fn chronus_check_reports_a_graph_over_budget_as_such() {
        let text = format!(
            "(modules: {{{}}}, connections: [])",
            (0..600)
                .map(|i| format!("\"d{i}\": (kind: \"delay\")"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let e = crate::graph::check(&text, Some("big.ron"), &Registry::builtin()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "big.ron: the patch's modules would hold 300 MiB of state (delay lines, reverbs; \
             each voice its own); at most 256 MiB per graph: use fewer voices or fewer delays"
        );
    }
}
