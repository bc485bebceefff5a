//! The output of the compiler: a [`CompiledGraph`] is everything the audio thread needs to
//! play one revision of a patch, fully allocated before it is sent.
//!
//! A graph is made of [`Program`]s: the main graph, and one program per voice of each
//! instrument (every voice of an instrument runs the same program layout). A program owns
//! its nodes (module instances in topological order), a pool of block buffers reused by
//! liveness, and a schedule of [`Step`]s. The engine runs them.

use chronus_modules::dynamics::safety::SafetyLimiter;
use chronus_modules::{BlockBuf, Module, ModuleInfo, ParamBlock, Smoother};

use super::channel_state::ChannelState;
use super::lineage::Lineage;
use super::voice_state::VoiceState;
use crate::address::{InstrumentKey, ParamSlot};
use crate::patch::Steal;

/// Index of the always-zero buffer in every program's pool. Unconnected inputs read it.
pub const ZERO_BUFFER: usize = 0;

/// One module instance with the buffers and smoothers it needs.
pub struct Node {
    /// The instance. Swapped wholesale into the next graph when id and kind are unchanged.
    pub module: Box<dyn Module>,
    /// Its kind's description.
    pub info: &'static ModuleInfo,
    /// Pool buffer read by each input port (`ZERO_BUFFER` when unconnected).
    pub inputs: Vec<usize>,
    /// Pool buffer written by each output port, or `None` when nothing reads it.
    pub outputs: Vec<Option<usize>>,
    /// Node-owned buffers the module writes into; after `process`, consumed outputs trade
    /// places with their pool buffer (pointer swaps, no copies).
    pub out_scratch: Vec<BlockBuf>,
    /// One smoother per param: the live value.
    pub smoothers: Vec<Smoother>,
    /// The per-block param values handed to `process`.
    pub param_blocks: Vec<ParamBlock>,
    /// For each param, the pool buffer of the input port that modulates it, if connected.
    pub modulation: Vec<Option<usize>>,
    /// The params the engine renders this block, one bit per param (see
    /// [`Node::param_bit`]): a param from when its smoother is given a new target
    /// ([`Node::retarget`]), or its modulation a new value ([`Program::mark_modulated_live`]),
    /// until it has settled and its block holds the value; a param modulated by a signal
    /// that is not a held `note` source, always. The others are skipped without being
    /// touched: their rendering would leave the block as it is.
    pub live_params: u64,
    /// The bits of the modulated params (those with `modulation`).
    pub modulated_params: u64,
}

impl Node {
    /// The bit of param `p` in [`live_params`](Self::live_params); 0 past the 64th param
    /// (those are rendered every block).
    pub fn param_bit(p: usize) -> u64 {
        if p < 64 {
            1 << p
        } else {
            0
        }
    }

    /// The bits of the first `count` params.
    pub fn all_params(count: usize) -> u64 {
        if count >= 64 {
            u64::MAX
        } else {
            (1 << count) - 1
        }
    }

    /// Glides param `p` to `value` and marks it live. False when there is no param `p`.
    /// **Real-time safe.**
    pub fn retarget(&mut self, p: usize, value: f32) -> bool {
        match self.smoothers.get_mut(p) {
            Some(s) => {
                s.set_target(value);
                self.live_params |= Self::param_bit(p);
                true
            }
            None => false,
        }
    }

    /// Marks every param live (after the smoothers were replaced wholesale).
    pub fn mark_params_live(&mut self) {
        self.live_params = Self::all_params(self.smoothers.len());
    }
}

impl Program {
    /// Marks every modulated param of every node live: the engine calls it when it
    /// changes what a `note` source holds (rare: a new note, a bend, pressure), so the
    /// params that read it are rendered again.
    pub fn mark_modulated_live(&mut self) {
        for node in &mut self.nodes {
            node.live_params |= node.modulated_params;
        }
    }

    /// Ends every glide in progress: each param (and the output volume) jumps to its
    /// target, and a param that jumped is marked live so its block is rendered again. The
    /// engine calls it when a voice that was silent starts a note: a free voice is not
    /// processed, so a change made while it was free has not glided yet, and the note must
    /// start at the value set before it, as on a hardware synth. **Real-time safe.**
    pub fn settle_params(&mut self) {
        for node in &mut self.nodes {
            for (p, smoother) in node.smoothers.iter_mut().enumerate() {
                if !smoother.is_settled() {
                    smoother.jump(smoother.target());
                    node.live_params |= Node::param_bit(p);
                }
            }
        }
        let volume = &mut self.output.volume;
        if !volume.is_settled() {
            volume.jump(volume.target());
        }
    }
}

/// One step of a program's schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// `pool[dst] = sum of pool[srcs]` (fan-in of several sources into one input).
    Sum {
        /// Destination buffer.
        dst: usize,
        /// Source buffers (at least two).
        srcs: Vec<usize>,
    },
    /// Run node `n`.
    Run(usize),
}

/// The implicit `output` sink of a program: where its left/right signals are read, and
/// its `volume` param.
pub struct OutputStage {
    /// Pool buffer holding the left signal after the schedule ran.
    pub left: usize,
    /// Pool buffer holding the right signal after the schedule ran.
    pub right: usize,
    /// The `volume` param.
    pub volume: Smoother,
    /// Scratch for the volume values of one block.
    pub volume_block: ParamBlock,
    /// The safety limiter after the volume (the main graph's, when the patch sets
    /// `limit`; never a voice's).
    pub limiter: Option<SafetyLimiter>,
}

/// A runnable graph: nodes, buffers, schedule.
pub struct Program {
    /// Module instances in topological order.
    pub nodes: Vec<Node>,
    /// Buffer pool; `pool[ZERO_BUFFER]` stays zero.
    pub pool: Vec<BlockBuf>,
    /// Spare buffer used by `Step::Sum`.
    pub spare: BlockBuf,
    /// What to do each block, in order.
    pub schedule: Vec<Step>,
    /// Implicit sources: pool buffers the engine fills before running the schedule
    /// (`note` outputs in a voice, instrument outputs in the main graph), in the order of
    /// [`SourceSlot`]s given at compile time.
    pub sources: Vec<usize>,
    /// The implicit `output` sink.
    pub output: OutputStage,
    /// For each pool buffer, the value it holds in all `MAX_BLOCK` samples when the engine
    /// knows it: set only for implicit sources the engine filled with a constant (a held
    /// note's `freq`, `gate`, ...), `None` for every other buffer. A parameter modulated by
    /// such a buffer takes it as one value (no scan), and an unchanged source is not
    /// rewritten.
    pub held: Vec<Option<f32>>,
}

/// The implicit sources a program's `sources` list refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceSlot {
    /// `note.freq`, `note.gate`, `note.velocity`, `note.pitch` (voice programs).
    Note(NoteOutput),
    /// An instrument's summed `left` (0) or `right` (1) output (main program).
    Instrument {
        /// Instrument index.
        instrument: usize,
        /// 0 = left, 1 = right.
        channel: usize,
    },
}

/// What an output of the implicit `note` module carries (its ports are listed in
/// `patch::implicit::NOTE_OUTPUTS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteOutput {
    /// Frequency in Hz.
    Freq,
    /// 1 while held, 0 after release.
    Gate,
    /// 0..1.
    Velocity,
    /// MIDI note number.
    Pitch,
    /// Pressure 0..1: the larger of channel pressure and the note's poly aftertouch.
    Pressure,
    /// A port this engine does not fill yet: reads 0.
    Unknown,
}

impl NoteOutput {
    /// The meaning of the `note` output port `id`.
    pub fn from_id(id: &str) -> Self {
        match id {
            "freq" => NoteOutput::Freq,
            "gate" => NoteOutput::Gate,
            "velocity" => NoteOutput::Velocity,
            "pitch" => NoteOutput::Pitch,
            "pressure" => NoteOutput::Pressure,
            _ => NoteOutput::Unknown,
        }
    }
}

/// The voices of one instrument.
pub struct Instrument {
    /// Instrument id (`voices` for the `voice:` shorthand).
    pub id: String,
    /// The id's key, as note events name the instrument.
    pub key: InstrumentKey,
    /// MIDI channel 1–16, or `None` for every channel.
    pub channel: Option<u8>,
    /// Stealing policy.
    pub steal: StealPolicy,
    /// The voices, each running its own program of the same layout.
    pub voices: Vec<Voice>,
    /// What each entry of a voice program's `sources` carries.
    pub source_slots: Vec<NoteOutput>,
    /// The entries of `source_slots` the template reads (a connection from that `note`
    /// output), in order: only these are filled each block.
    pub read_sources: Vec<usize>,
    /// True when the template reads `note.gate`; otherwise a released voice is faded out by
    /// the engine (there is no envelope to do it).
    pub uses_gate: bool,
    /// Channel state (bend, pressure, pedal, volume, pan, tuning) shared by its voices;
    /// carried to the next graph's instrument of the same id.
    pub controls: ChannelState,
    /// True when a backend outside the engine plays this instrument (a `midi` backend):
    /// the engine sends its events out through the outbound ring instead of voicing them.
    pub external: bool,
    /// The most voices it may sound now: `voices.len()`, lowered by overload shedding (the
    /// engine sets it every sub-block from its shedding level).
    pub voice_cap: usize,
}

/// Which held voice a note takes when every voice of its instrument is busy: the patch's
/// `steal` setting (`patch::Steal`), compiled into the engine's terms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StealPolicy {
    /// Take the voice that started longest ago.
    #[default]
    Oldest,
    /// Take the voice with the lowest envelope level.
    Quietest,
    /// Drop the new note (counted).
    None,
}

impl From<Steal> for StealPolicy {
    /// The policy the patch's `steal` setting names.
    fn from(steal: Steal) -> Self {
        match steal {
            Steal::Oldest => StealPolicy::Oldest,
            Steal::Quietest => StealPolicy::Quietest,
            Steal::None => StealPolicy::None,
        }
    }
}

/// One voice: its program and what it is playing.
pub struct Voice {
    /// The voice template, instantiated for this voice.
    pub program: Program,
    /// Note, gate, age, level.
    pub state: VoiceState,
}

/// Node ids, param values and topology of one program, kept to decide how the next graph
/// takes over.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    /// `""` for the main graph, else the instrument id.
    pub program: String,
    /// Number of voices (1 for the main graph).
    pub voices: usize,
    /// `(id, kind)` per node, in run order (the program's node order).
    pub nodes: Vec<(String, String)>,
    /// Per node, the engine value of each param the graph was last given: the patch's at
    /// compile time, then each live change the controller sends (see
    /// [`set_value`](Self::set_value)).
    pub values: Vec<Vec<f32>>,
    /// The output volume, likewise.
    pub volume: f32,
    /// Resolved connections (`"a.out" -> "b.in"` as strings), sorted.
    pub connections: Vec<(String, String)>,
}

impl Layout {
    /// Records the values `program` was compiled with.
    pub fn record_values(&mut self, program: &Program) {
        self.values = program
            .nodes
            .iter()
            .map(|n| n.smoothers.iter().map(Smoother::target).collect())
            .collect();
        self.volume = program.output.volume.target();
    }

    /// Records a live change of the param in `slot` (ignored when there is no such param).
    pub fn set_value(&mut self, slot: ParamSlot, value: f32) {
        match slot {
            ParamSlot::Module { node, param } => {
                if let Some(v) = self
                    .values
                    .get_mut(node as usize)
                    .and_then(|values| values.get_mut(param as usize))
                {
                    *v = value;
                }
            }
            ParamSlot::OutputVolume => self.volume = value,
        }
    }
}

/// How the engine should take over from the graph it is running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Takeover {
    /// Swap instantly; for each program (main first, then each instrument in order), the
    /// previous node index whose state each new node takes (`None`: starts fresh).
    Carry(Vec<Vec<Option<usize>>>),
    /// The topology changed: crossfade from the old graph to this one.
    Crossfade,
}

/// A compiled, fully allocated patch revision.
pub struct CompiledGraph {
    /// Revision number (increases with every commit).
    pub revision: u64,
    /// Sample rate it was prepared for.
    pub sample_rate: f32,
    /// The main graph.
    pub main: Program,
    /// What each entry of `main.sources` carries.
    pub main_source_slots: Vec<SourceSlot>,
    /// Instruments in patch order (the first is the default note target).
    pub instruments: Vec<Instrument>,
    /// How to take over from the graph that runs before this one.
    pub takeover: Takeover,
    /// How its programs, nodes and params descend from that graph's (`None` for the first
    /// graph): which params keep their live value, where scheduled changes go.
    pub lineage: Option<Lineage>,
    /// Layout of the main program then of each instrument's voice program.
    pub layouts: Vec<Layout>,
    /// Number of pool buffers in the main program plus one voice of each instrument (for
    /// tests and `chronus graph`).
    pub buffer_count: usize,
}

impl CompiledGraph {
    /// Every program: main, then every voice of every instrument.
    pub fn programs_mut(&mut self) -> impl Iterator<Item = &mut Program> {
        std::iter::once(&mut self.main).chain(
            self.instruments
                .iter_mut()
                .flat_map(|i| i.voices.iter_mut().map(|v| &mut v.program)),
        )
    }
}
