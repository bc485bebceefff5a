//! The handlers of the HTTP API (docs/CONTRACTS.md §6) and axum's router over them.
//!
//! | method, path | handler |
//! |---|---|
//! | GET /metrics | [`super::metrics::render`] |
//! | GET /api/state | [`super::state::snapshot`] |
//! | GET /api/patch | the running patch as RON (`/patch/dump`'s text) |
//! | GET /api/modules | [`super::catalog_json::modules`] |
//! | POST /api/osc | [`super::osc_json`], [`super::osc_answer`]: 200 `{"replies": [...]}`; 400, or 404 for an unknown address, `{"error": ..., "address": ...}` |
//! | GET /api/ws | [`super::ws`] |
//! | POST /api/reload | the config reload hook: 200 `{"changed": ...}`, 400 `{"error": ...}` |
//! | GET /, GET /console/{file} | [`super::console`] |
//! | GET /api/patch.svg, /api/patch.json, /api/patches | [`super::console_api`] |
//!
//! Mutating requests (POST) take a token from the client's bucket first: none left is 429.
//! Bodies over the limit are 413 (axum's `DefaultBodyLimit`), bad JSON or shape 400.

use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::rate_limit::RateLimiter;
use super::sources::Sources;
use super::{catalog_json, console, console_api, metrics, osc_answer, osc_json, state, ws};
use crate::fault::Faults;
use crate::patch;

/// What every handler shares.
pub struct App {
    /// What the handlers read and call.
    pub sources: Sources,
    /// Mutating requests per client.
    pub limiter: RateLimiter,
    /// Largest body, in bytes.
    pub max_body: usize,
    /// Where a panic while handling a request is counted.
    pub faults: Arc<Faults>,
}

/// The router.
pub fn router(app: Arc<App>) -> Router {
    let limit = app.max_body;
    Router::new()
        .route("/", get(index))
        .route("/console/{file}", get(console_asset))
        .route("/metrics", get(get_metrics))
        .route("/api/state", get(get_state))
        .route("/api/patch", get(get_patch))
        .route("/api/modules", get(get_modules))
        .route("/api/patch.svg", get(console_api::patch_svg))
        .route("/api/patch.json", get(console_api::patch_json))
        .route("/api/patches", get(console_api::patches))
        .route("/api/osc", post(post_osc))
        .route("/api/reload", post(post_reload))
        .route("/api/ws", get(get_ws))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(app)
}

/// A JSON error answer.
pub fn error(status: StatusCode, message: &str, address: Option<&str>) -> Response {
    let mut body = json!({"error": message});
    if let Some(a) = address {
        body["address"] = json!(a);
    }
    (status, Json(body)).into_response()
}

/// Takes a token for `from`; the 429 answer when there is none.
pub fn limited(app: &App, from: SocketAddr) -> Option<Response> {
    if app.limiter.allow(from.ip(), Instant::now()) {
        return None;
    }
    app.sources.counters.rate_limited.fetch_add(1, Relaxed);
    Some(error(
        StatusCode::TOO_MANY_REQUESTS,
        "too many requests from this client; slow down (see the config's http rate and burst)",
        None,
    ))
}

/// Counts a request.
pub fn count(app: &App) {
    app.sources.counters.requests.fetch_add(1, Relaxed);
}

async fn index(State(app): State<Arc<App>>) -> Response {
    count(&app);
    console_response("index.html")
}

async fn console_asset(State(app): State<Arc<App>>, Path(file): Path<String>) -> Response {
    count(&app);
    console_response(&file)
}

fn console_response(file: &str) -> Response {
    match console::asset(file) {
        Some((content_type, bytes)) => {
            ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
        }
        None => error(StatusCode::NOT_FOUND, "no such console file", None),
    }
}

async fn not_found(State(app): State<Arc<App>>) -> Response {
    count(&app);
    error(
        StatusCode::NOT_FOUND,
        "no such path; see /api/state, /metrics, /api/patch, /api/modules, /api/osc, /api/ws",
        None,
    )
}

async fn get_metrics(State(app): State<Arc<App>>) -> Response {
    count(&app);
    let text = metrics::render(&app.sources);
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response()
}

async fn get_state(State(app): State<Arc<App>>) -> Response {
    count(&app);
    Json(state::snapshot(&app.sources)).into_response()
}

async fn get_patch(State(app): State<Arc<App>>) -> Response {
    count(&app);
    let text = patch::to_ron(&app.sources.control.lock().running_as_played());
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

async fn get_modules(State(app): State<Arc<App>>) -> Response {
    count(&app);
    let value = catalog_json::modules(app.sources.control.lock().registry());
    Json(value).into_response()
}

/// Handles OSC-as-JSON `body` from `from`: the answer's status and JSON (shared by
/// `POST /api/osc` and the WebSocket; built by [`osc_answer`]).
pub fn osc_body(app: &App, value: Result<Value, String>, from: SocketAddr) -> (StatusCode, Value) {
    let parsed = value
        .map_err(osc_json::JsonOscError::NotJson)
        .and_then(|v| osc_json::parse_value(&v));
    let messages = match parsed {
        Ok(m) => m,
        Err(e) => {
            app.sources.counters.bad_requests.fetch_add(1, Relaxed);
            return osc_answer::bad_body(&e);
        }
    };
    let what = || format!("an HTTP request of {} messages from {from}", messages.len());
    let handled = app.faults.contain("http", what, || {
        let mut handler = app.sources.osc.lock();
        osc_json::handle(&mut handler, &messages, from)
    });
    osc_answer::handled(handled)
}

async fn post_osc(
    State(app): State<Arc<App>>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    count(&app);
    if let Some(refused) = limited(&app, from) {
        return refused;
    }
    let value = serde_json::from_slice::<Value>(&body).map_err(|e| e.to_string());
    let (status, body) = osc_body(&app, value, from);
    (status, Json(body)).into_response()
}

async fn post_reload(
    State(app): State<Arc<App>>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
) -> Response {
    count(&app);
    if let Some(refused) = limited(&app, from) {
        return refused;
    }
    match &app.sources.reload {
        None => error(
            StatusCode::CONFLICT,
            "no config file to reload: play was started without --config",
            None,
        ),
        Some(reload) => match reload() {
            Ok(changed) => Json(json!({"changed": changed})).into_response(),
            Err(e) => error(StatusCode::BAD_REQUEST, &e, None),
        },
    }
}

async fn get_ws(
    State(app): State<Arc<App>>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    upgrade: WebSocketUpgrade,
) -> Response {
    count(&app);
    upgrade.on_upgrade(move |socket| ws::serve(socket, app, from))
}
