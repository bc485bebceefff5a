//! [`Glides`]: a param change with a glide time (`/mod/nts1/cutoff 0.8 2.0`) sent to an
//! external synth as a stream of values, one every `step` samples (the port's CC throttle
//! interval, so the throttle never has to coalesce them), from the value the param has
//! when the glide starts to the target, which is always sent last, exactly at the glide's
//! end.
//!
//! - The start value is the last value sent to that param (by a change or a glide), or
//!   where a glide under way has got to. A param never sent before starts from the
//!   `initial` value its caller gives (the profile param's: the synth's own value is
//!   unknown), sent at the glide's start; without one it jumps to the target at once.
//! - A change without a glide (or a new glide) of the same param ends a glide under way
//!   at its time: nothing of the old glide is sent after it.
//! - Values are handed out by [`Glides::due`] only up to a time the caller knows every
//!   event before it has been seen (see `MidiOutSink`), so a later change always wins.
//!
//! Not real-time: it runs on the output thread; a glide is a few numbers, whatever its
//! length (its values are made when they are due, never queued ahead).

use std::collections::HashMap;

use crate::address::InstrumentKey;

/// A param of one external instrument: the instrument and the param's index.
pub type ParamKey = (InstrumentKey, u16);

/// One value a glide sends: (due time in engine samples, the param, 0..1).
pub type Step = (u64, ParamKey, f32);

#[derive(Clone, Copy, Debug, PartialEq)]
struct Glide {
    from: f32,
    to: f32,
    start: u64,
    len: u64,
    /// Time of the next value to send.
    next: u64,
}

impl Glide {
    fn end(&self) -> u64 {
        self.start + self.len
    }

    /// The value at `t`, on the straight line from `from` to `to`.
    fn value_at(&self, t: u64) -> f32 {
        if self.len == 0 || t >= self.end() {
            return self.to;
        }
        let x = t.saturating_sub(self.start) as f64 / self.len as f64;
        (self.from as f64 + (self.to as f64 - self.from as f64) * x) as f32
    }
}

/// The glides under way on one output, and the last value sent to each param.
#[derive(Debug)]
pub struct Glides {
    step: u64,
    active: HashMap<ParamKey, Glide>,
    last: HashMap<ParamKey, f32>,
}

impl Glides {
    /// Glides sending one value every `step` samples (at least 1).
    pub fn new(step: u64) -> Self {
        Glides {
            step: step.max(1),
            active: HashMap::new(),
            last: HashMap::new(),
        }
    }

    /// `key` was set to `value` at once: a glide under way ends, and the next glide starts
    /// from `value`.
    pub fn set(&mut self, key: ParamKey, value: f32) {
        self.active.remove(&key);
        self.last.insert(key, value);
    }

    /// Starts a glide of `key` to `to` over `len` samples from `time` (replacing one under
    /// way), from where the param is, or from `initial` when it was never sent (`None`:
    /// no start known, it jumps to `to`); its values come out of [`due`](Self::due).
    pub fn start(&mut self, key: ParamKey, to: f32, time: u64, len: u64, initial: Option<f32>) {
        let from = match self.active.get(&key) {
            Some(g) => Some(g.value_at(time)),
            None => self.last.get(&key).copied().or(initial),
        };
        let (from, len) = match from {
            Some(from) => (from, len),
            None => (to, 0),
        };
        self.active.insert(
            key,
            Glide {
                from,
                to,
                start: time,
                len,
                next: time,
            },
        );
    }

    /// Forgets every param of `instrument` (its glides end, its last values are no
    /// longer known): a commit changed what its param indexes name.
    pub fn forget(&mut self, instrument: InstrumentKey) {
        self.active.retain(|(i, _), _| *i != instrument);
        self.last.retain(|(i, _), _| *i != instrument);
    }

    /// True while a glide is under way.
    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
    }

    /// Appends to `out` every value due at or before `until`, in time order: one every
    /// `step` samples of each glide from its start, and its target at its end (a glide
    /// that has sent its target is over).
    pub fn due(&mut self, until: u64, out: &mut Vec<Step>) {
        let first = out.len();
        let step = self.step;
        let last = &mut self.last;
        self.active.retain(|key, g| {
            while g.next <= until {
                let t = g.next.min(g.end());
                let v = g.value_at(t);
                out.push((t, *key, v));
                last.insert(*key, v);
                if t >= g.end() {
                    return false;
                }
                g.next = (t + step).min(g.end());
            }
            true
        });
        out[first..].sort_by_key(|s| s.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: ParamKey = (InstrumentKey(1), 3);

    #[test]
    fn a_glide_is_a_value_every_step_ending_exactly_on_its_target() {
        let mut g = Glides::new(480);
        g.set(K, 0.0);
        g.start(K, 1.0, 1_000, 2_000, None);
        let mut out = Vec::new();
        g.due(1_999, &mut out);
        assert_eq!(
            out,
            [(1_000, K, 0.0), (1_480, K, 0.24), (1_960, K, 0.48)],
            "only what is due"
        );
        out.clear();
        g.due(u64::MAX, &mut out);
        assert_eq!(
            out,
            [
                (2_440, K, 0.72),
                (2_920, K, 0.96),
                (3_000, K, 1.0), // the end, closer than a step: the target, exactly
            ]
        );
        assert!(g.is_empty(), "over once the target is sent");
        // The next glide starts from there.
        g.start(K, 0.5, 10_000, 480, Some(0.0));
        out.clear();
        g.due(u64::MAX, &mut out);
        assert_eq!(out, [(10_000, K, 1.0), (10_480, K, 0.5)]);
    }

    #[test]
    fn a_change_ends_a_glide_and_the_next_starts_where_it_was() {
        let mut g = Glides::new(100);
        g.set(K, 0.0);
        g.start(K, 1.0, 0, 1_000, None);
        let mut out = Vec::new();
        g.due(250, &mut out);
        assert_eq!(out.len(), 3);
        // A new glide at 500 starts from where the old one is then (0.5), not from the
        // last value sent (0.2).
        g.start(K, 0.0, 500, 500, None);
        out.clear();
        g.due(u64::MAX, &mut out);
        assert_eq!(out.first(), Some(&(500, K, 0.5)));
        assert_eq!(out.last(), Some(&(1_000, K, 0.0)));
        // A change at once ends the glide: nothing more of it.
        g.start(K, 1.0, 2_000, 1_000, None);
        g.set(K, 0.25);
        out.clear();
        g.due(u64::MAX, &mut out);
        assert!(out.is_empty() && g.is_empty());
    }

    #[test]
    fn a_param_never_sent_glides_from_its_initial_value() {
        let mut g = Glides::new(250);
        g.start(K, 1.0, 40, 1_000, Some(0.5));
        let mut out = Vec::new();
        g.due(u64::MAX, &mut out);
        assert_eq!(
            out,
            [
                (40, K, 0.5), // the initial value, at the start
                (290, K, 0.625),
                (540, K, 0.75),
                (790, K, 0.875),
                (1_040, K, 1.0)
            ]
        );
        // Sent once, a param's last value is where the next glide starts.
        g.start(K, 0.0, 2_000, 500, Some(0.5));
        out.clear();
        g.due(2_000, &mut out);
        assert_eq!(out, [(2_000, K, 1.0)]);
        // Forgotten (a commit changed the instrument's profile): the initial value again.
        g.forget(K.0);
        assert!(g.is_empty());
        g.start(K, 0.0, 3_000, 500, Some(0.25));
        out.clear();
        g.due(3_000, &mut out);
        assert_eq!(out, [(3_000, K, 0.25)]);
    }

    #[test]
    fn a_param_without_a_known_start_jumps_to_its_target() {
        let mut g = Glides::new(100);
        g.start(K, 0.7, 40, 1_000, None);
        let mut out = Vec::new();
        g.due(40, &mut out);
        assert_eq!(out, [(40, K, 0.7)]);
        assert!(g.is_empty());
    }

    #[test]
    fn two_glides_interleave_in_time_order() {
        let other = (InstrumentKey(2), 0);
        let mut g = Glides::new(100);
        g.set(K, 0.0);
        g.set(other, 1.0);
        g.start(K, 1.0, 0, 200, None);
        g.start(other, 0.0, 50, 200, None);
        let mut out = Vec::new();
        g.due(u64::MAX, &mut out);
        let times: Vec<u64> = out.iter().map(|s| s.0).collect();
        assert_eq!(times, [0, 50, 100, 150, 200, 250]);
    }
}
