//! [`to_dot`]: the Graphviz DOT text of a patch's graph, as `chronus graph` prints it.
//! Voice templates are clusters; implicit modules are drawn apart (`note` and instrument
//! sources as ellipses, `output` as a double octagon).

use std::fmt::Write;

use crate::patch::{self, implicit, Connection, ModuleDesc, PatchDesc};

/// The DOT text of `desc` (which should be valid; unknown references are drawn as they are).
pub fn to_dot(desc: &PatchDesc) -> String {
    let mut out = String::new();
    let title = if desc.name.is_empty() {
        "patch"
    } else {
        &desc.name
    };
    let _ = writeln!(out, "digraph {} {{", quote(title));
    out.push_str("  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for (scope, id, inst) in patch::scope::instruments(desc) {
        let prefix = format!("{id}/");
        let _ = writeln!(out, "  subgraph {} {{", quote(&format!("cluster_{id}")));
        let _ = writeln!(
            out,
            "    label={}; style=dashed;",
            quote(
                &format!(
                    "{scope}: {id} ({} voices, steal {:?})",
                    inst.count, inst.steal
                )
                .to_lowercase()
            )
        );
        let _ = writeln!(
            out,
            "    {} [label=\"note\", shape=ellipse];",
            quote(&format!("{prefix}{}", implicit::NOTE_ID))
        );
        graph_body(&mut out, &prefix, &inst.modules, &inst.connections, "    ");
        let _ = writeln!(out, "  }}");
        // The template's output feeds the instrument's source in the main graph.
        let _ = writeln!(
            out,
            "  {} -> {} [style=dashed, label=\"sum of voices\"];",
            quote(&format!("{prefix}{}", implicit::OUTPUT_ID)),
            quote(&format!("main/{id}"))
        );
        let _ = writeln!(
            out,
            "  {} [label={}, shape=ellipse];",
            quote(&format!("main/{id}")),
            quote(id)
        );
    }
    graph_body(&mut out, "main/", &desc.modules, &desc.connections, "  ");
    out.push_str("}\n");
    out
}

fn graph_body(
    out: &mut String,
    prefix: &str,
    modules: &indexmap::IndexMap<String, ModuleDesc>,
    connections: &[Connection],
    indent: &str,
) {
    let _ = writeln!(
        out,
        "{indent}{} [label=\"output\", shape=doubleoctagon];",
        quote(&format!("{prefix}{}", implicit::OUTPUT_ID))
    );
    for (id, m) in modules {
        let _ = writeln!(
            out,
            "{indent}{} [label={}];",
            quote(&format!("{prefix}{id}")),
            quote(&format!("{id}\n({})", m.kind))
        );
    }
    for c in connections {
        let _ = writeln!(
            out,
            "{indent}{} -> {} [label={}];",
            quote(&format!("{prefix}{}", c.from().module)),
            quote(&format!("{prefix}{}", c.to().module)),
            quote(&format!("{} → {}", c.from().port, c.to().port))
        );
    }
}

/// A DOT string literal.
fn quote(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}
