//! [`EventsAhead`]: how many events the controller has sent for a later sample that are
//! not due yet, bounded by [`MAX_EVENTS_AHEAD`] (docs/CONTRACTS.md §7).
//!
//! The engine keeps events scheduled ahead in a fixed queue; when it is full, the next
//! future event waits in the command ring, and everything behind it — immediate notes,
//! commits — waits too, until the queue drains as its events come due. A client sending
//! hundreds of bundles an hour ahead could so freeze live control for an hour. The
//! controller refuses a future event instead once [`MAX_EVENTS_AHEAD`] are pending, well
//! below the engine's queue (1024 by default), so the ring never blocks on them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::error::ControlError;

/// Most events sent for a later sample and not yet due.
pub const MAX_EVENTS_AHEAD: usize = 512;

/// The due times of the events sent ahead (earliest first).
#[derive(Debug, Default)]
pub struct EventsAhead {
    due: BinaryHeap<Reverse<u64>>,
}

impl EventsAhead {
    /// Whether `n` more events for sample `time` may be sent at engine time `now`; forgets
    /// the events due by `now`. Events not ahead of `now` are always admitted.
    pub fn check(&mut self, time: u64, n: usize, now: u64) -> Result<(), ControlError> {
        while self.due.peek().is_some_and(|Reverse(t)| *t <= now) {
            self.due.pop();
        }
        if time > now && self.due.len() + n > MAX_EVENTS_AHEAD {
            return Err(ControlError::TooManyAhead(MAX_EVENTS_AHEAD));
        }
        Ok(())
    }

    /// Records `n` events sent for sample `time` (after [`EventsAhead::check`] admitted
    /// them and they were sent); nothing when `time` is not ahead of `now`.
    pub fn record(&mut self, time: u64, n: usize, now: u64) {
        if time > now {
            self.due.extend(std::iter::repeat_n(Reverse(time), n));
        }
    }

    /// Events pending.
    pub fn len(&self) -> usize {
        self.due.len()
    }

    /// No event pending.
    pub fn is_empty(&self) -> bool {
        self.due.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn future_events_are_bounded_and_forgotten_when_due() {
        let mut ahead = EventsAhead::default();
        for i in 0..MAX_EVENTS_AHEAD as u64 {
            ahead.check(1_000 + i, 1, 0).unwrap();
            ahead.record(1_000 + i, 1, 0);
        }
        let e = ahead.check(5_000, 1, 0).unwrap_err();
        assert!(e.to_string().contains("512 events"), "{e}");
        // Immediate events are never refused.
        ahead.check(0, 1, 0).unwrap();
        // Once the first hundred are due, a hundred fit again.
        ahead.check(5_000, 100, 1_099).unwrap();
        assert_eq!(ahead.len(), MAX_EVENTS_AHEAD - 100);
        assert!(ahead.check(5_000, 101, 1_099).is_err());
    }
}
