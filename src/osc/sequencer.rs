//! The `/seq/...` addresses: OSC → [`SeqCommand`]s and `/seq/state`. Every argument is
//! checked here or by the controller before anything is sent; a refused message changes
//! nothing.

use rosc::{OscMessage, OscType};

use super::args::Args;
use crate::control::Controller;
use crate::patch::ScaleKind;
use crate::seq::{Cue, SeqCommand};

/// Handles `/seq/<rest>`; returns the replies to send.
pub fn dispatch_seq(
    control: &mut Controller,
    rest: &str,
    args: &Args,
    time: Option<u64>,
) -> Result<Vec<OscMessage>, String> {
    let cmd = match rest {
        "start" | "stop" => {
            args.expect_count(0, 0, "")?;
            if rest == "start" {
                SeqCommand::Start
            } else {
                SeqCommand::Stop
            }
        }
        "bpm" => one_number(args, "f bpm 20 .. 300").map(SeqCommand::Bpm)?,
        "swing" => one_number(args, "f swing 0 .. 0.75").map(SeqCommand::Swing)?,
        "density" => one_number(args, "f density 0 .. 1").map(SeqCommand::Density)?,
        "drift" => one_number(args, "f drift 0 .. 0.25").map(SeqCommand::Drift)?,
        "scale" => {
            args.expect_count(1, 1, "s scale")?;
            SeqCommand::Scale(ScaleKind::parse(args.string(0, "scale")?)?)
        }
        "root" => {
            args.expect_count(1, 1, "i root 0 .. 127")?;
            SeqCommand::Root(int_in(args, 0, "root", 0, 127)? as u8)
        }
        "length" => {
            args.expect_count(1, 1, "i length 1 .. 64")?;
            SeqCommand::Length(int_in(args, 0, "length", 1, 64)? as u8)
        }
        "step" => {
            args.expect_count(
                4,
                5,
                "i index, f degree, f velocity, f probability, [i track]",
            )?;
            SeqCommand::Step {
                index: int_in(args, 0, "index", 0, 63)? as u8,
                degree: int_in(args, 1, "degree", -64, 63)? as i8,
                velocity: args.number(2, "velocity")? as f32,
                probability: args.number(3, "probability")? as f32,
                track: match args.raw(4) {
                    Some(_) => int_in(args, 4, "track", 0, 255)? as u8,
                    None => 0,
                },
            }
        }
        "euclid" => {
            args.expect_count(4, 4, "i track, i k, i n, i rotation")?;
            SeqCommand::Euclid {
                track: int_in(args, 0, "track", 0, 255)? as u8,
                k: int_in(args, 1, "k", 0, 64)? as u8,
                n: int_in(args, 2, "n", 1, 64)? as u8,
                rotation: int_in(args, 3, "rotation", 0, 255)? as u8,
            }
        }
        "lock" => {
            args.expect_count(1, 1, "i 0|1")?;
            SeqCommand::ChaosLock(int_in(args, 0, "lock", 0, 1)? == 1)
        }
        "loop" => {
            args.expect_count(1, 1, "i steps 0 .. 64 (0: off)")?;
            SeqCommand::LoopLock(int_in(args, 0, "loop", 0, 64)? as u8)
        }
        "state" => {
            args.expect_count(0, 0, "")?;
            let s = control.sequencer_state().map_err(|e| e.to_string())?;
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
                ],
            }]);
        }
        _ => return Err("unknown address".to_string()),
    };
    control
        .sequencer_command(cmd, time)
        .map_err(|e| e.to_string())?;
    Ok(Vec::new())
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

fn one_number(args: &Args, layout: &str) -> Result<f32, String> {
    args.expect_count(1, 1, layout)?;
    Ok(args.number(0, layout.split(' ').nth(1).unwrap_or("value"))? as f32)
}

/// A whole number argument within `lo ..= hi`.
fn int_in(args: &Args, i: usize, name: &str, lo: i64, hi: i64) -> Result<i64, String> {
    let v = args.int(i, name)?;
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{name} {v} is out of range {lo} .. {hi}"))
    }
}
