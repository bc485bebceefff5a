//! MIDI: controller numbers and value scaling ([`cc`]) and the RPN state machine
//! ([`rpn`]).

pub mod cc;
pub mod rpn;
