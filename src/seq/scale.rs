//! Scales: degree → MIDI note. A degree counts scale notes up from the root (negative
//! below it); degrees past the end of the scale wrap into the next octave. An octave
//! *range* folds every degree into `range` octaves above the base note, so a walking
//! melody never leaves its register. The [`ScaleKind`] names themselves belong to the
//! patch model (`patch::sequence_enums`); the intervals are the SDK's table
//! (`chronus_modules::scale`), shared with the `quantizer` module.

use chronus_modules::scale::SCALES;

use crate::patch::ScaleKind;

impl ScaleKind {
    /// Semitones above the root of each scale note: the SDK's scale table
    /// (`chronus_modules::scale`), which the `quantizer` module reads too.
    pub fn intervals(self) -> &'static [u8] {
        SCALES[self.index()].intervals
    }

    /// Position in [`ScaleKind::ALL`], which is the SDK table's order (a test checks the
    /// names agree).
    fn index(self) -> usize {
        ScaleKind::ALL
            .iter()
            .position(|&s| s == self)
            .expect("ALL lists every scale")
    }

    /// MIDI note of `degree` above `base` (a MIDI note), folded into `range` octaves
    /// (1–8) above `base`, clamped to 0–127.
    pub fn note(self, base: i32, degree: i32, range: u8) -> u8 {
        let iv = self.intervals();
        let len = iv.len() as i32;
        let span = len * range.clamp(1, 8) as i32;
        let d = degree.rem_euclid(span);
        let note = base + 12 * (d / len) + iv[(d % len) as usize] as i32;
        note.clamp(0, 127) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_of_every_scale_from_c4() {
        let table: [(ScaleKind, [u8; 8]); 10] = [
            (ScaleKind::Major, [60, 62, 64, 65, 67, 69, 71, 72]),
            (ScaleKind::Minor, [60, 62, 63, 65, 67, 68, 70, 72]),
            (ScaleKind::Pentatonic, [60, 62, 64, 67, 69, 72, 74, 76]),
            (ScaleKind::MinorPentatonic, [60, 63, 65, 67, 70, 72, 75, 77]),
            (ScaleKind::Dorian, [60, 62, 63, 65, 67, 69, 70, 72]),
            (ScaleKind::Phrygian, [60, 61, 63, 65, 67, 68, 70, 72]),
            (ScaleKind::Lydian, [60, 62, 64, 66, 67, 69, 71, 72]),
            (ScaleKind::Mixolydian, [60, 62, 64, 65, 67, 69, 70, 72]),
            (ScaleKind::WholeTone, [60, 62, 64, 66, 68, 70, 72, 74]),
            (ScaleKind::Chromatic, [60, 61, 62, 63, 64, 65, 66, 67]),
        ];
        for (scale, notes) in table {
            let got: Vec<u8> = (0..8).map(|d| scale.note(60, d, 2)).collect();
            assert_eq!(got, notes, "{}", scale.name());
            assert_eq!(ScaleKind::parse(scale.name()), Ok(scale));
        }
    }

    #[test]
    fn the_sdk_table_and_the_scale_names_agree() {
        assert_eq!(ScaleKind::ALL.len(), SCALES.len());
        for (kind, scale) in ScaleKind::ALL.iter().zip(&SCALES) {
            assert_eq!(kind.name(), scale.name);
        }
    }

    #[test]
    fn octave_range_folds_degrees_and_negative_degrees_wrap() {
        // One octave of D major from D3 (50): degree 7 folds back to the root.
        assert_eq!(ScaleKind::Major.note(50, 7, 1), 50);
        assert_eq!(ScaleKind::Major.note(50, 7, 2), 62);
        // Degree -1 in a 2-octave range is the top note of the range.
        assert_eq!(ScaleKind::Major.note(50, -1, 2), 50 + 12 + 11);
        assert_eq!(ScaleKind::Chromatic.note(120, 11, 1), 127, "clamped");
    }
}
