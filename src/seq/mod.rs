//! The generative sequencer (the "conductor"): it runs on the audio thread inside the
//! engine's block loop, driven by the engine's sample counter, and inserts notes and
//! param glides at exact sample times.
//!
//! Map of the room:
//! - pure logic, each testable alone: [`clock`] (tempo, 24 PPQN ticks, exact sample
//!   accounting), [`drift`] (seeded smooth random walk of the tempo), [`swing`],
//!   [`pattern`] (steps, probability, density thinning order), [`euclid`], [`scale`],
//!   [`quantize`] (when a scale change lands), [`rng`] (the seeded, loopable random
//!   source), [`mutation`], [`idle`] (active/ambient profile with fades and hysteresis);
//! - settings: [`config`] (`SequencerConfig`, the `sequencer` section of `--config`; the
//!   types it shares with a patch's `sequence` section are the patch model's);
//! - the real-time part: [`conductor`] (all of the above per block, allocation-free),
//!   [`command`] (what the control side tells it), [`event`] (the notes and param moves
//!   it plays into the engine), [`cue`] (what it tells the control side),
//!   [`status`] (atomics `/seq/state` reads), [`edit`] (how step edits change a track,
//!   shared with the control side), [`midi_clock`] (the MIDI clock and transport
//!   messages it plays on its ticks), [`clock_source`] (where its clock comes from:
//!   internal, MIDI clock in, Link; for the status), [`timeline`] (an outside beat
//!   timeline, a Link session, its ticks follow);
//!
//! A patch's `sequence` section is checked by the patch room (`patch::sequence_check`)
//! and turned into a [`Conductor`] by the control room (`control::sequencer_build`).

pub mod clock;
pub mod clock_source;
pub mod command;
pub mod conductor;
pub mod config;
pub mod cue;
pub mod drift;
pub mod edit;
pub mod euclid;
pub mod event;
pub mod idle;
pub mod midi_clock;
pub mod mutation;
pub mod pattern;
pub mod quantize;
pub mod rng;
pub mod scale;
pub mod status;
pub mod swing;
pub mod timeline;

pub use clock::{Clock, PPQN};
pub use command::SeqCommand;
pub use conductor::Conductor;
pub use config::SequencerConfig;
pub use cue::Cue;
pub use event::SeqEvent;
pub use status::SeqStatus;
pub use timeline::{Timeline, TimelineSource};
