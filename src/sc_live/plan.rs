//! What the live backend is told of each `supercollider` instrument: the def it plays
//! (compiled from the voice template, or the user's from the SynthDef folder), its voice
//! count and steal policy, and the controls `/mod` may set.

use crate::patch::Steal;

/// The controls every note sets itself (`/mod` does not reach them).
pub const NOTE_CONTROLS: [&str; 6] = ["freq", "amp", "gate", "pan", "pressure", "out"];

/// One control `/mod/{instrument}/{name}` sets.
#[derive(Clone, Debug, PartialEq)]
pub struct ScControl {
    /// The control's name in the def (`filter.cutoff` for a compiled template).
    pub name: String,
    /// The param's range when the def was compiled from a template (values are clamped to
    /// it); `None` for a user's def (any finite value).
    pub range: Option<(f32, f32)>,
}

/// One `supercollider` instrument as the live backend plays it.
#[derive(Clone, Debug, PartialEq)]
pub struct ScInstrument {
    /// The instrument's id in the patch.
    pub id: String,
    /// The def `/s_new` names.
    pub def: String,
    /// The def's SCgf bytes, sent with `/d_recv`; `None` for a def of the SynthDef folder
    /// (loaded with `/d_loadDir`).
    pub bytes: Option<Vec<u8>>,
    /// Voices at once (the instrument's `count`).
    pub count: usize,
    /// Which held voice a note takes when all are busy.
    pub steal: Steal,
    /// The controls `/mod` may set, beyond the note's own ([`NOTE_CONTROLS`]).
    pub controls: Vec<ScControl>,
}
