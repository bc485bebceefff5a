//! [`BackendAudio`]: sound a backend outside the engine gives back (scsynth's output,
//! through JACK input ports: `sc_live::jack_return`), fed into the main graph as the
//! outputs of the instrument it plays, so the main graph's effects apply to it.
//!
//! The backend's side pushes [`ReturnChunk`]s, each stamped with the **engine sample** its
//! first frame belongs to, through one preallocated ring per instrument
//! ([`return_ring`]). The engine reads them a fixed `delay` later: the samples of engine
//! time `t − delay` feed the instrument's outputs at engine time `t`. With `delay` one
//! JACK period, what scsynth wrote in one JACK cycle plays in the next, whichever of the
//! two JACK clients runs first in a cycle, so the spacing is kept to the sample. A sample
//! that has not arrived in time (the backend's client missed a cycle, scsynth restarts) is
//! silence, counted in [`EngineStats::backend_audio_missing`]; a chunk that comes too late
//! is skipped.
//!
//! The rings are not for life: whenever the backend's side is opened again (the JACK
//! server came back) or the engine is replaced, a fresh set is made
//! ([`ReturnDesk`](super::return_desk::ReturnDesk)); the engine takes its [`FeedSet`]
//! from a mailbox at the start of a sub-block and sends the one it replaces back through
//! another, to be freed off the audio thread.
//!
//! **Real-time safe**: ring pops and pushes of boxes (no allocation, no free), copies into
//! fixed buffers.

use std::sync::atomic::Ordering::Relaxed;

use rtrb::{Consumer, Producer, RingBuffer};

use super::stats::EngineStats;
use crate::address::InstrumentKey;
use chronus_modules::MAX_BLOCK;

/// Frames one [`ReturnChunk`] carries (a JACK cycle longer than this goes out as several).
pub const CHUNK: usize = 256;
/// Chunks one instrument's ring holds: 64 × 256 frames, 0.34 s at 48 kHz.
pub const RING_CHUNKS: usize = 64;

/// Up to [`CHUNK`] stereo frames of a backend's output, from engine sample `sample` on.
#[derive(Clone, Copy, Debug)]
pub struct ReturnChunk {
    /// The engine sample of `left[0]`.
    pub sample: u64,
    /// Frames used (≤ [`CHUNK`]).
    pub len: usize,
    /// Left channel.
    pub left: [f32; CHUNK],
    /// Right channel.
    pub right: [f32; CHUNK],
}

impl Default for ReturnChunk {
    fn default() -> Self {
        ReturnChunk {
            sample: 0,
            len: 0,
            left: [0.0; CHUNK],
            right: [0.0; CHUNK],
        }
    }
}

/// A ring of [`RING_CHUNKS`] chunks: the backend's end and the engine's.
pub fn return_ring() -> (Producer<ReturnChunk>, Consumer<ReturnChunk>) {
    RingBuffer::new(RING_CHUNKS)
}

/// One instrument's returned sound, as the engine reads it.
pub struct ReturnFeed {
    /// The instrument it plays as.
    pub key: InstrumentKey,
    rx: Consumer<ReturnChunk>,
    /// This sub-block's samples (filled by [`BackendAudio::pull`]).
    left: [f32; MAX_BLOCK],
    right: [f32; MAX_BLOCK],
}

impl ReturnFeed {
    /// The feed of instrument `key` from the engine's end of its ring.
    pub fn new(key: InstrumentKey, rx: Consumer<ReturnChunk>) -> ReturnFeed {
        ReturnFeed {
            key,
            rx,
            left: [0.0; MAX_BLOCK],
            right: [0.0; MAX_BLOCK],
        }
    }

    /// Fills the feed's buffers with the `n` samples from engine sample `from` on;
    /// returns how many were not there (silence).
    fn pull(&mut self, from: u64, n: usize) -> usize {
        let mut missing = 0;
        let mut i = 0;
        while i < n {
            let s = from + i as u64;
            let Ok(chunk) = self.rx.peek() else {
                self.left[i..n].fill(0.0);
                self.right[i..n].fill(0.0);
                return missing + (n - i);
            };
            let end = chunk.sample + chunk.len as u64;
            if end <= s {
                // Wholly before: too late to play.
                let _ = self.rx.pop();
                continue;
            }
            if chunk.sample > s {
                // A gap before it: silence up to it (or to the block's end).
                let gap = ((chunk.sample - s) as usize).min(n - i);
                self.left[i..i + gap].fill(0.0);
                self.right[i..i + gap].fill(0.0);
                missing += gap;
                i += gap;
                continue;
            }
            let at = (s - chunk.sample) as usize;
            let take = (chunk.len - at).min(n - i);
            self.left[i..i + take].copy_from_slice(&chunk.left[at..at + take]);
            self.right[i..i + take].copy_from_slice(&chunk.right[at..at + take]);
            i += take;
            if at + take == chunk.len {
                let _ = self.rx.pop();
            }
        }
        missing
    }
}

/// Every instrument's returned sound from one set of rings, and how long after it was
/// written it plays.
pub struct FeedSet {
    feeds: Vec<ReturnFeed>,
    /// Engine samples between a returned sample's own time and when it plays.
    delay: u64,
}

impl FeedSet {
    /// `feeds`, each played `delay` samples after its own time (one JACK period).
    pub fn new(feeds: Vec<ReturnFeed>, delay: u64) -> FeedSet {
        FeedSet { feeds, delay }
    }
}

/// Sets one mailbox holds (the desk keeps the newest one back while it is full).
const MAILBOX: usize = 1;
/// Replaced sets the way back holds until the desk frees them.
const WAY_BACK: usize = 4;

/// The engine's side of the returned sound: the [`FeedSet`] it plays, the mailbox a
/// fresh one comes in through and the way the replaced one goes back.
pub struct BackendAudio {
    set: Box<FeedSet>,
    incoming: Consumer<Box<FeedSet>>,
    outgoing: Producer<Box<FeedSet>>,
}

/// The other ends of a [`BackendAudio`]'s mailbox: where fresh sets go in and replaced
/// ones come back.
pub struct Mailbox {
    /// Fresh sets, for the engine.
    pub to_engine: Producer<Box<FeedSet>>,
    /// Replaced sets, to be freed.
    pub from_engine: Consumer<Box<FeedSet>>,
}

impl BackendAudio {
    /// `feeds`, each played `delay` samples after its own time (one JACK period), for
    /// good (no other set can come in).
    pub fn new(feeds: Vec<ReturnFeed>, delay: u64) -> BackendAudio {
        BackendAudio::with_mailbox(FeedSet::new(feeds, delay)).0
    }

    /// `set`, and the mailbox through which later sets replace it.
    pub fn with_mailbox(set: FeedSet) -> (BackendAudio, Mailbox) {
        let (to_engine, incoming) = RingBuffer::new(MAILBOX);
        let (outgoing, from_engine) = RingBuffer::new(WAY_BACK);
        let audio = BackendAudio {
            set: Box::new(set),
            incoming,
            outgoing,
        };
        (
            audio,
            Mailbox {
                to_engine,
                from_engine,
            },
        )
    }

    /// The added latency of the set playing now, in samples.
    pub fn delay(&self) -> u64 {
        self.set.delay
    }

    /// Takes the freshest set the mailbox holds, sending the one it replaces back (and
    /// leaves it there while the way back is full). **Real-time safe.**
    fn take_fresh(&mut self) {
        while !self.outgoing.is_full() {
            let Ok(fresh) = self.incoming.pop() else {
                return;
            };
            let old = std::mem::replace(&mut self.set, fresh);
            // Cannot fail: there was room.
            let _ = self.outgoing.push(old);
        }
    }

    /// Reads every feed's samples for the sub-block of `n` frames at engine time
    /// `sample_time` (their own time `sample_time − delay`), counting what was missing
    /// into `stats`; a fresh set that came in is played from here on. Once per sub-block,
    /// before any graph reads them. **Real-time safe.**
    pub fn pull(&mut self, sample_time: u64, n: usize, stats: &EngineStats) {
        self.take_fresh();
        let set = &mut *self.set;
        let Some(from) = sample_time.checked_sub(set.delay) else {
            for f in &mut set.feeds {
                f.left[..n].fill(0.0);
                f.right[..n].fill(0.0);
            }
            return;
        };
        for f in &mut set.feeds {
            let missing = f.pull(from, n);
            if missing > 0 {
                stats
                    .backend_audio_missing
                    .fetch_add(missing as u64, Relaxed);
            }
        }
    }

    /// Instrument `key`'s samples of this sub-block, if it has a feed. **Real-time safe.**
    pub fn of(&self, key: InstrumentKey, n: usize) -> Option<(&[f32], &[f32])> {
        self.set
            .feeds
            .iter()
            .find(|f| f.key == key)
            .map(|f| (&f.left[..n], &f.right[..n]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(sample: u64, len: usize, value: impl Fn(u64) -> f32) -> ReturnChunk {
        let mut c = ReturnChunk {
            sample,
            len,
            ..ReturnChunk::default()
        };
        for i in 0..len {
            c.left[i] = value(sample + i as u64);
            c.right[i] = -value(sample + i as u64);
        }
        c
    }

    #[test]
    fn samples_play_delay_later_at_their_own_time_across_chunks_and_gaps() {
        let key = InstrumentKey::of("pad");
        let (mut tx, rx) = return_ring();
        let mut audio = BackendAudio::new(vec![ReturnFeed::new(key, rx)], 256);
        let stats = EngineStats::default();
        let v = |s: u64| s as f32;
        // Before the delay has passed: silence, nothing counted.
        audio.pull(100, 64, &stats);
        assert_eq!(audio.of(key, 64).unwrap().0, &[0.0; 64][..]);
        // Chunks for 0..256 (a stale one first) and 300..556 (a gap of 44 before it).
        tx.push(chunk(0, 0, v)).unwrap();
        tx.push(chunk(0, 200, v)).unwrap();
        tx.push(chunk(200, 56, v)).unwrap();
        tx.push(chunk(300, 256, v)).unwrap();
        // Engine time 256 + 150: own time 150..214, across the first two chunks.
        audio.pull(406, 64, &stats);
        let (l, r) = audio.of(key, 64).unwrap();
        let want: Vec<f32> = (150..214).map(v).collect();
        assert_eq!(l, &want[..]);
        assert_eq!(r[0], -150.0);
        assert_eq!(stats.backend_audio_missing.load(Relaxed), 0);
        // Own time 240..304: 16 from the second chunk, the gap 256..300, then 300..304.
        audio.pull(496, 64, &stats);
        let (l, _) = audio.of(key, 64).unwrap();
        assert_eq!(&l[..16], &(240..256).map(v).collect::<Vec<_>>()[..]);
        assert!(l[16..60].iter().all(|x| *x == 0.0));
        assert_eq!(&l[60..], &[300.0, 301.0, 302.0, 303.0]);
        assert_eq!(stats.backend_audio_missing.load(Relaxed), 44);
        // A jump ahead (a missed engine block): the stale part is skipped.
        audio.pull(256 + 500, 32, &stats);
        let (l, _) = audio.of(key, 32).unwrap();
        assert_eq!(l, &(500..532).map(v).collect::<Vec<_>>()[..]);
        // Nothing more: silence, counted.
        audio.pull(256 + 556, 32, &stats);
        assert_eq!(stats.backend_audio_missing.load(Relaxed), 44 + 32);
        assert!(audio.of(InstrumentKey::of("other"), 32).is_none());
    }
}
