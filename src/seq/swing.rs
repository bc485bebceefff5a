//! Swing: every second step (odd step index) is delayed by `swing` of a step.

/// Most swing allowed: three quarters of a step.
pub const MAX_SWING: f32 = 0.75;

/// Delay in samples of step `index` for a step `step_samples` long.
pub fn swing_delay(index: u64, swing: f32, step_samples: f64) -> u64 {
    if index.is_multiple_of(2) {
        return 0;
    }
    (swing.clamp(0.0, MAX_SWING) as f64 * step_samples).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_odd_steps_move_by_the_swing_fraction() {
        // A 1/16 step at 120 BPM, 48 kHz: 6000 samples.
        assert_eq!(swing_delay(0, 0.5, 6000.0), 0);
        assert_eq!(swing_delay(1, 0.5, 6000.0), 3000);
        assert_eq!(swing_delay(2, 0.5, 6000.0), 0);
        assert_eq!(swing_delay(3, 0.12, 6000.0), 720);
        assert_eq!(swing_delay(1, 0.0, 6000.0), 0);
        assert_eq!(swing_delay(1, 2.0, 6000.0), 4500, "clamped to 0.75");
    }
}
