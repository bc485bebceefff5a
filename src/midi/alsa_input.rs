//! MIDI input through midir: the ALSA sequencer on Linux (CoreMIDI on macOS). midir is
//! built without its `jack` feature, which would replace ALSA (see Cargo.toml); JACK MIDI
//! has its own backend (`jack_input`).
//!
//! Arrival times: midir hands each message with its ALSA queue timestamp (µs on a clock
//! that starts when the port is connected). The wall time of timestamp 0 is estimated as
//! the earliest `now − timestamp` seen, so scheduling delays of the callback thread do not
//! shift messages.

use std::collections::HashMap;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::{Duration, SystemTime};

use midir::{Ignore, MidiInput, MidiInputConnection};

use super::input::{Incoming, MidiBackend, MAX_MESSAGE};
use super::port_error::PortError;

/// Client name Chronus shows in the ALSA sequencer.
pub const CLIENT_NAME: &str = "chronus";

/// Wall time of a port's timestamps: timestamp 0 is placed at the earliest
/// `arrival − timestamp` seen, so a message handed over late keeps its true time.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TimestampOrigin {
    zero: Option<SystemTime>,
}

impl TimestampOrigin {
    /// The wall time of a message stamped `micros`, handed over at `now`.
    pub fn wall(&mut self, micros: u64, now: SystemTime) -> SystemTime {
        let since = Duration::from_micros(micros);
        let candidate = now.checked_sub(since).unwrap_or(now);
        let zero = self.zero.map_or(candidate, |z| z.min(candidate));
        self.zero = Some(zero);
        zero + since
    }
}

/// The ALSA sequencer through midir.
pub struct AlsaBackend {
    lister: MidiInput,
    connections: HashMap<String, MidiInputConnection<()>>,
    tx: Sender<Incoming>,
    rx: Receiver<Incoming>,
}

impl AlsaBackend {
    /// Opens the sequencer (fails where there is none, e.g. without /dev/snd/seq).
    pub fn open() -> Result<AlsaBackend, PortError> {
        let lister = MidiInput::new(CLIENT_NAME)?;
        let (tx, rx) = channel();
        Ok(AlsaBackend {
            lister,
            connections: HashMap::new(),
            tx,
            rx,
        })
    }

    /// Names of the source ports.
    pub fn list(input: &MidiInput) -> Vec<String> {
        input
            .ports()
            .iter()
            .filter_map(|p| input.port_name(p).ok())
            .filter(|n| !n.starts_with(CLIENT_NAME))
            .collect()
    }
}

impl MidiBackend for AlsaBackend {
    fn host(&self) -> &'static str {
        "alsa"
    }

    fn ports(&mut self) -> Result<Vec<String>, PortError> {
        Ok(AlsaBackend::list(&self.lister))
    }

    fn connect(&mut self, port: &str) -> Result<(), PortError> {
        let mut input = MidiInput::new(CLIENT_NAME)?;
        // Clock and active sensing are not for us; sysex is skipped by the parser anyway.
        input.ignore(Ignore::All);
        let found = input
            .ports()
            .into_iter()
            .find(|p| input.port_name(p).is_ok_and(|n| n == port))
            .ok_or(PortError::PortGone)?;
        let tx = self.tx.clone();
        let stream = port.to_string();
        let mut origin = TimestampOrigin::default();
        let connection = input
            .connect(
                &found,
                "chronus-in",
                move |micros, bytes, _| {
                    if bytes.len() > MAX_MESSAGE {
                        return;
                    }
                    let _ = tx.send(Incoming {
                        stream: stream.clone(),
                        bytes: bytes.to_vec(),
                        wall: origin.wall(micros, SystemTime::now()),
                        sample: None,
                        frame_ns: None,
                    });
                },
                (),
            )
            .map_err(|e| PortError::AlsaConnect(e.kind()))?;
        self.connections.insert(port.to_string(), connection);
        Ok(())
    }

    fn is_connected(&mut self, port: &str) -> bool {
        self.connections.contains_key(port)
            && AlsaBackend::list(&self.lister).iter().any(|p| p == port)
    }

    fn disconnect(&mut self, port: &str) {
        if let Some(c) = self.connections.remove(port) {
            c.close();
        }
    }

    fn drain(&mut self, out: &mut Vec<Incoming>) {
        out.extend(self.rx.try_iter());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_hand_overs_keep_their_timestamp_spacing() {
        let t0 = SystemTime::now();
        let ms = Duration::from_millis;
        let mut o = TimestampOrigin::default();
        // Stamped 0 and 10 ms; the second is handed over 5 ms late.
        assert_eq!(o.wall(0, t0), t0);
        assert_eq!(o.wall(10_000, t0 + ms(15)), t0 + ms(10));
        // The first was itself 2 ms late: the origin moves earlier from then on.
        assert_eq!(o.wall(20_000, t0 + ms(18)), t0 + ms(18));
        assert_eq!(o.wall(30_000, t0 + ms(40)), t0 + ms(28));
    }
}
