//! [`BackendGauges`]: whether each instrument backend is reachable, by name, for
//! `chronus_backend_up{backend}`. Like the queue gauges, whoever owns a backend registers
//! a probe once (the MIDI output registers one per port, `midi_out:PATTERN`), and the
//! exporter knows none of them. Probes are read on the scraping thread, never on the audio
//! thread.

use std::sync::Arc;

use parking_lot::Mutex;

/// Reads whether one backend is reachable now.
pub type BackendProbe = Arc<dyn Fn() -> bool + Send + Sync>;

/// The registry: backend names and their probes, in registration order.
#[derive(Clone, Default)]
pub struct BackendGauges {
    probes: Arc<Mutex<Vec<(String, BackendProbe)>>>,
}

impl BackendGauges {
    /// Registers `probe` under `name`; a second registration of a name replaces the first.
    pub fn register(&self, name: &str, probe: BackendProbe) {
        let mut probes = self.probes.lock();
        match probes.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = probe,
            None => probes.push((name.to_string(), probe)),
        }
    }

    /// Removes the backend `name` (its owner stopped).
    pub fn unregister(&self, name: &str) {
        self.probes.lock().retain(|(n, _)| n != name);
    }

    /// Reads every backend: `(name, up)` in registration order.
    pub fn read(&self) -> Vec<(String, bool)> {
        let probes: Vec<(String, BackendProbe)> = self.probes.lock().clone();
        probes.into_iter().map(|(n, p)| (n, p())).collect()
    }
}

impl std::fmt::Debug for BackendGauges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.probes.lock().iter().map(|(n, _)| n.clone()).collect();
        f.debug_struct("BackendGauges")
            .field("backends", &names)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn a_probe_is_read_at_each_reading_and_replaced_by_name() {
        let gauges = BackendGauges::default();
        let up = Arc::new(AtomicBool::new(false));
        let probe = up.clone();
        gauges.register(
            "midi_out:nts",
            Arc::new(move || probe.load(Ordering::Relaxed)),
        );
        assert_eq!(gauges.read(), vec![("midi_out:nts".to_string(), false)]);
        up.store(true, Ordering::Relaxed);
        assert_eq!(gauges.read(), vec![("midi_out:nts".to_string(), true)]);
        gauges.register("midi_out:nts", Arc::new(|| false));
        assert_eq!(gauges.read().len(), 1);
        gauges.unregister("midi_out:nts");
        assert!(gauges.read().is_empty());
    }
}
