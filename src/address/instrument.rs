//! [`InstrumentKey`]: an instrument as events name it.

/// An instrument as events name it: a hash of its id, stable across commits (an index
/// would point at another instrument after a commit that reorders them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InstrumentKey(pub u64);

impl InstrumentKey {
    /// The key the sequencer's MIDI clock messages carry on the outbound ring (the key of
    /// the empty id): sinks route them by their kind, never by this key.
    pub const CLOCK: InstrumentKey = InstrumentKey(0xcbf2_9ce4_8422_2325);

    /// The key of the instrument `id` (FNV-1a).
    pub fn of(id: &str) -> Self {
        InstrumentKey(id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
        }))
    }
}
