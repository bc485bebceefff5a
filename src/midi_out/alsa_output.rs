//! MIDI output on the ALSA sequencer through midir (`MidiOutput`): one connection per
//! destination port. midir sends at once, so the output thread hands a message over when
//! its time has come (the engine's sample clock, read through the wall-clock anchor, has
//! reached its due sample plus the latency).
//!
//! The build machine has no `/dev/snd/seq`: opening the sequencer fails there, and the
//! tests check that failure is one clear line and that Chronus keeps trying (the JACK
//! output is the one exercised end to end).

use std::collections::HashMap;

use midir::{MidiOutput, MidiOutputConnection};

use super::message::OutMessage;

/// Client name Chronus shows in the ALSA sequencer for its output.
pub const CLIENT_NAME: &str = "chronus-out";

/// ALSA sequencer output.
pub struct AlsaOut {
    /// Connections by our port index.
    connections: HashMap<usize, (String, MidiOutputConnection)>,
    /// Which port indexes are in use.
    slots: Vec<bool>,
}

/// Opens a sequencer client, or says why not (no `/dev/snd/seq`, no permission).
fn client() -> Result<MidiOutput, String> {
    MidiOutput::new(CLIENT_NAME).map_err(|e| format!("cannot open the ALSA sequencer: {e}"))
}

impl AlsaOut {
    /// Opens the sequencer (fails where there is none).
    pub fn open() -> Result<AlsaOut, String> {
        client()?;
        Ok(AlsaOut {
            connections: HashMap::new(),
            slots: Vec::new(),
        })
    }

    /// A new port: the lowest free index (its connection is named `out-{index + 1}`).
    pub fn add_port(&mut self) -> usize {
        match self.slots.iter().position(|used| !used) {
            Some(i) => {
                self.slots[i] = true;
                i
            }
            None => {
                self.slots.push(true);
                self.slots.len() - 1
            }
        }
    }

    /// Closes port `i` (its connection, if any); its index is free again.
    pub fn remove_port(&mut self, i: usize) {
        self.connections.remove(&i);
        if let Some(used) = self.slots.get_mut(i) {
            *used = false;
        }
    }

    /// Destination ports (names as `chronus devices` prints them).
    pub fn destinations(&self) -> Result<Vec<String>, String> {
        list()
    }

    /// Connects our port `i` to `dest`.
    pub fn connect(&mut self, i: usize, dest: &str) -> Result<(), String> {
        let out = client()?;
        let port = out
            .ports()
            .into_iter()
            .find(|p| out.port_name(p).is_ok_and(|n| n == dest))
            .ok_or_else(|| format!("the port {dest:?} went away"))?;
        let conn = out
            .connect(&port, &format!("out-{}", i + 1))
            .map_err(|e| format!("cannot connect to {dest:?}: {e}"))?;
        self.connections.insert(i, (dest.to_string(), conn));
        Ok(())
    }

    /// True while port `i` is connected to `dest` and `dest` is still listed.
    pub fn is_connected(&mut self, i: usize, dest: &str) -> bool {
        let listed = list().is_ok_and(|l| l.iter().any(|p| p == dest));
        if !listed {
            self.connections.remove(&i);
        }
        listed && self.connections.get(&i).is_some_and(|(d, _)| d == dest)
    }

    /// Sends `msg` now on port `i`; false when it could not.
    pub fn send(&mut self, i: usize, msg: &OutMessage) -> bool {
        let Some((_, conn)) = self.connections.get_mut(&i) else {
            return false;
        };
        msg.parts().all(|p| conn.send(p).is_ok())
    }
}

/// Names of the sequencer's destination ports.
pub fn list() -> Result<Vec<String>, String> {
    let out = client()?;
    Ok(out
        .ports()
        .iter()
        .filter_map(|p| out.port_name(p).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without `/dev/snd/seq` opening fails with one line naming the sequencer; with one,
    /// listing works.
    #[test]
    fn opening_says_why_it_cannot() {
        match AlsaOut::open() {
            Ok(out) => assert!(out.destinations().is_ok()),
            Err(e) => {
                assert!(e.starts_with("cannot open the ALSA sequencer"), "{e}");
                assert!(!e.contains('\n'));
                assert!(!std::path::Path::new("/dev/snd/seq").exists());
            }
        }
    }
}
