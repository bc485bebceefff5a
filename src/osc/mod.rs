//! OSC control (CONTRACTS.md §2): a UDP server that edits the standby patch, commits,
//! changes params live, plays notes and reports status, from any OSC client.
//!
//! - [`server`]: the UDP thread, replies, `/reply`, `/error`, bundles, counters.
//! - [`dispatch`](mod@dispatch): address → Controller call.
//! - [`args`]: argument reading (ints and floats interchangeable).
//! - [`patch_folder`]: the only folder `/patch/load` and `/patch/save` may touch.
//! - [`midi`](mod@midi): `/midi/ports`, `/note/bend`, `/midi/cc` through the MIDI router.
//! - [`sequencer`]: the `/seq/...` addresses.

pub mod args;
pub mod dispatch;
pub mod midi;
pub mod patch_folder;
pub mod sequencer;
pub mod server;

pub use dispatch::{dispatch, Context, HostStatus};
pub use midi::MidiAccess;
pub use patch_folder::PatchFolder;
pub use server::{HostStatusFn, OscOptions, OscServer, OscStats};
