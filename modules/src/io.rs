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
///
/// `repr(C)` with the flag first, so the flag and `values[0]` (all that a module reads of
/// a constant block, and all that [`render`](Self::render) checks) share a cache line.
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct ParamBlock {
    /// True when every meaningful value equals `values[0]`. When [`render`](Self::render)
    /// (or [`constant`](Self::constant)) sets it, all `MAX_BLOCK` values hold that value,
    /// so the next block can keep them without rewriting any.
    pub constant: bool,
    /// Per-frame values; only the first `frames` are meaningful.
    pub values: [f32; MAX_BLOCK],
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
    ///
    /// Fast path: a settled smoother with no modulation, or with a modulation signal that
    /// holds one value over the block (`note.freq` into an oscillator's `freq`), gives a
    /// constant block: `constant` is set, so modules take their once-per-block paths, and
    /// the values are only rewritten when they change. The values are bit for bit those
    /// of the per-sample path (the same expression on the same inputs).
    #[inline(always)]
    pub fn render(
        &mut self,
        smoother: &mut Smoother,
        modulation: Option<&[f32]>,
        bounds: (f32, f32),
        frames: usize,
    ) {
        // The commonest case of all, inlined into the caller's loop: nothing to do.
        if modulation.is_none() && self.holds(smoother) {
            return;
        }
        self.render_changed(smoother, modulation, bounds, frames);
    }

    /// True when the block is constant at the value of `smoother`, which is settled: then
    /// [`render`](Self::render) without modulation leaves it as it is, this block and
    /// every next one until the smoother is given a new target.
    #[inline(always)]
    pub fn holds(&self, smoother: &Smoother) -> bool {
        smoother.is_settled()
            && self.constant
            && self.values[0].to_bits() == smoother.value().to_bits()
    }

    /// True when the block is constant at what [`render_held`](Self::render_held) gives
    /// for a settled `smoother` and modulation `modulation`: then it would leave the
    /// block as it is.
    #[inline(always)]
    pub fn holds_with(&self, smoother: &Smoother, modulation: f32, bounds: (f32, f32)) -> bool {
        smoother.is_settled()
            && self.constant
            && self.values[0].to_bits() == modulate(smoother.value(), modulation, bounds).to_bits()
    }

    /// [`render`](Self::render) with a modulation signal known to hold `modulation` in
    /// every frame (the engine knows it of a `note` source it filled with one value), so
    /// it is not scanned. The same values and flag as [`render`](Self::render) given that
    /// signal. **Real-time safe.**
    #[inline]
    pub fn render_held(
        &mut self,
        smoother: &mut Smoother,
        modulation: f32,
        bounds: (f32, f32),
        frames: usize,
    ) {
        if smoother.is_settled() {
            return self.hold(modulate(smoother.value(), modulation, bounds));
        }
        let values = &mut self.values[..frames];
        smoother.fill(values);
        for v in values.iter_mut() {
            *v = modulate(*v, modulation, bounds);
        }
        self.constant = false;
    }

    /// [`render`](Self::render) past its first check.
    #[inline(never)]
    fn render_changed(
        &mut self,
        smoother: &mut Smoother,
        modulation: Option<&[f32]>,
        bounds: (f32, f32),
        frames: usize,
    ) {
        let modulate = |v: f32, m: f32| modulate(v, m, bounds);
        if smoother.is_settled() {
            match modulation {
                None => return self.hold(smoother.value()),
                Some(signal) if is_constant(signal) => {
                    return self.hold(modulate(smoother.value(), signal[0]));
                }
                Some(_) => {}
            }
        }
        let values = &mut self.values[..frames];
        self.constant = smoother.fill(values);
        if let Some(signal) = modulation {
            for (v, m) in values.iter_mut().zip(signal) {
                *v = modulate(*v, *m);
            }
            self.constant = false;
        }
    }

    /// Makes the block constant at `value`, writing the values only when they differ (bit
    /// for bit: `0.0` and `-0.0` are told apart) from what the block already holds.
    #[inline]
    fn hold(&mut self, value: f32) {
        if !(self.constant && self.values[0].to_bits() == value.to_bits()) {
            self.values.fill(value);
            self.constant = true;
        }
    }
}

/// A parameter value `v` plus modulation `m`, clamped to `bounds`: max/min rather than
/// clamp, so a NaN modulator reads as the lower bound, not NaN.
#[inline(always)]
fn modulate(v: f32, m: f32, (min, max): (f32, f32)) -> f32 {
    (v + m).max(min).min(max)
}

/// True when every sample of `signal` has the bits of the first (branch-free, so the
/// compiler vectorizes it; a block is at most [`MAX_BLOCK`] long).
#[inline]
fn is_constant(signal: &[f32]) -> bool {
    let first = signal.first().map_or(0, |x| x.to_bits());
    signal
        .iter()
        .fold(true, |same, x| same & (x.to_bits() == first))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smoother::Smoothing;

    const SR: f32 = 48_000.0;
    const BOUNDS: (f32, f32) = (-10.0, 10.0);

    /// The general path, written out: fill from the smoother, then modulate and clamp
    /// every sample.
    fn reference(smoother: &mut Smoother, modulation: Option<&[f32]>, frames: usize) -> Vec<f32> {
        let mut values = vec![0.0; frames];
        smoother.fill(&mut values);
        if let Some(signal) = modulation {
            for (v, m) in values.iter_mut().zip(signal) {
                *v = (*v + m).max(BOUNDS.0).min(BOUNDS.1);
            }
        }
        values
    }

    /// Renders `blocks` (frames, modulation) in turn through one [`ParamBlock`] and
    /// through [`reference`], checking the values bit for bit and the `constant` flag
    /// against the values (all `MAX_BLOCK` of them when set). A third block takes
    /// [`ParamBlock::render_held`] wherever the modulation holds one value, and must
    /// match the first in values, flag and smoother. Returns the flags.
    fn check(smoother: Smoother, blocks: &[(usize, Option<Vec<f32>>)]) -> Vec<bool> {
        let (mut fast, mut slow, mut held) = (smoother.clone(), smoother.clone(), smoother);
        let mut block = ParamBlock::constant(0.0);
        let mut held_block = ParamBlock::constant(0.0);
        let mut flags = vec![];
        for (i, (frames, modulation)) in blocks.iter().enumerate() {
            let m = modulation.as_deref().map(|m| &m[..*frames]);
            block.render(&mut fast, m, BOUNDS, *frames);
            match m {
                Some(signal) if is_constant(signal) => {
                    held_block.render_held(&mut held, signal[0], BOUNDS, *frames)
                }
                _ => held_block.render(&mut held, m, BOUNDS, *frames),
            }
            assert_eq!(held, fast, "smoother of the held path after block {i}");
            assert_eq!(
                held_block.constant, block.constant,
                "flag, held path, block {i}"
            );
            let (a, b) = (&held_block.values[..*frames], &block.values[..*frames]);
            assert!(
                a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
                "values of the held path, block {i}"
            );
            let expected = reference(&mut slow, m, *frames);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&block.values[..*frames]), bits(&expected), "block {i}");
            if block.constant {
                assert!(
                    block
                        .values
                        .iter()
                        .all(|v| v.to_bits() == expected[0].to_bits()),
                    "block {i} is marked constant but holds other values"
                );
            }
            assert_eq!(fast, slow, "smoother after block {i}");
            flags.push(block.constant);
        }
        flags
    }

    #[test]
    fn a_settled_parameter_is_a_constant_block_and_grows_with_the_block() {
        let s = Smoother::new(Smoothing::Linear(1.0), SR, 3.0);
        // A short block, then longer ones: the kept values must cover every frame.
        let flags = check(s, &[(13, None), (64, None), (1, None), (64, None)]);
        assert_eq!(flags, [true; 4]);
    }

    #[test]
    fn a_constant_modulation_on_a_settled_parameter_is_a_constant_block() {
        let s = Smoother::new(Smoothing::Logarithmic(10.0), SR, 0.0);
        let flags = check(
            s,
            &[
                (64, Some(vec![220.0; 64])),
                (64, Some(vec![220.0; 64])),
                (20, Some(vec![440.0; 20])),
                (64, Some(vec![440.0; 64])),
                // Clamped, and a NaN modulator reads as the minimum.
                (64, Some(vec![50.0; 64])),
                (64, Some(vec![f32::NAN; 64])),
                // -0.0 and 0.0 are different values here.
                (64, Some(vec![0.0; 64])),
                (64, Some(vec![-0.0; 64])),
            ],
        );
        assert_eq!(flags, [true; 8]);
    }

    #[test]
    fn holds_says_when_rendering_would_change_nothing() {
        let mut s = Smoother::new(Smoothing::Linear(1.0), SR, 2.0);
        let mut block = ParamBlock::constant(0.0);
        assert!(!block.holds(&s));
        block.render(&mut s, None, BOUNDS, 64);
        assert!(block.holds(&s));
        block.render_held(&mut s, 3.0, BOUNDS, 64);
        assert!(block.holds_with(&s, 3.0, BOUNDS));
        assert!(!block.holds_with(&s, 4.0, BOUNDS));
        assert!(!block.holds(&s));
        // Clamped: 2 + 20 holds as the upper bound.
        block.render_held(&mut s, 20.0, BOUNDS, 64);
        assert!(block.holds_with(&s, 20.0, BOUNDS));
        s.set_target(5.0);
        assert!(!block.holds_with(&s, 20.0, BOUNDS));
        block.render(&mut s, None, BOUNDS, 64);
        // Arrived at the end of this block (48 samples), but the block is the glide.
        assert!(s.is_settled() && !block.holds(&s));
        block.render(&mut s, None, BOUNDS, 64);
        assert!(block.holds(&s));
    }

    #[test]
    fn a_moving_modulation_or_a_glide_takes_the_general_path() {
        let mut s = Smoother::new(Smoothing::Linear(1.0), SR, 1.0);
        let ramp: Vec<f32> = (0..64).map(|i| i as f32 * 0.01).collect();
        let mut last_differs = vec![2.0f32; 64];
        last_differs[63] = 2.5;
        let flags = check(
            s.clone(),
            &[
                (64, Some(vec![2.0; 64])),
                (64, Some(ramp.clone())),
                (64, Some(last_differs)),
                (64, Some(vec![2.0; 64])),
            ],
        );
        assert_eq!(flags, [true, false, false, true]);
        // A glide (48 samples at 1 ms), modulated or not, then settled again.
        s.set_target(5.0);
        let flags = check(
            s.clone(),
            &[(32, None), (32, None), (64, None), (64, Some(ramp))],
        );
        assert_eq!(flags, [false, false, true, false]);
        s.set_target(5.0);
        let flags = check(s, &[(64, Some(vec![1.0; 64])), (64, Some(vec![1.0; 64]))]);
        assert_eq!(flags, [false, true]);
    }
}
