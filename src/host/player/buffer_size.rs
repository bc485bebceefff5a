//! The buffer size the MIDI and Link latencies are computed from: the one the stream reports,
//! or, when the host does not say (cpal's ALSA and JACK streams may not), the one
//! measured from the first callbacks — the largest of them, since some hosts vary it.
//! Nothing is guessed: a stream that has not called back within [`MEASURE_TIMEOUT`] is
//! not playing, and the request's (or the null host's default) size is used with a
//! warning.

use std::time::{Duration, Instant};

use tracing::{info, warn};

use crate::host::audio_callback::Shared;

/// How long to wait for the first callbacks.
pub(super) const MEASURE_TIMEOUT: Duration = Duration::from_secs(1);

/// Callbacks to watch before trusting the size.
const CALLBACKS: u64 = 4;

/// The buffer size in frames: `reported` if the stream said, else measured on `shared`'s
/// meter, else `fallback`.
pub(super) fn buffer_frames(reported: Option<u32>, shared: &Shared, fallback: u32) -> u32 {
    if let Some(n) = reported {
        return n;
    }
    let meter = shared.meter();
    let start = meter.callbacks();
    let until = Instant::now() + MEASURE_TIMEOUT;
    let mut largest = 0;
    while Instant::now() < until {
        largest = largest.max(meter.buffer_frames());
        if meter.callbacks() >= start + CALLBACKS && largest > 0 {
            info!("buffer: {largest} frames, measured from the first callbacks");
            return largest as u32;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    warn!(
        "buffer: the stream reported no buffer size and did not call back within {:.0} s; \
         timing MIDI and Link for {fallback} frames",
        MEASURE_TIMEOUT.as_secs_f64()
    );
    fallback
}
