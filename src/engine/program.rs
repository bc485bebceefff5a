//! Running one [`Program`] for a block: fan-in sums, then each node with its params
//! rendered (smoothed, modulated, clamped) and its outputs written into the pool.

use chronus_modules::{Inputs, Outputs, Params, ProcessContext};

use crate::graph::{Program, Step, ZERO_BUFFER};

/// Runs `program`'s schedule for `frames` (1..=64) frames. The engine has filled the
/// implicit source buffers. **Real-time safe: no allocation, no locks.**
pub fn run_program(program: &mut Program, sample_rate: f32, sample_time: u64, frames: usize) {
    let Program {
        nodes,
        pool,
        spare,
        schedule,
        held,
        ..
    } = program;
    let ctx = ProcessContext {
        sample_rate,
        frames,
        sample_time,
    };
    for step in schedule.iter() {
        match step {
            Step::Sum { dst, srcs } => {
                std::mem::swap(&mut pool[*dst], spare);
                let sum = &mut spare[..frames];
                // The first two in one pass (the commonest fan-in), then the rest.
                let (a, b) = (&pool[srcs[0]][..frames], &pool[srcs[1]][..frames]);
                for ((acc, x), y) in sum.iter_mut().zip(a).zip(b) {
                    *acc = x + y;
                }
                for &s in &srcs[2..] {
                    for (acc, x) in sum.iter_mut().zip(&pool[s][..frames]) {
                        *acc += x;
                    }
                }
                std::mem::swap(&mut pool[*dst], spare);
            }
            Step::Run(n) => {
                let node = &mut nodes[*n];
                // Consumed outputs: lend the pool buffer to the module (pointer swap).
                for (port, out) in node.outputs.iter().enumerate() {
                    if let Some(b) = out {
                        std::mem::swap(&mut pool[*b], &mut node.out_scratch[port]);
                    }
                }
                // One smoother, block and modulation slot per param (built so by the compiler).
                debug_assert_eq!(node.param_blocks.len(), node.info.params.len());
                debug_assert_eq!(node.smoothers.len(), node.info.params.len());
                debug_assert_eq!(node.modulation.len(), node.info.params.len());
                let params = node
                    .info
                    .params
                    .iter()
                    .zip(&node.modulation)
                    .zip(node.param_blocks.iter_mut().zip(node.smoothers.iter_mut()));
                for ((spec, modulation), (block, smoother)) in params {
                    match *modulation {
                        None => block.render(smoother, None, spec.bounds(), frames),
                        Some(b) => match held[b] {
                            Some(m) => block.render_held(smoother, m, spec.bounds(), frames),
                            None => block.render(
                                smoother,
                                Some(&pool[b][..frames]),
                                spec.bounds(),
                                frames,
                            ),
                        },
                    }
                }
                node.module.process(
                    &ctx,
                    &Inputs::new(pool, &node.inputs, ZERO_BUFFER, frames),
                    &mut Outputs::new(&mut node.out_scratch, frames),
                    &Params::new(&node.param_blocks, frames),
                );
                for (port, out) in node.outputs.iter().enumerate() {
                    if let Some(b) = out {
                        std::mem::swap(&mut pool[*b], &mut node.out_scratch[port]);
                    }
                }
            }
        }
    }
}
