//! CC profiles: how a synth's params are reached over MIDI. A [`Profile`] is a list of
//! named [`ProfileParam`]s, each a controller ([`Control`]: a 7-bit CC, a 14-bit CC pair
//! or an NRPN), a range of values and a [`Curve`] that maps the 0..1 Chronus sends
//! (`/mod/nts1/cutoff 0.75`) onto that range.
//!
//! Curves, for x in 0..1 (`lo`, `hi` the range; the result is rounded to the nearest
//! integer):
//!
//! | curve | value | x = 0, 0.5, 1 on 0..127 |
//! |---|---|---|
//! | `linear` | lo + (hi − lo)·x | 0, 64, 127 |
//! | `exponential` | lo + (hi − lo)·x² | 0, 32, 127 |
//! | `logarithmic` | lo + (hi − lo)·√x | 0, 90, 127 |
//! | `stepped(n)` | step i = min(⌊x·n⌋, n − 1) of n evenly spaced values lo .. hi | n = 4: 0, 85, 127 |
//!
//! Param names use the built-in modules' param ids where the meaning matches (`cutoff`,
//! `resonance`, `attack`, `decay`, `sustain`, `release`), so one name means one thing
//! everywhere. The built-in profiles are in [`builtin`](super::builtin); custom ones come
//! from the config's `cc_profiles` section ([`ProfileDesc`]).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// How a param value travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// A 7-bit control change.
    Cc(u8),
    /// A 14-bit pair: `msb` (0–31) then its LSB controller `msb + 32`.
    Cc14(u8),
    /// A non-registered parameter number (0–16383): CC 99/98 select it, CC 6/38 carry a
    /// 14-bit value.
    Nrpn(u16),
}

impl Control {
    /// The largest value this control carries (127 or 16383).
    pub fn max(self) -> u16 {
        match self {
            Control::Cc(_) => 127,
            Control::Cc14(_) | Control::Nrpn(_) => 16_383,
        }
    }
}

/// A curve from 0..1 to a param's range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    /// Straight.
    Linear,
    /// x²: fine control at the bottom (filter cutoffs, times).
    Exponential,
    /// √x: fine control at the top.
    Logarithmic,
    /// `n` evenly spaced values (a switch or a type selector), n ≥ 1.
    Stepped(u16),
}

impl Curve {
    /// Parses `linear`, `exponential`, `logarithmic` or `stepped(N)` (N 1–16384).
    pub fn parse(text: &str) -> Result<Curve, String> {
        let t = text.trim();
        match t {
            "linear" => return Ok(Curve::Linear),
            "exponential" => return Ok(Curve::Exponential),
            "logarithmic" => return Ok(Curve::Logarithmic),
            _ => {}
        }
        if let Some(n) = t.strip_prefix("stepped(").and_then(|r| r.strip_suffix(')')) {
            if let Ok(n) = n.trim().parse::<u16>() {
                if (1..=16_384).contains(&n) {
                    return Ok(Curve::Stepped(n));
                }
            }
            return Err(format!("stepped({n}): the number of steps is 1 .. 16384"));
        }
        Err(format!(
            "unknown curve {t:?} (\"linear\", \"exponential\", \"logarithmic\" or \"stepped(N)\")"
        ))
    }

    /// Maps `x` (clamped to 0..1; NaN is 0) to `lo ..= hi`.
    pub fn map(self, x: f32, lo: u16, hi: u16) -> u16 {
        let x = if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) } as f64;
        let span = hi as f64 - lo as f64;
        let y = match self {
            Curve::Linear => x,
            Curve::Exponential => x * x,
            Curve::Logarithmic => x.sqrt(),
            Curve::Stepped(n) => {
                if n <= 1 {
                    0.0
                } else {
                    let i = ((x * n as f64).floor()).min(n as f64 - 1.0);
                    i / (n as f64 - 1.0)
                }
            }
        };
        (lo as f64 + span * y).round().clamp(0.0, u16::MAX as f64) as u16
    }
}

impl std::fmt::Display for Curve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Curve::Linear => f.write_str("linear"),
            Curve::Exponential => f.write_str("exponential"),
            Curve::Logarithmic => f.write_str("logarithmic"),
            Curve::Stepped(n) => write!(f, "stepped({n})"),
        }
    }
}

/// Where a param is taken to start, 0..1, when a profile does not say: the middle of its
/// range (see [`ProfileParam::initial`]).
pub const DEFAULT_INITIAL: f32 = 0.5;

/// One param of a profile.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileParam {
    /// Its name (`cutoff`).
    pub name: String,
    /// Where it goes.
    pub control: Control,
    /// Lowest value sent.
    pub lo: u16,
    /// Highest value sent.
    pub hi: u16,
    /// How 0..1 maps onto `lo ..= hi`.
    pub curve: Curve,
    /// Where the param is taken to start, 0..1, until Chronus has sent it a value (the
    /// synth's own value is unknown: MIDI does not tell): a glide's start and a
    /// sequencer lane's first value. [`DEFAULT_INITIAL`] unless the profile says.
    pub initial: f32,
}

impl ProfileParam {
    /// The value sent for `x` in 0..1.
    pub fn value(&self, x: f32) -> u16 {
        self.curve.map(x, self.lo, self.hi)
    }
}

/// A synth's params.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// The name patches use (`korg_nts1_mk2`).
    pub id: String,
    /// What it is (`Korg NTS-1 digital kit mk2`).
    pub name: String,
    /// Its params, in order (a param's index is its place here).
    pub params: Vec<ProfileParam>,
}

impl Profile {
    /// The param called `name`, with its index.
    pub fn param(&self, name: &str) -> Option<(usize, &ProfileParam)> {
        self.params.iter().enumerate().find(|(_, p)| p.name == name)
    }

    /// Every param's name, in order.
    pub fn names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.name.clone()).collect()
    }

    /// Every param's [`initial`](ProfileParam::initial) value, in order.
    pub fn initials(&self) -> Vec<f32> {
        self.params.iter().map(|p| p.initial).collect()
    }
}

/// A custom profile as written in the config's `cc_profiles` section:
/// `"my_synth": (name: "My Synth", params: {"cutoff": (cc: 74, range: (0, 127), curve: "exponential")})`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileDesc {
    /// What the synth is.
    #[serde(default)]
    pub name: String,
    /// Params by name.
    #[serde(default)]
    pub params: IndexMap<String, ParamDesc>,
}

/// One param of a custom profile: exactly one of `cc`, `cc14`, `nrpn`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDesc {
    /// A 7-bit CC, 0–127.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc: Option<u32>,
    /// A 14-bit CC pair by its MSB controller, 0–31 (LSB is `cc14 + 32`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc14: Option<u32>,
    /// An NRPN, 0–16383.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nrpn: Option<u32>,
    /// Values sent, `(lo, hi)`; the control's whole range when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<(u32, u32)>,
    /// `linear` (default), `exponential`, `logarithmic`, `stepped(N)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// Where the param is taken to start, 0..1 (default 0.5), until Chronus sends it a
    /// value: a glide's start, a sequencer lane's first value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<f64>,
}

/// A problem in a custom param: which field (for its position) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamIssue {
    /// `cc`, `cc14`, `nrpn`, `range`, `curve`, `initial`, or `None` for the param itself.
    pub field: Option<&'static str>,
    /// One line.
    pub message: String,
}

impl ParamDesc {
    /// The param this describes, or what is wrong with it.
    pub fn build(&self, name: &str) -> Result<ProfileParam, ParamIssue> {
        let issue = |field, message: String| ParamIssue { field, message };
        let control = match (self.cc, self.cc14, self.nrpn) {
            (Some(cc), None, None) if cc <= 127 => Control::Cc(cc as u8),
            (Some(cc), None, None) => {
                return Err(issue(
                    Some("cc"),
                    format!("cc {cc} is out of range 0 .. 127"),
                ))
            }
            (None, Some(msb), None) if msb <= 31 => Control::Cc14(msb as u8),
            (None, Some(msb), None) => {
                return Err(issue(
                    Some("cc14"),
                    format!(
                        "cc14 {msb} is out of range 0 .. 31 (the MSB controller of a 14-bit pair)"
                    ),
                ))
            }
            (None, None, Some(n)) if n <= 16_383 => Control::Nrpn(n as u16),
            (None, None, Some(n)) => {
                return Err(issue(
                    Some("nrpn"),
                    format!("nrpn {n} is out of range 0 .. 16383"),
                ))
            }
            _ => {
                return Err(issue(
                    None,
                    format!("param {name:?} needs exactly one of `cc`, `cc14`, `nrpn`"),
                ))
            }
        };
        let (lo, hi) = self.range.unwrap_or((0, control.max() as u32));
        if lo > hi || hi > control.max() as u32 {
            return Err(issue(
                Some("range"),
                format!(
                    "range ({lo}, {hi}) must be (lo, hi) with lo <= hi <= {}",
                    control.max()
                ),
            ));
        }
        let curve = match &self.curve {
            Some(c) => Curve::parse(c).map_err(|m| issue(Some("curve"), m))?,
            None => Curve::Linear,
        };
        let initial = match self.initial {
            Some(x) if (0.0..=1.0).contains(&x) => x as f32,
            Some(x) => {
                return Err(issue(
                    Some("initial"),
                    format!("initial {x} is out of range 0 .. 1"),
                ))
            }
            None => DEFAULT_INITIAL,
        };
        Ok(ProfileParam {
            name: name.to_string(),
            control,
            lo: lo as u16,
            hi: hi as u16,
            curve,
            initial,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_map_the_documented_points() {
        let at = |c: Curve| [0.0, 0.5, 1.0].map(|x| c.map(x, 0, 127));
        assert_eq!(at(Curve::Linear), [0, 64, 127]);
        assert_eq!(at(Curve::Exponential), [0, 32, 127]);
        assert_eq!(at(Curve::Logarithmic), [0, 90, 127]);
        assert_eq!(at(Curve::Stepped(4)), [0, 85, 127]);
        assert_eq!(at(Curve::Stepped(1)), [0, 0, 0]);
        assert_eq!(Curve::Linear.map(f32::NAN, 10, 20), 10);
        assert_eq!(Curve::Linear.map(2.0, 10, 20), 20);
        assert_eq!(Curve::Linear.map(0.5, 0, 16_383), 8_192);
    }

    #[test]
    fn curve_names_round_trip() {
        for c in [
            Curve::Linear,
            Curve::Exponential,
            Curve::Logarithmic,
            Curve::Stepped(7),
        ] {
            assert_eq!(Curve::parse(&c.to_string()), Ok(c));
        }
        assert!(Curve::parse("stepped(0)").is_err());
        assert!(Curve::parse("expo").unwrap_err().contains("unknown curve"));
    }

    #[test]
    fn custom_params_are_checked() {
        let p = ParamDesc {
            cc: Some(74),
            cc14: None,
            nrpn: None,
            range: Some((0, 127)),
            curve: Some("exponential".into()),
            initial: None,
        };
        assert_eq!(p.build("cutoff").unwrap().value(0.5), 32);
        assert_eq!(p.build("cutoff").unwrap().initial, DEFAULT_INITIAL);
        let low = ParamDesc {
            initial: Some(0.25),
            ..p.clone()
        };
        assert_eq!(low.build("cutoff").unwrap().initial, 0.25);
        let out = ParamDesc {
            initial: Some(1.5),
            ..p.clone()
        };
        assert_eq!(out.build("x").unwrap_err().field, Some("initial"));
        let both = ParamDesc {
            cc14: Some(1),
            ..p.clone()
        };
        assert_eq!(both.build("x").unwrap_err().field, None);
        let wide = ParamDesc {
            range: Some((0, 200)),
            ..p.clone()
        };
        assert_eq!(wide.build("x").unwrap_err().field, Some("range"));
        let cc = ParamDesc { cc: Some(128), ..p };
        assert_eq!(cc.build("x").unwrap_err().field, Some("cc"));
    }
}
