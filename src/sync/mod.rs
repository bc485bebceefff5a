//! Sync with other gear and other machines: the sequencer following an external MIDI
//! clock ([`follow`]: tick spacing → tempo, transport messages → commands; [`clock_in`]:
//! the thread that reads the port); it says where the clock comes from in the
//! controller's [`SyncStatus`]; an Ableton Link session (`link`, cargo feature `link`):
//! its tempo, start/stop and beat timeline, which the sequencer's clock follows.
//! The MIDI clock the sequencer *sends* is made on the audio thread, in
//! [`seq::midi_clock`](crate::seq::midi_clock).
//!
//! Depends on [`seq`](crate::seq), [`midi`](crate::midi), [`control`](crate::control),
//! [`realtime`](crate::realtime) and [`fault`](crate::fault).

pub mod clock_in;
pub mod follow;
#[cfg(feature = "link")]
pub mod link;

pub use crate::seq::clock_source::{ClockSource, SyncStatus};
