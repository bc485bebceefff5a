//! How many note events per second Chronus's live SuperCollider sender sustains against a
//! real scsynth (BENCHMARKS.md, "SuperCollider scores and the live sender"; issue 16).
//!
//! ```text
//! cargo run --profile dev --example sc_note_rate
//! cargo run --profile dev --example sc_note_rate -- --rates 1000,5000,20000 --seconds 5
//! ```
//!
//! Needs `jackd` (jackd2) and `scsynth` on PATH; run from the repository's root. What it
//! does:
//! 1. Starts a private JACK dummy server (`jackd -R -P 10 -n NAME -d dummy -r 48000 -p 256`;
//!    `--no-realtime` when `chrt -f 1 true` fails) and, through Chronus's own [`ScSink`]
//!    (as `chronus play` with a `supercollider` section that starts the server),
//!    `scsynth -u PORT -i 0 -o 2` on it, with the instrument of `benches/sc-note-path.ron`
//!    (poly-subtractive's voice, 5 ms release) compiled and loaded (`/d_recv`); its voice
//!    count raised to `--voices` (64), so that no voice is stolen within a few ms of its
//!    start at the higher rates (see "note shorter than a control block" below).
//! 2. Runs the sender as `chronus play` does: the sink on the real outbound thread
//!    ([`OutboundThread`], real-time priority as the player asks), fed through the engine's
//!    outbound ring ([`Outbound`], 4096 events). The main thread stands in for the audio
//!    callback: every 64 frames of the wall clock (48 kHz) it publishes the
//!    [`SampleClock`] anchor, as a host does, and pushes the events due (each with its
//!    sample time).
//! 3. For each rate (events per second, half note-ons, half note-offs: a note every
//!    `2 / rate` s, held `--note-ms` (3 ms), cycling over 64 semitones) it plays
//!    `--seconds` (3), waits for the ring to drain and the replies, and prints: the events
//!    pushed; the datagrams the sink sent (bundles, and 4 `/status` a second); scsynth's
//!    late bundles (`/late` replies and `late` lines on its console, as `/backend/status`
//!    counts them); its `/fail`s; the ring's largest depth seen, and as time at that rate
//!    (`wait-ms`: about the longest an event waited for the sender), and the events it
//!    dropped (full); the kernel's UDP receive-buffer drops during the step
//!    (`/proc/net/snmp` `RcvbufErrors`: a datagram a socket had no room for; machine
//!    wide); the outbound thread's CPU use and scsynth's (`/proc`, % of one core).
//!    A rate is **sustained** when nothing was late, failed or dropped and no event waited
//!    in the ring for half the latency. The last line is the highest sustained rate.
//!
//! Notes are timed through the sample clock (no timing probe: the engine is not a JACK
//! client here), tagged at their sample plus `--latency-ms` (default 50, the config's).
//! Performance is measured here, never asserted.
//!
//! **A note shorter than a control block.** A note whose release (`/n_set gate 0`: its
//! note-off, or its steal) lands in the same 64-frame scsynth block as its `/s_new` never
//! frees its node: scsynth runs both commands before the node's first block, so its
//! envelope starts with the gate closed and never ends. `--note-ms 0.5` shows it: scsynth
//! runs out of real-time memory within seconds (`/s_new out of real time memory`), at any
//! rate.

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chronus::address::InstrumentKey;
use chronus::backend::outbound::OutboundThread;
use chronus::engine::outbound::{Outbound, OUTBOUND_CAPACITY};
use chronus::engine::{EngineStats, OutEvent, OutboundEvent};
use chronus::fault::Faults;
use chronus::realtime::sample_clock::SampleClock;
use chronus::sc_live::server::{Launch, ServerSettings};
use chronus::sc_live::{ScSink, ScStatus};
use chronus::service::realtime::{promote_this_thread, HELPER_PRIORITY};
use chronus::supercollider::live_plan::live_plan;
use chronus_modules::Registry;

const SR: f64 = 48_000.0;
const BLOCK: u64 = 64;
const PATCH: &str = "benches/sc-note-path.ron";

struct Options {
    rates: Vec<u64>,
    seconds: f64,
    latency_ms: f64,
    note_ms: f64,
    voices: usize,
}

fn usage(arg: &str) -> ! {
    eprintln!(
        "sc_note_rate: bad argument {arg:?}\nusage: sc_note_rate [--rates R1,R2,...] [--seconds S] [--latency-ms MS] [--note-ms MS] [--voices N]"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let mut o = Options {
        rates: vec![1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 40_000],
        seconds: 3.0,
        latency_ms: 50.0,
        note_ms: 3.0,
        voices: 64,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage(&arg));
        match arg.as_str() {
            "--rates" => {
                o.rates = value()
                    .split(',')
                    .map(|r| r.parse().unwrap_or_else(|_| usage(r)))
                    .collect()
            }
            "--seconds" => o.seconds = value().parse().unwrap_or_else(|_| usage("--seconds")),
            "--latency-ms" => {
                o.latency_ms = value().parse().unwrap_or_else(|_| usage("--latency-ms"))
            }
            "--note-ms" => o.note_ms = value().parse().unwrap_or_else(|_| usage("--note-ms")),
            "--voices" => o.voices = value().parse().unwrap_or_else(|_| usage("--voices")),
            _ => usage(&arg),
        }
    }
    o
}

/// A private JACK dummy server, stopped with SIGTERM when dropped (which frees its slot in
/// jackd's registry).
struct Jack {
    child: Child,
}

impl Jack {
    fn start(name: &str) -> Jack {
        let realtime = Command::new("chrt")
            .args(["-f", "1", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let mut cmd = Command::new("jackd");
        if realtime {
            cmd.args(["-R", "-P", "10"]);
        } else {
            cmd.arg("--no-realtime");
        }
        cmd.args(["-n", name, "-d", "dummy", "-r", "48000", "-p", "256"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd.spawn().expect("jackd (jackd2) on PATH");
        let jack = Jack { child };
        let until = Instant::now() + Duration::from_secs(10);
        while !Command::new("jack_lsp")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            assert!(Instant::now() < until, "jackd {name} did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        jack
    }
}

impl Drop for Jack {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// The kernel's count of UDP datagrams dropped for a full receive buffer.
fn udp_rcvbuf_errors() -> u64 {
    let text = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let mut lines = text.lines().filter(|l| l.starts_with("Udp: "));
    let (Some(names), Some(values)) = (lines.next(), lines.next()) else {
        return 0;
    };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(n, _)| *n == "RcvbufErrors")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

/// CPU time (user + system, clock ticks) of this process's thread named `name`.
fn thread_ticks(name: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end() != name {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // After the `(comm)` field: state is field 3, utime 14 and stime 15.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let fields: Vec<u64> = rest
            .split_whitespace()
            .skip(1)
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        return fields.get(10).unwrap_or(&0) + fields.get(11).unwrap_or(&0);
    }
    0
}

/// CPU time (user + system, clock ticks) of this process's child `scsynth` (none: 0).
fn scsynth_ticks() -> u64 {
    let me = std::process::id().to_string();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return 0;
    };
    for p in procs.flatten() {
        let stat = std::fs::read_to_string(p.path().join("stat")).unwrap_or_default();
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if !head.ends_with("(scsynth") {
            continue;
        }
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // After `(comm)`: state, ppid (field 4), ..., utime (14), stime (15).
        if fields.get(1) != Some(&me.as_str()) {
            continue;
        }
        let tick = |k: usize| {
            fields
                .get(k)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        return tick(11) + tick(12);
    }
    0
}

/// Clock ticks per second of `/proc`'s CPU times.
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf reads a constant of the system.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}

/// The counters one step is judged by.
#[derive(Clone, Copy, Default)]
struct Counters {
    sent: u64,
    late: u64,
    fails: u64,
    dropped: u64,
    ring_dropped: u64,
    rcvbuf: u64,
    cpu: u64,
    scsynth_cpu: u64,
}

impl Counters {
    fn read(status: &ScStatus, stats: &EngineStats) -> Counters {
        Counters {
            sent: status.sent.load(Relaxed),
            late: status.late.load(Relaxed),
            fails: status.fails.load(Relaxed),
            dropped: status.dropped.load(Relaxed),
            ring_dropped: stats.outbound_dropped.load(Relaxed),
            rcvbuf: udp_rcvbuf_errors(),
            cpu: thread_ticks(chronus::backend::outbound::THREAD_NAME),
            scsynth_cpu: scsynth_ticks(),
        }
    }

    fn since(self, before: Counters) -> Counters {
        Counters {
            sent: self.sent - before.sent,
            late: self.late - before.late,
            fails: self.fails - before.fails,
            dropped: self.dropped - before.dropped,
            ring_dropped: self.ring_dropped - before.ring_dropped,
            rcvbuf: self.rcvbuf.saturating_sub(before.rcvbuf),
            cpu: self.cpu - before.cpu,
            scsynth_cpu: self.scsynth_cpu.saturating_sub(before.scsynth_cpu),
        }
    }
}

/// The stand-in for the audio callback: its end of the outbound ring and the clock it
/// publishes.
struct Feeder<'a> {
    out: Outbound,
    stats: &'a EngineStats,
    /// The ring's depth (the outbound thread's reader).
    depth: &'a dyn Fn() -> usize,
    /// Engine sample 0.
    origin: Instant,
    key: InstrumentKey,
}

impl Feeder<'_> {
    /// The engine's sample now, at the start of its block.
    fn block(&self) -> u64 {
        (self.origin.elapsed().as_secs_f64() * SR) as u64 / BLOCK * BLOCK
    }

    /// Publishes the clock's anchor, as a host does at the start of each callback: the
    /// sample now and the wall time now, read together (a sample rounded down to its block
    /// would pair it with a wall time up to a block later, and the anchor would jump back
    /// and forth by that much from one callback to the next, moving the time tags of
    /// events a fraction of a millisecond apart out of order). The block starting at it.
    fn publish(&self) -> u64 {
        let (wall, elapsed) = (SystemTime::now(), self.origin.elapsed());
        let sample = (elapsed.as_secs_f64() * SR) as u64;
        SampleClock::publish(self.stats, sample, wall, SR as f32);
        sample
    }
}

/// The rate's events from engine sample `start` for `seconds`: a note every `2 / rate`
/// s, each held `note` samples, cycling over 64 semitones; in time order (an off before an
/// on at the same sample).
fn notes(rate: u64, seconds: f64, start: u64, note: u64) -> Vec<(u64, OutEvent)> {
    let interval = 2.0 * SR / rate as f64;
    let pitch = |i: u64| 32 + (i % 64) as u8;
    let mut events: Vec<(u64, OutEvent)> = (0..(seconds * rate as f64 / 2.0) as u64)
        .flat_map(|i| {
            let on = start + (i as f64 * interval) as u64;
            [
                (
                    on,
                    OutEvent::NoteOn {
                        note: pitch(i),
                        velocity: 0.8,
                    },
                ),
                (on + note, OutEvent::NoteOff { note: pitch(i) }),
            ]
        })
        .collect();
    events.sort_by_key(|&(time, e)| (time, matches!(e, OutEvent::NoteOn { .. })));
    events
}

/// `events` handed over as an audio callback would: each 64-frame block of the wall clock,
/// the clock's anchor published and the block's events pushed. (events pushed, the ring's
/// largest depth seen).
fn play_step(f: &mut Feeder, events: &[(u64, OutEvent)]) -> (u64, usize) {
    let (mut pushed, mut deepest) = (0u64, 0usize);
    let mut due = events.iter().peekable();
    while due.peek().is_some() {
        let end = f.publish() + BLOCK;
        while let Some(&&(time, event)) = due.peek() {
            if time >= end {
                break;
            }
            let event = OutboundEvent {
                time,
                instrument: f.key,
                event,
            };
            f.out.push(f.stats, event);
            pushed += 1;
            due.next();
        }
        deepest = deepest.max((f.depth)());
        let next_block = f.origin + Duration::from_secs_f64((end as f64) / SR);
        if let Some(wait) = next_block.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    (pushed, deepest)
}

fn main() {
    let o = options();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let name = format!("chronus-sc-rate-{}", std::process::id());
    std::env::set_var("JACK_DEFAULT_SERVER", &name);
    std::env::set_var("JACK_NO_START_SERVER", "1");
    let _jack = Jack::start(&name);

    let registry = Registry::builtin();
    let text = std::fs::read_to_string(PATCH).expect("run from the repository's root");
    let desc = chronus::patch::load(&text, None, &registry).expect("the bench patch loads");
    let mut instruments = live_plan(&desc, &registry, None, "rate", None)
        .expect("the bench instrument compiles")
        .instruments;
    instruments[0].count = o.voices;
    let key = InstrumentKey::of(&instruments[0].id);
    let port = UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free UDP port")
        .port();
    let status = Arc::new(ScStatus {
        address: format!("127.0.0.1:{port}").into(),
        started: true.into(),
        ..Default::default()
    });
    let stats = Arc::new(EngineStats::default());
    let settings = ServerSettings {
        address: ([127, 0, 0, 1], port).into(),
        launch: Some(Launch {
            program: "scsynth".into(),
            port,
            options: ["-i", "0", "-o", "2"].map(String::from).to_vec(),
        }),
        loads: Vec::new(),
        setup: Vec::new(),
        max_failures: 5,
        calibrate: false,
    };
    let clock = SampleClock::new(stats.clone(), SR as f32);
    let sink = ScSink::new(
        instruments,
        settings,
        clock,
        (o.latency_ms * 1e6) as u64,
        440.0,
        status.clone(),
        None,
    )
    .expect("a UDP socket");
    let (out, rx) = Outbound::new(OUTBOUND_CAPACITY);
    let mut thread = OutboundThread::start(
        rx,
        vec![Box::new(sink)],
        Arc::new(Faults::default()),
        || {
            eprintln!(
                "{}",
                promote_this_thread("the outbound thread", HELPER_PRIORITY)
            )
        },
    )
    .expect("the outbound thread starts");
    let depth = thread.depth_reader();
    let mut feeder = Feeder {
        out,
        stats: &stats,
        depth: &depth,
        origin: Instant::now(),
        key,
    };
    let until = Instant::now() + Duration::from_secs(20);
    while !status.up.load(Relaxed) {
        assert!(
            Instant::now() < until,
            "scsynth did not come up: {}",
            status.line()
        );
        feeder.publish();
        std::thread::sleep(Duration::from_millis(10));
    }
    eprintln!("{} (jackd {name})", status.line());

    println!(
        "{:>8} {:>8} {:>8} {:>5} {:>5} {:>8} {:>7} {:>9} {:>8} {:>5} {:>6}  sustained",
        "events/s",
        "pushed",
        "bundles",
        "late",
        "fails",
        "ring-max",
        "wait-ms",
        "ring-drop",
        "udp-drop",
        "cpu%",
        "sc-cpu%"
    );
    let note = (o.note_ms / 1e3 * SR) as u64;
    let mut best = None;
    for &rate in &o.rates {
        let before = Counters::read(&status, &stats);
        let t0 = Instant::now();
        let start = feeder.block() + 2 * BLOCK;
        let events = notes(rate, o.seconds, start, note);
        let (pushed, deepest) = play_step(&mut feeder, &events);
        // The ring drained, then the last bundles' time (`latency` after their sample)
        // and the replies after them.
        while depth() > 0 && t0.elapsed() < Duration::from_secs_f64(o.seconds) * 4 {
            feeder.publish();
            std::thread::sleep(Duration::from_millis(10));
        }
        let settle = Duration::from_secs_f64(o.latency_ms / 1e3) + Duration::from_millis(500);
        let step = t0.elapsed();
        let played = Counters::read(&status, &stats).since(before);
        std::thread::sleep(settle);
        let d = Counters::read(&status, &stats).since(before);
        let percent = |ticks: u64| 100.0 * ticks as f64 / ticks_per_second() / step.as_secs_f64();
        let (cpu, sc_cpu) = (percent(played.cpu), percent(played.scsynth_cpu));
        // The longest an event waited in the ring, about: its depth at this rate.
        let wait_ms = deepest as f64 / rate as f64 * 1e3;
        let sustained = d.late == 0
            && d.fails == 0
            && d.dropped == 0
            && d.ring_dropped == 0
            && d.rcvbuf == 0
            && wait_ms < o.latency_ms / 2.0
            && status.up.load(Relaxed);
        println!(
            "{rate:>8} {pushed:>8} {:>8} {:>5} {:>5} {deepest:>8} {wait_ms:>7.1} {:>9} {:>8} {cpu:>5.1} {sc_cpu:>6.1}  {}",
            d.sent,
            d.late,
            d.fails,
            d.ring_dropped,
            d.rcvbuf,
            if sustained { "yes" } else { "no" }
        );
        if sustained {
            best = Some(best.map_or(rate, |b: u64| b.max(rate)));
        }
    }
    thread.stop();
    eprintln!("{}", status.line());
    match best {
        Some(rate) => println!("highest sustained rate: {rate} events/s"),
        None => println!("no rate sustained"),
    }
}
