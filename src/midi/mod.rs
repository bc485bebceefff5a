//! MIDI: controller numbers and value scaling ([`cc`]), byte parsing with midly
//! ([`parse`]), the RPN state machine ([`rpn`]) and the [`router`](mod@router) that sends every
//! message where the `--config` says.

pub mod cc;
pub mod parse;
pub mod router;
pub mod rpn;
