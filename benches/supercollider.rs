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
//! - `sender/10000-notes`: the live note path's sender: the real [`ScSink`] (the
//!   outbound thread's sink of `supercollider` instruments) given 10 000 notes of the
//!   instrument of `benches/sc-note-path.ron` (poly-subtractive's voice, 8 voices) as
//!   engine [`OutboundEvent`]s, ons and offs, as the outbound thread hands them over: for
//!   each, the voice allocation, the `/s_new` or `/n_set gate 0` in a bundle time-tagged
//!   at its sample plus the latency (through the host's [`SampleClock`]), encoded (rosc)
//!   and sent with one `send_to` on a real UDP socket to 127.0.0.1, plus the sink's `tick`
//!   every 256 events (the replies read, the heartbeat). The receiving end is a real UDP
//!   socket drained by a thread ([`StandIn`]: it answers `/status` and `/d_recv` as
//!   scsynth does, so the sink's server comes up, and counts the bundles); no scsynth.
//!   Throughput in events (20 000), so `elem/s` is the events per second the sender
//!   sustains. The bundles the stand-in received of those sent are printed after the run
//!   (a loopback datagram the receiver's buffer has no room for is dropped, not waited
//!   for). Against a real scsynth, `examples/sc_note_rate.rs`.
//! - `udp/20000-sends`: the sender's syscall alone: 20 000 `send_to`s of a datagram as
//!   long as the largest bundle the stand-in received, from a UDP socket on 127.0.0.1 to the
//!   same stand-in. `sender` − `udp` is what the sink itself costs.

use std::hint::black_box;
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use chronus::address::InstrumentKey;
use chronus::backend::OutboundSink;
use chronus::config::Config;
use chronus::engine::{EngineStats, OutEvent, OutboundEvent};
use chronus::realtime::sample_clock::SampleClock;
use chronus::sc_live::server::ServerSettings;
use chronus::sc_live::{ScSink, ScStatus};
use chronus::supercollider::live_plan::live_plan;
use chronus::supercollider::play::{render_events, PlayJob};
use chronus::supercollider::score::{nrt_score, Score, ScoreInstrument};
use chronus::supercollider::voices::{NodeCommand, Voices};
use chronus::supercollider::{patch_defs, PatchDefs};
use chronus_modules::Registry;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rosc::{OscMessage, OscPacket, OscType};

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

/// The instrument of the live sender's bench (and of `examples/sc_note_rate.rs`).
const NOTE_PATH_PATCH: &str = "benches/sc-note-path.ron";

/// What scsynth does for the sender below its socket: a UDP socket on 127.0.0.1 drained by
/// a thread that answers `/status` with `/status.reply` and each `/d_recv` with `/done`
/// (so the sink's server comes up) and counts the bundles it receives.
struct StandIn {
    address: SocketAddr,
    bundles: Arc<AtomicU64>,
    /// The largest bundle received, in bytes.
    largest: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StandIn {
    fn start() -> StandIn {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let address = socket.local_addr().unwrap();
        let (bundles, stop) = (
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let largest = Arc::new(AtomicUsize::new(0));
        let (count, longest, stopped) = (bundles.clone(), largest.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 65_536];
            let reply = |addr: &str, args: Vec<OscType>, to: SocketAddr| {
                let packet = OscPacket::Message(OscMessage {
                    addr: addr.into(),
                    args,
                });
                socket
                    .send_to(&rosc::encoder::encode(&packet).unwrap(), to)
                    .unwrap();
            };
            while !stopped.load(Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                if buf.starts_with(b"#bundle") {
                    count.fetch_add(1, Relaxed);
                    longest.fetch_max(n, Relaxed);
                    continue;
                }
                match rosc::decoder::decode_udp(&buf[..n]) {
                    Ok((_, OscPacket::Message(m))) if m.addr == "/status" => {
                        reply("/status.reply", vec![OscType::Int(1)], from)
                    }
                    Ok((_, OscPacket::Message(m))) if m.addr == "/d_recv" => {
                        reply("/done", vec![OscType::String("/d_recv".into())], from)
                    }
                    _ => {}
                }
            }
        });
        StandIn {
            address,
            bundles,
            largest,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop.store(true, Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

/// `NOTES` notes of instrument `key` as the engine hands them to the outbound thread: one
/// every 50 ms (2400 samples), each released 80 ms after it starts (so up to two are
/// held), cycling over two octaves.
fn note_events(key: InstrumentKey) -> Vec<OutboundEvent> {
    let note = |i: u64| 48 + (i % 24) as u8;
    let mut events = Vec::with_capacity(2 * NOTES);
    for i in 0..NOTES as u64 {
        let t = i * 2400;
        let event = |time, event| OutboundEvent {
            time,
            instrument: key,
            event,
        };
        events.push(event(
            t,
            OutEvent::NoteOn {
                note: note(i),
                velocity: 0.8,
            },
        ));
        if i > 0 {
            events.push(event(t + 1440, OutEvent::NoteOff { note: note(i - 1) }));
        }
    }
    let last = NOTES as u64 - 1;
    events.push(OutboundEvent {
        time: last * 2400 + 3840,
        instrument: key,
        event: OutEvent::NoteOff { note: note(last) },
    });
    events
}

fn sender(c: &mut Criterion) {
    let registry = Registry::builtin();
    let text = std::fs::read_to_string(NOTE_PATH_PATCH).unwrap();
    let desc = chronus::patch::load(&text, None, &registry).unwrap();
    let instruments = live_plan(&desc, &registry, None, "bench", None)
        .unwrap()
        .instruments;
    let key = InstrumentKey::of(&instruments[0].id);
    let stand_in = StandIn::start();
    let status = Arc::new(ScStatus::default());
    let stats = Arc::new(EngineStats::default());
    SampleClock::publish(&stats, 0, SystemTime::now(), SR as f32);
    let settings = ServerSettings {
        address: stand_in.address,
        launch: None,
        loads: Vec::new(),
        setup: Vec::new(),
        max_failures: 5,
        calibrate: false,
    };
    let clock = SampleClock::new(stats, SR as f32);
    let mut sink = ScSink::new(
        instruments,
        settings,
        clock,
        50_000_000,
        440.0,
        status.clone(),
        None,
    )
    .unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    while !status.up.load(Relaxed) {
        assert!(Instant::now() < until, "the stand-in never answered");
        sink.tick();
        std::thread::sleep(Duration::from_millis(1));
    }
    let sent_before = status.sent.load(Relaxed);
    let received_before = stand_in.bundles.load(Relaxed);
    let events = note_events(key);
    let mut group = c.benchmark_group("sender");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function(format!("{NOTES}-notes"), |b| {
        b.iter(|| {
            for (k, e) in events.iter().enumerate() {
                sink.event(black_box(e));
                if k % 256 == 255 {
                    sink.tick();
                }
            }
        })
    });
    group.finish();
    std::thread::sleep(Duration::from_millis(200));
    let sent = status.sent.load(Relaxed) - sent_before;
    let received = stand_in.bundles.load(Relaxed) - received_before;
    println!(
        "sender: {sent} datagrams sent (bundles and heartbeats), {received} bundles received by the stand-in ({:.1}%)",
        100.0 * received as f64 / sent.max(1) as f64
    );
    sink.stop();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let datagram = vec![0u8; stand_in.largest.load(Relaxed)];
    let mut group = c.benchmark_group("udp");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function(format!("{}-sends", events.len()), |b| {
        b.iter(|| {
            for _ in 0..events.len() {
                black_box(socket.send_to(&datagram, stand_in.address).is_ok());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, score, sequence, sender);
criterion_main!(benches);
