//! The MIDI part of the OSC address space, served beside the controller's (it goes through
//! the [`Router`], which locks the controller itself):
//!
//! | address | arguments | effect |
//! |---|---|---|
//! | /midi/ports | — | reply `/midi/ports s host, then (s port, i connected 0/1)*` |
//! | /note/bend | i channel 1–16, f bend -1..1 | pitch bend on that channel |
//! | /midi/cc | i channel 1–16, i cc 0–127, i value 0–127 | a control change, routed like MIDI |
//!
//! Refusals of their own are [`MidiError`]s.

use std::sync::Arc;

use parking_lot::Mutex;
use rosc::{OscMessage, OscType};

use super::args::Args;
use super::error::OscError;
use crate::backend::InstrumentError;
use crate::midi::input::PortsStatus;
use crate::midi::parse::MidiEvent;
use crate::midi::router::Router;
use crate::midi_protocol::ChannelEvent;

/// Why a MIDI address was refused (argument problems are [`OscError::Args`]). Every variant
/// displays as the one line the client receives.
#[derive(Debug, thiserror::Error)]
pub enum MidiError {
    /// The player runs without the MIDI router.
    #[error("MIDI routing is not running in this player")]
    NotRunning,
    /// An address [`dispatch`] does not serve.
    #[error("{0} is not a MIDI address")]
    NotMidiAddress(String),
    /// A pitch bend outside -1 ..= 1.
    #[error("bend {0} is out of range -1 .. 1")]
    BendRange(f64),
    /// The router (the instrument the channel plays) refused the event.
    #[error("{0}")]
    Instrument(#[from] InstrumentError),
}

/// What the MIDI addresses reach.
#[derive(Clone)]
pub struct MidiAccess {
    /// The router every MIDI message goes through.
    pub router: Arc<Mutex<Router>>,
    /// The MIDI thread's view of the ports (`None`: no MIDI input running).
    pub ports: Option<Arc<Mutex<PortsStatus>>>,
}

/// True for the addresses [`dispatch`] serves.
pub fn is_midi_address(addr: &str) -> bool {
    matches!(addr, "/midi/ports" | "/note/bend" | "/midi/cc")
}

/// Handles one MIDI address at engine sample `time`; returns the replies.
pub fn dispatch(
    midi: Option<&MidiAccess>,
    message: &OscMessage,
    time: Option<u64>,
) -> Result<Vec<OscMessage>, OscError> {
    let args = Args::new(&message.args);
    let midi = midi.ok_or(MidiError::NotRunning)?;
    match message.addr.as_str() {
        "/midi/ports" => {
            args.expect_count(0, 0, "")?;
            let mut out = Vec::new();
            match &midi.ports {
                Some(ports) => {
                    let p = ports.lock();
                    out.push(OscType::String(p.host.clone()));
                    for name in &p.available {
                        out.push(OscType::String(name.clone()));
                        out.push(OscType::Int(p.connected.contains(name) as i32));
                    }
                }
                None => out.push(OscType::String("none".into())),
            }
            Ok(vec![OscMessage {
                addr: "/midi/ports".into(),
                args: out,
            }])
        }
        "/note/bend" => {
            args.expect_count(2, 2, "i channel 1..16, f bend -1..1")?;
            let channel = args.int_in(0, "channel", 1, 16)? as u8;
            let bend = args.number(1, "bend")?;
            if !(-1.0..=1.0).contains(&bend) {
                return Err(MidiError::BendRange(bend).into());
            }
            let value = if bend >= 0.0 {
                8192.0 + bend * 8191.0
            } else {
                8192.0 + bend * 8192.0
            };
            route(
                midi,
                channel,
                ChannelEvent::Bend(value.round() as u16),
                time,
            )
        }
        "/midi/cc" => {
            args.expect_count(3, 3, "i channel 1..16, i cc 0..127, i value 0..127")?;
            let channel = args.int_in(0, "channel", 1, 16)? as u8;
            let event = ChannelEvent::Controller {
                controller: args.int_in(1, "cc", 0, 127)? as u8,
                value: args.int_in(2, "value", 0, 127)? as u8,
            };
            route(midi, channel, event, time)
        }
        other => Err(MidiError::NotMidiAddress(other.to_string()).into()),
    }
}

fn route(
    midi: &MidiAccess,
    channel: u8,
    event: ChannelEvent,
    time: Option<u64>,
) -> Result<Vec<OscMessage>, OscError> {
    midi.router
        .lock()
        .handle(MidiEvent { channel, event }, time)
        .map_err(MidiError::from)?;
    Ok(Vec::new())
}
