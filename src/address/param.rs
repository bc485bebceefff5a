//! [`ParamTarget`]: a param anywhere in a compiled graph, as indices (the program, the node
//! in run order, the param in its module's list). Indices point into one revision of the
//! graph; the graph's lineage moves them onto the next one. [`LiveTarget`]: a param
//! something moves live (the sequencer's lanes), a graph's or an external instrument's.

use super::instrument::InstrumentKey;

/// Which program a param target lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgramRef {
    /// The main graph.
    Main,
    /// Every voice of instrument `n`.
    Instrument(u16),
}

impl ProgramRef {
    /// The program's index among a graph's programs: 0 for the main graph, `n + 1` for
    /// instrument `n` (the order of the compiled graph's layouts).
    pub fn index(self) -> usize {
        match self {
            ProgramRef::Main => 0,
            ProgramRef::Instrument(n) => n as usize + 1,
        }
    }

    /// The program at `index` (see [`index`](Self::index)).
    pub fn from_index(index: usize) -> Self {
        match index {
            0 => ProgramRef::Main,
            k => ProgramRef::Instrument((k - 1) as u16),
        }
    }
}

/// Which param inside a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamSlot {
    /// Param `param` of the node at run-order index `node`.
    Module {
        /// Node index in the program (run order).
        node: u16,
        /// Param index in the module's `ModuleInfo::params`.
        param: u16,
    },
    /// The implicit `output` module's `volume`.
    OutputVolume,
}

/// A param anywhere in a graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamTarget {
    /// Main graph or an instrument's voices.
    pub program: ProgramRef,
    /// The param.
    pub slot: ParamSlot,
}

/// A param something moves live: one of a compiled graph's (in its own units), or one of
/// an instrument a backend outside the engine plays (a `midi` instrument's CC profile
/// param, by its index in the profile, 0..1 before the profile's curve).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveTarget {
    /// A param of the graph.
    Graph(ParamTarget),
    /// A param of an external instrument's backend.
    Backend {
        /// The instrument.
        instrument: InstrumentKey,
        /// Index of the param in the backend's list.
        param: u16,
    },
}
