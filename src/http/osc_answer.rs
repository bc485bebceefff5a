//! The answer to an OSC-as-JSON request (`POST /api/osc`, a WebSocket text message): its
//! HTTP status and JSON body, from what [`osc_json`](super::osc_json) made of the body and
//! what handling its messages gave. Pure, so the handlers and the `http_body` fuzz target
//! build the very same answers.
//!
//! | outcome | status | body |
//! |---|---|---|
//! | every message handled | 200 | `{"replies": [...]}` |
//! | the body is not OSC as JSON | 400 | `{"error": ...}` |
//! | message `index` refused | 404 for an unknown address, else 400 | `{"error": ..., "address": ..., "index": ..., "replies": [...]}` (replies of the messages before it) |
//! | handling panicked (contained) | 500 | `{"error": ...}` |
//!
//! Every `error` is one line.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::osc_json::{Handled, JsonOscError};
use crate::osc::OscError;

/// The HTTP status of an OSC refusal: 404 for an unknown address, 400 otherwise.
pub fn status_of(e: &OscError) -> StatusCode {
    match e {
        OscError::UnknownAddress(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The answer to a body that is not OSC as JSON (nothing was handled).
pub fn bad_body(e: &JsonOscError) -> (StatusCode, Value) {
    (StatusCode::BAD_REQUEST, json!({"error": e.to_string()}))
}

/// The answer to the messages of a body once handled; `None`: handling panicked (the
/// panic was contained and counted).
pub fn handled(outcome: Option<Handled>) -> (StatusCode, Value) {
    match outcome {
        Some(Handled::Replies(replies)) => (StatusCode::OK, json!({"replies": replies})),
        Some(Handled::Refused {
            index,
            address,
            error,
            replies,
        }) => (
            status_of(&error),
            json!({
                "error": error.to_string().replace('\n', "; "),
                "address": address,
                "index": index,
                "replies": replies,
            }),
        ),
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": OscError::Internal.to_string()}),
        ),
    }
}
