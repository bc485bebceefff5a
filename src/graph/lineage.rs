//! [`Lineage`]: what each program, node and param of a new graph was in the graph it
//! takes over from, so live state crosses a commit.
//!
//! A param the commit leaves at the value the running graph was last given (by the patch
//! or by a live change) is *kept*: the new graph plays on with the running graph's live
//! value, glide included, instead of the patch's. That is what lets a live change
//! scheduled for later (a time-tagged `/mod`) still land at its time across a commit: the
//! patch already records its value, but the running graph does not play it yet, and the
//! engine moves the scheduled change itself onto the new graph ([`Lineage::follow`]). A
//! param the commit changes (`/patch/set`, a reloaded file, a new connection that changes
//! its unset value) takes the new value at the swap.
//!
//! Computed on the control side by the compiler from the two graphs' [`Layout`]s; read on
//! the audio thread at the swap (plain indices, no allocation).

use super::compiled::{Layout, Node};
use crate::address::{ParamSlot, ParamTarget, ProgramRef};

/// How every program of a new graph descends from the previous graph's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lineage {
    /// Revision of the graph these indices point into.
    pub from_revision: u64,
    /// One entry per program of the new graph: main first, then each instrument's voices.
    pub programs: Vec<ProgramLineage>,
}

/// How one program of a new graph descends from the previous graph's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgramLineage {
    /// The previous graph's program of the same name (0 main, `k + 1` instrument `k`).
    pub program: Option<usize>,
    /// For each node, the previous program's node of the same id and kind.
    pub nodes: Vec<Option<usize>>,
    /// For each node, the params (bits as [`Node::param_bit`]) whose value the commit
    /// leaves as the previous graph last had it: their live value carries over.
    pub kept: Vec<u64>,
    /// The output volume is left as it was too.
    pub volume_kept: bool,
}

impl ProgramLineage {
    /// True when param `p` of node `n` keeps its live value across the commit.
    pub fn keeps(&self, n: usize, p: usize) -> bool {
        self.kept
            .get(n)
            .is_some_and(|bits| bits & Node::param_bit(p) != 0)
    }
}

impl Lineage {
    /// The lineage of a graph laid out as `new` from one laid out as `old` (revision
    /// `from_revision`): programs matched by name, nodes by id and kind, params kept where
    /// the recorded values are the same.
    pub fn between(old: &[Layout], new: &[Layout], from_revision: u64) -> Self {
        let programs = new
            .iter()
            .map(|n| {
                let Some(k) = old.iter().position(|o| o.program == n.program) else {
                    return ProgramLineage {
                        nodes: vec![None; n.nodes.len()],
                        kept: vec![0; n.nodes.len()],
                        ..ProgramLineage::default()
                    };
                };
                let o = &old[k];
                let nodes = node_map(o, n);
                let kept = nodes
                    .iter()
                    .enumerate()
                    .map(|(i, j)| match (j, n.values.get(i)) {
                        (Some(j), Some(new_values)) => {
                            let old_values = o.values.get(*j).map_or(&[][..], |v| &v[..]);
                            same_values(old_values, new_values)
                        }
                        _ => 0,
                    })
                    .collect();
                ProgramLineage {
                    program: Some(k),
                    nodes,
                    kept,
                    volume_kept: o.volume.to_bits() == n.volume.to_bits(),
                }
            })
            .collect();
        Lineage {
            from_revision,
            programs,
        }
    }

    /// Where a param `target` of the previous graph is in this one, if it is still there.
    /// **Real-time safe.**
    pub fn follow(&self, target: ParamTarget) -> Option<ParamTarget> {
        let old_program = target.program.index();
        let (k, lineage) = self
            .programs
            .iter()
            .enumerate()
            .find(|(_, l)| l.program == Some(old_program))?;
        let slot = match target.slot {
            ParamSlot::Module { node, param } => ParamSlot::Module {
                node: lineage
                    .nodes
                    .iter()
                    .position(|&j| j == Some(node as usize))? as u16,
                param,
            },
            ParamSlot::OutputVolume => ParamSlot::OutputVolume,
        };
        Some(ParamTarget {
            program: ProgramRef::from_index(k),
            slot,
        })
    }
}

/// For each node of `new`, the node of `old` with the same id and kind.
pub fn node_map(old: &Layout, new: &Layout) -> Vec<Option<usize>> {
    new.nodes
        .iter()
        .map(|node| old.nodes.iter().position(|o| o == node))
        .collect()
}

/// The bits of the params (the first 64) whose values are the same, bit for bit.
fn same_values(old: &[f32], new: &[f32]) -> u64 {
    old.iter()
        .zip(new)
        .enumerate()
        .filter(|(_, (a, b))| a.to_bits() == b.to_bits())
        .fold(0, |bits, (p, _)| bits | Node::param_bit(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(program: &str, nodes: &[(&str, &str, &[f32])], volume: f32) -> Layout {
        Layout {
            program: program.to_string(),
            voices: 1,
            nodes: nodes
                .iter()
                .map(|(id, kind, _)| (id.to_string(), kind.to_string()))
                .collect(),
            values: nodes.iter().map(|(_, _, v)| v.to_vec()).collect(),
            volume,
            connections: Vec::new(),
        }
    }

    #[test]
    fn nodes_match_by_id_and_kind_and_params_are_kept_where_unchanged() {
        let old = [
            layout(
                "",
                &[("a", "sine", &[220.0, 0.0]), ("b", "vca", &[1.0])],
                1.0,
            ),
            layout("lead", &[("c", "const", &[1.0])], 1.0),
        ];
        let new = [
            layout(
                "",
                &[
                    ("b", "vca", &[0.5]),
                    ("a", "sine", &[220.0, 3.0]),
                    ("x", "lfo", &[1.0]),
                ],
                0.5,
            ),
            layout("bass", &[], 1.0),
            layout("lead", &[("c", "lowpass", &[1.0])], 1.0),
        ];
        let l = Lineage::between(&old, &new, 7);
        assert_eq!(l.from_revision, 7);
        let main = &l.programs[0];
        assert_eq!(main.program, Some(0));
        assert_eq!(main.nodes, vec![Some(1), Some(0), None]);
        assert_eq!(main.kept, vec![0, 0b01, 0]);
        assert!(!main.volume_kept);
        assert_eq!(l.programs[1].program, None);
        let lead = &l.programs[2];
        assert_eq!(lead.program, Some(1));
        assert_eq!(lead.nodes, vec![None], "same id, another kind");
        assert!(lead.volume_kept);
        assert!(main.keeps(1, 0) && !main.keeps(1, 1) && !main.keeps(9, 0));
    }

    #[test]
    fn a_param_target_follows_its_node_into_the_new_graph() {
        let old = [
            layout("", &[("a", "sine", &[220.0]), ("b", "vca", &[1.0])], 1.0),
            layout("lead", &[("c", "const", &[1.0]), ("d", "vca", &[1.0])], 1.0),
        ];
        let new = [
            layout("", &[("b", "vca", &[1.0])], 1.0),
            layout("bass", &[], 1.0),
            layout("lead", &[("d", "vca", &[1.0])], 1.0),
        ];
        let l = Lineage::between(&old, &new, 1);
        let target = |program, node| ParamTarget {
            program,
            slot: ParamSlot::Module { node, param: 0 },
        };
        assert_eq!(
            l.follow(target(ProgramRef::Main, 1)),
            Some(target(ProgramRef::Main, 0))
        );
        assert_eq!(l.follow(target(ProgramRef::Main, 0)), None, "deleted");
        assert_eq!(
            l.follow(target(ProgramRef::Instrument(0), 1)),
            Some(target(ProgramRef::Instrument(1), 0))
        );
        let volume = ParamTarget {
            program: ProgramRef::Instrument(0),
            slot: ParamSlot::OutputVolume,
        };
        assert_eq!(
            l.follow(volume),
            Some(ParamTarget {
                program: ProgramRef::Instrument(1),
                ..volume
            })
        );
        assert_eq!(
            l.follow(target(ProgramRef::Instrument(3), 0)),
            None,
            "no such program"
        );
    }
}
