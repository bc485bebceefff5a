//! scsynth's control block and the one rule it sets on releases, for every path that
//! sends node commands to scsynth (the live [`ScSink`](super::ScSink) and the NRT score,
//! `supercollider::voices`).
//!
//! scsynth runs every command due within a control block before that block is computed.
//! A release (`/n_set node gate 0`, or `stolen` 1 on a score's stolen voice) due in the
//! same block as its node's `/s_new` is applied before the node's first block: its
//! `EnvGen` starts with its gate closed, never opens, never reaches its done action, and
//! the node is never freed (a leaked node, or a note that never ends for a def whose level
//! waits for the gate to close). So a release is due no earlier than one block after its
//! node's start: a note on scsynth lasts at least one control block (64 frames: 1.33 ms
//! at 48 kHz; docs/CONTRACTS.md §3.4, §5.4). Fixing the generated defs instead would not
//! cover a user's own SynthDef, which has the same envelope.

/// scsynth's default control block, in frames (`-z`). The NRT render never changes it; a
/// live server Chronus starts may (`supercollider.options`), one it does not start is
/// taken to use it.
pub const DEFAULT_BLOCK: u64 = 64;

/// The control block of a scsynth started with `options`: the value of its last `-z`,
/// else [`DEFAULT_BLOCK`] (a value that is not a positive number counts as the default:
/// scsynth refuses it anyway).
pub fn block_of(options: &[String]) -> u64 {
    options
        .windows(2)
        .rev()
        .filter(|w| w[0] == "-z")
        .filter_map(|w| w[1].parse::<u64>().ok())
        .find(|&z| z > 0)
        .unwrap_or(DEFAULT_BLOCK)
}

/// When a release meant for `release` may be due, for a node due to start at `start`:
/// not before one `block` after it. Any unit, as long as the three agree (samples in a
/// score, nanoseconds of OSC time live).
pub fn release_due(start: u64, release: u64, block: u64) -> u64 {
    release.max(start.saturating_add(block))
}

/// One control block of `frames` frames at `rate` Hz, in nanoseconds, rounded up.
pub fn block_ns(frames: u64, rate: f64) -> u64 {
    (frames as f64 * 1e9 / rate).ceil() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_release_waits_one_block_after_its_start() {
        assert_eq!(release_due(100, 110, 64), 164);
        assert_eq!(release_due(100, 164, 64), 164);
        assert_eq!(release_due(100, 500, 64), 500);
        assert_eq!(release_due(u64::MAX - 1, 0, 64), u64::MAX);
    }

    #[test]
    fn the_block_comes_from_the_last_z_option() {
        assert_eq!(block_of(&[]), 64);
        let o = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(block_of(&o(&["-H", "hw:1", "-z", "128"])), 128);
        assert_eq!(block_of(&o(&["-z", "32", "-z", "256"])), 256);
        assert_eq!(block_of(&o(&["-z", "x"])), 64);
        assert_eq!(block_of(&o(&["-z"])), 64);
        assert_eq!(block_ns(64, 48_000.0), 1_333_334);
    }
}
