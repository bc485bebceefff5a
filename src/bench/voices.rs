//! The voices a benchmark holds: which instrument, how many, and the notes (a
//! major-seventh chord spread over as many octaves as the voices need, centred on middle C,
//! so every voice of the instrument sounds at once).

use crate::patch::{scope, PatchDesc};

/// The polyphony (`count`) of the patch's first instrument (the default target of notes),
/// or 0 when the patch has no voices.
pub fn first_instrument_voices(desc: &PatchDesc) -> usize {
    scope::instruments(desc)
        .next()
        .map_or(0, |(_, _, instrument)| instrument.count)
}

/// `desc` with its first instrument's `count` set to `voices` (unchanged without voices).
pub fn with_voices(mut desc: PatchDesc, voices: usize) -> PatchDesc {
    if let Some(voice) = desc.voice.as_mut() {
        voice.count = voices;
    } else if let Some((_, instrument)) = desc.instruments.first_mut() {
        instrument.count = voices;
    }
    desc
}

/// Chord tones above each C.
const CHORD: [u8; 4] = [0, 4, 7, 11];

/// `voices` distinct MIDI notes (at most 128). Chord tones come first, from the C that
/// centres them on middle C (60) but never below C1 (24); when they run out, the other
/// notes from C1 up, then those below C1.
pub fn chord(voices: usize) -> Vec<u8> {
    let voices = voices.min(128);
    let octaves = voices.div_ceil(CHORD.len()) as i32;
    let root = (60 - 12 * (octaves / 2)).max(24) as u8;
    let mut notes: Vec<u8> = (root..=127)
        .filter(|n| CHORD.contains(&((n - root) % 12)))
        .take(voices)
        .collect();
    let rest: Vec<u8> = (24..=127u8)
        .chain(0..24)
        .filter(|n| !notes.contains(n))
        .collect();
    notes.extend(rest.into_iter().take(voices - notes.len()));
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::InstrumentDesc;

    #[test]
    fn the_first_instrument_is_patched() {
        let mut desc = PatchDesc::default();
        assert_eq!(first_instrument_voices(&desc), 0);
        assert_eq!(with_voices(desc.clone(), 8), desc);
        desc.instruments
            .insert("lead".into(), InstrumentDesc::default());
        desc.instruments
            .insert("bass".into(), InstrumentDesc::default());
        let patched = with_voices(desc.clone(), 32);
        assert_eq!(first_instrument_voices(&patched), 32);
        assert_eq!(patched.instruments["bass"].count, 8);
        desc.voice = Some(InstrumentDesc::default());
        let patched = with_voices(desc, 1);
        assert_eq!(patched.voice.as_ref().unwrap().count, 1);
        assert_eq!(patched.instruments["lead"].count, 8);
        assert_eq!(first_instrument_voices(&patched), 1);
    }

    #[test]
    fn distinct_in_range_and_spread() {
        assert_eq!(chord(0), Vec::<u8>::new());
        assert_eq!(chord(1), vec![60]);
        assert_eq!(chord(4), vec![60, 64, 67, 71]);
        assert_eq!(chord(8), vec![48, 52, 55, 59, 60, 64, 67, 71]);
        for voices in [1, 8, 32, 64, 128, 500] {
            let mut notes = chord(voices);
            assert_eq!(notes.len(), voices.min(128));
            assert!(notes.iter().all(|&n| n <= 127));
            notes.sort_unstable();
            notes.dedup();
            assert_eq!(notes.len(), voices.min(128), "distinct for {voices}");
        }
        let wide = chord(32);
        assert_eq!(wide.iter().min(), Some(&24));
        assert!(wide.iter().max().unwrap() - wide.iter().min().unwrap() >= 84);
    }
}
