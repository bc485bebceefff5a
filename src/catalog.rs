//! The module catalog as text: the Markdown table `chronus modules` prints and the README
//! embeds (a test keeps the two equal), and the detailed page of one kind.

use chronus_modules::{ModuleEntry, ModuleInfo, ParamSpec, PortSpec, Registry};

/// One table row per registered kind: kind | inputs | outputs | params.
pub fn markdown_table(registry: &Registry) -> String {
    let mut out = String::from(
        "| kind | inputs | outputs | params: default [range, smoothing] |\n|---|---|---|---|\n",
    );
    for entry in registry.entries() {
        let info = entry.info;
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            info.kind,
            port_list(info.inputs),
            port_list(info.outputs),
            param_list(info.params)
        ));
    }
    out
}

fn param_list(params: &[ParamSpec]) -> String {
    if params.is_empty() {
        "—".to_string()
    } else {
        params
            .iter()
            .map(param_summary)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn port_list(ports: &[PortSpec]) -> String {
    if ports.is_empty() {
        "—".to_string()
    } else {
        ports.iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
    }
}

/// One param in a table cell (`|` escaped, it would end the cell).
fn param_summary(p: &ParamSpec) -> String {
    format!(
        "{} {} [{}, {}]",
        p.id,
        p.display(p.default),
        p.range_text().replace('|', "\\|"),
        p.smoothing.describe()
    )
}

/// The detailed description of one kind: doc line, every port and param with its doc.
pub fn describe(entry: &ModuleEntry) -> String {
    let info: &ModuleInfo = entry.info;
    let mut out = format!("{} — {}\n", info.kind, info.doc);
    for (title, ports) in [("inputs", info.inputs), ("outputs", info.outputs)] {
        out.push_str(&format!("\n{title}:\n"));
        if ports.is_empty() {
            out.push_str("  (none)\n");
        }
        for p in ports {
            let modulates = info
                .param(p.id)
                .filter(|_| title == "inputs")
                .map(|_| " [modulates the param of the same id]")
                .unwrap_or("");
            out.push_str(&format!("  {:<10} {}{}\n", p.id, p.doc, modulates));
        }
    }
    out.push_str("\nparams:\n");
    if info.params.is_empty() {
        out.push_str("  (none)\n");
    }
    for p in info.params {
        out.push_str(&format!(
            "  {:<10} default {}, range {}, smoothing {} — {}\n",
            p.id,
            p.display(p.default),
            p.range_text(),
            p.smoothing.describe(),
            p.doc
        ));
    }
    out
}
