//! Utility modules: `vca`, `mixer`, `pan`, `const`.
//!
//! Plain arithmetic on blocks. Each loop has a constant-parameter fast path (one value for
//! the whole block) and a per-sample path; both compute the same expression in the same
//! order, so the output does not depend on how the engine cuts blocks.
//!
//! Real-time: nothing here allocates at all; `process` and `reset` never allocate, lock,
//! log or block.

use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::registry::{create_default, ModuleEntry};

// ---------------------------------------------------------------------------------------
// vca

static VCA_INFO: ModuleInfo = ModuleInfo {
    kind: "vca",
    doc: "Voltage-controlled amplifier: out = in × cv × gain.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Signal to amplify.",
        },
        PortSpec {
            id: "cv",
            doc: "Control signal that MULTIPLIES the output (an envelope, an LFO); it does \
                  not add to `gain`. Reads 1 when unconnected, so an unpatched VCA passes \
                  its input at `gain`.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "in × cv × gain.",
    }],
    params: &[ParamSpec::float("gain", "Gain", 0.0, 4.0, 1.0)
        .doc("Fixed gain factor applied on top of `cv` (1 = unity).")],
};

/// The `vca` kind.
pub const VCA: ModuleEntry = ModuleEntry {
    info: &VCA_INFO,
    create: create_default::<Vca>,
};

/// The `vca` module (stateless).
#[derive(Clone, Copy, Debug, Default)]
pub struct Vca;

impl Module for Vca {
    fn info(&self) -> &'static ModuleInfo {
        &VCA_INFO
    }

    /// Nothing to prepare.
    fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {}

    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let x = inputs.port(0);
        let gain = params.block(0);
        let out = outputs.port(0);
        match (inputs.is_connected(1), params.is_constant(0)) {
            (true, true) => {
                let g = gain[0];
                for ((o, &x), &c) in out.iter_mut().zip(x).zip(inputs.port(1)) {
                    *o = x * c * g;
                }
            }
            (true, false) => {
                for (((o, &x), &c), &g) in out.iter_mut().zip(x).zip(inputs.port(1)).zip(gain) {
                    *o = x * c * g;
                }
            }
            // Unconnected cv reads 1: x × 1 × g is exactly x × g.
            (false, true) => {
                let g = gain[0];
                for (o, &x) in out.iter_mut().zip(x) {
                    *o = x * g;
                }
            }
            (false, false) => {
                for ((o, &x), &g) in out.iter_mut().zip(x).zip(gain) {
                    *o = x * g;
                }
            }
        }
    }

    /// Stateless. **Real-time safe.**
    fn reset(&mut self) {}
}

// ---------------------------------------------------------------------------------------
// mixer

const LEVEL_DOC: &str = "Gain of the matching input (1 = unity).";

static MIXER_INFO: ModuleInfo = ModuleInfo {
    kind: "mixer",
    doc: "Four-input mixer: out = Σ in_n × level_n.",
    inputs: &[
        PortSpec {
            id: "in1",
            doc: "Input 1, scaled by `level1`.",
        },
        PortSpec {
            id: "in2",
            doc: "Input 2, scaled by `level2`.",
        },
        PortSpec {
            id: "in3",
            doc: "Input 3, scaled by `level3`.",
        },
        PortSpec {
            id: "in4",
            doc: "Input 4, scaled by `level4`.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "Sum of the scaled inputs.",
    }],
    params: &[
        ParamSpec::float("level1", "Level 1", 0.0, 4.0, 1.0).doc(LEVEL_DOC),
        ParamSpec::float("level2", "Level 2", 0.0, 4.0, 1.0).doc(LEVEL_DOC),
        ParamSpec::float("level3", "Level 3", 0.0, 4.0, 1.0).doc(LEVEL_DOC),
        ParamSpec::float("level4", "Level 4", 0.0, 4.0, 1.0).doc(LEVEL_DOC),
    ],
};

/// The `mixer` kind.
pub const MIXER: ModuleEntry = ModuleEntry {
    info: &MIXER_INFO,
    create: create_default::<Mixer>,
};

/// The `mixer` module (stateless).
#[derive(Clone, Copy, Debug, Default)]
pub struct Mixer;

impl Module for Mixer {
    fn info(&self) -> &'static ModuleInfo {
        &MIXER_INFO
    }

    /// Nothing to prepare.
    fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {}

    /// Skips unconnected inputs (they would add zeros). **Real-time: no allocation,
    /// locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let out = outputs.port(0);
        out.fill(0.0);
        for i in 0..4 {
            if !inputs.is_connected(i) {
                continue;
            }
            let x = inputs.port(i);
            let level = params.block(i);
            if params.is_constant(i) {
                let l = level[0];
                for (o, &x) in out.iter_mut().zip(x) {
                    *o += x * l;
                }
            } else {
                for ((o, &x), &l) in out.iter_mut().zip(x).zip(level) {
                    *o += x * l;
                }
            }
        }
    }

    /// Stateless. **Real-time safe.**
    fn reset(&mut self) {}
}

// ---------------------------------------------------------------------------------------
// pan

static PAN_INFO: ModuleInfo = ModuleInfo {
    kind: "pan",
    doc: "Equal-power panner: left = cos((pan+1)π/4) × in, right = sin((pan+1)π/4) × in.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Mono signal to place.",
        },
        PortSpec {
            id: "pan",
            doc: "Adds to the `pan` param (the sum is clamped to −1..1).",
        },
    ],
    outputs: &[
        PortSpec {
            id: "left",
            doc: "Left channel.",
        },
        PortSpec {
            id: "right",
            doc: "Right channel.",
        },
    ],
    params: &[ParamSpec::float("pan", "Pan", -1.0, 1.0, 0.0)
        .doc("Position: −1 hard left, 0 centre (−3 dB each side), 1 hard right.")],
};

/// The `pan` kind.
pub const PAN: ModuleEntry = ModuleEntry {
    info: &PAN_INFO,
    create: create_default::<Pan>,
};

/// The `pan` module (stateless).
#[derive(Clone, Copy, Debug, Default)]
pub struct Pan;

/// `sin(x·π/2)` for `x` in `0..=1`: Taylor series to θ¹¹ (error below 6e-8, under f32
/// resolution), cheaper than `sin` and vectorisable for per-sample pan modulation.
#[inline]
fn quarter_sin(x: f32) -> f32 {
    let t = x * std::f32::consts::FRAC_PI_2;
    let t2 = t * t;
    let p = 1.0 / 362_880.0 - t2 * (1.0 / 39_916_800.0);
    let p = 1.0 / 5_040.0 - t2 * p;
    let p = 1.0 / 120.0 - t2 * p;
    let p = 1.0 / 6.0 - t2 * p;
    t * (1.0 - t2 * p)
}

/// Equal-power gains `(left, right)` for a pan position in −1..1.
#[inline]
fn pan_gains(pan: f32) -> (f32, f32) {
    let x = (pan + 1.0) * 0.5;
    (quarter_sin(1.0 - x), quarter_sin(x))
}

impl Module for Pan {
    fn info(&self) -> &'static ModuleInfo {
        &PAN_INFO
    }

    /// Nothing to prepare.
    fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {}

    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let x = inputs.port(0);
        let pan = params.block(0);
        let [left, right] = outputs.ports::<2>();
        if params.is_constant(0) {
            let (gl, gr) = pan_gains(pan[0]);
            for ((l, r), &x) in left.iter_mut().zip(right.iter_mut()).zip(x) {
                *l = x * gl;
                *r = x * gr;
            }
        } else {
            for (((l, r), &x), &p) in left.iter_mut().zip(right.iter_mut()).zip(x).zip(pan) {
                let (gl, gr) = pan_gains(p);
                *l = x * gl;
                *r = x * gr;
            }
        }
    }

    /// Stateless. **Real-time safe.**
    fn reset(&mut self) {}
}

// ---------------------------------------------------------------------------------------
// const

static CONST_INFO: ModuleInfo = ModuleInfo {
    kind: "const",
    doc: "A constant signal (offsets, fixed modulation amounts).",
    inputs: &[],
    outputs: &[PortSpec {
        id: "out",
        doc: "The value of `value`, gliding when it changes.",
    }],
    params: &[ParamSpec::float("value", "Value", -20_000.0, 20_000.0, 0.0)
        .doc("The value to output (any unit: Hz into a cutoff, octaves into a pitch).")],
};

/// The `const` kind.
pub const CONST: ModuleEntry = ModuleEntry {
    info: &CONST_INFO,
    create: create_default::<Const>,
};

/// The `const` module (stateless; the glide lives in the param smoother).
#[derive(Clone, Copy, Debug, Default)]
pub struct Const;

impl Module for Const {
    fn info(&self) -> &'static ModuleInfo {
        &CONST_INFO
    }

    /// Nothing to prepare.
    fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {}

    /// **Real-time: no allocation, locking, logging or blocking.**
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        _inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        outputs.port(0).copy_from_slice(params.block(0));
    }

    /// Stateless. **Real-time safe.**
    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::ModuleRunner;

    const SR: f32 = 48_000.0;

    fn run(entry: &ModuleEntry, set: &[(&str, f32)], inputs: &[&[f32]], n: usize) -> Vec<Vec<f32>> {
        let mut r = ModuleRunner::new((entry.create)(), SR);
        for &(id, v) in set {
            r.set(id, v).unwrap();
        }
        r.run(inputs, n, 64)
    }

    #[test]
    fn vca_multiplies_in_cv_and_gain() {
        let x = [0.5, -1.0, 2.0, 0.25];
        let cv = [0.0, 0.5, 1.0, -2.0];
        let out = &run(&VCA, &[("gain", 2.0)], &[&x, &cv], 4)[0];
        assert_eq!(out, &[0.0, -1.0, 4.0, -1.0]);
    }

    #[test]
    fn vca_cv_reads_one_when_unconnected() {
        let x = [0.5, -1.0, 2.0, 0.25];
        let out = &run(&VCA, &[], &[&x], 4)[0];
        assert_eq!(out, &x);
        let out = &run(&VCA, &[("gain", 0.5)], &[&x], 4)[0];
        assert_eq!(out, &[0.25, -0.5, 1.0, 0.125]);
        // A connected cv of zero really silences (it is not mistaken for "unconnected").
        let out = &run(&VCA, &[], &[&x, &[0.0; 4]], 4)[0];
        assert_eq!(out, &[0.0; 4]);
    }

    #[test]
    fn vca_gain_glides_linearly() {
        let x = vec![1.0; 2_000];
        let mut r = ModuleRunner::new((VCA.create)(), SR);
        r.glide("gain", 2.0).unwrap();
        let out = &r.run(&[&x], 2_000, 7)[0];
        // 20 ms = 960 samples from 1 to 2.
        assert!((out[479] - 1.5).abs() < 1e-3, "{}", out[479]);
        assert_eq!(out[959], 2.0);
    }

    #[test]
    fn mixer_sums_scaled_inputs() {
        let a = [1.0, 2.0, 3.0];
        let b = [0.5, 0.5, 0.5];
        let c = [-1.0, 0.0, 1.0];
        let d = [0.25, 0.25, 0.25];
        let out = &run(
            &MIXER,
            &[
                ("level1", 1.0),
                ("level2", 2.0),
                ("level3", 0.5),
                ("level4", 0.0),
            ],
            &[&a, &b, &c, &d],
            3,
        )[0];
        assert_eq!(out, &[1.5, 3.0, 4.5]);
        // Unconnected inputs add nothing.
        let out = &run(&MIXER, &[], &[&a], 3)[0];
        assert_eq!(out, &a);
    }

    #[test]
    fn pan_is_equal_power() {
        let x = [1.0; 4];
        for p in [-1.0f32, -0.6, -0.2, 0.0, 0.3, 0.75, 1.0] {
            let out = run(&PAN, &[("pan", p)], &[&x], 4);
            let (l, r) = (out[0][0], out[1][0]);
            assert!((l * l + r * r - 1.0).abs() < 1e-6, "pan {p}: {l} {r}");
            let angle = (p + 1.0) * std::f32::consts::FRAC_PI_4;
            assert!((l - angle.cos()).abs() < 1e-6, "pan {p}: left {l}");
            assert!((r - angle.sin()).abs() < 1e-6, "pan {p}: right {r}");
        }
        let out = run(&PAN, &[], &[&x], 4);
        assert!((out[0][0] - 0.707_106_77).abs() < 1e-6, "{}", out[0][0]);
        assert!((out[1][0] - 0.707_106_77).abs() < 1e-6);
        let out = run(&PAN, &[("pan", -1.0)], &[&x], 4);
        assert!((out[0][0] - 1.0).abs() < 1e-6);
        assert_eq!(out[1][0], 0.0);
    }

    #[test]
    fn pan_port_adds_to_the_param_and_clamps() {
        let x = [2.0; 3];
        let m = [0.5, 1.0, -3.0];
        let out = run(&PAN, &[("pan", 0.5)], &[&x, &m], 3);
        // 0.5 + 0.5 = 1 (hard right); 0.5 + 1 clamps to 1; 0.5 − 3 clamps to −1.
        assert!(out[0][0].abs() < 1e-6 && (out[1][0] - 2.0).abs() < 1e-5);
        assert!(out[0][1].abs() < 1e-6 && (out[1][1] - 2.0).abs() < 1e-5);
        assert!((out[0][2] - 2.0).abs() < 1e-5 && out[1][2] == 0.0);
    }

    #[test]
    fn quarter_sin_matches_std() {
        let worst = (0..=10_000)
            .map(|i| {
                let x = i as f32 / 10_000.0;
                (quarter_sin(x) - (x * std::f32::consts::FRAC_PI_2).sin()).abs()
            })
            .fold(0.0f32, f32::max);
        // Measured: 1.2e-7 (f32 rounding).
        assert!(worst < 3e-7, "{worst}");
    }

    #[test]
    fn const_outputs_its_value_and_glides() {
        let out = &run(&CONST, &[("value", -440.5)], &[], 5)[0];
        assert_eq!(out, &[-440.5; 5]);
        let mut r = ModuleRunner::new((CONST.create)(), SR);
        r.glide("value", 100.0).unwrap();
        let out = &r.run(&[], 1_000, 64)[0];
        assert!((out[479] - 50.0).abs() < 0.01, "{}", out[479]);
        assert_eq!(out[959], 100.0);
    }
}
