//! Overload shedding through the engine, under assert_no_alloc: the governor (fed a load
//! that is high, then low) moves the shedding level step by step; the engine caps each
//! instrument's polyphony from it, fades the quietest voices out, keeps new notes within
//! the cap, and gives the voices back when the level comes back down. No `process` call
//! allocates, the output never falls silent for a block while notes are held, and the
//! levels move in the documented order (asserted on the sequence of steps, not on time).

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use crate::support::engine::{engine, SR};

use assert_no_alloc::assert_no_alloc;
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::control::{Controller, NoteTarget};
use chronus::engine::shed::{voice_cap, MAX_LEVEL};
use chronus::engine::{Engine, EngineStats};
use chronus::graph::VoicePhase;
use chronus::realtime::overload::{Governor, OverloadLimits};

const VOICES: usize = 16;
const BLOCK: usize = 256;

/// Each held voice plays a constant `velocity` (the VCA's cv is `note.velocity`), so a
/// voice's measured level is its velocity: the quietest voice is the softest note.
fn velocity_patch() -> String {
    format!(
        r#"(voice: (count: {VOICES}, steal: "quietest",
            modules: {{
                "c": (kind: "const", params: {{"value": 0.05}}),
                "e": (kind: "adsr", params: {{"attack": 0.0, "decay": 0.0, "sustain": 1.0, "release": 0.0}}),
                "g": (kind: "vca"),
                "v": (kind: "vca"),
            }},
            connections: [("note.gate", "e.gate"), ("c.out", "g.in"), ("e.out", "g.cv"),
                          ("g.out", "v.in"), ("note.velocity", "v.cv"), ("v.out", "output.left")]),
        connections: [("voices.left", "output.left")])"#
    )
}

/// The running graph's first instrument: (voices sounding or about to — held, releasing,
/// or fading to start a note; not those fading out to nothing —, velocities of the held
/// ones).
fn voices(engine: &Engine) -> (usize, Vec<f32>) {
    let inst = &engine.graph().expect("a graph").instruments[0];
    let busy = inst
        .voices
        .iter()
        .filter(|v| v.state.counts_against_cap())
        .count();
    let mut held: Vec<f32> = inst
        .voices
        .iter()
        .filter(|v| v.state.phase == VoicePhase::Held)
        .map(|v| v.state.velocity)
        .collect();
    held.sort_by(f32::total_cmp);
    (busy, held)
}

struct Rig {
    engine: Engine,
    control: Controller,
    governor: Governor,
    t0: Instant,
    block: u64,
    steps: Vec<(u32, u32)>,
    left: Vec<f32>,
    right: Vec<f32>,
}

impl Rig {
    /// One player tick (the governor sees `load`) and one callback, under the guard; the
    /// cap of the level in force holds after it, and the block is not silent.
    fn tick(&mut self, load: f64) -> u32 {
        let now = self.t0 + Duration::from_micros(self.block * 5_333);
        self.block += 1;
        let shedding = self.control.engine().shedding().clone();
        if let Some(step) = self.governor.observe(now, load, 0, &shedding) {
            eprintln!("{step}");
            self.steps.push((step.from, step.to));
        }
        self.control.collect_garbage();
        let (engine, l, r) = (&mut self.engine, &mut self.left, &mut self.right);
        assert_no_alloc(|| engine.process(l, r));
        let level = shedding.level();
        let (busy, _) = voices(&self.engine);
        assert!(
            busy <= voice_cap(VOICES, level),
            "{busy} voices sound at level {level} (cap {})",
            voice_cap(VOICES, level)
        );
        assert!(
            self.left.iter().any(|x| x.abs() > 1e-4) && self.left.iter().all(|x| x.is_finite()),
            "block {} fell silent (or not finite) with notes held",
            self.block
        );
        level
    }

    fn notes(&mut self, notes: impl IntoIterator<Item = (u8, f32)>) {
        for (note, velocity) in notes {
            self.control
                .note_on(&NoteTarget::Default, note, velocity, None)
                .unwrap();
        }
    }
}

#[test]
fn shedding_caps_polyphony_quietest_first_and_restores_without_allocating() {
    let (engine, control) = engine(&velocity_patch());
    let mut rig = Rig {
        engine,
        control,
        governor: Governor::new(OverloadLimits {
            shed_after: 0.1,
            restore_after: 0.2,
            ..OverloadLimits::default()
        }),
        t0: Instant::now(),
        block: 0,
        steps: Vec::new(),
        left: vec![0.0; BLOCK],
        right: vec![0.0; BLOCK],
    };
    let _ = SR;
    #[cfg(debug_assertions)]
    reset_violation_count();
    // Sixteen notes, velocities 1/16 .. 16/16, all held.
    rig.notes((0..VOICES as u8).map(|k| (60 + k, (k + 1) as f32 / VOICES as f32)));
    for _ in 0..4 {
        rig.tick(0.1);
    }
    assert_eq!(voices(&rig.engine).0, VOICES);

    // Overload until the last level, and a while longer.
    let mut at_max = 0;
    while at_max < 40 {
        if rig.tick(2.0) == MAX_LEVEL {
            at_max += 1;
        }
        assert!(
            rig.block < 2_000,
            "never reached the last level: {:?}",
            rig.steps
        );
    }
    assert_eq!(rig.steps, [(0, 1), (1, 2), (2, 3), (3, 4)]);
    // The four loudest notes are left; the twelve quietest were faded out.
    let (busy, held) = voices(&rig.engine);
    assert_eq!(busy, 4);
    assert_eq!(held, [13.0, 14.0, 15.0, 16.0].map(|v| v / VOICES as f32));
    let shedding = rig.control.engine().shedding().clone();
    assert_eq!(shedding.voices_shed.load(Relaxed), 12);

    // New notes at the cap steal (the instrument steals the quietest) instead of taking
    // one of the twelve free voices.
    rig.notes([(90, 0.9), (91, 0.95)]);
    for _ in 0..10 {
        rig.tick(2.0);
    }
    let (busy, held) = voices(&rig.engine);
    assert_eq!(busy, 4, "{held:?}");
    assert!(held.contains(&0.9) && held.contains(&0.95), "{held:?}");

    // Calm: the levels come back one at a time, and the cap with them.
    while rig.steps.len() < 8 {
        rig.tick(0.1);
        assert!(rig.block < 4_000, "never restored: {:?}", rig.steps);
    }
    assert_eq!(
        rig.steps[4..],
        [(4, 3), (3, 2), (2, 1), (1, 0)],
        "restored level by level"
    );
    assert_eq!(shedding.level(), 0);
    assert_eq!(shedding.sheds.load(Relaxed), 4);
    assert_eq!(shedding.restores.load(Relaxed), 4);
    // Every voice is playable again.
    rig.notes((0..12u8).map(|k| (30 + k, 0.5)));
    for _ in 0..4 {
        rig.tick(0.1);
    }
    assert_eq!(voices(&rig.engine).0, VOICES);
    assert_eq!(
        EngineStats::get(&rig.control.engine().stats().notes_dropped),
        0
    );
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation/free on the audio thread");
}
