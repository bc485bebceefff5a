//! The conductor alone, driven sample-exactly like the engine drives it.

use rtrb::{Consumer, RingBuffer};

use super::*;
use crate::address::{ParamSlot, ParamTarget, ProgramRef};
use crate::patch::{IdleConfig, MutationConfig};
use crate::seq::idle::IdleTimes;

const SR: f32 = 48_000.0;
const KEY: InstrumentKey = InstrumentKey(1);

fn track(pattern: &str, probability: f32) -> Track {
    let steps: Vec<Step> = pattern
        .split_whitespace()
        .map(|t| match t {
            "." => Step::default(),
            d => Step::note(d.parse().unwrap(), 0.8, 0.5, probability),
        })
        .collect();
    let mut p = Pattern::new(steps.len(), 1);
    p.steps[..steps.len()].copy_from_slice(&steps);
    Track {
        instrument: KEY,
        pattern: p,
        euclid_degrees: [0; 8],
        euclid_degree_count: 1,
        octave: 0,
        range: 2,
        ticks_per_step: 6,
        steps_played: 0,
    }
}

struct Rig {
    c: Conductor,
    status: SeqStatus,
    tx: Producer<Cue>,
    rx: Consumer<Cue>,
    now: u64,
}

fn rig(tracks: Vec<Track>, params: Vec<ParamLane>, f: impl FnOnce(&mut ConductorParts)) -> Rig {
    let mut parts = ConductorParts {
        revision: 1,
        source_hash: 0,
        sample_rate: SR,
        tracks,
        params,
        palette: vec![ScaleKind::Major, ScaleKind::Minor],
        quantize: Quantize::Bar,
        ambient: Ambient {
            density: 0.5,
            tempo_scale: 0.75,
            scale: ScaleKind::Pentatonic,
        },
        settings: Settings {
            bpm: 120.0,
            swing: 0.0,
            density: 1.0,
            scale: ScaleKind::Major,
            root: 60,
            palette: 0.0,
        },
        drift: 0.0,
        idle: IdleTimes::from_seconds(
            SR,
            &IdleConfig {
                timeout: 0.0,
                ..IdleConfig::default()
            },
        ),
        mutation: MutationConfig {
            max_changes_per_cycle: 0,
            ..MutationConfig::default()
        },
        seed: 7,
    };
    f(&mut parts);
    let (tx, rx) = RingBuffer::new(1024);
    Rig {
        c: Conductor::new(parts),
        status: SeqStatus::default(),
        tx,
        rx,
        now: 0,
    }
}

impl Rig {
    /// Runs until `end`, returning every event with its sample.
    fn until(&mut self, end: u64) -> Vec<(u64, SeqEvent)> {
        let mut out = Vec::new();
        while self.now < end {
            let t = self.c.next_time().max(self.now);
            if t >= end {
                break;
            }
            self.now = t;
            self.c.run(t, &self.status, &mut self.tx);
            while let Some(e) = self.c.pop_event() {
                out.push((t, e));
            }
            self.now = t + 1;
        }
        self.now = end;
        out
    }

    fn command(&mut self, cmd: SeqCommand) {
        self.c.command(cmd, self.now, &self.status, &mut self.tx);
    }

    fn cues(&mut self) -> Vec<Cue> {
        std::iter::from_fn(|| self.rx.pop().ok()).collect()
    }
}

fn note_ons(events: &[(u64, SeqEvent)]) -> Vec<(u64, u8)> {
    events
        .iter()
        .filter_map(|(t, e)| match e {
            SeqEvent::NoteOn { note, .. } => Some((*t, *note)),
            _ => None,
        })
        .collect()
}

#[test]
fn steps_land_on_computed_samples_with_swing_and_gates() {
    // 120 BPM at 48 kHz: a tick is 1000 samples, a 1/16 step 6000; swing 0.25 = 1500.
    let mut r = rig(vec![track("0 2 4 7", 1.0)], vec![], |p| {
        p.settings.swing = 0.25
    });
    let events = r.until(600 * 48_000);
    let ons = note_ons(&events);
    assert_eq!(ons.len(), 600 * 8, "8 steps a second for 10 minutes");
    for (s, (t, note)) in ons.iter().enumerate() {
        let want = 6_000 * s as u64 + if s % 2 == 1 { 1_500 } else { 0 };
        assert_eq!(*t, want, "step {s}");
        assert_eq!(*note, [60, 64, 67, 72][s % 4]);
    }
    for (t, e) in &events {
        if let SeqEvent::NoteOff { .. } = e {
            let s = t / 6_000;
            assert_eq!(
                t - 3_000,
                6_000 * s + if s % 2 == 1 { 1_500 } else { 0 },
                "gate 0.5"
            );
        }
    }
}

#[test]
fn a_scale_change_lands_on_the_first_note_of_the_next_bar() {
    // Degree 2 is E (64) in major, Eb (63) in minor. A bar is 96 000 samples.
    let mut r = rig(vec![track("2", 1.0)], vec![], |_| {});
    let before = r.until(30_500);
    r.command(SeqCommand::Scale(ScaleKind::Minor));
    let after = r.until(200_000);
    let ons: Vec<(u64, u8)> = note_ons(&before)
        .into_iter()
        .chain(note_ons(&after))
        .collect();
    let first_minor = ons.iter().find(|(_, n)| *n == 63).unwrap();
    assert_eq!(first_minor.0, 96_000, "first note of bar 1");
    assert!(ons
        .iter()
        .filter(|(t, _)| *t < 96_000)
        .all(|(_, n)| *n == 64));
    assert!(ons
        .iter()
        .filter(|(t, _)| *t >= 96_000)
        .all(|(_, n)| *n == 63));
    assert!(r.cues().contains(&Cue::Scale {
        scale: ScaleKind::Minor,
        bar: 1
    }));
}

#[test]
fn beat_and_immediate_quantization() {
    for (q, at) in [(Quantize::Beat, 48_000u64), (Quantize::Immediate, 31_000)] {
        let mut r = rig(vec![track("2", 1.0)], vec![], |p| p.quantize = q);
        r.until(30_500);
        r.command(SeqCommand::Scale(ScaleKind::Minor));
        let ons = note_ons(&r.until(200_000));
        let first = ons.iter().find(|(_, n)| *n == 63).unwrap().0;
        // The change lands on the boundary tick; the first note is the first step on or
        // after it (steps are 6000 apart).
        assert_eq!(first, at.div_ceil(6_000) * 6_000, "{q:?}");
    }
}

#[test]
fn probability_plays_within_binomial_bounds() {
    let mut r = rig(
        vec![track("0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", 0.3)],
        vec![],
        |_| {},
    );
    let n = 16_000u64; // 1000 bars of 16 steps
    let ons = note_ons(&r.until(n * 6_000)).len() as f64;
    let (mean, sd) = (n as f64 * 0.3, (n as f64 * 0.3 * 0.7).sqrt());
    assert!(
        (ons - mean).abs() < 4.5 * sd,
        "{ons} notes, expected {mean} ± {}",
        4.5 * sd
    );
}

#[test]
fn density_keeps_the_same_steps_every_bar_and_restores_them() {
    let mut r = rig(
        vec![track("0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", 1.0)],
        vec![],
        |_| {},
    );
    let bar = |r: &mut Rig| -> Vec<u64> {
        let start = r.now;
        note_ons(&r.until(start + 96_000))
            .iter()
            .map(|(t, _)| (t - start) / 6_000)
            .collect()
    };
    let full = bar(&mut r);
    assert_eq!(full.len(), 16);
    r.command(SeqCommand::Density(0.5));
    let half = bar(&mut r);
    assert_eq!(half.len(), 8);
    assert_eq!(bar(&mut r), half, "stable from bar to bar");
    r.command(SeqCommand::Density(0.25));
    let quarter = bar(&mut r);
    assert!(quarter.iter().all(|s| half.contains(s)));
    r.command(SeqCommand::Density(0.5));
    assert_eq!(bar(&mut r), half, "raising it back restores the same notes");
}

#[test]
fn loop_lock_repeats_the_probabilistic_phrase() {
    let mut r = rig(vec![track("0 1 2 3 4 5 6 7", 0.5)], vec![], |_| {});
    r.until(96_000);
    r.command(SeqCommand::LoopLock(8));
    let start = r.now;
    let ons = note_ons(&r.until(start + 10 * 48_000));
    let phrase = |k: u64| -> Vec<(u64, u8)> {
        let from = start + k * 48_000;
        ons.iter()
            .filter(|(t, _)| (from..from + 48_000).contains(t))
            .map(|(t, n)| (t - from, *n))
            .collect()
    };
    assert!(!phrase(0).is_empty());
    for k in 1..10 {
        assert_eq!(phrase(k), phrase(0), "second {k}");
    }
    // Unlocked, the rolls are new again.
    r.command(SeqCommand::LoopLock(0));
    let s2 = r.now;
    let later = note_ons(&r.until(s2 + 10 * 48_000));
    let differs = (0..10).any(|k| {
        let from = s2 + k * 48_000;
        let p: Vec<(u64, u8)> = later
            .iter()
            .filter(|(t, _)| (from..from + 48_000).contains(t))
            .map(|(t, n)| (t - from, *n))
            .collect();
        p != phrase(0)
    });
    assert!(differs);
}

fn lane(value: f32, ambient: Option<f32>, mutable: bool) -> ParamLane {
    ParamLane {
        target: LiveTarget::Graph(ParamTarget {
            program: ProgramRef::Main,
            slot: ParamSlot::OutputVolume,
        }),
        active: Bounded {
            value,
            min: 0.0,
            max: 1.0,
        },
        ambient,
        mutable,
        sent: value,
    }
}

fn params(events: &[(u64, SeqEvent)]) -> Vec<(u64, f32)> {
    events
        .iter()
        .filter_map(|(t, e)| match e {
            SeqEvent::SetParam { value, .. } => Some((*t, *value)),
            _ => None,
        })
        .collect()
}

#[test]
fn idle_timeline_fades_the_ambient_profile_in_and_out() {
    let mut r = rig(
        vec![track("0", 1.0)],
        vec![lane(0.2, Some(0.6), false)],
        |p| {
            p.idle = IdleTimes::from_seconds(SR, &IdleConfig::default());
        },
    );
    let s = |secs: f64| (secs * 48_000.0) as u64;
    assert!(
        params(&r.until(s(30.0))).is_empty(),
        "nothing moves before 30 s"
    );
    let fade_in = params(&r.until(s(40.0)));
    assert_eq!(
        fade_in.first().unwrap().0,
        s(30.0) + 480,
        "first glide step 10 ms in"
    );
    let at = |v: &[(u64, f32)], t: u64| v.iter().rev().find(|(x, _)| *x <= t).unwrap().1;
    assert!(
        (at(&fade_in, s(32.0)) - 0.4).abs() < 0.01,
        "halfway at 32 s"
    );
    assert_eq!(at(&fade_in, s(34.0)), 0.6, "ambient at 34 s");
    assert_eq!(fade_in.last().unwrap().0, s(34.0), "and then still");
    assert!(r.cues().contains(&Cue::Idle(Mode::Ambient)));
    // The ambient density (0.5) and tempo (0.75 of 120 BPM) have taken over.
    assert_eq!(r.status.snapshot().density, 0.5);
    assert_eq!(r.status.snapshot().bpm, 90.0);
    assert!(r.status.snapshot().ambient);
    // A stray message does not wake it; a note does, fading back in 0.8 s.
    r.c.interaction(s(45.0), false, &r.status, &mut r.tx);
    assert!(params(&r.until(s(50.0))).is_empty(), "hysteresis");
    r.c.interaction(s(50.0), true, &r.status, &mut r.tx);
    let fade_out = params(&r.until(s(52.0)));
    assert!((at(&fade_out, s(50.4)) - 0.4).abs() < 0.01);
    assert_eq!(at(&fade_out, s(50.8)), 0.2);
    assert!(fade_out.last().unwrap().0 <= s(50.8) + 480);
    assert!(r.cues().contains(&Cue::Idle(Mode::Active)));
}

#[test]
fn mutation_cycles_respect_interval_count_bounds_and_chaos_lock() {
    let mut r = rig(
        vec![track("0 1 2 3", 0.8)],
        vec![lane(0.5, None, true)],
        |p| {
            p.mutation = MutationConfig::default();
        },
    );
    let hour = 3_600 * 48_000u64;
    let events = r.until(hour);
    let cues = r.cues();
    let changes: Vec<Change> = cues
        .iter()
        .filter_map(|c| match c {
            Cue::Mutation(m) => Some(*m),
            _ => None,
        })
        .collect();
    // 15 .. 30 cycles in an hour, each 1 or 2 changes.
    assert!(
        (15..=60).contains(&changes.len()),
        "{} changes",
        changes.len()
    );
    let param_moves = params(&events);
    for (_, v) in &param_moves {
        assert!((0.0..=1.0).contains(v));
    }
    r.command(SeqCommand::ChaosLock(true));
    r.until(2 * hour);
    assert!(
        r.cues().iter().all(|c| !matches!(c, Cue::Mutation(_))),
        "frozen"
    );
}

#[test]
fn stop_releases_notes_and_start_restarts_the_bar() {
    let mut r = rig(vec![track("0", 1.0)], vec![], |p| {
        p.tracks[0].pattern.steps[0].gate = 4.0
    });
    r.until(10_000);
    r.command(SeqCommand::Stop);
    let events = r.until(10_001);
    assert!(
        matches!(events.as_slice(), [(10_000, SeqEvent::NoteOff { .. })]),
        "{events:?}"
    );
    assert!(r.until(200_000).is_empty(), "silent while stopped");
    r.command(SeqCommand::Start);
    let ons = note_ons(&r.until(220_000));
    assert_eq!(ons.first().unwrap().0, 200_000);
    assert_eq!(r.cues(), vec![Cue::Playing(false), Cue::Playing(true)]);
}

#[test]
fn drift_keeps_the_tempo_within_its_depth_and_follows_the_seed() {
    let run = |seed: u64| {
        let mut r = rig(vec![track("0 1 2 3", 1.0)], vec![], |p| {
            p.drift = 0.05;
            p.seed = seed;
        });
        let mut tempos = Vec::new();
        let mut ons = Vec::new();
        for s in 1..=600u64 {
            ons.extend(note_ons(&r.until(s * 48_000)));
            tempos.push(r.status.snapshot().bpm);
        }
        (tempos, ons)
    };
    let (tempos, ons) = run(7);
    let (lo, hi) = tempos
        .iter()
        .fold((f32::MAX, 0.0f32), |(l, h), &t| (l.min(t), h.max(t)));
    assert!(lo >= 114.0 - 0.01 && hi <= 126.0 + 0.01, "{lo} .. {hi} BPM");
    assert!(hi - lo > 3.0, "it does drift: {lo} .. {hi}");
    assert_eq!(run(7).1, ons, "same seed, same notes");
    assert_ne!(run(8).1, ons, "another seed, another drift");
}

#[test]
fn due_events_beyond_one_runs_output_wait_for_the_next_sample_and_are_never_dropped() {
    // More note-offs due at one sample than one run hands out (a stop with every voice of
    // a big patch sounding): the rest go out one sample later, none is lost.
    let mut r = rig(vec![track(".", 1.0)], vec![], |_| {});
    let n = MAX_OUT + 40;
    for i in 0..n {
        let off = SeqEvent::NoteOff {
            instrument: KEY,
            note: (i % 128) as u8,
        };
        assert!(r.c.schedule(10, off, &r.status));
    }
    let events = r.until(1_000);
    let offs: Vec<u64> = events
        .iter()
        .filter(|(_, e)| matches!(e, SeqEvent::NoteOff { .. }))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(offs.len(), n, "every note-off goes out");
    assert_eq!(offs.iter().filter(|&&t| t == 10).count(), MAX_OUT);
    assert_eq!(offs.iter().filter(|&&t| t == 11).count(), 40);
    assert_eq!(r.status.notes_dropped.load(Relaxed), 0);
}

#[test]
fn a_new_piece_taking_over_keeps_the_idle_state_but_uses_its_own_idle_timings() {
    let with_timeout = |secs: f32| {
        move |p: &mut ConductorParts| {
            p.idle = IdleTimes::from_seconds(
                SR,
                &IdleConfig {
                    timeout: secs,
                    ..IdleConfig::default()
                },
            );
            p.source_hash = secs as u64;
        }
    };
    let mut old = rig(vec![track("0", 1.0)], vec![], with_timeout(30.0));
    old.until(48_000);
    let mut new = rig(vec![track("0", 1.0)], vec![], with_timeout(5.0));
    new.c.take_over(&mut old.c, 48_000);
    assert_eq!(new.c.idle.times().timeout, 5 * 48_000);
    // Nothing happened since the old piece started: 5 s after its start, the new piece's
    // timeout has passed.
    new.now = 48_000;
    new.until(48_000 * 5 + 48_000 / 2);
    assert!(
        new.c.idle_level(48_000 * 5 + 48_000 / 2) > 0.0,
        "ambient fading in"
    );
}

#[test]
fn stop_releases_sounding_notes_only() {
    let mut r = rig(vec![track(".", 1.0)], vec![], |_| {});
    let on = |note| SeqEvent::NoteOn {
        instrument: KEY,
        note,
        velocity: 0.8,
    };
    let off = |note| SeqEvent::NoteOff {
        instrument: KEY,
        note,
    };
    // 60 starts at 100 (not yet), 61 sounds until 150, 62 sounds until a new 62 at 100.
    for (t, e) in [
        (100, on(60)),
        (200, off(60)),
        (150, off(61)),
        (100, off(62)),
        (100, on(62)),
        (300, off(62)),
    ] {
        assert!(r.c.schedule(t, e, &r.status));
    }
    r.now = 50;
    r.command(SeqCommand::Stop);
    let offs: Vec<(u64, u8)> = r
        .until(1_000)
        .into_iter()
        .filter_map(|(t, e)| match e {
            SeqEvent::NoteOff { note, .. } => Some((t, note)),
            SeqEvent::NoteOn { note, .. } => panic!("note-on {note} after stop"),
            _ => None,
        })
        .collect();
    assert_eq!(
        offs,
        [(50, 61), (50, 62)],
        "no release for 60, which never started"
    );
}

#[test]
fn held_mutation_skips_its_cycles_counts_them_and_resumes() {
    let mut r = rig(
        vec![track("0 1 2 3", 0.8)],
        vec![lane(0.5, None, true)],
        |p| {
            p.mutation = MutationConfig::default();
        },
    );
    let hour = 3_600 * 48_000u64;
    // Overload shedding holds mutation: an hour of cycles change nothing, each counted.
    r.c.hold_mutation(true);
    r.until(hour);
    assert!(
        r.cues().iter().all(|c| !matches!(c, Cue::Mutation(_))),
        "held"
    );
    let held = r
        .status
        .mutations_held
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!((15..=30).contains(&held), "{held} cycles held in an hour");
    // Released: the cycles change things again.
    r.c.hold_mutation(false);
    r.until(2 * hour);
    assert!(r.cues().iter().any(|c| matches!(c, Cue::Mutation(_))));
}
