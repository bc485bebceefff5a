//! [`compile`]: a validated [`PatchDesc`] becomes a [`CompiledGraph`], every module
//! instantiated and prepared, every buffer allocated. Runs on a control thread.

use chronus_modules::dynamics::safety::SafetyLimiter;
use chronus_modules::{new_block, ParamBlock, Registry, Smoother, MAX_BLOCK};
use indexmap::IndexMap;

use super::channel_state::ChannelState;
use super::compiled::{
    CompiledGraph, Instrument, Layout, Node, NoteOutput, OutputStage, Program, SourceSlot,
    Takeover, Voice,
};
use super::error::GraphError;
use super::files::{node_identity, FileCache};
use super::lineage::{node_map, Lineage};
use super::plan::{plan, NodeShape, ProgramPlan, Sink, Source};
use super::voice_state::VoiceState;
use crate::address::InstrumentKey;
use crate::patch::{self, implicit, Connection, InstrumentDesc, ModuleDesc, PatchDesc};

/// The implicit `output` module's `volume` param.
const VOLUME: chronus_modules::ParamSpec = implicit::OUTPUT_PARAMS[0];

/// Settings for one compilation.
#[derive(Clone, Copy, Debug)]
pub struct CompileOptions<'a> {
    /// Sample rate to prepare modules for.
    pub sample_rate: f32,
    /// Revision number to stamp on the graph.
    pub revision: u64,
    /// Patch seed; every module instance gets its own seed derived from it.
    pub seed: u64,
    /// Layouts of the graph the engine will be running when this one arrives, revision
    /// `revision - 1` (commits are numbered in order); decides between carrying state over
    /// and crossfading, and gives the [`Lineage`]. `None`: the first graph.
    pub previous: Option<&'a [Layout]>,
    /// Instruments played outside the engine besides `midi` ones (the `supercollider`
    /// instruments of a running live backend): their events leave through the outbound
    /// ring instead of being voiced.
    pub outside: &'a [String],
}

/// Compiles `desc` (validated first) for the engine.
pub fn compile(
    desc: &PatchDesc,
    registry: &Registry,
    options: CompileOptions,
) -> Result<CompiledGraph, GraphError> {
    if !(8_000.0..=384_000.0).contains(&options.sample_rate) {
        return Err(GraphError::SampleRate(options.sample_rate));
    }
    patch::validate(desc, registry, None).map_err(GraphError::Invalid)?;
    super::budget::check_state_budget(desc, registry, options.sample_rate)?;
    let instruments_desc: Vec<(&str, &InstrumentDesc)> = patch::scope::instruments(desc)
        .map(|(_, id, inst)| (id, inst))
        .collect();

    // Main program: implicit sources are each instrument's left and right.
    let main_slots: Vec<SourceSlot> = (0..instruments_desc.len())
        .flat_map(|instrument| {
            (0..2).map(move |channel| SourceSlot::Instrument {
                instrument,
                channel,
            })
        })
        .collect();
    let main_ctx = Context {
        modules: &desc.modules,
        connections: &desc.connections,
        source_port: &|id: &str, port: &str| {
            let k = instruments_desc.iter().position(|(i, _)| *i == id)?;
            let ch = implicit::INSTRUMENT_INFO.output(port)?;
            Some(2 * k + ch)
        },
        source_count: main_slots.len(),
    };
    let main_plan = main_ctx.plan(registry)?;
    let mut files = FileCache::new(desc.folder.as_deref());
    let mut main = instantiate(
        &main_ctx,
        &main_plan,
        registry,
        options.sample_rate,
        &|id: &str| instance_seed(options.seed, "", id, 0),
        &mut files,
    )?;
    if let Some(volume) = desc.volume {
        main.output.volume.jump(volume as f32);
    }
    main.output.limiter = desc
        .limit
        .map(|db| SafetyLimiter::new(db as f32, options.sample_rate));
    let mut layouts = vec![main_ctx.layout(registry, "", 1, &main_plan.order)];
    layouts[0].record_values(&main);
    let mut buffer_count = main_plan.pool_size;

    let mut instruments = Vec::with_capacity(instruments_desc.len());
    for (id, inst) in &instruments_desc {
        let ctx = Context {
            modules: &inst.modules,
            connections: &inst.connections,
            source_port: &|m: &str, port: &str| {
                (m == implicit::NOTE_ID).then(|| implicit::NOTE_INFO.output(port))?
            },
            source_count: implicit::NOTE_OUTPUTS.len(),
        };
        let voice_plan = ctx.plan(registry)?;
        buffer_count += voice_plan.pool_size;
        let voices = (0..inst.count)
            .map(|v| {
                let seed = |m: &str| instance_seed(options.seed, id, m, v as u64);
                Ok(Voice {
                    program: instantiate(
                        &ctx,
                        &voice_plan,
                        registry,
                        options.sample_rate,
                        &seed,
                        &mut files,
                    )?,
                    state: VoiceState::default(),
                })
            })
            .collect::<Result<Vec<_>, GraphError>>()?;
        let reads_note = |port: &str| {
            inst.connections
                .iter()
                .any(|c| c.from().module == implicit::NOTE_ID && c.from().port == port)
        };
        let uses_gate = reads_note("gate");
        let mut layout = ctx.layout(registry, id, inst.count, &voice_plan.order);
        if let Some(voice) = voices.first() {
            layout.record_values(&voice.program);
        }
        layouts.push(layout);
        instruments.push(Instrument {
            id: id.to_string(),
            key: InstrumentKey::of(id),
            channel: inst.channel,
            steal: inst.steal.into(),
            voices,
            source_slots: implicit::NOTE_OUTPUTS
                .iter()
                .map(|p| NoteOutput::from_id(p.id))
                .collect(),
            read_sources: (implicit::NOTE_OUTPUTS.iter().enumerate())
                .filter(|(_, p)| reads_note(p.id))
                .map(|(slot, _)| slot)
                .collect(),
            uses_gate,
            controls: ChannelState::default(),
            external: inst.backend.as_ref().is_some_and(|b| b.is_external_only())
                || options.outside.iter().any(|o| o == id),
            voice_cap: inst.count,
        });
    }

    let takeover = match options.previous {
        Some(previous) => takeover(previous, &layouts),
        None => Takeover::Crossfade,
    };
    let lineage = options
        .previous
        .map(|previous| Lineage::between(previous, &layouts, options.revision.saturating_sub(1)));
    Ok(CompiledGraph {
        revision: options.revision,
        sample_rate: options.sample_rate,
        main,
        main_source_slots: main_slots,
        instruments,
        takeover,
        lineage,
        layouts,
        buffer_count,
    })
}

/// Decides how a graph with `new` layouts takes over from one with `old` layouts: when
/// every program has the same connections and the connected modules the same kinds (a
/// param change, or a module added or removed without connections), state carries over
/// node by node (matched by id and kind) and the swap is instant; otherwise crossfade.
pub fn takeover(old: &[Layout], new: &[Layout]) -> Takeover {
    let same_programs = old.len() == new.len()
        && old
            .iter()
            .zip(new)
            .all(|(o, n)| o.program == n.program && o.voices == n.voices);
    if !same_programs {
        return Takeover::Crossfade;
    }
    let mut maps = Vec::with_capacity(new.len());
    for (o, n) in old.iter().zip(new) {
        if o.connections != n.connections {
            return Takeover::Crossfade;
        }
        let connected = |layout: &Layout, id: &str| {
            layout
                .connections
                .iter()
                .any(|(a, b)| module_of(a) == id || module_of(b) == id)
        };
        for (id, kind) in &n.nodes {
            if connected(n, id) && !o.nodes.iter().any(|(i, k)| i == id && k == kind) {
                return Takeover::Crossfade;
            }
        }
        maps.push(node_map(o, n));
    }
    Takeover::Carry(maps)
}

/// A module instance's seed: the patch seed mixed with the program, the module id and the
/// voice (splitmix64 over FNV-1a), stable across runs and platforms.
pub fn instance_seed(seed: u64, program: &str, module: &str, voice: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in program.bytes().chain([0]).chain(module.bytes()) {
        h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut z = h ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ voice.rotate_left(32);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn module_of(port_ref: &str) -> &str {
    port_ref.rsplit_once('.').map_or(port_ref, |(m, _)| m)
}

/// One graph context: the main graph or one voice template.
struct Context<'a> {
    modules: &'a IndexMap<String, ModuleDesc>,
    connections: &'a [Connection],
    /// Resolves `id.port` of an implicit source to its slot.
    source_port: &'a dyn Fn(&str, &str) -> Option<usize>,
    source_count: usize,
}

impl Context<'_> {
    fn info(
        &self,
        registry: &Registry,
        id: &str,
    ) -> Result<&'static chronus_modules::ModuleInfo, GraphError> {
        let m = self
            .modules
            .get(id)
            .ok_or_else(|| GraphError::Unresolved(format!("no module \"{id}\"")))?;
        registry
            .get(&m.kind)
            .map(|e| e.info)
            .ok_or_else(|| GraphError::Unresolved(format!("unknown module kind \"{}\"", m.kind)))
    }

    fn edges(&self, registry: &Registry) -> Result<Vec<(Source, Sink)>, GraphError> {
        let mut edges = Vec::with_capacity(self.connections.len());
        for c in self.connections {
            let (from, to) = (c.from(), c.to());
            let source = match self.modules.get_index_of(&from.module) {
                Some(node) => Source::Node {
                    node,
                    port: self
                        .info(registry, &from.module)?
                        .output(&from.port)
                        .ok_or_else(|| GraphError::Unresolved(format!("no output \"{from}\"")))?,
                },
                None => Source::Implicit(
                    (self.source_port)(&from.module, &from.port)
                        .ok_or_else(|| GraphError::Unresolved(format!("no output \"{from}\"")))?,
                ),
            };
            let sink = match self.modules.get_index_of(&to.module) {
                Some(node) => Sink::Node {
                    node,
                    port: self
                        .info(registry, &to.module)?
                        .input(&to.port)
                        .ok_or_else(|| GraphError::Unresolved(format!("no input \"{to}\"")))?,
                },
                None if to.module == implicit::OUTPUT_ID => Sink::Output(
                    implicit::OUTPUT_INFO
                        .input(&to.port)
                        .ok_or_else(|| GraphError::Unresolved(format!("no input \"{to}\"")))?,
                ),
                None => return Err(GraphError::Unresolved(format!("no input \"{to}\""))),
            };
            edges.push((source, sink));
        }
        Ok(edges)
    }

    fn plan(&self, registry: &Registry) -> Result<ProgramPlan, GraphError> {
        let shapes = self
            .modules
            .keys()
            .map(|id| {
                let info = self.info(registry, id)?;
                Ok(NodeShape {
                    id: id.clone(),
                    inputs: info.inputs.len(),
                    outputs: info.outputs.len(),
                })
            })
            .collect::<Result<Vec<_>, GraphError>>()?;
        plan(&shapes, self.source_count, &self.edges(registry)?)
            .map_err(GraphError::cycle_as_patch_error)
    }

    /// The layout, nodes listed in run order (the order of the instantiated program); its
    /// values are recorded from the instantiated program ([`Layout::record_values`]). A
    /// node's kind there is its identity (`files::node_identity`: the kind, and the files
    /// it reads).
    fn layout(&self, registry: &Registry, program: &str, voices: usize, order: &[usize]) -> Layout {
        let mut connections: Vec<(String, String)> = self
            .connections
            .iter()
            .map(|c| (c.from().to_string(), c.to().to_string()))
            .collect();
        connections.sort();
        connections.dedup();
        Layout {
            program: program.to_string(),
            voices,
            nodes: order
                .iter()
                .map(|&n| {
                    let (id, m) = self
                        .modules
                        .get_index(n)
                        .expect("plan indices come from modules");
                    let kind = match registry.get(&m.kind) {
                        Some(entry) => node_identity(m, entry.info),
                        None => m.kind.clone(),
                    };
                    (id.clone(), kind)
                })
                .collect(),
            connections,
            ..Layout::default()
        }
    }
}

/// Builds one program from its plan: fresh module instances, prepared; buffers; smoothers
/// at the patch's values.
fn instantiate(
    ctx: &Context,
    plan: &ProgramPlan,
    registry: &Registry,
    sample_rate: f32,
    seed: &dyn Fn(&str) -> u64,
    files: &mut FileCache,
) -> Result<Program, GraphError> {
    let mut nodes = Vec::with_capacity(plan.order.len());
    for &n in &plan.order {
        let (id, desc) = ctx
            .modules
            .get_index(n)
            .expect("plan indices come from modules");
        let entry = registry.get(&desc.kind).ok_or_else(|| {
            GraphError::Unresolved(format!("unknown module kind \"{}\"", desc.kind))
        })?;
        let info = entry.info;
        let mut module = (entry.create)();
        module.prepare(sample_rate, MAX_BLOCK);
        module.seed(seed(id));
        files.load_into(id, desc, info, module.as_mut())?;
        let inputs = plan.inputs[n].clone();
        let modulation: Vec<Option<usize>> = info
            .params
            .iter()
            .map(|p| {
                info.input(p.id)
                    .map(|port| inputs[port])
                    .filter(|&b| b != super::ZERO_BUFFER)
            })
            .collect();
        let mut smoothers = Vec::with_capacity(info.params.len());
        for (p, spec) in info.params.iter().enumerate() {
            let value = match desc.params.get(spec.id) {
                Some(v) => spec
                    .accept(v)
                    .map_err(|e| GraphError::Unresolved(format!("module \"{id}\": {e}")))?,
                None => spec.unset_value(modulation[p].is_some()),
            };
            smoothers.push(Smoother::new(spec.smoothing, sample_rate, value));
        }
        nodes.push(Node {
            module,
            info,
            outputs: plan.outputs[n].clone(),
            out_scratch: info.outputs.iter().map(|_| new_block()).collect(),
            param_blocks: smoothers
                .iter()
                .map(|s| ParamBlock::constant(s.value()))
                .collect(),
            live_params: Node::all_params(smoothers.len()),
            modulated_params: modulation
                .iter()
                .enumerate()
                .filter(|(_, m)| m.is_some())
                .fold(0, |bits, (p, _)| bits | Node::param_bit(p)),
            smoothers,
            modulation,
            inputs,
        });
    }
    Ok(Program {
        nodes,
        pool: (0..plan.pool_size).map(|_| new_block()).collect(),
        held: vec![None; plan.pool_size],
        spare: new_block(),
        schedule: plan.schedule.clone(),
        sources: plan.sources.clone(),
        output: OutputStage {
            left: plan.output[0],
            right: plan.output[1],
            volume: Smoother::new(VOLUME.smoothing, sample_rate, VOLUME.default),
            volume_block: ParamBlock::constant(VOLUME.default),
            limiter: None,
        },
    })
}
