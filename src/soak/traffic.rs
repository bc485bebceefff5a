//! [`Traffic`]: the seeded, random but reproducible control traffic a soak plays into the
//! engine, as OSC messages (the very address space `chronus play` serves, MIDI included
//! through `/midi/cc` and the router):
//!
//! - **notes** (`/note/on`, `/note/off`): one every 0.1–1.5 s, held 0.05–4 s, at most
//!   [`MAX_HELD`] at once;
//! - **controller changes** (`/midi/cc` on channel 1: modulation, volume, pan, cutoff), one
//!   every 0.2–2 s;
//! - **`/mod` sweeps**: a float param of the patch glides from one value to another over
//!   2–10 s, a message every 50 ms, then the next sweep;
//! - **commits of edited patches**: every 30–120 s a `/patch/set` + `/patch/commit` (a
//!   takeover), and every other time a structural edit (a small tone added, then removed:
//!   a crossfade);
//! - **sequencer traffic** when the patch has a `sequence`: tempo, density, swing, scale,
//!   stop/start, every 20–90 s;
//! - **idle periods**: every 10–20 min, 1–4 min of nothing at all (held notes released
//!   first), which lets a generative piece fall into its ambient mode.
//!
//! Times are engine seconds; the same seed and patch give the same messages at the same
//! times, offline or live.

use chronus_modules::{ParamKind, Registry};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rosc::{OscMessage, OscType};

use crate::patch::{PatchDesc, ScaleKind};

/// Most notes the traffic holds at once.
pub const MAX_HELD: usize = 16;

/// Seconds between two messages of a `/mod` sweep.
const SWEEP_STEP_S: f64 = 0.05;

/// Id of the module a structural commit adds (and the next one removes).
const EXTRA_TONE: &str = "soak_tone";
/// Id of its level.
const EXTRA_LEVEL: &str = "soak_level";

/// A float param the traffic sweeps or sets.
#[derive(Clone, Debug)]
struct Target {
    module: String,
    param: String,
    min: f64,
    max: f64,
}

impl Target {
    /// The value at `x` in 0..1 of the range (geometric for wide positive ranges such as
    /// frequencies, linear otherwise).
    fn at(&self, x: f64) -> f64 {
        if self.min > 0.0 && self.max / self.min >= 100.0 {
            self.min * (self.max / self.min).powf(x)
        } else {
            self.min + (self.max - self.min) * x
        }
    }
}

/// A sweep under way.
#[derive(Clone, Debug)]
struct Sweep {
    target: usize,
    from: f64,
    to: f64,
    start: f64,
    end: f64,
}

/// What the traffic has sent so far, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrafficCounts {
    /// Note-ons sent.
    pub notes: u64,
    /// `/midi/cc` messages sent.
    pub ccs: u64,
    /// `/mod` messages sent.
    pub mods: u64,
    /// `/patch/commit`s sent.
    pub commits: u64,
    /// `/seq/...` messages sent.
    pub seq: u64,
    /// Idle periods begun.
    pub idles: u64,
}

/// The traffic generator of one soak.
pub struct Traffic {
    rng: SmallRng,
    targets: Vec<Target>,
    sequenced: bool,
    held: Vec<(i32, f64)>,
    sweep: Option<Sweep>,
    next_note: f64,
    next_cc: f64,
    next_sweep_msg: f64,
    next_commit: f64,
    next_seq: f64,
    next_idle: f64,
    idle_until: f64,
    seq_stopped: bool,
    tone_added: bool,
    commits: u64,
    counts: TrafficCounts,
}

impl Traffic {
    /// Traffic for `desc` (its float params are the sweep targets), seeded with `seed`.
    pub fn new(desc: &PatchDesc, registry: &Registry, seed: u64) -> Traffic {
        let mut targets = Vec::new();
        let templates = desc
            .voice
            .iter()
            .chain(desc.instruments.values())
            .flat_map(|i| i.modules.iter());
        for (id, module) in desc.modules.iter().chain(templates) {
            let Some(entry) = registry.get(&module.kind) else {
                continue;
            };
            for spec in entry.info.params {
                if let ParamKind::Float { min, max, .. } = spec.kind {
                    targets.push(Target {
                        module: id.clone(),
                        param: spec.id.to_string(),
                        min: min as f64,
                        max: max as f64,
                    });
                }
            }
        }
        let mut rng = SmallRng::seed_from_u64(seed ^ 0x50A4_7EAF_F1C5_0AC5);
        let next_idle = rng.random_range(600.0..1200.0);
        Traffic {
            rng,
            targets,
            sequenced: desc.sequence.is_some(),
            held: Vec::new(),
            sweep: None,
            next_note: 0.5,
            next_cc: 1.0,
            next_sweep_msg: 0.0,
            next_commit: 30.0,
            next_seq: 20.0,
            next_idle,
            idle_until: 0.0,
            seq_stopped: false,
            tone_added: false,
            commits: 0,
            counts: TrafficCounts::default(),
        }
    }

    /// What was sent so far.
    pub fn counts(&self) -> TrafficCounts {
        self.counts
    }

    /// Appends to `out` every message due at or before engine time `t` (seconds).
    pub fn due(&mut self, t: f64, out: &mut Vec<OscMessage>) {
        // Notes end on time even when an idle period begins.
        self.held.retain(|&(note, off)| {
            if off <= t {
                out.push(msg("/note/off", vec![OscType::Int(note)]));
                false
            } else {
                true
            }
        });
        if t >= self.next_idle {
            self.counts.idles += 1;
            let length = self.rng.random_range(60.0..240.0);
            self.idle_until = t + length;
            self.next_idle = self.idle_until + self.rng.random_range(600.0..1200.0);
            for (note, _) in self.held.drain(..) {
                out.push(msg("/note/off", vec![OscType::Int(note)]));
            }
            self.sweep = None;
        }
        if t < self.idle_until {
            return;
        }
        self.notes(t, out);
        self.ccs(t, out);
        self.sweeps(t, out);
        self.commit(t, out);
        self.sequencer(t, out);
    }

    fn notes(&mut self, t: f64, out: &mut Vec<OscMessage>) {
        while t >= self.next_note {
            self.next_note += self.rng.random_range(0.1..1.5);
            if self.held.len() >= MAX_HELD {
                continue;
            }
            let note = self.rng.random_range(36..=84);
            if self.held.iter().any(|&(n, _)| n == note) {
                continue;
            }
            let velocity = self.rng.random_range(0.2f32..1.0);
            out.push(msg(
                "/note/on",
                vec![OscType::Int(note), OscType::Float(velocity)],
            ));
            self.counts.notes += 1;
            let off = t + self.rng.random_range(0.05..4.0);
            self.held.push((note, off));
        }
    }

    fn ccs(&mut self, t: f64, out: &mut Vec<OscMessage>) {
        const CCS: [i32; 4] = [1, 7, 10, 74];
        while t >= self.next_cc {
            self.next_cc += self.rng.random_range(0.2..2.0);
            let cc = CCS[self.rng.random_range(0..CCS.len())];
            let value = self.rng.random_range(0..=127);
            out.push(msg(
                "/midi/cc",
                vec![OscType::Int(1), OscType::Int(cc), OscType::Int(value)],
            ));
            self.counts.ccs += 1;
        }
    }

    fn sweeps(&mut self, t: f64, out: &mut Vec<OscMessage>) {
        if self.targets.is_empty() || t < self.next_sweep_msg {
            return;
        }
        self.next_sweep_msg = t + SWEEP_STEP_S;
        let sweep = match self.sweep.take() {
            Some(s) if t < s.end => s,
            _ => {
                let length = self.rng.random_range(2.0..10.0);
                Sweep {
                    target: self.rng.random_range(0..self.targets.len()),
                    from: self.rng.random_range(0.1..0.9),
                    to: self.rng.random_range(0.1..0.9),
                    start: t,
                    end: t + length,
                }
            }
        };
        let target = &self.targets[sweep.target];
        let x = ((t - sweep.start) / (sweep.end - sweep.start)).clamp(0.0, 1.0);
        let value = target.at(sweep.from + (sweep.to - sweep.from) * x);
        out.push(msg(
            &format!("/mod/{}/{}", target.module, target.param),
            vec![OscType::Float(value as f32)],
        ));
        self.counts.mods += 1;
        self.sweep = Some(sweep);
    }

    fn commit(&mut self, t: f64, out: &mut Vec<OscMessage>) {
        if t < self.next_commit {
            return;
        }
        self.next_commit = t + self.rng.random_range(30.0..120.0);
        self.commits += 1;
        let s = |v: &str| OscType::String(v.to_string());
        if self.commits.is_multiple_of(2) {
            if self.tone_added {
                out.push(msg("/patch/delete", vec![s(EXTRA_TONE)]));
                out.push(msg("/patch/delete", vec![s(EXTRA_LEVEL)]));
            } else {
                let freq = self.rng.random_range(110.0f32..880.0);
                out.push(msg(
                    "/patch/create",
                    vec![s(EXTRA_TONE), s("sine"), s("freq"), OscType::Float(freq)],
                ));
                out.push(msg(
                    "/patch/create",
                    vec![s(EXTRA_LEVEL), s("vca"), s("gain"), OscType::Float(0.02)],
                ));
                out.push(msg(
                    "/patch/connect",
                    vec![
                        s(&format!("{EXTRA_TONE}.out")),
                        s(&format!("{EXTRA_LEVEL}.in")),
                    ],
                ));
                out.push(msg(
                    "/patch/connect",
                    vec![s(&format!("{EXTRA_LEVEL}.out")), s("output.left")],
                ));
            }
            self.tone_added = !self.tone_added;
        } else if !self.targets.is_empty() {
            let target = &self.targets[self.rng.random_range(0..self.targets.len())];
            let value = target.at(self.rng.random_range(0.1..0.9));
            out.push(msg(
                "/patch/set",
                vec![
                    s(&target.module),
                    s(&target.param),
                    OscType::Float(value as f32),
                ],
            ));
        }
        out.push(msg("/patch/commit", vec![]));
        self.counts.commits += 1;
    }

    fn sequencer(&mut self, t: f64, out: &mut Vec<OscMessage>) {
        if !self.sequenced || t < self.next_seq {
            return;
        }
        self.next_seq = t + self.rng.random_range(20.0..90.0);
        let m = if self.seq_stopped {
            self.seq_stopped = false;
            msg("/seq/start", vec![])
        } else {
            match self.rng.random_range(0..6) {
                0 => msg(
                    "/seq/bpm",
                    vec![OscType::Float(self.rng.random_range(60.0..160.0))],
                ),
                1 => msg(
                    "/seq/density",
                    vec![OscType::Float(self.rng.random_range(0.3..1.0))],
                ),
                2 => msg(
                    "/seq/swing",
                    vec![OscType::Float(self.rng.random_range(0.0..0.5))],
                ),
                3 => {
                    let scale = ScaleKind::ALL[self.rng.random_range(0..ScaleKind::ALL.len())];
                    msg("/seq/scale", vec![OscType::String(scale.name().into())])
                }
                4 => {
                    self.seq_stopped = true;
                    msg("/seq/stop", vec![])
                }
                _ => msg(
                    "/seq/drift",
                    vec![OscType::Float(self.rng.random_range(0.0..0.1))],
                ),
            }
        };
        out.push(m);
        self.counts.seq += 1;
    }
}

fn msg(addr: &str, args: Vec<OscType>) -> OscMessage {
    OscMessage {
        addr: addr.to_string(),
        args,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch() -> PatchDesc {
        let text = include_str!("../../patches/generative-pulse.ron");
        crate::patch::load(text, None, &Registry::builtin()).unwrap()
    }

    fn run(seed: u64, seconds: f64) -> Vec<OscMessage> {
        let mut traffic = Traffic::new(&patch(), &Registry::builtin(), seed);
        let mut out = Vec::new();
        let mut t = 0.0;
        while t < seconds {
            traffic.due(t, &mut out);
            t += 0.02;
        }
        out
    }

    #[test]
    fn same_seed_same_messages_and_every_kind_appears() {
        let a = run(7, 3000.0);
        assert_eq!(a, run(7, 3000.0));
        assert_ne!(a, run(8, 3000.0));
        for addr in [
            "/note/on",
            "/note/off",
            "/midi/cc",
            "/patch/commit",
            "/patch/create",
            "/patch/delete",
            "/patch/set",
        ] {
            assert!(a.iter().any(|m| m.addr == addr), "no {addr}");
        }
        assert!(a.iter().any(|m| m.addr.starts_with("/mod/")));
        assert!(a.iter().any(|m| m.addr.starts_with("/seq/")));
    }
}
