//! The paths the soak does not reach, under assert_no_alloc: a commit during a
//! crossfade (deferred swap), several swaps in one callback, a full event queue (held-back
//! event), panic / all-notes-off during a crossfade, stealing with pending notes (each
//! steal resets the voice's delay and reverb, which then read around their stale lines),
//! param changes scheduled across commits (moved to the new graph at the swap, carried or
//! crossfaded) and notes starting on voices whose params were changed while free.

use crate::support::engine::{patch, SR};

use assert_no_alloc::assert_no_alloc;
// assert_no_alloc checks in debug builds only: its default `disable_release` feature makes
// `assert_no_alloc` a no-op in release builds, without `AllocDisabler` or the counter.
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::control::{Controller, NoteTarget};
use chronus::engine::{Engine, EngineConfig, EngineStats};
use chronus_modules::Registry;

fn text(cutoff: f64, extra: bool) -> String {
    let (fx, chain) = if extra {
        (
            r#""d": (kind: "delay"),"#,
            r#"("voices.left", "d.in"), ("d.out", "output.left"),"#,
        )
    } else {
        ("", r#"("voices.left", "output.left"),"#)
    };
    format!(
        r#"(voice: (count: 2, steal: "oldest", modules: {{
            "osc": (kind: "saw"),
            "env": (kind: "adsr", params: {{"release": 0.05}}),
            "vcf": (kind: "lowpass", params: {{"cutoff": {cutoff}}}),
            "vca": (kind: "vca"),
            "echo": (kind: "delay", params: {{"time": 0.05}}),
            "room": (kind: "reverb"),
        }}, connections: [("note.freq", "osc.freq"), ("osc.out", "vcf.in"), ("vcf.out", "vca.in"),
            ("note.gate", "env.gate"), ("env.out", "vca.cv"), ("vca.out", "echo.in"),
            ("echo.out", "room.left"), ("room.left", "output.left")]),
        modules: {{ {fx} }},
        connections: [ {chain} ])"#
    )
}

#[test]
fn rare_paths_never_allocate() {
    let (mut engine, handle) = Engine::new(EngineConfig {
        sample_rate: SR,
        event_capacity: 8,
        return_capacity: 4,
        ..EngineConfig::default()
    });
    let mut c = Controller::new(Registry::builtin(), handle);
    c.load(patch(&text(1000.0, false))).unwrap();
    let (mut l, mut r) = (vec![0.0f32; 2048], vec![0.0f32; 2048]);
    #[cfg(debug_assertions)]
    reset_violation_count();
    for b in 0..600u64 {
        let now = engine.sample_time();
        for k in 0..12u64 {
            let note = 40 + ((b * 3 + k) % 24) as u8;
            let _ = c.note_on(&NoteTarget::Default, note, 0.9, Some(now + k * 5));
            let _ = c.note_off(&NoteTarget::Default, note, Some(now + k * 5 + 3));
        }
        // A change scheduled past the commits below, and one now (voices free or not).
        if b % 5 == 0 {
            let cutoff = (600 + b) as f64;
            let _ = c.set_live("vcf", "cutoff", cutoff.into(), Some(now + 3_000));
            let _ = c.set_live("vcf", "cutoff", (cutoff + 50.0).into(), None);
        }
        // Crossfade then immediately more commits: deferred swap and carried swaps.
        if b % 7 == 0 {
            let _ = c.load(patch(&text(900.0, b % 14 == 0)));
            let _ = c.load(patch(&text(800.0 + b as f64, b % 14 == 0)));
            let _ = c.load(patch(&text(700.0, b % 14 == 0)));
        }
        if b % 11 == 0 {
            let _ = c.panic();
        }
        if b % 13 == 0 {
            let _ = c.all_notes_off(None);
        }
        c.collect_garbage();
        let n = [64usize, 2048, 1, 333][(b % 4) as usize];
        assert_no_alloc(|| engine.process(&mut l[..n], &mut r[..n]));
    }
    let s = c.engine().stats();
    eprintln!(
        "swaps {} queue_full {} returns_deferred {}",
        EngineStats::get(&s.swaps),
        EngineStats::get(&s.queue_full),
        EngineStats::get(&s.returns_deferred)
    );
    assert!(EngineStats::get(&s.queue_full) > 0);
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation/free on the audio thread");
}
