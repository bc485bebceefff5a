//! The SuperCollider return opened again for a new engine (`engine::return_desk`,
//! `sc_live::jack_return`), on a private JACK dummy server: the engine is replaced (the
//! audio backend kept the old one), the new engine gets a side of its own, and the
//! return's next look closes its live client and opens a new one whose fresh rings reach
//! the new engine (the old engine's are gone with it); its ports are there again.
#![cfg(feature = "jack")]

use std::sync::Arc;

use chronus::address::InstrumentKey;
use chronus::engine::return_desk::ReturnDesk;
use chronus::engine::EngineStats;
use chronus::realtime::cycle_stamp::CycleStamp;
use chronus::sc_live::jack_return::JackReturn;
use chronus::sc_live::sink::ReturnPorts;
use parking_lot::Mutex;

use crate::support::jack::{jack_test_lock, JackServer};
use crate::support::process::programs_available;

#[test]
fn a_new_engine_gets_rings_of_its_own_from_the_return_opened_again() {
    if !programs_available("sc_return_renew", &["jackd", "jack_lsp"]) {
        return;
    }
    let _serial = jack_test_lock();
    let server = JackServer::start("sc_return_renew");
    std::env::set_var("JACK_DEFAULT_SERVER", &server.name);
    std::env::set_var("JACK_NO_START_SERVER", "1");
    let key = InstrumentKey::of("pad");
    let stats = EngineStats::default();
    let desk = Arc::new(Mutex::new(ReturnDesk::new(vec![key])));
    let mut ret = JackReturn::open(vec![0], desk.clone(), Arc::new(CycleStamp::default()))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut first = desk.lock().engine_side();
    first.pull(1_000, 64, &stats);
    assert!(
        first.of(key, 64).is_some(),
        "the first engine reads the rings"
    );
    assert!(!ret.look(), "nothing to open again while the client lives");

    // The engine is replaced: the new one has no rings until the return opens again.
    drop(first);
    let mut second = desk.lock().engine_side();
    second.pull(1_000, 64, &stats);
    assert!(second.of(key, 64).is_none());
    assert!(ret.look(), "the return opens again for the new engine");
    second.pull(1_000, 64, &stats);
    assert!(
        second.of(key, 64).is_some(),
        "the new engine reads the fresh rings"
    );
    assert_eq!(second.delay(), ret.period());
    let ports: Vec<String> = server.ports().into_iter().map(|(p, _)| p).collect();
    for port in ["chronus_sc_return:in_1", "chronus_sc_return:in_2"] {
        assert!(ports.iter().any(|p| p == port), "{port} in {ports:?}");
    }
    assert!(!ret.look(), "once");
    drop(ret);
}
