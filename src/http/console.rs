//! The web console's place: static assets embedded in the binary (`include_str!`/
//! `include_bytes!` of `src/http/console/`), served at `GET /` and `GET /console/{file}`.
//! The console (issue #21): `index.html`, `style.css` and one vanilla ES module per view
//! (`graph`, `params`, `keyboard`, `sequencer`, `meters`, `patches`) around `main.js`
//! (the WebSocket, auto-reconnect, a client-side rate limit). No build step.
//! Adding an asset is one line in [`ASSETS`].

/// `(path under /console/, content type, bytes)`; `index.html` is also `GET /`.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!("console/index.html"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("console/style.css"),
    ),
    (
        "main.js",
        "text/javascript; charset=utf-8",
        include_bytes!("console/main.js"),
    ),
    (
        "graph.js",
        "text/javascript; charset=utf-8",
        include_bytes!("console/graph.js"),
    ),
    (
        "params.js",
        "text/javascript; charset=utf-8",
        include_bytes!("console/params.js"),
    ),
    (
        "keyboard.js",
        "text/javascript; charset=utf-8",
        include_bytes!("console/keyboard.js"),
    ),
    (
        "sequencer.js",
        "text/javascript; charset=utf-8",
        include_bytes!("console/sequencer.js"),
    ),
    (
        "meters.js",
        "text/javascript; charset=utf-8",
        include_bytes!("console/meters.js"),
    ),
    (
        "patches.js",
        "text/javascript; charset=utf-8",
        include_bytes!("console/patches.js"),
    ),
];

/// The asset at `path`, with its content type.
pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, t, b)| (*t, *b))
}
