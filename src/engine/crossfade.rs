//! Crossfades: the graphs fading out under the running one ([`Layer`]s, up to
//! [`MAX_FADING`]), how a block mixes them (the oldest is the base, each younger one fades
//! in over it, the running graph last), and how the graphs no longer heard leave through
//! the return ring. **Real-time safe.**

use super::block::{render_graph, Engine};
use super::command::Revision;
use super::stats::EngineStats;
use super::voice::RenderContext;

/// Most graphs fading out at once. Crossfades overlap up to this depth (a commit during a
/// crossfade starts its own at once); a further crossfading swap waits.
pub const MAX_FADING: usize = 3;

/// A revision fading out, and how far it had faded in itself.
pub(super) struct Layer {
    /// The revision (its graph, and the conductor parked in it to leave with it).
    pub(super) revision: Revision,
    /// Samples it had faded in when the next revision started fading in over it.
    pub(super) fade_in: u32,
}

impl Engine {
    /// Renders the graphs fading out and fades the running graph's block, already in
    /// `left`/`right`, in over them.
    pub(super) fn render_fading(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        ctx: RenderContext,
    ) {
        let n = ctx.frames;
        // The oldest graph is the base; each younger one fades in over it, `current` last.
        let len = self.crossfade_len;
        let (ml, mr) = (&mut self.mix_left[..n], &mut self.mix_right[..n]);
        let (ll, lr) = (&mut self.layer_left[..n], &mut self.layer_right[..n]);
        let audio = self.backend_audio.as_deref();
        for (k, layer) in self.fading.iter_mut().flatten().enumerate() {
            if k == 0 {
                render_graph(&mut layer.revision.graph, ml, mr, ctx, audio);
            } else {
                render_graph(&mut layer.revision.graph, ll, lr, ctx, audio);
                fade_in(ml, ll, layer.fade_in, len);
                fade_in(mr, lr, layer.fade_in, len);
                ml.copy_from_slice(ll);
                mr.copy_from_slice(lr);
            }
            layer.fade_in = layer.fade_in.saturating_add(n as u32);
        }
        fade_in(ml, left, self.current_fade_in, len);
        fade_in(mr, right, self.current_fade_in, len);
        self.current_fade_in = self.current_fade_in.saturating_add(n as u32);
        self.retire_faded();
    }

    /// Number of graphs fading out.
    pub(super) fn fading_depth(&self) -> usize {
        self.fading.iter().take_while(|l| l.is_some()).count()
    }

    /// Returns the graphs no longer heard: everything under a graph that has fully faded
    /// in. Waits (and counts) if the return ring lacks room, rather than free them here.
    fn retire_faded(&mut self) {
        let depth = self.fading_depth();
        let heard_from = if self.current_fade_in >= self.crossfade_len {
            depth
        } else {
            (1..depth)
                .rev()
                .find(|&k| {
                    self.fading[k]
                        .as_ref()
                        .is_some_and(|l| l.fade_in >= self.crossfade_len)
                })
                .unwrap_or(0)
        };
        if heard_from == 0 {
            return;
        }
        if self.returns.slots() < heard_from {
            EngineStats::bump(&self.stats.returns_deferred);
            return;
        }
        for k in 0..heard_from {
            if let Some(layer) = self.fading[k].take() {
                self.return_revision(layer.revision);
            }
        }
        self.fading.rotate_left(heard_from);
    }
}

/// `over[i] = under[i] * (1 - g) + over[i] * g`, with `g` the linear fade-in gain of a
/// graph `faded` samples into a crossfade of `len` samples.
fn fade_in(under: &[f32], over: &mut [f32], faded: u32, len: u32) {
    for (i, (u, o)) in under.iter().zip(over.iter_mut()).enumerate() {
        let g = ((faded as f32 + i as f32 + 1.0) / len as f32).min(1.0);
        *o = *u * (1.0 - g) + *o * g;
    }
}
