//! Parameter metadata: [`ParamSpec`] is static data describing one parameter of a
//! module kind — its stable id, range, taper, unit, default and smoothing.
//!
//! Parameter values travel through the engine as `f32`: floats as themselves, ints as whole
//! numbers, bools as 0.0/1.0 and enum variants as their index. [`ParamSpec::accept`] turns a
//! user-supplied [`ParamValue`] into that `f32` or refuses it with a [`ParamError`] naming
//! the parameter, the value and the valid range. Refusal happens on the control side; the
//! audio thread only ever sees accepted values.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::smoother::Smoothing;

/// How a float parameter's range maps onto a 0..1 knob or MIDI CC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taper {
    /// Equal steps of the knob give equal differences (gains, mixes).
    Linear,
    /// Equal steps of the knob give equal ratios (frequencies, times). Requires `min > 0`.
    Logarithmic,
}

/// The type and range of a parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamKind {
    /// A real number in `min..=max`, mapped to knobs along `taper`.
    Float {
        /// Smallest accepted value.
        min: f32,
        /// Largest accepted value.
        max: f32,
        /// Knob mapping.
        taper: Taper,
    },
    /// A whole number in `min..=max`.
    Int {
        /// Smallest accepted value.
        min: i32,
        /// Largest accepted value.
        max: i32,
    },
    /// On or off (1.0 or 0.0 in the engine).
    Bool,
    /// One of named variants (its index in the engine).
    Enum {
        /// The variant names, in index order.
        variants: &'static [&'static str],
    },
    /// A file, named in the patch relative to the patch's folder (`"samples/kick.wav"`).
    /// Not a signal: its engine value is always 0 and it cannot change live. The host
    /// decodes the file while building the graph and hands it to the module through
    /// [`Module::load_file`](crate::Module::load_file); changing it is a patch edit and a
    /// commit.
    File {
        /// Accepted extensions, lower case, without the dot.
        extensions: &'static [&'static str],
    },
}

/// Static description of one parameter of a module kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// Stable short id used in patch files and OSC addresses (`cutoff`).
    pub id: &'static str,
    /// Human-readable name (`Cutoff`).
    pub name: &'static str,
    /// One-line description.
    pub doc: &'static str,
    /// Type and range.
    pub kind: ParamKind,
    /// Default value in engine form (an enum's default is its variant index).
    pub default: f32,
    /// Unit shown after values: `"Hz"`, `"s"`, `"dB"`, `"%"`, `"cents"` or `""`.
    pub unit: &'static str,
    /// How live changes glide to their new value.
    pub smoothing: Smoothing,
    /// The value to start from instead of `default` when the input port of the same id is
    /// connected and the patch does not set the parameter. Oscillators use 0 for `freq`, so
    /// `note.freq -> osc.freq` plays the note's own pitch rather than 220 Hz above it.
    pub modulated_default: Option<f32>,
}

/// Const builders, so a module's parameter table reads as one line per parameter:
/// `ParamSpec::float("cutoff", "Cutoff", 20.0, 20000.0, 1000.0).log().unit("Hz")`.
impl ParamSpec {
    /// A float parameter with a linear taper, no unit, linear 20 ms smoothing.
    pub const fn float(
        id: &'static str,
        name: &'static str,
        min: f32,
        max: f32,
        default: f32,
    ) -> Self {
        ParamSpec {
            id,
            name,
            doc: "",
            kind: ParamKind::Float {
                min,
                max,
                taper: Taper::Linear,
            },
            default,
            unit: "",
            smoothing: Smoothing::Linear(20.0),
            modulated_default: None,
        }
    }

    /// A whole-number parameter (no smoothing).
    pub const fn int(
        id: &'static str,
        name: &'static str,
        min: i32,
        max: i32,
        default: i32,
    ) -> Self {
        ParamSpec {
            kind: ParamKind::Int { min, max },
            default: default as f32,
            smoothing: Smoothing::None,
            ..Self::float(id, name, 0.0, 0.0, 0.0)
        }
    }

    /// An on/off parameter (no smoothing).
    pub const fn boolean(id: &'static str, name: &'static str, default: bool) -> Self {
        ParamSpec {
            kind: ParamKind::Bool,
            default: if default { 1.0 } else { 0.0 },
            smoothing: Smoothing::None,
            ..Self::float(id, name, 0.0, 0.0, 0.0)
        }
    }

    /// A choice among named variants; `default` is a variant index (no smoothing).
    pub const fn choice(
        id: &'static str,
        name: &'static str,
        variants: &'static [&'static str],
        default: usize,
    ) -> Self {
        ParamSpec {
            kind: ParamKind::Enum { variants },
            default: default as f32,
            smoothing: Smoothing::None,
            ..Self::float(id, name, 0.0, 0.0, 0.0)
        }
    }

    /// A file param accepting `extensions` (see [`ParamKind::File`]); unset by default.
    pub const fn file(
        id: &'static str,
        name: &'static str,
        extensions: &'static [&'static str],
    ) -> Self {
        ParamSpec {
            kind: ParamKind::File { extensions },
            smoothing: Smoothing::None,
            ..Self::float(id, name, 0.0, 0.0, 0.0)
        }
    }

    /// Whether this is a [`ParamKind::File`] param.
    pub const fn is_file(&self) -> bool {
        matches!(self.kind, ParamKind::File { .. })
    }

    /// Sets the one-line description.
    pub const fn doc(self, doc: &'static str) -> Self {
        ParamSpec { doc, ..self }
    }

    /// Sets the unit.
    pub const fn unit(self, unit: &'static str) -> Self {
        ParamSpec { unit, ..self }
    }

    /// Switches a float to the logarithmic taper with logarithmic smoothing of the same
    /// time (requires `min > 0`).
    pub const fn log(self) -> Self {
        let kind = match self.kind {
            ParamKind::Float { min, max, .. } => ParamKind::Float {
                min,
                max,
                taper: Taper::Logarithmic,
            },
            other => other,
        };
        let smoothing = match self.smoothing {
            Smoothing::Linear(ms) | Smoothing::Exponential(ms) => Smoothing::Logarithmic(ms),
            other => other,
        };
        ParamSpec {
            kind,
            smoothing,
            ..self
        }
    }

    /// Sets the smoothing style.
    pub const fn smoothing(self, smoothing: Smoothing) -> Self {
        ParamSpec { smoothing, ..self }
    }

    /// Sets [`modulated_default`](Self::modulated_default).
    pub const fn modulated_default(self, value: f32) -> Self {
        ParamSpec {
            modulated_default: Some(value),
            ..self
        }
    }
}

/// A parameter value as written by a user: in a patch file, an OSC message or a CLI flag.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A boolean (`true`).
    Bool(bool),
    /// A number (`1800.0`, `3`).
    Number(f64),
    /// An enum variant name (`"pink"`).
    Text(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Number(n) => write!(f, "{n}"),
            ParamValue::Text(s) => write!(f, "\"{s}\""),
        }
    }
}

/// Why a parameter value was refused. Every variant names the parameter and the value.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ParamError {
    /// A number outside the parameter's range.
    #[error("param `{param}`: {value} is out of range {range}")]
    OutOfRange {
        /// Parameter id.
        param: &'static str,
        /// The refused value.
        value: String,
        /// The accepted range, with unit.
        range: String,
    },
    /// A value of the wrong type (a string for a float, a fraction for an int...).
    #[error("param `{param}`: expected {expected}, got {value}")]
    WrongType {
        /// Parameter id.
        param: &'static str,
        /// What the parameter takes.
        expected: String,
        /// The refused value.
        value: String,
    },
    /// A file name that cannot name a file in the patch's folder.
    #[error("param `{param}`: {value} is not a usable file name: {reason}")]
    BadFileName {
        /// Parameter id.
        param: &'static str,
        /// The refused value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A display string that could not be read as a value of this parameter.
    #[error("param `{param}`: cannot read {text:?} as {expected}")]
    Unparsable {
        /// Parameter id.
        param: &'static str,
        /// The text given.
        text: String,
        /// What the parameter takes.
        expected: String,
    },
}

impl ParamSpec {
    /// The value a parameter starts at when the patch does not set it: `default`, or
    /// [`modulated_default`](Self::modulated_default) when the input port of the same id
    /// is connected. The engine and [`ModuleRunner`](crate::ModuleRunner) both use this.
    pub fn unset_value(&self, port_connected: bool) -> f32 {
        match (port_connected, self.modulated_default) {
            (true, Some(v)) => v,
            _ => self.default,
        }
    }

    /// The smallest and largest engine value of this parameter.
    pub fn bounds(&self) -> (f32, f32) {
        match self.kind {
            ParamKind::Float { min, max, .. } => (min, max),
            ParamKind::Int { min, max } => (min as f32, max as f32),
            ParamKind::Bool => (0.0, 1.0),
            ParamKind::Enum { variants } => (0.0, variants.len().saturating_sub(1) as f32),
            ParamKind::File { .. } => (0.0, 0.0),
        }
    }

    /// Clamps an engine value into range (used for modulated values, never for user input,
    /// which is refused instead).
    pub fn clamp(&self, value: f32) -> f32 {
        let (min, max) = self.bounds();
        value.clamp(min, max)
    }

    /// Describes the accepted range for messages: `20 .. 20000 Hz`, `"sine" | "saw"`.
    pub fn range_text(&self) -> String {
        match self.kind {
            ParamKind::Float { min, max, .. } => {
                format!("{} .. {}{}", min, max, unit_suffix(self.unit))
            }
            ParamKind::Int { min, max } => format!("{min} .. {max}"),
            ParamKind::Bool => "true | false".to_string(),
            ParamKind::Enum { variants } => variants
                .iter()
                .map(|v| format!("\"{v}\""))
                .collect::<Vec<_>>()
                .join(" | "),
            ParamKind::File { extensions } => format!(
                "a file name ({}) relative to the patch's folder",
                extensions
                    .iter()
                    .map(|e| format!(".{e}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn expected_text(&self) -> String {
        match self.kind {
            ParamKind::Float { .. } => format!("a number in {}", self.range_text()),
            ParamKind::Int { .. } => format!("a whole number in {}", self.range_text()),
            ParamKind::Bool => "true or false".to_string(),
            ParamKind::Enum { .. } => format!("one of {}", self.range_text()),
            ParamKind::File { .. } => self.range_text(),
        }
    }

    fn wrong_type(&self, value: &ParamValue) -> ParamError {
        ParamError::WrongType {
            param: self.id,
            expected: self.expected_text(),
            value: value.to_string(),
        }
    }

    fn out_of_range(&self, value: &ParamValue) -> ParamError {
        ParamError::OutOfRange {
            param: self.id,
            value: value.to_string(),
            range: self.range_text(),
        }
    }

    /// Checks a user value and converts it to its engine form.
    ///
    /// Floats take numbers in range; ints take whole numbers in range; bools take `true`,
    /// `false`, 0 or 1; enums take a variant name or its index. Anything else is refused.
    pub fn accept(&self, value: &ParamValue) -> Result<f32, ParamError> {
        match (self.kind, value) {
            (ParamKind::Float { min, max, .. }, ParamValue::Number(n)) => {
                // Compared as the engine will hold it: the bounds are f32, so `0.95` in
                // a file is the bound `0.95` itself, not a hair above it.
                let v = *n as f32;
                if n.is_finite() && v >= min && v <= max {
                    Ok(v)
                } else {
                    Err(self.out_of_range(value))
                }
            }
            (ParamKind::Int { min, max }, ParamValue::Number(n)) => {
                if n.fract() != 0.0 || !n.is_finite() {
                    Err(self.wrong_type(value))
                } else if *n >= min as f64 && *n <= max as f64 {
                    Ok(*n as f32)
                } else {
                    Err(self.out_of_range(value))
                }
            }
            (ParamKind::Bool, ParamValue::Bool(b)) => Ok(if *b { 1.0 } else { 0.0 }),
            (ParamKind::Bool, ParamValue::Number(n)) if *n == 0.0 || *n == 1.0 => Ok(*n as f32),
            (ParamKind::Enum { variants }, ParamValue::Text(s)) => variants
                .iter()
                .position(|v| v == s)
                .map(|i| i as f32)
                .ok_or_else(|| self.out_of_range(value)),
            (ParamKind::File { extensions }, ParamValue::Text(name)) => {
                file_name_problem(name, extensions).map_or(Ok(0.0), |reason| {
                    Err(ParamError::BadFileName {
                        param: self.id,
                        value: value.to_string(),
                        reason,
                    })
                })
            }
            (ParamKind::Enum { variants }, ParamValue::Number(n)) => {
                if n.fract() != 0.0 || !n.is_finite() {
                    Err(self.wrong_type(value))
                } else if *n >= 0.0 && (*n as usize) < variants.len() {
                    Ok(*n as f32)
                } else {
                    Err(self.out_of_range(value))
                }
            }
            _ => Err(self.wrong_type(value)),
        }
    }

    /// Converts an engine value back to the user form written in patch files
    /// (enum variants by name, bools as booleans). A file param's name is not an engine
    /// value: it gives an empty text, and callers keep the patch's own.
    pub fn to_value(&self, engine_value: f32) -> ParamValue {
        match self.kind {
            ParamKind::Float { .. } | ParamKind::Int { .. } => {
                ParamValue::Number(shortest_f64(engine_value))
            }
            ParamKind::Bool => ParamValue::Bool(engine_value >= 0.5),
            ParamKind::Enum { variants } => {
                let i = (engine_value.round().max(0.0) as usize).min(variants.len() - 1);
                ParamValue::Text(variants[i].to_string())
            }
            ParamKind::File { .. } => ParamValue::Text(String::new()),
        }
    }

    /// Maps a knob position `0..=1` onto the range along the taper (MIDI CC, UI knobs).
    /// Positions outside `0..=1` are clamped. Ints and enums round to the nearest step;
    /// bools switch on at 0.5.
    pub fn from_normalized(&self, normalized: f32) -> f32 {
        let n = normalized.clamp(0.0, 1.0);
        match self.kind {
            ParamKind::Float { min, max, taper } => match taper {
                Taper::Linear => min + n * (max - min),
                Taper::Logarithmic => (min * (max / min).powf(n)).clamp(min, max),
            },
            ParamKind::Int { min, max } => (min as f32 + n * (max - min) as f32).round(),
            ParamKind::Bool => {
                if n >= 0.5 {
                    1.0
                } else {
                    0.0
                }
            }
            ParamKind::Enum { variants } => (n * (variants.len() - 1) as f32).round(),
            ParamKind::File { .. } => 0.0,
        }
    }

    /// Inverse of [`from_normalized`](Self::from_normalized): where along the knob a value
    /// sits, in `0..=1`.
    pub fn to_normalized(&self, value: f32) -> f32 {
        let (min, max) = self.bounds();
        if max <= min {
            return 0.0;
        }
        let v = value.clamp(min, max);
        match self.kind {
            ParamKind::Float {
                taper: Taper::Logarithmic,
                ..
            } => (v / min).ln() / (max / min).ln(),
            _ => (v - min) / (max - min),
        }
    }

    /// Formats an engine value for people: `1800 Hz`, `0.25`, `on`, `pink`.
    pub fn display(&self, value: f32) -> String {
        match self.kind {
            ParamKind::Float { .. } => {
                format!("{}{}", format_number(value), unit_suffix(self.unit))
            }
            ParamKind::Int { .. } => format!("{}{}", value.round() as i64, unit_suffix(self.unit)),
            ParamKind::Bool => (if value >= 0.5 { "on" } else { "off" }).to_string(),
            ParamKind::Enum { .. } => match self.to_value(value) {
                ParamValue::Text(s) => s,
                other => other.to_string(),
            },
            ParamKind::File { .. } => "(file)".to_string(),
        }
    }

    /// Reads a display string back into an engine value, refusing what is out of range.
    ///
    /// Accepts what [`display`](Self::display) writes, with or without the unit, plus a `k`
    /// multiplier for Hz (`1.2k`, `1.2 kHz`), `true/false/1/0` for bools and variant names
    /// for enums.
    pub fn parse(&self, text: &str) -> Result<f32, ParamError> {
        let t = text.trim();
        let unparsable = || ParamError::Unparsable {
            param: self.id,
            text: text.to_string(),
            expected: self.expected_text(),
        };
        let value = match self.kind {
            ParamKind::Float { .. } | ParamKind::Int { .. } => {
                let mut body = t;
                if !self.unit.is_empty() {
                    body = body.strip_suffix(self.unit).unwrap_or(body).trim_end();
                }
                let mut scale = 1.0;
                if self.unit == "Hz" {
                    if let Some(b) = body.strip_suffix('k') {
                        body = b.trim_end();
                        scale = 1000.0;
                    }
                }
                let n: f64 = body.parse().map_err(|_| unparsable())?;
                ParamValue::Number(n * scale)
            }
            ParamKind::Bool => match t.to_ascii_lowercase().as_str() {
                "on" | "true" | "1" => ParamValue::Bool(true),
                "off" | "false" | "0" => ParamValue::Bool(false),
                _ => return Err(unparsable()),
            },
            ParamKind::Enum { .. } | ParamKind::File { .. } => {
                ParamValue::Text(t.trim_matches('"').to_string())
            }
        };
        self.accept(&value)
    }
}

/// Why `name` cannot name a file inside the patch's folder with one of `extensions`, if
/// it cannot: empty, absolute, climbing out with `..`, or another extension.
fn file_name_problem(name: &str, extensions: &[&str]) -> Option<String> {
    use std::path::{Component, Path};
    let path = Path::new(name);
    if name.trim().is_empty() {
        return Some("it is empty".to_string());
    }
    if path.is_absolute() || name.starts_with('/') || name.starts_with('\\') {
        return Some("it must be relative to the patch's folder".to_string());
    }
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Some("it must stay inside the patch's folder (no `..`)".to_string());
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext {
        Some(e) if extensions.contains(&e.as_str()) => None,
        _ => Some(format!(
            "the extension must be one of {}",
            extensions
                .iter()
                .map(|e| format!(".{e}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn unit_suffix(unit: &str) -> String {
    if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    }
}

/// Shortest decimal that reads back as the same `f32`.
fn format_number(value: f32) -> String {
    format!("{value}")
}

/// The `f64` of the shortest decimal that reads back as `value`: `0.3f32` is written to a
/// patch as `0.3`, not as its exact binary value `0.30000001192092896`.
pub fn shortest_f64(value: f32) -> f64 {
    format_number(value).parse().unwrap_or(value as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CUTOFF: ParamSpec = ParamSpec::float("cutoff", "Cutoff", 20.0, 20000.0, 1000.0)
        .log()
        .unit("Hz")
        .doc("Corner frequency.");
    const MIX: ParamSpec = ParamSpec::float("mix", "Mix", 0.0, 1.0, 0.3);
    const STEPS: ParamSpec = ParamSpec::int("steps", "Steps", 1, 64, 8);
    const SHAPE: ParamSpec = ParamSpec::choice("shape", "Shape", &["sine", "triangle", "saw"], 0);
    const ON: ParamSpec = ParamSpec::boolean("on", "On", false);

    #[test]
    fn builders_fill_every_field() {
        assert_eq!(CUTOFF.smoothing, Smoothing::Logarithmic(20.0));
        assert_eq!(
            CUTOFF.kind,
            ParamKind::Float {
                min: 20.0,
                max: 20000.0,
                taper: Taper::Logarithmic
            }
        );
        assert_eq!(CUTOFF.doc, "Corner frequency.");
        assert_eq!(STEPS.default, 8.0);
        assert_eq!(STEPS.smoothing, Smoothing::None);
        assert_eq!(ON.kind, ParamKind::Bool);
        assert_eq!(SHAPE.bounds(), (0.0, 2.0));
        assert_eq!(CUTOFF.modulated_default, None);
        assert_eq!(CUTOFF.modulated_default(0.0).modulated_default, Some(0.0));
    }

    #[test]
    fn log_taper_maps_knob_to_equal_ratios() {
        assert!((CUTOFF.from_normalized(0.0) - 20.0).abs() < 1e-3);
        assert!((CUTOFF.from_normalized(1.0) - 20000.0).abs() < 0.5);
        // Geometric middle of 20..20000 is 632.46 Hz.
        assert!((CUTOFF.from_normalized(0.5) - 632.455).abs() < 0.05);
        for n in [0.0, 0.1, 0.37, 0.5, 0.99, 1.0] {
            let back = CUTOFF.to_normalized(CUTOFF.from_normalized(n));
            assert!((back - n).abs() < 1e-5, "{n} -> {back}");
        }
    }

    #[test]
    fn linear_int_bool_enum_normalized_mappings() {
        assert_eq!(MIX.from_normalized(0.25), 0.25);
        assert_eq!(MIX.to_normalized(0.75), 0.75);
        assert_eq!(STEPS.from_normalized(0.0), 1.0);
        assert_eq!(STEPS.from_normalized(1.0), 64.0);
        assert_eq!(STEPS.from_normalized(0.5), 33.0); // 1 + 31.5 rounds to 33
        assert_eq!(ON.from_normalized(0.49), 0.0);
        assert_eq!(ON.from_normalized(0.5), 1.0);
        assert_eq!(SHAPE.from_normalized(0.0), 0.0);
        assert_eq!(SHAPE.from_normalized(0.5), 1.0);
        assert_eq!(SHAPE.from_normalized(1.0), 2.0);
        assert_eq!(SHAPE.to_normalized(2.0), 1.0);
        // Out-of-range knob positions clamp.
        assert_eq!(MIX.from_normalized(1.5), 1.0);
    }

    #[test]
    fn accept_refuses_out_of_range_with_param_value_and_range() {
        let err = CUTOFF.accept(&ParamValue::Number(5.0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "param `cutoff`: 5 is out of range 20 .. 20000 Hz"
        );
        assert!(matches!(
            err,
            ParamError::OutOfRange {
                param: "cutoff",
                ..
            }
        ));
        assert_eq!(CUTOFF.accept(&ParamValue::Number(1800.0)), Ok(1800.0));
        assert!(CUTOFF.accept(&ParamValue::Number(f64::NAN)).is_err());
    }

    #[test]
    fn a_bound_written_in_decimal_is_in_range() {
        // 0.95 as f64 lies a hair above the f32 bound 0.95: still the bound.
        let feedback = ParamSpec::float("feedback", "Feedback", 0.0, 0.95, 0.3);
        assert_eq!(feedback.accept(&ParamValue::Number(0.95)), Ok(0.95));
        let q = ParamSpec::float("q", "Q", 0.1, 20.0, 0.7);
        assert_eq!(q.accept(&ParamValue::Number(0.1)), Ok(0.1));
        assert!(feedback.accept(&ParamValue::Number(0.9501)).is_err());
        assert!(q.accept(&ParamValue::Number(0.0999)).is_err());
        assert!(q.accept(&ParamValue::Number(1e300)).is_err());
    }

    #[test]
    fn engine_values_go_back_as_their_shortest_decimal() {
        assert_eq!(MIX.to_value(0.3), ParamValue::Number(0.3));
        assert_eq!(shortest_f64(0.95), 0.95);
        assert_eq!(shortest_f64(1800.0), 1800.0);
        assert_eq!(shortest_f64(1e-7) as f32, 1e-7);
    }

    #[test]
    fn accept_refuses_wrong_types() {
        let err = CUTOFF.accept(&ParamValue::Text("loud".into())).unwrap_err();
        assert!(matches!(err, ParamError::WrongType { .. }));
        assert!(err.to_string().contains("cutoff"));
        assert!(err.to_string().contains("\"loud\""));
        assert!(matches!(
            STEPS.accept(&ParamValue::Number(2.5)),
            Err(ParamError::WrongType { .. })
        ));
        assert!(matches!(
            ON.accept(&ParamValue::Number(0.5)),
            Err(ParamError::WrongType { .. })
        ));
        assert_eq!(ON.accept(&ParamValue::Bool(true)), Ok(1.0));
    }

    #[test]
    fn enums_accept_names_and_indices() {
        assert_eq!(SHAPE.accept(&ParamValue::Text("saw".into())), Ok(2.0));
        assert_eq!(SHAPE.accept(&ParamValue::Number(1.0)), Ok(1.0));
        let err = SHAPE
            .accept(&ParamValue::Text("square".into()))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "param `shape`: \"square\" is out of range \"sine\" | \"triangle\" | \"saw\""
        );
        assert_eq!(SHAPE.to_value(2.0), ParamValue::Text("saw".into()));
    }

    #[test]
    fn display_and_parse_round_trip() {
        assert_eq!(CUTOFF.display(1800.0), "1800 Hz");
        assert_eq!(CUTOFF.parse("1800 Hz"), Ok(1800.0));
        assert_eq!(CUTOFF.parse("1800"), Ok(1800.0));
        assert_eq!(CUTOFF.parse("1.2k"), Ok(1200.0));
        assert_eq!(CUTOFF.parse("1.2 kHz"), Ok(1200.0));
        assert!(matches!(
            CUTOFF.parse("fast"),
            Err(ParamError::Unparsable { .. })
        ));
        assert!(matches!(
            CUTOFF.parse("2 Hz"),
            Err(ParamError::OutOfRange { .. })
        ));
        assert_eq!(MIX.display(0.25), "0.25");
        assert_eq!(MIX.parse(&MIX.display(0.3)), Ok(0.3));
        assert_eq!(ON.display(1.0), "on");
        assert_eq!(ON.parse("off"), Ok(0.0));
        assert_eq!(SHAPE.display(1.0), "triangle");
        assert_eq!(SHAPE.parse("triangle"), Ok(1.0));
        assert_eq!(STEPS.display(8.0), "8");
    }

    #[test]
    fn param_value_deserializes_untagged() {
        let v: ParamValue = ron::from_str("1800.0").unwrap();
        assert_eq!(v, ParamValue::Number(1800.0));
        let v: ParamValue = ron::from_str("\"pink\"").unwrap();
        assert_eq!(v, ParamValue::Text("pink".into()));
        let v: ParamValue = ron::from_str("true").unwrap();
        assert_eq!(v, ParamValue::Bool(true));
    }
}
