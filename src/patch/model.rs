//! The patch model: plain data mirroring the RON format of CONTRACTS.md §1.
//!
//! A [`PatchDesc`] is what users write, what OSC edits change in the standby slot and what
//! the graph compiler reads. Maps keep the order they were written in (the first
//! instrument is the default target of notes). Id maps refuse duplicate keys when
//! deserialized (see `unique_map.rs`) instead of keeping the last one, and unknown fields
//! (a misspelt `conections`) are refused instead of ignored.

use chronus_modules::ParamValue;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::unique_map;

/// A whole patch: a main graph, and optionally one voice template or several instruments.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchDesc {
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Volume of the main graph's implicit `output` (0..4; 1 when absent). Live changes
    /// (`/mod/output/volume`) are recorded here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<f64>,
    /// Shorthand for one instrument with id `voices` on every channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<InstrumentDesc>,
    /// Named instruments, each a voice template of its own.
    #[serde(
        default,
        skip_serializing_if = "IndexMap::is_empty",
        deserialize_with = "unique_map::instruments"
    )]
    pub instruments: IndexMap<String, InstrumentDesc>,
    /// Modules of the main graph, by unique id.
    #[serde(default, deserialize_with = "unique_map::modules")]
    pub modules: IndexMap<String, ModuleDesc>,
    /// Connections of the main graph, source then destination.
    #[serde(default)]
    pub connections: Vec<Connection>,
}

/// A voice template: the modules and connections every voice of an instrument runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentDesc {
    /// Polyphony.
    #[serde(default = "default_voice_count")]
    pub count: usize,
    /// What a note does when every voice is busy.
    #[serde(default)]
    pub steal: Steal,
    /// MIDI channel 1–16 this instrument listens to; every channel when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<u8>,
    /// Modules of one voice, by id (unique across the whole patch).
    #[serde(default, deserialize_with = "unique_map::modules")]
    pub modules: IndexMap<String, ModuleDesc>,
    /// Connections inside one voice.
    #[serde(default)]
    pub connections: Vec<Connection>,
}

fn default_voice_count() -> usize {
    8
}

impl Default for InstrumentDesc {
    fn default() -> Self {
        InstrumentDesc {
            count: default_voice_count(),
            steal: Steal::default(),
            channel: None,
            modules: IndexMap::new(),
            connections: Vec::new(),
        }
    }
}

/// Voice stealing policy when every voice is busy. Written as a string in patch files
/// (`steal: "oldest"`, CONTRACTS.md §1), so it has its own serde impls: a derived unit
/// enum would be read and written by ron as a bare identifier (`steal: oldest`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Steal {
    /// Take the voice that started longest ago.
    #[default]
    Oldest,
    /// Take the voice with the lowest envelope level.
    Quietest,
    /// Drop the new note (counted).
    None,
}

impl Steal {
    /// Every policy, in the order they are documented.
    pub const ALL: [Steal; 3] = [Steal::Oldest, Steal::Quietest, Steal::None];

    /// The name used in patch files: `"oldest"`, `"quietest"` or `"none"`.
    pub fn name(self) -> &'static str {
        match self {
            Steal::Oldest => "oldest",
            Steal::Quietest => "quietest",
            Steal::None => "none",
        }
    }
}

impl std::str::FromStr for Steal {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Steal::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| {
                format!("unknown steal policy {s:?} (\"oldest\", \"quietest\" or \"none\")")
            })
    }
}

impl Serialize for Steal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Steal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One module instance: its kind and the params that differ from their defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleDesc {
    /// Registered kind name (`"saw"`).
    pub kind: String,
    /// Param id → value; unset params take their default.
    #[serde(
        default,
        skip_serializing_if = "IndexMap::is_empty",
        deserialize_with = "unique_map::params"
    )]
    pub params: IndexMap<String, ParamValue>,
}

impl ModuleDesc {
    /// A module of `kind` with every param at its default.
    pub fn new(kind: impl Into<String>) -> Self {
        ModuleDesc {
            kind: kind.into(),
            params: IndexMap::new(),
        }
    }
}

/// One end of a connection: `"id.port"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PortRef {
    /// Module id.
    pub module: String,
    /// Port id.
    pub port: String,
}

/// A connection, source then destination. Several sources into one input are summed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Connection(pub PortRef, pub PortRef);

impl Connection {
    /// The source (`from`) end.
    pub fn from(&self) -> &PortRef {
        &self.0
    }

    /// The destination (`to`) end.
    pub fn to(&self) -> &PortRef {
        &self.1
    }
}

impl PortRef {
    /// `module.port`.
    pub fn new(module: impl Into<String>, port: impl Into<String>) -> Self {
        PortRef {
            module: module.into(),
            port: port.into(),
        }
    }
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.module, self.port)
    }
}

impl std::str::FromStr for PortRef {
    type Err = String;

    /// Reads `"id.port"`; the id may not be empty and the port is what follows the last dot.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.rsplit_once('.') {
            Some((m, p)) if !m.is_empty() && !p.is_empty() => Ok(PortRef::new(m, p)),
            _ => Err(format!("`{s}` is not of the form \"id.port\"")),
        }
    }
}

impl Serialize for PortRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PortRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
