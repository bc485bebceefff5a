//! Reading OSC arguments with clear errors: ints and floats are accepted interchangeably
//! wherever a number is expected, and every error names the argument.

use chronus_modules::ParamValue;
use rosc::OscType;

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
    pub fn expect_count(&self, min: usize, max: usize, layout: &str) -> Result<(), String> {
        if self.args.len() < min || self.args.len() > max {
            let expected = if layout.is_empty() {
                "no arguments"
            } else {
                layout
            };
            return Err(format!(
                "expected {expected}, got {} argument{}",
                self.args.len(),
                if self.args.len() == 1 { "" } else { "s" }
            ));
        }
        Ok(())
    }

    fn get(&self, i: usize, name: &str) -> Result<&'a OscType, String> {
        self.args
            .get(i)
            .ok_or_else(|| format!("missing argument {} ({name})", i + 1))
    }

    /// A string argument.
    pub fn string(&self, i: usize, name: &str) -> Result<&'a str, String> {
        match self.get(i, name)? {
            OscType::String(s) => Ok(s),
            other => Err(format!(
                "argument {} ({name}) must be a string, got {}",
                i + 1,
                type_name(other)
            )),
        }
    }

    /// A number argument (int, float, long or double).
    pub fn number(&self, i: usize, name: &str) -> Result<f64, String> {
        let v = self.get(i, name)?;
        number_of(v).ok_or_else(|| {
            format!(
                "argument {} ({name}) must be a number, got {}",
                i + 1,
                type_name(v)
            )
        })
    }

    /// A whole-number argument (an int, or a float with no fraction).
    pub fn int(&self, i: usize, name: &str) -> Result<i64, String> {
        let n = self.number(i, name)?;
        if n.fract() != 0.0 || !n.is_finite() {
            return Err(format!(
                "argument {} ({name}) must be a whole number, got {n}",
                i + 1
            ));
        }
        Ok(n as i64)
    }

    /// A param value: a number, a boolean (`T`/`F`) or a string (an enum variant).
    pub fn value(&self, i: usize, name: &str) -> Result<ParamValue, String> {
        let v = self.get(i, name)?;
        if let Some(n) = number_of(v) {
            return Ok(ParamValue::Number(n));
        }
        match v {
            OscType::Bool(b) => Ok(ParamValue::Bool(*b)),
            OscType::String(s) => Ok(ParamValue::Text(s.clone())),
            other => Err(format!(
                "argument {} ({name}) must be a number, a boolean or a string, got {}",
                i + 1,
                type_name(other)
            )),
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
            args.int(1, "n"),
            Err("argument 2 (n) must be a whole number, got 2.5".into())
        );
        assert_eq!(
            args.number(2, "value"),
            Err("argument 3 (value) must be a number, got a string".into())
        );
        assert_eq!(args.string(3, "id"), Err("missing argument 4 (id)".into()));
        assert_eq!(args.value(2, "v"), Ok(ParamValue::Text("x".into())));
    }

    #[test]
    fn counts_are_checked_with_the_layout() {
        let a = [OscType::Int(1)];
        assert_eq!(
            Args::new(&a).expect_count(2, 2, "s id, s kind"),
            Err("expected s id, s kind, got 1 argument".into())
        );
        assert!(Args::new(&[]).expect_count(0, 0, "").is_ok());
        assert_eq!(
            Args::new(&a).expect_count(0, 0, ""),
            Err("expected no arguments, got 1 argument".into())
        );
    }
}
