//! One UDP datagram through the OSC server's own packet handling
//! ([`PacketHandler::handle`], everything `chronus play`'s server does but the socket:
//! shape check, decode, bundles scheduled by their time tags, `/reply`, `/midi/...` through
//! the MIDI router, everything else through `dispatch`) against a real Controller and
//! Engine. The engine renders a block under `assert_no_alloc` before every message is
//! handled (the handler's tap) and once more at the end. Every `/error` message must be
//! one line.
#![no_main]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use chronus::realtime::sample_clock::SampleClock;
use chronus::osc::{HostStatus, MidiAccess, PacketHandler, PatchFolder};
use chronus_fuzz::{patch_folder, Rig};
use libfuzzer_sys::fuzz_target;
use parking_lot::Mutex;
use rosc::OscType;

/// A fixed wall time for the engine's anchor, so time tags replay alike: 2026-01-01.
const ANCHOR_UNIX_SECS: u64 = 1_767_225_600;

fuzz_target!(|data: &[u8]| {
    let rig = Rig::new();
    let stats = rig.engine.stats().clone();
    let anchor = UNIX_EPOCH + Duration::from_secs(ANCHOR_UNIX_SECS);
    SampleClock::publish(&stats, rig.engine.sample_time(), anchor, chronus_fuzz::SR);
    let midi = MidiAccess {
        router: rig.router.clone(),
        ports: None,
    };
    let control = rig.control.clone();
    let rig = Arc::new(Mutex::new(rig));
    let mut handler = PacketHandler::new(
        control,
        Arc::new(HostStatus::default),
        Some(midi),
        PatchFolder::new(patch_folder().clone()),
    );
    let tapped = rig.clone();
    handler.set_tap(Arc::new(move |_| tapped.lock().process()));
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
