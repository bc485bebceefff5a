//! What the web console reads besides the API of §9: `GET /api/patch.svg` (the running
//! patch's graph, `chronus graph`'s DOT laid out and drawn by the pure-Rust `layout-rs`, so
//! no Graphviz is needed at run time; cached per revision), `GET /api/patch.json` (the
//! running patch as played, as JSON: modules with their live param values) and
//! `GET /api/patches` (the `.ron` files of the OSC patch folder, `/patch/load`'s names).

use std::path::Path;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use parking_lot::Mutex;
use serde_json::json;

use super::routes::{count, error, App};
use crate::graph;

/// The last drawing: (revision, SVG).
static SVG_CACHE: Mutex<Option<(u64, Arc<str>)>> = Mutex::new(None);

/// The SVG of a DOT text, or why not.
pub fn dot_to_svg(dot: &str) -> Result<String, String> {
    use layout::backends::svg::SVGWriter;
    use layout::gv::{DotParser, GraphBuilder};
    let ast = DotParser::new(dot).process()?;
    let mut builder = GraphBuilder::new();
    builder.visit_graph(&ast);
    let mut visual = builder.get();
    let mut svg = SVGWriter::new();
    visual.do_it(false, false, false, &mut svg);
    Ok(svg.finalize())
}

/// `GET /api/patch.svg`.
pub async fn patch_svg(State(app): State<Arc<App>>) -> Response {
    count(&app);
    let (revision, desc) = {
        let c = app.sources.control.lock();
        (c.revision(), c.running_as_played())
    };
    if let Some((r, svg)) = SVG_CACHE.lock().as_ref() {
        if *r == revision {
            return svg_response(svg.clone());
        }
    }
    let drawn = app.faults.contain(
        "http",
        || format!("drawing revision {revision} as SVG"),
        || dot_to_svg(&graph::to_dot(&desc)),
    );
    match drawn {
        Some(Ok(svg)) => {
            let svg: Arc<str> = svg.into();
            *SVG_CACHE.lock() = Some((revision, svg.clone()));
            svg_response(svg)
        }
        Some(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, &e, None),
        None => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the patch could not be drawn",
            None,
        ),
    }
}

fn svg_response(svg: Arc<str>) -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml")],
        svg.as_bytes().to_vec(),
    )
        .into_response()
}

/// `GET /api/patch.json`: `{"revision": N, "patch": {...}}`.
pub async fn patch_json(State(app): State<Arc<App>>) -> Response {
    count(&app);
    let c = app.sources.control.lock();
    let patch = serde_json::to_value(c.running_as_played()).unwrap_or_default();
    Json(json!({"revision": c.revision(), "patch": patch})).into_response()
}

/// `GET /api/patches`: `{"folder": PATH, "patches": [NAME, ...]}`, names without `.ron`,
/// sorted, subfolders one level deep as `DIR/NAME`.
pub async fn patches(State(app): State<Arc<App>>) -> Response {
    count(&app);
    let root = app.sources.osc.lock().folder().root().to_path_buf();
    let mut names = Vec::new();
    list(&root, "", 1, &mut names);
    names.sort();
    Json(json!({"folder": root.display().to_string(), "patches": names})).into_response()
}

fn list(dir: &Path, prefix: &str, depth: u32, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() && depth > 0 {
            list(&path, &format!("{prefix}{name}/"), depth - 1, out);
        } else if let Some(stem) = name.strip_suffix(".ron") {
            out.push(format!("{prefix}{stem}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chronus_modules::Registry;

    /// Every shipped patch is drawn, with each of its modules' ids as text in a node: the
    /// console's graph view shows them all (instruments' voice modules and the main graph).
    #[test]
    fn every_shipped_patch_is_drawn_with_every_module_named() {
        let registry = Registry::builtin();
        let mut drawn = 0;
        let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/patches"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .collect();
        files.sort();
        for path in files {
            let desc = crate::patch::load_file(&path, &registry)
                .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
            let svg = dot_to_svg(&graph::to_dot(&desc))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut ids: Vec<&String> = desc.modules.keys().collect();
            for inst in desc.instruments.values() {
                ids.extend(inst.modules.keys());
            }
            for id in ids {
                assert!(
                    svg.contains(&format!(">{id}<")),
                    "{}: module {id:?} is not a node's text in the drawing",
                    path.display()
                );
            }
            drawn += 1;
        }
        assert!(drawn >= 10, "only {drawn} shipped patches found");
    }
}
