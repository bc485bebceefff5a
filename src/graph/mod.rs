//! Compiling a patch into a [`CompiledGraph`]: petgraph topological order, cycle errors,
//! fan-in sums, a liveness buffer plan, module instantiation, and the decision between
//! carrying state over and crossfading at the swap.
//!
//! - [`plan`]: order, cycles and buffers of one program (plain data).
//! - [`compile`](mod@compile): a [`PatchDesc`](crate::patch::PatchDesc) into a graph.
//! - [`check`](mod@check): everything `chronus check` verifies, errors placed in the file.
//! - [`compiled`]: the structures the engine runs.
//! - [`lineage`]: what a new graph's nodes and params were in the graph before it.
//! - [`dot`]: Graphviz export for `chronus graph`.
//! - [`error`](mod@error): [`GraphError`].

pub mod check;
pub mod compile;
pub mod compiled;
pub mod dot;
pub mod error;
pub mod lineage;
pub mod plan;

pub use check::check;
pub use compile::{compile, instance_seed, takeover, CompileOptions};
pub use compiled::{
    CompiledGraph, Instrument, Layout, Node, NoteOutput, OutputStage, Program, SourceSlot, Step,
    Takeover, Voice, ZERO_BUFFER,
};
pub use dot::to_dot;
pub use error::GraphError;
pub use lineage::{Lineage, ProgramLineage};
