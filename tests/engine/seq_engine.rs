//! The sequencer inside the real engine: notes from a patch's `sequence` section land on
//! their computed samples whatever the block size, commits keep the sequencer's clock,
//! and all of it runs with every `Engine::process` call under `assert_no_alloc`.

use crate::support::engine::{engine, SR};

use assert_no_alloc::assert_no_alloc;
// assert_no_alloc checks in debug builds only: its default `disable_release` feature makes
// `assert_no_alloc` a no-op in release builds, without `AllocDisabler` or the counter.
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::engine::Engine;
use chronus::seq::euclid::euclid;

/// Two instruments whose outputs are their gates: `a` on the left, `b` on the right.
/// 120 BPM at 48 kHz: a tick is 1000 samples.
const GATES: &str = r#"(
    instruments: {
        "a": (count: 1, connections: [("note.gate", "output.left")]),
        "b": (count: 1, connections: [("note.gate", "output.left")]),
    },
    connections: [("a.left", "output.left"), ("b.left", "output.right")],
    sequence: (
        bpm: 120, swing: 0.25, density: 1.0, drift: 0.0,
        tracks: {
            "lead": (instrument: "a", pattern: "0 2 4 7", gate: 0.5),
            "bass": (instrument: "b", euclid: (k: 3, n: 8), division: "1/8", gate: 0.25),
        },
        mutation: (max_changes_per_cycle: 0),
        idle: (timeout: 0),
    ),
)"#;

/// Runs `frames` under assert_no_alloc in blocks cycling through `blocks`.
fn run_checked(e: &mut Engine, frames: usize, blocks: &[usize]) -> (Vec<f32>, Vec<f32>) {
    let mut l = vec![0.0; frames];
    let mut r = vec![0.0; frames];
    let (mut pos, mut k) = (0, 0);
    while pos < frames {
        let end = (pos + blocks[k % blocks.len()]).min(frames);
        assert_no_alloc(|| e.process(&mut l[pos..end], &mut r[pos..end]));
        pos = end;
        k += 1;
    }
    (l, r)
}

/// (rise, fall) sample pairs of a gate signal.
fn edges(s: &[f32]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut rise = None;
    for i in 0..s.len() {
        let prev = if i == 0 { 0.0 } else { s[i - 1] };
        if prev == 0.0 && s[i] > 0.0 {
            rise = Some(i);
        }
        if prev > 0.0 && s[i] == 0.0 {
            out.push((rise.take().unwrap(), i));
        }
    }
    out
}

#[test]
fn notes_land_on_their_computed_samples_in_any_block_size() {
    #[cfg(debug_assertions)]
    reset_violation_count();
    let seconds = 60;
    for blocks in [&[64usize][..], &[1, 7, 300, 64, 1000], &[256]] {
        let (mut e, _c) = engine(GATES);
        let (l, r) = run_checked(&mut e, seconds * SR as usize, blocks);
        // Lead: a 1/16 step is 6000 samples, odd steps swing by 1500, gate half a step.
        let lead: Vec<(usize, usize)> = (0..seconds * 8)
            .map(|s| {
                let on = 6_000 * s + if s % 2 == 1 { 1_500 } else { 0 };
                (on, on + 3_000)
            })
            .collect();
        assert_eq!(edges(&l), lead, "lead, blocks {blocks:?}");
        // Bass: E(3,8) in 1/8 steps (12 000 samples), swing 3000, gate a quarter step.
        let hits = euclid(3, 8, 0);
        let bass: Vec<(usize, usize)> = (0..seconds * 4)
            .filter(|s| hits >> (s % 8) & 1 == 1)
            .map(|s| {
                let on = 12_000 * s + if s % 2 == 1 { 3_000 } else { 0 };
                (on, on + 3_000)
            })
            .collect();
        assert_eq!(edges(&r), bass, "bass, blocks {blocks:?}");
    }
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation on the audio thread");
}

#[test]
fn a_commit_keeps_the_sequencers_clock_and_a_patch_without_sequence_stops_it() {
    #[cfg(debug_assertions)]
    reset_violation_count();
    let (mut e, mut c) = engine(GATES);
    let (l1, _) = run_checked(&mut e, 100_000, &[128]);
    // An unrelated edit and commit: the sequence section is unchanged.
    c.set_live("output", "volume", 1.0.into(), None).unwrap();
    c.commit().unwrap();
    let (l2, _) = run_checked(&mut e, 100_000, &[128]);
    let joined: Vec<f32> = l1.into_iter().chain(l2).collect();
    let rises: Vec<usize> = edges(&joined).iter().map(|(on, _)| *on).collect();
    for (s, on) in rises.iter().enumerate() {
        assert_eq!(
            *on,
            6_000 * s + if s % 2 == 1 { 1_500 } else { 0 },
            "step {s}"
        );
    }
    assert_eq!(
        rises.len(),
        33,
        "every step whose note ended within the 200 000 samples"
    );
    // The same instruments without a sequence: the notes stop.
    let plain = GATES.split("    sequence:").next().unwrap().to_string() + ")";
    c.load(crate::support::engine::patch(&plain)).unwrap();
    run_checked(&mut e, 10_000, &[64]);
    let (l3, _) = run_checked(&mut e, 100_000, &[64]);
    assert!(l3.iter().all(|v| *v == 0.0), "no more notes");
    assert!(!c.engine().seq_status().snapshot().present);
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation on the audio thread");
}

#[test]
fn sequencers_come_and_go_through_swaps_without_freeing_on_the_audio_thread() {
    #[cfg(debug_assertions)]
    reset_violation_count();
    let (mut e, mut c) = engine(GATES);
    let plain = GATES.split("    sequence:").next().unwrap().to_string() + ")";
    let faster = GATES.replace("bpm: 120", "bpm: 150");
    // Several swaps land in one block, and others one block apart.
    for burst in [1, 3] {
        for text in [
            &plain,
            &faster,
            &plain.to_string(),
            &GATES.to_string(),
            &faster,
        ] {
            for _ in 0..burst {
                c.load(crate::support::engine::patch(text)).unwrap();
            }
            run_checked(&mut e, 4_096, &[64, 100]);
            c.collect_garbage();
        }
    }
    run_checked(&mut e, 48_000, &[256]);
    c.collect_garbage();
    let s = c.engine().seq_status().snapshot();
    assert!(s.present && s.playing);
    assert_eq!(s.bpm, 150.0);
    #[cfg(debug_assertions)]
    assert_eq!(
        violation_count(),
        0,
        "allocation or free on the audio thread"
    );
}

#[test]
fn a_render_places_every_note_on_its_exact_fractional_sample() {
    // 97 BPM at 44.1 kHz: a tick is 1136.597... samples, never a whole number.
    let text = GATES
        .replace("bpm: 120, swing: 0.25", "bpm: 97, swing: 0.0")
        .replace(
            r#""bass": (instrument: "b", euclid: (k: 3, n: 8), division: "1/8", gate: 0.25),"#,
            "",
        );
    let desc = crate::support::engine::patch(&text);
    let options = chronus::host::RenderOptions {
        seconds: 120.0,
        sample_rate: 44_100,
        ..Default::default()
    };
    let out = chronus::host::render(desc, chronus_modules::Registry::builtin(), &options).unwrap();
    let tick = |k: u64| (k as u128 * 44_100 * 60_000 / (97_000 * 24)) as usize;
    let step_samples = 6.0 * 44_100.0 * 60.0 / (97.0 * 24.0);
    let gate = (0.5f64 * step_samples).round() as usize;
    let want: Vec<(usize, usize)> = (0..)
        .map(|s| tick(6 * s))
        .take_while(|on| on + gate < out.left.len())
        .map(|on| (on, on + gate))
        .collect();
    assert_eq!(want.len(), 776, "two minutes of sixteenths at 97 BPM");
    assert_eq!(edges(&out.left), want, "jitter 0 samples");
}

#[test]
fn a_sequence_loaded_into_a_running_engine_starts_where_it_is_loaded() {
    // A minute of a patch without a sequence, then a piece with the default idle timeout
    // (30 s): its clock, idle timer and mutations start at the load, so it plays from bar
    // 0, catches up nothing and stays in its active profile.
    #[cfg(debug_assertions)]
    reset_violation_count();
    let plain = r#"(voice: (count: 1, connections: [("note.gate", "output.left")]),
        connections: [("voices.left", "output.left")])"#;
    let (mut e, mut c) = engine(plain);
    run_checked(&mut e, SR as usize * 60, &[256]);
    let piece = GATES.replace("idle: (timeout: 0),", "");
    c.load(crate::support::engine::patch(&piece)).unwrap();
    let (l, _) = run_checked(&mut e, SR as usize * 2, &[256]);
    let s = c.sequencer_state().unwrap();
    assert!(!s.ambient, "the idle timeout counts from the load");
    assert_eq!(
        s.bar, 0,
        "2 s at 120 BPM is inside the first bar from the load"
    );
    let first = edges(&l).first().copied().expect("the piece plays");
    assert!(
        first.0 < 256,
        "its first step sounds at the load, at frame {}",
        first.0
    );
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation on the audio thread");
}
