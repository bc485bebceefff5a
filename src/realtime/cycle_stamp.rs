//! [`CycleStamp`]: what the audio callback publishes, when it runs on JACK, for the other
//! JACK clients of the same server (the MIDI input) to map their frames to engine samples
//! exactly: the JACK clock time (µs) of its callback and the engine sample that callback
//! starts at. A JACK client finds the cycle that time falls in (its own cycle or the one
//! before: clients of one server run in the same cycles) and so the JACK frame time at
//! which the engine was at that sample — see
//! [`FrameAnchor::follow`](super::frame_anchor::FrameAnchor::follow).
//!
//! One writer (the audio callback), any readers (JACK process callbacks): a sequence
//! lock of atomics, so a reader never pairs a time with another callback's sample and
//! nobody waits. **Real-time safe** on both sides.
//!
//! The stamp lives as long as the player (not the engine): an engine rebuilt after a
//! stream failure publishes into the same one.
//!
//! The Link session keeps one too (`sync::link`): the audio thread's latest block, in
//! Link's host time, which the Link thread reads for the status
//! ([`read_settled`](CycleStamp::read_settled)).

use std::sync::atomic::{fence, AtomicU64, Ordering};

/// The audio callback's last (JACK time, engine sample) pair.
#[derive(Debug, Default)]
pub struct CycleStamp {
    /// Even while stable, odd while being written; 0 before the first publication.
    seq: AtomicU64,
    host_us: AtomicU64,
    sample: AtomicU64,
}

impl CycleStamp {
    /// Publishes: the callback at JACK clock time `host_us` starts at engine sample
    /// `sample`. Audio thread only (one writer). **Real-time safe** (atomic stores).
    pub fn publish(&self, host_us: u64, sample: u64) {
        let seq = self.seq.load(Ordering::Relaxed);
        self.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        self.host_us.store(host_us, Ordering::Relaxed);
        self.sample.store(sample, Ordering::Relaxed);
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
    }

    /// The last pair `(host_us, sample)`, or `None` before the first publication or while
    /// one is being written (the caller keeps what it had). **Real-time safe.**
    pub fn read(&self) -> Option<(u64, u64)> {
        let before = self.seq.load(Ordering::Acquire);
        if before == 0 || !before.is_multiple_of(2) {
            return None;
        }
        let pair = (
            self.host_us.load(Ordering::Relaxed),
            self.sample.load(Ordering::Relaxed),
        );
        fence(Ordering::Acquire);
        (self.seq.load(Ordering::Relaxed) == before).then_some(pair)
    }

    /// [`read`](Self::read), waiting out a publication under way (`None` only before the
    /// first). For threads that may spin a moment: not the real-time ones.
    pub fn read_settled(&self) -> Option<(u64, u64)> {
        loop {
            if self.seq.load(Ordering::Acquire) == 0 {
                return None;
            }
            if let Some(pair) = self.read() {
                return Some(pair);
            }
            std::hint::spin_loop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn nothing_before_the_first_publication_then_the_last_pair() {
        let s = CycleStamp::default();
        assert_eq!(s.read(), None);
        s.publish(1_000, 48);
        s.publish(3_667, 176);
        assert_eq!(s.read(), Some((3_667, 176)));
    }

    #[test]
    fn a_reader_never_sees_a_torn_pair() {
        // The writer always publishes (t, t * 2): any pair read must keep that relation.
        let s = Arc::new(CycleStamp::default());
        let w = s.clone();
        let writer = std::thread::spawn(move || {
            for t in 1..200_000u64 {
                w.publish(t, t * 2);
            }
        });
        let mut seen = 0;
        loop {
            let done = writer.is_finished();
            if let Some((t, sample)) = s.read() {
                assert_eq!(sample, t * 2, "a torn read");
                seen += 1;
            }
            if done {
                break;
            }
        }
        writer.join().unwrap();
        assert!(seen > 0);
        assert_eq!(s.read(), Some((199_999, 399_998)));
    }
}
