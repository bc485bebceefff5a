//! The engine's output does not depend on the host buffer size: sub-blocks end on the
//! engine-time grid of 64 frames (and at events), so a live player's 256-frame callbacks and
//! a render's 1024-frame chunks run the very same sub-blocks and give the same bits. This
//! is what makes "live play with the same seed and no input produces the same music" as
//! `chronus render`, including which voice a note reuses once released voices fall silent.

use crate::support::engine::engine;

use chronus::control::NoteTarget;

const PIECE: &str = include_str!("../../patches/generative-pulse.ron");

/// 35 s of the piece (past its idle timeout at 30 s), with a few played notes at odd
/// times on top, driven in buffers of `buffer` frames.
fn play(buffer: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut e, mut c) = engine(PIECE);
    let lead = NoteTarget::Instrument("lead".into());
    for (i, t) in [12_345u64, 200_003, 700_001].into_iter().enumerate() {
        let note = 60 + 5 * i as u8;
        c.note_on(&lead, note, 0.9, Some(t)).unwrap();
        c.note_off(&lead, note, Some(t + 30_007)).unwrap();
    }
    crate::support::engine::run(&mut e, 48_000 * 35, buffer)
}

#[test]
fn every_buffer_size_that_is_a_multiple_of_64_gives_the_same_bits() {
    let reference = play(1024);
    assert!(
        chronus_modules::analysis::peak(&reference.0) > 0.05,
        "the piece plays"
    );
    for buffer in [64, 256, 192] {
        let other = play(buffer);
        let first_difference = (0..reference.0.len()).find(|&i| {
            reference.0[i].to_bits() != other.0[i].to_bits()
                || reference.1[i].to_bits() != other.1[i].to_bits()
        });
        assert_eq!(
            first_difference, None,
            "buffers of {buffer} frames differ from 1024 from this sample on"
        );
    }
}
