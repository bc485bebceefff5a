//! The SuperCollider SynthDef file, SCgf version 2: [`SynthDef`] in memory, [`encode`] to
//! the bytes `/d_recv` and `.scsyndef` files take, [`decode`] back (to read a def's
//! control names; it reads version 1 too, where every count and input index below is an
//! int16).
//!
//! The format ("Synth Definition File Format" in SuperCollider's help; all integers and
//! floats big-endian, strings as a length byte then the bytes):
//!
//! ```text
//! file:   "SCgf" int32 version (2) int16 number-of-defs, then each def
//! def:    pstring name
//!         int32 K, K × float32 constants
//!         int32 P, P × float32 initial control values
//!         int32 N, N × (pstring control name, int32 index of its first value)
//!         int32 U, U × ugen
//!         int16 V, V × variant (pstring name, P × float32 values)
//! ugen:   pstring class, int8 rate (0 scalar, 1 control, 2 audio), int32 inputs,
//!         int32 outputs, int16 special index, inputs × (int32 ugen, int32 output)
//!         (ugen -1: the constant at that index), outputs × int8 rate
//! ```
//!
//! Written by hand: there is no maintained Rust crate for the SynthDef format, and the
//! format is these few lines.

use thiserror::Error;

/// A UGen's calculation rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rate {
    /// Computed once, when the synth starts.
    Scalar = 0,
    /// Once per control block.
    Control = 1,
    /// Every sample.
    Audio = 2,
}

impl Rate {
    fn from_byte(b: u8) -> Option<Rate> {
        match b {
            0 => Some(Rate::Scalar),
            1 => Some(Rate::Control),
            2 => Some(Rate::Audio),
            _ => None,
        }
    }
}

/// One input of a UGen: output `index` of UGen `ugen`, or constant `index` when `ugen` is
/// -1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Input {
    /// The UGen's index in the def, or -1 for a constant.
    pub ugen: i32,
    /// The UGen's output, or the constant's index.
    pub index: i32,
}

/// One UGen of a def.
#[derive(Clone, Debug, PartialEq)]
pub struct UGen {
    /// SuperCollider class name.
    pub class: String,
    /// Calculation rate.
    pub rate: Rate,
    /// Inputs, in the class's order.
    pub inputs: Vec<Input>,
    /// The rate of each output.
    pub outputs: Vec<Rate>,
    /// Special index (an operator for `BinaryOpUGen`, or 0).
    pub special: i16,
}

/// One synth definition.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SynthDef {
    /// The def's name (`/s_new` uses it).
    pub name: String,
    /// The constants UGens read.
    pub constants: Vec<f32>,
    /// The initial value of every control.
    pub controls: Vec<f32>,
    /// Control names, each with the index of its value in `controls`.
    pub control_names: Vec<(String, i32)>,
    /// The UGens, in the order they run (every input before its reader).
    pub ugens: Vec<UGen>,
}

impl SynthDef {
    /// The control named `name`: its index and initial value.
    pub fn control(&self, name: &str) -> Option<(usize, f32)> {
        self.control_names
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|&(_, i)| Some((i as usize, *self.controls.get(i as usize)?)))
    }
}

/// Why a def cannot be written or read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SynthDefError {
    /// A name longer than the format's 255 bytes.
    #[error("name {0:?} is longer than the 255 bytes a SynthDef file allows")]
    NameTooLong(String),
    /// Not a SynthDef file of a version we read.
    #[error("not a SynthDef file (SCgf version 1 or 2)")]
    NotSynthDef,
    /// The bytes end before the def does, or hold an impossible value.
    #[error("malformed SynthDef file at byte {0}")]
    Malformed(usize),
}

fn pstring(out: &mut Vec<u8>, s: &str) -> Result<(), SynthDefError> {
    let len = u8::try_from(s.len()).map_err(|_| SynthDefError::NameTooLong(s.to_string()))?;
    out.push(len);
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn count(n: usize) -> [u8; 4] {
    (n as i32).to_be_bytes()
}

/// The SCgf version-2 bytes of `defs` (one file, any number of defs).
pub fn encode(defs: &[SynthDef]) -> Result<Vec<u8>, SynthDefError> {
    let mut out = Vec::new();
    out.extend_from_slice(b"SCgf");
    out.extend_from_slice(&2i32.to_be_bytes());
    out.extend_from_slice(&(defs.len() as i16).to_be_bytes());
    for def in defs {
        pstring(&mut out, &def.name)?;
        out.extend_from_slice(&count(def.constants.len()));
        for c in &def.constants {
            out.extend_from_slice(&c.to_be_bytes());
        }
        out.extend_from_slice(&count(def.controls.len()));
        for c in &def.controls {
            out.extend_from_slice(&c.to_be_bytes());
        }
        out.extend_from_slice(&count(def.control_names.len()));
        for (name, index) in &def.control_names {
            pstring(&mut out, name)?;
            out.extend_from_slice(&index.to_be_bytes());
        }
        out.extend_from_slice(&count(def.ugens.len()));
        for u in &def.ugens {
            pstring(&mut out, &u.class)?;
            out.push(u.rate as u8);
            out.extend_from_slice(&count(u.inputs.len()));
            out.extend_from_slice(&count(u.outputs.len()));
            out.extend_from_slice(&u.special.to_be_bytes());
            for input in &u.inputs {
                out.extend_from_slice(&input.ugen.to_be_bytes());
                out.extend_from_slice(&input.index.to_be_bytes());
            }
            out.extend(u.outputs.iter().map(|&r| r as u8));
        }
        out.extend_from_slice(&0i16.to_be_bytes()); // no variants
    }
    Ok(out)
}

/// A cursor over the bytes being decoded.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Version 2 (counts and input indices int32), else version 1 (int16).
    wide: bool,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], SynthDefError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(SynthDefError::Malformed(self.pos))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, SynthDefError> {
        Ok(self.take(1)?[0])
    }
    fn i16(&mut self) -> Result<i16, SynthDefError> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }
    fn i32(&mut self) -> Result<i32, SynthDefError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn f32(&mut self) -> Result<f32, SynthDefError> {
        Ok(f32::from_bits(self.i32()? as u32))
    }
    /// An int32 in version 2, an int16 in version 1.
    fn int(&mut self) -> Result<i32, SynthDefError> {
        if self.wide {
            self.i32()
        } else {
            Ok(i32::from(self.i16()?))
        }
    }
    /// A count of items of at least `least` bytes each, refused when negative or larger
    /// than the bytes left could hold: no count makes the reader allocate or loop beyond
    /// the input's length.
    fn count(&mut self, least: usize) -> Result<usize, SynthDefError> {
        let at = self.pos;
        let n = self.int()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n.saturating_mul(least) <= self.bytes.len() - self.pos)
            .ok_or(SynthDefError::Malformed(at))
    }
    fn pstring(&mut self) -> Result<String, SynthDefError> {
        let n = self.u8()? as usize;
        let at = self.pos;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| SynthDefError::Malformed(at))
    }
    fn floats(&mut self) -> Result<Vec<f32>, SynthDefError> {
        let n = self.count(4)?;
        (0..n).map(|_| self.f32()).collect()
    }
}

/// Reads an SCgf file, version 2 (what sclang writes since 3.9, and [`encode`]) or 1
/// (int16 counts; older sclang and other clients). Variants are skipped.
pub fn decode(bytes: &[u8]) -> Result<Vec<SynthDef>, SynthDefError> {
    let mut r = Reader {
        bytes,
        pos: 0,
        wide: true,
    };
    if r.take(4).ok() != Some(b"SCgf".as_slice()) {
        return Err(SynthDefError::NotSynthDef);
    }
    r.wide = match r.i32() {
        Ok(2) => true,
        Ok(1) => false,
        _ => return Err(SynthDefError::NotSynthDef),
    };
    let defs = r.i16()?;
    let mut out = Vec::new();
    // The size of an int: 4 bytes in version 2, 2 in version 1.
    let int = if r.wide { 4 } else { 2 };
    for _ in 0..defs.max(0) {
        let name = r.pstring()?;
        let constants = r.floats()?;
        let controls = r.floats()?;
        // A name: its length byte and an int.
        let names = r.count(1 + int)?;
        let control_names = (0..names)
            .map(|_| Ok((r.pstring()?, r.int()?)))
            .collect::<Result<_, SynthDefError>>()?;
        // A UGen: its class's length byte, the rate, two counts, the special index.
        let n = r.count(1 + 1 + 2 * int + 2)?;
        let mut ugens = Vec::new();
        for _ in 0..n {
            let class = r.pstring()?;
            let at = r.pos;
            let rate = Rate::from_byte(r.u8()?).ok_or(SynthDefError::Malformed(at))?;
            let ins = r.count(2 * int)?;
            let outs = r.count(1)?;
            let special = r.i16()?;
            let inputs = (0..ins)
                .map(|_| {
                    Ok(Input {
                        ugen: r.int()?,
                        index: r.int()?,
                    })
                })
                .collect::<Result<_, SynthDefError>>()?;
            let outputs = (0..outs)
                .map(|_| {
                    let at = r.pos;
                    Rate::from_byte(r.u8()?).ok_or(SynthDefError::Malformed(at))
                })
                .collect::<Result<_, _>>()?;
            ugens.push(UGen {
                class,
                rate,
                inputs,
                outputs,
                special,
            });
        }
        let variants = r.i16()?;
        for _ in 0..variants.max(0) {
            r.pstring()?;
            r.take(4 * controls.len())?;
        }
        out.push(SynthDef {
            name,
            constants,
            controls,
            control_names,
            ugens,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `SynthDef(\t, { Out.ar(0, SinOsc.ar(\freq.kr(440))) })`, the bytes sclang writes
    /// for it (checked by hand against the format).
    fn sine() -> SynthDef {
        SynthDef {
            name: "t".into(),
            constants: vec![0.0],
            controls: vec![440.0],
            control_names: vec![("freq".into(), 0)],
            ugens: vec![
                UGen {
                    class: "Control".into(),
                    rate: Rate::Control,
                    inputs: vec![],
                    outputs: vec![Rate::Control],
                    special: 0,
                },
                UGen {
                    class: "SinOsc".into(),
                    rate: Rate::Audio,
                    inputs: vec![Input { ugen: 0, index: 0 }, Input { ugen: -1, index: 0 }],
                    outputs: vec![Rate::Audio],
                    special: 0,
                },
                UGen {
                    class: "Out".into(),
                    rate: Rate::Audio,
                    inputs: vec![Input { ugen: -1, index: 0 }, Input { ugen: 1, index: 0 }],
                    outputs: vec![],
                    special: 0,
                },
            ],
        }
    }

    #[test]
    fn a_def_encodes_to_the_documented_layout() {
        let bytes = encode(&[sine()]).unwrap();
        let mut expected: Vec<u8> = b"SCgf".to_vec();
        expected.extend([0, 0, 0, 2, 0, 1, 1, b't']);
        expected.extend([0, 0, 0, 1, 0, 0, 0, 0]); // one constant, 0.0
        expected.extend([0, 0, 0, 1, 0x43, 0xdc, 0, 0]); // one control, 440.0
        expected.extend([0, 0, 0, 1, 4, b'f', b'r', b'e', b'q', 0, 0, 0, 0]);
        expected.extend([0, 0, 0, 3]);
        expected.extend([7, b'C', b'o', b'n', b't', b'r', b'o', b'l', 1]);
        expected.extend([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1]);
        expected.extend([6, b'S', b'i', b'n', b'O', b's', b'c', 2]);
        expected.extend([0, 0, 0, 2, 0, 0, 0, 1, 0, 0]);
        expected.extend([
            0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 2,
        ]);
        expected.extend([3, b'O', b'u', b't', 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0]);
        expected.extend([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
        expected.extend([0, 0]); // no variants
        assert_eq!(bytes, expected);
    }

    #[test]
    fn decode_reads_back_what_encode_wrote() {
        let defs = vec![
            sine(),
            SynthDef {
                name: "empty".into(),
                ..SynthDef::default()
            },
        ];
        assert_eq!(decode(&encode(&defs).unwrap()).unwrap(), defs);
        assert_eq!(defs[0].control("freq"), Some((0, 440.0)));
        assert_eq!(defs[0].control("amp"), None);
    }

    #[test]
    fn version_1_files_are_read_too() {
        // `sine()` as SCgf version 1: every count and input index an int16.
        let mut v1: Vec<u8> = b"SCgf".to_vec();
        v1.extend([0, 0, 0, 1, 0, 1, 1, b't']);
        v1.extend([0, 1, 0, 0, 0, 0]); // one constant, 0.0
        v1.extend([0, 1, 0x43, 0xdc, 0, 0]); // one control, 440.0
        v1.extend([0, 1, 4, b'f', b'r', b'e', b'q', 0, 0]);
        v1.extend([0, 3]);
        v1.extend([
            7, b'C', b'o', b'n', b't', b'r', b'o', b'l', 1, 0, 0, 0, 1, 0, 0, 1,
        ]);
        v1.extend([6, b'S', b'i', b'n', b'O', b's', b'c', 2, 0, 2, 0, 1, 0, 0]);
        v1.extend([0, 0, 0, 0, 0xff, 0xff, 0, 0, 2]);
        v1.extend([3, b'O', b'u', b't', 2, 0, 2, 0, 0, 0, 0]);
        v1.extend([0xff, 0xff, 0, 0, 0, 1, 0, 0]);
        v1.extend([0, 0]); // no variants
        assert_eq!(decode(&v1).unwrap(), vec![sine()]);
    }

    #[test]
    fn bad_bytes_and_long_names_are_refused() {
        assert_eq!(decode(b"RIFF"), Err(SynthDefError::NotSynthDef));
        let bytes = encode(&[sine()]).unwrap();
        for cut in 10..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let long = SynthDef {
            name: "x".repeat(256),
            ..SynthDef::default()
        };
        assert!(matches!(
            encode(&[long]),
            Err(SynthDefError::NameTooLong(_))
        ));
    }

    /// Every count is capped by what the bytes left can hold at the size of its items, so a
    /// damaged count is refused where it stands, before anything is read for it.
    #[test]
    fn a_count_larger_than_its_items_could_fill_is_refused_at_the_count() {
        let mut bytes = encode(&[sine()]).unwrap();
        // The constants' count (byte 12: after "SCgf", the version, the def count and the
        // name "t"), raised to the bytes left: 4-byte floats cannot fill it.
        let left = (bytes.len() - 16) as i32;
        bytes[12..16].copy_from_slice(&left.to_be_bytes());
        assert_eq!(decode(&bytes), Err(SynthDefError::Malformed(12)));
        bytes[12..16].copy_from_slice(&i32::MAX.to_be_bytes());
        assert_eq!(decode(&bytes), Err(SynthDefError::Malformed(12)));
        bytes[12..16].copy_from_slice(&(-1i32).to_be_bytes());
        assert_eq!(decode(&bytes), Err(SynthDefError::Malformed(12)));
    }
}
