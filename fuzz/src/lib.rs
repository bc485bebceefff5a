//! What the fuzz targets share: a real [`Controller`] and [`Engine`] built fresh for every
//! input (so every crash replays from its input file alone), the engine's block rendered
//! under `assert_no_alloc` with its output checked, and the "every refusal is one line"
//! check of the loaders.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use assert_no_alloc::{assert_no_alloc, violation_count};
use chronus::config::Config;
use chronus::control::Controller;
use chronus::engine::{Engine, EngineConfig};
use chronus::midi::router::Router;
use chronus::osc::{HostStatus, MidiAccess, PacketHandler, PatchFolder};
use chronus::patch::{self, PatchDesc};
use chronus::realtime::sample_clock::SampleClock;
use chronus_modules::Registry;
use parking_lot::Mutex;

/// Sample rate of every fuzzed engine.
pub const SR: f32 = 48_000.0;
/// Frames of one rendered block.
pub const BLOCK: usize = 64;

/// The patch every engine-driving target starts from: two voice instruments (one on MIDI
/// channel 2), main-graph effects and a sequence, so edits, notes, `/seq/...`, `/mod/...`
/// and the MIDI router's routes all have something to reach.
pub const START_PATCH: &str = r#"(
    name: "fuzz",
    volume: 0.5,
    instruments: {
        "voices": (
            count: 4,
            steal: "oldest",
            modules: {
                "osc": (kind: "saw"),
                "vcf": (kind: "lowpass", params: {"cutoff": 1200.0}),
                "env": (kind: "adsr", params: {"attack": 0.001, "release": 0.05}),
                "vca": (kind: "vca"),
            },
            connections: [
                ("note.freq", "osc.freq"), ("osc.out", "vcf.in"), ("vcf.out", "vca.in"),
                ("note.gate", "env.gate"), ("env.out", "vca.cv"),
                ("vca.out", "output.left"), ("vca.out", "output.right"),
            ],
        ),
        "bass": (
            count: 2,
            channel: 2,
            modules: {
                "bass_osc": (kind: "square"),
                "bass_env": (kind: "adsr"),
                "bass_vca": (kind: "vca"),
            },
            connections: [
                ("note.freq", "bass_osc.freq"), ("note.gate", "bass_env.gate"),
                ("bass_osc.out", "bass_vca.in"), ("bass_env.out", "bass_vca.cv"),
                ("bass_vca.out", "output.left"),
            ],
        ),
    },
    modules: {
        "echo": (kind: "delay", params: {"time": 0.1, "feedback": 0.3, "mix": 0.2}),
        "tone": (kind: "sine", params: {"freq": 220.0}),
        "mix": (kind: "vca", params: {"gain": 0.1}),
    },
    connections: [
        ("voices.left", "echo.in"),
        ("echo.out", "output.left"),
        ("voices.right", "output.right"),
        ("bass.left", "output.left"),
        ("tone.out", "mix.in"),
        ("mix.out", "output.right"),
    ],
    sequence: (
        bpm: 120,
        scale: "dorian",
        root: 62,
        tracks: {
            "melody": (instrument: "voices", pattern: "0 2 4 . 7 4 2 ."),
            "low": (instrument: "bass", octave: -2, euclid: (k: 3, n: 8, rotation: 0)),
        },
    ),
)"#;

/// The builtin registry (built once).
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::builtin)
}

/// [`START_PATCH`], parsed and validated once.
pub fn start_patch() -> &'static PatchDesc {
    static DESC: OnceLock<PatchDesc> = OnceLock::new();
    DESC.get_or_init(|| {
        patch::load(START_PATCH, Some("fuzz.ron"), registry()).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// An engine, its controller (which has loaded [`START_PATCH`]) and a MIDI router over it.
pub struct Rig {
    /// The audio side, rendered here (no audio host).
    pub engine: Engine,
    /// The control side, shared with the router.
    pub control: Arc<Mutex<Controller>>,
    /// The MIDI router (default config unless given).
    pub router: Arc<Mutex<Router>>,
    left: Vec<f32>,
    right: Vec<f32>,
}

impl Rig {
    /// A fresh rig with the default config.
    pub fn new() -> Rig {
        Rig::with_config(Config::default())
    }

    /// A fresh rig routing MIDI per `config`.
    pub fn with_config(config: Config) -> Rig {
        let (engine, handle) = Engine::new(EngineConfig {
            sample_rate: SR,
            ..EngineConfig::default()
        });
        let mut control = Controller::new(registry().clone(), handle);
        control
            .load(start_patch().clone())
            .unwrap_or_else(|e| panic!("{e}"));
        let control = Arc::new(Mutex::new(control));
        let router = Arc::new(Mutex::new(Router::new(config, control.clone())));
        let mut rig = Rig {
            engine,
            control,
            router,
            left: vec![0.0; BLOCK],
            right: vec![0.0; BLOCK],
        };
        rig.process();
        rig
    }

    /// Renders one block under `assert_no_alloc` and collects the garbage the engine handed
    /// back. Panics (a finding) when the audio side allocated or the output is not finite
    /// and bounded.
    pub fn process(&mut self) {
        let before = violation_count();
        let (engine, left, right) = (&mut self.engine, &mut self.left, &mut self.right);
        assert_no_alloc(|| engine.process(left, right));
        assert_eq!(
            violation_count(),
            before,
            "the engine allocated on the audio side"
        );
        for x in self.left.iter().chain(&self.right) {
            assert!(x.is_finite() && x.abs() <= 64.0, "engine output {x}");
        }
        self.control.lock().collect_garbage();
    }
}

impl Default for Rig {
    fn default() -> Self {
        Rig::new()
    }
}

/// A patch folder for `/patch/load` and `/patch/save`: the shipped patches, in a folder
/// made read-only so that fuzzed `/patch/save`s are refused and every input replays alike.
pub fn patch_folder() -> &'static PathBuf {
    static FOLDER: OnceLock<PathBuf> = OnceLock::new();
    FOLDER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("chronus-fuzz-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../patches");
        if let Ok(entries) = std::fs::read_dir(&shipped) {
            for e in entries.flatten() {
                let path = e.path();
                if path.extension().is_some_and(|x| x == "ron") {
                    let _ = std::fs::copy(&path, dir.join(e.file_name()));
                }
            }
        }
        let _ = std::fs::write(dir.join("fuzz.ron"), START_PATCH);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555));
        }
        dir
    })
}

/// Panics unless every line of `errors` (a loader's refusal) starts with `file:` and is
/// not empty: one refusal, one line, placed in its file.
pub fn assert_one_line_errors(errors: &str, file: &str) {
    assert!(!errors.is_empty(), "an empty refusal");
    for line in errors.lines() {
        assert!(
            line.starts_with(&format!("{file}:")) && line.len() > file.len() + 1,
            "a refusal line not placed in its file: {line:?} (all: {errors:?})"
        );
    }
}

/// A fixed wall time for the engine's anchor, so OSC time tags replay alike: 2026-01-01.
pub const ANCHOR_UNIX_SECS: u64 = 1_767_225_600;

/// The OSC server's message handling over a fresh [`Rig`] (its clock anchored at
/// [`ANCHOR_UNIX_SECS`], `/midi/...` through its router, [`patch_folder`] as the patch
/// folder), as `chronus play` builds it, and the rig, shared with the handler's tap: the
/// engine renders a checked block ([`Rig::process`]) before every message is handled.
pub fn osc_handler() -> (PacketHandler, Arc<Mutex<Rig>>) {
    let rig = Rig::new();
    let stats = rig.engine.stats().clone();
    let anchor = UNIX_EPOCH + Duration::from_secs(ANCHOR_UNIX_SECS);
    SampleClock::publish(&stats, rig.engine.sample_time(), anchor, SR);
    let midi = MidiAccess {
        router: rig.router.clone(),
        ports: None,
    };
    let control = rig.control.clone();
    let rig = Arc::new(Mutex::new(rig));
    let mut handler = PacketHandler::new(
        control,
        Arc::new(HostStatus::default),
        Some(midi),
        PatchFolder::new(patch_folder().clone()),
    );
    let tapped = rig.clone();
    handler.set_tap(Arc::new(move |_| tapped.lock().process()));
    (handler, rig)
}

/// Panics unless `text` (a refusal shown to a user) is one line and not empty.
pub fn assert_one_line(text: &str) {
    assert!(
        !text.is_empty() && !text.contains(['\n', '\r']),
        "a refusal that is empty or of several lines: {text:?}"
    );
}
