//! Sound a backend gives back (scsynth's on JACK: `engine::backend_audio`) feeding its
//! instrument's outputs in the main graph, under assert_no_alloc: chunks stamped with
//! their engine samples, pushed a block at a time as the JACK return client pushes them,
//! play one period later through the main graph's effect (a vca at 0.5), sample for
//! sample, across a live commit that changes the main graph (crossfaded: both graphs read
//! the same samples) and a missed chunk (silence, counted).

use std::sync::atomic::Ordering::Relaxed;

use assert_no_alloc::assert_no_alloc;
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::address::InstrumentKey;
use chronus::engine::backend_audio::{return_ring, BackendAudio, ReturnChunk, ReturnFeed};

use crate::support::engine::{engine, patch};

/// A pad a backend plays (its template is never voiced here), read by the main graph.
pub(crate) fn text(gain: f32) -> String {
    format!(
        r#"(instruments: {{"pad": (count: 2, backend: (kind: "supercollider"),
            modules: {{"osc": (kind: "sine")}},
            connections: [("note.freq", "osc.freq"), ("osc.out", "output.left")])}},
        modules: {{"fx": (kind: "vca", params: {{"gain": {gain}}})}},
        connections: [("pad.left", "fx.in"), ("fx.out", "output.left"), ("pad.right", "output.right")])"#
    )
}

/// The backend's sample at engine time `s`.
pub(crate) fn backend(s: u64) -> f32 {
    ((s % 97) as f32 - 48.0) / 64.0
}

/// The JACK period of the tests: returned samples play this much later.
pub(crate) const PERIOD: u64 = 256;

#[test]
fn returned_sound_plays_one_period_later_through_the_main_graph_without_allocating() {
    let (mut e, mut control) = engine(&text(0.5));
    control.set_played_outside(vec!["pad".into()]);
    control.commit().unwrap_or_else(|e| panic!("{e}"));
    let (mut tx, rx) = return_ring();
    let key = InstrumentKey::of("pad");
    e.set_backend_audio(BackendAudio::new(vec![ReturnFeed::new(key, rx)], PERIOD));
    let (mut l, mut r) = (vec![0.0f32; PERIOD as usize], vec![0.0f32; PERIOD as usize]);
    let mut chunk = ReturnChunk::default();
    let (mut heard_l, mut heard_r) = (Vec::new(), Vec::new());
    #[cfg(debug_assertions)]
    reset_violation_count();
    for block in 0..200u64 {
        let start = block * PERIOD;
        if block == 100 {
            // A live edit of the main graph: the new gain crossfades in.
            control.load(patch(&text(0.25))).unwrap();
        }
        // The return client's cycle for this block (one missed at block 150).
        if block != 150 {
            chunk.sample = start;
            chunk.len = PERIOD as usize;
            for i in 0..PERIOD as usize {
                chunk.left[i] = backend(start + i as u64);
                chunk.right[i] = -backend(start + i as u64);
            }
            tx.push(chunk).unwrap();
        }
        assert_no_alloc(|| e.process(&mut l, &mut r));
        heard_l.extend_from_slice(&l);
        heard_r.extend_from_slice(&r);
    }
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "the audio thread allocated");
    let p = PERIOD as usize;
    // Before the first period: silence; then the backend's samples one period later.
    assert!(heard_l[..p].iter().all(|x| *x == 0.0));
    for s in p..100 * p {
        let want = backend((s - p) as u64);
        assert!(
            (heard_l[s] - 0.5 * want).abs() < 1e-6,
            "left at {s}: {} vs {}",
            heard_l[s],
            0.5 * want
        );
        assert!((heard_r[s] + want).abs() < 1e-6, "right at {s}");
    }
    // After the commit's crossfade: the new gain on the same samples.
    for (s, heard) in heard_l.iter().enumerate().take(150 * p).skip(120 * p) {
        let want = backend((s - p) as u64);
        assert!(
            (heard - 0.25 * want).abs() < 1e-6,
            "left at {s} after the commit"
        );
    }
    // The missed chunk (block 150) plays as silence a period later, and is counted.
    assert!(heard_r[151 * p..152 * p].iter().all(|x| *x == 0.0));
    assert!((heard_r[152 * p + 3] + backend(151 * PERIOD + 3)).abs() < 1e-6);
    assert_eq!(e.stats().backend_audio_missing.load(Relaxed), PERIOD);
}
