//! The outbound thread (`chronus-out`): it drains the engine's outbound ring (events for
//! instruments a backend outside the engine plays: notes, channel messages, backend
//! params, each with its engine sample time) and hands each event to the
//! [`OutboundSink`] that plays its instrument. Generic over backends: the MIDI output
//! (`midi_out`) is one sink, SuperCollider another; the sequencer's MIDI clock messages
//! reach every sink (the MIDI output sends them to its clock ports).
//!
//! It polls every millisecond; after each drain every sink gets a [`OutboundSink::tick`]
//! for its own timed work (queues, reconnects). While every sink is idle (a MIDI output
//! without ports, waiting for a commit to give it some) it polls every
//! [`IDLE_POLL`] instead, or as soon as it is woken ([`OutboundThread::waker`]). A panic while handling one event is
//! contained ([`Faults::contain`]); the thread runs under [`supervise`]. On stop every
//! sink is told [`OutboundSink::stop`] (all notes off) before the thread ends. The thread
//! first runs the start hook its owner gives (the player asks for real-time priority
//! there: the thread promotes itself).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;
use rtrb::Consumer;

use crate::address::InstrumentKey;
use crate::engine::{OutEvent, OutboundEvent};
use crate::fault::{supervise, Faults};

/// The thread's name (`/proc/.../comm`).
pub const THREAD_NAME: &str = "chronus-out";

/// How often the thread drains the ring and ticks its sinks.
pub const POLL: Duration = Duration::from_millis(1);

/// How often the thread drains the ring while every sink is idle.
pub const IDLE_POLL: Duration = Duration::from_millis(50);

/// A backend that plays some instruments outside the engine.
pub trait OutboundSink: Send {
    /// A short name for logs (`midi`, `supercollider`).
    fn name(&self) -> &str;
    /// True when this sink plays the instrument `key`.
    fn plays(&self, key: InstrumentKey) -> bool;
    /// One event for one of its instruments (or a MIDI clock message, which every sink
    /// gets), in engine order.
    fn event(&mut self, event: &OutboundEvent);
    /// Called after every drain: send what is due, look for ports, ...
    fn tick(&mut self);
    /// Chronus is stopping: release every sounding note and flush.
    fn stop(&mut self);
    /// True while the sink has nothing to do and expects no event (the thread then
    /// polls every [`IDLE_POLL`] until woken).
    fn idle(&self) -> bool {
        false
    }
}

/// The running outbound thread.
pub struct OutboundThread {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// The ring's consumer, shared with the thread so status readers can see its depth.
    rx: Arc<Mutex<Consumer<OutboundEvent>>>,
}

/// The sinks, shared between the thread and whoever owns it (status reporting reads
/// them through their own atomics; the lock is only for stopping).
type Sinks = Arc<Mutex<Vec<Box<dyn OutboundSink>>>>;

impl OutboundThread {
    /// Starts the thread on `rx` with `sinks`; the thread runs `on_start` once, first.
    /// Events for an instrument no sink plays are dropped (counted by nobody: the engine
    /// only sends events for external instruments, and each has a sink).
    pub fn start(
        rx: Consumer<OutboundEvent>,
        sinks: Vec<Box<dyn OutboundSink>>,
        faults: Arc<Faults>,
        on_start: impl FnOnce() + Send + 'static,
    ) -> std::io::Result<OutboundThread> {
        let stop = Arc::new(AtomicBool::new(false));
        let sinks: Sinks = Arc::new(Mutex::new(sinks));
        let rx = Arc::new(Mutex::new(rx));
        let (stop_flag, f, ring) = (stop.clone(), faults.clone(), rx.clone());
        let mut on_start = Some(on_start);
        let thread = supervise(THREAD_NAME, faults, move || {
            if let Some(hook) = on_start.take() {
                hook();
            }
            while !stop_flag.load(Ordering::Acquire) {
                if drain_once(&ring, &sinks, &f) {
                    std::thread::park_timeout(IDLE_POLL);
                } else {
                    std::thread::sleep(POLL);
                }
            }
            drain_once(&ring, &sinks, &f);
            for sink in sinks.lock().iter_mut() {
                let name = sink.name().to_string();
                f.contain(THREAD_NAME, || format!("stopping {name}"), || sink.stop());
            }
        })?;
        Ok(OutboundThread {
            stop,
            thread: Some(thread),
            rx,
        })
    }

    /// A reader of the events waiting in the outbound ring, for status and metrics. Read
    /// off the audio thread: it takes the lock the outbound thread holds while it drains.
    pub fn depth_reader(&self) -> impl Fn() -> usize + Send + Sync + 'static {
        let rx = self.rx.clone();
        move || rx.lock().slots()
    }

    /// Wakes the thread now when it is idle (a sink got work: a new plan).
    pub fn waker(&self) -> Option<std::thread::Thread> {
        self.thread.as_ref().map(|t| t.thread().clone())
    }

    /// Stops the thread: every sink releases its notes first.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

impl Drop for OutboundThread {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Drains the ring into the sinks once, then ticks every sink; true when every sink is
/// idle afterwards.
pub fn drain_once(
    rx: &Mutex<Consumer<OutboundEvent>>,
    sinks: &Mutex<Vec<Box<dyn OutboundSink>>>,
    faults: &Faults,
) -> bool {
    let mut rx = rx.lock();
    let mut sinks = sinks.lock();
    while let Ok(e) = rx.pop() {
        faults.contain(
            THREAD_NAME,
            || format!("{e:?}"),
            || dispatch(&mut sinks, &e),
        );
    }
    for sink in sinks.iter_mut() {
        let name = sink.name().to_string();
        faults.contain(THREAD_NAME, || format!("a tick of {name}"), || sink.tick());
    }
    sinks.iter().all(|s| s.idle())
}

/// Hands `e` to the sink that plays its instrument (every sink for a clock message or a
/// swap).
pub fn dispatch(sinks: &mut [Box<dyn OutboundSink>], e: &OutboundEvent) {
    if let OutEvent::Clock(_) | OutEvent::Swap { .. } = e.event {
        for sink in sinks.iter_mut() {
            sink.event(e);
        }
        return;
    }
    if let Some(sink) = sinks.iter_mut().find(|s| s.plays(e.instrument)) {
        sink.event(e);
    }
}
