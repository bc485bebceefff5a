//! The smallest patch built in code (no RON), played through the engine directly, the
//! way a host with a sound card does.
//!
//! ```text
//! cargo run --example patch_in_code
//! ```
//!
//! It shows the real-time split:
//! - the [`Controller`] is the control side: it validates and compiles the patch and turns
//!   notes and parameter changes into sample-timed events. It may allocate and fail, and
//!   returns an error rather than change anything when it does;
//! - [`Engine::process`] is the audio side: called once per audio callback, it swaps the
//!   compiled patch in, applies each event on its exact sample and renders. It never
//!   allocates, locks or blocks. Here both sides share one thread; a live host moves the
//!   `Engine` into its audio callback and keeps the `Controller`.

use chronus::control::{Controller, NoteTarget};
use chronus::engine::{Engine, EngineConfig};
use chronus::patch::{Connection, InstrumentDesc, ModuleDesc, PatchDesc, PortRef};
use chronus_modules::{ParamValue, Registry};

/// A module of `kind` with some parameters set.
fn module(kind: &str, params: &[(&str, f64)]) -> ModuleDesc {
    let mut m = ModuleDesc::new(kind);
    for &(id, value) in params {
        m.params.insert(id.to_string(), ParamValue::Number(value));
    }
    m
}

/// A connection `"from.port" -> "to.port"`.
fn wire(from: (&str, &str), to: (&str, &str)) -> Connection {
    Connection(PortRef::new(from.0, from.1), PortRef::new(to.0, to.1))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One voice template (saw -> lowpass -> vca under an envelope), played 4 voices deep.
    let mut voice = InstrumentDesc {
        count: 4,
        ..InstrumentDesc::default()
    };
    voice.modules.insert("osc".into(), module("saw", &[]));
    voice
        .modules
        .insert("vcf".into(), module("lowpass", &[("cutoff", 2000.0)]));
    voice
        .modules
        .insert("env".into(), module("adsr", &[("release", 0.3)]));
    voice
        .modules
        .insert("vca".into(), module("vca", &[("gain", 0.3)]));
    voice.connections = vec![
        wire(("note", "freq"), ("osc", "freq")),
        wire(("osc", "out"), ("vcf", "in")),
        wire(("vcf", "out"), ("vca", "in")),
        wire(("note", "gate"), ("env", "gate")),
        wire(("env", "out"), ("vca", "cv")),
        wire(("vca", "out"), ("output", "left")),
        wire(("vca", "out"), ("output", "right")),
    ];
    // The main graph hears the voices only through the implicit `voices` source.
    let desc = PatchDesc {
        name: "patch-in-code".into(),
        voice: Some(voice),
        connections: vec![
            wire(("voices", "left"), ("output", "left")),
            wire(("voices", "right"), ("output", "right")),
        ],
        ..PatchDesc::default()
    };

    // Control side: load the patch, then schedule notes and a filter sweep on exact
    // engine sample times (a C major arpeggio, released together at 1.5 s).
    let config = EngineConfig::default();
    let sr = config.sample_rate as u64;
    let (mut engine, handle) = Engine::new(config);
    let mut control = Controller::new(Registry::builtin(), handle);
    control.load(desc)?;
    for (k, note) in [60, 64, 67, 72].into_iter().enumerate() {
        let start = k as u64 * sr / 4;
        control.note_on(&NoteTarget::Default, note, 0.8, Some(start))?;
        control.note_off(&NoteTarget::Default, note, Some(3 * sr / 2))?;
    }
    control.set_live("vcf", "cutoff", ParamValue::Number(500.0), Some(sr))?;

    // Audio side: what an audio callback does, 256 frames at a time, for 2 s.
    let (mut left, mut right) = ([0.0f32; 256], [0.0f32; 256]);
    let mut peak = 0.0f32;
    for _ in 0..2 * sr / 256 {
        engine.process(&mut left, &mut right);
        peak = left.iter().chain(&right).fold(peak, |p, x| p.max(x.abs()));
    }

    // Control side again: drop the graphs the engine has handed back.
    control.collect_garbage();
    println!(
        "played 4 notes for 2 s through a patch built in code: peak {peak:.3} ({:.1} dBFS)",
        20.0 * peak.log10()
    );
    Ok(())
}
