//! The real-time proof: 60 s of audio through 100+ graph swaps (instant and crossfaded),
//! 1000+ notes with voice stealing and a live param change every block, with every
//! `Engine::process` call run under `assert_no_alloc` (this binary's global allocator
//! counts any allocation or free made inside it).

use crate::support::engine::{patch, SR};

use assert_no_alloc::assert_no_alloc;
// assert_no_alloc checks in debug builds only: its default `disable_release` feature makes
// `assert_no_alloc` a no-op in release builds, without `AllocDisabler` or the counter.
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::control::{Controller, NoteTarget};
use chronus::engine::{Engine, EngineConfig, EngineStats};
use chronus_modules::Registry;

/// Poly subtractive voice with an effect chain; `extra` varies the topology.
fn soak_patch(cutoff: f64, extra: bool) -> String {
    let (fx, chain) = if extra {
        (
            r#""dly": (kind: "delay", params: {"time": 0.2}),"#,
            r#"("voices.left", "dly.in"), ("dly.out", "rev.left"), ("voices.right", "rev.right"),"#,
        )
    } else {
        (
            "",
            r#"("voices.left", "rev.left"), ("voices.right", "rev.right"),"#,
        )
    };
    format!(
        r#"(voice: (count: 4, steal: "oldest", modules: {{
            "osc": (kind: "saw"), "sub": (kind: "square", params: {{"detune": -1200.0}}),
            "mix": (kind: "mixer", params: {{"level2": 0.5}}),
            "vcf": (kind: "lowpass", params: {{"cutoff": {cutoff}, "q": 2.0}}),
            "lfo": (kind: "lfo", params: {{"rate": 3.0, "depth": 300.0}}),
            "env": (kind: "adsr", params: {{"attack": 0.005, "release": 0.2}}),
            "vca": (kind: "vca", params: {{"gain": 0.3}}),
            "pan": (kind: "pan"),
        }}, connections: [
            ("note.freq", "osc.freq"), ("note.freq", "sub.freq"),
            ("osc.out", "mix.in1"), ("sub.out", "mix.in2"), ("mix.out", "vcf.in"),
            ("lfo.out", "vcf.cutoff"), ("vcf.out", "vca.in"), ("note.gate", "env.gate"),
            ("env.out", "vca.cv"), ("vca.out", "pan.in"),
            ("pan.left", "output.left"), ("pan.right", "output.right"),
        ]),
        modules: {{ {fx} "rev": (kind: "reverb", params: {{"mix": 0.2, "time": 1.0}}), "noise": (kind: "noise", params: {{"color": "pink"}}) }},
        connections: [ {chain} ("rev.left", "output.left"), ("rev.right", "output.right") ])"#
    )
}

#[test]
fn sixty_seconds_of_swaps_notes_and_edits_never_allocate() {
    let (mut engine, handle) = Engine::new(EngineConfig {
        sample_rate: SR,
        ..EngineConfig::default()
    });
    let mut control = Controller::new(Registry::builtin(), handle);
    control.load(patch(&soak_patch(1200.0, false))).unwrap();

    const BLOCK: usize = 256;
    let blocks = (60.0 * SR) as usize / BLOCK;
    let (mut left, mut right) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    let (mut swaps, mut notes, mut peak) = (0, 0, 0.0f32);
    let mut held: Vec<u8> = Vec::new();
    #[cfg(debug_assertions)]
    reset_violation_count();
    for b in 0..blocks {
        let now = engine.sample_time();
        // Control side (may allocate): a live param change every block...
        let cutoff = 400.0 + 300.0 * ((b as f64) * 0.05).sin();
        control
            .set_live("vcf", "cutoff", (cutoff + 500.0).into(), Some(now + 17))
            .unwrap();
        // ...notes overlapping so that 4 voices must steal...
        if b % 5 == 0 {
            let note = 36 + ((b / 5) * 7 % 48) as u8;
            control
                .note_on(
                    &NoteTarget::Default,
                    note,
                    0.8,
                    Some(now + (b % 200) as u64),
                )
                .unwrap();
            held.push(note);
            notes += 1;
            if held.len() > 6 {
                let off = held.remove(0);
                control
                    .note_off(&NoteTarget::Default, off, Some(now + 100))
                    .unwrap();
            }
        }
        // ...and a commit every 100 blocks, alternating instant and crossfaded swaps.
        if b % 100 == 50 {
            let topology_change = (b / 100) % 3 == 0;
            let text = soak_patch(
                800.0 + (b % 700) as f64,
                topology_change && (b / 100) % 2 == 0,
            );
            control.load(patch(&text)).unwrap();
            swaps += 1;
        }
        control.collect_garbage();
        // Audio side: must not allocate.
        assert_no_alloc(|| engine.process(&mut left, &mut right));
        for x in left.iter().chain(&right) {
            assert!(x.is_finite(), "NaN/inf at block {b}");
            peak = peak.max(x.abs());
        }
    }
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocations on the processing path");
    assert!(swaps >= 100, "{swaps} swaps");
    assert!(notes >= 1000, "{notes} notes");
    assert!(peak <= 4.0, "peak {peak}");
    assert!(peak > 0.01, "the soak made sound (peak {peak})");
    let stats = control.engine().stats();
    assert!(EngineStats::get(&stats.swaps) >= 100);
    assert_eq!(EngineStats::get(&stats.returns_deferred), 0);
    assert_eq!(EngineStats::get(&stats.queue_full), 0);
}

// Debug builds only: release builds check nothing (see the imports).
#[cfg(debug_assertions)]
#[test]
fn the_check_catches_an_allocation_in_process() {
    // Shows the counter above is live: an allocation inside assert_no_alloc is counted.
    reset_violation_count();
    assert_no_alloc(|| {
        let v = vec![0u8; 16];
        std::hint::black_box(v);
    });
    assert!(violation_count() > 0);
    reset_violation_count();
}
