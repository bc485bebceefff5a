//! The `--notes` syntax of `chronus render`: a comma-separated list of
//! `[INSTRUMENT/]NOTE@START:DURATION[:VELOCITY]` — instrument id (default: the first),
//! MIDI note 0–127, start and duration in seconds, velocity 0..1 (default 0.8).
//! Example: `60@0:1,bass/36@0.5:1:0.5`.

use std::str::FromStr;

use thiserror::Error;

/// Velocity of a note that does not give one.
pub const DEFAULT_VELOCITY: f32 = 0.8;

/// One note to play.
#[derive(Clone, Debug, PartialEq)]
pub struct NoteSpec {
    /// Instrument id, or `None` for the first instrument.
    pub instrument: Option<String>,
    /// MIDI note number.
    pub note: u8,
    /// Start, seconds.
    pub start: f64,
    /// Length, seconds.
    pub duration: f64,
    /// Velocity 0..1.
    pub velocity: f32,
}

/// A note item that could not be read; names the item and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("--notes item {index} `{item}`: {problem} (expected [INSTRUMENT/]NOTE@START:DURATION[:VELOCITY], e.g. 60@0:1 or bass/36@0.5:1:0.5)")]
pub struct NoteSpecError {
    /// 1-based position in the list.
    pub index: usize,
    /// The item as written.
    pub item: String,
    /// What is wrong.
    pub problem: String,
}

/// What is wrong with one note item (the `problem` of a [`NoteSpecError`]).
#[derive(Clone, Debug, PartialEq, Error)]
pub enum NoteProblem {
    /// Nothing between two commas.
    #[error("empty item")]
    EmptyItem,
    /// A `/` with no instrument id before it.
    #[error("empty instrument before `/`")]
    EmptyInstrument,
    /// No `@` after the note.
    #[error("missing `@START`")]
    MissingStart,
    /// The note is not 0..127.
    #[error("note `{0}` is not a MIDI note number 0..127")]
    NotANote(String),
    /// Not two or three `:`-separated fields after `@`.
    #[error("expected START:DURATION or START:DURATION:VELOCITY after `@`")]
    FieldCount,
    /// A field that is not a finite number.
    #[error("{what} `{text}` is not a number")]
    NotANumber {
        /// `start`, `duration` or `velocity`.
        what: &'static str,
        /// The field as written.
        text: String,
    },
    /// A start before 0.
    #[error("start {0} is negative")]
    NegativeStart(f64),
    /// A duration of 0 or less.
    #[error("duration {0} must be greater than 0")]
    EmptyDuration(f64),
    /// A velocity outside 0..1.
    #[error("velocity {0} is out of range 0 .. 1")]
    VelocityRange(f64),
}

/// Parses a whole `--notes` list. Empty items (`60@0:1,,62@1:1`) are refused.
pub fn parse_notes(list: &str) -> Result<Vec<NoteSpec>, NoteSpecError> {
    list.split(',')
        .enumerate()
        .map(|(i, item)| {
            item.trim()
                .parse::<NoteSpec>()
                .map_err(|problem| NoteSpecError {
                    index: i + 1,
                    item: item.trim().to_string(),
                    problem: problem.to_string(),
                })
        })
        .collect()
}

impl FromStr for NoteSpec {
    type Err = NoteProblem;

    fn from_str(item: &str) -> Result<Self, Self::Err> {
        if item.is_empty() {
            return Err(NoteProblem::EmptyItem);
        }
        let (instrument, rest) = match item.split_once('/') {
            Some((inst, rest)) if !inst.is_empty() => (Some(inst.to_string()), rest),
            Some(_) => return Err(NoteProblem::EmptyInstrument),
            None => (None, item),
        };
        let (note, times) = rest.split_once('@').ok_or(NoteProblem::MissingStart)?;
        let note: u8 = note
            .parse()
            .ok()
            .filter(|n| *n <= 127)
            .ok_or_else(|| NoteProblem::NotANote(note.to_string()))?;
        let fields: Vec<&str> = times.split(':').collect();
        if !(2..=3).contains(&fields.len()) {
            return Err(NoteProblem::FieldCount);
        }
        let number = |what: &'static str, s: &str| {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| NoteProblem::NotANumber {
                    what,
                    text: s.to_string(),
                })
        };
        let start = number("start", fields[0])?;
        if start < 0.0 {
            return Err(NoteProblem::NegativeStart(start));
        }
        let duration = number("duration", fields[1])?;
        if duration <= 0.0 {
            return Err(NoteProblem::EmptyDuration(duration));
        }
        let velocity = match fields.get(2) {
            Some(v) => {
                let v = number("velocity", v)?;
                if !(0.0..=1.0).contains(&v) {
                    return Err(NoteProblem::VelocityRange(v));
                }
                v as f32
            }
            None => DEFAULT_VELOCITY,
        };
        Ok(NoteSpec {
            instrument,
            note,
            start,
            duration,
            velocity,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_example() {
        let notes = parse_notes("60@0:1,bass/36@0.5:1:0.5").unwrap();
        assert_eq!(
            notes,
            vec![
                NoteSpec {
                    instrument: None,
                    note: 60,
                    start: 0.0,
                    duration: 1.0,
                    velocity: 0.8
                },
                NoteSpec {
                    instrument: Some("bass".into()),
                    note: 36,
                    start: 0.5,
                    duration: 1.0,
                    velocity: 0.5
                },
            ]
        );
    }

    #[test]
    fn errors_name_the_item_and_the_problem() {
        let e = parse_notes("60@0:1,128@0:1").unwrap_err();
        assert_eq!(e.index, 2);
        assert_eq!(e.item, "128@0:1");
        assert!(e
            .to_string()
            .contains("note `128` is not a MIDI note number"));
        for (bad, problem) in [
            ("60", "missing `@START`"),
            ("60@x:1", "start `x` is not a number"),
            ("60@0", "expected START:DURATION"),
            ("60@0:0", "duration 0 must be greater than 0"),
            ("60@-1:1", "start -1 is negative"),
            ("60@0:1:2", "velocity 2 is out of range"),
            ("/60@0:1", "empty instrument"),
            ("", "empty item"),
        ] {
            let e = parse_notes(bad).unwrap_err();
            assert!(e.problem.contains(problem), "{bad}: {}", e.problem);
        }
    }
}
