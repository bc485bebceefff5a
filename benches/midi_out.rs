//! What playing external synths costs:
//!
//! ```text
//! cargo bench --bench midi_out -- --warm-up-time 1 --measurement-time 2
//! ```
//!
//! - `audio-thread/block-{0,64}-external-events`: one 64-frame [`Engine::process`] of a
//!   patch with one `midi` instrument, with 0 or 64 note events for it taken from the
//!   command ring and sent out through the outbound ring (only the `process` call is
//!   timed; the events are queued and the outbound ring drained outside the measurement).
//!   (64-events − 0-events) / 64 is the audio thread's cost of one external event.
//! - `output-thread/1000-events`: what the outbound thread does for 1000 note and CC
//!   events of one instrument without the host's send: [`Voicing`] (notes and profile
//!   params → MIDI), the port's [`OutputQueue`] (push, throttle, pop in order). Throughput
//!   in events.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chronus::control::{Controller, NoteTarget};
use chronus::engine::{Engine, EngineConfig, OutEvent};
use chronus::midi_out::builtin::builtin;
use chronus::midi_out::queue::OutputQueue;
use chronus::midi_out::stats::PortStats;
use chronus::midi_out::voicing::Voicing;
use chronus_modules::{Registry, MAX_BLOCK};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const PATCH: &str = r#"(instruments: {
    "ext": (count: 16, backend: (kind: "midi", port: "x", channel: 1, profile: "generic_analog")),
})"#;

fn audio_thread(c: &mut Criterion) {
    let (mut engine, handle) = Engine::new(EngineConfig::default());
    let mut control = Controller::new(Registry::builtin(), handle);
    let desc = chronus::patch::load(PATCH, None, &Registry::builtin()).unwrap();
    control.load(desc).unwrap();
    let mut rx = engine.take_outbound().unwrap();
    let (mut l, mut r) = (vec![0.0f32; MAX_BLOCK], vec![0.0f32; MAX_BLOCK]);
    engine.process(&mut l, &mut r);
    let target = NoteTarget::Instrument("ext".into());
    let mut group = c.benchmark_group("audio-thread");
    for events in [0usize, 64] {
        group.bench_function(format!("block-{events}-external-events"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for i in 0..iters {
                    for k in 0..events / 2 {
                        let note = ((i as usize * 7 + k) % 100) as u8;
                        control.note_on(&target, note, 0.8, None).unwrap();
                        control.note_off(&target, note, None).unwrap();
                    }
                    let start = Instant::now();
                    engine.process(black_box(&mut l), black_box(&mut r));
                    total += start.elapsed();
                    while rx.pop().is_ok() {}
                    control.collect_garbage();
                }
                total
            })
        });
    }
    group.finish();
}

fn output_thread(c: &mut Criterion) {
    let profile = builtin("generic_analog").unwrap();
    let cutoff = profile.param("cutoff").unwrap().0 as u16;
    let mut voicing = Voicing::new(1, 8, Some(profile));
    let mut queue = OutputQueue::new(1_000, 480, Arc::new(PortStats::default()));
    let mut scratch = Vec::with_capacity(16);
    let mut time = 0u64;
    let mut group = c.benchmark_group("output-thread");
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("1000-events", |b| {
        b.iter(|| {
            for k in 0..1_000u64 {
                time += 48;
                let event = match k % 4 {
                    0 => OutEvent::NoteOn {
                        note: (k % 100) as u8,
                        velocity: 0.8,
                    },
                    1 => OutEvent::NoteOff {
                        note: ((k - 1) % 100) as u8,
                    },
                    _ => OutEvent::Param {
                        param: cutoff,
                        value: (k % 128) as f32 / 127.0,
                        glide: 0,
                    },
                };
                scratch.clear();
                voicing.event(event, &mut scratch);
                for (delay, msg) in &scratch {
                    queue.push(time + delay, *msg);
                }
                while let Some(m) = queue.pop_due(time) {
                    black_box(m);
                }
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = audio_thread, output_thread
}
criterion_main!(benches);
