//! [`PortStats`]: what one output port has done, in atomics any thread reads (`/status`,
//! `chronus devices`, the status line) and the output thread and the JACK callback write.
//! **Real-time safe** to update: relaxed atomic adds and maxes only.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::message::Kind;

/// Upper bounds (exclusive) of the scheduling-error histogram's buckets, in frames; the
/// last bucket takes everything from the last bound up.
pub const ERROR_BUCKETS: [u64; 5] = [1, 64, 256, 1024, 4096];

/// Counters of one output port.
#[derive(Debug, Default)]
pub struct PortStats {
    /// Messages written to the port, per [`Kind`] (index [`Kind::index`]).
    pub sent: [AtomicU64; 5],
    /// Messages the full queue dropped, per [`Kind`] (never a note-off).
    pub dropped: [AtomicU64; 5],
    /// CC values replaced by a later value for the same controller before they were sent.
    pub throttled: AtomicU64,
    /// Messages dropped because the port was not connected.
    pub disconnected_drops: AtomicU64,
    /// Most messages waiting in the queue at once.
    pub high_water: AtomicU64,
    /// Messages waiting now.
    pub queued: AtomicU64,
    /// Scheduling error (sent frame − due frame), counted per bucket of
    /// [`ERROR_BUCKETS`] (plus one for the rest).
    pub error_histogram: [AtomicU64; 6],
    /// Largest scheduling error seen, in frames.
    pub max_error: AtomicU64,
    /// True while the port is connected to its destination.
    pub connected: AtomicBool,
    /// Times the port was (re)connected.
    pub connects: AtomicU64,
    /// Times the JACK writer re-anchored engine time to JACK frames (a drift or a
    /// restart).
    pub reanchors: AtomicU64,
}

impl PortStats {
    /// Counts one message of `kind` written `error` frames after its due time.
    /// **Real-time safe.**
    pub fn record_sent(&self, kind: Kind, error: u64) {
        self.sent[kind.index()].fetch_add(1, Ordering::Relaxed);
        let bucket = ERROR_BUCKETS
            .iter()
            .position(|&b| error < b)
            .unwrap_or(ERROR_BUCKETS.len());
        self.error_histogram[bucket].fetch_add(1, Ordering::Relaxed);
        self.max_error.fetch_max(error, Ordering::Relaxed);
    }

    /// Messages sent of `kind`.
    pub fn sent(&self, kind: Kind) -> u64 {
        self.sent[kind.index()].load(Ordering::Relaxed)
    }

    /// Messages dropped by the full queue of `kind`.
    pub fn dropped(&self, kind: Kind) -> u64 {
        self.dropped[kind.index()].load(Ordering::Relaxed)
    }

    /// Every message sent.
    pub fn sent_total(&self) -> u64 {
        Kind::ALL.iter().map(|&k| self.sent(k)).sum()
    }

    /// Every message dropped (full queue or disconnected).
    pub fn dropped_total(&self) -> u64 {
        Kind::ALL.iter().map(|&k| self.dropped(k)).sum::<u64>()
            + self.disconnected_drops.load(Ordering::Relaxed)
    }

    /// The scheduling-error histogram: each bucket's label (`0`, `1-63`, ..., `4096+`, in
    /// frames) and count.
    pub fn error_buckets(&self) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut lo = 0;
        for (i, b) in ERROR_BUCKETS.iter().chain([&u64::MAX]).enumerate() {
            let label = match (lo, *b) {
                (0, 1) => "0".to_string(),
                (l, u64::MAX) => format!("{l}+"),
                (l, b) => format!("{l}-{}", b - 1),
            };
            out.push((label, self.error_histogram[i].load(Ordering::Relaxed)));
            lo = *b;
        }
        out
    }

    /// The counters as JSON (`/api/state`'s `midi_outputs`): `sent` per kind (every kind),
    /// `throttled`, `dropped` (full queue, per kind, and `disconnected`), `queue` and
    /// `queue_high_water`, `error_frames` (the histogram by bucket label), `max_error_frames`,
    /// `connects`, `reanchors`.
    pub fn json(&self) -> serde_json::Value {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let per_kind = |f: &dyn Fn(Kind) -> u64| {
            Kind::ALL
                .iter()
                .map(|&k| (k.name().to_string(), serde_json::json!(f(k))))
                .collect::<serde_json::Map<_, _>>()
        };
        let mut dropped = per_kind(&|k| self.dropped(k));
        dropped.insert(
            "disconnected".into(),
            serde_json::json!(load(&self.disconnected_drops)),
        );
        let errors: serde_json::Map<_, _> = self
            .error_buckets()
            .into_iter()
            .map(|(label, n)| (label, serde_json::json!(n)))
            .collect();
        serde_json::json!({
            "sent": per_kind(&|k| self.sent(k)),
            "throttled": load(&self.throttled),
            "dropped": dropped,
            "queue": load(&self.queued),
            "queue_high_water": load(&self.high_water),
            "error_frames": errors,
            "max_error_frames": load(&self.max_error),
            "connects": load(&self.connects),
            "reanchors": load(&self.reanchors),
        })
    }

    /// One line: `sent 12 (note_on 6, note_off 6), throttled 0, dropped 0, queue 0/max 3,
    /// error 0 frames: 12 | 1-63: 0 | ... max 0`.
    pub fn summary(&self) -> String {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let kinds: Vec<String> = Kind::ALL
            .iter()
            .filter(|&&k| self.sent(k) > 0)
            .map(|&k| format!("{} {}", k.name(), self.sent(k)))
            .collect();
        let hist: Vec<String> = self
            .error_buckets()
            .into_iter()
            .map(|(label, n)| format!("{label}: {n}"))
            .collect();
        format!(
            "sent {} ({}), throttled {}, dropped {}, queue {}/max {}, error frames {} max {}",
            self.sent_total(),
            kinds.join(", "),
            load(&self.throttled),
            self.dropped_total(),
            load(&self.queued),
            load(&self.high_water),
            hist.join(" | "),
            load(&self.max_error),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_fall_in_their_buckets() {
        let s = PortStats::default();
        for e in [0, 0, 5, 300, 99_999] {
            s.record_sent(Kind::NoteOn, e);
        }
        let h: Vec<u64> = s
            .error_histogram
            .iter()
            .map(|a| a.load(Ordering::Relaxed))
            .collect();
        assert_eq!(h, [2, 1, 0, 1, 0, 1]);
        assert_eq!(s.sent(Kind::NoteOn), 5);
        assert!(s.summary().contains("0: 2 | 1-63: 1"), "{}", s.summary());
        let j = s.json();
        assert_eq!(j["sent"]["note_on"], 5);
        assert_eq!(j["sent"]["cc"], 0);
        assert_eq!(j["error_frames"]["0"], 2);
        assert_eq!(j["error_frames"]["256-1023"], 1);
        assert_eq!(j["error_frames"]["4096+"], 1);
        assert_eq!(j["max_error_frames"], 99_999);
        assert_eq!(j["dropped"]["disconnected"], 0);
    }
}
