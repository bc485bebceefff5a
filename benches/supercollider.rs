//! What the scsynth score costs to write (`render --engine supercollider`):
//!
//! ```text
//! cargo bench --bench supercollider -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! - `score/10000-notes`: [`nrt_score`] of `patches/poly-subtractive.ron` (one 8-voice
//!   instrument, its defs compiled once outside the measurement) with 10 000 notes, each
//!   a `/s_new` and a release (`/n_set`), some of them steals: every command encoded as OSC
//!   (rosc) and framed in its time-tagged bundle. Throughput in events (20 000: ons and
//!   offs), so criterion's `elem/s` is the events per second the score writer sustains.
//! - `voices/10000-notes`: [`Voices`], the slot allocation (`count`, `steal`) the score's
//!   node commands come from, for the same notes.
//! - `sequence/generative-pulse-60s`: [`render_events`], the sequencer run alone for 60 s
//!   of `patches/generative-pulse.ron` (its notes and param moves). Throughput in the
//!   events it plays.

use std::hint::black_box;
use std::path::Path;

use chronus::config::Config;
use chronus::supercollider::play::{render_events, PlayJob};
use chronus::supercollider::score::{nrt_score, Score, ScoreInstrument};
use chronus::supercollider::voices::{NodeCommand, Voices};
use chronus::supercollider::{patch_defs, PatchDefs};
use chronus_modules::Registry;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const NOTES: usize = 10_000;
const SR: u32 = 48_000;

/// `NOTES` notes of 80 ms every 50 ms, cycling over two octaves: up to two overlap, and
/// the 8 voices are reused (and, every so often, stolen).
fn allocate() -> Vec<NodeCommand> {
    let mut v = Voices::new(8, chronus::patch::Steal::Oldest, SR);
    for i in 0..NOTES as u64 {
        let t = i * 2400;
        v.note_on(48 + (i % 24) as u8, 0.8, t);
        v.note_off(48 + (i % 24) as u8, t + 3840);
    }
    v.into_commands()
}

fn score(c: &mut Criterion) {
    let registry = Registry::builtin();
    let desc =
        chronus::patch::load_file(Path::new("patches/poly-subtractive.ron"), &registry).unwrap();
    let defs: PatchDefs = patch_defs(&desc, &registry, None, None, "poly").unwrap();
    let ids = ["voices"];
    let commands = allocate();
    let tuning = chronus::graph::NoteTable::default();
    let frames = NOTES as u64 * 2400 + SR as u64;
    let mut group = c.benchmark_group("score");
    group.throughput(Throughput::Elements(2 * NOTES as u64));
    group.bench_function(format!("{NOTES}-notes"), |b| {
        b.iter(|| {
            let score = Score {
                defs: &defs,
                ids: &ids,
                instruments: vec![ScoreInstrument {
                    slots: 8,
                    commands: commands.clone(),
                }],
                params: Vec::new(),
                tuning: &tuning,
                seed: 0,
                sample_rate: SR,
                frames,
            };
            black_box(nrt_score(&score).unwrap())
        })
    });
    group.finish();
    let mut group = c.benchmark_group("voices");
    group.throughput(Throughput::Elements(2 * NOTES as u64));
    group.bench_function(format!("{NOTES}-notes"), |b| {
        b.iter(|| black_box(allocate()))
    });
    group.finish();
}

fn sequence(c: &mut Criterion) {
    let registry = Registry::builtin();
    let desc =
        chronus::patch::load_file(Path::new("patches/generative-pulse.ron"), &registry).unwrap();
    let config = Config::default();
    let job = PlayJob {
        notes: &[],
        seed: 0,
        config: &config,
        sample_rate: SR,
        frames: 60 * SR as u64,
    };
    let events = render_events(&desc, &registry, &job).unwrap().len();
    let mut group = c.benchmark_group("sequence");
    group.throughput(Throughput::Elements(events as u64));
    group.bench_function("generative-pulse-60s", |b| {
        b.iter(|| black_box(render_events(&desc, &registry, &job).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, score, sequence);
criterion_main!(benches);
