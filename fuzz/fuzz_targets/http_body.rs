//! The JSON bodies of `POST /api/osc` (and the WebSocket's text messages, the same JSON):
//! read by `http::osc_json::parse` (what the handler runs: JSON, then one message or a
//! list of them), the messages handled by `osc_json::handle` through the OSC server's
//! `PacketHandler` over a real Controller and Engine (so `/mod/...`, `/patch/load`,
//! `/patch/save` (refused: the patch folder is read-only), `/seq/...` all run), and the
//! answer built by `http::osc_answer`, as the handler answers. `POST /api/reload` reads no
//! body (it reloads the `--config` file: `config_load`'s input).
//!
//! A finding: a panic; the engine allocating (a block rendered under `assert_no_alloc`
//! before every message and at the end); an accepted body of no message or more than
//! `MAX_MESSAGES`, an address not starting with `/`, an argument other than `i`, `f`, `s`,
//! `T`/`F`; a message that, written back as JSON by `osc_json::reply`, reads back
//! different (finite numbers); an answer whose status is not 200, 400 or 404, or whose
//! `error` is empty or of several lines.
#![no_main]

use std::net::SocketAddr;

use chronus::http::{osc_answer, osc_json};
use chronus_fuzz::{assert_one_line, osc_handler};
use libfuzzer_sys::fuzz_target;
use rosc::OscType;

fuzz_target!(|data: &[u8]| {
    let messages = match osc_json::parse(data) {
        Ok(messages) => messages,
        Err(e) => {
            let (status, body) = osc_answer::bad_body(&e);
            assert_eq!(status.as_u16(), 400);
            assert_one_line(body["error"].as_str().expect("an error string"));
            return;
        }
    };
    assert!((1..=osc_json::MAX_MESSAGES).contains(&messages.len()));
    for m in &messages {
        assert!(m.addr.starts_with('/'), "{m:?}");
        let mut finite = true;
        for a in &m.args {
            match a {
                OscType::Float(f) => finite &= f.is_finite(),
                OscType::Int(_) | OscType::String(_) | OscType::Bool(_) => {}
                other => panic!("an argument of another type: {other:?}"),
            }
        }
        if finite {
            let back = osc_json::parse_value(&osc_json::reply(m));
            assert_eq!(back.as_deref(), Ok(std::slice::from_ref(m)));
        }
    }
    let (mut handler, rig) = osc_handler();
    let from: SocketAddr = "127.0.0.1:9999".parse().unwrap();
    let handled = osc_json::handle(&mut handler, &messages, from);
    let (status, body) = osc_answer::handled(Some(handled));
    match status.as_u16() {
        200 => assert!(body["replies"].is_array(), "{body}"),
        400 | 404 => {
            assert_one_line(body["error"].as_str().expect("an error string"));
            let index = body["index"].as_u64().expect("an index") as usize;
            assert!(index < messages.len());
        }
        other => panic!("status {other}: {body}"),
    }
    rig.lock().process();
});
