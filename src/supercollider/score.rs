//! A render as a scsynth non-real-time score: the OSC commands of live play, each in a
//! bundle time-tagged with its sample, in the binary form `scsynth -N` reads (each bundle
//! preceded by its length as a big-endian int32; time tags in seconds from the start, 32.32
//! fixed point).
//!
//! The score loads every def (`/d_recv`), seeds the server's random generator from
//! `--seed` (a synth of [`seed_def`] runs one block: `RandSeed`, so noise is the same in
//! every render of one seed), makes a group per voice slot of each instrument (see
//! [`voices`](super::voices)) and then starts the main graph's synth at the tail of the root
//! group with each instrument's bus, so voices run before it reads their buses. Then, in
//! time order: each note as `/s_new` at the head of its slot's group (`freq` from the
//! tuning, `amp`, `gate`, `out`, and the values the sequencer's lanes have given the
//! instrument's params so far), releases (`gate` 0) and steals ([`STOLEN`] 1) sent to the
//! slot's group, and the sequencer's param moves as `/n_set` of the main synth or of every
//! slot group of the instrument. It ends with a `/c_set` at the render's length (a score
//! ends with its last command).

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

use crate::graph::NoteTable;

use super::compile::{AMP, FIRST_INSTRUMENT_BUS, FREQ, GATE, OUT, STOLEN};
use super::patch_defs::PatchDefs;
use super::play::ParamHome;
use super::synthdef::{encode, Input, Rate, SynthDef, SynthDefError, UGen};
use super::voices::NodeCommand;

/// The node id of the main graph's synth.
pub const MAIN_NODE: i32 = 1;
/// The node id of the synth that seeds the random generator.
pub const SEED_NODE: i32 = 2;
/// The group of slot `s` of instrument `i` is `SLOT_GROUPS + 128 i + s` (at most 128
/// voices an instrument).
pub const SLOT_GROUPS: i32 = 1000;
/// The first node id of a voice synth; each note takes the next.
pub const FIRST_VOICE_NODE: i32 = 1_000_000;
/// The name of the seeding def.
pub const SEED_DEF: &str = "chronus-seed";

/// Where instrument `i` writes its voices (a stereo pair of private buses).
pub fn instrument_bus(i: usize) -> i32 {
    FIRST_INSTRUMENT_BUS + 2 * i as i32
}

/// The group of slot `slot` of instrument `i`.
pub fn slot_group(i: usize, slot: usize) -> i32 {
    SLOT_GROUPS + 128 * i as i32 + slot as i32
}

/// `RandSeed.kr(1, seed); FreeSelf.kr(1)`: in its first control block (it runs first, at
/// the head of the root group) it seeds random generator 0, which every synth uses, with
/// `seed` (folded to the 24 bits a float holds exactly), and frees itself. (`RandSeed.ir`
/// would never run: scalar UGens are not computed after their constructor.)
pub fn seed_def(seed: u64) -> SynthDef {
    let folded = (seed ^ (seed >> 24) ^ (seed >> 48)) & 0xff_ffff;
    let constant = |index| Input { ugen: -1, index };
    SynthDef {
        name: SEED_DEF.to_string(),
        constants: vec![1.0, folded as f32],
        controls: vec![],
        control_names: vec![],
        ugens: vec![
            UGen {
                class: "RandSeed".into(),
                rate: Rate::Control,
                inputs: vec![constant(0), constant(1)],
                // One output (0), as sclang builds it: its calc function writes it.
                outputs: vec![Rate::Control],
                special: 0,
            },
            UGen {
                class: "FreeSelf".into(),
                rate: Rate::Control,
                inputs: vec![constant(0)],
                outputs: vec![Rate::Control],
                special: 0,
            },
        ],
    }
}

/// `seconds` as an OSC time tag counted from 0 (as NRT scores are).
fn time_tag(seconds: f64) -> OscTime {
    let whole = seconds.floor();
    OscTime {
        seconds: whole as u32,
        fractional: ((seconds - whole) * 4_294_967_296.0)
            .round()
            .min(u32::MAX as f64) as u32,
    }
}

fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.to_string(),
        args,
    })
}

/// One instrument as the score plays it.
#[derive(Clone, Debug, Default)]
pub struct ScoreInstrument {
    /// Its voice slots (`count`).
    pub slots: usize,
    /// What its slots do, in time order.
    pub commands: Vec<NodeCommand>,
}

/// A sequencer param move: sample, where, control name, value.
pub type ScoreParam = (u64, ParamHome, String, f32);

/// Everything a score holds.
#[derive(Clone, Debug)]
pub struct Score<'a> {
    /// The patch's defs (the main graph's must be there).
    pub defs: &'a PatchDefs,
    /// The patch's instruments in order.
    pub ids: &'a [&'a str],
    /// Per instrument (same order): its slots and commands; instruments without a voice
    /// def are left out whatever they hold.
    pub instruments: Vec<ScoreInstrument>,
    /// The sequencer's param moves, in time order.
    pub params: Vec<ScoreParam>,
    /// Frequency of each MIDI note (the config's tuning).
    pub tuning: &'a NoteTable,
    /// `--seed`.
    pub seed: u64,
    /// Sample rate.
    pub sample_rate: u32,
    /// The render's length in samples.
    pub frames: u64,
}

/// What one moment of the score does, before it is written.
enum Item<'s> {
    Node(usize, NodeCommand),
    Param(&'s ScoreParam),
}

/// The score's bytes.
pub fn nrt_score(score: &Score) -> Result<Vec<u8>, SynthDefError> {
    let defs = score.defs;
    let main = defs
        .main
        .as_ref()
        .expect("the caller refuses a patch whose main graph has no def");
    let sr = f64::from(score.sample_rate);
    let mut loads = Vec::new();
    let voice_defs: Vec<Option<&SynthDef>> = score
        .ids
        .iter()
        .map(|id| {
            (defs.voices.iter())
                .find(|(v, _, _)| v == id)
                .map(|(_, _, d)| &d.def)
        })
        .collect();
    for def in voice_defs.iter().flatten() {
        let bytes = encode(std::slice::from_ref(*def))?;
        loads.push(message("/d_recv", vec![OscType::Blob(bytes)]));
    }
    for def in [&main.def, &seed_def(score.seed)] {
        let bytes = encode(std::slice::from_ref(def))?;
        loads.push(message("/d_recv", vec![OscType::Blob(bytes)]));
    }
    let mut setup = vec![message(
        "/s_new",
        vec![
            OscType::String(SEED_DEF.into()),
            OscType::Int(SEED_NODE),
            OscType::Int(0), // head
            OscType::Int(0), // of the root group
        ],
    )];
    let mut groups = Vec::new();
    for (i, inst) in score.instruments.iter().enumerate() {
        if voice_defs.get(i).copied().flatten().is_none() {
            continue;
        }
        for slot in 0..inst.slots {
            groups.extend([
                OscType::Int(slot_group(i, slot)),
                OscType::Int(1), // tail
                OscType::Int(0), // of the root group
            ]);
        }
    }
    if !groups.is_empty() {
        setup.push(message("/g_new", groups));
    }
    let mut args = vec![
        OscType::String(main.def.name.clone()),
        OscType::Int(MAIN_NODE),
        OscType::Int(1), // tail
        OscType::Int(0), // of the root group
    ];
    for (i, id) in score.ids.iter().enumerate() {
        args.push(OscType::String(format!("{id}.bus")));
        args.push(OscType::Int(instrument_bus(i)));
    }
    setup.push(message("/s_new", args));
    let mut bundles: Vec<(u64, Vec<OscPacket>)> = vec![(0, loads), (0, setup)];

    let first_timed = bundles.len();
    let mut items: Vec<(u64, Item)> = Vec::new();
    for (i, inst) in score.instruments.iter().enumerate() {
        if voice_defs.get(i).copied().flatten().is_some() {
            items.extend(inst.commands.iter().map(|&c| (c.time(), Item::Node(i, c))));
        }
    }
    items.extend(score.params.iter().map(|p| (p.0, Item::Param(p))));
    items.sort_by_key(|(t, _)| *t);
    // The values the lanes gave each instrument's params, for the notes that start later.
    let mut lanes: Vec<Vec<(String, f32)>> = vec![Vec::new(); score.instruments.len()];
    let mut node = FIRST_VOICE_NODE;
    for (time, item) in items {
        if time >= score.frames {
            continue;
        }
        let packet = match item {
            Item::Node(
                i,
                NodeCommand::Start {
                    slot,
                    note,
                    velocity,
                    ..
                },
            ) => {
                let def = voice_defs[i].expect("instruments without a def were left out");
                let mut args = vec![
                    OscType::String(def.name.clone()),
                    OscType::Int(node),
                    OscType::Int(0), // head
                    OscType::Int(slot_group(i, slot)),
                    OscType::String(FREQ.into()),
                    OscType::Float(score.tuning.frequency(note)),
                    OscType::String(AMP.into()),
                    OscType::Float(velocity),
                    OscType::String(GATE.into()),
                    OscType::Float(1.0),
                    OscType::String(OUT.into()),
                    OscType::Int(instrument_bus(i)),
                ];
                for (name, value) in &lanes[i] {
                    args.extend([OscType::String(name.clone()), OscType::Float(*value)]);
                }
                node += 1;
                vec![message("/s_new", args)]
            }
            Item::Node(i, NodeCommand::Release { slot, .. }) => {
                vec![set(slot_group(i, slot), GATE, 0.0)]
            }
            Item::Node(i, NodeCommand::Steal { slot, .. }) => {
                vec![set(slot_group(i, slot), STOLEN, 1.0)]
            }
            Item::Param((_, ParamHome::Main, name, value)) => vec![set(MAIN_NODE, name, *value)],
            Item::Param((_, ParamHome::Instrument(i), name, value)) => {
                let Some(slots) = score.instruments.get(*i).map(|s| s.slots) else {
                    continue;
                };
                if voice_defs.get(*i).copied().flatten().is_none() {
                    continue;
                }
                match lanes[*i].iter_mut().find(|(n, _)| n == name) {
                    Some(lane) => lane.1 = *value,
                    None => lanes[*i].push((name.clone(), *value)),
                }
                (0..slots)
                    .map(|s| set(slot_group(*i, s), name, *value))
                    .collect()
            }
        };
        let merge = bundles.len() > first_timed && bundles.last().is_some_and(|b| b.0 == time);
        match bundles.last_mut() {
            Some((_, content)) if merge => content.extend(packet),
            _ => bundles.push((time, packet)),
        }
    }
    bundles.push((
        score.frames,
        vec![message(
            "/c_set",
            vec![OscType::Int(0), OscType::Float(0.0)],
        )],
    ));
    let mut out = Vec::new();
    for (sample, content) in bundles {
        let bundle = OscPacket::Bundle(OscBundle {
            timetag: time_tag(sample as f64 / sr),
            content,
        });
        let bytes = rosc::encoder::encode(&bundle).expect("OSC encoding of plain values");
        out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        out.extend_from_slice(&bytes);
    }
    Ok(out)
}

/// `/n_set node name value`.
fn set(node: i32, name: &str, value: f32) -> OscPacket {
    message(
        "/n_set",
        vec![
            OscType::Int(node),
            OscType::String(name.to_string()),
            OscType::Float(value),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_tags_count_seconds_in_32_32() {
        assert_eq!(
            time_tag(1.5),
            OscTime {
                seconds: 1,
                fractional: 1 << 31
            }
        );
        assert_eq!(time_tag(0.0).fractional, 0);
    }
}
