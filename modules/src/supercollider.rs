//! A module kind's SuperCollider counterpart, as data: which UGens (and what arithmetic
//! between them) compute each of its output ports from its params and inputs.
//!
//! A kind declares its counterpart next to its ParamSpecs, in its own file, and hands it
//! to its [`ModuleEntry`](crate::ModuleEntry) with
//! [`supercollider`](crate::ModuleEntry::supercollider). The host's SynthDef compiler reads
//! these expressions and knows no kind by name: a kind without a counterpart cannot be
//! played by scsynth, and the compiler says so.
//!
//! The expressions ([`Sc`]) mean, for one instance of the kind in a graph:
//! - [`Sc::Param`]: the param's value as Chronus computes it: a SynthDef control (so it can
//!   be set live), plus the signal on the input port of the same id when one is connected,
//!   clipped to the param's range. An enum param is not a control: see [`Sc::Choice`].
//! - [`Sc::Input`]: the sum of what is connected to an input port, or a constant when
//!   nothing is.
//! - [`Sc::Audio`]: its argument at audio rate (`K2A` when it is slower), for UGen inputs
//!   that must be audio signals (a filter's input, `Out`).
//! - [`Sc::UGen`]: output `n` of a UGen; identical UGens of one instance are one UGen.
//! - [`Sc::Choice`]: the variant picked by an enum param's value when the def is built.
//! - [`Sc::Connected`]: one expression when an input port is connected, another when not.
//!
//! A kind without a counterpart says why in its own file: no UGen or small UGen graph
//! does what it does closely enough to compare (a different algorithm, a file to load, a
//! feedback loop a SynthDef runs a block late).
//!
//! UGen input order, rates and special indices are those of SuperCollider's own classes
//! (the "Synth Definition File Format" and each UGen's `new1` arguments).

/// Calculation rate of a UGen (`0` scalar, `1` control, `2` audio in a SynthDef file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScRate {
    /// Once, when the synth starts (`SampleRate.ir`).
    Scalar,
    /// Once per control block.
    Control,
    /// Every sample.
    Audio,
}

/// A `BinaryOpUGen` operator (its special index in SuperCollider).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScBinOp {
    /// `a + b`.
    Add = 0,
    /// `a - b`.
    Sub = 1,
    /// `a * b`.
    Mul = 2,
    /// `a / b`.
    Div = 4,
    /// `a mod b` (floored: the sign of `b`).
    Mod = 5,
    /// `a == b` (1 or 0).
    Equal = 6,
    /// `a > b` (1 or 0).
    Greater = 9,
    /// `a <= b` (1 or 0).
    LessOrEqual = 10,
    /// `a >= b` (1 or 0).
    GreaterOrEqual = 11,
    /// `min(a, b)`.
    Min = 12,
    /// `max(a, b)`.
    Max = 13,
    /// `a` rounded to a multiple of `b` (`floor(a / b + 0.5) × b`; `a` when `b` is 0).
    Round = 19,
    /// `a ** b`.
    Pow = 25,
}

/// A `UnaryOpUGen` operator (its special index in SuperCollider).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScUnaryOp {
    /// `|a|`.
    Abs = 5,
    /// Hz to MIDI note number.
    CpsMidi = 18,
    /// `√a`.
    Sqrt = 14,
    /// `e ** a`.
    Exp = 15,
    /// Natural logarithm.
    Log = 25,
    /// `sin a`.
    Sin = 28,
    /// `cos a`.
    Cos = 29,
    /// `tanh a`.
    Tanh = 36,
}

/// A UGen as data: class name, rate, special index, inputs, number of outputs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScUGen {
    /// SuperCollider class name (`"RLPF"`).
    pub class: &'static str,
    /// Calculation rate.
    pub rate: ScRate,
    /// Special index (an operator, or 0).
    pub special: i16,
    /// Inputs in the class's order.
    pub inputs: &'static [Sc],
    /// Number of outputs (all at `rate`).
    pub outputs: u32,
}

/// An expression of a counterpart (see the [module doc](self)).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sc {
    /// A constant.
    Const(f32),
    /// A param's value: control + modulating input, clipped to the range.
    Param(&'static str),
    /// An input port's signal, or the constant when unconnected.
    Input(&'static str, f32),
    /// Its argument at audio rate.
    Audio(&'static Sc),
    /// `a op b`.
    Bin(ScBinOp, &'static Sc, &'static Sc),
    /// `op a`.
    Unary(ScUnaryOp, &'static Sc),
    /// Output `n` of a UGen.
    UGen(&'static ScUGen, u32),
    /// The expression at the index of the enum param's value.
    Choice(&'static str, &'static [Sc]),
    /// The first expression when the input port is connected, else the second (a kind
    /// whose input replaces an internal source, as `ring`'s `carrier`).
    Connected(&'static str, &'static Sc, &'static Sc),
}

/// A module kind's counterpart: one expression per output port, in port order, and a line
/// saying how close it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScCounterpart {
    /// One expression per output port of the kind, in port order.
    pub outputs: &'static [Sc],
    /// How the counterpart differs from the kind (shown by `chronus modules`).
    pub note: &'static str,
}

impl Sc {
    /// `a - b`.
    pub const fn sub(a: &'static Sc, b: &'static Sc) -> Sc {
        Sc::Bin(ScBinOp::Sub, a, b)
    }

    /// `a + b`.
    pub const fn add(a: &'static Sc, b: &'static Sc) -> Sc {
        Sc::Bin(ScBinOp::Add, a, b)
    }

    /// `a * b`.
    pub const fn mul(a: &'static Sc, b: &'static Sc) -> Sc {
        Sc::Bin(ScBinOp::Mul, a, b)
    }

    /// Output 0 of an audio-rate UGen with one output and no special index.
    pub const fn ar(ugen: &'static ScUGen) -> Sc {
        Sc::UGen(ugen, 0)
    }
}

/// `SampleRate.ir`: the server's sample rate, for coefficients computed in the def.
pub static SAMPLE_RATE: ScUGen = ScUGen {
    class: "SampleRate",
    rate: ScRate::Scalar,
    special: 0,
    inputs: &[],
    outputs: 1,
};

impl ScUGen {
    /// An audio-rate UGen with one output and no special index.
    pub const fn ar(class: &'static str, inputs: &'static [Sc]) -> ScUGen {
        ScUGen {
            class,
            rate: ScRate::Audio,
            special: 0,
            inputs,
            outputs: 1,
        }
    }
}
