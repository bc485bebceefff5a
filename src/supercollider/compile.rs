//! A patch's graphs as SynthDefs: each instrument's voice template becomes a voice def,
//! the main graph a def of its own, from the counterparts the module kinds declare
//! ([`chronus_modules::supercollider`]). The host names no kind here: every kind-specific
//! fact is in the counterpart.
//!
//! # The defs
//! - **A voice** (`compile_voice`): controls `out` (the instrument's bus pair), `freq`,
//!   `amp` (velocity 0..1), `gate`, `pan` (the instrument's balance, −1..1), `pressure`,
//!   then `{module}.{param}` for every param of every module (enum params excepted: the
//!   counterpart picks its UGen by their value when the def is built), and
//!   `output.volume`. The `note` module's outputs read those controls (`pitch` is
//!   `freq.cpsmidi`). The voice's `output.left`/`right` leave through
//!   `OffsetOut.ar(out, …)`, so a voice started by a time-tagged bundle sounds from its
//!   exact sample. The synth frees itself once its gate is off and it has been silent
//!   (below −100 dBFS) for 10 ms, as Chronus frees a voice; a template that never reads
//!   the gate fades out over 3 ms at note-off, as Chronus does.
//! - **The main graph** (`compile_main`): controls `out` (the output bus, 0), one
//!   `{instrument}.bus` per instrument (where its voices write), `{module}.{param}`, and
//!   `output.volume`; the instruments are `In.ar` of their buses; the patch's `limit`
//!   (the safety limiter, [`limit`](super::limit)) after the volume; `Out.ar(out, …)`.
//!
//! A param is its control, plus the signal on the input of the same id when one is
//! connected, clipped to the param's range (Chronus's modulation rule). A module whose
//! kind has no counterpart is refused with its position in the file.

use std::collections::HashMap;

use chronus_modules::{ModuleInfo, ParamKind, ParamSpec, Registry, Sc, ScBinOp, ScRate, ScUnaryOp};
use indexmap::IndexMap;
use thiserror::Error;

use crate::patch::implicit::{OUTPUT_ID, OUTPUT_PARAMS};
use crate::patch::scope::{graph, instruments};
use crate::patch::{
    implicit_module, Connection, Implicit, ModuleDesc, PatchDesc, Scope, SourceMap,
};

use super::builder::{DefBuilder, Sig, SHARED_SCOPE};
use super::synthdef::{Rate, SynthDef, SynthDefError};

/// Peak below which a released voice counts as silent (Chronus's, −100 dBFS).
const SILENCE_LEVEL: f32 = 1e-5;
/// How long a released voice must stay silent to be freed, in seconds.
const SILENCE_S: f32 = 0.01;
/// Fade of a template without a gate at note-off, in seconds.
const GATELESS_FADE_S: f32 = 0.003;
/// The first audio bus [`compile_main`] reads instruments from by default (the score and
/// the live backend pass the buses they use).
pub const FIRST_INSTRUMENT_BUS: i32 = 16;
/// The control a voice reads its note frequency from.
pub const FREQ: &str = "freq";
/// The control a voice reads its velocity from.
pub const AMP: &str = "amp";
/// The control a voice reads its gate from.
pub const GATE: &str = "gate";
/// The control a voice reads its instrument's pan from.
pub const PAN: &str = "pan";
/// The control giving the bus a def writes to.
pub const OUT: &str = "out";
/// The control that steals a voice: set above 0, the synth fades out over
/// [`STEAL_FADE_S`](super::voices::STEAL_FADE_S) (the engine's steal fade) and frees
/// itself.
pub const STOLEN: &str = "stolen";

/// Why a graph cannot become a SynthDef.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ScError {
    /// A module whose kind has no SuperCollider counterpart.
    #[error("{at}module {module:?} in {scope}: kind {kind:?} has no SuperCollider counterpart")]
    Unmapped {
        /// `file:line:col: ` (the parts known), or empty.
        at: String,
        /// The module's id.
        module: String,
        /// Its kind.
        kind: String,
        /// Its graph.
        scope: Scope,
    },
    /// A graph that is not in the patch.
    #[error("{0} is not in the patch")]
    NoGraph(Scope),
    /// A cycle (the graph compiler refuses those too).
    #[error("module {0:?} is on a cycle")]
    Cycle(String),
    /// A counterpart naming something its kind does not have (a bug in its data).
    #[error(
        "the SuperCollider counterpart of kind {kind:?} names {what:?}, which it does not have"
    )]
    BadCounterpart {
        /// The kind.
        kind: String,
        /// The param or port.
        what: String,
    },
    /// The def cannot be written.
    #[error(transparent)]
    SynthDef(#[from] SynthDefError),
}

/// A def and what its controls are.
#[derive(Clone, Debug, PartialEq)]
pub struct CompiledDef {
    /// The def.
    pub def: SynthDef,
    /// For each `{module}.{param}` control: the module id and the param's spec.
    pub params: Vec<(String, String, &'static ParamSpec)>,
}

/// Every module of the patch whose kind has no counterpart, as errors with positions
/// (`file` prefixes them when given).
pub fn unmapped(
    desc: &PatchDesc,
    registry: &Registry,
    map: Option<&SourceMap>,
    file: Option<&str>,
) -> Vec<ScError> {
    let mut out = Vec::new();
    for scope in crate::patch::scope::scopes(desc) {
        if let Some((modules, _)) = graph(desc, &scope) {
            out.extend(unmapped_in(modules, &scope, registry, map, file));
        }
    }
    out
}

fn unmapped_in(
    modules: &IndexMap<String, ModuleDesc>,
    scope: &Scope,
    registry: &Registry,
    map: Option<&SourceMap>,
    file: Option<&str>,
) -> Vec<ScError> {
    modules
        .iter()
        .filter(|(_, m)| {
            registry
                .get(&m.kind)
                .and_then(|e| e.supercollider)
                .is_none()
        })
        .map(|(id, m)| {
            let pos = map.and_then(|m| m.kind(scope, id).or_else(|| m.module(scope, id)));
            let at = match (file, pos) {
                (Some(f), Some(p)) => format!("{f}:{p}: "),
                (Some(f), None) => format!("{f}: "),
                (None, Some(p)) => format!("{p}: "),
                (None, None) => String::new(),
            };
            ScError::Unmapped {
                at,
                module: id.clone(),
                kind: m.kind.clone(),
                scope: scope.clone(),
            }
        })
        .collect()
}

/// The voice def of the instrument whose template is `scope`, named `name`.
pub fn compile_voice(
    desc: &PatchDesc,
    registry: &Registry,
    scope: &Scope,
    name: &str,
    map: Option<&SourceMap>,
) -> Result<CompiledDef, ScError> {
    let fixed = [
        (OUT, 0.0),
        (FREQ, 440.0),
        (AMP, 1.0),
        (GATE, 1.0),
        (PAN, 0.0),
        ("pressure", 0.0),
        (STOLEN, 0.0),
    ];
    let mut g = GraphDef::new(desc, registry, scope, name, map, &fixed)?;
    let (l, r) = g.output()?;
    let gate = g.control(GATE);
    let (mut l, mut r) = (l, r);
    if !g.reads_gate() {
        let env = fade_on_release(&mut g.b, gate, GATELESS_FADE_S, 0.0);
        l = g.b.bin(ScBinOp::Mul, l, env);
        r = g.b.bin(ScBinOp::Mul, r, env);
    }
    // A stolen voice fades out and frees itself (done action 2).
    let stolen = g.control(STOLEN);
    let kept = g.b.bin(ScBinOp::LessOrEqual, stolen, Sig::Const(0.0));
    let steal = fade_on_release(&mut g.b, kept, super::voices::STEAL_FADE_S as f32, 2.0);
    let (l, r) = (
        g.b.bin(ScBinOp::Mul, l, steal),
        g.b.bin(ScBinOp::Mul, r, steal),
    );
    // The instrument's balance: centre leaves both sides at unity.
    let pan = g.control(PAN);
    let one = Sig::Const(1.0);
    let lg = g.b.bin(ScBinOp::Sub, one, pan);
    let lg = g.b.bin(ScBinOp::Min, lg, one);
    let rg = g.b.bin(ScBinOp::Add, one, pan);
    let rg = g.b.bin(ScBinOp::Min, rg, one);
    let l = g.b.bin(ScBinOp::Mul, l, lg);
    let r = g.b.bin(ScBinOp::Mul, r, rg);
    let (l, r) = (g.b.audio(l), g.b.audio(r));
    // Free the synth once released and silent.
    let al = g.b.unary(ScUnaryOp::Abs, l);
    let ar = g.b.unary(ScUnaryOp::Abs, r);
    let level = g.b.bin(ScBinOp::Add, al, ar);
    let silent = g.b.ugen1(
        SHARED_SCOPE,
        "DetectSilence",
        Rate::Audio,
        0,
        &[
            level,
            Sig::Const(SILENCE_LEVEL),
            Sig::Const(SILENCE_S),
            Sig::Const(0.0),
        ],
    );
    let released = g.b.bin(ScBinOp::LessOrEqual, gate, Sig::Const(0.0));
    let free = g.b.bin(ScBinOp::Mul, silent, released);
    g.b.ugen(SHARED_SCOPE, "FreeSelf", Rate::Control, 0, &[free], 1);
    let out = g.control(OUT);
    g.b.ugen(SHARED_SCOPE, "OffsetOut", Rate::Audio, 0, &[out, l, r], 0);
    Ok(g.finish())
}

/// `EnvGen.ar(Env([1, 0], [fade], releaseNode: 0), gate, doneAction: done)`: 1 while the
/// gate is on, then down to 0 in a straight line over `fade` seconds.
fn fade_on_release(b: &mut DefBuilder, gate: Sig, fade: f32, done: f32) -> Sig {
    let k = Sig::Const;
    let inputs = [
        gate,
        k(1.0),
        k(0.0),
        k(1.0),
        k(done),
        k(1.0),
        k(1.0),
        k(0.0),
        k(-99.0),
        k(0.0),
        k(fade),
        k(1.0),
        k(0.0),
    ];
    b.ugen1(SHARED_SCOPE, "EnvGen", Rate::Audio, 0, &inputs)
}

/// The def of the main graph, named `name`. Instrument `i` (in patch order) is read from
/// bus `FIRST_INSTRUMENT_BUS + 2 i` unless `{instrument}.bus` is set.
pub fn compile_main(
    desc: &PatchDesc,
    registry: &Registry,
    name: &str,
    map: Option<&SourceMap>,
) -> Result<CompiledDef, ScError> {
    let buses: Vec<(String, f32)> = instruments(desc)
        .enumerate()
        .map(|(i, (_, id, _))| {
            (
                format!("{id}.bus"),
                (FIRST_INSTRUMENT_BUS + 2 * i as i32) as f32,
            )
        })
        .collect();
    let mut fixed: Vec<(&str, f32)> = vec![(OUT, 0.0)];
    fixed.extend(buses.iter().map(|(n, v)| (n.as_str(), *v)));
    let mut g = GraphDef::new(desc, registry, &Scope::Main, name, map, &fixed)?;
    let (l, r) = g.output()?;
    let (mut l, mut r) = (g.b.audio(l), g.b.audio(r));
    if let Some(ceiling) = desc.limit {
        (l, r) = super::limit::safety_limiter(&mut g.b, l, r, ceiling as f32);
    }
    let out = g.control(OUT);
    g.b.ugen(SHARED_SCOPE, "Out", Rate::Audio, 0, &[out, l, r], 0);
    Ok(g.finish())
}

/// One graph being compiled.
struct GraphDef<'a> {
    b: DefBuilder,
    registry: &'a Registry,
    scope: Scope,
    modules: &'a IndexMap<String, ModuleDesc>,
    connections: &'a [Connection],
    desc: &'a PatchDesc,
    /// Control name → signal.
    controls: HashMap<String, Sig>,
    params: Vec<(String, String, &'static ParamSpec)>,
    /// Each module's output signals, once built.
    built: HashMap<String, Vec<Sig>>,
    /// Modules being built (a cycle check).
    visiting: Vec<String>,
}

impl<'a> GraphDef<'a> {
    fn new(
        desc: &'a PatchDesc,
        registry: &'a Registry,
        scope: &Scope,
        name: &str,
        map: Option<&SourceMap>,
        fixed: &[(&str, f32)],
    ) -> Result<GraphDef<'a>, ScError> {
        let (modules, connections) =
            graph(desc, scope).ok_or_else(|| ScError::NoGraph(scope.clone()))?;
        if let Some(e) = unmapped_in(modules, scope, registry, map, None)
            .into_iter()
            .next()
        {
            return Err(e);
        }
        let mut names: Vec<(String, f32)> =
            fixed.iter().map(|(n, v)| (n.to_string(), *v)).collect();
        let mut params = Vec::new();
        let connected = |id: &str, port: &str| {
            connections
                .iter()
                .any(|c| c.to().module == id && c.to().port == port)
        };
        for (id, m) in modules {
            let info = registry
                .get(&m.kind)
                .expect("mapped kinds are registered")
                .info;
            for spec in info.params {
                if matches!(spec.kind, ParamKind::Enum { .. }) {
                    continue;
                }
                let value = m
                    .params
                    .get(spec.id)
                    .and_then(|v| spec.accept(v).ok())
                    .unwrap_or_else(|| spec.unset_value(connected(id, spec.id)));
                names.push((format!("{id}.{}", spec.id), value));
                params.push((format!("{id}.{}", spec.id), id.clone(), spec));
            }
        }
        let volume = match scope {
            Scope::Main => desc.volume.map_or(OUTPUT_PARAMS[0].default, |v| v as f32),
            _ => OUTPUT_PARAMS[0].default,
        };
        let volume_name = format!("{OUTPUT_ID}.{}", OUTPUT_PARAMS[0].id);
        names.push((volume_name.clone(), volume));
        params.push((volume_name, OUTPUT_ID.to_string(), &OUTPUT_PARAMS[0]));
        let (b, sigs) = DefBuilder::new(name, &names);
        let controls = names.into_iter().map(|(n, _)| n).zip(sigs).collect();
        Ok(GraphDef {
            b,
            registry,
            scope: scope.clone(),
            modules,
            connections,
            desc,
            controls,
            params,
            built: HashMap::new(),
            visiting: Vec::new(),
        })
    }

    fn finish(self) -> CompiledDef {
        CompiledDef {
            def: self.b.finish(),
            params: self.params,
        }
    }

    fn control(&self, name: &str) -> Sig {
        self.controls[name]
    }

    /// Whether anything reads `note.gate`.
    fn reads_gate(&self) -> bool {
        self.connections
            .iter()
            .any(|c| c.from().module == crate::patch::implicit::NOTE_ID && c.from().port == GATE)
    }

    /// `output.left` and `output.right`, each × `output.volume`.
    fn output(&mut self) -> Result<(Sig, Sig), ScError> {
        let volume = self.control(&format!("{OUTPUT_ID}.volume"));
        let l = self
            .input_sum(OUTPUT_ID, "left")?
            .unwrap_or(Sig::Const(0.0));
        let r = self
            .input_sum(OUTPUT_ID, "right")?
            .unwrap_or(Sig::Const(0.0));
        Ok((
            self.b.bin(ScBinOp::Mul, l, volume),
            self.b.bin(ScBinOp::Mul, r, volume),
        ))
    }

    /// The sum of what is connected to `module.port`, or `None`.
    fn input_sum(&mut self, module: &str, port: &str) -> Result<Option<Sig>, ScError> {
        let sources: Vec<(String, String)> = self
            .connections
            .iter()
            .filter(|c| c.to().module == module && c.to().port == port)
            .map(|c| (c.from().module.clone(), c.from().port.clone()))
            .collect();
        if sources.is_empty() {
            return Ok(None);
        }
        let mut sigs = Vec::new();
        for (m, p) in sources {
            sigs.push(self.port(&m, &p)?);
        }
        Ok(Some(self.b.sum(&sigs)))
    }

    /// The signal of output `port` of `module`.
    fn port(&mut self, module: &str, port: &str) -> Result<Sig, ScError> {
        match implicit_module(self.desc, &self.scope, module) {
            Some(Implicit::Note) => {
                return Ok(match port {
                    "freq" => self.control(FREQ),
                    "gate" => self.control(GATE),
                    "velocity" => self.control(AMP),
                    "pitch" => {
                        let f = self.control(FREQ);
                        self.b.unary(ScUnaryOp::CpsMidi, f)
                    }
                    _ => self.control("pressure"),
                })
            }
            Some(Implicit::Instrument) => {
                let bus = self.control(&format!("{module}.bus"));
                let io = self.b.ugen(SHARED_SCOPE, "In", Rate::Audio, 0, &[bus], 2);
                return Ok(if port == "right" { io[1] } else { io[0] });
            }
            _ => {}
        }
        let outputs = self.module(module)?;
        let index = self.info(module).output(port).unwrap_or(0);
        Ok(outputs[index])
    }

    fn info(&self, module: &str) -> &'static ModuleInfo {
        let kind = &self.modules[module].kind;
        self.registry.get(kind).expect("kinds were checked").info
    }

    /// Builds `module`'s counterpart (once) and returns its outputs.
    fn module(&mut self, module: &str) -> Result<Vec<Sig>, ScError> {
        if let Some(out) = self.built.get(module) {
            return Ok(out.clone());
        }
        if self.visiting.iter().any(|m| m == module) {
            return Err(ScError::Cycle(module.to_string()));
        }
        self.visiting.push(module.to_string());
        let index = self.modules.get_index_of(module).unwrap_or(SHARED_SCOPE);
        let entry = self
            .registry
            .get(&self.modules[module].kind)
            .expect("checked");
        let counterpart = entry.supercollider.expect("mapped kinds were checked");
        let mut outs = Vec::new();
        for expr in counterpart.outputs {
            outs.push(self.eval(module, index, entry.info, expr)?);
        }
        self.visiting.pop();
        self.built.insert(module.to_string(), outs.clone());
        Ok(outs)
    }

    fn eval(
        &mut self,
        module: &str,
        index: usize,
        info: &'static ModuleInfo,
        expr: &Sc,
    ) -> Result<Sig, ScError> {
        let bad = |what: &str| ScError::BadCounterpart {
            kind: info.kind.to_string(),
            what: what.to_string(),
        };
        Ok(match *expr {
            Sc::Const(v) => Sig::Const(v),
            Sc::Input(port, unconnected) => {
                info.input(port).ok_or_else(|| bad(port))?;
                self.input_sum(module, port)?
                    .unwrap_or(Sig::Const(unconnected))
            }
            Sc::Param(p) => {
                let spec = info.param_spec(p).ok_or_else(|| bad(p))?;
                let control = *self
                    .controls
                    .get(&format!("{module}.{p}"))
                    .ok_or_else(|| bad(p))?;
                let modulation = match info.input(p) {
                    Some(_) => self.input_sum(module, p)?,
                    None => None,
                };
                match modulation {
                    Some(m) => {
                        let (lo, hi) = spec.bounds();
                        let sum = self.b.bin(ScBinOp::Add, control, m);
                        let sum = self.b.bin(ScBinOp::Max, sum, Sig::Const(lo));
                        self.b.bin(ScBinOp::Min, sum, Sig::Const(hi))
                    }
                    None => control,
                }
            }
            Sc::Audio(x) => {
                let s = self.eval(module, index, info, x)?;
                self.b.audio(s)
            }
            Sc::Bin(op, a, b) => {
                let a = self.eval(module, index, info, a)?;
                let b = self.eval(module, index, info, b)?;
                self.b.bin(op, a, b)
            }
            Sc::Unary(op, a) => {
                let a = self.eval(module, index, info, a)?;
                self.b.unary(op, a)
            }
            Sc::UGen(u, n) => {
                let mut inputs = Vec::with_capacity(u.inputs.len());
                for i in u.inputs {
                    inputs.push(self.eval(module, index, info, i)?);
                }
                let rate = match u.rate {
                    ScRate::Scalar => Rate::Scalar,
                    ScRate::Control => Rate::Control,
                    ScRate::Audio => Rate::Audio,
                };
                let outs = self
                    .b
                    .ugen(index, u.class, rate, u.special, &inputs, u.outputs);
                *outs.get(n as usize).ok_or_else(|| bad(u.class))?
            }
            Sc::Connected(port, connected, otherwise) => {
                info.input(port).ok_or_else(|| bad(port))?;
                let wired = self
                    .connections
                    .iter()
                    .any(|c| c.to().module == module && c.to().port == port);
                self.eval(
                    module,
                    index,
                    info,
                    if wired { connected } else { otherwise },
                )?
            }
            Sc::Choice(p, variants) => {
                let spec = info.param_spec(p).ok_or_else(|| bad(p))?;
                let value = self.modules[module]
                    .params
                    .get(p)
                    .and_then(|v| spec.accept(v).ok())
                    .unwrap_or(spec.default);
                let chosen = variants
                    .get(value as usize)
                    .or(variants.first())
                    .ok_or_else(|| bad(p))?;
                self.eval(module, index, info, chosen)?
            }
        })
    }
}
