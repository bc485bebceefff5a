//! [`EventQueue`]: the engine's fixed-capacity list of pending events, kept in time order.
//!
//! Events may arrive out of time order (an OSC bundle scheduled ahead, then an immediate
//! note); the queue sorts them on insertion so the engine can split its block at the next
//! due event. Capacity is fixed at construction: inserting into a full queue is refused
//! (the caller leaves the event in the command ring and counts it), never a reallocation.

use std::collections::VecDeque;

use super::command::TimedEvent;

/// Pending events sorted by time, then by arrival.
pub struct EventQueue {
    events: VecDeque<TimedEvent>,
    capacity: usize,
    reserve: usize,
}

impl EventQueue {
    /// A queue holding at most `capacity` events from [`push`](Self::push), plus `reserve`
    /// more that only [`push_reserved`](Self::push_reserved) may use (allocates once, here).
    pub fn with_capacity(capacity: usize, reserve: usize) -> Self {
        EventQueue {
            events: VecDeque::with_capacity(capacity + reserve),
            capacity,
            reserve,
        }
    }

    /// [`push`](Self::push) into the reserve too: for the engine's own releases (a
    /// leaving sequencer's note-offs), which must not be lost because controllers filled
    /// the queue. **Real-time safe.**
    pub fn push_reserved(&mut self, event: TimedEvent) -> Result<(), TimedEvent> {
        if self.events.len() >= self.capacity + self.reserve {
            return Err(event);
        }
        self.insert(event);
        Ok(())
    }

    /// Inserts after every event with the same or an earlier time. Returns the event back
    /// when full. **Real-time safe.**
    pub fn push(&mut self, event: TimedEvent) -> Result<(), TimedEvent> {
        if self.events.len() >= self.capacity {
            return Err(event);
        }
        self.insert(event);
        Ok(())
    }

    fn insert(&mut self, event: TimedEvent) {
        let at = self.events.partition_point(|e| e.time <= event.time);
        self.events.insert(at, event);
    }

    /// Removes and returns the first event if it is due at or before `time`.
    /// **Real-time safe.**
    pub fn pop_due(&mut self, time: u64) -> Option<TimedEvent> {
        match self.events.front() {
            Some(e) if e.time <= time => self.events.pop_front(),
            _ => None,
        }
    }

    /// The pending events, in order, to readdress them (at a graph swap). Their times must
    /// not be changed (the order rests on them). **Real-time safe.**
    pub fn events_mut(&mut self) -> impl Iterator<Item = &mut TimedEvent> {
        self.events.iter_mut()
    }

    /// Time of the next pending event.
    pub fn next_time(&self) -> Option<u64> {
        self.events.front().map(|e| e.time)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::command::Event;

    fn ev(time: u64, note: u8) -> TimedEvent {
        TimedEvent {
            time,
            revision: 0,
            event: Event::NoteOff {
                instrument: crate::address::InstrumentKey(0),
                note,
            },
        }
    }

    #[test]
    fn keeps_time_order_and_arrival_order_for_ties() {
        let mut q = EventQueue::with_capacity(8, 0);
        for (t, n) in [(30, 1), (10, 2), (30, 3), (20, 4), (10, 5)] {
            q.push(ev(t, n)).unwrap();
        }
        let mut notes = Vec::new();
        while let Some(e) = q.pop_due(100) {
            if let Event::NoteOff { note, .. } = e.event {
                notes.push(note);
            }
        }
        assert_eq!(notes, vec![2, 5, 4, 1, 3]);
    }

    #[test]
    fn only_due_events_pop_and_a_full_queue_refuses() {
        let mut q = EventQueue::with_capacity(2, 1);
        q.push(ev(100, 1)).unwrap();
        q.push(ev(50, 2)).unwrap();
        assert_eq!(q.push(ev(1, 3)), Err(ev(1, 3)));
        // The reserve takes one more, for the engine's own releases only.
        q.push_reserved(ev(60, 4)).unwrap();
        assert_eq!(q.push_reserved(ev(1, 5)), Err(ev(1, 5)));
        assert_eq!(q.pop_due(50), Some(ev(50, 2)));
        assert_eq!(
            q.push(ev(50, 2)),
            Err(ev(50, 2)),
            "two left: the capacity is full"
        );
        assert_eq!(q.pop_due(60), Some(ev(60, 4)));
        q.push(ev(50, 2)).unwrap();
        assert_eq!(q.next_time(), Some(50));
        assert!(q.pop_due(49).is_none());
        assert_eq!(q.pop_due(50), Some(ev(50, 2)));
        assert_eq!(q.len(), 1);
    }
}
