//! [`ScheduledChanges`]: the live param changes the controller sent for a later sample,
//! kept until their time so that a commit can say which of them it drops.
//!
//! The engine moves a scheduled change onto the graph of a commit that comes before its
//! time (see `graph::lineage`); one whose module the commit removed (or replaced by
//! another kind) has nowhere to go and is ignored when its time comes, as scsynth fails an
//! `/n_set` bundled for a node freed in the meantime. The controller follows its own
//! record the same way at each commit and logs each change that will be dropped, one line
//! naming the param and its sample: the commit is not refused, and the change was valid
//! when it was sent.

use crate::address::ParamTarget;
use crate::graph::Lineage;

/// The changes sent for a later sample and not yet due, as far as the controller knows.
#[derive(Debug, Default)]
pub struct ScheduledChanges {
    pending: Vec<Scheduled>,
}

/// One change waiting for its sample.
#[derive(Clone, Debug, PartialEq)]
struct Scheduled {
    time: u64,
    /// The graph revision `target` points into.
    revision: u64,
    target: ParamTarget,
    id: String,
    param: String,
}

impl ScheduledChanges {
    /// Records a change of `id.param` (engine `target` in revision `revision`) sent for
    /// sample `time`, if that is after `now`; forgets the changes due by `now`.
    pub fn record(
        &mut self,
        time: u64,
        (revision, target): (u64, ParamTarget),
        (id, param): (&str, &str),
        now: u64,
    ) {
        self.pending.retain(|s| s.time > now);
        if time > now {
            self.pending.push(Scheduled {
                time,
                revision,
                target,
                id: id.to_string(),
                param: param.to_string(),
            });
        }
    }

    /// A commit to `revision` (following the graph of `revision - 1` as `lineage` says)
    /// was sent at `now`: the changes still to come follow their module into it, and
    /// those it has no place for are forgotten. Returns one line for each of those.
    pub fn follow(&mut self, lineage: Option<&Lineage>, revision: u64, now: u64) -> Vec<String> {
        let mut dropped = Vec::new();
        self.pending.retain_mut(|s| {
            if s.time <= now {
                return false;
            }
            let next = lineage
                .filter(|l| l.from_revision == s.revision)
                .and_then(|l| l.follow(s.target));
            match next {
                Some(target) => {
                    s.target = target;
                    s.revision = revision;
                    true
                }
                None => {
                    dropped.push(format!(
                        "commit {revision}: the change of {}.{} scheduled for sample {} is \
                         dropped: the new patch has no module \"{}\" of the same kind in the \
                         same graph (main graph or instrument)",
                        s.id, s.param, s.time, s.id
                    ));
                    false
                }
            }
        });
        dropped
    }

    /// Number of changes recorded as still to come.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// True when none is recorded.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::{ParamSlot, ProgramRef};
    use crate::graph::ProgramLineage;

    fn target(node: u16) -> ParamTarget {
        ParamTarget {
            program: ProgramRef::Main,
            slot: ParamSlot::Module { node, param: 0 },
        }
    }

    /// Revision 1 had nodes 0 and 1; revision 2 keeps only node 1, now at index 0.
    fn lineage() -> Lineage {
        Lineage {
            from_revision: 1,
            programs: vec![ProgramLineage {
                program: Some(0),
                nodes: vec![Some(1)],
                kept: vec![0],
                volume_kept: true,
            }],
        }
    }

    #[test]
    fn changes_follow_their_module_and_those_without_one_are_reported() {
        let mut s = ScheduledChanges::default();
        s.record(500, (1, target(0)), ("gone", "value"), 100);
        s.record(600, (1, target(1)), ("kept", "value"), 100);
        s.record(90, (1, target(1)), ("past", "value"), 100);
        assert_eq!(s.len(), 2, "a change already due is not recorded");
        let dropped = s.follow(Some(&lineage()), 2, 200);
        assert_eq!(
            dropped,
            vec![
                "commit 2: the change of gone.value scheduled for sample 500 is dropped: \
                 the new patch has no module \"gone\" of the same kind in the same graph \
                 (main graph or instrument)"
            ]
        );
        assert_eq!(s.pending.len(), 1);
        assert_eq!((s.pending[0].revision, s.pending[0].target), (2, target(0)));
        // Due by the next commit: forgotten, not reported.
        assert!(s.follow(None, 3, 600).is_empty());
        assert!(s.is_empty());
    }

    #[test]
    fn a_commit_without_lineage_drops_what_is_still_to_come() {
        let mut s = ScheduledChanges::default();
        s.record(500, (1, target(0)), ("a", "value"), 0);
        assert_eq!(s.follow(None, 2, 0).len(), 1);
    }
}
