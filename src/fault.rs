//! Fault containment on control threads (docs/ARCHITECTURE.md, "Faults").
//!
//! The audio callback catches its own panics (`host::audio_callback`). Every other thread
//! that serves outside input — OSC, MIDI, the recorder, later HTTP and backends — does the
//! same at its own boundary with [`Faults::contain`]: a panic while handling one message
//! is caught, counted, logged once (with what was being handled, the panic's message and
//! where it struck), and the thread goes on with the next message. A thread that dies
//! anyway (a panic outside any one message) is restarted by [`supervise`], which says so.
//!
//! One [`Faults`] is shared by every control thread of a process (the controller hands it
//! out: `Controller::faults`); `/status` reports its count together with the audio
//! callback's.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Once};
use std::thread::JoinHandle;
use std::time::Duration;

/// Panics caught on control threads.
#[derive(Debug, Default)]
pub struct Faults {
    panics: AtomicU64,
}

/// How long [`supervise`] waits before restarting a thread that died (a thread dying in a
/// loop must not spin a core).
pub const RESTART_DELAY: Duration = Duration::from_millis(100);

impl Faults {
    /// Panics caught so far (by [`Faults::contain`] and [`supervise`]).
    pub fn panics(&self) -> u64 {
        self.panics.load(Relaxed)
    }

    /// Runs `f`, the handling of one input on a control thread. A panic inside it is caught,
    /// counted, and logged once as `{thread}: caught a panic handling {what()}: {message} at
    /// {location}; …` (the default panic hook is kept quiet for it); the result is then
    /// `None` and the caller serves its next input. `what` is only called on a panic.
    ///
    /// State `f` was changing may be left half-changed: callers keep what `f` touches to
    /// one message's worth (the controller's standby patch is checked whole at commit).
    pub fn contain<R>(
        &self,
        thread: &str,
        what: impl FnOnce() -> String,
        f: impl FnOnce() -> R,
    ) -> Option<R> {
        install_quiet_hook();
        let previous = CONTAINED.with(|c| c.borrow_mut().replace(String::new()));
        let result = panic::catch_unwind(AssertUnwindSafe(f));
        let caught = CONTAINED.with(|c| std::mem::replace(&mut *c.borrow_mut(), previous));
        match result {
            Ok(r) => Some(r),
            Err(payload) => {
                let count = self.panics.fetch_add(1, Relaxed) + 1;
                let message = describe(&*payload, caught.unwrap_or_default());
                tracing::error!(
                    "{thread}: caught a panic handling {}: {message}; that input was dropped \
                     and the thread goes on ({count} panics so far)",
                    what()
                );
                None
            }
        }
    }
}

/// Spawns a thread named `name` that runs `body` until it returns. If `body` panics (a fault
/// outside any one input, which [`Faults::contain`] would have caught), the panic is
/// counted, one error line says the thread died and is restarted, and `body` runs again
/// after [`RESTART_DELAY`]. `body` keeps its state across restarts (it is `FnMut`), so a
/// server restarted this way keeps its socket and clients.
pub fn supervise(
    name: &str,
    faults: Arc<Faults>,
    mut body: impl FnMut() + Send + 'static,
) -> std::io::Result<JoinHandle<()>> {
    let thread = name.to_string();
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || loop {
            let what = || "its main loop".to_string();
            match faults.contain(&thread, what, &mut body) {
                Some(()) => return,
                None => {
                    tracing::error!("{thread}: the thread died; restarting it");
                    std::thread::sleep(RESTART_DELAY);
                }
            }
        })
}

thread_local! {
    /// `Some` while this thread is inside [`Faults::contain`]: the panic hook writes the
    /// panic's location here instead of printing it.
    static CONTAINED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The panic's message (a `&str` or `String` payload) and where it struck.
fn describe(payload: &(dyn std::any::Any + Send), location: String) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    if location.is_empty() {
        message
    } else {
        format!("{message} at {location}")
    }
}

/// Installs (once per process) a panic hook that, on a thread inside
/// [`Faults::contain`], records where the panic struck instead of printing it (the caller
/// logs one line), and leaves every other panic to the previous hook.
fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let kept = CONTAINED.with(|c| match c.try_borrow_mut() {
                Ok(mut slot) => match slot.as_mut() {
                    Some(location) => {
                        if let Some(l) = info.location() {
                            *location = l.to_string();
                        }
                        true
                    }
                    None => false,
                },
                Err(_) => false,
            });
            if !kept {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contained_panic_is_counted_and_the_next_call_runs() {
        let faults = Faults::default();
        let r: Option<u32> = faults.contain("test", || "a bad input".into(), || panic!("boom"));
        assert_eq!(r, None);
        assert_eq!(faults.panics(), 1);
        assert_eq!(faults.contain("test", String::new, || 7), Some(7));
        assert_eq!(faults.panics(), 1);
    }

    #[test]
    fn nested_containment_counts_the_inner_panic_once() {
        let faults = Faults::default();
        let outer = faults.contain("test", String::new, || {
            faults.contain("test", String::new, || panic!("inner"));
            3
        });
        assert_eq!(outer, Some(3));
        assert_eq!(faults.panics(), 1);
    }

    #[test]
    fn a_supervised_thread_that_dies_is_restarted_with_its_state() {
        let faults = Arc::new(Faults::default());
        let mut runs = 0;
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = supervise("chronus-test", faults.clone(), move || {
            runs += 1;
            if runs < 3 {
                panic!("dies on run {runs}");
            }
            tx.send(runs).unwrap();
        })
        .unwrap();
        handle.join().unwrap();
        assert_eq!(rx.recv().unwrap(), 3, "ran again, keeping its state");
        assert_eq!(faults.panics(), 2);
    }
}
