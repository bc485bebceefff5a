//! Registered parameter numbers: CC 101/100 select a parameter, CC 6/38 (data entry MSB
//! and LSB) set it. Only RPN 0, the pitch-bend range (MSB semitones, LSB cents), means
//! anything to Chronus; the null RPN 127/127 deselects, so stray data entry changes
//! nothing.

use super::cc;

/// RPN 0: pitch-bend sensitivity.
const BEND_RANGE: (u8, u8) = (0, 0);
/// The null RPN.
const NULL: (u8, u8) = (127, 127);

/// RPN state of one channel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RpnState {
    selected: (u8, u8),
    semitones: u8,
    cents: u8,
}

impl Default for RpnState {
    /// Nothing selected; range 2 semitones.
    fn default() -> Self {
        RpnState {
            selected: NULL,
            semitones: 2,
            cents: 0,
        }
    }
}

impl RpnState {
    /// Takes a control change. Returns the new bend range in semitones when this CC
    /// changed it, `None` otherwise (including for CCs that are not about RPNs).
    pub fn control_change(&mut self, controller: u8, value: u8) -> Option<f32> {
        match controller {
            cc::RPN_MSB => self.selected.0 = value,
            cc::RPN_LSB => self.selected.1 = value,
            cc::DATA_ENTRY_MSB if self.selected == BEND_RANGE => {
                self.semitones = value;
                self.cents = 0;
                return Some(self.range());
            }
            cc::DATA_ENTRY_LSB if self.selected == BEND_RANGE => {
                self.cents = value.min(99);
                return Some(self.range());
            }
            _ => {}
        }
        None
    }

    /// True when `controller` is one this state machine consumes.
    pub fn is_rpn_controller(controller: u8) -> bool {
        matches!(
            controller,
            cc::RPN_MSB | cc::RPN_LSB | cc::DATA_ENTRY_MSB | cc::DATA_ENTRY_LSB
        )
    }

    /// Reset controllers (RP-015): deselect (the null RPN); the range itself is kept.
    pub fn deselect(&mut self) {
        self.selected = NULL;
    }

    /// Bend range in semitones.
    pub fn range(&self) -> f32 {
        self.semitones as f32 + self.cents as f32 / 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpn_zero_sets_the_bend_range_and_null_deselects() {
        let mut s = RpnState::default();
        assert_eq!(s.control_change(6, 12), None, "nothing selected");
        assert_eq!(s.control_change(101, 0), None);
        assert_eq!(s.control_change(100, 0), None);
        assert_eq!(s.control_change(6, 12), Some(12.0));
        assert_eq!(s.control_change(38, 50), Some(12.5));
        s.control_change(101, 127);
        s.control_change(100, 127);
        assert_eq!(s.control_change(6, 3), None, "null RPN");
        assert_eq!(s.range(), 12.5);
        s.control_change(101, 0);
        s.control_change(100, 1);
        assert_eq!(
            s.control_change(6, 3),
            None,
            "RPN 1 (fine tuning) is not ours"
        );
    }
}
