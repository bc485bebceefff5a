//! The 2-pole state-variable filter: kinds `lowpass`, `highpass`, `bandpass`.
//!
//! One `Filter` with an `SvfMode` kernel: Andrew Simper's (Cytomic) linear trapezoidal
//! SVF, "SvfLinearTrapOptimised2". It is a zero-delay-feedback, trapezoidal-integrator design:
//! the cutoff is prewarped, so the digital response matches the analog prototype exactly at
//! the cutoff (-3.01 dB at q 0.707), and its state stays meaningful when coefficients change
//! every sample, so audio-rate cutoff modulation neither blows up nor clicks (the classic
//! Chamberlin SVF and direct-form biquads do both). The three modes share the same two
//! integrators and differ only in how the output is mixed from them:
//! - `lowpass`: 12 dB/oct, gain at the cutoff = q (so -3 dB at 0.707, +14 dB at 5).
//! - `highpass`: the mirror image.
//! - `bandpass`: **constant peak gain**: exactly 0 dB at the centre frequency for every q;
//!   q sets the width (-3 dB bandwidth = cutoff / q), 6 dB/oct skirts.
//!
//! `q` runs 0.1..20: 0.1 is a very soft knee, 20 a +26 dB ringing peak. The SVF damping
//! `1/q` never reaches zero, so it cannot self-oscillate; use `moog` for that.

use super::generic::Filter;
use super::kernel::Kernel;
use super::svf_block::SvfBlock;
use super::{CUTOFF_PORT, IN_PORT, MAX_CUTOFF, MIN_CUTOFF};
use crate::entry::ModuleEntry;
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::role::Role;
use crate::smoother::Smoothing;
use crate::supercollider::{Sc, ScBinOp, ScCounterpart, ScUGen};

/// Smallest SVF q (a very soft knee).
pub(super) const MIN_Q: f32 = 0.1;
/// Largest SVF q (+26 dB at the cutoff).
pub(super) const MAX_Q: f32 = 20.0;

const Q_PORT: PortSpec = PortSpec {
    id: "q",
    doc: "Adds to the `q` param; the sum is clamped to 0.1..20.",
};

const SVF_CUTOFF: ParamSpec = ParamSpec::float("cutoff", "Cutoff", MIN_CUTOFF, MAX_CUTOFF, 1000.0)
    .log()
    .unit("Hz")
    .doc("Corner frequency: -3 dB point at q 0.707, centre for bandpass.");

const SVF_Q: ParamSpec = ParamSpec::float("q", "Q", MIN_Q, MAX_Q, 0.707)
    .smoothing(Smoothing::Linear(20.0))
    .doc(
        "Resonance: gain at the cutoff for lowpass/highpass (0.707 = flat Butterworth); \
          bandwidth = cutoff / q for bandpass. 0.1 soft .. 20 ringing.",
    );

static SVF_INPUTS: [PortSpec; 3] = [IN_PORT, CUTOFF_PORT, Q_PORT];
static SVF_PARAMS: [ParamSpec; 2] = [SVF_CUTOFF, SVF_Q];

/// `lowpass`: 2-pole (12 dB/oct) state-variable lowpass.
pub static LOWPASS_INFO: ModuleInfo = ModuleInfo {
    kind: "lowpass",
    doc: "2-pole (12 dB/oct) state-variable lowpass; -3 dB at the cutoff at q 0.707.",
    inputs: &SVF_INPUTS,
    outputs: &[PortSpec {
        id: "out",
        doc: "The lowpassed signal: flat below the cutoff, falling 12 dB/oct above it.",
    }],
    params: &SVF_PARAMS,
    roles: &[Role::Filter],
};

/// `highpass`: 2-pole (12 dB/oct) state-variable highpass.
pub static HIGHPASS_INFO: ModuleInfo = ModuleInfo {
    kind: "highpass",
    doc: "2-pole (12 dB/oct) state-variable highpass; -3 dB at the cutoff at q 0.707.",
    inputs: &SVF_INPUTS,
    outputs: &[PortSpec {
        id: "out",
        doc: "The highpassed signal: flat above the cutoff, falling 12 dB/oct below it.",
    }],
    params: &SVF_PARAMS,
    roles: &[Role::Filter],
};

/// `bandpass`: 2-pole state-variable bandpass with 0 dB at the centre.
pub static BANDPASS_INFO: ModuleInfo = ModuleInfo {
    kind: "bandpass",
    doc: "2-pole state-variable bandpass, constant peak gain: 0 dB at the centre \
          (`cutoff`) for every q; bandwidth = cutoff / q.",
    inputs: &SVF_INPUTS,
    outputs: &[PortSpec {
        id: "out",
        doc: "The band around the cutoff at unity gain, falling 6 dB/oct on each side.",
    }],
    params: &SVF_PARAMS,
    roles: &[Role::Filter],
};

/// `rq = 1 / q`, SuperCollider's filters' resonance input.
const SC_RQ: Sc = Sc::Bin(ScBinOp::Div, &Sc::Const(1.0), &Sc::Param("q"));
/// A filter UGen's inputs: `(in, cutoff, 1 / q)`.
const SC_FILTER_INPUTS: &[Sc] = &[Sc::Audio(&Sc::Input("in", 0.0)), Sc::Param("cutoff"), SC_RQ];

/// `lowpass` on scsynth: `RLPF.ar(in, cutoff, 1 / q)`.
static LOWPASS_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::ar(&ScUGen::ar("RLPF", SC_FILTER_INPUTS))],
    note: "RLPF (2-pole resonant lowpass, bilinear; ours is a TPT SVF)",
};
/// `highpass` on scsynth: `RHPF.ar(in, cutoff, 1 / q)`.
static HIGHPASS_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::ar(&ScUGen::ar("RHPF", SC_FILTER_INPUTS))],
    note: "RHPF",
};
/// `bandpass` on scsynth: `BPF.ar(in, cutoff, 1 / q)` (unity gain at the centre, as ours).
static BANDPASS_SC: ScCounterpart = ScCounterpart {
    outputs: &[Sc::ar(&ScUGen::ar("BPF", SC_FILTER_INPUTS))],
    note: "BPF (bandwidth cutoff / q, 0 dB at the centre)",
};

/// Registry entry for `lowpass`.
pub const LOWPASS: ModuleEntry = ModuleEntry {
    info: &LOWPASS_INFO,
    create: new_lowpass,
    supercollider: Some(&LOWPASS_SC),
};
/// Registry entry for `highpass`.
pub const HIGHPASS: ModuleEntry = ModuleEntry {
    info: &HIGHPASS_INFO,
    create: new_highpass,
    supercollider: Some(&HIGHPASS_SC),
};
/// Registry entry for `bandpass`.
pub const BANDPASS: ModuleEntry = ModuleEntry {
    info: &BANDPASS_INFO,
    create: new_bandpass,
    supercollider: Some(&BANDPASS_SC),
};
fn new_lowpass() -> Box<dyn Module> {
    Box::new(Filter::new(SvfMode::Lowpass))
}
fn new_highpass() -> Box<dyn Module> {
    Box::new(Filter::new(SvfMode::Highpass))
}
fn new_bandpass() -> Box<dyn Module> {
    Box::new(Filter::new(SvfMode::Bandpass))
}

/// Which output of the state-variable filter a filter delivers: what tells `lowpass`,
/// `highpass` and `bandpass` apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SvfMode {
    /// 12 dB/oct lowpass (`lowpass`).
    Lowpass,
    /// 12 dB/oct highpass (`highpass`).
    Highpass,
    /// Constant-peak-gain bandpass, 0 dB at the centre (`bandpass`).
    Bandpass,
}

/// Coefficients of the SVF for one (cutoff, q) pair: the integrator gains and the output
/// mix `out = m0·in + m1·band + m2·low`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct SvfCoeffs {
    pub(super) a1: f32,
    pub(super) a2: f32,
    pub(super) a3: f32,
    pub(super) m0: f32,
    pub(super) m1: f32,
    pub(super) m2: f32,
    /// Both poles inside |z| < 0.5: the state can fall from the flush threshold to
    /// subnormal within one block, so it is checked every sample.
    pub(super) fast: bool,
}

impl SvfCoeffs {
    /// Simper's coefficients for prewarped gain `g = tan(π f / fs)` and damping `k = 1/q`.
    #[inline]
    pub(super) fn new(g: f32, k: f32, mode: SvfMode) -> Self {
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        let (m0, m1, m2) = match mode {
            SvfMode::Lowpass => (0.0, 0.0, 1.0),
            SvfMode::Highpass => (1.0, -k, -1.0),
            SvfMode::Bandpass => (0.0, k, 0.0),
        };
        // With silence in, the state evolves as s' = M s, M = [[2a1-1, -2a2], [2a2, 1-2a3]].
        // Its eigenvalues z solve z² - tr z + det = 0; both lie in |z| < 0.5 exactly when
        // w² - 2tr w + 4det (z = w/2) passes Jury's test for the unit circle.
        let tr = 2.0 * (a1 - a3);
        let det = (2.0 * a1 - 1.0) * (1.0 - 2.0 * a3) + 4.0 * a2 * a2;
        let fast = (4.0 * det).abs() < 1.0
            && 1.0 - 2.0 * tr + 4.0 * det > 0.0
            && 1.0 + 2.0 * tr + 4.0 * det > 0.0;
        SvfCoeffs {
            a1,
            a2,
            a3,
            m0,
            m1,
            m2,
            fast,
        }
    }
}

impl Kernel<2> for SvfMode {
    fn info(&self) -> &'static ModuleInfo {
        match self {
            SvfMode::Lowpass => &LOWPASS_INFO,
            SvfMode::Highpass => &HIGHPASS_INFO,
            SvfMode::Bandpass => &BANDPASS_INFO,
        }
    }

    type Coeffs = SvfCoeffs;

    /// `q` → damping `k = 1/q`. `max`/`min` rather than `clamp`: a NaN q reads as the
    /// minimum.
    #[inline]
    #[allow(clippy::manual_clamp)]
    fn second(q: f32) -> f32 {
        1.0 / q.max(MIN_Q).min(MAX_Q)
    }

    const KEEP_SECOND: bool = true;

    #[inline]
    fn coeffs(&self, g: f32, k: f32) -> SvfCoeffs {
        SvfCoeffs::new(g, k, *self)
    }

    #[inline(always)]
    fn fast(c: &SvfCoeffs) -> bool {
        c.fast
    }

    /// One sample through the filter (Simper's SvfLinearTrapOptimised2).
    #[inline(always)]
    fn tick(c: &SvfCoeffs, s: &mut [f32; 2], v0: f32) -> f32 {
        let [ic1eq, ic2eq] = *s;
        let v3 = v0 - ic2eq;
        let v1 = c.a1 * ic1eq + c.a2 * v3;
        let v2 = ic2eq + c.a2 * ic1eq + c.a3 * v3;
        *s = [2.0 * v1 - ic1eq, 2.0 * v2 - ic2eq];
        c.m0 * v0 + c.m1 * v1 + c.m2 * v2
    }

    type Block = SvfBlock;

    #[inline]
    fn block(c: &SvfCoeffs) -> Option<SvfBlock> {
        SvfBlock::new(c)
    }

    #[inline(always)]
    fn tick4(b: &SvfBlock, s: &mut [f32; 2], x: [f32; 4]) -> [f32; 4] {
        b.tick4(s, x)
    }
}
