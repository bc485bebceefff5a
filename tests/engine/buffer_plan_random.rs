//! Randomized check of the liveness buffer plan. Simulates what each pool buffer
//! holds through the schedule and checks every read sees exactly the sources connected to
//! it, that no node's output buffer aliases one of its inputs or another output, that the
//! zero buffer and pinned sources are never overwritten, and that the output sink reads
//! the right values at the end.

use std::collections::BTreeSet;

use chronus::graph::plan::{plan, NodeShape, Sink, Source};
use chronus::graph::{Step, ZERO_BUFFER};

use crate::support::rng::XorShift;

type Val = BTreeSet<Source>;

#[test]
fn random_plans_never_alias_or_free_early() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for case in 0..3_000 {
        let n = 1 + rng.below(9);
        let implicit = rng.below(4);
        let nodes: Vec<NodeShape> = (0..n)
            .map(|i| NodeShape {
                id: format!("m{i}"),
                inputs: rng.below(4),
                outputs: rng.below(3),
            })
            .collect();
        // A random topological rank so edges go forward (patch order != run order).
        let mut rank: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            rank.swap(i, rng.below(i + 1));
        }
        let mut edges = Vec::new();
        for _ in 0..rng.below(3 * n + 2) {
            let src = if implicit > 0 && rng.below(4) == 0 {
                Source::Implicit(rng.below(implicit))
            } else {
                let a = rng.below(n);
                if nodes[a].outputs == 0 {
                    continue;
                }
                Source::Node {
                    node: a,
                    port: rng.below(nodes[a].outputs),
                }
            };
            let sink = if rng.below(4) == 0 {
                Sink::Output(rng.below(2))
            } else {
                let b = rng.below(n);
                if nodes[b].inputs == 0 {
                    continue;
                }
                if let Source::Node { node: a, .. } = src {
                    if rank[a] >= rank[b] {
                        continue;
                    }
                }
                Sink::Node {
                    node: b,
                    port: rng.below(nodes[b].inputs),
                }
            };
            if !edges.contains(&(src, sink)) {
                edges.push((src, sink));
            }
        }
        let p = plan(&nodes, implicit, &edges).unwrap();
        let feeds = |sink: Sink| -> Val {
            edges
                .iter()
                .filter(|(_, s)| *s == sink)
                .map(|(s, _)| *s)
                .collect()
        };
        let mut pool: Vec<Val> = vec![Val::new(); p.pool_size];
        for (i, &b) in p.sources.iter().enumerate() {
            pool[b] = [Source::Implicit(i)].into();
        }
        let pinned: BTreeSet<usize> = p.sources.iter().copied().chain([ZERO_BUFFER]).collect();
        for step in &p.schedule {
            match step {
                Step::Sum { dst, srcs } => {
                    assert!(!pinned.contains(dst), "case {case}: sum into pinned {dst}");
                    assert!(!srcs.contains(dst), "case {case}: sum reads its dst");
                    let v: Val = srcs.iter().flat_map(|&s| pool[s].clone()).collect();
                    pool[*dst] = v;
                }
                Step::Run(pos) => {
                    let node = p.order[*pos];
                    for port in 0..nodes[node].inputs {
                        let b = p.inputs[node][port];
                        let want = feeds(Sink::Node { node, port });
                        assert_eq!(
                            pool[b], want,
                            "case {case}: node {node} port {port} reads buffer {b}\n{p:#?}\n{edges:?}"
                        );
                    }
                    let outs: Vec<usize> = p.outputs[node].iter().flatten().copied().collect();
                    for &o in &outs {
                        assert!(!pinned.contains(&o), "case {case}: output into pinned {o}");
                        assert!(
                            !p.inputs[node].contains(&o),
                            "case {case}: node {node} output {o} aliases an input"
                        );
                    }
                    let distinct: BTreeSet<_> = outs.iter().collect();
                    assert_eq!(distinct.len(), outs.len(), "case {case}: outputs alias");
                    for (port, o) in p.outputs[node].iter().enumerate() {
                        if let Some(o) = o {
                            pool[*o] = [Source::Node { node, port }].into();
                        }
                    }
                }
            }
        }
        for ch in 0..2 {
            assert_eq!(
                pool[p.output[ch]],
                feeds(Sink::Output(ch)),
                "case {case}: output {ch}\n{p:#?}\n{edges:?}"
            );
        }
    }
}
