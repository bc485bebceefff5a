//! Fresh rings for the sound a backend gives back (`engine::return_desk`), under
//! assert_no_alloc: the return opening again (a JACK server that came back) hands a
//! playing engine a new set of rings, which it takes at a sub-block and plays from there,
//! sending the old set back to be freed off the audio thread; an engine built to replace
//! a lost one gets a side of its own, the desk asks the return to open again, and the new
//! engine plays the rings that makes, one period later through the main graph's effect.

use assert_no_alloc::assert_no_alloc;
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::address::InstrumentKey;
use chronus::control::Controller;
use chronus::engine::backend_audio::ReturnChunk;
use chronus::engine::return_desk::ReturnDesk;
use chronus::engine::Engine;
use rtrb::Producer;

use super::backend_audio_no_alloc::{backend, text, PERIOD};
use crate::support::engine::engine;

/// An engine playing the pad from outside, and its controller.
fn outside_engine() -> (Engine, Controller) {
    let (e, mut control) = engine(&text(0.5));
    control.set_played_outside(vec!["pad".into()]);
    control.commit().unwrap_or_else(|e| panic!("{e}"));
    (e, control)
}

/// Plays `blocks` periods, the return pushing the backend's samples of each period (as
/// the JACK return client does, stamped with the engine's samples) into `tx` first, the
/// desk freeing what came back after each (the outbound thread's look); returns the left
/// output.
fn play(
    e: &mut Engine,
    tx: &mut Producer<ReturnChunk>,
    desk: &mut ReturnDesk,
    blocks: u64,
) -> Vec<f32> {
    let p = PERIOD as usize;
    let (mut l, mut r) = (vec![0.0f32; p], vec![0.0f32; p]);
    let mut heard = Vec::new();
    let mut chunk = ReturnChunk::default();
    for _ in 0..blocks {
        let start = e.sample_time();
        chunk.sample = start;
        chunk.len = p;
        for i in 0..p {
            chunk.left[i] = backend(start + i as u64);
            chunk.right[i] = -backend(start + i as u64);
        }
        tx.push(chunk).unwrap();
        assert_no_alloc(|| e.process(&mut l, &mut r));
        heard.extend_from_slice(&l);
        desk.flush();
    }
    heard
}

/// Asserts `heard[from..to]` (engine samples from `offset` on) is the backend's sample of
/// one period before × 0.5.
fn assert_returned(heard: &[f32], offset: u64, from: usize, to: usize, what: &str) {
    for (i, x) in heard.iter().enumerate().take(to).skip(from) {
        let want = 0.5 * backend(offset + i as u64 - PERIOD);
        assert!((x - want).abs() < 1e-6, "{what}: sample {i}: {x} vs {want}");
    }
}

#[test]
fn fresh_rings_reach_a_playing_engine_and_a_rebuilt_one_without_allocating() {
    let p = PERIOD as usize;
    let mut desk = ReturnDesk::new(vec![InstrumentKey::of("pad")]);
    // Startup: the return opens first, then the engine gets its side.
    let mut tx = desk.fresh_rings(PERIOD).pop().unwrap();
    let (mut e, _control) = outside_engine();
    e.set_backend_audio(desk.engine_side());
    assert!(
        !desk.take_renewal(),
        "the first set goes to the first engine"
    );
    #[cfg(debug_assertions)]
    reset_violation_count();
    let first = play(&mut e, &mut tx, &mut desk, 40);
    assert!(first[..p].iter().all(|x| *x == 0.0), "silence for a period");
    assert_returned(&first, 0, p, 40 * p, "first rings");

    // The JACK server came back: the return opened again with fresh rings (the dead
    // client's producer is gone with it). The playing engine takes them at its next
    // sub-block; what the old ring still held for the coming period is lost (silence).
    drop(tx);
    let mut tx = desk.fresh_rings(PERIOD).pop().unwrap();
    let missing = e
        .stats()
        .backend_audio_missing
        .load(std::sync::atomic::Ordering::Relaxed);
    let second = play(&mut e, &mut tx, &mut desk, 40);
    assert!(second[..p].iter().all(|x| *x == 0.0));
    assert_eq!(
        e.stats()
            .backend_audio_missing
            .load(std::sync::atomic::Ordering::Relaxed)
            - missing,
        PERIOD,
        "one period missing, counted"
    );
    assert_returned(
        &second,
        40 * PERIOD,
        p,
        40 * p,
        "rings after the return reopened",
    );
    assert!(!desk.take_renewal());

    // The backend kept the engine: a new one gets its own side, the return is asked to
    // open again, and its fresh rings feed the new engine from its sample 0.
    drop(e);
    let (mut rebuilt, _control) = outside_engine();
    rebuilt.set_backend_audio(desk.engine_side());
    assert!(
        desk.take_renewal(),
        "the return opens again for the new engine"
    );
    drop(tx);
    let mut tx = desk.fresh_rings(PERIOD).pop().unwrap();
    let third = play(&mut rebuilt, &mut tx, &mut desk, 40);
    assert!(third[..p].iter().all(|x| *x == 0.0));
    assert_returned(&third, 0, p, 40 * p, "the rebuilt engine");
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "the audio thread allocated or freed");
}
