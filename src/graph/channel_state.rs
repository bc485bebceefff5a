//! The channel state of an instrument, as plain data the compiled graph carries: what MIDI
//! channel messages set and every voice of the instrument shares (pitch bend and its
//! range, channel pressure, the sustain pedal, the keys physically down, volume ×
//! expression, pan) plus the note → Hz table.
//!
//! Plain `Copy` data, allocated with the graph; a swap carries it to the new graph's
//! instrument of the same id. How messages change it and how its glides advance block by
//! block is the engine's (`engine::channel`).

use super::tuning::NoteTable;

/// Default pitch-bend range in semitones (either way), per the MIDI spec.
pub const DEFAULT_BEND_RANGE: f32 = 2.0;

/// One value gliding to a target, block by block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Glide {
    /// Value at the start of the next block.
    pub now: f32,
    /// Where it is heading.
    pub target: f32,
}

impl Glide {
    /// A glide resting at `value`.
    pub const fn at(value: f32) -> Self {
        Glide {
            now: value,
            target: value,
        }
    }
}

/// Channel state of one instrument. See the module doc.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChannelState {
    /// Bend, in semitones (bend × range).
    pub bend: Glide,
    /// Last bend position -1..1 (so a range change rescales it).
    pub bend_position: f32,
    /// Bend range in semitones.
    pub bend_range: f32,
    /// Channel pressure 0..1.
    pub pressure: Glide,
    /// Sustain pedal down.
    pub sustain: bool,
    /// Keys physically down (bit n = note n), for the pedal.
    pub keys_down: u128,
    /// CC 7 position 0..1.
    pub volume: f32,
    /// CC 11 position 0..1.
    pub expression: f32,
    /// Gain applied to the instrument's mix: (volume × expression)².
    pub gain: Glide,
    /// Pan -1..1.
    pub pan: Glide,
    /// Note → Hz.
    pub tuning: NoteTable,
}

impl Default for ChannelState {
    /// Centred bend over ±2 semitones, no pressure, pedal up, full volume and expression
    /// (unity gain, so a patch sounds as it did before MIDI touched it), centre pan, A4 =
    /// 440 Hz.
    fn default() -> Self {
        ChannelState {
            bend: Glide::at(0.0),
            bend_position: 0.0,
            bend_range: DEFAULT_BEND_RANGE,
            pressure: Glide::at(0.0),
            sustain: false,
            keys_down: 0,
            volume: 1.0,
            expression: 1.0,
            gain: Glide::at(1.0),
            pan: Glide::at(0.0),
            tuning: NoteTable::default(),
        }
    }
}
