//! Why the controller refused a request. Every variant displays as one line naming what
//! was wrong; nothing changed.

use chronus_modules::ParamError;
use thiserror::Error;

use super::sequencer_build::BuildError;
use crate::engine::SendError;
use crate::graph::GraphError;
use crate::patch::PatchErrors;

impl From<BuildError> for ControlError {
    fn from(e: BuildError) -> Self {
        ControlError::Sequencer(e.to_string())
    }
}

/// A refused control request.
#[derive(Debug, Error)]
pub enum ControlError {
    /// The edit would make the patch invalid.
    #[error("{0}")]
    Patch(#[from] PatchErrors),
    /// The commit does not compile (a cycle, for example).
    #[error("{0}")]
    Graph(#[from] GraphError),
    /// The engine cannot take the command now.
    #[error("{0}")]
    Engine(#[from] SendError),
    /// Too many events are scheduled ahead already.
    #[error(
        "{0} events are scheduled ahead already (the most kept); send this one nearer its \
         time, or wait for some to come due"
    )]
    TooManyAhead(usize),
    /// A value refused by the param's spec.
    #[error("{0}")]
    Param(#[from] ParamError),
    /// No module with this id.
    #[error("no module \"{0}\" in the patch")]
    UnknownModule(String),
    /// The module has no such param.
    #[error("module \"{id}\" ({kind}) has no param \"{param}\"; its params: {}", .known.join(", "))]
    UnknownParam {
        /// Module id.
        id: String,
        /// Its kind.
        kind: String,
        /// The param asked for.
        param: String,
        /// Its params.
        known: Vec<&'static str>,
    },
    /// An external instrument (a `midi` backend) has no such param in its profile.
    #[error("instrument \"{instrument}\" has no param \"{param}\" in its profile; its params: {}", .known.join(", "))]
    UnknownBackendParam {
        /// The instrument id.
        instrument: String,
        /// The param asked for.
        param: String,
        /// The profile's params.
        known: Vec<String>,
    },
    /// A glide time that cannot be taken (out of range, or for a module's param).
    #[error("{0}")]
    Glide(String),
    /// A value for an external instrument's param outside 0..1.
    #[error("instrument \"{instrument}\": param \"{param}\" takes a number 0..1")]
    BackendValue {
        /// The instrument id.
        instrument: String,
        /// The param.
        param: String,
    },
    /// `create` with an id already used somewhere in the patch.
    #[error("module id \"{0}\" is already used in the patch")]
    DuplicateId(String),
    /// A port reference that is not `"id.port"`.
    #[error("\"{0}\" is not of the form \"id.port\"")]
    BadPortRef(String),
    /// The connection already exists.
    #[error("\"{0}\" is already connected to \"{1}\"")]
    AlreadyConnected(String, String),
    /// The connection to remove does not exist.
    #[error("\"{0}\" is not connected to \"{1}\"")]
    NotConnected(String, String),
    /// The two ends are in different graphs (main graph and a voice template).
    #[error("cannot connect \"{0}\" to \"{1}\": they are in different graphs (main graph and a voice template)")]
    AcrossGraphs(String, String),
    /// No instrument for a note.
    #[error("no instrument for {target}; instruments: {}", if .known.is_empty() { "none (the patch has no voice or instruments)".to_string() } else { .known.join(", ") })]
    NoInstrument {
        /// What was asked for.
        target: String,
        /// Instruments of the running patch.
        known: Vec<String>,
    },
    /// A note number outside 0–127.
    #[error("note {0} is out of range 0 .. 127")]
    NoteRange(i64),
    /// A tuning reference that is not a usable frequency.
    #[error("tuning reference A4 = {0} Hz is out of range (0 < A4 <= 2000 Hz)")]
    TuningRange(f32),
    /// A velocity outside 0..1.
    #[error("velocity {0} is out of range 0 .. 1")]
    VelocityRange(f32),
    /// A sequencer action while the running patch has no `sequence` section.
    #[error("the running patch has no sequence section, so there is no sequencer to control; add a `sequence: (...)` section to the patch, or route this control elsewhere in the config")]
    NoSequencer,
    /// A sequencer value out of range, or a sequence that cannot be built.
    #[error("{0}")]
    Sequencer(String),
    /// A commit that adds, removes or changes an instrument scsynth plays live.
    #[error("instrument \"{0}\": a supercollider instrument cannot be added, removed or changed while playing (scsynth plays the def it was given at start; /mod/{0}/NAME sets its controls); restart play to apply the change")]
    PinnedBackend(String),
}
