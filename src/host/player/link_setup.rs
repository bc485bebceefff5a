//! The player's Ableton Link session (`--link`, else the config's `link.enabled`): joined
//! before the audio starts, its audio-thread timeline handed to the callback core, so the
//! sequencer's first bar already lines up with the session. Its output latency (how long
//! after a block is rendered it is heard: two of the stream's buffers and 2 ms, as
//! `midi::input::latency_for` says) comes from the buffer the stream reports or the first
//! callbacks measure, set once the stream runs ([`set_link_buffer`]); until then from the
//! buffer asked for, if any. Refused in one line with MIDI clock in (two clocks to follow)
//! and in a build without the cargo feature `link`.

use std::sync::Arc;

use parking_lot::Mutex;

use super::clock_setup::clock_in_name;
use super::error::PlayError;
use super::PlayOptions;
use crate::control::Controller;
use crate::host::audio_callback::CallbackCore;

/// The running session (nothing in a build without Link: it is refused there).
#[cfg(feature = "link")]
pub(super) type Link = crate::sync::link::LinkSession;
/// The running session (nothing in a build without Link: it is refused there).
#[cfg(not(feature = "link"))]
pub(super) type Link = std::convert::Infallible;

/// Whether Link is asked for (`--link` or the config's `link.enabled`).
fn wanted(options: &PlayOptions) -> bool {
    options.link || options.config.link.enabled
}

/// Refuses Link before anything is opened (one line, nothing else said): with a MIDI clock
/// to follow, or in a build without the `link` feature.
pub(super) fn check_link(options: &PlayOptions) -> Result<(), PlayError> {
    if !wanted(options) {
        return Ok(());
    }
    if let Some(port) = clock_in_name(options) {
        return Err(PlayError::Link(format!(
            "the sequencer cannot follow both Link and the MIDI clock of {port:?}: choose one"
        )));
    }
    #[cfg(not(feature = "link"))]
    return Err(no_link_support());
    #[cfg(feature = "link")]
    Ok(())
}

/// The refusal of a build without the `link` feature.
#[cfg(not(feature = "link"))]
fn no_link_support() -> PlayError {
    PlayError::Link(
        "this build has no Link support (build with `cargo build --features link`)".into(),
    )
}

/// Joins the Link session when asked (and [`check_link`] let it): the sequencer follows
/// its timeline from the first block on.
pub(super) fn start_link(
    options: &PlayOptions,
    control: &Arc<Mutex<Controller>>,
    core: &mut CallbackCore,
    sample_rate: u32,
) -> Result<Option<Link>, PlayError> {
    if !wanted(options) {
        return Ok(None);
    }
    join(options, control, core, sample_rate)
}

#[cfg(feature = "link")]
fn join(
    options: &PlayOptions,
    control: &Arc<Mutex<Controller>>,
    core: &mut CallbackCore,
    sample_rate: u32,
) -> Result<Option<Link>, PlayError> {
    use crate::sync::link::{LinkParts, LinkSession};

    let c = control.lock();
    let parts = LinkParts {
        quantum: options.config.link.quantum,
        start_stop_sync: options.config.link.start_stop_sync,
        control: control.clone(),
        faults: c.faults().clone(),
        status: c.sync_status().clone(),
    };
    drop(c);
    let session = LinkSession::start(parts)
        .map_err(|e| PlayError::Link(format!("cannot start its thread: {e}")))?;
    // Until the stream says (or the first callbacks measure) its buffer: the one asked for.
    if let Some(buffer) = options.request.buffer {
        session.set_output_latency(crate::midi::input::latency_for(buffer, sample_rate));
    }
    core.set_timeline(Box::new(session.timeline()));
    Ok(Some(session))
}

/// Sets the session's output latency from the stream's `buffer` (frames): two of them and
/// 2 ms. The audio thread reads it (one atomic) from its next block.
#[cfg(feature = "link")]
pub(super) fn set_link_buffer(link: Option<&Link>, buffer: u32, sample_rate: u32) {
    if let Some(link) = link {
        let latency = crate::midi::input::latency_for(buffer, sample_rate);
        link.set_output_latency(latency);
        tracing::info!(
            "Ableton Link: output latency {:.1} ms ({buffer} frames × 2 + 2 ms)",
            latency.as_secs_f64() * 1e3
        );
    }
}

/// Nothing to set in a build without Link (no session can run).
#[cfg(not(feature = "link"))]
pub(super) fn set_link_buffer(link: Option<&Link>, _: u32, _: u32) {
    if let Some(never) = link {
        match *never {}
    }
}

#[cfg(not(feature = "link"))]
fn join(
    _: &PlayOptions,
    _: &Arc<Mutex<Controller>>,
    _: &mut CallbackCore,
    _: u32,
) -> Result<Option<Link>, PlayError> {
    Err(no_link_support())
}
