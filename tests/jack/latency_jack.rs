//! MIDI → sound latency of `chronus play --host jack --midi-host jack`, end to end inside
//! a JACK graph at 128 and 256 frames per period (48 kHz): a JACK client of this test
//! sends a note-on at a known frame (frame 0 of a cycle, its JACK frame time) and finds
//! the onset in chronus's output, read on an audio input port of its own, at a known
//! later frame. The difference is the latency Chronus adds between a MIDI port and its
//! audio port; a sound card adds its own playback latency on top (README, BENCHMARKS.md).
//!
//! JACK MIDI with the audio on the same server is frame-exact: a message plays one period
//! after the frame it came in at (`midi::input::frame_latency`: 1 period at 128 and 256
//! frames). So the test asserts, in frames (never wall time): no onset comes before one
//! period (a message is never played in its own cycle), and the median onset comes within
//! [`DETECTION`] frames of one period. A single late note (the MIDI thread woken later than
//! the period on a loaded machine) shows in the printed maximum, not in the median.
#![cfg(feature = "jack")]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::chronus::chronus_cmd;
use crate::support::jack::{jack_test_lock, JackServer, JACK_RATE};
use crate::support::process::{programs_available, Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;

/// A square wave through a near-instant envelope: the first frame of a note is already
/// far above the onset threshold.
const SQUARE_VOICE: &str = r#"(
    voice: (count: 2, steal: "oldest", modules: {
        "osc": (kind: "square"),
        "env": (kind: "adsr", params: {"attack": 0.0005, "decay": 0.01, "sustain": 1.0, "release": 0.002}),
        "vca": (kind: "vca", params: {"gain": 0.3}),
    }, connections: [("note.freq", "osc.freq"), ("note.gate", "env.gate"), ("osc.out", "vca.in"),
        ("env.out", "vca.cv"), ("vca.out", "output.left"), ("vca.out", "output.right")]),
    connections: [("voices.left", "output.left"), ("voices.right", "output.right")],
)"#;

/// An output sample above this is the onset.
const THRESHOLD: f32 = 0.01;

/// Notes measured per period size.
const NOTES: usize = 8;

/// Frames between a note's first sample and the first one above [`THRESHOLD`]: the
/// 0.5 ms attack (24 frames) reaches 0.01 / 0.3 of full scale within its first frame or
/// two; a few frames of room.
const DETECTION: u32 = 4;

#[derive(Default)]
struct Probe {
    /// Send a note-on in the next cycle.
    armed: bool,
    /// The note being measured: on (true) or off.
    on: bool,
    /// JACK frame time the note-on was written at.
    sent_at: Option<u32>,
    /// JACK frame time of the first output sample above [`THRESHOLD`] after it.
    onset_at: Option<u32>,
}

type ProbeFn = Box<dyn FnMut(&jack::Client, &jack::ProcessScope) -> jack::Control + Send>;

/// Measures `NOTES` note-ons at `period` frames; the latencies in frames.
fn measure(period: usize) -> Vec<u32> {
    let server = JackServer::start_with_period(&format!("latency_{period}"), period);
    let dir = TempDir::new("latency_jack");
    let patch = dir.join("square.ron");
    std::fs::write(&patch, SQUARE_VOICE).unwrap();
    let buffer = period.to_string();
    let mut cmd = chronus_cmd(&[
        "play",
        patch.to_str().unwrap(),
        "--host",
        "jack",
        "--midi-host",
        "jack",
        "--midi-in",
        "latency_probe",
        "--buffer",
        &buffer,
        "--seconds",
        "120",
    ]);
    server.env(&mut cmd);
    let mut player = Proc::spawn("chronus play (latency)", cmd).graceful_on_drop();

    // This process's own JACK client talks to the same server (the JACK tests hold
    // `jack_test_lock`, so no other test changes these meanwhile).
    std::env::set_var("JACK_DEFAULT_SERVER", &server.name);
    std::env::set_var("JACK_NO_START_SERVER", "1");
    let (client, _) =
        jack::Client::new("latency_probe", jack::ClientOptions::NO_START_SERVER).unwrap();
    let mut midi = client
        .register_port("out", jack::MidiOut::default())
        .unwrap();
    let audio = client
        .register_port("in", jack::AudioIn::default())
        .unwrap();
    let probe: Arc<Mutex<Probe>> = Arc::default();
    let shared = probe.clone();
    let process: ProbeFn = Box::new(move |_, ps| {
        let now = ps.last_frame_time();
        let mut writer = midi.writer(ps);
        if let Ok(mut p) = shared.try_lock() {
            if p.armed {
                p.armed = false;
                let bytes: &[u8] = if p.on {
                    &[0x80, 69, 0]
                } else {
                    &[0x90, 69, 100]
                };
                writer.write(&jack::RawMidi { time: 0, bytes }).unwrap();
                p.on = !p.on;
                if p.on {
                    p.sent_at = Some(now);
                    p.onset_at = None;
                }
            } else if let (true, Some(_), None) = (p.on, p.sent_at, p.onset_at) {
                if let Some(i) = audio.as_slice(ps).iter().position(|x| x.abs() > THRESHOLD) {
                    p.onset_at = Some(now + i as u32);
                }
            }
        }
        jack::Control::Continue
    });
    let client = client
        .activate_async((), jack::contrib::ClosureProcessHandler::new(process))
        .unwrap();

    // Chronus connects our MIDI port itself ("playing from"); we connect its left output.
    player.wait_output(READY_TIMEOUT, "chronus's MIDI input on our port", |o| {
        o.text().contains("playing from latency_probe")
    });
    let end = Instant::now() + READY_TIMEOUT;
    while client
        .as_client()
        .connect_ports_by_name("chronus_out:out_0", "latency_probe:in")
        .is_err()
    {
        assert!(Instant::now() < end, "no chronus_out:out_0 to connect to");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));

    let mut latencies = Vec::new();
    for _ in 0..NOTES {
        probe.lock().unwrap().armed = true; // note-on
        let end = Instant::now() + READY_TIMEOUT;
        let (sent, onset) = loop {
            let p = probe.lock().unwrap();
            if let (Some(s), Some(o)) = (p.sent_at, p.onset_at) {
                break (s, o);
            }
            drop(p);
            assert!(
                Instant::now() < end,
                "no onset in chronus's output after the note-on. Output:\n{}",
                player.output.text()
            );
            std::thread::sleep(Duration::from_millis(5));
        };
        assert!(
            onset.wrapping_sub(sent) < JACK_RATE,
            "onset at {onset} is not after the note-on at {sent}"
        );
        latencies.push(onset - sent);
        std::thread::sleep(Duration::from_millis(60));
        probe.lock().unwrap().armed = true; // note-off
        std::thread::sleep(Duration::from_millis(80));
    }
    drop(client);
    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "SIGTERM");
    latencies
}

#[test]
fn midi_to_sound_latency_at_128_and_256_frames() {
    if !programs_available("midi_to_sound_latency", &["jackd", "jack_lsp"]) {
        return;
    }
    let _lock = jack_test_lock();
    for period in [128usize, 256] {
        let mut l = measure(period);
        l.sort_unstable();
        let ms = |f: u32| f as f64 * 1000.0 / JACK_RATE as f64;
        let median = l[l.len() / 2];
        let expected = chronus::midi::input::frame_latency(period as u32, JACK_RATE, None) as u32;
        eprintln!(
            "latency at {period} frames: median {median} frames = {:.2} ms (min {} = {:.2} ms, \
             max {} = {:.2} ms, {} notes); MIDI timing latency {expected} frames (frame-exact)",
            ms(median),
            l[0],
            ms(l[0]),
            l[l.len() - 1],
            ms(l[l.len() - 1]),
            l.len(),
        );
        assert_eq!(expected, period as u32, "one period at {period} frames");
        assert!(
            l[0] >= expected,
            "at {period} frames a note sounded {} frames after its MIDI frame, before one period: \
             {l:?}",
            l[0]
        );
        assert!(
            median <= expected + DETECTION,
            "at {period} frames the median MIDI → output latency is {median} frames, more than \
             one period + {DETECTION}: {l:?}"
        );
    }
}
