//! [`ReturnDesk`]: where fresh rings for the sound a backend gives back
//! ([`backend_audio`](super::backend_audio)) are made and both their ends handed out, off
//! the real-time threads.
//!
//! One rule covers every way the two ends can be lost: **whenever the backend's side opens
//! (again) or the engine is replaced, a fresh set of rings is made and both ends are
//! installed.**
//!
//! - The backend's side (the JACK return client, on the outbound thread) asks for
//!   [`fresh_rings`](ReturnDesk::fresh_rings) each time it opens its client: the producers
//!   go into the new client's callback, the consumers, as one
//!   [`FeedSet`], into the engine's mailbox; the engine takes it at its next sub-block
//!   and sends the set it replaces back, to be freed here ([`flush`](ReturnDesk::flush)).
//! - An engine made afresh (at startup, or to replace one a backend kept) gets its side
//!   from [`engine_side`](ReturnDesk::engine_side): a new mailbox. A set that had already
//!   gone to the lost engine is gone with it: the desk then asks the backend's side to open
//!   again ([`take_renewal`](ReturnDesk::take_renewal)), which makes a fresh set for the new
//!   engine. A set the mailbox could not take yet waits here, the newest only, until it can.
//!
//! Nothing here runs on a real-time thread: the boxes cross through rings, so neither the
//! audio callback nor the JACK callback allocates or frees one.

use rtrb::Producer;

use super::backend_audio::{return_ring, BackendAudio, FeedSet, Mailbox, ReturnChunk, ReturnFeed};
use crate::address::InstrumentKey;

/// The rings' desk for the instruments whose sound a backend gives back.
pub struct ReturnDesk {
    /// The instruments, in the order of the producers [`fresh_rings`](Self::fresh_rings)
    /// gives.
    keys: Vec<InstrumentKey>,
    /// The mailbox of the engine now playing, once it has one.
    mailbox: Option<Mailbox>,
    /// The newest set, until the mailbox takes it.
    pending: Option<Box<FeedSet>>,
    /// The newest set went to the engine's mailbox.
    sent: bool,
    /// The backend's side is to open again: the engine lost its set.
    renew: bool,
}

impl ReturnDesk {
    /// The desk of instruments `keys`.
    pub fn new(keys: Vec<InstrumentKey>) -> ReturnDesk {
        ReturnDesk {
            keys,
            mailbox: None,
            pending: None,
            sent: false,
            renew: false,
        }
    }

    /// The engine's side for an engine made afresh: silent until a set comes (the newest
    /// one when it has not gone to an engine yet; else the backend's side is asked to open
    /// again). The previous engine's mailbox is dropped.
    pub fn engine_side(&mut self) -> BackendAudio {
        let (audio, mailbox) = BackendAudio::with_mailbox(FeedSet::new(Vec::new(), 0));
        self.mailbox = Some(mailbox);
        if std::mem::take(&mut self.sent) {
            self.renew = true;
        }
        self.flush();
        audio
    }

    /// A fresh ring per instrument, played `delay` samples after its own time: returns
    /// the producers (one per instrument, in order), the consumers go to the engine.
    pub fn fresh_rings(&mut self, delay: u64) -> Vec<Producer<ReturnChunk>> {
        let (producers, feeds) = self
            .keys
            .iter()
            .map(|&key| {
                let (tx, rx) = return_ring();
                (tx, ReturnFeed::new(key, rx))
            })
            .unzip();
        self.pending = Some(Box::new(FeedSet::new(feeds, delay)));
        self.sent = false;
        self.flush();
        producers
    }

    /// Frees the sets the engine sent back, and hands the newest one to its mailbox when
    /// there is room.
    pub fn flush(&mut self) {
        let Some(mailbox) = &mut self.mailbox else {
            return;
        };
        while let Ok(old) = mailbox.from_engine.pop() {
            drop(old);
        }
        if let Some(set) = self.pending.take() {
            match mailbox.to_engine.push(set) {
                Ok(()) => self.sent = true,
                Err(rtrb::PushError::Full(set)) => self.pending = Some(set),
            }
        }
    }

    /// True once when the backend's side is to open again (with fresh rings): the engine
    /// that had its set was replaced.
    pub fn take_renewal(&mut self) -> bool {
        std::mem::take(&mut self.renew)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineStats;

    fn chunk(sample: u64, value: f32) -> ReturnChunk {
        let mut c = ReturnChunk {
            sample,
            len: 64,
            ..ReturnChunk::default()
        };
        c.left[..64].fill(value);
        c
    }

    #[test]
    fn a_set_waits_for_the_engine_a_replaced_engine_asks_for_a_renewal() {
        let key = InstrumentKey::of("pad");
        let stats = EngineStats::default();
        let mut desk = ReturnDesk::new(vec![key]);
        // The backend's side opens before the engine has its side: the set waits.
        let mut tx = desk.fresh_rings(64);
        let mut audio = desk.engine_side();
        assert!(!desk.take_renewal(), "the waiting set goes to this engine");
        tx[0].push(chunk(0, 1.0)).unwrap();
        audio.pull(64, 64, &stats);
        assert_eq!(audio.of(key, 64).unwrap().0, &[1.0; 64][..]);
        assert_eq!(audio.delay(), 64);
        // The backend's side opens again: a fresh set replaces it; the old one comes back.
        let mut tx = desk.fresh_rings(128);
        tx[0].push(chunk(0, 2.0)).unwrap();
        audio.pull(128, 64, &stats);
        assert_eq!(audio.of(key, 64).unwrap().0, &[2.0; 64][..]);
        assert_eq!(audio.delay(), 128);
        desk.flush();
        // The engine is replaced: its set is lost with it, the backend's side must open
        // again, and the new engine plays the set that makes.
        drop(audio);
        let mut audio = desk.engine_side();
        assert!(desk.take_renewal());
        assert!(!desk.take_renewal(), "once");
        audio.pull(128, 64, &stats);
        assert!(audio.of(key, 64).is_none(), "silent until a set comes");
        let mut tx = desk.fresh_rings(64);
        tx[0].push(chunk(64, 3.0)).unwrap();
        audio.pull(128, 64, &stats);
        assert_eq!(audio.of(key, 64).unwrap().0, &[3.0; 64][..]);
    }

    #[test]
    fn while_the_engine_does_not_read_only_the_newest_set_is_kept_for_it() {
        let key = InstrumentKey::of("pad");
        let stats = EngineStats::default();
        let mut desk = ReturnDesk::new(vec![key]);
        let mut audio = desk.engine_side();
        // Three openings while the engine stands still: the mailbox holds the first, the
        // desk keeps the newest.
        let _first = desk.fresh_rings(64);
        let _second = desk.fresh_rings(64);
        let mut third = desk.fresh_rings(64);
        third[0].push(chunk(0, 3.0)).unwrap();
        audio.pull(64, 64, &stats);
        assert!(audio.of(key, 64).unwrap().0.iter().all(|x| *x == 0.0));
        desk.flush();
        audio.pull(64, 64, &stats);
        assert_eq!(audio.of(key, 64).unwrap().0, &[3.0; 64][..]);
    }
}
