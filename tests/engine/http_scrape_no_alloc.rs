//! Scraping `/metrics` (and `/api/state`) 100 times a second while the audio callback
//! renders on this thread under `assert_no_alloc`: the HTTP API reads only atomics the
//! callback stores and the controller (never locked by the audio side), so the audio side
//! allocates nothing, takes no lock and never waits for it. The scrapes use a plain
//! `TcpStream` client so the test needs no program outside (`support::http_rig`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_no_alloc::assert_no_alloc;
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};

use crate::support::http_rig::{get, HttpRig};

#[test]
fn scraping_100_times_a_second_never_touches_the_audio_side() {
    let HttpRig {
        control,
        mut callback,
        server,
        ..
    } = HttpRig::new(&crate::support::engine::sine_voice(8), "sine");
    let addr = server.local_addr();

    // The scraper: 100 scrapes a second, every tenth one of /api/state.
    let stop = Arc::new(AtomicBool::new(false));
    let scrapes = Arc::new(AtomicU64::new(0));
    let scraper = {
        let (stop, scrapes) = (stop.clone(), scrapes.clone());
        std::thread::spawn(move || {
            let mut next = Instant::now();
            while !stop.load(Relaxed) {
                let n = scrapes.fetch_add(1, Relaxed);
                let text = get(
                    addr,
                    if n % 10 == 9 {
                        "/api/state"
                    } else {
                        "/metrics"
                    },
                );
                assert!(text.contains("chronus_") || text.contains("\"revision\""));
                next += Duration::from_millis(10);
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
            }
        })
    };

    // The audio side: 256-frame callbacks (notes from the controller between them) under
    // assert_no_alloc while the scraper runs, for at least 150 scrapes.
    let mut out = vec![0.0f32; 512];
    #[cfg(debug_assertions)]
    reset_violation_count();
    let mut callbacks = 0u64;
    while scrapes.load(Relaxed) < 150 || callbacks < 400 {
        if callbacks.is_multiple_of(50) {
            let note = 60 + (callbacks / 50 % 12) as u8;
            let _ = control
                .lock()
                .note_on(&chronus::control::NoteTarget::Default, note, 0.8, None);
        }
        assert_no_alloc(|| callback.process(&mut out, 2));
        assert!(out.iter().all(|x| x.is_finite()));
        callbacks += 1;
        if callbacks.is_multiple_of(8) {
            let mut c = control.lock();
            c.collect_garbage();
            while c.pop_note_cue().is_some() {}
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    stop.store(true, Relaxed);
    scraper.join().unwrap();
    #[cfg(debug_assertions)]
    assert_eq!(
        violation_count(),
        0,
        "the audio side allocated while scraped"
    );
    // The scrapes saw the callback's figures move.
    let text = get(addr, "/metrics");
    let count = text
        .lines()
        .find_map(|l| l.strip_prefix("chronus_callbacks_total "))
        .unwrap();
    assert_eq!(count.trim().parse::<u64>().unwrap(), callbacks);
    assert!(text.contains("chronus_notes_total{source=\"sequencer\"} 0"));
    drop(server);
}
