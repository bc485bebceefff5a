//! The `/seq/...` addresses: OSC → [`SeqCommand`]s and `/seq/state`. Every argument is
//! checked here or by the controller before anything is sent; a refused message changes
//! nothing.

use rosc::{OscMessage, OscType};

use super::args::{ArgError, Args};
use super::error::OscError;
use crate::control::Controller;
use crate::patch::ScaleKind;
use crate::seq::clock_source::ClockSource;
use crate::seq::idle::ModePolicy;
use crate::seq::{Cue, SeqCommand};

/// Handles `/seq/<rest>`; returns the replies to send.
pub fn dispatch_seq(
    control: &mut Controller,
    rest: &str,
    args: &Args,
    time: Option<u64>,
) -> Result<Vec<OscMessage>, OscError> {
    let cmd = match rest {
        "start" | "stop" | "continue" => {
            args.expect_count(0, 0, "")?;
            match rest {
                "start" => SeqCommand::Start,
                "stop" => SeqCommand::Stop,
                _ => SeqCommand::Continue,
            }
        }
        "bpm" => one_number(args, "f bpm 20 .. 300").map(SeqCommand::Bpm)?,
        "swing" => one_number(args, "f swing 0 .. 0.75").map(SeqCommand::Swing)?,
        "density" => one_number(args, "f density 0 .. 1").map(SeqCommand::Density)?,
        "drift" => one_number(args, "f drift 0 .. 0.25").map(SeqCommand::Drift)?,
        "scale" => {
            args.expect_count(1, 1, "s scale")?;
            SeqCommand::Scale(ScaleKind::parse(args.string(0, "scale")?).map_err(OscError::Scale)?)
        }
        "root" => {
            args.expect_count(1, 1, "i root 0 .. 127")?;
            SeqCommand::Root(args.int_in(0, "root", 0, 127)? as u8)
        }
        "length" => {
            args.expect_count(1, 1, "i length 1 .. 64")?;
            SeqCommand::Length(args.int_in(0, "length", 1, 64)? as u8)
        }
        "step" => {
            args.expect_count(
                4,
                5,
                "i index, f degree, f velocity, f probability, [i track]",
            )?;
            SeqCommand::Step {
                index: args.int_in(0, "index", 0, 63)? as u8,
                degree: args.int_in(1, "degree", -64, 63)? as i8,
                velocity: args.number(2, "velocity")? as f32,
                probability: args.number(3, "probability")? as f32,
                track: match args.raw(4) {
                    Some(_) => args.int_in(4, "track", 0, 255)? as u8,
                    None => 0,
                },
            }
        }
        "euclid" => {
            args.expect_count(4, 4, "i track, i k, i n, i rotation")?;
            SeqCommand::Euclid {
                track: args.int_in(0, "track", 0, 255)? as u8,
                k: args.int_in(1, "k", 0, 64)? as u8,
                n: args.int_in(2, "n", 1, 64)? as u8,
                rotation: args.int_in(3, "rotation", 0, 255)? as u8,
            }
        }
        "lock" => {
            args.expect_count(1, 1, "i 0|1")?;
            SeqCommand::ChaosLock(args.int_in(0, "lock", 0, 1)? == 1)
        }
        "mode" => {
            args.expect_count(1, 1, "s auto|active|ambient")?;
            let name = args.string(0, "mode")?;
            SeqCommand::Mode(ModePolicy::parse(name).ok_or_else(|| ArgError::NotChoice {
                position: 1,
                name: "mode",
                got: name.to_string(),
                choices: "auto, active or ambient",
            })?)
        }
        "loop" => {
            args.expect_count(1, 1, "i steps 0 .. 64 (0: off)")?;
            SeqCommand::LoopLock(args.int_in(0, "loop", 0, 64)? as u8)
        }
        "state" => {
            args.expect_count(0, 0, "")?;
            let s = control.sequencer_state()?;
            return Ok(vec![OscMessage {
                addr: "/seq/state.reply".to_string(),
                args: vec![
                    OscType::Float(s.bpm),
                    OscType::Int(s.step as i32),
                    OscType::Int(s.bar as i32),
                    OscType::String(s.scale.name().to_string()),
                    OscType::Float(s.density),
                    OscType::String(if s.ambient { "ambient" } else { "active" }.to_string()),
                    OscType::Int(s.playing as i32),
                ]
                .into_iter()
                .chain(clock_source_args(&control.sync_status().source()))
                .collect(),
            }]);
        }
        _ => return Err(OscError::UnknownAddress(format!("/seq/{rest}"))),
    };
    control.sequencer_command(cmd, time)?;
    Ok(Vec::new())
}

/// The clock source of `/seq/state.reply`'s tail: `s source` (`internal`, `midi:PORT`,
/// `link`), `i external` (1 while an external clock drives the sequencer: MIDI ticks
/// arriving, or a Link session), `i peers` (Link peers, else 0), `f phase` (Link beat
/// phase within the quantum, else 0).
pub fn clock_source_args(source: &ClockSource) -> [OscType; 4] {
    let (external, peers, phase) = match source {
        ClockSource::Internal => (false, 0, 0.0),
        ClockSource::Midi { following, .. } => (*following, 0, 0.0),
        ClockSource::Link { peers, phase, .. } => (true, *peers, *phase),
    };
    [
        OscType::String(source.name()),
        OscType::Int(external as i32),
        OscType::Int(peers.min(i32::MAX as u64) as i32),
        OscType::Float(phase as f32),
    ]
}

/// The clock fields of `/status.reply`'s tail: `s clock, f tempo, i external, i peers,
/// f phase` (tempo 0 without a sequencer).
pub fn clock_status_args(control: &Controller) -> Vec<OscType> {
    let seq = control.engine().seq_status().snapshot();
    let [source, external, peers, phase] = clock_source_args(&control.sync_status().source());
    let tempo = if seq.present { seq.bpm } else { 0.0 };
    vec![source, OscType::Float(tempo), external, peers, phase]
}

/// A sequencer cue as OSC: `/seq/cue s kind s text`, kind one of `mutation`, `idle`,
/// `scale`, `playing` (what `OscServer::broadcast` sends to `/reply` clients).
pub fn cue_message(cue: &Cue) -> OscMessage {
    let kind = match cue {
        Cue::Mutation(_) => "mutation",
        Cue::Idle(_) => "idle",
        Cue::Scale { .. } => "scale",
        Cue::Playing(_) => "playing",
    };
    OscMessage {
        addr: "/seq/cue".to_string(),
        args: vec![
            OscType::String(kind.to_string()),
            OscType::String(cue.to_string()),
        ],
    }
}

/// The one number argument of an address taking `layout` (`"f bpm 20 .. 300"`: the name is
/// the layout's second word).
fn one_number(args: &Args, layout: &'static str) -> Result<f32, ArgError> {
    args.expect_count(1, 1, layout)?;
    Ok(args.number(0, layout.split(' ').nth(1).unwrap_or("value"))? as f32)
}
