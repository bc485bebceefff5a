//! Running the engine: offline rendering to WAV, and real-time play on a sound card
//! (cpal: ALSA, JACK) or the null host.
//!
//! Offline:
//! - [`render`](mod@render): drive the engine offline, sample-accurately.
//! - [`note_spec`]: the `--notes` syntax.
//! - [`wav`]: WAV files in and out (hound).
//!
//! Real time (`chronus play`, `chronus devices`):
//! - [`audio_callback`]: the device-independent callback (chunking, channel mapping, sample
//!   formats, shutdown fade, recording, panic catching) and the engine hand-back.
//! - [`meter`]: callback counters in atomics, and the status line.
//! - [`recorder`]: `--record`: the ring the callback fills and the WAV writer thread.
//! - [`cpal_output`]: host and device choice, stream config, building cpal streams.
//! - [`null_output`]: `--host null`, a thread paced at real time.
//! - [`player`]: the lifecycle: start, status, reconnect, clean stop.
//! - [`devices`]: the `chronus devices` listing.
//! - [`logging`]: the logger of `chronus play` (text or JSON lines, stderr or a rotated
//!   file, the level changed live).
//!
//! Both:
//! - [`setup`]: the engine and controller both start from (seed, `--config`'s sequencer
//!   and tuning sections).

pub mod audio_callback;
pub mod cpal_output;
pub mod devices;
pub mod logging;
pub mod meter;
pub mod note_spec;
pub mod null_output;
pub mod player;
pub mod recorder;
pub mod render;
pub mod setup;
pub mod wav;

pub use note_spec::{parse_notes, NoteProblem, NoteSpec, NoteSpecError};
pub use player::{play, PlayOptions};
pub use render::{render, RenderError, RenderOptions, Rendered};
