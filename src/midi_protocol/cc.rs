//! Controller numbers with a fixed meaning (MIDI 1.0 and GM), and what the internal engine
//! does with each. Any CC also reaches the patch's `midi_cc` modules listening to it.

/// Mod wheel (a `midi_cc` source for patches).
pub const MOD_WHEEL: u8 = 1;
/// Breath controller (a `midi_cc` source).
pub const BREATH: u8 = 2;
/// Foot controller (a `midi_cc` source).
pub const FOOT: u8 = 4;
/// Data entry MSB (the selected RPN's value: bend range semitones).
pub const DATA_ENTRY_MSB: u8 = 6;
/// Channel volume: instrument gain (volume × expression)², smoothed.
pub const VOLUME: u8 = 7;
/// Pan: instrument balance, smoothed.
pub const PAN: u8 = 10;
/// Expression: multiplies volume.
pub const EXPRESSION: u8 = 11;
/// Effect control 1 (a `midi_cc` source).
pub const EFFECT_1: u8 = 12;
/// Effect control 2 (a `midi_cc` source).
pub const EFFECT_2: u8 = 13;
/// Data entry LSB (bend range cents).
pub const DATA_ENTRY_LSB: u8 = 38;
/// Sustain pedal: ≥ 64 down.
pub const SUSTAIN: u8 = 64;
/// RPN LSB.
pub const RPN_LSB: u8 = 100;
/// RPN MSB.
pub const RPN_MSB: u8 = 101;
/// All sound off: silence now.
pub const ALL_SOUND_OFF: u8 = 120;
/// Reset all controllers (RP-015).
pub const RESET_CONTROLLERS: u8 = 121;
/// All notes off.
pub const ALL_NOTES_OFF: u8 = 123;

/// A 7-bit value as a 0..1 position.
pub fn unit(value: u8) -> f32 {
    value.min(127) as f32 / 127.0
}

/// A 14-bit pitch bend (0..=16383, 8192 centre) as -1..1 (both extremes reach ±1).
pub fn bend_position(value: u16) -> f32 {
    centred(value.min(16383) as f32, 8192.0, 16383.0)
}

/// A 7-bit pan (64 centre) as -1..1.
pub fn pan_position(value: u8) -> f32 {
    centred(value.min(127) as f32, 64.0, 127.0)
}

/// `value` of the range `0..=top` with its centre at `centre`, as -1..1: both halves
/// scaled to reach ±1 at their ends (the upper half is one step shorter).
fn centred(value: f32, centre: f32, top: f32) -> f32 {
    let v = value - centre;
    if v >= 0.0 {
        v / (top - centre)
    } else {
        v / centre
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_and_centres() {
        assert_eq!(bend_position(0), -1.0);
        assert_eq!(bend_position(8192), 0.0);
        assert_eq!(bend_position(16383), 1.0);
        assert_eq!(pan_position(0), -1.0);
        assert_eq!(pan_position(64), 0.0);
        assert_eq!(pan_position(127), 1.0);
        assert_eq!(unit(127), 1.0);
    }
}
