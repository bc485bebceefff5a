//! `GET /api/ws`: a WebSocket per client. It pushes, as JSON text messages:
//!
//! - `{"type": "state", "state": {...}}` (the `/api/state` snapshot) on connecting and
//!   whenever something but the moving figures ([`MOVING_KEYS`], [`COUNTER_KEYS`])
//!   changed, checked every 250 ms;
//! - `{"type": "cue", "cue": {...}}` for every LED cue (see `cues::schema`);
//! - `{"type": "levels", "levels": [{"peak": p, "rms": r}, ...], "dsp_load": x, "moving":
//!   {...}}` at 20 Hz (`moving`: [`state::moving`], for the web console); every 250 ms
//!   (each state check) `moving` also carries the snapshot's [`COUNTER_KEYS`], so counters
//!   reach the page without a whole state push each time one moves.
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
                let mut counters = None;
                if ticks.is_multiple_of(STATE_EVERY_TICKS) {
                    let snapshot = state::snapshot(&app.sources);
                    let stable = stable_part(&snapshot);
                    counters = Some(counter_part(&snapshot));
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
                let mut moving = state::moving(&app.sources, host.xruns);
                if let (Value::Object(m), Some(Value::Object(c))) = (&mut moving, counters) {
                    m.extend(c);
                }
                out.push(json!({
                    "type": "levels",
                    "levels": state::levels(&host.levels),
                    "dsp_load": host.dsp_load,
                    "moving": moving,
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

/// Keys of the snapshot that move all the time: the levels message carries them (or
/// they are not needed between state pushes: `uptime_s`, `cues`).
pub const MOVING_KEYS: [&str; 10] = [
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
];

/// Keys of the snapshot holding counters and clocks (pings, sent and dropped counts,
/// queue depths, Link's phase): every state check's levels message carries them in
/// `moving`.
pub const COUNTER_KEYS: [&str; 6] = [
    "watchdog",
    "overload",
    "midi_outputs",
    "supercollider",
    "link",
    "backend_status",
];

/// The snapshot without the figures that move all the time.
fn stable_part(snapshot: &Value) -> Value {
    let mut v = snapshot.clone();
    if let Value::Object(m) = &mut v {
        for k in MOVING_KEYS.iter().chain(&COUNTER_KEYS) {
            m.remove(*k);
        }
    }
    v
}

/// The snapshot's [`COUNTER_KEYS`].
fn counter_part(snapshot: &Value) -> Value {
    Value::Object(
        COUNTER_KEYS
            .iter()
            .filter_map(|k| Some((k.to_string(), snapshot.get(*k)?.clone())))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key of a snapshot is stable, moving or a counter: a key added to the snapshot
    /// and forgotten here would force a state push whenever it moves, unnoticed.
    #[test]
    fn counters_and_moving_figures_do_not_count_as_state_changes() {
        let mut a = json!({"patch": "p", "revision": 1, "scale": "dorian"});
        for k in MOVING_KEYS.iter().chain(&COUNTER_KEYS) {
            a[*k] = json!({"n": 1});
        }
        let mut b = a.clone();
        for k in MOVING_KEYS.iter().chain(&COUNTER_KEYS) {
            b[*k] = json!({"n": 2});
        }
        assert_eq!(stable_part(&a), stable_part(&b));
        assert_eq!(counter_part(&b)["overload"], json!({"n": 2}));
        b["revision"] = json!(2);
        assert_ne!(stable_part(&a), stable_part(&b));
    }
}
