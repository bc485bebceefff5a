//! The patch model: plain data mirroring the RON format of docs/CONTRACTS.md §1.
//!
//! A [`PatchDesc`] is what users write, what OSC edits change in the standby slot and what
//! the graph compiler reads. Maps keep the order they were written in (the first
//! instrument is the default target of notes). Id maps refuse duplicate keys when
//! deserialized (see `unique_map.rs`) instead of keeping the last one, and unknown fields
//! (a misspelt `conections`) are refused instead of ignored.

use chronus_modules::ParamValue;
use indexmap::IndexMap;

use serde::{Deserialize, Serialize};

use super::backend::BackendDesc;
use super::sequence_enums::{Quantize, ScaleKind};
use super::sequence_settings::{IdleConfig, MutationConfig};
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
    /// The generative sequencer: with it, the patch plays by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<SequenceDesc>,
    /// The folder file params (a `sampler`'s `file`) are relative to: the patch file's
    /// folder when it was read from one, else `None` (the current directory). Not part of
    /// the format: never read from or written to a patch file.
    #[serde(skip)]
    pub folder: Option<std::path::PathBuf>,
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
    /// Where the notes are played; the internal engine when absent (see `backend.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<BackendDesc>,
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
            backend: None,
        }
    }
}

/// Voice stealing policy when every voice is busy. Written as a string in patch files
/// (`steal: "oldest"`, docs/CONTRACTS.md §1.4), so it has its own serde impls: a derived unit
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

/// A patch's `sequence` section: tracks of steps played into its instruments, and the
/// musical settings. Fields left out take the `sequencer` config (see
/// `seq::SequencerConfig`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequenceDesc {
    /// Tempo, 20–300 BPM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bpm: Option<f32>,
    /// Swing, 0–0.75 of a step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swing: Option<f32>,
    /// Density, 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub density: Option<f32>,
    /// Tempo drift depth, 0–0.25.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<f32>,
    /// Scale (`"minor"`); the first of `scales` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<ScaleKind>,
    /// The scale palette `scale_select` chooses from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scales: Vec<ScaleKind>,
    /// MIDI note of degree 0 (default 60, middle C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<u8>,
    /// When scale changes land: `"immediate"`, `"beat"` or `"bar"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantize: Option<Quantize>,
    /// Tracks by name, each played into one instrument.
    #[serde(default, deserialize_with = "unique_map::tracks")]
    pub tracks: IndexMap<String, TrackDesc>,
    /// Params the mutation engine may nudge, as `"id.param"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mutate: Vec<String>,
    /// Param values of the ambient profile, `"id.param": value`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub ambient: IndexMap<String, f64>,
    /// Mutation settings for this piece (the config's when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutation: Option<MutationConfig>,
    /// Idle settings for this piece (the config's when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle: Option<IdleConfig>,
}

/// One track of a `sequence`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackDesc {
    /// Instrument id (`voices` for the `voice` shorthand).
    pub instrument: String,
    /// Step length: `"1/4"`, `"1/8"`, `"1/16"` (default), `"1/32"`, or a triplet
    /// `"1/8t"`, `"1/16t"`.
    #[serde(default = "default_division")]
    pub division: String,
    /// Octave offset from the root, -4..4.
    #[serde(default)]
    pub octave: i8,
    /// Octaves the degrees fold into, 1–8.
    #[serde(default = "default_range")]
    pub range: u8,
    /// Shorthand steps: scale degrees and `.` for rests, `"0 . 2 4 . 7"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Steps written out one by one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepDesc>,
    /// A Euclidean rhythm instead: `(k: 3, n: 8, rotation: 0)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub euclid: Option<EuclidDesc>,
    /// Degrees the Euclidean hits cycle over (default `[0]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub degrees: Vec<i8>,
    /// Default step velocity, 0–1.
    #[serde(default = "default_velocity")]
    pub velocity: f32,
    /// Default gate, a fraction of the step (0.05–4).
    #[serde(default = "default_gate")]
    pub gate: f32,
    /// Default step probability, 0–1.
    #[serde(default = "default_probability")]
    pub probability: f32,
}

fn default_division() -> String {
    "1/16".to_string()
}
fn default_range() -> u8 {
    2
}
fn default_velocity() -> f32 {
    0.8
}
fn default_gate() -> f32 {
    0.5
}
fn default_probability() -> f32 {
    1.0
}

/// One written-out step; unset fields take the track's defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDesc {
    /// Scale degree.
    #[serde(default)]
    pub degree: i8,
    /// A rest.
    #[serde(default)]
    pub rest: bool,
    /// 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity: Option<f32>,
    /// Fraction of the step, 0.05–4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<f32>,
    /// 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f32>,
}

/// A Euclidean rhythm: `k` hits over `n` steps (1–64), rotated.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EuclidDesc {
    /// Hits, 0..=n.
    pub k: u32,
    /// Steps, 1–64; the config's `steps` (default 8) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Rotation in steps.
    #[serde(default)]
    pub rotation: u32,
}
