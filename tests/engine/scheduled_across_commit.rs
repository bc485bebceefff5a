//! A live change scheduled for later (a time-tagged `/mod`) lands at its sample even when
//! a commit comes before it: the commit does not apply it early, and does not lose it,
//! whether the new graph carries state over or crossfades. A commit that changes the
//! param itself is heard at once, and the scheduled change still lands at its time. One
//! whose module the commit removed is ignored and counted.

use crate::support::engine::{engine, level_patch, run};

use chronus::control::{Controller, NoteTarget};
use chronus::engine::EngineStats;
use chronus::graph::Takeover;

/// When the scheduled change lands: 1 s in.
const AT: usize = 48_000;
/// When the commit comes: 0.3 s in.
const COMMIT_AT: usize = 14_400;
/// Samples of `c.value`'s glide (20 ms).
const GLIDE: usize = 960;

/// What happened around a change of `c.value` to 0.5 scheduled for [`AT`], with a note
/// held from 0 and `commit` acting at [`COMMIT_AT`].
struct Run {
    /// The output, 1.5 s.
    out: Vec<f32>,
    /// How the commit took over.
    takeover: Takeover,
    /// Events ignored up to just before [`AT`], and in all.
    ignored: (u64, u64),
}

fn scheduled_change_across(commit: impl FnOnce(&mut Controller)) -> Run {
    let (mut e, mut c) = engine(&level_patch(8));
    c.note_on(&NoteTarget::Default, 60, 1.0, Some(0)).unwrap();
    c.set_live("c", "value", 0.5.into(), Some(AT as u64))
        .unwrap();
    let (mut out, _) = run(&mut e, COMMIT_AT, 64);
    commit(&mut c);
    let (more, _) = run(&mut e, AT - COMMIT_AT, 64);
    out.extend(more);
    let stats = e.stats().clone();
    let before = EngineStats::get(&stats.events_ignored);
    let takeover = e.graph().unwrap().takeover.clone();
    let (more, _) = run(&mut e, 24_000, 64);
    out.extend(more);
    c.collect_garbage();
    Run {
        out,
        takeover,
        ignored: (before, EngineStats::get(&stats.events_ignored)),
    }
}

/// Asserts `out` holds `level` (within `tolerance`) in `range`.
fn assert_level(out: &[f32], range: std::ops::Range<usize>, level: f32, tolerance: f32) {
    let worst = out[range.clone()]
        .iter()
        .enumerate()
        .max_by(|a, b| (a.1 - level).abs().total_cmp(&(b.1 - level).abs()))
        .map(|(i, &x)| (range.start + i, x))
        .unwrap();
    assert!(
        (worst.1 - level).abs() <= tolerance,
        "expected {level} in {range:?}, sample {} is {}",
        worst.0,
        worst.1
    );
}

/// The change starts at [`AT`] exactly and arrives at 0.5 after its glide.
fn assert_lands_at_its_time(out: &[f32]) {
    assert!(out[AT] < out[AT - 1], "the glide starts at {AT}");
    assert_level(out, AT + GLIDE - 1..AT + GLIDE + 4_800, 0.5, 0.0);
}

#[test]
fn a_commit_with_no_edit_before_a_scheduled_change_leaves_it_at_its_time() {
    let r = scheduled_change_across(|c| {
        c.commit().unwrap();
    });
    assert!(matches!(r.takeover, Takeover::Carry(_)));
    assert_level(&r.out, 0..AT, 1.0, 0.0);
    assert_lands_at_its_time(&r.out);
    assert_eq!(r.ignored, (0, 0));
}

#[test]
fn a_crossfading_commit_before_a_scheduled_change_leaves_it_at_its_time() {
    let r = scheduled_change_across(|c| {
        c.connect("c.out", "output.right").unwrap();
        c.commit().unwrap();
    });
    assert!(matches!(r.takeover, Takeover::Crossfade));
    // The held note moves to the new graph during the 10 ms crossfade, at the same level.
    assert_level(&r.out, 0..AT, 1.0, 1e-6);
    assert_lands_at_its_time(&r.out);
    assert_eq!(r.ignored, (0, 0));
}

#[test]
fn a_commit_that_sets_the_param_is_heard_at_once_and_the_scheduled_change_later() {
    let r = scheduled_change_across(|c| {
        c.set("c", "value", 0.8.into()).unwrap();
        c.commit().unwrap();
    });
    assert_level(&r.out, 0..COMMIT_AT, 1.0, 0.0);
    assert_level(&r.out, COMMIT_AT + 64 + GLIDE..AT, 0.8, 0.0);
    assert_lands_at_its_time(&r.out);
}

#[test]
fn a_scheduled_change_whose_module_a_commit_removed_is_ignored_and_counted() {
    let r = scheduled_change_across(|c| {
        c.delete("c").unwrap();
        c.commit().unwrap();
    });
    // Nothing feeds the VCA any more: silence after the crossfade.
    assert_level(&r.out, COMMIT_AT + 64 + 480..r.out.len(), 0.0, 0.0);
    assert_eq!(r.ignored, (0, 1), "ignored when its time comes");
}
