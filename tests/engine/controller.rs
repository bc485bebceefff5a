//! The Controller: edits go to the standby slot, a refused edit changes nothing, commit
//! swaps, abort discards, live changes reach every voice.

use crate::support::engine::{engine, run};

use chronus::control::NoteTarget;
use chronus_modules::ParamValue;

const PATCH: &str = r#"(voice: (count: 2, modules: {
        "level": (kind: "vca", params: {"gain": 0.0078125}),
    }, connections: [("note.pitch", "level.in"), ("level.out", "output.left")]),
    modules: {"post": (kind: "vca")},
    connections: [("voices.left", "post.in"), ("post.out", "output.left")])"#;

#[test]
fn refused_edits_change_nothing() {
    let (_e, mut c) = engine(PATCH);
    let before = c.standby().clone();
    let cases: Vec<(&str, Result<(), chronus::control::ControlError>)> = vec![
        ("duplicate id", c.create("level", "sine", &[])),
        ("unknown kind", c.create("x", "sawx", &[])),
        (
            "bad value",
            c.create("x", "sine", &[("freq".into(), ParamValue::Number(-5.0))]),
        ),
        (
            "unknown param",
            c.create("x", "sine", &[("pitchh".into(), ParamValue::Number(1.0))]),
        ),
        ("reserved id", c.create("output", "sine", &[])),
        ("delete unknown", c.delete("nope")),
        ("unknown port", c.connect("post.out", "level.cutoff")),
        ("bad port ref", c.connect("post", "level.in")),
        ("across graphs", c.connect("post.out", "level.in")),
        ("already connected", c.connect("post.out", "output.left")),
        ("not connected", c.disconnect("level.out", "post.in")),
        (
            "set unknown param",
            c.set("post", "volume", ParamValue::Number(1.0)),
        ),
        (
            "set out of range",
            c.set("post", "gain", ParamValue::Number(9.0)),
        ),
        (
            "set wrong type",
            c.set("post", "gain", ParamValue::Text("loud".into())),
        ),
    ];
    for (what, result) in cases {
        let err = result.expect_err(what).to_string();
        assert!(!err.contains('\n'), "{what}: one line: {err}");
        assert_eq!(c.standby(), &before, "{what} changed the standby slot");
    }
}

#[test]
fn error_messages_name_the_culprit() {
    let (_e, mut c) = engine(PATCH);
    assert_eq!(
        c.create("level", "sine", &[]).unwrap_err().to_string(),
        "module id \"level\" is already used in the patch"
    );
    let e = c.create("x", "sawx", &[]).unwrap_err().to_string();
    assert!(
        e.contains("\"sawx\"") && e.contains("did you mean \"saw\""),
        "{e}"
    );
    let e = c
        .set("post", "gain", ParamValue::Number(9.0))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("gain") && e.contains('9') && e.contains("0 .. 4"),
        "{e}"
    );
    let e = c.connect("post.out", "level.in").unwrap_err().to_string();
    assert!(e.contains("different graphs"), "{e}");
    let e = c
        .set_live("post", "gian", ParamValue::Number(1.0), None)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "module \"post\" (vca) has no param \"gian\"; its params: gain"
    );
}

#[test]
fn edits_wait_in_standby_until_commit_and_abort_discards_them() {
    let (mut e, mut c) = engine(PATCH);
    run(&mut e, 64, 64);
    c.note_on(&NoteTarget::Default, 64, 1.0, None).unwrap();
    let (l, _) = run(&mut e, 128, 64);
    assert!((l[127] - 0.5).abs() < 1e-6);
    c.set("post", "gain", ParamValue::Number(2.0)).unwrap();
    let (l, _) = run(&mut e, 128, 64);
    assert!((l[127] - 0.5).abs() < 1e-6, "not heard before commit");
    c.abort();
    c.commit().unwrap();
    let (l, _) = run(&mut e, 2_000, 64);
    assert!((l[1_999] - 0.5).abs() < 1e-6, "aborted edit never heard");
    c.set("post", "gain", ParamValue::Number(2.0)).unwrap();
    c.commit().unwrap();
    let (l, _) = run(&mut e, 2_000, 64);
    assert!(
        (l[1_999] - 1.0).abs() < 1e-6,
        "committed edit heard, note still held"
    );
}

#[test]
fn create_connect_commit_builds_a_sound_and_delete_removes_its_connections() {
    let (mut e, mut c) = engine(r#"(modules: {}, connections: [])"#);
    c.create(
        "osc",
        "sine",
        &[("freq".into(), ParamValue::Number(1000.0))],
    )
    .unwrap();
    c.connect("osc.out", "output.left").unwrap();
    c.commit().unwrap();
    let (l, _) = run(&mut e, 4_800, 256);
    let f =
        chronus_modules::analysis::zero_crossing_frequency(&l, crate::support::engine::SR).unwrap();
    assert!((f - 1000.0).abs() < 1.0);
    c.delete("osc").unwrap();
    assert!(c.standby().connections.is_empty());
    c.commit().unwrap();
    let (l, _) = run(&mut e, 4_800, 256);
    assert_eq!(chronus_modules::analysis::peak(&l[1_000..]), 0.0);
}

#[test]
fn a_live_change_of_a_template_module_reaches_every_voice() {
    let (mut e, mut c) = engine(PATCH);
    run(&mut e, 64, 64);
    c.note_on(&NoteTarget::Default, 32, 1.0, None).unwrap();
    c.note_on(&NoteTarget::Default, 64, 1.0, None).unwrap();
    c.set_live("level", "gain", ParamValue::Number(0.015625), None)
        .unwrap();
    let (l, _) = run(&mut e, 4_800, 64);
    // Both voices doubled: (32 + 64) / 64.
    assert!((l[4_799] - 1.5).abs() < 1e-5, "{}", l[4_799]);
    // The live value is recorded in the running and standby patches.
    let (_, m) = chronus::patch::find_module(c.running(), "level").unwrap();
    assert_eq!(m.params["gain"], ParamValue::Number(0.015625));
    c.set_live("output", "volume", ParamValue::Number(0.5), None)
        .unwrap();
    let (l, _) = run(&mut e, 4_800, 64);
    assert!((l[4_799] - 0.75).abs() < 1e-5, "{}", l[4_799]);
}

#[test]
fn set_and_live_values_are_recorded_as_a_patch_file_writes_them() {
    // A choice by number is saved by name; a number as the decimal the engine holds.
    let (_e, mut c) = engine(
        r#"(modules: {"lfo": (kind: "lfo"), "d": (kind: "delay")},
        connections: [("lfo.out", "d.in"), ("d.out", "output.left")])"#,
    );
    c.set("lfo", "shape", ParamValue::Number(2.0)).unwrap();
    c.set_live("d", "feedback", ParamValue::Number(0.95), None)
        .unwrap();
    c.set_live("output", "volume", ParamValue::Number(0.3), None)
        .unwrap();
    let (_, lfo) = chronus::patch::find_module(c.standby(), "lfo").unwrap();
    assert_eq!(lfo.params["shape"], ParamValue::Text("saw".into()));
    let text = chronus::patch::to_ron(c.running());
    assert!(text.contains("\"feedback\": 0.95"), "{text}");
    assert!(
        text.contains("volume: Some(0.3)") || text.contains("volume: 0.3"),
        "{text}"
    );
    // A refused value is still refused with its message, and changes nothing.
    let err = c.set("lfo", "shape", ParamValue::Number(9.0)).unwrap_err();
    assert!(err.to_string().contains("shape"), "{err}");
    let (_, lfo) = chronus::patch::find_module(c.standby(), "lfo").unwrap();
    assert_eq!(lfo.params["shape"], ParamValue::Text("saw".into()));
}

#[test]
fn create_with_an_instrument_prefix_adds_the_module_to_that_voice_template() {
    let (mut e, mut c) = engine(PATCH);
    // A second gain stage in every voice: 0.5 × the note's level (64 × 0.0078125 = 0.5).
    c.create(
        "voices/half",
        "vca",
        &[("gain".to_string(), ParamValue::Number(0.5))],
    )
    .unwrap();
    c.disconnect("level.out", "output.left").unwrap();
    c.connect("level.out", "half.in").unwrap();
    c.connect("half.out", "output.left").unwrap();
    c.commit().unwrap();
    let voice = c.running().voice.as_ref().unwrap();
    assert!(voice.modules.contains_key("half"));
    assert!(!c.running().modules.contains_key("half"));
    run(&mut e, 64, 64);
    c.note_on(&NoteTarget::Default, 64, 1.0, None).unwrap();
    let (l, _) = run(&mut e, 4_800, 64);
    assert!((l[4_799] - 0.25).abs() < 1e-5, "{}", l[4_799]);
    // Ids stay patch-wide; an unknown instrument is named with the known ones.
    let err = c.create("voices/post", "vca", &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "module id \"post\" is already used in the patch"
    );
    let err = c.create("bass/sub", "saw", &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no instrument for instrument \"bass\"; instruments: voices"
    );
    let err = c.create("voices/a/b", "saw", &[]).unwrap_err();
    assert!(err.to_string().contains("a/b"), "{err}");
}
