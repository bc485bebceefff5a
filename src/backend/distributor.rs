//! [`Distributor`]: routes MIDI to instruments by channel and note range.
//!
//! Each [`Route`] says: notes in `notes` on `channel` (or every channel) go to instrument
//! `instrument`. A note goes to the first route that takes it (ranges split a keyboard;
//! a last catch-all route takes the rest). Its note-off goes where its note-on went. Channel-wide messages (bend, pressure, controllers, program)
//! go to every instrument with a route on that channel.

use std::ops::RangeInclusive;

use super::instrument::{Instrument, InstrumentError};
use crate::midi_protocol::ChannelEvent;

/// One routing rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// MIDI channel 1–16, or `None` for every channel.
    pub channel: Option<u8>,
    /// Note range (inclusive).
    pub notes: RangeInclusive<u8>,
    /// Index into the distributor's instruments.
    pub instrument: usize,
}

impl Route {
    fn takes_channel(&self, channel: u8) -> bool {
        self.channel.is_none_or(|c| c == channel)
    }
}

/// Instruments and the routes to them. See the module doc.
pub struct Distributor {
    instruments: Vec<Box<dyn Instrument>>,
    routes: Vec<Route>,
    /// Where each sounding note went: per channel and note, a bit per instrument.
    sent: Box<[[u64; 128]; 16]>,
}

/// The most instruments a distributor holds (one bit each in its note memory).
pub const MAX_INSTRUMENTS: usize = 64;

impl Distributor {
    /// A distributor over `instruments` with `routes` (route indices must be in range).
    pub fn new(instruments: Vec<Box<dyn Instrument>>, routes: Vec<Route>) -> Self {
        assert!(instruments.len() <= MAX_INSTRUMENTS);
        assert!(routes.iter().all(|r| r.instrument < instruments.len()));
        Distributor {
            instruments,
            routes,
            sent: Box::new([[0; 128]; 16]),
        }
    }

    /// The instruments.
    pub fn instruments(&self) -> &[Box<dyn Instrument>] {
        &self.instruments
    }

    /// Mutable access to the instruments (stop all, reset).
    pub fn instruments_mut(&mut self) -> &mut [Box<dyn Instrument>] {
        &mut self.instruments
    }

    /// Sends `event` on `channel` (1–16) to the instruments its routes reach. Every
    /// instrument is tried; the first error is returned.
    pub fn dispatch(
        &mut self,
        channel: u8,
        event: ChannelEvent,
        time: Option<u64>,
    ) -> Result<(), InstrumentError> {
        if !(1..=16).contains(&channel) {
            return Err(InstrumentError::Range {
                what: "channel",
                value: channel as u32,
                range: "1 .. 16",
            });
        }
        let ch = (channel - 1) as usize;
        let targets: u64 = match event {
            ChannelEvent::NoteOn { note, velocity } if velocity > 0 => {
                let to = self.note_targets(channel, note);
                self.sent[ch][(note & 127) as usize] |= to;
                to
            }
            ChannelEvent::NoteOn { note, .. } | ChannelEvent::NoteOff { note } => {
                std::mem::take(&mut self.sent[ch][(note & 127) as usize])
            }
            ChannelEvent::PolyAftertouch { note, .. } => self.sent[ch][(note & 127) as usize],
            _ => self
                .routes
                .iter()
                .filter(|r| r.takes_channel(channel))
                .fold(0, |m, r| m | 1 << r.instrument),
        };
        let mut first_error = None;
        for (i, inst) in self.instruments.iter_mut().enumerate() {
            if targets & (1 << i) == 0 {
                continue;
            }
            let result = match event {
                ChannelEvent::NoteOn { note, velocity } => {
                    inst.play_note(channel, note, velocity, time)
                }
                ChannelEvent::NoteOff { note } => inst.stop_note(channel, note, time),
                ChannelEvent::PolyAftertouch { note, value } => {
                    inst.poly_aftertouch(channel, note, value, time)
                }
                ChannelEvent::Controller { controller, value } => {
                    inst.control_change(channel, controller, value, time)
                }
                ChannelEvent::Program(p) => inst.program_change(channel, p, time),
                ChannelEvent::Pressure(v) => inst.channel_pressure(channel, v, time),
                ChannelEvent::Bend(v) => inst.pitch_bend(channel, v, time),
            };
            if let Err(e) = result {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn note_targets(&self, channel: u8, note: u8) -> u64 {
        self.routes
            .iter()
            .find(|r| r.takes_channel(channel) && r.notes.contains(&note))
            .map_or(0, |r| 1 << r.instrument)
    }

    /// Releases every note on every instrument (a MIDI source went away).
    pub fn stop_all(&mut self, time: Option<u64>) -> Result<(), InstrumentError> {
        for row in self.sent.iter_mut() {
            row.fill(0);
        }
        let mut first_error = None;
        for inst in &mut self.instruments {
            if let Err(e) = inst.stop_all(time) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::InstrumentStatus;
    use std::sync::Arc;

    /// Records what it was told.
    struct Probe {
        name: String,
        log: Arc<parking_lot::Mutex<Vec<String>>>,
    }

    impl Probe {
        fn say(&self, s: String) -> Result<(), InstrumentError> {
            self.log.lock().push(format!("{} {s}", self.name));
            Ok(())
        }
    }

    impl Instrument for Probe {
        fn name(&self) -> &str {
            &self.name
        }
        fn play_note(
            &mut self,
            ch: u8,
            n: u8,
            v: u8,
            _: Option<u64>,
        ) -> Result<(), InstrumentError> {
            self.say(format!("on {ch} {n} {v}"))
        }
        fn stop_note(&mut self, ch: u8, n: u8, _: Option<u64>) -> Result<(), InstrumentError> {
            self.say(format!("off {ch} {n}"))
        }
        fn stop_all(&mut self, _: Option<u64>) -> Result<(), InstrumentError> {
            self.say("stop_all".into())
        }
        fn reset(&mut self) -> Result<(), InstrumentError> {
            self.say("reset".into())
        }
        fn pitch_bend(&mut self, ch: u8, v: u16, _: Option<u64>) -> Result<(), InstrumentError> {
            self.say(format!("bend {ch} {v}"))
        }
        fn channel_pressure(
            &mut self,
            ch: u8,
            v: u8,
            _: Option<u64>,
        ) -> Result<(), InstrumentError> {
            self.say(format!("pressure {ch} {v}"))
        }
        fn poly_aftertouch(
            &mut self,
            ch: u8,
            n: u8,
            v: u8,
            _: Option<u64>,
        ) -> Result<(), InstrumentError> {
            self.say(format!("poly {ch} {n} {v}"))
        }
        fn program_change(&mut self, ch: u8, p: u8, _: Option<u64>) -> Result<(), InstrumentError> {
            self.say(format!("program {ch} {p}"))
        }
        fn control_change(
            &mut self,
            ch: u8,
            c: u8,
            v: u8,
            _: Option<u64>,
        ) -> Result<(), InstrumentError> {
            self.say(format!("cc {ch} {c} {v}"))
        }
        fn active_note_count(&self) -> usize {
            0
        }
        fn is_note_active(&self, _: u8, _: u8) -> bool {
            false
        }
        fn voice_count(&self) -> usize {
            1
        }
        fn status(&self) -> InstrumentStatus {
            InstrumentStatus {
                name: self.name.clone(),
                active_notes: 0,
                voices: 1,
                voices_sounding: None,
                sustained_channels: vec![],
                programs: vec![],
            }
        }
    }

    fn split() -> (Distributor, Arc<parking_lot::Mutex<Vec<String>>>) {
        let log = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let probe = |name: &str| -> Box<dyn Instrument> {
            Box::new(Probe {
                name: name.into(),
                log: log.clone(),
            })
        };
        let d = Distributor::new(
            vec![probe("bass"), probe("lead"), probe("drums")],
            vec![
                Route {
                    channel: Some(1),
                    notes: 0..=59,
                    instrument: 0,
                },
                Route {
                    channel: Some(1),
                    notes: 60..=127,
                    instrument: 1,
                },
                Route {
                    channel: Some(10),
                    notes: 0..=127,
                    instrument: 2,
                },
                Route {
                    channel: None,
                    notes: 0..=127,
                    instrument: 2,
                },
            ],
        );
        (d, log)
    }

    #[test]
    fn notes_split_by_range_and_channel_first_route_wins() {
        let (mut d, log) = split();
        d.dispatch(
            1,
            ChannelEvent::NoteOn {
                note: 40,
                velocity: 100,
            },
            None,
        )
        .unwrap();
        d.dispatch(
            1,
            ChannelEvent::NoteOn {
                note: 72,
                velocity: 100,
            },
            None,
        )
        .unwrap();
        d.dispatch(
            1,
            ChannelEvent::NoteOn {
                note: 60,
                velocity: 90,
            },
            None,
        )
        .unwrap();
        d.dispatch(
            10,
            ChannelEvent::NoteOn {
                note: 36,
                velocity: 127,
            },
            None,
        )
        .unwrap();
        d.dispatch(
            2,
            ChannelEvent::NoteOn {
                note: 36,
                velocity: 127,
            },
            None,
        )
        .unwrap();
        assert_eq!(
            *log.lock(),
            [
                "bass on 1 40 100",
                "lead on 1 72 100",
                "lead on 1 60 90",
                "drums on 10 36 127",
                "drums on 2 36 127"
            ]
        );
    }

    #[test]
    fn note_offs_follow_their_note_ons_and_channel_messages_reach_the_channel() {
        let (mut d, log) = split();
        d.dispatch(
            1,
            ChannelEvent::NoteOn {
                note: 59,
                velocity: 1,
            },
            None,
        )
        .unwrap();
        log.lock().clear();
        d.dispatch(
            1,
            ChannelEvent::NoteOn {
                note: 59,
                velocity: 0,
            },
            None,
        )
        .unwrap();
        d.dispatch(1, ChannelEvent::NoteOff { note: 59 }, None)
            .unwrap();
        assert_eq!(
            *log.lock(),
            ["bass on 1 59 0"],
            "velocity 0 goes where the note went, once"
        );
        log.lock().clear();
        d.dispatch(10, ChannelEvent::Bend(16383), None).unwrap();
        d.dispatch(
            1,
            ChannelEvent::Controller {
                controller: 64,
                value: 127,
            },
            None,
        )
        .unwrap();
        assert_eq!(
            *log.lock(),
            [
                "drums bend 10 16383",
                "bass cc 1 64 127",
                "lead cc 1 64 127",
                "drums cc 1 64 127"
            ]
        );
        assert!(d.dispatch(0, ChannelEvent::Pressure(1), None).is_err());
    }
}
