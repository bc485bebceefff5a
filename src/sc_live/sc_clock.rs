//! [`ScClock`]: how scsynth maps OSC time to JACK frames, as the timing probe measures it,
//! so that bundles can be time-tagged for the frame they must sound at.
//!
//! scsynth's JACK driver does not read JACK's clock: at the start of each of its process
//! cycles it reads the system clock and smooths those readings with a slow delay-locked
//! loop (`SC_TimeDLL`, bandwidth 0.012 Hz); the loop's time for the cycle (plus the
//! output latency JACK reports) is the OSC time of the cycle's first frame, and a bundle
//! lands on the frame its time tag falls on by that mapping. The loop starts at an
//! arbitrary phase (when the driver starts, and again after each xrun) and takes tens of
//! seconds to settle, so it differs from any mapping Chronus can make from its own clock
//! readings by up to a JACK period, and moves while it settles.
//!
//! So Chronus measures it: every [`PROBE_PERIOD`] it sends a probe (the def
//! [`PROBE_DEF`], a DC level written with `OffsetOut` to an output of scsynth no
//! instrument uses, connected to a JACK input port of Chronus) time-tagged at a known
//! time; the probe's callback reports the JACK frame of its first sample, and that pair
//! (time tag, frame) is a point of scsynth's own mapping. An event due at JACK frame `f` is
//! then tagged `tag + (f − frame) / rate`, with scsynth's own smoothed sample rate (from
//! `/status.reply`): the frame scsynth gives it is `f`, to within the loop's movement
//! since the last probe.
//!
//! A probe that reaches scsynth after its time (a stalled thread) plays at once, later
//! than its tag says, and would make every note after it early. So probes are tagged
//! [`PROBE_LEAD`] ahead (more than the notes' latency), and a probe that moves the mapping
//! by more than [`JUMP_FRAMES`] is taken only when the next one agrees (a real jump: the
//! loop restarted after an xrun); one alone is ignored.

use std::collections::VecDeque;

/// The probe's SynthDef name.
pub const PROBE_DEF: &str = "chronus-probe";

/// Time between two probes.
pub const PROBE_PERIOD: std::time::Duration = std::time::Duration::from_millis(200);

/// How far ahead of the moment it is sent a probe is time-tagged.
pub const PROBE_LEAD: std::time::Duration = std::time::Duration::from_millis(250);

/// A probe that moves the mapping by more than this many frames needs the next one to
/// agree with it.
pub const JUMP_FRAMES: f64 = 32.0;

/// Probes sent and not yet heard that are remembered (older ones are forgotten).
const PENDING: usize = 32;

/// The JACK input the probe is heard on (the JACK client in `probe`, or a stand-in in
/// tests).
pub trait ProbeInput: Send {
    /// JACK frame − engine sample (the engine on the same JACK server), once known.
    fn offset(&self) -> Option<i64>;
    /// The next probe heard since the last call: (JACK frame of its first sample, its
    /// value).
    fn heard(&mut self) -> Option<(i64, f32)>;
    /// Connects the input to scsynth's output `channel` (0-based) if it is not connected
    /// (`fresh`: a new scsynth; drop any old connection first). True when connected.
    fn connect(&mut self, channel: usize, fresh: bool) -> bool;
}

/// scsynth's mapping of OSC time to JACK frames, from the probes.
#[derive(Clone, Debug)]
pub struct ScClock {
    nominal_rate: f64,
    rate: Option<f64>,
    next_id: u32,
    /// (probe id, its time tag in ns since the Unix epoch).
    sent: VecDeque<(u32, u64)>,
    /// (time tag in ns, the JACK frame scsynth gave it).
    anchor: Option<(u64, i64)>,
    /// A probe that moved the mapping too far, waiting for the next one to agree.
    jump: Option<(u64, i64)>,
}

impl ScClock {
    /// A clock with nothing measured yet, for a server running at `nominal_rate`.
    pub fn new(nominal_rate: f64) -> ScClock {
        ScClock {
            nominal_rate,
            rate: None,
            next_id: 1,
            sent: VecDeque::new(),
            anchor: None,
            jump: None,
        }
    }

    /// Forgets everything measured (a new server: a new loop).
    pub fn reset(&mut self) {
        self.sent.clear();
        self.anchor = None;
        self.jump = None;
    }

    /// True once a probe was heard since the last reset.
    pub fn is_measured(&self) -> bool {
        self.anchor.is_some()
    }

    /// scsynth's smoothed sample rate, from `/status.reply` (ignored when it is not a
    /// plausible rate: within 1% of the nominal one).
    pub fn set_rate(&mut self, rate: f64) {
        if (rate / self.nominal_rate - 1.0).abs() < 0.01 {
            self.rate = Some(rate);
        }
    }

    /// A probe is sent, time-tagged `tag_ns`: its id (the level it writes).
    pub fn probe(&mut self, tag_ns: u64) -> f32 {
        let id = self.next_id;
        self.next_id = if id >= 1_000 { 1 } else { id + 1 };
        if self.sent.len() == PENDING {
            self.sent.pop_front();
        }
        self.sent.push_back((id, tag_ns));
        id as f32
    }

    /// A probe was heard at JACK frame `frame` with level `value`. A level that is no
    /// probe sent (a stray sound on the port, one forgotten) is ignored, and so is a
    /// probe that moves the mapping by more than [`JUMP_FRAMES`] unless the next one
    /// agrees.
    pub fn heard(&mut self, frame: i64, value: f32) {
        let Some(k) = self.sent.iter().position(|&(id, _)| id as f32 == value) else {
            return;
        };
        let (_, tag) = self.sent[k];
        self.sent.drain(..=k);
        let point = (tag, frame);
        let moved = |from: (u64, i64)| self.frames_between(from, point).abs() > JUMP_FRAMES;
        if self.anchor.is_some_and(moved) && self.jump.is_none_or(moved) {
            self.jump = Some(point);
            return;
        }
        self.jump = None;
        self.anchor = Some(point);
    }

    /// How many frames `to` lies off the mapping through `from`.
    fn frames_between(&self, from: (u64, i64), to: (u64, i64)) -> f64 {
        let rate = self.rate.unwrap_or(self.nominal_rate);
        let expected = from.1 as f64 + (to.0 as f64 - from.0 as f64) * rate / 1e9;
        to.1 as f64 - expected
    }

    /// The time tag (ns since the Unix epoch) scsynth maps to JACK frame `frame`;
    /// `None` before a probe was heard.
    pub fn tag_ns(&self, frame: i64) -> Option<u64> {
        let (tag, at) = self.anchor?;
        let rate = self.rate.unwrap_or(self.nominal_rate);
        let ns = tag as f64 + (frame - at) as f64 * 1e9 / rate;
        Some(ns.max(0.0).round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_map_through_the_last_probe_heard_at_the_server_s_rate() {
        let mut c = ScClock::new(48_000.0);
        assert_eq!(c.tag_ns(1_000), None);
        let a = c.probe(5_000_000_000);
        let b = c.probe(5_200_000_000);
        assert_ne!(a, b);
        // The first probe is lost; the second lands on frame 96_123.
        c.heard(96_123, b);
        assert!(c.is_measured());
        assert_eq!(c.tag_ns(96_123), Some(5_200_000_000));
        assert_eq!(c.tag_ns(96_123 + 48_000), Some(6_200_000_000));
        // A stray level, or the lost probe heard late, moves nothing.
        c.heard(1, 777.0);
        c.heard(2, a);
        assert_eq!(c.tag_ns(96_123), Some(5_200_000_000));
        // scsynth's own rate is used once known; a wild one is not.
        c.set_rate(48_048.0);
        assert_eq!(c.tag_ns(96_123 + 48_048), Some(6_200_000_000));
        c.set_rate(96_000.0);
        assert_eq!(c.tag_ns(96_123 + 48_048), Some(6_200_000_000));
        c.reset();
        assert_eq!(c.tag_ns(96_123), None);
    }

    #[test]
    fn a_lone_probe_off_the_mapping_is_ignored_and_a_confirmed_jump_taken() {
        let mut c = ScClock::new(48_000.0);
        let s = 1_000_000_000; // one second, in ns
        let a = c.probe(s);
        c.heard(10_000, a);
        // 200 ms later, a probe that played 1681 frames late (it reached scsynth late).
        let late = c.probe(s + s / 5);
        c.heard(10_000 + 9_600 + 1_681, late);
        assert_eq!(c.tag_ns(10_000), Some(s), "ignored");
        // The next one is on the mapping again: still the first anchor's mapping.
        let ok = c.probe(s + 2 * s / 5);
        c.heard(10_000 + 19_200 + 1, ok);
        assert_eq!(c.tag_ns(10_000 + 19_200 + 1), Some(s + 2 * s / 5));
        // A real jump (the loop restarted): 200 frames off, twice in a row.
        let j1 = c.probe(s + 3 * s / 5);
        c.heard(10_000 + 28_800 + 200, j1);
        assert_eq!(
            c.tag_ns(10_000 + 19_200 + 1),
            Some(s + 2 * s / 5),
            "not yet"
        );
        let j2 = c.probe(s + 4 * s / 5);
        c.heard(10_000 + 38_400 + 201, j2);
        assert_eq!(
            c.tag_ns(10_000 + 38_400 + 201),
            Some(s + 4 * s / 5),
            "taken"
        );
    }

    #[test]
    fn ids_cycle_and_old_probes_are_forgotten() {
        let mut c = ScClock::new(48_000.0);
        let ids: Vec<f32> = (0..1_001).map(|i| c.probe(i)).collect();
        assert_eq!((ids[0], ids[999], ids[1_000]), (1.0, 1_000.0, 1.0));
        assert_eq!(c.sent.len(), PENDING);
    }
}
