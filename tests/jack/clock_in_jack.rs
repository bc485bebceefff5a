//! MIDI clock in under a private JACK dummy server: a test JACK client (this process, with
//! the `jack` crate) sends START and a 133 BPM clock at exact frames to `chronus play
//! --clock-in clock_probe`, and a second test client records chronus's output with the
//! frame time of every sample.
//! - the clock bytes are placed at their own frames (the log line says frame-exact), and
//!   the sequencer's notes (a gate on every sixteenth: every 6th tick) land on the ticks
//!   the client sent, within one JACK period of one constant latency (0 frames off in
//!   every run so far, loaded or not);
//! - `/seq/state` reads the tempo back within 0.1 BPM after the lock-in (one beat), and
//!   names the clock source;
//! - the clock stops (no STOP: a cable pulled): one warning line after 2 s, the sequencer
//!   plays on at the last tempo on its own clock, and `/seq/state` says so.
#![cfg(feature = "jack")]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::chronus::chronus_cmd;
use crate::support::jack::{jack_test_lock, JackServer, JACK_PERIOD};
use crate::support::process::{programs_available, step, Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;

/// The gate of every sixteenth, on the left output; the source's 133 BPM is not the
/// patch's own 100.
const PATCH: &str = r#"(
    instruments: { "a": (count: 1, connections: [("note.gate", "output.left")]) },
    connections: [("a.left", "output.left")],
    sequence: (
        bpm: 100, swing: 0.0, density: 1.0, drift: 0.0,
        tracks: { "t": (instrument: "a", pattern: "0 0 0 0", gate: 0.5) },
        mutation: (max_changes_per_cycle: 0),
        idle: (timeout: 0),
    ),
)"#;

/// Frame of tick `k` of a 133 BPM clock at 48 kHz (902.2556... frames a tick) from its
/// first tick.
fn tick_frame(k: u64) -> u64 {
    k * 48_000 * 60_000 / (133_000 * 24)
}

type ProcessFn = Box<dyn FnMut(&jack::Client, &jack::ProcessScope) -> jack::Control + Send>;
type Client = jack::AsyncClient<(), jack::contrib::ClosureProcessHandler<(), ProcessFn>>;

/// The clock source: client `clock_probe`, port `out`. Once `go` is set it sends START and
/// tick 0 at one frame, then tick k at `first + tick_frame(k)`, until `go` is cleared.
struct ClockSender {
    _client: Client,
    go: Arc<AtomicBool>,
    /// Frame of tick 0 (once started).
    first: Arc<Mutex<Option<u64>>>,
}

impl ClockSender {
    fn open() -> ClockSender {
        let (client, _) =
            jack::Client::new("clock_probe", jack::ClientOptions::NO_START_SERVER).unwrap();
        let mut port = client
            .register_port("out", jack::MidiOut::default())
            .unwrap();
        let go = Arc::new(AtomicBool::new(false));
        let first: Arc<Mutex<Option<u64>>> = Arc::default();
        let (go2, first2) = (go.clone(), first.clone());
        let mut next = 0u64;
        let mut start: Option<u64> = None;
        let process: ProcessFn = Box::new(move |_, ps| {
            let f0 = ps.last_frame_time() as u64;
            let end = f0 + ps.n_frames() as u64;
            let mut writer = port.writer(ps);
            if !go2.load(Ordering::Acquire) {
                return jack::Control::Continue;
            }
            let s = *start.get_or_insert_with(|| {
                *first2.lock().unwrap() = Some(f0 + 10);
                f0 + 10
            });
            while s + tick_frame(next) < end {
                // A tick whose frame has passed (this client missed a cycle on a loaded
                // machine) goes out at once rather than underflowing (which panicked the
                // callback and stopped the clock): the tempo is the mean spacing of 48
                // ticks, which a tick late by part of a period moves by at most 1/47 of it.
                let time = (s + tick_frame(next)).saturating_sub(f0) as u32;
                if next == 0 {
                    writer
                        .write(&jack::RawMidi {
                            time,
                            bytes: &[0xFA],
                        })
                        .unwrap();
                }
                writer
                    .write(&jack::RawMidi {
                        time,
                        bytes: &[0xF8],
                    })
                    .unwrap();
                next += 1;
            }
            jack::Control::Continue
        });
        let client = client
            .activate_async((), jack::contrib::ClosureProcessHandler::new(process))
            .unwrap();
        ClockSender {
            _client: client,
            go,
            first,
        }
    }
}

/// What a [`Recorder`] heard: (frame time of each cycle, its samples).
type Heard = Arc<Mutex<Vec<(u64, Vec<f32>)>>>;

/// Records `chronus_out:out_0` as (frame time of the cycle, samples).
struct Recorder {
    _client: Client,
    heard: Heard,
}

impl Recorder {
    fn open() -> Recorder {
        let (client, _) =
            jack::Client::new("audio_probe", jack::ClientOptions::NO_START_SERVER).unwrap();
        let port = client
            .register_port("in", jack::AudioIn::default())
            .unwrap();
        let heard: Heard = Arc::default();
        let sink = heard.clone();
        let process: ProcessFn = Box::new(move |_, ps| {
            if let Ok(mut h) = sink.try_lock() {
                h.push((ps.last_frame_time() as u64, port.as_slice(ps).to_vec()));
            }
            jack::Control::Continue
        });
        let client = client
            .activate_async((), jack::contrib::ClosureProcessHandler::new(process))
            .unwrap();
        client
            .as_client()
            .connect_ports_by_name("chronus_out:out_0", "audio_probe:in")
            .unwrap();
        Recorder {
            _client: client,
            heard,
        }
    }

    /// Absolute frames where the gate rises.
    fn onsets(&self) -> Vec<u64> {
        let mut out = Vec::new();
        let mut prev = 0.0f32;
        for (f0, samples) in self.heard.lock().unwrap().iter() {
            for (i, x) in samples.iter().enumerate() {
                if prev.abs() < 1e-3 && x.abs() >= 1e-3 {
                    out.push(f0 + i as u64);
                }
                prev = *x;
            }
        }
        out
    }
}

/// Asks the player's OSC server for `/seq/state`; returns the reply's arguments.
fn seq_state(player: &Proc) -> Vec<rosc::OscType> {
    ask(player, "/seq/state")
}

/// Sends `addr` (no arguments) to the player's OSC server; returns the arguments of its
/// `ADDR.reply`.
fn ask(player: &Proc, addr_asked: &str) -> Vec<rosc::OscType> {
    let line = player
        .output
        .stderr()
        .into_iter()
        .find(|l| l.contains("OSC on udp "))
        .expect("the OSC line");
    let addr = line
        .split("OSC on udp ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(READY_TIMEOUT)).unwrap();
    let ask = rosc::OscPacket::Message(rosc::OscMessage {
        addr: addr_asked.into(),
        args: vec![],
    });
    socket
        .send_to(&rosc::encoder::encode(&ask).unwrap(), &addr)
        .unwrap();
    let mut buf = [0u8; 4096];
    let (n, _) = socket.recv_from(&mut buf).expect("a reply");
    match rosc::decoder::decode_udp(&buf[..n]).unwrap().1 {
        rosc::OscPacket::Message(m) if m.addr == format!("{addr_asked}.reply") => m.args,
        other => panic!("expected {addr_asked}.reply, got {other:?}"),
    }
}

fn bpm_of(state: &[rosc::OscType]) -> f32 {
    match state[0] {
        rosc::OscType::Float(b) => b,
        ref other => panic!("bpm: {other:?}"),
    }
}

fn wait_line(p: &mut Proc, text: &str) {
    p.wait_output(READY_TIMEOUT, &format!("a line containing {text:?}"), |o| {
        o.stderr().iter().any(|l| l.contains(text))
    });
}

#[test]
fn the_sequencer_follows_a_133_bpm_clock_from_a_jack_client_and_survives_its_loss() {
    if !programs_available("clock_in_jack", &["jackd", "jack_lsp"]) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = JackServer::start("clockin");
    std::env::set_var("JACK_DEFAULT_SERVER", &server.name);
    std::env::set_var("JACK_NO_START_SERVER", "1");
    let dir = TempDir::new("clock_in_jack");
    let patch = dir.join("gate.ron");
    std::fs::write(&patch, PATCH).unwrap();
    // A robust MIDI input latency (`midi.latency_ms`; the default, two periods + 2 ms, is
    // 12.7 ms here): a tick handed over after its sample was rendered would play a block
    // late on a machine loaded far beyond its cores. The latency is constant, so every
    // tick moves alike.
    let config = dir.join("latency.ron");
    std::fs::write(&config, "(midi: (latency_ms: 40.0))").unwrap();
    let sender = ClockSender::open();
    let mut cmd = chronus_cmd(&[
        "play",
        patch.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--host",
        "jack",
        "--midi-host",
        "jack",
        "--clock-in",
        "clock_probe",
        "--status-interval",
        "1",
        "--seconds",
        "60",
    ]);
    server.env(&mut cmd);
    let mut player = Proc::spawn("chronus play --clock-in clock_probe", cmd).graceful_on_drop();
    wait_line(&mut player, "following clock_probe:out");
    // With the audio on the same JACK server, each clock byte is placed at its own frame
    // and plays the input latency later: whole periods covering the 2 ms handover (one
    // here) and the configured 40 ms on top. The tempo is measured on JACK's frame clock.
    let frames = JACK_PERIOD as u64 + 48 * 40;
    wait_line(
        &mut player,
        &format!(
            "latency {frames} frames = {:.2} ms, frame-exact",
            frames as f64 / 48.0
        ),
    );
    let recorder = Recorder::open();
    step(t, "player follows clock_probe:out; recording its output");

    sender.go.store(true, Ordering::Release);
    wait_line(&mut player, "locked to clock_probe:out");
    // Four seconds of clock: ~8.9 beats, 35 sixteenths.
    std::thread::sleep(Duration::from_secs(4));
    let state = seq_state(&player);
    let bpm = bpm_of(&state);
    assert!(
        (bpm - 133.0).abs() < 0.1,
        "tempo read back {bpm}: {state:?}"
    );
    assert_eq!(
        state[7..],
        [
            rosc::OscType::String("midi:clock_probe:out".into()),
            rosc::OscType::Int(1),
            rosc::OscType::Int(0),
            rosc::OscType::Float(0.0)
        ],
        "the clock source"
    );
    let status = ask(&player, "/status");
    assert_eq!(
        status[7],
        rosc::OscType::String("midi:clock_probe:out".into()),
        "/status: {status:?}"
    );
    match status[8] {
        rosc::OscType::Float(b) => assert!((b - 133.0).abs() < 0.1, "/status tempo {b}"),
        ref other => panic!("/status tempo {other:?}"),
    }
    step(
        t,
        &format!("tempo read back: {bpm} BPM (/seq/state and /status)"),
    );

    // Notes on the ticks: every onset after START is one latency after a sixteenth's
    // tick (6j), from the second sixteenth on (until START arrives, one latency after
    // it was sent, the internal clock still plays).
    let first = sender.first.lock().unwrap().expect("started");
    let onsets: Vec<u64> = recorder
        .onsets()
        .into_iter()
        .filter(|o| *o >= first + tick_frame(6))
        .collect();
    assert!(onsets.len() >= 30, "onsets {onsets:?}");
    let offsets: Vec<i64> = onsets
        .iter()
        .map(|o| {
            let j = (0..).take_while(|j| first + tick_frame(6 * j) <= *o).last();
            (*o - first - tick_frame(6 * j.unwrap())) as i64
        })
        .collect();
    let latency = offsets[0];
    assert!(
        (frames as i64..=(frames + JACK_PERIOD as u64) as i64).contains(&latency),
        "the input latency is {frames} frames (a cycle missed may add one period): heard \
         {latency} after the ticks"
    );
    let worst = offsets.iter().map(|d| (d - latency).abs()).max().unwrap();
    assert!(
        worst <= JACK_PERIOD as i64,
        "onsets off their ticks: latency {latency}, offsets {offsets:?}"
    );
    step(
        t,
        &format!(
            "{} notes on their ticks: latency {latency} frames, off by at most {worst}",
            onsets.len()
        ),
    );

    // The cable is pulled: no more ticks, no STOP.
    sender.go.store(false, Ordering::Release);
    wait_line(&mut player, "no clock from clock_probe:out for 2 s");
    std::thread::sleep(Duration::from_secs(2));
    let lost_lines = player
        .output
        .stderr()
        .iter()
        .filter(|l| l.contains("no clock from"))
        .count();
    assert_eq!(lost_lines, 1, "one warning line");
    let state = seq_state(&player);
    let bpm = bpm_of(&state);
    assert!((bpm - 133.0).abs() < 0.1, "kept tempo {bpm}");
    assert_eq!(state[8], rosc::OscType::Int(0), "no longer following");
    // Still playing on its own clock: notes keep coming.
    let before = recorder.onsets().len();
    std::thread::sleep(Duration::from_millis(500));
    assert!(recorder.onsets().len() > before, "plays on");
    step(t, "clock lost: one warning, playing on at the last tempo");
}
