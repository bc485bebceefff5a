//! `chronus render --engine supercollider` (a real `scsynth -N`) with releases that would
//! fall in their synth's first control block (docs/CONTRACTS.md §3.4): a note shorter than
//! a block still sounds and ends, and a voice stolen in its first block still fades out.
//! Had either command been due in the synth's first block, scsynth would have applied it
//! before the synth ran at all: its envelope would never open (a silent note) or never
//! close (a stolen voice sounding on).

use crate::supercollider_render::{hz, render_with, tone_db, GATE_VOICE, SR};
use crate::support::process::programs_available;
use crate::support::temp::TempDir;

/// 40 notes of 10 samples, off the block grid, 60 ms apart, on a voice whose output is
/// its gate: on scsynth each sounds (within its first block) and is over two blocks
/// later, as on the internal engine (where it sounds its 10 samples).
#[test]
fn a_note_shorter_than_a_block_sounds_and_ends_on_scsynth() {
    if !programs_available("sc short notes", &["scsynth"]) {
        return;
    }
    let dir = TempDir::new("sc_short_notes");
    let patch = dir.join("gate.ron");
    std::fs::write(&patch, GATE_VOICE).unwrap();
    let patch = patch.to_str().unwrap();
    let starts: Vec<usize> = (0..40).map(|k| 4_801 + 2_880 * k + 7 * k).collect();
    let notes: Vec<String> = starts
        .iter()
        .map(|&s| format!("60@{:.9}:{:.9}", s as f64 / SR, 10.0 / SR))
        .collect();
    let notes = notes.join(",");
    for engine in ["internal", "supercollider"] {
        let x = render_with(&dir, patch, engine, 3.0, vec!["--notes", &notes]);
        let peak = |from: usize, to: usize| x[from..to].iter().fold(0f64, |m, v| m.max(v.abs()));
        for &s in &starts {
            assert!(
                peak(s, s + 64) >= 0.5,
                "{engine}: the 10-sample note at sample {s} is silent"
            );
            let after = peak(s + 256, s + 2_800);
            assert!(
                after < 1e-3,
                "{engine}: the note at sample {s} still sounds after it ended ({after})"
            );
        }
    }
}

/// One voice (`steal: "oldest"`): C4, and E4 20 samples later, within C4's first block.
/// E4 takes the voice; C4, stolen, fades out on scsynth as on the internal engine.
#[test]
fn a_voice_stolen_in_its_first_block_fades_out_on_scsynth() {
    if !programs_available("sc first-block steal", &["scsynth"]) {
        return;
    }
    let dir = TempDir::new("sc_first_block_steal");
    let patch = dir.join("one.ron");
    std::fs::write(&patch, crate::support::engine::sine_voice(1)).unwrap();
    let patch = patch.to_str().unwrap();
    let notes = format!("60@0.2:1,64@{:.9}:1", 0.2 + 20.0 / SR);
    let window = |x: Vec<f64>| x[(0.3 * SR) as usize..(1.1 * SR) as usize].to_vec();
    for engine in ["internal", "supercollider"] {
        let x = window(render_with(
            &dir,
            patch,
            engine,
            1.5,
            vec!["--notes", &notes],
        ));
        let (kept, gone) = (tone_db(&x, hz(64)), tone_db(&x, hz(60)));
        eprintln!("{engine}: E4 {kept:.1} dB, stolen C4 {gone:.1} dB");
        assert!(
            kept - gone > 40.0,
            "{engine}: the stolen C4 sounds on ({gone:.1} dB against E4 {kept:.1} dB)"
        );
    }
}
