//! MIDI: controller numbers and value scaling ([`cc`]), byte parsing with midly
//! ([`parse`]) and the RPN state machine ([`rpn`]).

pub mod cc;
pub mod parse;
pub mod rpn;
