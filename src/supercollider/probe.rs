//! The timing probe's SynthDef, which the live backend plays on JACK to read how scsynth
//! maps OSC time to frames (`sc_live::probe`): `OffsetOut.ar(out, DC.ar(1) * id)` for
//! 20 ms, then it frees itself (`Line.kr(0, 0, 0.02, doneAction: 2)`). Started by a
//! time-tagged bundle, its first nonzero sample lands on the frame scsynth gives that
//! time, and its value (`id`, a small whole number) tells which probe it was.

use super::builder::{DefBuilder, SHARED_SCOPE};
use super::synthdef::{encode, Rate, SynthDef};
use super::Sig;
use chronus_modules::ScBinOp;

/// The probe def's name (`sc_live::sc_clock::PROBE_DEF`).
pub const PROBE_DEF: &str = crate::sc_live::sc_clock::PROBE_DEF;

/// How long a probe sounds, in seconds.
const PROBE_SECONDS: f32 = 0.02;

/// The probe def.
pub fn probe_def() -> SynthDef {
    let (mut b, controls) = DefBuilder::new(
        PROBE_DEF,
        &[("out".to_string(), 0.0), ("id".to_string(), 1.0)],
    );
    let one = b.audio(Sig::Const(1.0));
    let level = b.bin(ScBinOp::Mul, one, controls[1]);
    b.ugen(
        SHARED_SCOPE,
        "OffsetOut",
        Rate::Audio,
        0,
        &[controls[0], level],
        0,
    );
    let zero = Sig::Const(0.0);
    b.ugen1(
        SHARED_SCOPE,
        "Line",
        Rate::Control,
        0,
        &[zero, zero, Sig::Const(PROBE_SECONDS), Sig::Const(2.0)],
    );
    b.finish()
}

/// The probe def's SCgf bytes, for `/d_recv`.
pub fn probe_def_bytes() -> Vec<u8> {
    encode(&[probe_def()]).expect("the probe def encodes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_def_round_trips_with_its_two_controls() {
        let defs = super::super::decode(&probe_def_bytes()).unwrap();
        assert_eq!(defs.len(), 1);
        assert_eq!(defs[0].name, PROBE_DEF);
        assert!(defs[0].control("out").is_some() && defs[0].control("id").is_some());
        let classes: Vec<&str> = defs[0].ugens.iter().map(|u| u.class.as_str()).collect();
        assert_eq!(
            classes,
            ["Control", "DC", "BinaryOpUGen", "OffsetOut", "Line"]
        );
    }
}
