//! [`dispatch`]: one decoded OSC message → one Controller call, per the address space of
//! docs/CONTRACTS.md §2. Returns the replies to send, or an [`OscError`] that the server sends
//! back as `/error s address s message`. A refused message changes nothing.

use rosc::{OscMessage, OscType};

use super::args::{ArgError, Args};
use super::error::OscError;
use super::patch_folder::{FolderError, PatchFolder};
use crate::control::{Controller, NoteTarget};
use crate::engine::EngineStats;
use crate::graph;
use crate::patch;

/// The largest UDP payload over IPv4 (65 535 − 8 bytes of UDP header − 20 of IP header): a
/// reply larger than this cannot be sent at all.
pub const MAX_DATAGRAM: usize = 65_507;

/// Host figures `/status` reports that the controller does not know.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HostStatus {
    /// Callback time / buffer period, 0..1 (smoothed).
    pub dsp_load: f32,
    /// Underruns and overruns reported by the audio device.
    pub xruns: u64,
    /// Messages refused so far (errors, floods).
    pub refused: u64,
    /// Panics caught so far: the host fills in the audio callback's, the OSC handler adds
    /// those of the control threads.
    pub panics: u64,
}

/// What a message may use besides the controller.
pub struct Context<'a> {
    /// The patch folder of `/patch/load` and `/patch/save`.
    pub folder: &'a PatchFolder,
    /// Engine sample time at which a bundled message applies (`None`: the next block).
    pub time: Option<u64>,
    /// Host figures for `/status`.
    pub host: HostStatus,
}

/// Handles `message`; returns the replies to send to the client.
pub fn dispatch(
    control: &mut Controller,
    message: &OscMessage,
    ctx: &Context,
) -> Result<Vec<OscMessage>, OscError> {
    let args = Args::new(&message.args);
    let addr = message.addr.as_str();
    let none = Ok(Vec::new());
    match addr {
        "/patch/create" => {
            if args.len() < 2 || !args.len().is_multiple_of(2) {
                return Err(ArgError::PairCount {
                    layout: "s id, s kind, then (s param, value) pairs",
                    got: args.len(),
                }
                .into());
            }
            let id = args.string(0, "id")?;
            let kind = args.string(1, "kind")?;
            let mut params = Vec::new();
            for i in (2..args.len()).step_by(2) {
                params.push((
                    args.string(i, "param")?.to_string(),
                    args.value(i + 1, "value")?,
                ));
            }
            control.create(id, kind, &params)?;
            none
        }
        "/patch/delete" => {
            args.expect_count(1, 1, "s id")?;
            control.delete(args.string(0, "id")?)?;
            none
        }
        "/patch/connect" | "/patch/disconnect" => {
            args.expect_count(2, 2, "s \"id.port\", s \"id.port\"")?;
            let (from, to) = (args.string(0, "source")?, args.string(1, "destination")?);
            if addr == "/patch/connect" {
                control.connect(from, to)
            } else {
                control.disconnect(from, to)
            }?;
            none
        }
        "/patch/set" => {
            args.expect_count(3, 3, "s id, s param, value")?;
            let value = args.value(2, "value")?;
            control.set(args.string(0, "id")?, args.string(1, "param")?, value)?;
            none
        }
        "/patch/commit" => {
            args.expect_count(0, 0, "")?;
            let revision = control.commit()?;
            Ok(vec![committed(revision)])
        }
        "/patch/abort" => {
            args.expect_count(0, 0, "")?;
            control.abort();
            none
        }
        "/patch/load" => {
            args.expect_count(1, 1, "s name")?;
            let name = args.string(0, "name")?;
            let path = ctx.folder.existing(name)?;
            let text = std::fs::read_to_string(&path).map_err(|error| FolderError::Read {
                name: name.to_string(),
                error,
            })?;
            // Its file params (a sampler's `file`) are relative to its own folder, which
            // is inside the patch folder.
            let desc = graph::check_in(&text, Some(name), path.parent(), control.registry())
                .map_err(OscError::Load)?;
            let revision = control.load(desc)?;
            Ok(vec![committed(revision)])
        }
        "/patch/save" => {
            args.expect_count(1, 1, "s name")?;
            let name = args.string(0, "name")?;
            let path = ctx.folder.writable(name)?;
            std::fs::write(&path, patch::to_ron(&control.running_as_played())).map_err(
                |error| FolderError::Write {
                    name: name.to_string(),
                    error,
                },
            )?;
            Ok(vec![reply(
                "/patch/saved",
                vec![OscType::String(name.to_string())],
            )])
        }
        "/patch/dump" => {
            args.expect_count(0, 0, "")?;
            let dump = reply(
                "/patch/dump",
                vec![OscType::String(patch::to_ron(&control.running_as_played()))],
            );
            let size = rosc::encoder::encode(&rosc::OscPacket::Message(dump.clone()))
                .map_err(OscError::EncodeDump)?
                .len();
            if size > MAX_DATAGRAM {
                return Err(OscError::DumpTooLarge { size });
            }
            Ok(vec![dump])
        }
        "/note/on" => {
            args.expect_count(
                2,
                3,
                "i note, f velocity 0..1 (or i 0..127), [i channel or s instrument]",
            )?;
            let note = note_number(&args)?;
            let velocity = match args.raw(1) {
                Some(OscType::Int(v)) if (0..=127).contains(v) => *v as f32 / 127.0,
                Some(OscType::Int(v)) => {
                    return Err(ArgError::OutOfRange {
                        name: "velocity",
                        value: (*v).into(),
                        lo: 0,
                        hi: 127,
                    }
                    .into())
                }
                _ => args.number(1, "velocity")? as f32,
            };
            let target = note_target(&args, 2)?;
            if velocity == 0.0 {
                // As in MIDI, where controllers and OSC apps that mirror it send their
                // key-up this way: a note-off, not a silent note holding a voice.
                control.note_off(&target, note, ctx.time)
            } else {
                control.note_on(&target, note, velocity, ctx.time)
            }?;
            none
        }
        "/note/off" => {
            args.expect_count(1, 2, "i note, [i channel or s instrument]")?;
            let note = note_number(&args)?;
            let target = note_target(&args, 1)?;
            control.note_off(&target, note, ctx.time)?;
            none
        }
        "/note/panic" => {
            args.expect_count(0, 0, "")?;
            control.panic()?;
            none
        }
        "/status" => {
            args.expect_count(0, 0, "")?;
            let stats = control.engine().stats();
            Ok(vec![reply(
                "/status.reply",
                vec![
                    OscType::Int(control.revision() as i32),
                    OscType::Float(ctx.host.dsp_load),
                    OscType::Int(EngineStats::get(&stats.voices_active) as i32),
                    OscType::Int(ctx.host.xruns as i32),
                    OscType::Float(control.engine().sample_rate()),
                    OscType::Int(ctx.host.refused as i32),
                    OscType::Int(ctx.host.panics as i32),
                ]
                .into_iter()
                .chain(super::sequencer::clock_status_args(control))
                .chain(overload_status_args(control))
                .collect(),
            )])
        }
        "/backend/status" => {
            args.expect_count(0, 0, "")?;
            let lines = control.backend_status().into_iter().map(OscType::String);
            Ok(vec![reply("/backend/status.reply", lines.collect())])
        }
        _ if addr.starts_with("/seq/") => {
            super::sequencer::dispatch_seq(control, &addr[5..], &args, ctx.time)
        }
        _ => match addr
            .strip_prefix("/mod/")
            .and_then(|rest| rest.split_once('/'))
        {
            Some((id, param)) if !id.is_empty() && !param.is_empty() && !param.contains('/') => {
                args.expect_count(1, 2, "value [glide_seconds]")?;
                let value = args.value(0, "value")?;
                if args.len() == 2 {
                    // An external instrument's param gliding: a stream of CCs (§5.1).
                    let seconds = args.number(1, "glide_seconds")?;
                    control.glide_live(id, param, value, seconds, ctx.time)?;
                } else {
                    control.set_live(id, param, value, ctx.time)?;
                }
                none
            }
            _ => Err(OscError::UnknownAddress(addr.to_string())),
        },
    }
}

fn reply(addr: &str, args: Vec<OscType>) -> OscMessage {
    OscMessage {
        addr: addr.to_string(),
        args,
    }
}

fn committed(revision: u64) -> OscMessage {
    reply("/patch/committed", vec![OscType::Int(revision as i32)])
}

fn note_number(args: &Args) -> Result<u8, ArgError> {
    Ok(args.int_in(0, "note", 0, 127)? as u8)
}

/// The optional last argument of `/note/on` and `/note/off`: a channel (int 1–16) or an
/// instrument id (string); absent = the first instrument.
fn note_target(args: &Args, i: usize) -> Result<NoteTarget, ArgError> {
    match args.raw(i) {
        None => Ok(NoteTarget::Default),
        Some(OscType::String(id)) => Ok(NoteTarget::Instrument(id.clone())),
        Some(_) => Ok(NoteTarget::Channel(args.int_in(i, "channel", 1, 16)? as u8)),
    }
}

/// The overload fields of `/status.reply`'s tail: `i level` (0 ..= 4, see
/// `engine::shed`), `i voices shed` so far.
fn overload_status_args(control: &Controller) -> [OscType; 2] {
    let shed = control.engine().shedding();
    let voices = shed.voices_shed.load(std::sync::atomic::Ordering::Relaxed);
    [
        OscType::Int(shed.level() as i32),
        OscType::Int(voices.min(i32::MAX as u64) as i32),
    ]
}
