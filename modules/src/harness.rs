//! [`ModuleRunner`]: runs one module offline, outside any graph, exactly as the engine
//! would (same parameter smoothing and modulation), in blocks of a chosen size.
//!
//! For tests, benchmarks and module authors checking their own module. Not real-time
//! code: `run` allocates its result.

use crate::io::{
    new_block, BlockBuf, Inputs, Outputs, ParamBlock, Params, ProcessContext, MAX_BLOCK,
};
use crate::module::{Module, ModuleInfo};
use crate::param::{ParamError, ParamValue};
use crate::registry::Registry;
use crate::smoother::Smoother;

/// Why a runner could not be set up or a parameter set.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The kind is not in the registry.
    #[error("unknown module kind `{0}`")]
    UnknownKind(String),
    /// The module has no parameter of that id.
    #[error("module `{kind}` has no param `{param}`")]
    UnknownParam {
        /// Module kind.
        kind: &'static str,
        /// Parameter id asked for.
        param: String,
    },
    /// The value was refused by the parameter's spec.
    #[error(transparent)]
    Param(#[from] ParamError),
}

/// One prepared module with its own buffers and parameter smoothers.
pub struct ModuleRunner {
    module: Box<dyn Module>,
    info: &'static ModuleInfo,
    sample_rate: f32,
    sample_time: u64,
    /// Input buffers: one per input port, then one zeroed buffer for unconnected ports.
    inputs: Vec<BlockBuf>,
    /// Port → buffer index for the current run (ports not fed read the zeroed buffer).
    ports: Vec<usize>,
    outputs: Vec<BlockBuf>,
    smoothers: Vec<Smoother>,
    /// Params given a value with `set`/`glide`; the others start at
    /// [`ParamSpec::unset_value`](crate::ParamSpec::unset_value), like in a patch.
    explicit: Vec<bool>,
    param_blocks: Vec<ParamBlock>,
}

impl ModuleRunner {
    /// Prepares `module` at `sample_rate` for blocks up to [`MAX_BLOCK`], with every
    /// parameter at its default.
    pub fn new(mut module: Box<dyn Module>, sample_rate: f32) -> Self {
        let info = module.info();
        module.prepare(sample_rate, MAX_BLOCK);
        ModuleRunner {
            module,
            info,
            sample_rate,
            sample_time: 0,
            inputs: (0..=info.inputs.len()).map(|_| new_block()).collect(),
            ports: vec![info.inputs.len(); info.inputs.len()],
            outputs: info.outputs.iter().map(|_| new_block()).collect(),
            smoothers: info
                .params
                .iter()
                .map(|p| Smoother::new(p.smoothing, sample_rate, p.default))
                .collect(),
            explicit: vec![false; info.params.len()],
            param_blocks: info
                .params
                .iter()
                .map(|p| ParamBlock::constant(p.default))
                .collect(),
        }
    }

    /// A runner for a registered kind.
    pub fn for_kind(
        registry: &Registry,
        kind: &str,
        sample_rate: f32,
    ) -> Result<Self, RunnerError> {
        let module = registry
            .create(kind)
            .ok_or_else(|| RunnerError::UnknownKind(kind.to_string()))?;
        Ok(Self::new(module, sample_rate))
    }

    /// The module's static description.
    pub fn info(&self) -> &'static ModuleInfo {
        self.info
    }

    /// The module itself.
    pub fn module_mut(&mut self) -> &mut dyn Module {
        self.module.as_mut()
    }

    fn param_index(&self, id: &str) -> Result<usize, RunnerError> {
        self.info
            .param(id)
            .ok_or_else(|| RunnerError::UnknownParam {
                kind: self.info.kind,
                param: id.to_string(),
            })
    }

    /// Sets a parameter at once (no glide), validated like a patch value.
    pub fn set(&mut self, id: &str, value: impl Into<ParamValue>) -> Result<(), RunnerError> {
        let i = self.param_index(id)?;
        let v = self.info.params[i].accept(&value.into())?;
        self.smoothers[i].jump(v);
        self.explicit[i] = true;
        Ok(())
    }

    /// Sets a parameter's target: it glides there per its `Smoothing`, as a live change in
    /// the engine would.
    pub fn glide(&mut self, id: &str, value: impl Into<ParamValue>) -> Result<(), RunnerError> {
        let i = self.param_index(id)?;
        let v = self.info.params[i].accept(&value.into())?;
        self.smoothers[i].set_target(v);
        self.explicit[i] = true;
        Ok(())
    }

    /// Resets the module (as on the audio thread) and rewinds the sample clock.
    pub fn reset(&mut self) {
        self.module.reset();
        self.sample_time = 0;
    }

    /// Processes `frames` frames in blocks of `block` (1..=MAX_BLOCK) frames.
    ///
    /// `inputs[i]` feeds input port `i` and must hold at least `frames` samples; ports past
    /// `inputs.len()` read zeros. Returns one `Vec` per output port.
    pub fn run(&mut self, inputs: &[&[f32]], frames: usize, block: usize) -> Vec<Vec<f32>> {
        let mut out = vec![Vec::with_capacity(frames); self.outputs.len()];
        self.run_with(inputs, frames, block, |_, outputs| {
            for (o, buf) in out.iter_mut().zip(outputs) {
                o.extend_from_slice(buf);
            }
        });
        out
    }

    /// Like [`run`](Self::run), but hands each processed block's outputs to `sink` instead
    /// of collecting them. Allocates nothing itself, so wrapping it in `assert_no_alloc`
    /// checks the module (and `sink`).
    pub fn run_with(
        &mut self,
        inputs: &[&[f32]],
        frames: usize,
        block: usize,
        mut sink: impl FnMut(usize, &[&[f32]]),
    ) {
        assert!(
            (1..=MAX_BLOCK).contains(&block),
            "block must be 1..={MAX_BLOCK}"
        );
        // A fed port reads `frames` samples: a shorter slice (an empty one included) is a
        // caller's mistake, named here rather than as a slice index panic mid-run.
        for (i, input) in inputs.iter().enumerate() {
            assert!(
                input.len() >= frames,
                "input {i} of `{}` holds {} samples for a run of {frames} frames",
                self.info.kind,
                input.len()
            );
        }
        let n_in = self.info.inputs.len();
        let zero = n_in;
        for (i, port) in self.ports.iter_mut().enumerate() {
            *port = if i < inputs.len() { i } else { zero };
        }
        for (p, spec) in self.info.params.iter().enumerate() {
            let connected = self.info.input(spec.id).is_some_and(|i| i < inputs.len());
            let unset = spec.unset_value(connected);
            if !self.explicit[p] && self.smoothers[p].target() != unset {
                self.smoothers[p].jump(unset);
            }
        }
        let mut start = 0;
        while start < frames {
            let len = block.min(frames - start);
            for (i, input) in inputs.iter().enumerate().take(n_in) {
                self.inputs[i][..len].copy_from_slice(&input[start..start + len]);
            }
            for (p, spec) in self.info.params.iter().enumerate() {
                let modulation = self.info.input(spec.id).filter(|&i| i < inputs.len());
                let signal = modulation.map(|i| &self.inputs[i][..len]);
                self.param_blocks[p].render(&mut self.smoothers[p], signal, spec.bounds(), len);
            }
            let ctx = ProcessContext {
                sample_rate: self.sample_rate,
                frames: len,
                sample_time: self.sample_time,
            };
            self.module.process(
                &ctx,
                &Inputs::new(&self.inputs, &self.ports, zero, len),
                &mut Outputs::new(&mut self.outputs, len),
                &Params::new(&self.param_blocks, len),
            );
            let views: [&[f32]; 8] = std::array::from_fn(|i| match self.outputs.get(i) {
                Some(b) => &b[..len],
                None => &[][..],
            });
            sink(start, &views[..self.outputs.len().min(8)]);
            self.sample_time += len as u64;
            start += len;
        }
    }
}

impl From<f32> for ParamValue {
    fn from(v: f32) -> Self {
        ParamValue::Number(v as f64)
    }
}

impl From<f64> for ParamValue {
    fn from(v: f64) -> Self {
        ParamValue::Number(v)
    }
}

impl From<bool> for ParamValue {
    fn from(v: bool) -> Self {
        ParamValue::Bool(v)
    }
}

impl From<&str> for ParamValue {
    fn from(v: &str) -> Self {
        ParamValue::Text(v.to_string())
    }
}

/// Test helper: a fresh module of `entry` at 48 kHz, with the params in `set` set, run over
/// `inputs` for `n` frames in blocks of 64; its outputs.
#[cfg(test)]
pub(crate) fn run_entry(
    entry: &crate::entry::ModuleEntry,
    set: &[(&str, f32)],
    inputs: &[&[f32]],
    n: usize,
) -> Vec<Vec<f32>> {
    let mut r = ModuleRunner::new((entry.create)(), 48_000.0);
    for &(id, v) in set {
        r.set(id, v).unwrap();
    }
    r.run(inputs, n, 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "input 0 of `vca` holds 0 samples for a run of 64 frames")]
    fn an_input_shorter_than_the_run_is_named() {
        let mut r = ModuleRunner::for_kind(&Registry::builtin(), "vca", 48_000.0).unwrap();
        r.run(&[&[]], 64, 64);
    }
}
