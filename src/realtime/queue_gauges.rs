//! [`QueueGauges`]: a small registry of named queue gauges, so every ring and queue of the
//! process shows in `/metrics` (`chronus_queue_depth{queue}`,
//! `chronus_queue_high_water{queue}`, `chronus_events_dropped_total{queue}`) without the
//! exporter knowing them. Whoever owns a queue registers a [`QueueProbe`] once, under a
//! stable name; a queue added later (MIDI out, a backend's outbox) registers itself the
//! same way and appears in the next scrape.
//!
//! A probe is called on the scraping thread, never on the audio thread: it reads atomics
//! (or takes a control-side lock), so what it reports of an audio-side ring is a reading
//! of counters the audio thread keeps with relaxed atomics.

use std::sync::Arc;

use parking_lot::Mutex;

/// One reading of a queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueReading {
    /// Items waiting now.
    pub depth: u64,
    /// The most items that waited at once, as far as the owner saw (at least `depth`).
    pub high_water: u64,
    /// Items the queue could not take (dropped or refused), since start.
    pub dropped: u64,
    /// The queue's capacity (0 when unbounded or unknown).
    pub capacity: u64,
}

/// Reads one queue. Called off the audio thread, at every scrape.
pub type QueueProbe = Arc<dyn Fn() -> QueueReading + Send + Sync>;

/// The registry of queues: names and their probes, in registration order.
pub type QueueGauges = Gauges<QueueReading>;

/// A registry of named probes, each read at every scrape: the queues
/// ([`QueueGauges`]) and the backends
/// ([`BackendGauges`](super::backend_gauges::BackendGauges)) share it.
pub struct Gauges<R> {
    probes: Arc<Mutex<Named<R>>>,
}

/// One probe of a [`Gauges`] registry.
type Probe<R> = Arc<dyn Fn() -> R + Send + Sync>;

/// The probes by name, in registration order.
type Named<R> = Vec<(String, Probe<R>)>;

impl<R> Clone for Gauges<R> {
    fn clone(&self) -> Self {
        Gauges {
            probes: self.probes.clone(),
        }
    }
}

impl<R> Default for Gauges<R> {
    fn default() -> Self {
        Gauges {
            probes: Arc::default(),
        }
    }
}

impl<R> Gauges<R> {
    /// Registers `probe` under `name` (a Prometheus label value such as `"command"`,
    /// `"cue"`, `"midi_out"`). A second registration of a name replaces the first (a
    /// restarted thread registers again).
    pub fn register(&self, name: &str, probe: Probe<R>) {
        let mut probes = self.probes.lock();
        match probes.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = probe,
            None => probes.push((name.to_string(), probe)),
        }
    }

    /// Removes `name` (its owner stopped).
    pub fn unregister(&self, name: &str) {
        self.probes.lock().retain(|(n, _)| n != name);
    }

    /// Reads every probe: `(name, reading)` in registration order.
    pub fn read(&self) -> Vec<(String, R)> {
        let probes: Vec<(String, Probe<R>)> = self.probes.lock().clone();
        probes.into_iter().map(|(n, p)| (n, p())).collect()
    }
}

impl<R> std::fmt::Debug for Gauges<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.probes.lock().iter().map(|(n, _)| n.clone()).collect();
        f.debug_struct("Gauges").field("names", &names).finish()
    }
}

/// A high-water mark kept with a relaxed `fetch_max`: owners call [`HighWater::saw`] with
/// each depth they observe. **Real-time safe.**
#[derive(Debug, Default)]
pub struct HighWater(std::sync::atomic::AtomicU64);

impl HighWater {
    /// Notes a depth.
    #[inline]
    pub fn saw(&self, depth: u64) {
        self.0
            .fetch_max(depth, std::sync::atomic::Ordering::Relaxed);
    }

    /// The highest depth noted.
    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_register_replace_and_read_in_order() {
        let g = QueueGauges::default();
        g.register(
            "a",
            Arc::new(|| QueueReading {
                depth: 1,
                ..Default::default()
            }),
        );
        g.register("b", Arc::new(QueueReading::default));
        g.register(
            "a",
            Arc::new(|| QueueReading {
                depth: 2,
                ..Default::default()
            }),
        );
        let r = g.read();
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].0.as_str(), r[0].1.depth), ("a", 2));
        g.unregister("a");
        assert_eq!(g.read()[0].0, "b");
    }
}
