//! Why a patch could not be compiled.

use thiserror::Error;

use crate::patch::{PatchError, PatchErrorKind, PatchErrors};

/// A compile error. Nothing was sent to the engine; the running sound continues.
#[derive(Debug, Error)]
pub enum GraphError {
    /// The patch refers to something that does not exist or has a bad value.
    #[error("{0}")]
    Invalid(PatchErrors),
    /// Connections form a loop; audio graphs must be acyclic. [`compile`](super::compile::compile)
    /// reports it as a patch error (`PatchErrorKind::Cycle`), which `chronus check` can
    /// place in the file.
    #[error("cycle through modules {}", .modules.iter().chain(.modules.first()).map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(" -> "))]
    Cycle {
        /// Ids of the modules on the cycle.
        modules: Vec<String>,
    },
    /// The patch refers to something the compiler cannot resolve (validation normally
    /// reports it first).
    #[error("{0}")]
    Unresolved(String),
    /// The modules would hold more state than a graph may (see
    /// [`MAX_GRAPH_STATE_BYTES`](super::budget::MAX_GRAPH_STATE_BYTES)).
    #[error(
        "the patch's modules would hold {} MiB of state (delay lines, reverbs; each voice its \
         own); at most {} MiB per graph: use fewer voices or fewer delays",
        .bytes.div_ceil(1 << 20), .max >> 20
    )]
    TooLarge {
        /// Bytes the graph would hold.
        bytes: usize,
        /// The most allowed.
        max: usize,
    },
    /// A module refused the sample rate or block size it was prepared with.
    #[error("sample rate {0} Hz is not usable (must be between 8000 and 384000)")]
    SampleRate(f32),
}

impl GraphError {
    /// A [`Cycle`](Self::Cycle) as the patch error users see (`PatchErrorKind::Cycle`,
    /// which `chronus check` places in the file); any other error as it is.
    pub fn cycle_as_patch_error(self) -> GraphError {
        match self {
            GraphError::Cycle { modules } => {
                GraphError::Invalid(PatchErrors(vec![PatchError::new(PatchErrorKind::Cycle {
                    modules,
                })]))
            }
            other => other,
        }
    }
}
