//! Running one [`Program`] for a block: fan-in sums, then each node with its params
//! rendered (smoothed, modulated, clamped) and its outputs written into the pool.

use chronus_modules::{Inputs, Outputs, Params, ProcessContext};

use chronus_modules::BlockBuf;

use crate::graph::{Node, Program, Step, ZERO_BUFFER};

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
                // One smoother, block and modulation slot per param (built so by the compiler).
                debug_assert_eq!(node.param_blocks.len(), node.info.params.len());
                debug_assert_eq!(node.smoothers.len(), node.info.params.len());
                debug_assert_eq!(node.modulation.len(), node.info.params.len());
                let mut live = node.live_params;
                while live != 0 {
                    let p = live.trailing_zeros() as usize;
                    live &= live - 1;
                    if render_param(node, p, pool, held, frames) {
                        node.live_params &= !Node::param_bit(p);
                    }
                }
                for p in 64..node.info.params.len() {
                    render_param(node, p, pool, held, frames);
                }
                #[cfg(debug_assertions)]
                check_skipped_params(node, held);
                node.module.process(
                    &ctx,
                    &Inputs::new(pool, &node.inputs, ZERO_BUFFER, frames),
                    &mut Outputs::new(&mut node.out_scratch, frames),
                    &Params::new(&node.param_blocks, frames),
                );
                // The module wrote its outputs into the node's own buffers; a consumed one
                // trades places with its pool buffer (a pointer swap, no copy), so the pool
                // holds it and the node takes the pool's old buffer to write next time.
                // Every module writes all its outputs' frames, so what a buffer held
                // before is never read.
                for (port, out) in node.outputs.iter().enumerate() {
                    if let Some(b) = out {
                        std::mem::swap(&mut pool[*b], &mut node.out_scratch[port]);
                    }
                }
            }
        }
    }
}

/// Renders param `p` of `node` for the block (smoothed, modulated, clamped). Returns true
/// when it may be skipped from now on: settled, unmodulated or modulated by a held `note`
/// source, and a constant block that rendering would leave as it is until the smoother
/// or the source changes (which marks it live again).
#[inline]
fn render_param(
    node: &mut Node,
    p: usize,
    pool: &[BlockBuf],
    held: &[Option<f32>],
    frames: usize,
) -> bool {
    let bounds = node.info.params[p].bounds();
    let (block, smoother) = (&mut node.param_blocks[p], &mut node.smoothers[p]);
    match node.modulation[p] {
        None => {
            block.render(smoother, None, bounds, frames);
            block.holds(smoother)
        }
        // A held `note` source: until the engine marks it live again (the source
        // changed), the block keeps what it holds once settled and constant. A glide that
        // arrives inside this block leaves it settled but the block still gliding: it is
        // rendered once more (constant now) before it may be skipped.
        Some(b) => match held[b] {
            Some(m) => {
                block.render_held(smoother, m, bounds, frames);
                smoother.is_settled() && block.constant
            }
            None => {
                block.render(smoother, Some(&pool[b][..frames]), bounds, frames);
                false
            }
        },
    }
}

/// Debug builds: every param the walk skipped is one whose rendering would have changed
/// nothing (settled, unmodulated or modulated by a held source, a constant block holding
/// what rendering gives), so the skip gives the output of rendering every param.
#[cfg(debug_assertions)]
fn check_skipped_params(node: &Node, held: &[Option<f32>]) {
    for (p, ((smoother, block), modulation)) in node
        .smoothers
        .iter()
        .zip(&node.param_blocks)
        .zip(&node.modulation)
        .enumerate()
    {
        if node.live_params & Node::param_bit(p) == 0 && p < 64 {
            let unchanged = match modulation {
                None => block.holds(smoother),
                Some(b) => held[*b]
                    .is_some_and(|m| block.holds_with(smoother, m, node.info.params[p].bounds())),
            };
            assert!(
                unchanged,
                "param {} of {} skipped while it would change",
                node.info.params[p].id, node.info.kind
            );
        }
    }
}
