//! Running the engine: offline rendering to WAV (and, with the real-time host issue, cpal
//! streams).
//!
//! - [`render`](mod@render): drive the engine offline, sample-accurately.
//! - [`note_spec`]: the `--notes` syntax.
//! - [`wav`]: WAV files in and out (hound).

pub mod note_spec;
pub mod render;
pub mod wav;

pub use note_spec::{parse_notes, NoteSpec, NoteSpecError};
pub use render::{render, RenderError, RenderOptions, Rendered};
