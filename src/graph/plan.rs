//! Planning one program: topological order (petgraph), cycle detection, fan-in sums and a
//! buffer plan that reuses buffers by liveness.
//!
//! A [`ProgramPlan`] is plain data: every voice of an instrument is instantiated from the
//! same plan.
//!
//! Buffer plan: walking the schedule in order, a buffer is taken (from a free list, or a
//! new one) when a value is produced, and given back after the last step that reads it.
//! Outputs are taken before the inputs of the same step are given back, so a module never
//! reads and writes the same buffer. A chain of any length therefore needs two working
//! buffers, plus the zero buffer and the pinned source buffers.

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

use super::compiled::{Step, ZERO_BUFFER};
use super::error::GraphError;

/// Where a signal comes from inside one program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// Output port `port` of node `node`.
    Node {
        /// Node index (patch order).
        node: usize,
        /// Output port index.
        port: usize,
    },
    /// Implicit source slot `slot` (a `note` output or an instrument channel).
    Implicit(usize),
}

/// Where a signal goes inside one program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sink {
    /// Input port `port` of node `node`.
    Node {
        /// Node index (patch order).
        node: usize,
        /// Input port index.
        port: usize,
    },
    /// The implicit `output` sink: 0 = left, 1 = right.
    Output(usize),
}

/// What the planner needs to know about a node.
#[derive(Clone, Debug)]
pub struct NodeShape {
    /// Module id (for cycle messages).
    pub id: String,
    /// Number of input ports.
    pub inputs: usize,
    /// Number of output ports.
    pub outputs: usize,
}

/// The planned layout of one program, before any module is instantiated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramPlan {
    /// Node indices (patch order) in the order they run.
    pub order: Vec<usize>,
    /// Per node (patch order): pool buffer read by each input port.
    pub inputs: Vec<Vec<usize>>,
    /// Per node (patch order): pool buffer written by each output port, if read.
    pub outputs: Vec<Vec<Option<usize>>>,
    /// The schedule; `Step::Run` holds positions in `order`'s output, i.e. the index of the
    /// node in the *instantiated* program, which stores nodes in run order.
    pub schedule: Vec<Step>,
    /// Pool buffer of each implicit source slot.
    pub sources: Vec<usize>,
    /// Pool buffers the output sink reads (left, right).
    pub output: [usize; 2],
    /// Pool size, zero buffer included.
    pub pool_size: usize,
}

/// Plans a program of `nodes` with `implicit_sources` source slots and `edges`.
pub fn plan(
    nodes: &[NodeShape],
    implicit_sources: usize,
    edges: &[(Source, Sink)],
) -> Result<ProgramPlan, GraphError> {
    let order = run_order(nodes, edges)?;
    let mut pool = Pool::new();
    let sources: Vec<usize> = (0..implicit_sources).map(|_| pool.take()).collect();

    // Sources feeding each sink, in patch order of the connections.
    let feeds = |sink: Sink| -> Vec<Source> {
        edges
            .iter()
            .filter(|(_, s)| *s == sink)
            .map(|(src, _)| *src)
            .collect()
    };
    // Position in the run order of the last node reading each node output; values read by
    // the output sink live to the end.
    let mut position = vec![0; nodes.len()];
    for (pos, &n) in order.iter().enumerate() {
        position[n] = pos;
    }
    let last_use = |src: Source| -> usize {
        edges
            .iter()
            .filter(|(s, _)| *s == src)
            .map(|(_, sink)| match sink {
                Sink::Node { node, .. } => position[*node],
                Sink::Output(_) => usize::MAX,
            })
            .max()
            .unwrap_or(0)
    };

    let mut buffer_of = std::collections::HashMap::<Source, usize>::new();
    for (slot, &b) in sources.iter().enumerate() {
        buffer_of.insert(Source::Implicit(slot), b);
    }
    let mut inputs: Vec<Vec<usize>> = nodes.iter().map(|n| vec![ZERO_BUFFER; n.inputs]).collect();
    let mut outputs: Vec<Vec<Option<usize>>> =
        nodes.iter().map(|n| vec![None; n.outputs]).collect();
    let mut schedule = Vec::new();

    for (pos, &n) in order.iter().enumerate() {
        let mut sums = Vec::new();
        for port in 0..nodes[n].inputs {
            let srcs = feeds(Sink::Node { node: n, port });
            let (buffer, summed) = sink_buffer(&srcs, &buffer_of, &mut pool, &mut schedule);
            inputs[n][port] = buffer;
            if summed {
                sums.push(buffer);
            }
        }
        for port in 0..nodes[n].outputs {
            let src = Source::Node { node: n, port };
            if edges.iter().any(|(s, _)| *s == src) {
                let b = pool.take();
                outputs[n][port] = Some(b);
                buffer_of.insert(src, b);
            }
        }
        schedule.push(Step::Run(pos));
        // Give back what this step was the last to read.
        for dst in sums {
            pool.give(dst);
        }
        let mut read: Vec<Source> = edges
            .iter()
            .filter(|(_, sink)| matches!(sink, Sink::Node { node, .. } if *node == n))
            .map(|(src, _)| *src)
            .filter(|src| matches!(src, Source::Node { .. }))
            .collect();
        read.sort();
        read.dedup();
        for src in read {
            if last_use(src) == pos {
                pool.give(buffer_of[&src]);
            }
        }
    }

    let mut output = [ZERO_BUFFER; 2];
    for (channel, out) in output.iter_mut().enumerate() {
        let srcs = feeds(Sink::Output(channel));
        *out = sink_buffer(&srcs, &buffer_of, &mut pool, &mut schedule).0;
    }

    Ok(ProgramPlan {
        order,
        inputs,
        outputs,
        schedule,
        sources,
        output,
        pool_size: pool.size,
    })
}

/// The buffer a sink reads: the zero buffer, its one source's buffer, or a new buffer
/// that a `Step::Sum` appended to `schedule` fills with the sum of several sources (then
/// the second value is true: the caller gives it back after the reader ran).
fn sink_buffer(
    srcs: &[Source],
    buffer_of: &std::collections::HashMap<Source, usize>,
    pool: &mut Pool,
    schedule: &mut Vec<Step>,
) -> (usize, bool) {
    match srcs {
        [] => (ZERO_BUFFER, false),
        [one] => (buffer_of[one], false),
        many => {
            let dst = pool.take();
            schedule.push(Step::Sum {
                dst,
                srcs: many.iter().map(|s| buffer_of[s]).collect(),
            });
            (dst, true)
        }
    }
}

/// The first cycle in any graph of `desc`, reported as the compiler reports it (the same
/// walk, so the same modules in the same order, as a patch error), without instantiating
/// anything: for refusing an edit that closes a loop before it is committed.
pub fn refuse_cycles(desc: &crate::patch::PatchDesc) -> Result<(), GraphError> {
    for scope in crate::patch::scope::scopes(desc) {
        if let Some((modules, connections)) = crate::patch::scope::graph(desc, &scope) {
            find_cycle(modules, connections).map_err(GraphError::cycle_as_patch_error)?;
        }
    }
    Ok(())
}

/// The first cycle through the modules of one graph of a patch (see [`refuse_cycles`]).
fn find_cycle(
    modules: &indexmap::IndexMap<String, crate::patch::ModuleDesc>,
    connections: &[crate::patch::Connection],
) -> Result<(), GraphError> {
    let shapes: Vec<NodeShape> = modules
        .keys()
        .map(|id| NodeShape {
            id: id.clone(),
            inputs: 0,
            outputs: 0,
        })
        .collect();
    let edges: Vec<(Source, Sink)> = connections
        .iter()
        .filter_map(|c| {
            let from = modules.get_index_of(&c.from().module)?;
            let to = modules.get_index_of(&c.to().module)?;
            Some((
                Source::Node {
                    node: from,
                    port: 0,
                },
                Sink::Node { node: to, port: 0 },
            ))
        })
        .collect();
    run_order(&shapes, &edges).map(|_| ())
}

/// Topological order of the nodes, preferring patch order among independent nodes (so the
/// order is stable and readable). A cycle is an error naming the modules on it.
fn run_order(nodes: &[NodeShape], edges: &[(Source, Sink)]) -> Result<Vec<usize>, GraphError> {
    let mut g = DiGraph::<usize, ()>::with_capacity(nodes.len(), edges.len());
    let idx: Vec<NodeIndex> = (0..nodes.len()).map(|i| g.add_node(i)).collect();
    for (src, sink) in edges {
        if let (Source::Node { node: a, .. }, Sink::Node { node: b, .. }) = (src, sink) {
            g.update_edge(idx[*a], idx[*b], ());
        }
    }
    match toposort(&g, None) {
        Ok(sorted) => {
            // Stable Kahn ordering by patch index; petgraph's sort above proves acyclicity.
            let mut indegree: Vec<usize> = (0..nodes.len())
                .map(|i| g.neighbors_directed(idx[i], petgraph::Incoming).count())
                .collect();
            let mut ready: std::collections::BTreeSet<usize> =
                (0..nodes.len()).filter(|&i| indegree[i] == 0).collect();
            let mut order = Vec::with_capacity(sorted.len());
            while let Some(&n) = ready.iter().next() {
                ready.remove(&n);
                order.push(n);
                for m in g.neighbors_directed(idx[n], petgraph::Outgoing) {
                    let m = g[m];
                    indegree[m] -= 1;
                    if indegree[m] == 0 {
                        ready.insert(m);
                    }
                }
            }
            Ok(order)
        }
        Err(_) => {
            let scc = tarjan_scc(&g)
                .into_iter()
                .find(|scc| scc.len() > 1 || g.contains_edge(scc[0], scc[0]))
                .unwrap_or_default();
            Err(GraphError::Cycle {
                modules: cycle_path(&g, &scc)
                    .into_iter()
                    .map(|i| nodes[i].id.clone())
                    .collect(),
            })
        }
    }
}

/// One loop through a strongly connected component, in signal order, starting at its
/// first module in patch order (breadth-first, so the loop is a shortest one).
fn cycle_path(g: &DiGraph<usize, ()>, scc: &[NodeIndex]) -> Vec<usize> {
    let Some(&start) = scc.iter().min_by_key(|&&i| g[i]) else {
        return Vec::new();
    };
    let mut parent = std::collections::HashMap::new();
    let mut frontier = std::collections::VecDeque::from([start]);
    while let Some(n) = frontier.pop_front() {
        for m in g.neighbors_directed(n, petgraph::Outgoing) {
            if m == start {
                let mut path = vec![g[n]];
                let mut at = n;
                while let Some(&p) = parent.get(&at) {
                    path.push(g[p]);
                    at = p;
                }
                path.reverse();
                return path;
            }
            if scc.contains(&m) && m != start && !parent.contains_key(&m) {
                parent.insert(m, n);
                frontier.push_back(m);
            }
        }
    }
    vec![g[start]]
}

/// Free-list allocator of pool buffer indices. Index 0 is the zero buffer.
struct Pool {
    free: Vec<usize>,
    size: usize,
}

impl Pool {
    fn new() -> Self {
        Pool {
            free: Vec::new(),
            size: 1,
        }
    }

    fn take(&mut self) -> usize {
        // Lowest free index first keeps plans deterministic and readable.
        if let Some(pos) = (0..self.free.len()).min_by_key(|&i| self.free[i]) {
            return self.free.swap_remove(pos);
        }
        self.size += 1;
        self.size - 1
    }

    fn give(&mut self, b: usize) {
        debug_assert!(!self.free.contains(&b) && b != ZERO_BUFFER);
        self.free.push(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes(n: usize, inputs: usize, outputs: usize) -> Vec<NodeShape> {
        (0..n)
            .map(|i| NodeShape {
                id: format!("m{i}"),
                inputs,
                outputs,
            })
            .collect()
    }

    fn edge(a: usize, b: usize) -> (Source, Sink) {
        (
            Source::Node { node: a, port: 0 },
            Sink::Node { node: b, port: 0 },
        )
    }

    #[test]
    fn a_long_chain_needs_a_handful_of_buffers() {
        let nodes = shapes(100, 1, 1);
        let mut edges: Vec<_> = (0..99).map(|i| edge(i, i + 1)).collect();
        edges.push((Source::Node { node: 99, port: 0 }, Sink::Output(0)));
        let p = plan(&nodes, 0, &edges).unwrap();
        assert_eq!(p.order, (0..100).collect::<Vec<_>>());
        // zero buffer + two working buffers.
        assert_eq!(p.pool_size, 3);
        for n in 1..100 {
            assert_ne!(p.inputs[n][0], p.outputs[n][0].unwrap(), "node {n} aliases");
        }
    }

    #[test]
    fn a_chain_written_backwards_still_runs_sources_first() {
        let nodes = shapes(3, 1, 1);
        let edges = vec![edge(2, 1), edge(1, 0)];
        let p = plan(&nodes, 0, &edges).unwrap();
        assert_eq!(p.order, vec![2, 1, 0]);
    }

    #[test]
    fn wide_fan_out_keeps_one_buffer_per_live_value() {
        // One source feeding 50 sinks, each feeding the output: the source lives until the
        // last sink ran, and every sink output lives to the end (summed into the output).
        let nodes = shapes(51, 1, 1);
        let mut edges: Vec<_> = (1..51).map(|i| edge(0, i)).collect();
        edges.extend((1..51).map(|i| (Source::Node { node: i, port: 0 }, Sink::Output(0))));
        let p = plan(&nodes, 0, &edges).unwrap();
        // zero + source + 50 sink outputs; the output sum reuses the source's buffer,
        // free once the last sink ran.
        assert_eq!(p.pool_size, 1 + 1 + 50);
        let sums: Vec<_> = p
            .schedule
            .iter()
            .filter(|s| matches!(s, Step::Sum { .. }))
            .collect();
        assert_eq!(sums.len(), 1);
        // Fan-out to independent sinks that are dropped right away reuses buffers.
        let nodes = shapes(51, 1, 1);
        let mut edges: Vec<_> = (1..51).map(|i| edge(0, i)).collect();
        edges.push((Source::Node { node: 50, port: 0 }, Sink::Output(0)));
        let p = plan(&nodes, 0, &edges).unwrap();
        assert!(p.pool_size <= 4, "{}", p.pool_size);
    }

    #[test]
    fn fan_in_is_summed_before_the_reader() {
        let nodes = shapes(3, 1, 1);
        let edges = vec![edge(0, 2), edge(1, 2)];
        let p = plan(&nodes, 0, &edges).unwrap();
        let sum_at = p
            .schedule
            .iter()
            .position(|s| matches!(s, Step::Sum { .. }))
            .unwrap();
        let run_at = p.schedule.iter().position(|s| *s == Step::Run(2)).unwrap();
        assert!(sum_at < run_at);
        match &p.schedule[sum_at] {
            Step::Sum { dst, srcs } => {
                assert_eq!(srcs.len(), 2);
                assert_eq!(p.inputs[2][0], *dst);
                assert!(!srcs.contains(dst));
            }
            _ => unreachable!(),
        }
    }

    #[test]
    fn unconnected_inputs_read_the_zero_buffer() {
        let nodes = shapes(2, 3, 1);
        let p = plan(&nodes, 0, &[edge(0, 1)]).unwrap();
        assert_eq!(
            p.inputs[1],
            vec![p.outputs[0][0].unwrap(), ZERO_BUFFER, ZERO_BUFFER]
        );
        assert_eq!(p.outputs[1], vec![None]);
        assert_eq!(p.output, [ZERO_BUFFER, ZERO_BUFFER]);
    }

    #[test]
    fn a_cycle_names_the_modules_on_it() {
        let nodes = shapes(4, 1, 1);
        let edges = vec![edge(0, 1), edge(2, 1), edge(1, 3), edge(3, 2), edge(2, 0)];
        match plan(&nodes, 0, &edges) {
            // 0 -> 1 -> 3 -> 2 -> 0, in signal order from the first module.
            Err(GraphError::Cycle { modules }) => assert_eq!(modules, vec!["m0", "m1", "m3", "m2"]),
            other => panic!("expected a cycle, got {other:?}"),
        }
        let edges = vec![edge(3, 3)];
        match plan(&nodes, 0, &edges) {
            Err(GraphError::Cycle { modules }) => assert_eq!(modules, vec!["m3"]),
            other => panic!("expected a cycle, got {other:?}"),
        }
    }

    #[test]
    fn implicit_sources_are_pinned() {
        let nodes = shapes(2, 1, 1);
        let edges = vec![
            (Source::Implicit(1), Sink::Node { node: 0, port: 0 }),
            edge(0, 1),
            (Source::Node { node: 1, port: 0 }, Sink::Output(0)),
        ];
        let p = plan(&nodes, 2, &edges).unwrap();
        assert_eq!(p.sources, vec![1, 2]);
        assert_eq!(p.inputs[0][0], 2);
        let used: Vec<usize> = p.outputs.iter().flatten().flatten().copied().collect();
        assert!(!used.contains(&1) && !used.contains(&2));
    }
}
