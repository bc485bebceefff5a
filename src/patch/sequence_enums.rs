//! The unit enums of the sequence model, written by name in patch and config files:
//! [`ScaleKind`] (`scale: "minor"`) and [`Quantize`] (`quantize: "bar"`). What they mean
//! at run time (a scale's notes, a quantize boundary) is the sequencer's
//! (`seq::scale`, `seq::quantize`).

use super::enum_names::{serde_by_name, Named};

/// A scale the sequencer knows, by name in patch and config files (`"minor_pentatonic"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ScaleKind {
    /// Ionian.
    #[default]
    Major,
    /// Natural minor (aeolian).
    Minor,
    /// Major pentatonic.
    Pentatonic,
    /// Minor pentatonic.
    MinorPentatonic,
    /// Dorian.
    Dorian,
    /// Phrygian.
    Phrygian,
    /// Lydian.
    Lydian,
    /// Mixolydian.
    Mixolydian,
    /// Whole-tone.
    WholeTone,
    /// All twelve semitones.
    Chromatic,
}

serde_by_name!(ScaleKind);

impl Named for ScaleKind {
    const ALL: &'static [ScaleKind] = &ScaleKind::ALL;
    const WHAT: &'static str = "scale";
    fn name(self) -> &'static str {
        ScaleKind::name(self)
    }
}

impl ScaleKind {
    /// Every scale, in documentation order.
    pub const ALL: [ScaleKind; 10] = [
        ScaleKind::Major,
        ScaleKind::Minor,
        ScaleKind::Pentatonic,
        ScaleKind::MinorPentatonic,
        ScaleKind::Dorian,
        ScaleKind::Phrygian,
        ScaleKind::Lydian,
        ScaleKind::Mixolydian,
        ScaleKind::WholeTone,
        ScaleKind::Chromatic,
    ];

    /// The name used in files and OSC.
    pub fn name(self) -> &'static str {
        match self {
            ScaleKind::Major => "major",
            ScaleKind::Minor => "minor",
            ScaleKind::Pentatonic => "pentatonic",
            ScaleKind::MinorPentatonic => "minor_pentatonic",
            ScaleKind::Dorian => "dorian",
            ScaleKind::Phrygian => "phrygian",
            ScaleKind::Lydian => "lydian",
            ScaleKind::Mixolydian => "mixolydian",
            ScaleKind::WholeTone => "whole_tone",
            ScaleKind::Chromatic => "chromatic",
        }
    }

    /// The scale named `name`, or an error listing the names.
    pub fn parse(name: &str) -> Result<ScaleKind, String> {
        <ScaleKind as Named>::parse(name)
    }
}

/// Where a change waits for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Quantize {
    /// The next tick.
    Immediate,
    /// The next beat.
    Beat,
    /// The next bar.
    #[default]
    Bar,
}

serde_by_name!(Quantize);

impl Named for Quantize {
    const ALL: &'static [Quantize] = &[Quantize::Immediate, Quantize::Beat, Quantize::Bar];
    const WHAT: &'static str = "quantize";
    fn name(self) -> &'static str {
        match self {
            Quantize::Immediate => "immediate",
            Quantize::Beat => "beat",
            Quantize::Bar => "bar",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_list_the_known_ones() {
        let e = ScaleKind::parse("blues").unwrap_err();
        assert!(e.contains("blues") && e.contains("whole_tone"), "{e}");
    }
}
