//! The JACK cycle stamp under `assert_no_alloc`: the audio callback publishing its JACK time
//! and first sample with every callback ([`AudioCallback::process_at`], what it does on
//! JACK), while another thread — standing for the JACK MIDI input's process callback, also
//! under `assert_no_alloc` — follows the stamp with a [`FrameAnchor`] cycle by cycle and
//! maps frames to samples. Neither side allocates; the frames map to the samples the
//! callbacks started at, exactly.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;

use assert_no_alloc::assert_no_alloc;
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::host::audio_callback::{AudioCallback, CallbackCore};
use chronus::realtime::cycle_stamp::CycleStamp;
use chronus::realtime::frame_anchor::FrameAnchor;

const PERIOD: u32 = 128;
const PERIOD_US: u64 = 2_667;
/// JACK's frame time at the first cycle, near the 32-bit wrap.
const FIRST_FRAME: u32 = u32::MAX - 64 * PERIOD;

#[test]
fn publishing_and_following_the_cycle_stamp_never_allocates() {
    let (engine, mut control) =
        crate::support::engine::engine(&crate::support::engine::sine_voice(4));
    let stamp = Arc::new(CycleStamp::default());
    let mut core = CallbackCore::new(engine, 48_000.0, None);
    core.set_cycle_stamp(Some(stamp.clone()));
    let mut callback = AudioCallback::new(core);
    let stop = Arc::new(AtomicBool::new(false));
    let follower = {
        let (stamp, stop) = (stamp.clone(), stop.clone());
        std::thread::spawn(move || {
            #[cfg(debug_assertions)]
            reset_violation_count();
            let mut anchor = FrameAnchor::new();
            let (mut mapped, mut last) = (0u64, None);
            while !stop.load(Relaxed) {
                std::thread::yield_now();
                // JACK cycle k begins when the callback of cycle k has published (the
                // server starts a cycle only after the last one's clients are done).
                let Some(before) = stamp.read() else { continue };
                let k = (before.0 - 1_000_000) / PERIOD_US;
                if last == Some(k) {
                    continue;
                }
                last = Some(k);
                let frame = FIRST_FRAME.wrapping_add(k as u32 * PERIOD);
                let sample = assert_no_alloc(|| {
                    anchor.cycle(frame, 1_000_000 + k * PERIOD_US);
                    anchor
                        .follow(&stamp, PERIOD)
                        .then(|| anchor.sample_at(frame.wrapping_add(5)))
                        .flatten()
                });
                // Counted only while the stamp stood still meanwhile (JACK runs no
                // callback of the next cycle during this one; this simulation could).
                if stamp.read() == Some(before) {
                    assert_eq!(sample, Some(k * PERIOD as u64 + 5), "cycle {k}");
                    mapped += 1;
                }
            }
            #[cfg(debug_assertions)]
            assert_eq!(violation_count(), 0, "the follower allocated");
            mapped
        })
    };

    #[cfg(debug_assertions)]
    reset_violation_count();
    let mut out = vec![0.0f32; 2 * PERIOD as usize];
    for k in 0..4_000u64 {
        if k % 200 == 0 {
            let _ = control.note_on(&chronus::control::NoteTarget::Default, 60, 0.8, None);
        }
        // The callback runs 40 µs into cycle k.
        let us = 1_000_000 + k * PERIOD_US + 40;
        assert_no_alloc(|| callback.process_at(&mut out, 2, Some(us)));
        assert_eq!(stamp.read(), Some((us, k * PERIOD as u64)));
        std::thread::yield_now();
    }
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "the audio callback allocated");
    stop.store(true, Relaxed);
    let mapped = follower.join().unwrap();
    assert!(
        mapped > 0,
        "the follower mapped frames in step with the callback"
    );
}
