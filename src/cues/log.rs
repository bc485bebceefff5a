//! [`CueLog`]: the last [`CUE_HISTORY`] cues with their sequence numbers and wall times,
//! for `/api/state`'s `cues` and for the WebSocket, which follows it with
//! [`CueLog::since`]. A reader that falls more than [`CUE_HISTORY`] cues behind misses the
//! oldest (cues are news, not state).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use serde_json::Value;

use super::schema::LedCue;

/// Cues kept.
pub const CUE_HISTORY: usize = 256;

/// One cue as kept: sequence number (from 1), wall time, the cue.
#[derive(Clone, Debug, PartialEq)]
pub struct Logged {
    /// Sequence number, from 1, one per cue.
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub unix_ms: u64,
    /// The cue.
    pub cue: LedCue,
}

impl Logged {
    /// The cue's JSON with `seq` and `time_ms` added.
    pub fn json(&self) -> Value {
        let mut v = self.cue.json();
        if let Value::Object(m) = &mut v {
            m.insert("seq".into(), self.seq.into());
            m.insert("time_ms".into(), self.unix_ms.into());
        }
        v
    }
}

/// The history (cheap to clone: shared).
#[derive(Clone, Debug, Default)]
pub struct CueLog {
    inner: Arc<Mutex<(u64, VecDeque<Logged>)>>,
}

impl CueLog {
    /// Appends `cue`.
    pub fn push(&self, cue: LedCue) {
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let mut inner = self.inner.lock();
        inner.0 += 1;
        let seq = inner.0;
        if inner.1.len() == CUE_HISTORY {
            inner.1.pop_front();
        }
        inner.1.push_back(Logged { seq, unix_ms, cue });
    }

    /// The cues after sequence number `seq`, oldest first.
    pub fn since(&self, seq: u64) -> Vec<Logged> {
        let inner = self.inner.lock();
        inner.1.iter().filter(|l| l.seq > seq).cloned().collect()
    }

    /// The last `n` cues, oldest first.
    pub fn last(&self, n: usize) -> Vec<Logged> {
        let inner = self.inner.lock();
        let skip = inner.1.len().saturating_sub(n);
        inner.1.iter().skip(skip).cloned().collect()
    }

    /// The sequence number of the latest cue (0 before any).
    pub fn latest(&self) -> u64 {
        self.inner.lock().0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_follow_by_sequence_number() {
        let log = CueLog::default();
        for v in 0..300 {
            log.push(LedCue::Idle { state: v % 2 == 0 });
        }
        assert_eq!(log.latest(), 300);
        assert_eq!(log.since(298).len(), 2);
        assert_eq!(log.since(0).len(), CUE_HISTORY);
        assert_eq!(log.last(3)[0].seq, 298);
    }
}
