//! [`LedCue`]: one cue of the LED bus and its encodings. The schema is a contract
//! (docs/CONTRACTS.md §7); fields are added, never renamed:
//!
//! | cue | JSON (UDP sinks, `/api/state`, the WebSocket) | OSC sinks |
//! |---|---|---|
//! | note | `{"type":"note","pitch":64,"velocity":100}` | `/cue/note i pitch i velocity` |
//! | param | `{"type":"param","name":"tempo","value":128}` | `/cue/param s name f value` |
//! | mode | `{"type":"mode","mode":"ambient"}` | `/cue/mode s mode` |
//! | idle | `{"type":"idle","state":true}` | `/cue/idle i 0/1` |
//! | commit | `{"type":"commit","revision":3}` | `/cue/commit i revision` |
//! | mutation | `{"type":"mutation","category":"pitch","target":0,"step":5}` | `/cue/mutation s category i target i step` |
//! | scale | `{"type":"scale","scale":"dorian","bar":12}` | `/cue/scale s scale i bar` |
//! | playing | `{"type":"playing","state":false}` | `/cue/playing i 0/1` |
//!
//! **Serial frame** (for a microcontroller; see [`LedCue::frame`]): `0xC5`, type byte, length
//! byte `n`, `n` payload bytes, then a checksum byte = XOR of the type, length and payload
//! bytes. Types and payloads: note `0x01` [pitch, velocity]; param `0x02` [value as f32
//! little-endian (4), name bytes (UTF-8, at most 32)]; mode `0x03` [0 active, 1 ambient];
//! idle `0x04` [0/1]; commit `0x05` [revision as u32 LE]; mutation `0x06` [target, step as
//! u16 LE, category bytes]; scale `0x07` [bar as u32 LE, name bytes]; playing `0x08` [0/1].

use rosc::{OscMessage, OscType};
use serde_json::{json, Value};

use crate::engine::NoteCue;
use crate::seq::idle::Mode;
use crate::seq::Cue;

/// First byte of every serial frame.
pub const FRAME_START: u8 = 0xC5;

/// Longest name carried in a serial frame (longer ones are cut at a character boundary).
pub const FRAME_NAME_MAX: usize = 32;

/// One cue of the LED bus.
#[derive(Clone, Debug, PartialEq)]
pub enum LedCue {
    /// A note started (any source).
    Note {
        /// MIDI note number.
        pitch: u8,
        /// 0..=127.
        velocity: u8,
    },
    /// A param changed live (`"tempo"`, `"vcf.cutoff"`).
    Param {
        /// Its name.
        name: String,
        /// Its new value.
        value: f64,
    },
    /// The sequencer's profile: `"active"` or `"ambient"`.
    Mode {
        /// The new mode.
        ambient: bool,
    },
    /// Idle (no interaction for the idle time) or not.
    Idle {
        /// True when idle.
        state: bool,
    },
    /// A patch was committed.
    Commit {
        /// Its revision.
        revision: u64,
    },
    /// A sequencer mutation.
    Mutation {
        /// What changed (`"pitch"`, `"rhythm"`, ...).
        category: &'static str,
        /// Track index.
        target: u32,
        /// Step index.
        step: u32,
    },
    /// A scale change landed.
    Scale {
        /// The scale's name.
        scale: &'static str,
        /// On this bar.
        bar: u64,
    },
    /// The sequencer started or stopped.
    Playing {
        /// True when playing.
        state: bool,
    },
}

impl LedCue {
    /// The note cue of a note the engine started.
    pub fn from_note(n: &NoteCue) -> LedCue {
        LedCue::Note {
            pitch: n.pitch,
            velocity: n.velocity,
        }
    }

    /// The cues of a sequencer cue (an idle switch is two: `mode` and `idle`).
    pub fn from_sequencer(cue: &Cue) -> Vec<LedCue> {
        match cue {
            Cue::Mutation(c) => vec![LedCue::Mutation {
                category: c.category.name(),
                target: c.target as u32,
                step: c.step as u32,
            }],
            Cue::Idle(mode) => {
                let ambient = *mode == Mode::Ambient;
                vec![LedCue::Mode { ambient }, LedCue::Idle { state: ambient }]
            }
            Cue::Scale { scale, bar } => vec![LedCue::Scale {
                scale: scale.name(),
                bar: *bar,
            }],
            Cue::Playing(p) => vec![LedCue::Playing { state: *p }],
        }
    }

    /// The `type` field.
    pub fn kind(&self) -> &'static str {
        match self {
            LedCue::Note { .. } => "note",
            LedCue::Param { .. } => "param",
            LedCue::Mode { .. } => "mode",
            LedCue::Idle { .. } => "idle",
            LedCue::Commit { .. } => "commit",
            LedCue::Mutation { .. } => "mutation",
            LedCue::Scale { .. } => "scale",
            LedCue::Playing { .. } => "playing",
        }
    }

    /// The JSON object (one per UDP datagram).
    pub fn json(&self) -> Value {
        match self {
            LedCue::Note { pitch, velocity } => {
                json!({"type": "note", "pitch": pitch, "velocity": velocity})
            }
            LedCue::Param { name, value } => json!({"type": "param", "name": name, "value": value}),
            LedCue::Mode { ambient } => json!({"type": "mode", "mode": mode_name(*ambient)}),
            LedCue::Idle { state } => json!({"type": "idle", "state": state}),
            LedCue::Commit { revision } => json!({"type": "commit", "revision": revision}),
            LedCue::Mutation {
                category,
                target,
                step,
            } => json!({"type": "mutation", "category": category, "target": target, "step": step}),
            LedCue::Scale { scale, bar } => json!({"type": "scale", "scale": scale, "bar": bar}),
            LedCue::Playing { state } => json!({"type": "playing", "state": state}),
        }
    }

    /// The OSC message (`/cue/...`).
    pub fn osc(&self) -> OscMessage {
        let args = match self {
            LedCue::Note { pitch, velocity } => {
                vec![OscType::Int(*pitch as i32), OscType::Int(*velocity as i32)]
            }
            LedCue::Param { name, value } => {
                vec![OscType::String(name.clone()), OscType::Float(*value as f32)]
            }
            LedCue::Mode { ambient } => vec![OscType::String(mode_name(*ambient).to_string())],
            LedCue::Idle { state } | LedCue::Playing { state } => {
                vec![OscType::Int(*state as i32)]
            }
            LedCue::Commit { revision } => vec![OscType::Int(*revision as i32)],
            LedCue::Mutation {
                category,
                target,
                step,
            } => vec![
                OscType::String(category.to_string()),
                OscType::Int(*target as i32),
                OscType::Int(*step as i32),
            ],
            LedCue::Scale { scale, bar } => {
                vec![
                    OscType::String(scale.to_string()),
                    OscType::Int(*bar as i32),
                ]
            }
        };
        OscMessage {
            addr: format!("/cue/{}", self.kind()),
            args,
        }
    }

    /// The serial frame (see the module doc for the layout).
    pub fn frame(&self) -> Vec<u8> {
        let (kind, payload): (u8, Vec<u8>) = match self {
            LedCue::Note { pitch, velocity } => (0x01, vec![*pitch, *velocity]),
            LedCue::Param { name, value } => {
                let mut p = (*value as f32).to_le_bytes().to_vec();
                p.extend_from_slice(short(name).as_bytes());
                (0x02, p)
            }
            LedCue::Mode { ambient } => (0x03, vec![*ambient as u8]),
            LedCue::Idle { state } => (0x04, vec![*state as u8]),
            LedCue::Commit { revision } => (0x05, (*revision as u32).to_le_bytes().to_vec()),
            LedCue::Mutation {
                category,
                target,
                step,
            } => {
                let mut p = vec![(*target).min(255) as u8];
                p.extend_from_slice(&((*step).min(u16::MAX as u32) as u16).to_le_bytes());
                p.extend_from_slice(short(category).as_bytes());
                (0x06, p)
            }
            LedCue::Scale { scale, bar } => {
                let mut p = (*bar as u32).to_le_bytes().to_vec();
                p.extend_from_slice(short(scale).as_bytes());
                (0x07, p)
            }
            LedCue::Playing { state } => (0x08, vec![*state as u8]),
        };
        let mut frame = vec![FRAME_START, kind, payload.len() as u8];
        frame.extend_from_slice(&payload);
        let checksum = frame[1..].iter().fold(0u8, |a, b| a ^ b);
        frame.push(checksum);
        frame
    }

    /// The name a param cue coalesces by (latest wins), `None` for cues that never
    /// coalesce.
    pub fn coalesce_key(&self) -> Option<&str> {
        match self {
            LedCue::Param { name, .. } => Some(name),
            _ => None,
        }
    }
}

fn mode_name(ambient: bool) -> &'static str {
    if ambient {
        "ambient"
    } else {
        "active"
    }
}

/// `name` cut to [`FRAME_NAME_MAX`] bytes at a character boundary.
fn short(name: &str) -> &str {
    let mut end = name.len().min(FRAME_NAME_MAX);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_schema_is_kept() {
        let note = LedCue::Note {
            pitch: 64,
            velocity: 100,
        };
        assert_eq!(
            note.json().to_string(),
            r#"{"pitch":64,"type":"note","velocity":100}"#
        );
        assert_eq!(
            note.frame(),
            vec![0xC5, 0x01, 2, 64, 100, 0x01 ^ 2 ^ 64 ^ 100]
        );
        let idle = LedCue::Idle { state: true };
        assert_eq!(idle.json(), json!({"type":"idle","state":true}));
        assert_eq!(idle.osc().addr, "/cue/idle");
        let mode = LedCue::Mode { ambient: true };
        assert_eq!(mode.json(), json!({"type":"mode","mode":"ambient"}));
    }

    #[test]
    fn long_names_are_cut_at_a_character_boundary() {
        let name = "é".repeat(40);
        let frame = LedCue::Param { name, value: 1.0 }.frame();
        assert_eq!(frame[2] as usize, 4 + FRAME_NAME_MAX);
    }
}
