//! `--notes` specs (`host::parse_notes`): never a panic; what it accepts is in range
//! (note 0..127, finite start >= 0, duration > 0, velocity 0..1, no empty instrument); what
//! it refuses is one line naming the item.
#![no_main]

use chronus::host::parse_notes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(list) = std::str::from_utf8(data) else {
        return;
    };
    match parse_notes(list) {
        Ok(notes) => {
            assert_eq!(notes.len(), list.split(',').count());
            for n in notes {
                assert!(n.note <= 127);
                assert!(n.start.is_finite() && n.start >= 0.0);
                assert!(n.duration.is_finite() && n.duration > 0.0);
                assert!((0.0..=1.0).contains(&n.velocity));
                assert!(n.instrument.as_deref() != Some(""));
            }
        }
        Err(e) => {
            let text = e.to_string();
            assert!(e.index >= 1 && e.index <= list.split(',').count());
            // One line, unless the item itself holds a line break.
            if !e.item.contains(['\n', '\r']) {
                assert_eq!(text.lines().count(), 1, "{text:?}");
            }
        }
    }
});
