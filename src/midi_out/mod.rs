//! MIDI output to external synths (docs/CONTRACTS.md §1, "Instrument backends"): a patch's
//! `midi` instruments are played by the synth on a MIDI output port, their params reached
//! through a CC profile.
//!
//! Events for these instruments, and the sequencer's MIDI clock for the clock ports
//! (`clock: (out: [...])`, `--clock-out`), leave the audio thread through the engine's
//! outbound ring; the outbound thread (`backend::outbound`) hands them to the [`MidiOutSink`] here,
//! which turns them into MIDI and sends them:
//!
//! - [`profile`]: CC profiles (controls, ranges, curves) and custom ones from the config;
//!   [`builtin`]: the built-in profiles, with their sources.
//! - [`message`]: one logical outgoing message and its priority kind.
//! - [`clock_out`]: the ports that get the sequencer's MIDI clock, and each one's
//!   transport rules.
//! - [`voicing`]: an instrument's notes (polyphony, mono legato), channel messages and
//!   params as MIDI bytes.
//! - [`queue`]: the per-port output queue (priorities, CC throttling, bound, scheduling).
//! - [`glide`]: a param change with a glide time as a stream of values at the throttle
//!   rate.
//! - [`stats`]: per-port counters and the scheduling-error histogram.
//! - [`jack_output`]: JACK MIDI output ports written at exact frames in the process
//!   callback; [`alsa_output`]: the ALSA sequencer through midir.
//! - [`sink`]: the sink itself (port matching, backoff, release to the host), and the
//!   status every reader shares.
//! - [`replan`]: a commit's plan applied at its swap (ports opened, closed, instruments
//!   moved).
//! - [`devices`]: the output part of `chronus devices`; [`player_report`]: a running
//!   player's ports, counts and latency statistics, asked of its HTTP API.
//! - [`settings`]: the config's `midi_out` section, and a patch's plan of ports.

pub mod alsa_output;
pub mod builtin;
pub mod clock_out;
pub mod devices;
pub mod glide;
#[cfg(feature = "jack")]
pub mod jack_output;
pub mod message;
pub mod player_report;
pub mod profile;
pub mod queue;
pub mod replan;
pub mod settings;
pub mod sink;
pub mod stats;
pub mod voicing;

pub use clock_out::ClockOut;
pub use profile::{Control, Curve, Profile, ProfileDesc};
pub use replan::Replans;
pub use settings::{plan, MidiOutSettings, Plan};
pub use sink::{MidiOutSink, MidiOutStatus, OutHostKind, PortHook, PortInstrument, PortStatus};
