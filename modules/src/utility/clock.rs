//! Gate and clock utilities: `pulse_train` (a clock: gates at a rate), `clock_div` (passes
//! every Nth pulse of a gate) and `gate_delay` (the same gate, later).
//!
//! `gate_delay` keeps the pending edges, not the signal: a fixed ring of [`MAX_EDGES`]
//! edge times, so a 10 s delay costs no delay line. Edges past that many pending are
//! dropped in pairs (a pulse is never half-delayed).
//!
//! On scsynth: `pulse_train` is `LFPulse.ar(rate, 0, width)` (on from phase 0, as ours;
//! where its phase wraps it holds the previous level one sample at widths ≥ 0.5, so each
//! pulse there starts one sample later than ours). `clock_div` is the gate times "this
//! pulse passes": `PulseCount.ar(gate > 0.5, reset > 0.5)` counts the rising edges since
//! the last reset, and pulse `k` passes when `(k − 1) mod N` is 0 (the 1st, (N+1)th...).
//! A reset and a clock edge on the same sample count the edge here, not there (the reset
//! wins in `PulseCount`). `gate_delay` has no counterpart: it keeps pending edges, which
//! no UGen does (a `DelayN` would need a line of the whole delay, 10 s).

use super::Edge;
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen};

static GATE_OUT: [PortSpec; 1] = [PortSpec {
    id: "out",
    doc: "A gate: 0 or 1.",
}];

static PULSE_TRAIN_INFO: ModuleInfo = ModuleInfo {
    kind: "pulse_train",
    doc: "Clock: a gate that is on for `width` of each period at `rate`.",
    inputs: &[PortSpec {
        id: "rate",
        doc: "Adds Hz to the `rate` param.",
    }],
    outputs: &GATE_OUT,
    params: &[
        ParamSpec::float("rate", "Rate", 0.01, 1_000.0, 2.0)
            .log()
            .unit("Hz")
            .doc("Pulses per second."),
        ParamSpec::float("width", "Width", 0.01, 0.99, 0.5)
            .doc("Fraction of each period the gate is on."),
    ],
    roles: &[],
};

static CLOCK_DIV_INFO: ModuleInfo = ModuleInfo {
    kind: "clock_div",
    doc: "Clock divider: passes the 1st, (N+1)th, (2N+1)th... pulse of its gate input.",
    inputs: &[
        PortSpec {
            id: "gate",
            doc: "The clock: pulses above 0.5.",
        },
        PortSpec {
            id: "reset",
            doc: "A rising edge past 0.5 restarts the count: the next clock pulse passes.",
        },
    ],
    outputs: &GATE_OUT,
    params: &[ParamSpec::int("divide", "Divide", 1, 64, 2).doc("N: one pulse out per N in.")],
    roles: &[],
};

static GATE_DELAY_INFO: ModuleInfo = ModuleInfo {
    kind: "gate_delay",
    doc: "Gate delay: the input gate's edges, `time` later (pulse lengths kept).",
    inputs: &[PortSpec {
        id: "gate",
        doc: "Gate to delay (above 0.5 is on).",
    }],
    outputs: &GATE_OUT,
    params: &[ParamSpec::float("time", "Time", 0.0, 10.0, 0.25)
        .unit("s")
        .smoothing(Smoothing::None)
        .doc("Delay of each edge, taken when the edge arrives.")],
    roles: &[],
};

/// The `pulse_train` kind.
pub const PULSE_TRAIN: ModuleEntry =
    ModuleEntry::of::<PulseTrain>(&PULSE_TRAIN_INFO).supercollider(&PULSE_TRAIN_SC);
/// The `clock_div` kind.
pub const CLOCK_DIV: ModuleEntry =
    ModuleEntry::of::<ClockDiv>(&CLOCK_DIV_INFO).supercollider(&CLOCK_DIV_SC);

/// `pulse_train` on scsynth: `LFPulse.ar(rate, 0, width)`.
static PULSE_TRAIN_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::ar(&ScUGen::ar(
        "LFPulse",
        &[Sc::Param("rate"), Sc::Const(0.0), Sc::Param("width")],
    ))],
    note: "LFPulse",
};

/// `input > 0.5` at audio rate (1 or 0).
macro_rules! high {
    ($port:expr) => {
        Sc::Audio(&Sc::Bin(
            ScBinOp::Greater,
            &Sc::Input($port, 0.0),
            &Sc::Const(super::GATE_ON),
        ))
    };
}

/// The gate as 1 or 0.
const SC_GATE: Sc = high!("gate");

/// Rising clock edges since the last reset: `PulseCount.ar(gate, reset)`.
const SC_COUNT: Sc = Sc::ar(&ScUGen::ar("PulseCount", &[SC_GATE, high!("reset")]));

/// `N`: `divide` rounded, at least 1.
const SC_DIVIDE: Sc = Sc::Bin(
    ScBinOp::Max,
    &Sc::Bin(ScBinOp::Round, &Sc::Param("divide"), &Sc::Const(1.0)),
    &Sc::Const(1.0),
);

/// `clock_div` on scsynth: `gate × ((count − 1) mod N == 0)`.
static CLOCK_DIV_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::mul(
        &SC_GATE,
        &Sc::Bin(
            ScBinOp::Equal,
            &Sc::Bin(
                ScBinOp::Mod,
                &Sc::sub(&SC_COUNT, &Sc::Const(1.0)),
                &SC_DIVIDE,
            ),
            &Sc::Const(0.0),
        ),
    )],
    note: "PulseCount and arithmetic on the gate",
};
/// The `gate_delay` kind.
pub const GATE_DELAY: ModuleEntry = ModuleEntry::of::<GateDelay>(&GATE_DELAY_INFO);

/// The `pulse_train` module.
#[derive(Clone, Debug, Default)]
pub struct PulseTrain {
    /// Phase in 0..1 (f64: a clock must not drift over an hour).
    phase: f64,
}

impl Module for PulseTrain {
    fn info(&self) -> &'static ModuleInfo {
        &PULSE_TRAIN_INFO
    }

    /// Real-time: no allocation, locks or logging. On at phase 0, so the first pulse
    /// starts on the first sample.
    fn process(
        &mut self,
        ctx: &ProcessContext,
        _inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let (rate, width) = (params.block(0), params.block(1));
        let inv_sr = 1.0 / ctx.sample_rate as f64;
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            *o = if self.phase < width[i] as f64 {
                1.0
            } else {
                0.0
            };
            self.phase += rate[i] as f64 * inv_sr;
            if self.phase >= 1.0 {
                self.phase -= self.phase.floor();
            }
        }
    }

    fn reset(&mut self) {
        self.phase = 0.0;
    }
}

/// The `clock_div` module.
#[derive(Clone, Debug, Default)]
pub struct ClockDiv {
    edge: Edge,
    reset_edge: Edge,
    /// Pulses seen since the last one passed (0: the next one passes).
    count: u32,
    /// Whether the current input pulse is being passed.
    passing: bool,
}

impl Module for ClockDiv {
    fn info(&self) -> &'static ModuleInfo {
        &CLOCK_DIV_INFO
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let (gate, reset) = (inputs.port(0), inputs.port(1));
        let divide = params.block(0);
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            if self.reset_edge.step(reset[i]) == Some(true) {
                self.count = 0;
            }
            match self.edge.step(gate[i]) {
                Some(true) => {
                    let n = (divide[i].round() as u32).max(1);
                    self.passing = self.count.is_multiple_of(n);
                    self.count = (self.count % n) + 1;
                }
                Some(false) => self.passing = false,
                None => {}
            }
            *o = if self.passing { 1.0 } else { 0.0 };
        }
    }

    fn reset(&mut self) {
        *self = ClockDiv::default();
    }
}

/// Pending edges `gate_delay` keeps (a 10 s delay of a 25 Hz clock).
pub const MAX_EDGES: usize = 512;

/// The `gate_delay` module.
#[derive(Clone, Debug, Default)]
pub struct GateDelay {
    edge: Edge,
    /// Samples seen (its own clock: never the engine's).
    now: u64,
    /// Pending edges: (due sample, level), oldest first, in a ring of [`MAX_EDGES`]
    /// (allocated by `prepare`).
    ring: Vec<(u64, bool)>,
    head: usize,
    len: usize,
    out: bool,
}

impl Module for GateDelay {
    fn info(&self) -> &'static ModuleInfo {
        &GATE_DELAY_INFO
    }

    fn state_bytes(&self, _sample_rate: f32) -> usize {
        MAX_EDGES * std::mem::size_of::<(u64, bool)>()
    }

    fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {
        self.ring = vec![(0, false); MAX_EDGES];
        self.reset();
    }

    /// Real-time: no allocation, locks or logging.
    fn process(
        &mut self,
        ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let gate = inputs.port(0);
        let time = params.block(0);
        // MAX_EDGES once prepared.
        let cap = self.ring.len();
        for (i, o) in outputs.port(0).iter_mut().enumerate() {
            if let Some(level) = self.edge.step(gate[i]) {
                // A rising edge needs room for its falling edge too.
                let room = if level { 2 } else { 1 };
                if (self.len + room <= cap || !level) && self.len < cap {
                    let due = self.now + (time[i].max(0.0) * ctx.sample_rate).round() as u64;
                    // Due times only grow unless `time` shrank: keep the ring ordered by
                    // never scheduling before the last pending edge.
                    let last =
                        (self.len > 0).then(|| self.ring[(self.head + self.len - 1) % cap].0);
                    let due = last.map_or(due, |l| due.max(l));
                    self.ring[(self.head + self.len) % cap] = (due, level);
                    self.len += 1;
                }
            }
            while self.len > 0 && self.ring[self.head].0 <= self.now {
                self.out = self.ring[self.head].1;
                self.head = (self.head + 1) % cap;
                self.len -= 1;
            }
            *o = if self.out { 1.0 } else { 0.0 };
            self.now += 1;
        }
    }

    fn reset(&mut self) {
        self.edge = Edge::default();
        self.now = 0;
        self.head = 0;
        self.len = 0;
        self.out = false;
    }
}
