//! The [`Module`] trait every DSP module implements, and the static [`ModuleInfo`] that
//! describes a module kind: its ports, parameters and roles.
//!
//! # The real-time split
//! - Construction (the registry's constructor) and [`Module::prepare`] run on a control
//!   thread and may allocate: size delay lines, build tables.
//! - [`Module::process`] and [`Module::reset`] run on the audio thread and must not
//!   allocate, free, lock, block, do I/O or log. Tests run every built-in kind under
//!   `assert_no_alloc` to prove it.

use std::any::Any;
use std::sync::Arc;

use crate::audio_file::AudioFile;

use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::param::ParamSpec;
use crate::role::Role;

/// Static description of one port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortSpec {
    /// Stable id used in patch connections (`"cutoff"` in `"vcf.cutoff"`).
    pub id: &'static str,
    /// One-line description, including how the signal is used (adds Hz, multiplies...).
    pub doc: &'static str,
}

/// Static description of a module kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModuleInfo {
    /// Kind name used in patch files (`"lowpass"`).
    pub kind: &'static str,
    /// One-line description.
    pub doc: &'static str,
    /// Input ports, in the order [`Inputs::port`] indexes them.
    pub inputs: &'static [PortSpec],
    /// Output ports, in the order [`Outputs::port`] indexes them.
    pub outputs: &'static [PortSpec],
    /// Parameters, in the order [`Params::block`] indexes them.
    ///
    /// A parameter with an input port of the same id is modulated by that port: the engine
    /// adds the port's signal to the parameter value (in the parameter's unit) and clamps
    /// the sum to the parameter's range before `process` sees it.
    pub params: &'static [ParamSpec],
    /// What the kind is to the host beyond its ports and params (see [`Role`]); most kinds
    /// have none (`&[]`).
    pub roles: &'static [Role],
}

impl ModuleInfo {
    /// Index of the input port `id`.
    pub fn input(&self, id: &str) -> Option<usize> {
        self.inputs.iter().position(|p| p.id == id)
    }

    /// Index of the output port `id`.
    pub fn output(&self, id: &str) -> Option<usize> {
        self.outputs.iter().position(|p| p.id == id)
    }

    /// Index of the parameter `id`.
    pub fn param(&self, id: &str) -> Option<usize> {
        self.params.iter().position(|p| p.id == id)
    }

    /// The spec of the parameter `id`.
    pub fn param_spec(&self, id: &str) -> Option<&'static ParamSpec> {
        self.params.iter().find(|p| p.id == id)
    }

    /// For each input port, the index of the parameter it modulates (same id), if any.
    pub fn modulated_param(&self, input: usize) -> Option<usize> {
        self.param(self.inputs[input].id)
    }

    /// Whether the kind plays `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A DSP module: one instance per node in a compiled graph (and per voice).
///
/// Implementors get [`StateHandOver`] for free; see there for how a graph swap keeps an
/// oscillator's phase.
pub trait Module: StateHandOver + Send + 'static {
    /// The static description of this module's kind.
    fn info(&self) -> &'static ModuleInfo;

    /// Prepares for processing at `sample_rate` with blocks of at most `max_block` frames
    /// (`<= MAX_BLOCK`). Called on a control thread before the first `process`, and again
    /// whenever the sample rate changes. **May allocate.** The default does nothing: a
    /// kind without state (or with nothing sized by the rate) keeps it.
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        let _ = (sample_rate, max_block);
    }

    /// The bytes [`prepare`](Self::prepare) allocates for this instance's state at
    /// `sample_rate` (delay lines, tables): the host adds them up over a graph's instances
    /// and refuses a graph too large *before* building it. The default, 0, is right for a
    /// kind whose state is a few fields; a kind that allocates in `prepare` says how much,
    /// computed by the same function `prepare` sizes its buffers with.
    fn state_bytes(&self, sample_rate: f32) -> usize {
        let _ = sample_rate;
        0
    }

    /// Processes one block of `ctx.frames` frames: reads `inputs` and `params`, writes every
    /// frame of every output. **Real-time: called on the audio thread; must not allocate,
    /// free, lock, block, do I/O or log.**
    fn process(
        &mut self,
        ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    );

    /// Takes the decoded file of its [`File`](crate::ParamKind::File) param `param` (an
    /// index into [`ModuleInfo::params`]). Called by the host on a control thread after
    /// [`prepare`](Self::prepare) and [`seed`](Self::seed), once per file param the patch
    /// sets; every voice gets the same shared file. **May allocate.** An `Err` refuses the
    /// file (too many channels, too short...) with a reason the host shows with the module
    /// and param. The default refuses: a kind with a file param implements this.
    ///
    /// The file belongs to the instance, not to the graph's params: the host treats a node
    /// whose file changed as a new node, so a state hand-over never carries an old file
    /// into a graph that names another.
    fn load_file(&mut self, param: usize, file: Arc<AudioFile>) -> Result<(), String> {
        let _ = (param, file);
        Err(format!("`{}` takes no file", self.info().kind))
    }

    /// Seeds the module's randomness (noise, random LFO steps) so renders are repeatable:
    /// the host derives one seed per instance from the patch seed (`--seed`), the module id
    /// and the voice. Called on a control thread after `prepare`; [`reset`](Self::reset)
    /// returns to this seed. Modules without randomness keep the default, which ignores it.
    fn seed(&mut self, seed: u64) {
        let _ = seed;
    }

    /// Returns to the state right after `prepare` (silence, phase 0, empty delay lines), so
    /// that processing the same input again gives the same output. **Real-time: must not
    /// allocate, free, lock or block.** The default does nothing: right for a kind without
    /// state.
    fn reset(&mut self) {}
}

/// State hand-over between two instances of the same kind, implemented for every
/// [`Module`].
///
/// When a graph swap replaces a node by one with the same id and kind, the engine calls
/// `new.take_state(old)`: the two instances trade places wholesale, so the running sound
/// (oscillator phase, filter memory, delay lines, envelope stage) continues in the new
/// graph, and the fresh instance goes back to the control thread with the old graph to be
/// dropped there. This is exact because a kind's constructor takes no arguments and both
/// instances were prepared at the same sample rate; parameters live in the graph, not in
/// the module. **Real-time: swaps in place, never allocates.**
pub trait StateHandOver {
    /// Takes over `previous`'s state if it is the same concrete type; returns whether it
    /// did.
    fn take_state(&mut self, previous: &mut dyn Module) -> bool;

    /// `self` as `Any`, for downcasting in tests and in `take_state`.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Module> StateHandOver for T {
    fn take_state(&mut self, previous: &mut dyn Module) -> bool {
        match previous.as_any_mut().downcast_mut::<T>() {
            Some(prev) => {
                std::mem::swap(self, prev);
                true
            }
            None => false,
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
