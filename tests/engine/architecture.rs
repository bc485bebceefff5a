//! The house keeps its map (docs/ARCHITECTURE.md, "Rooms and arrows"): the folder-level
//! imports of `src/` form no circle, and the low rooms stay low. Read from the source text
//! (every `crate::ROOM` outside comments), so a new arrow shows up here the day it is
//! written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Room → the rooms its code names.
fn arrows() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut arrows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let first = rel.components().next().unwrap().as_os_str();
            let room = first.to_string_lossy().trim_end_matches(".rs").to_string();
            if room == "main" || room == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let targets = arrows.entry(room.clone()).or_default();
            for line in text.lines().map(str::trim) {
                if line.starts_with("//") {
                    continue;
                }
                for (i, _) in line.match_indices("crate::") {
                    let rest = &line[i + "crate::".len()..];
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != room {
                        targets.insert(name);
                    }
                }
            }
        }
    }
    arrows
}

/// Every room reachable from `from`.
fn reachable(arrows: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_string()];
    while let Some(room) = todo.pop() {
        for next in arrows.get(&room).into_iter().flatten() {
            if seen.insert(next.clone()) {
                todo.push(next.clone());
            }
        }
    }
    seen
}

#[test]
fn no_circle_between_rooms() {
    let arrows = arrows();
    let circles: Vec<String> = arrows
        .iter()
        .flat_map(|(from, tos)| tos.iter().map(move |to| (from, to)))
        .filter(|(from, to)| reachable(&arrows, to).contains(*from))
        .map(|(from, to)| format!("{from} -> {to} -> ... -> {from}"))
        .collect();
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}

#[test]
fn low_rooms_stay_low() {
    let arrows = arrows();
    let allowed: &[(&str, &[&str])] = &[
        ("address", &[]),
        ("patch", &[]),
        ("midi_protocol", &[]),
        ("fault", &[]),
        ("graph", &["address", "patch"]),
        ("seq", &["address", "patch"]),
        ("engine", &["address", "graph", "seq"]),
        ("realtime", &["engine"]),
        // An outward part, reached only through the outbound ring: never the controller,
        // OSC or MIDI input.
        (
            "midi_out",
            &["address", "backend", "engine", "patch", "realtime"],
        ),
        // The outward rooms of docs/ARCHITECTURE.md §2: the HTTP API reaches the engine
        // only through `control` (and OSC's handler); it reads engine types (the stats'
        // atomics) and the graph's DOT export (the console's patch view), never the host. The cue bus reads the cue types and its config.
        (
            "http",
            &[
                "control", "osc", "cues", "fault", "patch", "engine", "graph",
            ],
        ),
        ("cues", &["config", "engine", "seq", "realtime"]),
        // SuperCollider live, an outward part like `midi_out`: its defs come in as data,
        // so it never imports `supercollider` (which imports `host`, which starts it).
        (
            "sc_live",
            &[
                "address", "backend", "engine", "patch", "realtime", "config",
            ],
        ),
        // Sync with other gear: above the inputs' ports and the controller, below the host.
        ("sync", &["seq", "midi", "control", "realtime", "fault"]),
    ];
    for (room, may) in allowed {
        let names = arrows.get(*room).cloned().unwrap_or_default();
        let extra: Vec<&String> = names
            .iter()
            .filter(|n| !may.contains(&n.as_str()))
            .collect();
        assert!(
            extra.is_empty(),
            "room `{room}` imports {extra:?}; it may import only {may:?}"
        );
    }
}
