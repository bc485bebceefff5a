//! MIDI clock out: which output ports get the sequencer's clock ([`ClockOut`], from the
//! config's `clock` section or `--clock-out`), and what each of them is sent
//! ([`ClockGate`]).
//!
//! The sequencer's clock and transport messages reach the MIDI output through the engine's
//! outbound ring, at their engine sample times, like notes; the sink queues them on every
//! clock port as [`Kind::Realtime`], the highest priority of the port's queue (first at
//! equal times, dropped last), and JACK writes each at its exact frame. A port's gate keeps
//! the transport rules of docs/CONTRACTS.md §5.2 per port:
//!
//! - ticks flow only between a START (or CONTINUE) the port was sent and the next STOP:
//!   none before START, none after STOP. A port found while the transport runs gets the
//!   clock from the next START or CONTINUE (a receiver needs one to know where the bar
//!   is);
//! - with `send_start_stop: false` no START/STOP/CONTINUE goes out, and ticks flow while
//!   the transport runs; with `send_song_position: false` no SONG POSITION POINTER does;
//! - when Chronus stops (Ctrl-C, SIGTERM, `--seconds`) a port the clock runs on is sent
//!   STOP ([`ClockGate::stop`]).

use super::message::{Kind, OutMessage};
use crate::engine::ClockMessage;

/// The clock output asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClockOut {
    /// Output ports (part of a name, any case) that get the clock.
    pub ports: Vec<String>,
    /// Send START/STOP/CONTINUE.
    pub send_start_stop: bool,
    /// Send SONG POSITION POINTER before CONTINUE when the position is not zero.
    pub send_song_position: bool,
}

/// One clock port's transport state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockGate {
    send_start_stop: bool,
    send_song_position: bool,
    /// The sequencer's transport runs.
    running: bool,
    /// This port was sent START or CONTINUE (while connected) and no STOP since.
    live: bool,
}

impl ClockGate {
    /// A stopped port's gate with `clock`'s flags.
    pub fn new(clock: &ClockOut) -> Self {
        ClockGate {
            send_start_stop: clock.send_start_stop,
            send_song_position: clock.send_song_position,
            running: false,
            live: false,
        }
    }

    /// What the port is sent for `message`, `connected` telling whether it has a
    /// destination now (a START that finds none does not make the port live).
    pub fn message(&mut self, message: ClockMessage, connected: bool) -> Option<OutMessage> {
        let send = match message {
            ClockMessage::Start | ClockMessage::Continue => {
                self.running = true;
                self.live = connected;
                self.send_start_stop
            }
            ClockMessage::SongPosition(_) => self.send_song_position,
            ClockMessage::Stop => {
                self.running = false;
                std::mem::replace(&mut self.live, false) && self.send_start_stop
            }
            ClockMessage::Tick => {
                if self.send_start_stop {
                    self.live
                } else {
                    self.running
                }
            }
        };
        (send && connected).then(|| Self::bytes(message))
    }

    /// The port lost its destination: it gets the clock again from the next START or
    /// CONTINUE.
    pub fn disconnected(&mut self) {
        self.live = false;
    }

    /// Chronus stops: the STOP to send when the clock runs on the port.
    pub fn stop(&mut self) -> Option<OutMessage> {
        let was = std::mem::replace(&mut self.live, false);
        self.running = false;
        (was && self.send_start_stop).then(|| Self::bytes(ClockMessage::Stop))
    }

    fn bytes(message: ClockMessage) -> OutMessage {
        let (bytes, n) = message.bytes();
        OutMessage::short(Kind::Realtime, &bytes[..n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(start_stop: bool, spp: bool) -> ClockGate {
        ClockGate::new(&ClockOut {
            ports: vec!["x".into()],
            send_start_stop: start_stop,
            send_song_position: spp,
        })
    }

    fn sent(g: &mut ClockGate, m: ClockMessage, connected: bool) -> Option<Vec<u8>> {
        g.message(m, connected)
            .map(|o| o.parts().next().unwrap().to_vec())
    }

    #[test]
    fn ticks_flow_only_between_start_and_stop() {
        let mut g = gate(true, true);
        assert_eq!(sent(&mut g, ClockMessage::Tick, true), None, "before START");
        assert_eq!(sent(&mut g, ClockMessage::Start, true), Some(vec![0xFA]));
        assert_eq!(sent(&mut g, ClockMessage::Tick, true), Some(vec![0xF8]));
        assert_eq!(sent(&mut g, ClockMessage::Stop, true), Some(vec![0xFC]));
        assert_eq!(sent(&mut g, ClockMessage::Tick, true), None, "after STOP");
        assert_eq!(g.stop(), None, "already stopped: no second STOP");
        assert_eq!(
            sent(&mut g, ClockMessage::SongPosition(129), true),
            Some(vec![0xF2, 1, 1])
        );
        assert_eq!(sent(&mut g, ClockMessage::Continue, true), Some(vec![0xFB]));
        assert_eq!(sent(&mut g, ClockMessage::Tick, true), Some(vec![0xF8]));
        let stop = g.stop().expect("a running clock is stopped");
        assert_eq!(stop.parts().next(), Some(&[0xFC][..]));
        assert_eq!(stop.kind, Kind::Realtime);
    }

    #[test]
    fn a_port_found_while_running_waits_for_the_next_start() {
        let mut g = gate(true, true);
        assert_eq!(sent(&mut g, ClockMessage::Start, false), None);
        assert_eq!(
            sent(&mut g, ClockMessage::Tick, true),
            None,
            "no START seen"
        );
        assert_eq!(sent(&mut g, ClockMessage::Stop, true), None, "nor a STOP");
        assert_eq!(sent(&mut g, ClockMessage::Start, true), Some(vec![0xFA]));
        g.disconnected();
        assert_eq!(sent(&mut g, ClockMessage::Tick, true), None);
        assert_eq!(g.stop(), None);
    }

    #[test]
    fn the_flags_leave_out_transport_or_song_position() {
        let mut g = gate(false, true);
        assert_eq!(sent(&mut g, ClockMessage::Tick, true), None, "stopped");
        assert_eq!(sent(&mut g, ClockMessage::Continue, true), None);
        assert_eq!(sent(&mut g, ClockMessage::Tick, true), Some(vec![0xF8]));
        assert_eq!(sent(&mut g, ClockMessage::Stop, true), None);
        assert_eq!(sent(&mut g, ClockMessage::Tick, true), None);
        assert_eq!(g.stop(), None);
        let mut g = gate(true, false);
        assert_eq!(sent(&mut g, ClockMessage::SongPosition(3), true), None);
        assert_eq!(sent(&mut g, ClockMessage::Continue, true), Some(vec![0xFB]));
    }
}
