//! A note starts at the param values set before it. A free voice is not processed, so a
//! live change (`/mod`), or a params-only commit, made while it was free must not glide
//! when its next note starts; nor must the params of a stolen voice, reset for its new
//! note. A sounding voice glides (see `tests/engine/live_sweep.rs`).

use crate::support::engine::{engine, level_patch, run};

use chronus::control::NoteTarget;

/// The first sample from `from` on that is not silent.
fn onset(out: &[f32], from: usize) -> usize {
    from + out[from..]
        .iter()
        .position(|&x| x != 0.0)
        .expect("a note sounds")
}

/// Asserts that every sample of `note` is `level`: the note did not glide into it.
fn assert_starts_at(note: &[f32], level: f32) {
    assert!(
        note.iter().all(|&x| x == level),
        "the note glides from the old value: starts at {}, {} after 5 ms",
        note[0],
        note[240]
    );
}

/// Renders a second of silence, lets `change` act on the idle instrument, renders another
/// second, then plays `notes` (velocity 1) at one sample and returns the first 30 ms of
/// the output from their onset.
fn note_after_idle_change(
    count: usize,
    notes: &[u8],
    change: impl FnOnce(&mut chronus::control::Controller),
) -> Vec<f32> {
    let (mut e, mut c) = engine(&level_patch(count));
    run(&mut e, 48_000, 256);
    change(&mut c);
    run(&mut e, 48_000, 256);
    let at = e.sample_time() + 1_000;
    for &note in notes {
        c.note_on(&NoteTarget::Default, note, 1.0, Some(at))
            .unwrap();
    }
    let (out, _) = run(&mut e, 4_800, 256);
    let start = onset(&out, 0);
    assert_eq!(start, 1_000, "the note starts on its sample");
    out[start..start + 1_440].to_vec()
}

#[test]
fn a_live_change_on_an_idle_instrument_is_heard_from_the_next_notes_first_sample() {
    let out = note_after_idle_change(8, &[60], |c| {
        c.set_live("c", "value", 0.5.into(), None).unwrap();
    });
    assert_starts_at(&out, 0.5);
}

#[test]
fn a_params_only_commit_on_an_idle_instrument_is_heard_from_the_next_notes_first_sample() {
    let out = note_after_idle_change(8, &[60], |c| {
        c.set("c", "value", 0.5.into()).unwrap();
        c.commit().unwrap();
    });
    assert_starts_at(&out, 0.5);
}

#[test]
fn two_changes_on_an_idle_instrument_do_not_overshoot_in_the_next_chord() {
    // 0.5 × 2 = 1 per voice. Gliding both at once from 1 × 1 would pass 1.125 per voice.
    let out = note_after_idle_change(8, &[60, 64, 67], |c| {
        c.set_live("c", "value", 0.5.into(), None).unwrap();
        c.set_live("v", "gain", 2.0.into(), None).unwrap();
    });
    let peak = out.iter().fold(0.0f32, |m, &x| m.max(x));
    assert!(
        out.iter().all(|&x| x == 3.0),
        "three voices at 1.0: starts at {}, peaks at {peak}",
        out[0]
    );
}

#[test]
fn a_stolen_voice_starts_its_new_note_at_the_values_set_before_it() {
    // One voice: the second note steals it. The change and the note land on one sample;
    // the held note glides toward 0.5 during its 3 ms fade, the new note starts at 0.5.
    let (mut e, mut c) = engine(&level_patch(1));
    c.note_on(&NoteTarget::Default, 60, 1.0, Some(0)).unwrap();
    run(&mut e, 4_800, 256);
    let at = e.sample_time() + 1_000;
    c.set_live("c", "value", 0.5.into(), Some(at)).unwrap();
    c.note_on(&NoteTarget::Default, 62, 1.0, Some(at)).unwrap();
    let (out, _) = run(&mut e, 4_800, 256);
    assert!(out[..1_000].iter().all(|&x| x == 1.0), "the held note");
    // The fade (144 samples) ends within a block; the new note starts at the next one.
    let start = onset(&out, 1_000 + 144);
    assert!(start <= 1_000 + 144 + 64, "the new note starts at {start}");
    assert_starts_at(&out[start..start + 1_440], 0.5);
}
