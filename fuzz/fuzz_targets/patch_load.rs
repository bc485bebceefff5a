//! RON patch text through what `chronus check` and `/patch/load` run: parse, validate and
//! compile (`graph::check`). A refusal must be one line per error, each placed in the file;
//! a patch it accepts must write out (`patch::to_ron`) and read back to the same patch.
#![no_main]

use chronus::graph;
use chronus::patch;
use chronus_fuzz::{assert_one_line_errors, registry};
use libfuzzer_sys::fuzz_target;

const FILE: &str = "fuzz.ron";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match graph::check(text, Some(FILE), registry()) {
        Ok(desc) => {
            let written = patch::to_ron(&desc);
            let back = graph::check(&written, Some(FILE), registry()).unwrap_or_else(|e| {
                panic!("an accepted patch, written out, is refused: {e}\n{written}")
            });
            assert_eq!(
                back, desc,
                "written out and read back, the patch changed:\n{written}"
            );
        }
        Err(e) => assert_one_line_errors(&e.to_string(), FILE),
    }
});
