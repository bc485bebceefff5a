//! One UDP datagram through the OSC server's own packet handling
//! ([`PacketHandler::handle`], everything `chronus play`'s server does but the socket:
//! shape check, decode, bundles scheduled by their time tags, `/reply`, `/midi/...` through
//! the MIDI router, everything else through `dispatch`) against a real Controller and
//! Engine. The engine renders a block under `assert_no_alloc` before every message is
//! handled (the handler's tap) and once more at the end. Every `/error` message must be
//! one line.
#![no_main]

use std::net::SocketAddr;

use chronus_fuzz::osc_handler;
use libfuzzer_sys::fuzz_target;
use rosc::OscType;

fuzz_target!(|data: &[u8]| {
    let (mut handler, rig) = osc_handler();
    let from: SocketAddr = "127.0.0.1:9999".parse().unwrap();
    for reply in handler.handle(data, from) {
        // The message of an `/error` is one line. (Its first argument echoes the client's
        // address as sent, control characters included: reported, not checked here.)
        if let [_, OscType::String(message)] = reply.args.as_slice() {
            if reply.addr == "/error" {
                assert!(
                    !message.is_empty() && !message.contains('\n'),
                    "an /error message that is empty or of several lines: {message:?}"
                );
            }
        }
    }
    rig.lock().process();
});
