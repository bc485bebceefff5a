//! The real-time callback wrapper (`chronus::host::audio_callback`) under `assert_no_alloc`:
//! this binary's global allocator counts every allocation or free made inside the
//! callback. Variable buffer sizes (not multiples of 64, larger than the scratch), every
//! channel mapping and sample type, notes, a patch swap, a recording ring that overflows
//! and the shutdown fade: none of it may allocate.

use assert_no_alloc::assert_no_alloc;
// assert_no_alloc checks in debug builds only: its default `disable_release` feature makes
// `assert_no_alloc` a no-op in release builds, without `AllocDisabler` or the counter.
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::control::{Controller, NoteTarget};
use chronus::engine::{Engine, EngineConfig};
use chronus::graph;
use chronus::host::audio_callback::{AudioCallback, CallbackCore, SCRATCH_FRAMES};
use chronus::host::recorder;
use chronus_modules::Registry;

const SR: f32 = 48_000.0;

fn patch(name: &str) -> chronus::patch::PatchDesc {
    let path = format!("{}/patches/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    graph::check(&text, Some(&path), &Registry::builtin()).unwrap()
}

/// Runs one callback of `frames` frames at `channels` channels for each sample type.
fn run_all_types(cb: &mut AudioCallback, frames: usize, channels: usize) -> f32 {
    let mut f = vec![0.0f32; frames * channels];
    let mut i = vec![0i16; frames * channels];
    let mut u = vec![0u16; frames * channels];
    // The buffers are allocated above; the whole callback runs under the check.
    assert_no_alloc(|| {
        cb.process(&mut f, channels);
        cb.process(&mut i, channels);
        cb.process(&mut u, channels);
    });
    f.iter().fold(0.0f32, |m, x| m.max(x.abs()))
}

#[test]
fn the_callback_never_allocates() {
    #[cfg(debug_assertions)]
    reset_violation_count();
    let (engine, handle) = Engine::new(EngineConfig {
        sample_rate: SR,
        ..EngineConfig::default()
    });
    let mut control = Controller::new(Registry::builtin(), handle);
    control.load(patch("poly-subtractive.ron")).unwrap();
    // A ring of 1000 frames, never drained: it fills and then counts drops.
    let (sink, _ring) = recorder::ring(1000);
    let mut cb = AudioCallback::new(CallbackCore::new(engine, SR, Some(sink)));
    let shared = cb.shared().unwrap().clone();

    let sizes = [1usize, 37, 64, 100, 255, 256, 1023, SCRATCH_FRAMES + 17, 3];
    let mut loudest = 0.0f32;
    for round in 0..30 {
        if round % 5 == 0 {
            control
                .note_on(&NoteTarget::Default, 48 + round as u8, 0.8, None)
                .unwrap();
        }
        if round == 12 {
            control.load(patch("fm-bell.ron")).unwrap();
        }
        if round == 20 {
            control.load(patch("poly-subtractive.ron")).unwrap();
            control
                .note_on(&NoteTarget::Default, 60, 0.8, None)
                .unwrap();
        }
        for (k, &n) in sizes.iter().enumerate() {
            let channels = [1, 2, 6][(round + k) % 3];
            loudest = loudest.max(run_all_types(&mut cb, n, channels));
        }
        control.collect_garbage();
    }
    assert!(loudest > 0.01, "notes were heard");

    shared.request_fade_out();
    for _ in 0..20 {
        run_all_types(&mut cb, 256, 2);
    }
    assert!(shared.is_silent());

    let m = shared.meter().snapshot();
    assert!(m.record_drops > 0, "the full ring was counted");
    assert_eq!(m.panics, 0);
    #[cfg(debug_assertions)]
    assert_eq!(
        violation_count(),
        0,
        "allocation or free inside the audio callback"
    );
}

// Debug builds only: release builds check nothing (see the imports).
#[cfg(debug_assertions)]
#[test]
fn the_check_is_live() {
    // An allocation inside the same check is counted: the test above proves something.
    reset_violation_count();
    assert_no_alloc(|| {
        let v = vec![1u8; 64];
        std::hint::black_box(&v);
    });
    assert!(violation_count() > 0);
    reset_violation_count();
}
