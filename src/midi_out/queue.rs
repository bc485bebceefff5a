//! [`OutputQueue`]: one port's latency-aware output queue.
//!
//! - **Scheduled**: every message has a due time (engine samples); [`OutputQueue::pop_due`]
//!   hands out only what is due by a limit, earliest first.
//! - **Priorities**: at equal due times real-time messages go first, then note-offs, then
//!   note-ons, then CCs and the rest ([`Kind`]'s order).
//! - **CC throttling**, per controller: a CC is not sent sooner than `throttle` samples
//!   after the last one of the same controller (its due time moves up to then), and a CC
//!   that arrives while another of its controller waits replaces that one's value (the
//!   latest value wins; counted in `throttled`). The final value of a sweep is therefore
//!   always sent, at most one `throttle` late.
//! - **Bounded**: at `capacity` messages a new one makes room by dropping the oldest
//!   message of the lowest priority (itself, when nothing waiting ranks below it),
//!   counted per kind in `dropped`. A note-off is never dropped: if the queue holds only
//!   note-offs, a new note-off still goes in (the high-water mark shows it).
//!
//! Not real-time: it runs on the output thread. Its storage is allocated once, at its
//! capacity.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::message::{Kind, OutMessage};
use super::stats::PortStats;

/// Default bound of a port's queue (messages).
pub const DEFAULT_CAPACITY: usize = 1_000;
/// Default CC throttle interval, milliseconds.
pub const DEFAULT_THROTTLE_MS: u32 = 10;

#[derive(Clone, Copy, Debug)]
struct Queued {
    due: u64,
    seq: u64,
    msg: OutMessage,
}

/// One port's queue.
pub struct OutputQueue {
    items: Vec<Queued>,
    capacity: usize,
    throttle: u64,
    /// Due time of the last CC handed out, per throttle key.
    last_cc: HashMap<u32, u64>,
    seq: u64,
    stats: Arc<PortStats>,
}

impl OutputQueue {
    /// A queue of `capacity` messages throttling CCs to one per `throttle` samples per
    /// controller, counting into `stats`.
    pub fn new(capacity: usize, throttle: u64, stats: Arc<PortStats>) -> Self {
        OutputQueue {
            items: Vec::with_capacity(capacity.max(1) + 16),
            capacity: capacity.max(1),
            throttle,
            last_cc: HashMap::new(),
            seq: 0,
            stats,
        }
    }

    /// Messages waiting.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Queues `msg` for sample `due`.
    pub fn push(&mut self, due: u64, msg: OutMessage) {
        let mut due = due;
        if msg.kind == Kind::Cc {
            if let Some(waiting) = self
                .items
                .iter_mut()
                .find(|q| q.msg.kind == Kind::Cc && q.msg.key == msg.key)
            {
                waiting.msg = msg;
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                return;
            }
            if let Some(&last) = self.last_cc.get(&msg.key) {
                due = due.max(last + self.throttle);
            }
        }
        if self.items.len() >= self.capacity && !self.make_room(msg.kind) {
            self.stats.dropped[msg.kind.index()].fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.seq += 1;
        self.items.push(Queued {
            due,
            seq: self.seq,
            msg,
        });
        let n = self.items.len() as u64;
        self.stats.queued.store(n, Ordering::Relaxed);
        self.stats.high_water.fetch_max(n, Ordering::Relaxed);
    }

    /// Drops the oldest waiting message of the lowest priority if it ranks no higher than
    /// `incoming`; false when `incoming` itself should go (a note-off never does).
    fn make_room(&mut self, incoming: Kind) -> bool {
        let victim = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, q)| q.msg.kind != Kind::NoteOff)
            .max_by_key(|(_, q)| (q.msg.kind, std::cmp::Reverse(q.seq)))
            .map(|(i, q)| (i, q.msg.kind));
        match victim {
            Some((i, kind)) if kind >= incoming => {
                self.items.swap_remove(i);
                self.stats.dropped[kind.index()].fetch_add(1, Ordering::Relaxed);
                true
            }
            _ => incoming == Kind::NoteOff,
        }
    }

    /// The next message due at or before `limit`: the earliest, then by priority, then
    /// in arrival order.
    pub fn pop_due(&mut self, limit: u64) -> Option<(u64, OutMessage)> {
        let (i, _) = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, q)| q.due <= limit)
            .min_by_key(|(_, q)| (q.due, q.msg.kind, q.seq))?;
        let q = self.items.swap_remove(i);
        if q.msg.kind == Kind::Cc {
            self.last_cc.insert(q.msg.key, q.due);
        }
        self.stats
            .queued
            .store(self.items.len() as u64, Ordering::Relaxed);
        Some((q.due, q.msg))
    }

    /// The latest due time waiting, if anything waits.
    pub fn last_due(&self) -> Option<u64> {
        self.items.iter().map(|q| q.due).max()
    }

    /// Empties the queue (a port that went away: what waited for it is dropped and
    /// counted as such), returning how many were dropped. Note-offs included: the synth
    /// that would have received them is gone.
    pub fn clear(&mut self) -> usize {
        let n = self.items.len();
        self.items.clear();
        self.stats.queued.store(0, Ordering::Relaxed);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(cap: usize, throttle: u64) -> (OutputQueue, Arc<PortStats>) {
        let stats = Arc::new(PortStats::default());
        (OutputQueue::new(cap, throttle, stats.clone()), stats)
    }

    fn drain(q: &mut OutputQueue, limit: u64) -> Vec<(u64, OutMessage)> {
        std::iter::from_fn(|| q.pop_due(limit)).collect()
    }

    #[test]
    fn equal_times_go_by_priority_then_arrival() {
        let (mut q, _) = queue(10, 0);
        q.push(5, OutMessage::cc(0, 1, 1));
        q.push(5, OutMessage::note_on(0, 60, 100));
        q.push(5, OutMessage::note_off(0, 61));
        q.push(4, OutMessage::note_on(0, 59, 100));
        q.push(9, OutMessage::note_on(0, 70, 100));
        let kinds: Vec<(u64, Kind)> = drain(&mut q, 5).iter().map(|(d, m)| (*d, m.kind)).collect();
        assert_eq!(
            kinds,
            [
                (4, Kind::NoteOn),
                (5, Kind::NoteOff),
                (5, Kind::NoteOn),
                (5, Kind::Cc)
            ]
        );
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn ccs_coalesce_and_the_last_value_arrives() {
        let (mut q, stats) = queue(10, 480);
        let mut sent = Vec::new();
        // 1000 values over 4800 samples (0.1 s at 48 kHz), drained every 48 samples.
        for i in 0..1000u64 {
            let t = i * 48 / 10;
            q.push(t, OutMessage::cc(0, 74, (i % 128) as u8));
            sent.extend(drain(&mut q, t));
        }
        sent.extend(drain(&mut q, u64::MAX));
        for pair in sent.windows(2) {
            assert!(pair[1].0 - pair[0].0 >= 480, "{pair:?}");
        }
        assert_eq!(
            sent.last().unwrap().1.parts().next().unwrap()[2],
            (999 % 128) as u8
        );
        assert_eq!(
            stats.throttled.load(Ordering::Relaxed) + sent.len() as u64,
            1000
        );
    }

    #[test]
    fn a_full_queue_drops_the_lowest_priority_oldest_never_a_note_off() {
        let (mut q, stats) = queue(3, 0);
        q.push(0, OutMessage::cc(0, 1, 1));
        q.push(0, OutMessage::note_on(0, 60, 1));
        q.push(0, OutMessage::cc(0, 2, 1));
        q.push(0, OutMessage::note_off(0, 60)); // drops the older CC
        assert_eq!(stats.dropped(Kind::Cc), 1);
        q.push(0, OutMessage::cc(0, 3, 1)); // drops the other CC (same rank, older)
        assert_eq!(stats.dropped(Kind::Cc), 2);
        q.push(0, OutMessage::note_off(0, 61)); // drops the CC
        q.push(0, OutMessage::note_off(0, 62)); // drops the note-on
        q.push(0, OutMessage::note_on(0, 63, 1)); // nothing ranks below: itself
        assert_eq!(stats.dropped(Kind::NoteOn), 2);
        q.push(0, OutMessage::note_off(0, 64)); // all note-offs: goes in anyway
        assert_eq!(q.len(), 4);
        assert_eq!(stats.dropped(Kind::NoteOff), 0);
        assert_eq!(stats.high_water.load(Ordering::Relaxed), 4);
    }
}
