//! The MIDI part of the OSC address space, served beside the controller's (it goes through
//! the [`Router`], which locks the controller itself):
//!
//! | address | arguments | effect |
//! |---|---|---|
//! | /midi/ports | — | reply `/midi/ports s host, then (s port, i connected 0/1)*` |
//! | /note/bend | i channel 1–16, f bend -1..1 | pitch bend on that channel |
//! | /midi/cc | i channel 1–16, i cc 0–127, i value 0–127 | a control change, routed like MIDI |

use std::sync::Arc;

use parking_lot::Mutex;
use rosc::{OscMessage, OscType};

use super::args::Args;
use crate::midi::input::PortsStatus;
use crate::midi::parse::MidiEvent;
use crate::midi::router::Router;
use crate::midi_protocol::ChannelEvent;

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
) -> Result<Vec<OscMessage>, String> {
    let args = Args::new(&message.args);
    let midi = midi.ok_or("MIDI routing is not running in this player")?;
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
            let channel = channel(&args)?;
            let bend = args.number(1, "bend")?;
            if !(-1.0..=1.0).contains(&bend) {
                return Err(format!("bend {bend} is out of range -1 .. 1"));
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
            let channel = channel(&args)?;
            let seven = |i: usize, what: &str| -> Result<u8, String> {
                let v = args.int(i, what)?;
                u8::try_from(v)
                    .ok()
                    .filter(|v| *v <= 127)
                    .ok_or_else(|| format!("{what} {v} is out of range 0 .. 127"))
            };
            let event = ChannelEvent::Controller {
                controller: seven(1, "cc")?,
                value: seven(2, "value")?,
            };
            route(midi, channel, event, time)
        }
        other => Err(format!("{other} is not a MIDI address")),
    }
}

fn channel(args: &Args) -> Result<u8, String> {
    let ch = args.int(0, "channel")?;
    if (1..=16).contains(&ch) {
        Ok(ch as u8)
    } else {
        Err(format!("channel {ch} is out of range 1 .. 16"))
    }
}

fn route(
    midi: &MidiAccess,
    channel: u8,
    event: ChannelEvent,
    time: Option<u64>,
) -> Result<Vec<OscMessage>, String> {
    midi.router
        .lock()
        .handle(MidiEvent { channel, event }, time)
        .map_err(|e| e.to_string())?;
    Ok(Vec::new())
}
