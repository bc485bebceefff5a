//! [`ParamTarget`]: a param anywhere in a compiled graph, as indices (the program, the node
//! in run order, the param in its module's list). Indices point into one revision of the
//! graph; the graph's lineage moves them onto the next one.

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
