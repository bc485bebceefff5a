//! The main output's safety limiter (`limit`, docs/CONTRACTS.md §1.5) as UGens, so a
//! patch's main graph sounds on scsynth as it does on Chronus's engine, limiter included.
//!
//! Chronus's [`SafetyLimiter`](chronus_modules::dynamics::safety::SafetyLimiter) keeps a
//! gain reduction `r` (gain `1 − r`), shared by both channels:
//! `r[n] = max(x[n], r[n−1] · e^(−1/(T·sr)))` with `x = max(0, 1 − c / peak)` (`c` the
//! ceiling, `peak` the louder channel's magnitude, `T` its release), i.e. an instant
//! attack and an exponential release. A SynthDef has no one-sample loop, but in the log
//! domain that recursion is `ln r[n] = max(ln x[n], ln r[n−1] − 1/(T·sr))`: a fall of at
//! most `1/T` per second and an unbounded rise, which is exactly `Slew.ar(ln x, up, 1/T)`
//! with a rise no signal reaches. So on scsynth the gain is
//! `1 − exp(Slew.ar(ln max(x, 1e-30), 1e9, 1/T))`, then each channel times the gain,
//! clipped to ±`c`. What differs: Chronus snaps `r` to 0 below 10⁻⁵ (a gain within
//! 0.0001 dB of 1), scsynth lets it decay on (its gain rounds to exactly 1 in single
//! precision below 6·10⁻⁸); and Chronus silences a non-finite sample, scsynth does not.

use chronus_modules::dynamics::safety::RELEASE;
use chronus_modules::{ScBinOp, ScUnaryOp};

use super::builder::{DefBuilder, Sig, SHARED_SCOPE};
use super::synthdef::Rate;

/// `x` never reaches 0 in the log domain: `ln 1e-30` ≈ −69, where the gain is 1.
const FLOOR: f32 = 1e-30;
/// A rise per second no signal reaches in the log domain (the attack is instant).
const INSTANT: f32 = 1e9;

/// `(l, r)` (audio rate) through the limiter with its ceiling at `ceiling_db` dBFS.
pub fn safety_limiter(b: &mut DefBuilder, l: Sig, r: Sig, ceiling_db: f32) -> (Sig, Sig) {
    let ceiling = 10f32.powf(ceiling_db / 20.0);
    let al = b.unary(ScUnaryOp::Abs, l);
    let ar = b.unary(ScUnaryOp::Abs, r);
    let peak = b.bin(ScBinOp::Max, al, ar);
    let peak = b.bin(ScBinOp::Max, peak, Sig::Const(FLOOR));
    let need = b.bin(ScBinOp::Div, Sig::Const(ceiling), peak);
    let x = b.bin(ScBinOp::Sub, Sig::Const(1.0), need);
    let x = b.bin(ScBinOp::Max, x, Sig::Const(FLOOR));
    let log_x = b.unary(ScUnaryOp::Log, x);
    let log_r = b.ugen1(
        SHARED_SCOPE,
        "Slew",
        Rate::Audio,
        0,
        &[log_x, Sig::Const(INSTANT), Sig::Const(1.0 / RELEASE)],
    );
    let reduction = b.unary(ScUnaryOp::Exp, log_r);
    let gain = b.bin(ScBinOp::Sub, Sig::Const(1.0), reduction);
    let limit = |b: &mut DefBuilder, s: Sig| {
        let s = b.bin(ScBinOp::Mul, s, gain);
        let s = b.bin(ScBinOp::Min, s, Sig::Const(ceiling));
        b.bin(ScBinOp::Max, s, Sig::Const(-ceiling))
    };
    (limit(b, l), limit(b, r))
}
