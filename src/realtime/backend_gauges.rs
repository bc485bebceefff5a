//! [`BackendGauges`]: whether each instrument backend is reachable, by name, for
//! `chronus_backend_up{backend}`. Like the queue gauges, whoever owns a backend registers
//! a probe once (the MIDI output registers one per port, `midi_out:PATTERN`), and the
//! exporter knows none of them. Probes are read on the scraping thread, never on the audio
//! thread.

use std::sync::Arc;

use super::queue_gauges::Gauges;

/// Reads whether one backend is reachable now.
pub type BackendProbe = Arc<dyn Fn() -> bool + Send + Sync>;

/// The registry: backend names and whether each is up, in registration order.
pub type BackendGauges = Gauges<bool>;

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
