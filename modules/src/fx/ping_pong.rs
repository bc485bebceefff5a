//! `ping_pong`: a stereo echo that bounces between the channels — the first echo on the
//! left, the next on the right, and so on, each `feedback` times the one before.
//!
//! Two [`DelayLine`]s cross-fed: the left line takes the input (both channels summed) plus
//! the right line's echo × feedback, the right line takes the left line's echo ×
//! feedback. Its time glides like `delay`'s (100 ms, cubic reads). Why not fundsp: see the
//! [`fx`](super) doc (its `feedback` adds a sample to the loop). The lines are allocated in
//! `prepare`; `process` and `reset` never allocate, lock, log or block.
//!
//! No SuperCollider counterpart: the two lines feed each other; in a SynthDef that cross-
//! feed goes through `LocalIn`/`LocalOut`, a block late, so every bounce would come 64
//! samples later than ours.

use super::modulated::DelayLine;
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;

const TIME: usize = 0;
const FEEDBACK: usize = 1;
const MIX: usize = 2;

/// Longest echo time in seconds.
const MAX_TIME: f32 = 2.0;

static PING_PONG_INFO: ModuleInfo = ModuleInfo {
    kind: "ping_pong",
    doc: "Stereo echo bouncing left, right, left...: each echo `time` after the last, \
          `feedback` times as loud.",
    inputs: &[
        PortSpec {
            id: "left",
            doc: "Left input (summed with the right into the echoes).",
        },
        PortSpec {
            id: "right",
            doc: "Right input.",
        },
    ],
    outputs: &[
        PortSpec {
            id: "left",
            doc: "left × (1 − mix) + the odd echoes × mix.",
        },
        PortSpec {
            id: "right",
            doc: "right × (1 − mix) + the even echoes × mix.",
        },
    ],
    params: &[
        ParamSpec::float("time", "Time", 0.01, MAX_TIME, 0.375)
            .log()
            .unit("s")
            .smoothing(Smoothing::Linear(100.0))
            .doc("Time between echoes; changes glide over 100 ms like tape."),
        ParamSpec::float("feedback", "Feedback", 0.0, 0.95, 0.5)
            .doc("Each echo is this much of the one before."),
        ParamSpec::float("mix", "Mix", 0.0, 1.0, 0.35).doc("0 = dry only, 1 = echoes only."),
    ],
    roles: &[],
};

/// The `ping_pong` kind.
pub const PING_PONG: ModuleEntry = ModuleEntry::of::<PingPong>(&PING_PONG_INFO);

/// The `ping_pong` module.
#[derive(Clone, Debug, Default)]
pub struct PingPong {
    sample_rate: f32,
    left: DelayLine,
    right: DelayLine,
}

impl Module for PingPong {
    fn info(&self) -> &'static ModuleInfo {
        &PING_PONG_INFO
    }

    fn state_bytes(&self, sample_rate: f32) -> usize {
        2 * DelayLine::bytes(MAX_TIME, sample_rate)
    }

    /// Allocates two 2 s lines (512 KiB each at 48 kHz). **Allocates: control thread only.**
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.left.allocate(MAX_TIME, sample_rate);
        self.right.allocate(MAX_TIME, sample_rate);
    }

    /// Per sample: two cubic reads, two cross-fed writes, the mix.
    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let [out_l, out_r] = outputs.ports::<2>();
        if !self.left.is_allocated() {
            out_l.fill(0.0);
            out_r.fill(0.0);
            return;
        }
        let (x_l, x_r) = (inputs.port(0), inputs.port(1));
        let (time, feedback, mix) = (
            params.block(TIME),
            params.block(FEEDBACK),
            params.block(MIX),
        );
        let sr = self.sample_rate;
        for k in 0..out_l.len() {
            let d = time[k] * sr;
            let (echo_l, echo_r) = (self.left.read(d), self.right.read(d));
            let finite = |v: f32| if v.is_finite() { v } else { 0.0 };
            let (l, r) = (finite(x_l[k]), finite(x_r[k]));
            self.left.write(0.5 * (l + r) + feedback[k] * echo_r);
            self.right.write(feedback[k] * echo_l);
            out_l[k] = l + (echo_l - l) * mix[k];
            out_r[k] = r + (echo_r - r) * mix[k];
        }
    }

    /// Empties both lines. **Real-time safe** (O(1)).
    fn reset(&mut self) {
        self.left.reset();
        self.right.reset();
    }
}
