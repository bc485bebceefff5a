//! [`DefBuilder`]: builds a [`SynthDef`] UGen by UGen, as sclang's `SynthDef` does: each
//! constant once, controls in one `Control` UGen first, identical UGens of one scope
//! shared, arithmetic on constants folded, rates taken from the inputs.

use std::collections::HashMap;

use chronus_modules::{ScBinOp, ScUnaryOp};

use super::synthdef::{Input, Rate, SynthDef, UGen};

/// A signal in the def being built: a constant, or one output of a UGen at its rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sig {
    /// A constant.
    Const(f32),
    /// Output `index` of UGen `ugen`, computed at `rate`.
    Out {
        /// The UGen's index.
        ugen: usize,
        /// Its output.
        index: u32,
        /// The output's rate.
        rate: Rate,
    },
}

impl Sig {
    /// The signal's rate (a constant is scalar).
    pub fn rate(self) -> Rate {
        match self {
            Sig::Const(_) => Rate::Scalar,
            Sig::Out { rate, .. } => rate,
        }
    }
}

/// What makes two UGens the same one: who asked (a module instance), class, rate,
/// special index and inputs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct UGenKey {
    scope: usize,
    class: &'static str,
    rate: Rate,
    special: i16,
    inputs: Vec<(i32, i32)>,
}

/// Builds one [`SynthDef`].
#[derive(Debug, Default)]
pub struct DefBuilder {
    def: SynthDef,
    shared: HashMap<UGenKey, usize>,
}

/// Scope of UGens that belong to no module instance (arithmetic, the def's own UGens).
pub const SHARED_SCOPE: usize = usize::MAX;

impl DefBuilder {
    /// A def named `name` with these controls (name, initial value), all at control rate
    /// in one `Control` UGen; returns the builder and the controls' signals in order.
    pub fn new(name: &str, controls: &[(String, f32)]) -> (DefBuilder, Vec<Sig>) {
        let mut b = DefBuilder {
            def: SynthDef {
                name: name.to_string(),
                ..SynthDef::default()
            },
            shared: HashMap::new(),
        };
        let mut sigs = Vec::new();
        if !controls.is_empty() {
            for (i, (n, v)) in controls.iter().enumerate() {
                b.def.controls.push(*v);
                b.def.control_names.push((n.clone(), i as i32));
            }
            b.def.ugens.push(UGen {
                class: "Control".into(),
                rate: Rate::Control,
                inputs: vec![],
                outputs: vec![Rate::Control; controls.len()],
                special: 0,
            });
            sigs = (0..controls.len())
                .map(|i| Sig::Out {
                    ugen: 0,
                    index: i as u32,
                    rate: Rate::Control,
                })
                .collect();
        }
        (b, sigs)
    }

    /// The finished def.
    pub fn finish(self) -> SynthDef {
        self.def
    }

    fn input(&mut self, sig: Sig) -> Input {
        match sig {
            Sig::Const(v) => {
                let i = match self
                    .def
                    .constants
                    .iter()
                    .position(|c| c.to_bits() == v.to_bits())
                {
                    Some(i) => i,
                    None => {
                        self.def.constants.push(v);
                        self.def.constants.len() - 1
                    }
                };
                Input {
                    ugen: -1,
                    index: i as i32,
                }
            }
            Sig::Out { ugen, index, .. } => Input {
                ugen: ugen as i32,
                index: index as i32,
            },
        }
    }

    /// Adds (or finds, for the same `scope`) a UGen; returns its outputs' signals.
    pub fn ugen(
        &mut self,
        scope: usize,
        class: &'static str,
        rate: Rate,
        special: i16,
        inputs: &[Sig],
        outputs: u32,
    ) -> Vec<Sig> {
        let inputs: Vec<Input> = inputs.iter().map(|&s| self.input(s)).collect();
        let key = UGenKey {
            scope,
            class,
            rate,
            special,
            inputs: inputs.iter().map(|i| (i.ugen, i.index)).collect(),
        };
        let ugen = match self.shared.get(&key) {
            Some(&u) => u,
            None => {
                self.def.ugens.push(UGen {
                    class: class.to_string(),
                    rate,
                    inputs,
                    outputs: vec![rate; outputs as usize],
                    special,
                });
                let u = self.def.ugens.len() - 1;
                self.shared.insert(key, u);
                u
            }
        };
        (0..outputs)
            .map(|index| Sig::Out { ugen, index, rate })
            .collect()
    }

    /// A UGen with one output.
    pub fn ugen1(
        &mut self,
        scope: usize,
        class: &'static str,
        rate: Rate,
        special: i16,
        inputs: &[Sig],
    ) -> Sig {
        self.ugen(scope, class, rate, special, inputs, 1)[0]
    }

    /// `a op b`, folded when both are constants or one is neutral.
    pub fn bin(&mut self, op: ScBinOp, a: Sig, b: Sig) -> Sig {
        use ScBinOp::*;
        if let (Sig::Const(x), Sig::Const(y)) = (a, b) {
            return Sig::Const(match op {
                Add => x + y,
                Sub => x - y,
                Mul => x * y,
                Div => x / y,
                Mod => x - (x / y).floor() * y,
                Equal => f32::from(u8::from(x == y)),
                Greater => f32::from(u8::from(x > y)),
                LessOrEqual => f32::from(u8::from(x <= y)),
                GreaterOrEqual => f32::from(u8::from(x >= y)),
                Round if y == 0.0 => x,
                Round => (x / y + 0.5).floor() * y,
                Min => x.min(y),
                Max => x.max(y),
                Pow => x.powf(y),
            });
        }
        match (op, a, b) {
            (Add, Sig::Const(z), s) | (Add, s, Sig::Const(z)) | (Sub, s, Sig::Const(z))
                if z == 0.0 =>
            {
                return s
            }
            (Mul, Sig::Const(z), s) | (Mul, s, Sig::Const(z)) | (Div, s, Sig::Const(z))
                if z == 1.0 =>
            {
                return s
            }
            (Mul, Sig::Const(z), _) | (Mul, _, Sig::Const(z)) if z == 0.0 => {
                return Sig::Const(0.0)
            }
            _ => {}
        }
        let rate = a.rate().max(b.rate());
        self.ugen1(SHARED_SCOPE, "BinaryOpUGen", rate, op as i16, &[a, b])
    }

    /// The sum of `sigs` (0 for none).
    pub fn sum(&mut self, sigs: &[Sig]) -> Sig {
        sigs.iter()
            .fold(Sig::Const(0.0), |acc, &s| self.bin(ScBinOp::Add, acc, s))
    }

    /// `op a`, folded for a constant.
    pub fn unary(&mut self, op: ScUnaryOp, a: Sig) -> Sig {
        if let Sig::Const(x) = a {
            return Sig::Const(match op {
                ScUnaryOp::Abs => x.abs(),
                ScUnaryOp::CpsMidi => 69.0 + 12.0 * (x / 440.0).log2(),
                ScUnaryOp::Log => x.ln(),
                ScUnaryOp::Exp => x.exp(),
                ScUnaryOp::Sqrt => x.sqrt(),
                ScUnaryOp::Sin => x.sin(),
                ScUnaryOp::Cos => x.cos(),
                ScUnaryOp::Tanh => x.tanh(),
            });
        }
        self.ugen1(SHARED_SCOPE, "UnaryOpUGen", a.rate(), op as i16, &[a])
    }

    /// `a` at audio rate: `DC.ar` for a constant, `K2A.ar` for a slower signal.
    pub fn audio(&mut self, a: Sig) -> Sig {
        match a {
            Sig::Const(_) => self.ugen1(SHARED_SCOPE, "DC", Rate::Audio, 0, &[a]),
            Sig::Out {
                rate: Rate::Audio, ..
            } => a,
            _ => self.ugen1(SHARED_SCOPE, "K2A", Rate::Audio, 0, &[a]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_fold_and_ugens_are_shared_within_a_scope() {
        let (mut b, c) = DefBuilder::new("t", &[("freq".into(), 440.0)]);
        assert_eq!(
            b.bin(ScBinOp::Mul, Sig::Const(2.0), Sig::Const(3.0)),
            Sig::Const(6.0)
        );
        assert_eq!(b.bin(ScBinOp::Mul, c[0], Sig::Const(1.0)), c[0]);
        assert_eq!(b.bin(ScBinOp::Add, Sig::Const(0.0), c[0]), c[0]);
        let x = b.ugen1(1, "SinOsc", Rate::Audio, 0, &[c[0], Sig::Const(0.0)]);
        let y = b.ugen1(1, "SinOsc", Rate::Audio, 0, &[c[0], Sig::Const(0.0)]);
        let z = b.ugen1(2, "SinOsc", Rate::Audio, 0, &[c[0], Sig::Const(0.0)]);
        assert_eq!(x, y);
        assert_ne!(x, z);
        let k = b.bin(ScBinOp::Mul, c[0], Sig::Const(2.0));
        assert_eq!(k.rate(), Rate::Control);
        assert_eq!(b.bin(ScBinOp::Mul, x, k).rate(), Rate::Audio);
        let def = b.finish();
        assert_eq!(def.constants, vec![0.0, 2.0]);
        assert_eq!(def.ugens.len(), 5); // Control, 2 SinOsc, 2 BinaryOpUGen
    }
}
