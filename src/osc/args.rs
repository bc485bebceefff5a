//! Reading OSC arguments with clear errors ([`ArgError`]): ints and floats are accepted
//! interchangeably wherever a number is expected, and every error names the argument.

use chronus_modules::ParamValue;
use rosc::OscType;

/// Why a message's arguments were refused: their count, a type, or a value out of range.
/// Every variant displays as the one line the client receives.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ArgError {
    /// The argument count is outside what the address takes.
    #[error("expected {}, got {got} argument{}", expected(.layout), plural(*.got))]
    Count {
        /// The expected arguments (`"s id, s kind"`; empty: none).
        layout: &'static str,
        /// How many were given.
        got: usize,
    },
    /// An address taking a fixed head then pairs got a count that does not fit.
    #[error("expected {layout}, got {got} arguments")]
    PairCount {
        /// The expected arguments.
        layout: &'static str,
        /// How many were given.
        got: usize,
    },
    /// Fewer arguments than the one asked for.
    #[error("missing argument {position} ({name})")]
    Missing {
        /// Its position, counted from 1.
        position: usize,
        /// What it is.
        name: &'static str,
    },
    /// Not a string where a string is expected.
    #[error("argument {position} ({name}) must be a string, got {got}")]
    NotString {
        /// Its position, counted from 1.
        position: usize,
        /// What it is.
        name: &'static str,
        /// The OSC type given ([`type_name`]).
        got: &'static str,
    },
    /// A string that is none of the names the argument takes.
    #[error("argument {position} ({name}) must be {choices}, got \"{got}\"")]
    NotChoice {
        /// Its position, counted from 1.
        position: usize,
        /// What it is.
        name: &'static str,
        /// The string given.
        got: String,
        /// The names it takes, as the error words them (`"auto, active or ambient"`).
        choices: &'static str,
    },
    /// Not a number where a number is expected.
    #[error("argument {position} ({name}) must be a number, got {got}")]
    NotNumber {
        /// Its position, counted from 1.
        position: usize,
        /// What it is.
        name: &'static str,
        /// The OSC type given ([`type_name`]).
        got: &'static str,
    },
    /// A number with a fraction (or not finite) where a whole number is expected.
    #[error("argument {position} ({name}) must be a whole number, got {value}")]
    NotWhole {
        /// Its position, counted from 1.
        position: usize,
        /// What it is.
        name: &'static str,
        /// The number given.
        value: f64,
    },
    /// Neither a number, a boolean nor a string where a param value is expected.
    #[error("argument {position} ({name}) must be a number, a boolean or a string, got {got}")]
    NotValue {
        /// Its position, counted from 1.
        position: usize,
        /// What it is.
        name: &'static str,
        /// The OSC type given ([`type_name`]).
        got: &'static str,
    },
    /// A whole number outside its range.
    #[error("{name} {value} is out of range {lo} .. {hi}")]
    OutOfRange {
        /// What it is (`"note"`, `"channel"`).
        name: &'static str,
        /// The number given.
        value: i64,
        /// The smallest allowed.
        lo: i64,
        /// The largest allowed.
        hi: i64,
    },
}

/// The expected arguments as the count error words them.
fn expected(layout: &str) -> &str {
    if layout.is_empty() {
        "no arguments"
    } else {
        layout
    }
}

/// The plural ending for `n` arguments.
fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The arguments of one message, read by position.
pub struct Args<'a> {
    args: &'a [OscType],
}

impl<'a> Args<'a> {
    /// Wraps a message's arguments.
    pub fn new(args: &'a [OscType]) -> Self {
        Args { args }
    }

    /// Number of arguments.
    pub fn len(&self) -> usize {
        self.args.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// Refuses a message whose argument count is outside `min..=max`; `layout` describes
    /// the expected arguments (`"s id, s kind"`).
    pub fn expect_count(
        &self,
        min: usize,
        max: usize,
        layout: &'static str,
    ) -> Result<(), ArgError> {
        if self.args.len() < min || self.args.len() > max {
            return Err(ArgError::Count {
                layout,
                got: self.args.len(),
            });
        }
        Ok(())
    }

    fn get(&self, i: usize, name: &'static str) -> Result<&'a OscType, ArgError> {
        self.args.get(i).ok_or(ArgError::Missing {
            position: i + 1,
            name,
        })
    }

    /// A string argument.
    pub fn string(&self, i: usize, name: &'static str) -> Result<&'a str, ArgError> {
        match self.get(i, name)? {
            OscType::String(s) => Ok(s),
            other => Err(ArgError::NotString {
                position: i + 1,
                name,
                got: type_name(other),
            }),
        }
    }

    /// A number argument (int, float, long or double).
    pub fn number(&self, i: usize, name: &'static str) -> Result<f64, ArgError> {
        let v = self.get(i, name)?;
        number_of(v).ok_or(ArgError::NotNumber {
            position: i + 1,
            name,
            got: type_name(v),
        })
    }

    /// A whole-number argument (an int, or a float with no fraction).
    pub fn int(&self, i: usize, name: &'static str) -> Result<i64, ArgError> {
        let n = self.number(i, name)?;
        if n.fract() != 0.0 || !n.is_finite() {
            return Err(ArgError::NotWhole {
                position: i + 1,
                name,
                value: n,
            });
        }
        Ok(n as i64)
    }

    /// A whole-number argument within `lo ..= hi`.
    pub fn int_in(&self, i: usize, name: &'static str, lo: i64, hi: i64) -> Result<i64, ArgError> {
        let value = self.int(i, name)?;
        if (lo..=hi).contains(&value) {
            Ok(value)
        } else {
            Err(ArgError::OutOfRange {
                name,
                value,
                lo,
                hi,
            })
        }
    }

    /// A param value: a number, a boolean (`T`/`F`) or a string (an enum variant).
    pub fn value(&self, i: usize, name: &'static str) -> Result<ParamValue, ArgError> {
        let v = self.get(i, name)?;
        if let Some(n) = number_of(v) {
            return Ok(ParamValue::Number(n));
        }
        match v {
            OscType::Bool(b) => Ok(ParamValue::Bool(*b)),
            OscType::String(s) => Ok(ParamValue::Text(s.clone())),
            other => Err(ArgError::NotValue {
                position: i + 1,
                name,
                got: type_name(other),
            }),
        }
    }

    /// The argument at `i`, if any.
    pub fn raw(&self, i: usize) -> Option<&'a OscType> {
        self.args.get(i)
    }
}

fn number_of(v: &OscType) -> Option<f64> {
    match v {
        OscType::Int(n) => Some(*n as f64),
        OscType::Float(f) => Some(*f as f64),
        OscType::Long(n) => Some(*n as f64),
        OscType::Double(d) => Some(*d),
        _ => None,
    }
}

/// The OSC type tag name of an argument, for messages.
pub fn type_name(v: &OscType) -> &'static str {
    match v {
        OscType::Int(_) => "an int",
        OscType::Float(_) => "a float",
        OscType::String(_) => "a string",
        OscType::Blob(_) => "a blob",
        OscType::Time(_) => "a time tag",
        OscType::Long(_) => "a long",
        OscType::Double(_) => "a double",
        OscType::Char(_) => "a char",
        OscType::Color(_) => "a color",
        OscType::Midi(_) => "a MIDI message",
        OscType::Bool(_) => "a boolean",
        OscType::Array(_) => "an array",
        OscType::Nil => "nil",
        OscType::Inf => "infinitum",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line the client receives for a refused argument.
    fn message<T: std::fmt::Debug>(r: Result<T, ArgError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn ints_and_floats_are_interchangeable_numbers() {
        let a = [
            OscType::Int(3),
            OscType::Float(2.5),
            OscType::String("x".into()),
        ];
        let args = Args::new(&a);
        assert_eq!(args.number(0, "n"), Ok(3.0));
        assert_eq!(args.number(1, "n"), Ok(2.5));
        assert_eq!(args.int(0, "n"), Ok(3));
        assert_eq!(
            message(args.int(1, "n")),
            "argument 2 (n) must be a whole number, got 2.5"
        );
        assert_eq!(
            message(args.number(2, "value")),
            "argument 3 (value) must be a number, got a string"
        );
        assert_eq!(message(args.string(3, "id")), "missing argument 4 (id)");
        assert_eq!(args.value(2, "v"), Ok(ParamValue::Text("x".into())));
    }

    #[test]
    fn counts_are_checked_with_the_layout() {
        let a = [OscType::Int(1)];
        assert_eq!(
            message(Args::new(&a).expect_count(2, 2, "s id, s kind")),
            "expected s id, s kind, got 1 argument"
        );
        assert!(Args::new(&[]).expect_count(0, 0, "").is_ok());
        assert_eq!(
            message(Args::new(&a).expect_count(0, 0, "")),
            "expected no arguments, got 1 argument"
        );
    }
}
