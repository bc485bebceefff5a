//! MIDI: controller numbers and value scaling ([`cc`]), byte parsing with midly
//! ([`parse`]), the RPN state machine ([`rpn`]) and the [`router`](mod@router) that sends
//! every message where the `--config` says; the MIDI thread ([`input`]) with its port
//! backends ([`alsa_input`], [`jack_input`]), port choice ([`ports`]) and what each source
//! holds down ([`held`]).

pub mod alsa_input;
pub mod cc;
pub mod held;
pub mod input;
#[cfg(feature = "jack")]
pub mod jack_input;
pub mod parse;
pub mod ports;
pub mod router;
pub mod rpn;
