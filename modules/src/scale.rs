//! The scale table shared by the host's sequencer and the `quantizer` module: each
//! scale's name (as written in patch files) and its notes in semitones above the root.
//!
//! It lives in the SDK because modules cannot import the host: the sequencer's
//! `ScaleKind` reads its intervals from here (a host test keeps the two lists in the same
//! order), and the quantizer's `scale` param lists [`SCALE_NAMES`].

/// One scale: its name and its notes, in semitones above the root, ascending from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    /// The name in patch files and OSC (`"minor_pentatonic"`).
    pub name: &'static str,
    /// Semitones above the root of each scale note (first 0, all below 12).
    pub intervals: &'static [u8],
}

/// Every scale, in documentation order (the sequencer's `ScaleKind` order).
pub static SCALES: [Scale; 10] = [
    Scale {
        name: "major",
        intervals: &[0, 2, 4, 5, 7, 9, 11],
    },
    Scale {
        name: "minor",
        intervals: &[0, 2, 3, 5, 7, 8, 10],
    },
    Scale {
        name: "pentatonic",
        intervals: &[0, 2, 4, 7, 9],
    },
    Scale {
        name: "minor_pentatonic",
        intervals: &[0, 3, 5, 7, 10],
    },
    Scale {
        name: "dorian",
        intervals: &[0, 2, 3, 5, 7, 9, 10],
    },
    Scale {
        name: "phrygian",
        intervals: &[0, 1, 3, 5, 7, 8, 10],
    },
    Scale {
        name: "lydian",
        intervals: &[0, 2, 4, 6, 7, 9, 11],
    },
    Scale {
        name: "mixolydian",
        intervals: &[0, 2, 4, 5, 7, 9, 10],
    },
    Scale {
        name: "whole_tone",
        intervals: &[0, 2, 4, 6, 8, 10],
    },
    Scale {
        name: "chromatic",
        intervals: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    },
];

/// The names of [`SCALES`], in order (an enum param's variants).
pub static SCALE_NAMES: [&str; 10] = [
    "major",
    "minor",
    "pentatonic",
    "minor_pentatonic",
    "dorian",
    "phrygian",
    "lydian",
    "mixolydian",
    "whole_tone",
    "chromatic",
];

impl Scale {
    /// The scale named `name`.
    pub fn named(name: &str) -> Option<&'static Scale> {
        SCALES.iter().find(|s| s.name == name)
    }

    /// The scale note nearest to the (fractional) MIDI note `note`, for a scale rooted on
    /// pitch class `root` (0 = C .. 11 = B). Ties go to the lower note. Real-time safe.
    pub fn nearest(&self, note: f32, root: i32) -> i32 {
        let n = note.round() as i32;
        // Search outward from the nearest semitone: a scale note is at most 2 semitones
        // from any semitone in every table here (whole-tone and pentatonic gaps are 2-3).
        let mut best = n;
        let mut best_d = f32::INFINITY;
        for candidate in n - 3..=n + 3 {
            let pc = (candidate - root).rem_euclid(12) as u8;
            if self.intervals.contains(&pc) {
                let d = (candidate as f32 - note).abs();
                if d < best_d {
                    best_d = d;
                    best = candidate;
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_table_and_intervals_are_ascending_from_zero() {
        for (s, name) in SCALES.iter().zip(SCALE_NAMES) {
            assert_eq!(s.name, name);
            assert_eq!(s.intervals[0], 0);
            assert!(s.intervals.windows(2).all(|w| w[0] < w[1] && w[1] < 12));
            assert_eq!(Scale::named(name), Some(s));
        }
    }

    #[test]
    fn nearest_picks_scale_notes_and_ties_go_down() {
        let major = Scale::named("major").unwrap();
        assert_eq!(major.nearest(61.0, 0), 60); // C# -> C (tie with D goes down)
        assert_eq!(major.nearest(61.2, 0), 62);
        assert_eq!(major.nearest(66.0, 0), 65); // F# -> F
        assert_eq!(major.nearest(66.0, 2), 66); // D major has F#
        let wt = Scale::named("whole_tone").unwrap();
        assert_eq!(wt.nearest(-0.6, 0), 0);
        assert_eq!(wt.nearest(-1.4, 0), -2);
    }
}
