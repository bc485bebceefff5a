//! How a new graph takes over from the one it replaces: an instant swap carries every
//! mapped node's module state and live params over ([`carry_state`]); a crossfade lets
//! the new graph inherit the live params the commit leaves as they were
//! ([`inherit_params`]) and restart the held notes ([`move_held_notes`]); either way each
//! instrument keeps its channel state ([`carry_controls`]). Plain functions of two graphs.
//! **Real-time safe.**

use super::voice;
use crate::graph::{CompiledGraph, Lineage, Program, ProgramLineage};

/// True when the carry maps describe these two graphs (same programs, same voice counts,
/// indices in range).
pub(super) fn carry_fits(
    old: &CompiledGraph,
    new: &CompiledGraph,
    maps: &[Vec<Option<usize>>],
) -> bool {
    maps.len() == 1 + new.instruments.len()
        && old.instruments.len() == new.instruments.len()
        && old
            .instruments
            .iter()
            .zip(&new.instruments)
            .all(|(o, n)| o.voices.len() == n.voices.len())
        && maps.iter().enumerate().all(|(k, map)| {
            let (o, n) = if k == 0 {
                (&old.main, &new.main)
            } else {
                match (
                    old.instruments[k - 1].voices.first(),
                    new.instruments[k - 1].voices.first(),
                ) {
                    (Some(o), Some(n)) => (&o.program, &n.program),
                    _ => return true,
                }
            };
            map.len() == n.nodes.len() && map.iter().flatten().all(|&j| j < o.nodes.len())
        })
}

/// Instant takeover: every mapped node takes its predecessor's module state and live
/// param values: a param the commit leaves as it was plays on (see [`Lineage`]), one it
/// changes glides on to its new value; voices keep playing.
pub(super) fn carry_state(
    old: &mut CompiledGraph,
    new: &mut CompiledGraph,
    maps: &[Vec<Option<usize>>],
    lineage: &Lineage,
) {
    let kin = |k: usize| lineage.programs.get(k);
    carry_program(&mut old.main, &mut new.main, &maps[0], kin(0));
    for (k, (o, n)) in old
        .instruments
        .iter_mut()
        .zip(&mut new.instruments)
        .enumerate()
    {
        for (ov, nv) in o.voices.iter_mut().zip(&mut n.voices) {
            carry_program(&mut ov.program, &mut nv.program, &maps[k + 1], kin(k + 1));
            nv.state = ov.state;
        }
    }
}

fn carry_program(
    old: &mut Program,
    new: &mut Program,
    map: &[Option<usize>],
    lineage: Option<&ProgramLineage>,
) {
    let keeps = |i: usize, p: usize| lineage.is_some_and(|l| l.keeps(i, p));
    for (i, j) in map.iter().enumerate() {
        let Some(j) = *j else { continue };
        let (o, n) = (&mut old.nodes[j], &mut new.nodes[i]);
        if !n.module.take_state(o.module.as_mut()) {
            continue;
        }
        for (p, (ns, os)) in n.smoothers.iter_mut().zip(&mut o.smoothers).enumerate() {
            let target = ns.target();
            std::mem::swap(ns, os);
            if !keeps(i, p) {
                ns.set_target(target);
            }
        }
        n.mark_params_live();
        o.mark_params_live();
    }
    let target = new.output.volume.target();
    std::mem::swap(&mut new.output.volume, &mut old.output.volume);
    if !lineage.is_some_and(|l| l.volume_kept) {
        new.output.volume.set_target(target);
    }
}

/// Crossfade takeover: every node of `new` with a predecessor in `old` (same id and kind)
/// takes the live value of each param the commit leaves as it was (see [`Lineage`]), so
/// the new graph fades in playing what the old one plays. Voice `v` of an instrument
/// inherits from voice `v` of its predecessor (the last one when it had fewer).
/// **Real-time safe.**
pub(super) fn inherit_params(old: &CompiledGraph, new: &mut CompiledGraph, lineage: &Lineage) {
    for (k, kin) in lineage.programs.iter().enumerate() {
        let Some(from) = kin.program else { continue };
        if k == 0 {
            if from == 0 {
                inherit_program(&old.main, &mut new.main, kin);
            }
            continue;
        }
        let (Some(o), Some(n)) = (
            from.checked_sub(1).and_then(|i| old.instruments.get(i)),
            new.instruments.get_mut(k - 1),
        ) else {
            continue;
        };
        for (v, nv) in n.voices.iter_mut().enumerate() {
            if let Some(ov) = o.voices.get(v).or(o.voices.last()) {
                inherit_program(&ov.program, &mut nv.program, kin);
            }
        }
    }
}

fn inherit_program(old: &Program, new: &mut Program, kin: &ProgramLineage) {
    for (i, n) in new.nodes.iter_mut().enumerate() {
        let Some(o) = kin
            .nodes
            .get(i)
            .copied()
            .flatten()
            .and_then(|j| old.nodes.get(j))
        else {
            continue;
        };
        for (p, (ns, os)) in n.smoothers.iter_mut().zip(&o.smoothers).enumerate() {
            if kin.keeps(i, p) {
                ns.clone_from(os);
            }
        }
        n.mark_params_live();
    }
    if kin.volume_kept {
        new.output.volume.clone_from(&old.output.volume);
    }
}

/// Every instrument of `new` takes the channel state (bend, pedal, keys down, volume,
/// pan) of the instrument of the same id in `old`: a commit does not reset controllers.
pub(super) fn carry_controls(old: &CompiledGraph, new: &mut CompiledGraph) {
    for n in &mut new.instruments {
        if let Some(o) = old.instruments.iter().find(|o| o.key == n.key) {
            n.controls = o.controls;
        }
    }
}

/// Crossfade takeover: held notes, and notes waiting for a stolen voice, start again in
/// the new graph's instrument of the same id.
pub(super) fn move_held_notes(old: &CompiledGraph, new: &mut CompiledGraph, now: u64) {
    for n in &mut new.instruments {
        let Some(o) = old.instruments.iter().find(|o| o.key == n.key) else {
            continue;
        };
        for ov in &o.voices {
            voice::adopt(n, &ov.state, now);
        }
    }
}
