//! Arbitrary bytes as one MIDI input port's byte stream (running status, SysEx, real-time
//! bytes inside messages, split anywhere) through `MidiParser` and the MIDI `Router` into
//! a real Controller and Engine, with the example config's routes (trigger steps, CC
//! actions, a `play` range). The engine renders a block under `assert_no_alloc` after
//! every chunk.
//!
//! The first byte chooses the chunk size (1..=16 bytes), so a message is split across
//! `feed` calls in every way; the first half of the byte range of the second byte picks
//! the example config's router, the other half the default config.
#![no_main]

use std::sync::OnceLock;

use chronus::config::{self, Config};
use chronus::midi::parse::MidiParser;
use chronus_fuzz::{registry, start_patch, Rig};
use libfuzzer_sys::fuzz_target;

/// Routes for the start patch, in the shape of `config/example.ron`.
const ROUTES: &str = r#"(
    router: (
        notes: [
            (notes: (24, 35), action: trigger_step),
            (notes: (36, 95), action: play(instrument: "voices")),
            (channel: 3, notes: (0, 127), action: play(instrument: "bass")),
        ],
        ccs: [
            (cc: 20, action: tempo),
            (cc: 21, action: density),
            (cc: 22, action: swing),
            (cc: 74, action: filter_cutoff),
            (cc: 7, channel: 4, action: master_volume),
            (cc: 30, action: param(target: "echo.mix")),
        ],
    ),
)"#;

fn routes() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        config::load(ROUTES, Some("routes.ron"), start_patch(), registry())
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

fuzz_target!(|data: &[u8]| {
    let [chunk, which, stream @ ..] = data else {
        return;
    };
    let chunk = 1 + (*chunk as usize % 16);
    let config = if *which < 128 {
        routes().clone()
    } else {
        Config::default()
    };
    let mut rig = Rig::with_config(config);
    let mut parser = MidiParser::new();
    let router = rig.router.clone();
    for bytes in stream.chunks(chunk) {
        parser.feed(bytes, |event| {
            // Refusals (a full queue) are the router's answer, not a fault.
            let _ = router.lock().handle(event, None);
        });
        rig.process();
    }
    let _ = router.lock().release_all(None);
    rig.process();
});
