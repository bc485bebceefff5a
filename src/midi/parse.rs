//! Bytes → channel messages, with `midly` (running status, real-time bytes interleaved
//! inside a message, 14-bit pitch bend): no hand-written byte parser.
//!
//! One [`MidiParser`] per input port: running status belongs to the byte stream of one
//! port. System messages (clock, sysex, ...) are skipped.

use midly::live::LiveEvent;
use midly::stream::MidiStream;
use midly::MidiMessage;

use crate::midi_protocol::ChannelEvent;

/// A channel message and its channel (1–16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MidiEvent {
    /// MIDI channel 1–16.
    pub channel: u8,
    /// What it says.
    pub event: ChannelEvent,
}

/// The byte stream of one port.
#[derive(Default)]
pub struct MidiParser {
    stream: MidiStream,
}

impl MidiParser {
    /// A parser with no running status yet.
    pub fn new() -> Self {
        MidiParser::default()
    }

    /// Feeds raw bytes (any split: a message may span calls); calls `handle` for every
    /// complete channel message.
    pub fn feed(&mut self, bytes: &[u8], mut handle: impl FnMut(MidiEvent)) {
        self.stream.feed(bytes, |ev| {
            if let Some(e) = channel_event(&ev) {
                handle(e)
            }
        });
    }
}

/// The channel message in a parsed live event, if it is one.
pub fn channel_event(ev: &LiveEvent) -> Option<MidiEvent> {
    let LiveEvent::Midi { channel, message } = ev else {
        return None;
    };
    let event = match *message {
        MidiMessage::NoteOn { key, vel } => ChannelEvent::NoteOn {
            note: key.as_int(),
            velocity: vel.as_int(),
        },
        MidiMessage::NoteOff { key, .. } => ChannelEvent::NoteOff { note: key.as_int() },
        MidiMessage::Aftertouch { key, vel } => ChannelEvent::PolyAftertouch {
            note: key.as_int(),
            value: vel.as_int(),
        },
        MidiMessage::Controller { controller, value } => ChannelEvent::Controller {
            controller: controller.as_int(),
            value: value.as_int(),
        },
        MidiMessage::ProgramChange { program } => ChannelEvent::Program(program.as_int()),
        MidiMessage::ChannelAftertouch { vel } => ChannelEvent::Pressure(vel.as_int()),
        MidiMessage::PitchBend { bend } => ChannelEvent::Bend(bend.0.as_int()),
    };
    Some(MidiEvent {
        channel: channel.as_int() + 1,
        event,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Vec<MidiEvent> {
        let mut p = MidiParser::new();
        let mut out = Vec::new();
        // Byte by byte, as a slow port might deliver them.
        for b in bytes {
            p.feed(std::slice::from_ref(b), |e| out.push(e));
        }
        out
    }

    #[test]
    fn running_status_realtime_bytes_and_14_bit_bend() {
        let events = parse(&[
            0x90, 60, 100, // note on, ch 1
            62, 0xF8, 90, // running status, a clock byte inside the message
            64, 0, // running status, velocity 0
            0xE1, 0x7F, 0x7F, // bend max on ch 2
            0xE1, 0x00, 0x00, // bend min
            0xFE, // active sensing: skipped
            0xB2, 101, 0, 100, 0, 6, 12, // RPN 0 = 12 semitones, running status
            0xD3, 77, // channel pressure ch 4
            0xA0, 60, 33, // poly aftertouch
            0xC5, 7, // program
            0x80, 60, 0, // note off
        ]);
        use ChannelEvent::*;
        let got: Vec<(u8, ChannelEvent)> = events.iter().map(|e| (e.channel, e.event)).collect();
        assert_eq!(
            got,
            vec![
                (
                    1,
                    NoteOn {
                        note: 60,
                        velocity: 100
                    }
                ),
                (
                    1,
                    NoteOn {
                        note: 62,
                        velocity: 90
                    }
                ),
                (
                    1,
                    NoteOn {
                        note: 64,
                        velocity: 0
                    }
                ),
                (2, Bend(16383)),
                (2, Bend(0)),
                (
                    3,
                    Controller {
                        controller: 101,
                        value: 0
                    }
                ),
                (
                    3,
                    Controller {
                        controller: 100,
                        value: 0
                    }
                ),
                (
                    3,
                    Controller {
                        controller: 6,
                        value: 12
                    }
                ),
                (4, Pressure(77)),
                (
                    1,
                    PolyAftertouch {
                        note: 60,
                        value: 33
                    }
                ),
                (6, Program(7)),
                (1, NoteOff { note: 60 }),
            ]
        );
    }
}
