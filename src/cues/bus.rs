//! [`CueBus`]: the cue log and the configured sinks together. The player publishes every
//! cue here (off the audio thread); a config reload replaces the sinks
//! ([`CueBus::set_sinks`]). Each sink registers its queue with the queue gauges
//! (`cue_sink:LABEL`), so `/metrics` shows its depth, high-water mark and drops.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use parking_lot::Mutex;

use super::log::CueLog;
use super::schema::LedCue;
use super::sink::Sink;
use crate::config::cues::CueSinkConfig;
use crate::realtime::queue_gauges::{QueueGauges, QueueReading};

/// The log and the sinks (cheap to clone: shared).
#[derive(Clone, Default)]
pub struct CueBus {
    log: CueLog,
    sinks: Arc<Mutex<Vec<Sink>>>,
    gauges: QueueGauges,
}

impl CueBus {
    /// A bus whose sinks report to `gauges`.
    pub fn new(gauges: QueueGauges) -> Self {
        CueBus {
            log: CueLog::default(),
            sinks: Arc::default(),
            gauges,
        }
    }

    /// The history.
    pub fn log(&self) -> &CueLog {
        &self.log
    }

    /// Publishes `cue`: into the log and to every sink.
    pub fn publish(&self, cue: LedCue) {
        for sink in self.sinks.lock().iter() {
            sink.send(cue.clone());
        }
        self.log.push(cue);
    }

    /// Replaces the sinks by those of `configs` (already checked). A sink that cannot
    /// start (no UDP socket) is one warning line; the others run.
    pub fn set_sinks(&self, configs: &[CueSinkConfig]) {
        let mut sinks = self.sinks.lock();
        for old in sinks.drain(..) {
            self.gauges.unregister(&format!("cue_sink:{}", old.label()));
        }
        for (i, c) in configs.iter().enumerate() {
            match Sink::start(c, i) {
                Ok(sink) => {
                    let stats = sink.stats().clone();
                    self.gauges.register(
                        &format!("cue_sink:{}", sink.label()),
                        Arc::new(move || QueueReading {
                            depth: stats.depth.load(Relaxed),
                            high_water: stats.high_water.load(Relaxed),
                            dropped: stats.dropped.load(Relaxed),
                            capacity: super::sink::SINK_QUEUE as u64,
                        }),
                    );
                    tracing::info!(event = "cue_sink", "cues: sending to {}", sink.label());
                    sinks.push(sink);
                }
                Err(e) => tracing::warn!("cues: cannot start sink {}: {e}", c.label()),
            }
        }
    }

    /// Labels of the running sinks.
    pub fn sink_labels(&self) -> Vec<String> {
        self.sinks
            .lock()
            .iter()
            .map(|s| s.label().to_string())
            .collect()
    }
}
