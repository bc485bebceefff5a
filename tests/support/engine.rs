//! The engine in-process: build an engine and its controller for a RON patch, render
//! blocks from it, and the small voice patches several tests share.

use chronus::control::Controller;
use chronus::engine::{Engine, EngineConfig};
use chronus::patch;
use chronus_modules::{ParamKind, ParamValue, Registry};

/// Sample rate of every test engine.
pub const SR: f32 = 48_000.0;

/// Parses RON patch text (panicking with the error, for tests).
pub fn patch(text: &str) -> patch::PatchDesc {
    patch::load(text, Some("test.ron"), &Registry::builtin()).unwrap_or_else(|e| panic!("{e}"))
}

/// A silent engine and a controller that has loaded `text`.
pub fn engine(text: &str) -> (Engine, Controller) {
    let (engine, handle) = Engine::new(EngineConfig {
        sample_rate: SR,
        ..EngineConfig::default()
    });
    let mut control = Controller::new(Registry::builtin(), handle);
    control.load(patch(text)).unwrap_or_else(|e| panic!("{e}"));
    (engine, control)
}

/// Renders `frames` frames in blocks of `block`, returning (left, right).
pub fn run(engine: &mut Engine, frames: usize, block: usize) -> (Vec<f32>, Vec<f32>) {
    let mut l = vec![0.0; frames];
    let mut r = vec![0.0; frames];
    for start in (0..frames).step_by(block) {
        let end = (start + block).min(frames);
        engine.process(&mut l[start..end], &mut r[start..end]);
    }
    (l, r)
}

/// A sine per voice behind a gate (an envelope with a short release), `count` voices, the
/// oldest stolen: the rendered pitch is the tuning table's.
pub fn sine_voice(count: usize) -> String {
    format!(
        r#"(voice: (count: {count}, steal: "oldest", modules: {{
    "osc": (kind: "sine"),
    "env": (kind: "adsr", params: {{"attack": 0.001, "sustain": 1.0, "release": 0.01}}),
    "vca": (kind: "vca"),
}}, connections: [("note.freq", "osc.freq"), ("note.gate", "env.gate"), ("osc.out", "vca.in"),
    ("env.out", "vca.cv"), ("vca.out", "output.left"), ("vca.out", "output.right")]),
    connections: [("voices.left", "output.left"), ("voices.right", "output.right")])"#
    )
}

/// A voice template whose output is a level: a constant `c.value` (1) times the gain
/// `v.gain` (1) of a VCA gated by an instant envelope, so each held voice plays exactly
/// `value × gain`; `count` voices, the oldest stolen. Live changes of `c.value` and
/// `v.gain` show in the output sample by sample.
pub fn level_patch(count: usize) -> String {
    format!(
        r#"(voice: (count: {count}, steal: "oldest",
            modules: {{
                "c": (kind: "const", params: {{"value": 1.0}}),
                "e": (kind: "adsr", params: {{"attack": 0.0, "decay": 0.0, "sustain": 1.0, "release": 0.0}}),
                "v": (kind: "vca"),
            }},
            connections: [("note.gate", "e.gate"), ("c.out", "v.in"), ("e.out", "v.cv"),
                          ("v.out", "output.left")]),
        connections: [("voices.left", "output.left")])"#
    )
}

/// The value at `at` (0..1) along a param's range, in the form a client sends it (for
/// generated edits).
pub fn value_at(kind: &ParamKind, at: f64) -> ParamValue {
    match kind {
        ParamKind::Float { min, max, .. } => {
            ParamValue::Number(*min as f64 + (*max as f64 - *min as f64) * at)
        }
        ParamKind::Int { min, max } => {
            ParamValue::Number((*min as f64 + (*max as f64 - *min as f64) * at).round())
        }
        ParamKind::Bool => ParamValue::Bool(at >= 0.5),
        ParamKind::Enum { variants } => {
            let i = ((variants.len() as f64 * at) as usize).min(variants.len() - 1);
            ParamValue::Text(variants[i].to_string())
        }
        // No file is generated: an empty name, which the param refuses.
        ParamKind::File { .. } => ParamValue::Text(String::new()),
    }
}
