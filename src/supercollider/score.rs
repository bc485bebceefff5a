//! A patch's notes as a scsynth non-real-time score: the OSC commands of live play, each
//! in a bundle time-tagged with its note's sample, in the binary form `scsynth -N` reads
//! (each bundle preceded by its length as a big-endian int32; time tags in seconds from
//! the start, 32.32 fixed point).
//!
//! The score loads every def (`/d_recv`), starts the main graph's synth at the tail of the
//! root group with each instrument's bus, then per note `/s_new` (at the head, so voices
//! run before the main graph reads their buses) with `freq`, `amp`, `gate` and `out`, and
//! `/n_set gate 0` at its release. It ends with a `/c_set` at the render's length (a score
//! ends with its last command).

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

use super::compile::{AMP, FIRST_INSTRUMENT_BUS, FREQ, GATE, OUT};
use super::patch_defs::PatchDefs;
use super::synthdef::{encode, SynthDefError};

/// The node id of the main graph's synth; voices take ids after it.
pub const MAIN_NODE: i32 = 1000;

/// A note event of one instrument (its index in patch order) at a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreNote {
    /// The instrument's index in patch order.
    pub instrument: usize,
    /// The note's first sample.
    pub on: u64,
    /// Its release sample.
    pub off: u64,
    /// Frequency, Hz.
    pub freq: f32,
    /// Velocity 0..1.
    pub velocity: f32,
}

/// Where instrument `i` writes its voices (a stereo pair of private buses).
pub fn instrument_bus(i: usize) -> i32 {
    FIRST_INSTRUMENT_BUS + 2 * i as i32
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

/// The score of `notes` played on `defs` for `frames` samples at `sample_rate`. `ids` are
/// the patch's instruments in order (a note's `instrument` indexes them); notes of an
/// instrument without a voice def are left out. The main graph's def must be there.
pub fn nrt_score(
    defs: &PatchDefs,
    ids: &[&str],
    notes: &[ScoreNote],
    sample_rate: u32,
    frames: u64,
) -> Result<Vec<u8>, SynthDefError> {
    let main = defs
        .main
        .as_ref()
        .expect("the caller refuses a patch whose main graph has no def");
    let sr = f64::from(sample_rate);
    let mut bundles: Vec<(u64, u32, Vec<OscPacket>)> = Vec::new();
    let mut setup = Vec::new();
    for (_, _, v) in &defs.voices {
        setup.push(message(
            "/d_recv",
            vec![OscType::Blob(encode(std::slice::from_ref(&v.def))?)],
        ));
    }
    setup.push(message(
        "/d_recv",
        vec![OscType::Blob(encode(std::slice::from_ref(&main.def))?)],
    ));
    bundles.push((0, 0, setup));
    let mut args = vec![
        OscType::String(main.def.name.clone()),
        OscType::Int(MAIN_NODE),
        OscType::Int(1), // add to the tail
        OscType::Int(0), // of the root group
    ];
    for (i, id) in ids.iter().enumerate() {
        args.push(OscType::String(format!("{id}.bus")));
        args.push(OscType::Int(instrument_bus(i)));
    }
    bundles.push((0, 1, vec![message("/s_new", args)]));
    for (k, n) in notes.iter().enumerate() {
        let id = ids.get(n.instrument).copied().unwrap_or_default();
        let Some((_, _, voice)) = defs.voices.iter().find(|(v, _, _)| v == id) else {
            continue;
        };
        let node = MAIN_NODE + 1 + k as i32;
        let start = vec![
            OscType::String(voice.def.name.clone()),
            OscType::Int(node),
            OscType::Int(0), // add to the head
            OscType::Int(0), // of the root group
            OscType::String(FREQ.into()),
            OscType::Float(n.freq),
            OscType::String(AMP.into()),
            OscType::Float(n.velocity),
            OscType::String(GATE.into()),
            OscType::Float(1.0),
            OscType::String(OUT.into()),
            OscType::Int(instrument_bus(n.instrument)),
        ];
        bundles.push((n.on, 2, vec![message("/s_new", start)]));
        let release = vec![
            OscType::Int(node),
            OscType::String(GATE.into()),
            OscType::Float(0.0),
        ];
        bundles.push((n.off.max(n.on + 1), 3, vec![message("/n_set", release)]));
    }
    bundles.sort_by_key(|&(sample, order, _)| (sample, order));
    bundles.push((
        frames,
        4,
        vec![message(
            "/c_set",
            vec![OscType::Int(0), OscType::Float(0.0)],
        )],
    ));
    let mut out = Vec::new();
    for (sample, _, content) in bundles {
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
