//! What a module sees during [`Module::process`](crate::Module::process): the
//! [`ProcessContext`], its input ports, its output ports and its parameter values, each a
//! block of at most [`MAX_BLOCK`] frames.
//!
//! The engine owns every buffer; these views only borrow them, so building them never
//! allocates. Input ports that nothing is connected to read zeros.

use crate::smoother::Smoother;

/// Largest block a module is ever asked to process (fundsp's `MAX_BUFFER_SIZE`).
pub const MAX_BLOCK: usize = 64;

/// One block of samples. Boxed so the engine can hand buffers between nodes by swapping
/// pointers instead of copying samples.
pub type BlockBuf = Box<[f32; MAX_BLOCK]>;

/// A zeroed [`BlockBuf`] (allocates: for construction and `prepare` only).
pub fn new_block() -> BlockBuf {
    Box::new([0.0; MAX_BLOCK])
}

/// Facts about the block being processed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProcessContext {
    /// Sample rate in Hz.
    pub sample_rate: f32,
    /// Frames in this block, `1..=MAX_BLOCK`.
    pub frames: usize,
    /// Engine sample time of the block's first frame.
    pub sample_time: u64,
}

/// A module's input ports, in the order of its `ModuleInfo::inputs`.
pub struct Inputs<'a> {
    buffers: &'a [BlockBuf],
    ports: &'a [usize],
    zero: usize,
    frames: usize,
}

impl<'a> Inputs<'a> {
    /// Port `i` reads `buffers[ports[i]]`. Unconnected ports map to `zero`, the index of a
    /// buffer the owner keeps zeroed.
    pub fn new(buffers: &'a [BlockBuf], ports: &'a [usize], zero: usize, frames: usize) -> Self {
        Inputs {
            buffers,
            ports,
            zero,
            frames,
        }
    }

    /// True when something is connected to input port `i` (an unconnected port reads
    /// zeros; a module such as `vca` may treat it as a different default).
    #[inline]
    pub fn is_connected(&self, i: usize) -> bool {
        self.ports[i] != self.zero
    }

    /// The samples of input port `i` (`frames` long).
    #[inline]
    pub fn port(&self, i: usize) -> &'a [f32] {
        &self.buffers[self.ports[i]][..self.frames]
    }

    /// Number of input ports.
    pub fn len(&self) -> usize {
        self.ports.len()
    }

    /// True for a module without inputs.
    pub fn is_empty(&self) -> bool {
        self.ports.is_empty()
    }
}

/// A module's output ports, in the order of its `ModuleInfo::outputs`. A module must write
/// every frame of every output port.
pub struct Outputs<'a> {
    buffers: &'a mut [BlockBuf],
    frames: usize,
}

impl<'a> Outputs<'a> {
    /// Wraps one buffer per output port.
    pub fn new(buffers: &'a mut [BlockBuf], frames: usize) -> Self {
        Outputs { buffers, frames }
    }

    /// The samples of output port `i` (`frames` long).
    #[inline]
    pub fn port(&mut self, i: usize) -> &mut [f32] {
        &mut self.buffers[i][..self.frames]
    }

    /// The first `N` output ports at once (for stereo and other multi-output modules).
    ///
    /// # Panics
    /// If the module has fewer than `N` outputs, which is a bug in the module.
    #[inline]
    pub fn ports<const N: usize>(&mut self) -> [&mut [f32]; N] {
        let frames = self.frames;
        let mut it = self.buffers.iter_mut();
        std::array::from_fn(|_| &mut it.next().expect("fewer outputs than requested")[..frames])
    }

    /// Number of output ports.
    pub fn len(&self) -> usize {
        self.buffers.len()
    }

    /// True for a module without outputs.
    pub fn is_empty(&self) -> bool {
        self.buffers.is_empty()
    }
}

/// One parameter's values over a block, already smoothed and with any modulation added
/// and clamped to range.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamBlock {
    /// Per-frame values; only the first `frames` are meaningful.
    pub values: [f32; MAX_BLOCK],
    /// True when every meaningful value equals `values[0]`.
    pub constant: bool,
}

impl ParamBlock {
    /// A constant block at `value`.
    pub fn constant(value: f32) -> Self {
        ParamBlock {
            values: [value; MAX_BLOCK],
            constant: true,
        }
    }

    /// Fills the first `frames` values from `smoother`, adds `modulation` (the signal of the
    /// input port with the parameter's id, when connected) and clamps the sum to
    /// `bounds`. This is the one place where parameter modulation is defined; the engine
    /// and [`ModuleRunner`](crate::ModuleRunner) both use it. **Real-time safe.**
    #[inline]
    pub fn render(
        &mut self,
        smoother: &mut Smoother,
        modulation: Option<&[f32]>,
        bounds: (f32, f32),
        frames: usize,
    ) {
        let values = &mut self.values[..frames];
        self.constant = smoother.fill(values);
        if let Some(signal) = modulation {
            let (min, max) = bounds;
            for (v, m) in values.iter_mut().zip(signal) {
                // max/min rather than clamp: a NaN modulator reads as `min`, not NaN.
                *v = (*v + m).max(min).min(max);
            }
            self.constant = false;
        }
    }
}

/// A module's parameters, in the order of its `ModuleInfo::params`.
pub struct Params<'a> {
    blocks: &'a [ParamBlock],
    frames: usize,
}

impl<'a> Params<'a> {
    /// Wraps one [`ParamBlock`] per parameter.
    pub fn new(blocks: &'a [ParamBlock], frames: usize) -> Self {
        Params { blocks, frames }
    }

    /// Per-frame values of parameter `i` (`frames` long).
    #[inline]
    pub fn block(&self, i: usize) -> &'a [f32] {
        &self.blocks[i].values[..self.frames]
    }

    /// The value of parameter `i` at the block's first frame (for switches, enums and
    /// anything read once per block).
    #[inline]
    pub fn value(&self, i: usize) -> f32 {
        self.blocks[i].values[0]
    }

    /// True when parameter `i` holds one value over the whole block.
    #[inline]
    pub fn is_constant(&self, i: usize) -> bool {
        self.blocks[i].constant
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    /// True for a module without parameters.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}
