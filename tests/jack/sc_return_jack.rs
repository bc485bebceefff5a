//! scsynth's sound back in Chronus's main graph, under a private JACK dummy server:
//! `chronus play --host jack` with a `supercollider` instrument whose outputs the main
//! graph reads (its left through a vca at gain 0.5, its right straight to the output).
//! `jack_rec` records scsynth's own ports and Chronus's outputs in the same cycles:
//!
//! - Chronus's left output is scsynth's left × 0.5 **exactly one JACK period later**, and
//!   its right output scsynth's right one period later, sample for sample (so the main
//!   graph's effect applies, and the added latency is the one the docs state);
//! - scsynth killed with SIGKILL is restarted, the return ports are connected to the new
//!   one, and the same holds again.
#![cfg(feature = "jack")]

use std::time::Instant;

use crate::support::jack::{jack_test_lock, JackServer, JACK_PERIOD};
use crate::support::process::{programs_available, step, Proc};
use crate::support::temp::TempDir;

use super::sc_live_jack::{config, kill_scsynth, patch, play, sc_out, wait_line};

/// The main graph: the pad's left through a vca at 0.5, its right straight out; quarter
/// notes at 120 BPM, A4 then A5.
pub(crate) const MAIN: &str = r#" modules: {"fx": (kind: "vca", params: {"gain": 0.5})},
    connections: [("pad.left", "fx.in"), ("fx.out", "output.left"), ("pad.right", "output.right")],
    sequence: (bpm: 120, swing: 0.0, drift: 0.0, density: 1.0, scale: "chromatic", root: 69,
        tracks: {"t": (instrument: "pad", division: "1/4", pattern: "0 12", gate: 0.5)})"#;

/// How far Chronus's output lags scsynth's: the lag (0 ..= 4 periods) at which `ours`
/// best matches `gain × theirs`, and the share of frames that match there within 1e-4.
fn lag_and_match(theirs: &[f32], ours: &[f32], gain: f32) -> (usize, f64) {
    let n = theirs.len().min(ours.len()) - 4 * JACK_PERIOD;
    let error = |lag: usize| -> f64 {
        (0..n)
            .map(|i| f64::from(ours[i + lag] - gain * theirs[i]).powi(2))
            .sum()
    };
    let lag = (0..=4 * JACK_PERIOD)
        .min_by(|a, b| error(*a).total_cmp(&error(*b)))
        .unwrap();
    let matching = (0..n)
        .filter(|&i| (ours[i + lag] - gain * theirs[i]).abs() < 1e-4)
        .count();
    (lag, matching as f64 / n as f64)
}

/// Records scsynth's two outputs and Chronus's two for 3 s and checks the relation (see
/// the module doc); returns a summary.
pub(crate) fn check_return(server: &JackServer, dir: &TempDir, name: &str) -> String {
    let left = sc_out(server, None);
    let right = left.replace(":out_1", ":out_2");
    let ports = [
        left,
        right,
        "chronus_out:out_0".to_string(),
        "chronus_out:out_1".to_string(),
    ];
    let (_, ch) = server.record(&dir.join(&format!("{name}.wav")), 3, &ports);
    let loud = ch[0].iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(loud > 0.1, "{name}: scsynth plays (peak {loud})");
    let (lag_l, share_l) = lag_and_match(&ch[0], &ch[2], 0.5);
    let (lag_r, share_r) = lag_and_match(&ch[1], &ch[3], 1.0);
    assert_eq!(
        (lag_l, lag_r),
        (JACK_PERIOD, JACK_PERIOD),
        "{name}: Chronus's output lags scsynth's by one period"
    );
    // A cycle the return's client missed (an xrun on this loaded VM) is silence there.
    assert!(
        share_l > 0.98 && share_r > 0.98,
        "{name}: frames matching scsynth's × gain one period later: left {share_l:.4}, right {share_r:.4}"
    );
    format!(
        "{name}: one period ({JACK_PERIOD} frames) later, left × 0.5 and right match on {:.2} % and {:.2} % of frames",
        share_l * 100.0,
        share_r * 100.0
    )
}

#[test]
fn scsynth_comes_back_into_the_main_graph_one_period_later_with_its_effects() {
    if !programs_available("sc_return", &["jackd", "jack_lsp", "jack_rec", "scsynth"]) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = JackServer::start("sc_return");
    let dir = TempDir::new("sc_return");
    let patch = patch(&dir, MAIN);
    let (config, port) = config(&dir);
    let mut player = play(&server, &patch, &config, &[]);
    wait_line(
        &mut player,
        "instrument \"pad\": scsynth's output comes back into the main graph through chronus_sc_return:in_1 and in_2, 256 frames (one JACK period)",
    );
    wait_line(
        &mut player,
        &format!("SuperCollider server 127.0.0.1:{port} is up"),
    );
    step(t, "scsynth up, its output returned");
    step(t, &check_return(&server, &dir, "returned"));

    kill_scsynth(&mut player);
    step(t, "scsynth restarted");
    step(t, &check_return(&server, &dir, "after the restart"));
    finish(player);
}

/// Stops `player` with SIGTERM; it must exit cleanly.
pub(crate) fn finish(mut player: Proc) {
    player.signal("TERM");
    let status = player.wait_exit(crate::support::process::READY_TIMEOUT, "SIGTERM");
    assert!(status.success(), "{}", player.output.text());
}
