//! Compiling a patch into a [`CompiledGraph`]: petgraph topological order, cycle errors,
//! fan-in sums, a liveness buffer plan, module instantiation, and the decision between
//! carrying state over and crossfading at the swap.
//!
//! - [`plan`]: order, cycles and buffers of one program (plain data).
//! - [`compile`](mod@compile): a [`PatchDesc`](crate::patch::PatchDesc) into a graph.
//! - [`check`](mod@check): everything `chronus check` verifies, errors placed in the file.
//! - [`compiled`]: the structures the engine runs.
//! - [`voice_state`], [`channel_state`], [`tuning`]: the plain playing state a compiled
//!   graph carries for its voices and instruments (the engine changes it, the compiler
//!   allocates it and a swap carries it over).
//! - [`lineage`]: what a new graph's nodes and params were in the graph before it.
//! - [`budget`]: the module state a graph will hold, bounded before it is built.
//! - `files`: the files file params name, decoded once per compilation and handed to
//!   their modules.
//! - [`dot`]: Graphviz export for `chronus graph`.
//! - [`error`](mod@error): [`GraphError`].

pub mod budget;
pub mod channel_state;
pub mod check;
pub mod compile;
pub mod compiled;
pub mod dot;
pub mod error;
mod files;
pub mod lineage;
pub mod plan;
pub mod tuning;
pub mod voice_state;

pub use channel_state::{ChannelState, Glide};
pub use check::{check, check_in};
pub use compile::{compile, instance_seed, takeover, CompileOptions};
pub use compiled::{
    CompiledGraph, Instrument, Layout, Node, NoteOutput, OutputStage, Program, SourceSlot,
    StealPolicy, Step, Takeover, Voice, ZERO_BUFFER,
};
pub use dot::to_dot;
pub use error::GraphError;
pub use lineage::{Lineage, ProgramLineage};
pub use tuning::NoteTable;
pub use voice_state::{VoicePhase, VoiceState};
