//! OSC control (docs/CONTRACTS.md §2): a UDP server that edits the standby patch, commits,
//! changes params live, plays notes and reports status, from any OSC client.
//!
//! - [`server`]: the UDP thread: receives, contains faults, sends replies and broadcasts.
//! - [`handler`]: one datagram → its replies: shape check, decode, bundles, `/reply`,
//!   `/midi/...`, everything else to [`dispatch`](mod@dispatch).
//! - [`packet_shape`]: bundle depth and element limits, checked before decoding.
//! - [`reply_routes`]: where replies go (`/reply`), who hears broadcasts.
//! - [`dispatch`](mod@dispatch): address → Controller call.
//! - [`args`]: argument reading (ints and floats interchangeable).
//! - [`patch_folder`]: the only folder `/patch/load` and `/patch/save` may touch.
//! - [`clock`]: OSC time tags → engine sample times.
//! - [`midi`](mod@midi): `/midi/ports`, `/note/bend`, `/midi/cc` through the MIDI router.
//! - [`sequencer`]: the `/seq/...` addresses.

pub mod args;
pub mod clock;
pub mod dispatch;
pub mod handler;
pub mod midi;
pub mod packet_shape;
pub mod patch_folder;
pub mod reply_routes;
pub mod sequencer;
pub mod server;

pub use dispatch::{dispatch, Context, HostStatus};
pub use handler::{MessageTap, PacketHandler};
pub use midi::MidiAccess;
pub use patch_folder::PatchFolder;
pub use server::{HostStatusFn, OscOptions, OscServer, OscStats};
