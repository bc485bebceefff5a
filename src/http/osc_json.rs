//! OSC messages as JSON, for `POST /api/osc` and the WebSocket: `{"address":
//! "/mod/vcf/cutoff", "args": [1200]}` or a list of them. Numbers without a fraction that
//! fit become `i`, other numbers `f`, strings `s`, booleans `T`/`F`. Replies come back as
//! the same shape. Handling is [`PacketHandler::handle_message`] — the function the OSC
//! server calls for every message of a datagram — so both transports share one address
//! space and one dispatcher.

use std::net::SocketAddr;

use rosc::{OscMessage, OscType};
use serde_json::{json, Value};

use crate::osc::{OscError, PacketHandler};

/// Most messages in one request.
pub const MAX_MESSAGES: usize = 256;

/// Why a body is not OSC as JSON (HTTP 400; nothing was handled).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum JsonOscError {
    /// Not JSON.
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    /// JSON of another shape.
    #[error(
        "{0}; expected {{\"address\": \"/mod/vcf/cutoff\", \"args\": [1200]}} or a list of them"
    )]
    Shape(String),
}

/// The outcome of handling the messages of one body.
#[derive(Debug)]
pub enum Handled {
    /// Every message was handled: the replies of all of them, in order.
    Replies(Vec<Value>),
    /// Message `index` was refused (those before it were handled; none after it was):
    /// its address, and the refusal.
    Refused {
        /// Its place in the body.
        index: usize,
        /// Its address.
        address: String,
        /// Why (boxed: an `OscError` is large and this is the rare case).
        error: Box<OscError>,
        /// Replies of the messages before it.
        replies: Vec<Value>,
    },
}

/// Reads a body: one message or a list. Every message is checked before any is handled.
pub fn parse(body: &[u8]) -> Result<Vec<OscMessage>, JsonOscError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| JsonOscError::NotJson(e.to_string()))?;
    parse_value(&value)
}

/// [`parse`] for JSON already read (a WebSocket text message).
pub fn parse_value(value: &Value) -> Result<Vec<OscMessage>, JsonOscError> {
    let items: Vec<&Value> = match value {
        Value::Array(list) => list.iter().collect(),
        one => vec![one],
    };
    if items.is_empty() {
        return Err(JsonOscError::Shape("an empty list".into()));
    }
    if items.len() > MAX_MESSAGES {
        return Err(JsonOscError::Shape(format!(
            "{} messages in one request (at most {MAX_MESSAGES})",
            items.len()
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, v)| message(v).map_err(|e| JsonOscError::Shape(format!("message {i}: {e}"))))
        .collect()
}

fn message(v: &Value) -> Result<OscMessage, String> {
    let Value::Object(m) = v else {
        return Err("not an object".into());
    };
    // Names and addresses are shown as JSON strings (`"a\nb"`): the refusal stays one line.
    if let Some(extra) = m.keys().find(|k| *k != "address" && *k != "args") {
        return Err(format!("unknown field {}", json!(extra)));
    }
    let addr = match m.get("address") {
        Some(Value::String(a)) if a.starts_with('/') => a.clone(),
        Some(Value::String(a)) => {
            return Err(format!("address {} does not start with /", json!(a)))
        }
        _ => return Err("no \"address\" string".into()),
    };
    let args = match m.get("args") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(args)) => args
            .iter()
            .enumerate()
            .map(|(i, a)| {
                arg(a)
                    .ok_or_else(|| format!("argument {i} ({a}) is not a number, string or boolean"))
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("\"args\" is {other}, not a list")),
    };
    Ok(OscMessage { addr, args })
}

fn arg(v: &Value) -> Option<OscType> {
    Some(match v {
        Value::Bool(b) => OscType::Bool(*b),
        Value::String(s) => OscType::String(s.clone()),
        Value::Number(n) => match n.as_i64().and_then(|i| i32::try_from(i).ok()) {
            Some(i) => OscType::Int(i),
            None => OscType::Float(n.as_f64()? as f32),
        },
        _ => return None,
    })
}

/// A reply as JSON: `{"address": ..., "args": [...]}`.
pub fn reply(m: &OscMessage) -> Value {
    let args: Vec<Value> = m
        .args
        .iter()
        .map(|a| match a {
            OscType::Int(i) => json!(i),
            OscType::Long(i) => json!(i),
            OscType::Float(f) => json!(f),
            OscType::Double(f) => json!(f),
            OscType::String(s) => json!(s),
            OscType::Bool(b) => json!(b),
            other => json!(format!("{other:?}")),
        })
        .collect();
    json!({"address": m.addr, "args": args})
}

/// Handles `messages` in order with `handler` (as if they came from `from`), stopping at
/// the first refusal.
pub fn handle(handler: &mut PacketHandler, messages: &[OscMessage], from: SocketAddr) -> Handled {
    let mut replies = Vec::new();
    for (index, m) in messages.iter().enumerate() {
        match handler.handle_message(m, None, from) {
            Ok(r) => replies.extend(r.iter().map(reply)),
            Err(error) => {
                return Handled::Refused {
                    index,
                    address: m.addr.clone(),
                    error: Box::new(error),
                    replies,
                }
            }
        }
    }
    Handled::Replies(replies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_message_or_a_list() {
        let one = parse(br#"{"address": "/mod/vcf/cutoff", "args": [1200]}"#).unwrap();
        assert_eq!(one[0].args, vec![OscType::Int(1200)]);
        let two =
            parse(br#"[{"address": "/status"}, {"address": "/x", "args": [0.5, "s", true]}]"#)
                .unwrap();
        assert_eq!(
            two[1].args,
            vec![
                OscType::Float(0.5),
                OscType::String("s".into()),
                OscType::Bool(true)
            ]
        );
        assert!(matches!(parse(b"{"), Err(JsonOscError::NotJson(_))));
        let e = parse(br#"{"address": "mod", "args": []}"#).unwrap_err();
        assert!(e.to_string().contains("does not start with /"), "{e}");
        let e = parse(br#"{"address": "/a", "args": [[1]]}"#).unwrap_err();
        assert!(e.to_string().contains("argument 0"), "{e}");
    }

    /// Regression (found writing the `http_body` fuzz target): an unknown field or an
    /// address holding a line break made a refusal of several lines.
    #[test]
    fn a_refusal_is_one_line_whatever_the_body_holds() {
        for body in [
            &br#"{"address": "/status", "a\nb": 1}"#[..],
            br#"{"address": "mod\r\nx"}"#,
            br#"[{"address": "/a"}, {"address": "\u2028\n"}]"#,
        ] {
            let e = parse(body).unwrap_err().to_string();
            assert_eq!(e.lines().count(), 1, "{e:?}");
        }
        let e = parse(br#"{"address": "/status", "a\nb": 1}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(r#"message 0: unknown field "a\nb"; "#),
            "{e}"
        );
    }
}
