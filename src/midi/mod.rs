//! MIDI input: byte parsing with midly ([`parse`]) and the [`router`](mod@router) that
//! sends every message where the `--config` says; the MIDI thread ([`input`]) with its port
//! backends ([`alsa_input`], [`jack_input`]) and their errors ([`port_error`]), port choice
//! ([`ports`]) and what each source holds down ([`held`]). The message type, controller
//! numbers and RPNs are in [`midi_protocol`](crate::midi_protocol); the note sinks it
//! plays into in [`backend`](crate::backend).

pub mod alsa_input;
pub mod held;
pub mod input;
#[cfg(feature = "jack")]
pub mod jack_input;
pub mod parse;
pub mod port_error;
pub mod ports;
pub mod router;
