//! The `/seq/...` addresses with real outside clients against a running `chronus play` of
//! a generative patch: liblo's `oscsend` changes tempo, drift and scale, `oscdump`
//! (registered with `/reply`) receives `/seq/state.reply` and one `/error` per bad message,
//! which change nothing; `/patch/save` writes the edits into the file; `/seq/stop` reaches
//! the player's log and oscdump as a sequencer cue (`/seq/cue`); `/seq/mode` forces the
//! ambient profile and gives it back.

use std::time::{Duration, Instant};

use crate::support::chronus::chronus_cmd;
use crate::support::osc::{free_port, osc_port, oscdump, oscsend};
use crate::support::process::{programs_available, Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;
use chronus::patch::ScaleKind;
use chronus_modules::Registry;

/// `/seq/state.reply` lines oscdump printed so far.
fn state_replies(dump: &Proc) -> Vec<String> {
    dump.output
        .stdout()
        .into_iter()
        .filter(|l| l.contains("/seq/state.reply"))
        .collect()
}

#[test]
fn oscsend_drives_the_sequencer_and_oscdump_hears_its_state_and_errors() {
    if !programs_available(
        "oscsend_drives_the_sequencer_and_oscdump_hears_its_state_and_errors",
        &["oscsend", "oscdump"],
    ) {
        return;
    }
    let dir = TempDir::new("osc_seq");
    let dump_port = free_port();
    let mut dump = oscdump(dump_port);
    let mut player = Proc::spawn(
        "chronus play",
        chronus_cmd(&[
            "play",
            "patches/generative-pulse.ron",
            "--host",
            "null",
            "--patch-dir",
            dir.path().to_str().unwrap(),
            "--seconds",
            "30",
        ]),
    )
    .graceful_on_drop();
    let port = osc_port(&mut player);
    oscsend(port, &["/reply", "is", &dump_port.to_string(), "host"]);
    oscsend(port, &["/seq/drift", "f", "0"]);
    oscsend(port, &["/seq/bpm", "f", "150"]);
    oscsend(port, &["/seq/scale", "s", "minor_pentatonic"]);

    // The tempo lands at the next tick and the scale at the next bar (< 2 s at 150 BPM).
    let started = Instant::now();
    let settled = |l: &String| l.contains("150.0") && l.contains("minor_pentatonic");
    loop {
        oscsend(port, &["/seq/state"]);
        std::thread::sleep(Duration::from_millis(200));
        if state_replies(&dump).iter().any(settled) {
            break;
        }
        assert!(
            started.elapsed() < READY_TIMEOUT,
            "no settled /seq/state.reply: {:?}\n{}",
            state_replies(&dump),
            player.output.text()
        );
    }

    // Bad input: one /error each, and nothing changes.
    oscsend(port, &["/seq/bpm", "f", "999"]);
    oscsend(port, &["/seq/scale", "s", "blues"]);
    oscsend(port, &["/seq/euclid", "iiii", "7", "3", "8", "0"]);
    oscsend(port, &["/seq/step", "ifff", "2", "1", "1.5", "1"]);
    oscsend(port, &["/seq/root", "i", "300"]);
    dump.wait_output(READY_TIMEOUT, "five /error replies", |o| {
        o.stdout().iter().filter(|l| l.contains("/error")).count() >= 5
    });
    let errors: Vec<String> = dump
        .output
        .stdout()
        .into_iter()
        .filter(|l| l.contains("/error"))
        .collect();
    for want in [
        "bpm 999 is out of range 20 .. 300",
        "unknown scale",
        "track 7 does not exist",
        "velocity 1.5 is out of range 0 .. 1",
        "root 300 is out of range 0 .. 127",
    ] {
        assert!(
            errors.iter().any(|l| l.contains(want)),
            "no /error with {want:?} in {errors:?}"
        );
    }
    let before = state_replies(&dump).len();
    oscsend(port, &["/seq/state"]);
    dump.wait_output(READY_TIMEOUT, "one more /seq/state.reply", |o| {
        o.stdout()
            .iter()
            .filter(|l| l.contains("/seq/state.reply"))
            .count()
            > before
    });
    let last = state_replies(&dump).pop().unwrap();
    assert!(
        settled(&last),
        "a refused message changed the state: {last}"
    );

    // `/patch/save` writes the piece as it plays: the live edits are in the file, a
    // track nobody edited keeps its form.
    oscsend(port, &["/seq/step", "iiff", "3", "5", "0.9", "1"]);
    oscsend(port, &["/patch/save", "s", "edited.ron"]);
    dump.wait_output(READY_TIMEOUT, "/patch/saved", |o| {
        o.stdout().iter().any(|l| l.contains("/patch/saved"))
    });
    let text = std::fs::read_to_string(dir.path().join("edited.ron")).unwrap();
    let saved = chronus::patch::load(&text, Some("edited.ron"), &Registry::builtin())
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let seq = saved.sequence.expect("the saved patch has its sequence");
    assert_eq!(
        (seq.bpm, seq.drift, seq.scale),
        (Some(150.0), Some(0.0), Some(ScaleKind::MinorPentatonic)),
        "{text}"
    );
    let melody = &seq.tracks["melody"];
    assert_eq!(melody.steps.len(), 16, "{text}");
    let step = &melody.steps[3];
    assert_eq!(
        (step.degree, step.rest, step.velocity),
        (5, false, Some(0.9))
    );
    assert!(seq.tracks["low"].euclid.is_some(), "{text}");

    // A cue from the audio thread reaches the player's log and the /reply client.
    oscsend(port, &["/seq/stop"]);
    player.wait_output(READY_TIMEOUT, "the `sequencer stopped` cue", |o| {
        o.stderr().iter().any(|l| l.contains("sequencer stopped"))
    });
    dump.wait_output(READY_TIMEOUT, "/seq/cue playing", |o| {
        o.stdout()
            .iter()
            .any(|l| l.contains("/seq/cue") && l.contains("sequencer stopped"))
    });

    // `/seq/mode` forces the ambient profile (an `idle` cue, `/seq/state.reply` says
    // `ambient`) and gives the decision back; another name is one /error, nothing changed.
    oscsend(port, &["/seq/mode", "s", "ambient"]);
    dump.wait_output(READY_TIMEOUT, "/seq/cue idle (ambient)", |o| {
        o.stdout()
            .iter()
            .any(|l| l.contains("/seq/cue") && l.contains("ambient profile"))
    });
    let errors_before = dump
        .output
        .stdout()
        .iter()
        .filter(|l| l.contains("/error"))
        .count();
    oscsend(port, &["/seq/mode", "s", "loud"]);
    oscsend(port, &["/seq/mode", "i", "1"]);
    dump.wait_output(READY_TIMEOUT, "two more /error replies", |o| {
        o.stdout().iter().filter(|l| l.contains("/error")).count() >= errors_before + 2
    });
    let errors: Vec<String> = dump
        .output
        .stdout()
        .into_iter()
        .filter(|l| l.contains("/error"))
        .collect();
    assert!(
        errors.iter().any(|l| l.contains("/seq/mode")
            && l.contains("argument 1 (mode) must be auto, active or ambient, got")
            && l.contains("loud")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|l| l.contains("argument 1 (mode) must be a string")),
        "{errors:?}"
    );
    let before = state_replies(&dump).len();
    oscsend(port, &["/seq/state"]);
    dump.wait_output(READY_TIMEOUT, "a /seq/state.reply after /seq/mode", |o| {
        o.stdout()
            .iter()
            .filter(|l| l.contains("/seq/state.reply"))
            .count()
            > before
    });
    let last = state_replies(&dump).pop().unwrap();
    assert!(last.contains("ambient"), "forced ambient: {last}");
    oscsend(port, &["/seq/mode", "s", "active"]);
    dump.wait_output(READY_TIMEOUT, "/seq/cue idle (active)", |o| {
        o.stdout()
            .iter()
            .any(|l| l.contains("/seq/cue") && l.contains("active profile back"))
    });
}
