//! The web console's place: static assets embedded in the binary (`include_str!`/
//! `include_bytes!` of `src/http/console/`), served at `GET /` and `GET /console/{file}`.
//! The console itself is a later issue; today `index.html` is a page linking the API.
//! Adding an asset is one line in [`ASSETS`].

/// `(path under /console/, content type, bytes)`; `index.html` is also `GET /`.
pub const ASSETS: &[(&str, &str, &[u8])] = &[(
    "index.html",
    "text/html; charset=utf-8",
    include_bytes!("console/index.html"),
)];

/// The asset at `path`, with its content type.
pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, t, b)| (*t, *b))
}
