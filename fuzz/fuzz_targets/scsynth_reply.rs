//! One UDP datagram from scsynth, as the live backend reads it (`sc_live::replies::read`:
//! `/status.reply`, `/done` of a SynthDef load, `/late`, `/fail`; anything else ignored,
//! bundles before they are decoded).
//!
//! A finding: a panic (or the stack overflow of deeply nested bundles, an abort); a reply
//! read from bytes that do not decode as that message; a `/fail` text of several lines or
//! longer than `MAX_FAIL_TEXT` (and its `...`).
#![no_main]

use chronus::sc_live::replies::{self, Reply, MAX_FAIL_TEXT};
use libfuzzer_sys::fuzz_target;
use rosc::OscPacket;

fuzz_target!(|data: &[u8]| {
    let Some(reply) = replies::read(data) else {
        return;
    };
    let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(data) else {
        panic!("{reply:?} read from bytes that are not one message");
    };
    let address = match &reply {
        Reply::Status { .. } => "/status.reply",
        Reply::Loaded => "/done",
        Reply::Late => "/late",
        Reply::Fail { command, text } => {
            assert!(
                !text.contains(['\n', '\r']),
                "a /fail text of several lines: {text:?}"
            );
            assert!(
                text.len() <= MAX_FAIL_TEXT + 3,
                "a /fail text of {} bytes",
                text.len()
            );
            assert_ne!(command, "/n_free");
            "/fail"
        }
    };
    assert_eq!(m.addr, address);
});
