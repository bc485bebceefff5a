//! What the live backend reads in scsynth's replies ([`read`]): the heartbeat's
//! `/status.reply`, the `/done` of a SynthDef load, `/late`, and `/fail` (the command it
//! names and the reply as one line of text). Pure: the [`Server`](super::server::Server)
//! acts on what it returns, and the `scsynth_reply` fuzz target feeds it any bytes.
//!
//! scsynth answers with plain messages, so a datagram that is not one (a bundle, junk) is
//! ignored before it is decoded: the decoder (rosc) recurses once per nested bundle with no
//! limit of its own, and a 64 KiB datagram of nested bundles (from anything that can reach
//! the backend's UDP port) would overflow the thread's stack.

use rosc::{OscMessage, OscPacket, OscType};

use super::messages::args_text;

/// Most bytes of a `/fail` reply's text that are kept (logged, remembered as seen); a
/// longer text is cut at a character boundary and ends with `...`.
pub const MAX_FAIL_TEXT: usize = 200;

/// A reply the backend acts on.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// `/status.reply`: the server answers the heartbeat.
    Status {
        /// Its actual sample rate (the reply's 9th argument, a double: the rate its
        /// driver measures), when the reply carries one.
        sample_rate: Option<f64>,
    },
    /// `/done /d_recv` or `/done /d_loadDir`: one of the SynthDef loads finished.
    Loaded,
    /// `/late`: a bundle arrived after its time.
    Late,
    /// `/fail`: a command was refused.
    Fail {
        /// The command refused (its first argument; empty when that is not a string).
        command: String,
        /// The whole reply as one line (`/s_new SynthDef not found`): control characters
        /// escaped, at most [`MAX_FAIL_TEXT`] bytes and `...`.
        text: String,
    },
}

/// The reply in one datagram from the server, or `None` for one the backend does not act
/// on (another message, a bundle, bytes that are not OSC).
pub fn read(datagram: &[u8]) -> Option<Reply> {
    if datagram.first() != Some(&b'/') {
        return None;
    }
    match rosc::decoder::decode_udp(datagram) {
        Ok((_, OscPacket::Message(m))) => reply(&m),
        _ => None,
    }
}

/// What message `m` tells the backend.
pub fn reply(m: &OscMessage) -> Option<Reply> {
    let first = match m.args.first() {
        Some(OscType::String(s)) => s.as_str(),
        _ => "",
    };
    match m.addr.as_str() {
        "/status.reply" => Some(Reply::Status {
            sample_rate: match m.args.get(8) {
                Some(OscType::Double(rate)) if rate.is_finite() && *rate > 0.0 => Some(*rate),
                _ => None,
            },
        }),
        "/done" if first == "/d_recv" || first == "/d_loadDir" => Some(Reply::Loaded),
        "/late" => Some(Reply::Late),
        // The setup frees Chronus's group before making it (a server it used before may
        // still have it): "not found" there is expected.
        "/fail" if first == "/n_free" => None,
        "/fail" => Some(Reply::Fail {
            command: first.to_string(),
            text: cut(args_text(&m.args)),
        }),
        _ => None,
    }
}

/// `text` cut to [`MAX_FAIL_TEXT`] bytes (and `...`) when longer.
fn cut(mut text: String) -> String {
    if text.len() > MAX_FAIL_TEXT {
        let mut end = MAX_FAIL_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sc_live::messages::{bundle, encode, message, IMMEDIATELY};

    fn s(text: &str) -> OscType {
        OscType::String(text.into())
    }

    #[test]
    fn the_replies_the_backend_acts_on() {
        let read_one = |addr: &str, args: Vec<OscType>| read(&encode(&message(addr, args)));
        assert_eq!(
            read_one("/status.reply", vec![OscType::Int(1)]),
            Some(Reply::Status { sample_rate: None })
        );
        let mut status = vec![OscType::Int(1); 7];
        status.extend([OscType::Double(48000.0), OscType::Double(47999.5)]);
        assert_eq!(
            read_one("/status.reply", status),
            Some(Reply::Status {
                sample_rate: Some(47999.5)
            })
        );
        assert_eq!(read_one("/done", vec![s("/d_recv")]), Some(Reply::Loaded));
        assert_eq!(
            read_one("/done", vec![s("/d_loadDir")]),
            Some(Reply::Loaded)
        );
        assert_eq!(read_one("/done", vec![s("/notify"), OscType::Int(0)]), None);
        assert_eq!(read_one("/late", vec![]), Some(Reply::Late));
        assert_eq!(
            read_one("/fail", vec![s("/s_new"), s("SynthDef not found")]),
            Some(Reply::Fail {
                command: "/s_new".into(),
                text: "/s_new SynthDef not found".into()
            })
        );
        assert_eq!(
            read_one("/fail", vec![s("/n_free"), s("Node 31000 not found")]),
            None
        );
        assert_eq!(read_one("/n_go", vec![OscType::Int(1000)]), None);
        assert_eq!(read(b"not OSC"), None);
        assert_eq!(read(b""), None);
    }

    /// A `/fail` text from the server is one line and bounded, whatever it holds.
    #[test]
    fn a_fail_text_is_one_bounded_line() {
        let odd = read(&encode(&message(
            "/fail",
            vec![
                s("/s_new"),
                s("bad\nname\u{7}"),
                OscType::Blob(vec![0; 4_000]),
                s(&"x".repeat(300)),
            ],
        )));
        let Some(Reply::Fail { text, .. }) = odd.clone() else {
            panic!("{odd:?}");
        };
        assert!(
            text.starts_with("/s_new bad\\nname\\u{7} <blob of 4000 bytes> xxx"),
            "{text}"
        );
        assert!(
            text.len() <= MAX_FAIL_TEXT + 3 && text.ends_with("..."),
            "{text}"
        );
        assert_eq!(cut("é".repeat(MAX_FAIL_TEXT)).len(), MAX_FAIL_TEXT + 3);
    }

    /// Regression: bundles nested as deep as a datagram holds overflowed the stack in the
    /// decoder (an abort, no panic to catch). Bundles are not read at all: scsynth sends
    /// messages.
    #[test]
    fn nested_bundles_are_ignored_before_decoding() {
        let mut packet = encode(&message("/late", vec![]));
        while packet.len() < 60_000 {
            let mut outer = bundle(IMMEDIATELY, vec![]);
            outer.extend_from_slice(&(packet.len() as u32).to_be_bytes());
            outer.extend_from_slice(&packet);
            packet = outer;
        }
        assert_eq!(read(&packet), None);
        let one = bundle(IMMEDIATELY, vec![message("/late", vec![])]);
        assert_eq!(read(&one), None);
    }
}
