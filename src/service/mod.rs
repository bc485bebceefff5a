//! Running as an appliance's service: what `chronus play` does for systemd and for the
//! real-time kernel.
//!
//! - [`notify`]: the notify protocol (`READY=1`, the watchdog fed only while the audio
//!   callback progresses, `STOPPING=1`).
//! - [`realtime`]: real-time priority for the audio thread (and for a thread that promotes
//!   itself, the outbound thread) and locked memory, and the one line saying what was
//!   granted.
//!
//! This room imports nothing of the host: the player hands it the callback's progress as
//! a number and asks it to act on threads it finds by name.

pub mod notify;
pub mod realtime;

pub use notify::{Notifier, NotifyEnv};
pub use realtime::{
    lock_memory, promote_audio_thread, promote_this_thread, MemoryLock, RealtimeReport,
};
