//! When a quantized change (a scale change) lands: at once, on the next beat or on the
//! next bar (4/4: a bar is four beats of [`PPQN`] ticks). The [`Quantize`] names
//! themselves belong to the patch model (`patch::sequence_enums`).

use super::clock::PPQN;
use crate::patch::Quantize;

/// Ticks per bar (4/4).
pub const TICKS_PER_BAR: u64 = 4 * PPQN;

impl Quantize {
    /// First tick at or after `tick` on which a change asked for before `tick` lands.
    pub fn next_boundary(self, tick: u64) -> u64 {
        let unit = match self {
            Quantize::Immediate => 1,
            Quantize::Beat => PPQN,
            Quantize::Bar => TICKS_PER_BAR,
        };
        tick.div_ceil(unit) * unit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries() {
        assert_eq!(Quantize::Immediate.next_boundary(5), 5);
        assert_eq!(Quantize::Beat.next_boundary(5), 24);
        assert_eq!(Quantize::Beat.next_boundary(24), 24);
        assert_eq!(Quantize::Bar.next_boundary(1), 96);
        assert_eq!(Quantize::Bar.next_boundary(96), 96);
        assert_eq!(Quantize::Bar.next_boundary(97), 192);
    }
}
