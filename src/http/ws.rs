//! `GET /api/ws`: a WebSocket per client. It pushes, as JSON text messages:
//!
//! - `{"type": "state", "state": {...}}` (the `/api/state` snapshot) on connecting and
//!   whenever something but the moving figures (`uptime_s`, `dsp_load`, `levels`, `cues`)
//!   changed, checked every 250 ms;
//! - `{"type": "cue", "cue": {...}}` for every LED cue (see `cues::schema`);
//! - `{"type": "levels", "levels": [{"peak": p, "rms": r}, ...], "dsp_load": x, "moving":
//!   {...}}` at 20 Hz (`moving`: [`state::moving`], for the web console).
//!
//! It accepts the JSON of `POST /api/osc` (rate-limited like it) and answers each with
//! `{"type": "replies", "replies": [...]}` or `{"type": "error", "status": 400, "error":
//! ..., "address": ...}`.

use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use serde_json::{json, Value};

use super::routes::{osc_body, App};
use super::state;

/// Time between level pushes (20 Hz).
const LEVELS_EVERY: Duration = Duration::from_millis(50);
/// Level pushes between state checks.
const STATE_EVERY_TICKS: u32 = 5;

/// Serves one client until it goes away.
pub async fn serve(mut socket: WebSocket, app: Arc<App>, from: SocketAddr) {
    let counters = app.sources.counters.clone();
    counters.ws_clients.fetch_add(1, Relaxed);
    let mut last_state = Value::Null;
    let mut cue_seq = app.sources.cues.latest();
    let mut tick = tokio::time::interval(LEVELS_EVERY);
    let mut ticks = 0u32;
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let answer = message(&app, text.as_str(), from);
                    if socket.send(Message::Text(answer.to_string().into())).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = tick.tick() => {
                let mut out = Vec::new();
                if ticks.is_multiple_of(STATE_EVERY_TICKS) {
                    let snapshot = state::snapshot(&app.sources);
                    let stable = stable_part(&snapshot);
                    if stable != last_state {
                        last_state = stable;
                        out.push(json!({"type": "state", "state": snapshot}));
                    }
                }
                ticks = ticks.wrapping_add(1);
                for logged in app.sources.cues.since(cue_seq) {
                    cue_seq = logged.seq;
                    out.push(json!({"type": "cue", "cue": logged.json()}));
                }
                let host = app.sources.host.figures();
                out.push(json!({
                    "type": "levels",
                    "levels": state::levels(&host.levels),
                    "dsp_load": host.dsp_load,
                    "moving": state::moving(&app.sources, host.xruns),
                }));
                let mut gone = false;
                for m in out {
                    if socket.send(Message::Text(m.to_string().into())).await.is_err() {
                        gone = true;
                        break;
                    }
                }
                if gone {
                    break;
                }
            }
        }
    }
    counters.ws_clients.fetch_sub(1, Relaxed);
}

/// The answer to one text message.
fn message(app: &App, text: &str, from: SocketAddr) -> Value {
    if super::routes::limited(app, from).is_some() {
        return json!({"type": "error", "status": 429, "error": "too many messages; slow down"});
    }
    let value = serde_json::from_str::<Value>(text).map_err(|e| e.to_string());
    let (status, mut body) = osc_body(app, value, from);
    if status.is_success() {
        json!({"type": "replies", "replies": body["replies"].take()})
    } else {
        body["type"] = json!("error");
        body["status"] = json!(status.as_u16());
        body
    }
}

/// The snapshot without the figures that move all the time.
fn stable_part(snapshot: &Value) -> Value {
    let mut v = snapshot.clone();
    if let Value::Object(m) = &mut v {
        for k in [
            "uptime_s",
            "dsp_load",
            "levels",
            "cues",
            "step",
            "bar",
            "xruns",
            "voices",
            "instruments",
            "tempo",
        ] {
            m.remove(k);
        }
    }
    v
}
