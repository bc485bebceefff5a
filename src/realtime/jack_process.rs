//! What every JACK client of Chronus's own (MIDI input and output, the SuperCollider
//! probe and return) is made of besides its ports: a boxed process callback, and a
//! notification handler that notices the server shutting the client down.
//! [`activate`] starts one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use jack::{AsyncClient, Client, Control, ProcessScope};

/// The process callback, boxed so the client's type can be named.
pub(crate) type Callback = Box<dyn FnMut(&Client, &ProcessScope) -> Control + Send>;
/// The process handler around a [`Callback`].
pub(crate) type Process = jack::contrib::ClosureProcessHandler<(), Callback>;
/// A running client of Chronus's own.
pub(crate) type Active = AsyncClient<Shutdown, Process>;

/// Notices the server going away: sets its flag.
pub(crate) struct Shutdown(Arc<AtomicBool>);

impl jack::NotificationHandler for Shutdown {
    // SAFETY: the trait marks this `unsafe` because it may run in a signal handler; the
    // body is one atomic store, which is async-signal-safe (no lock, no allocation).
    unsafe fn shutdown(&mut self, _status: jack::ClientStatus, _reason: &str) {
        self.0.store(true, Ordering::Release);
    }
}

/// Activates `client` with `callback`; returns it and the flag set once the server has
/// shut it down.
pub(crate) fn activate(
    client: Client,
    callback: Callback,
) -> Result<(Active, Arc<AtomicBool>), jack::Error> {
    let gone = Arc::new(AtomicBool::new(false));
    let active = client.activate_async(
        Shutdown(gone.clone()),
        jack::contrib::ClosureProcessHandler::new(callback),
    )?;
    Ok((active, gone))
}
