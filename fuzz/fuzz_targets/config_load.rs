//! RON config text through the `--config` loader (`config::load`), checked against the
//! fuzz start patch (which has instruments, a sequence and params for every action to
//! name). A refusal must be one line per error, each placed in the file; an accepted
//! config must build a MIDI router over a real controller.
#![no_main]

use chronus::config;
use chronus_fuzz::{assert_one_line_errors, registry, start_patch, Rig};
use libfuzzer_sys::fuzz_target;

const FILE: &str = "fuzz-config.ron";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match config::load(text, Some(FILE), start_patch(), registry()) {
        Ok(config) => {
            let mut rig = Rig::with_config(config);
            rig.process();
        }
        Err(e) => assert_one_line_errors(&e.to_string(), FILE),
    }
});
