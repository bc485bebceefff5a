//! MIDI into `chronus play --midi-host jack` under a private JACK dummy server, checked in
//! the audio:
//! - a real outside client, `jack_midiseq`, plays its note loop; the recording has its
//!   onsets at the loop's times (within [`ONSET_SLACK`] frames: JACK MIDI with the audio
//!   on JACK is frame-exact, what is left is the onset finder's) and its pitches; the sequencer is
//!   stopped and started again (its port disappears and comes back) and notes flow again;
//! - a test JACK MIDI client (this process, with the `jack` crate) sends raw bytes —
//!   running status with a real-time byte inside, note-on velocity 0, pitch-bend extremes,
//!   an RPN bend-range change, the sustain pedal, all-notes-off — and listens to chronus's
//!   output on an audio input port of its own, so each effect is measured right after its
//!   message; then the sending client goes away (held notes are released) and comes back
//!   (chronus reconnects by itself);
//! - two such clients with `--midi-in all`: each gets an input port of its own; one goes
//!   away and only its notes (a key, a note its pedal kept) are released, the other's note
//!   sounds on; 16 more clients: the 17th is refused in one warning line, then connected
//!   when a port frees up;
//! - the JACK server is killed and restarted: MIDI comes back;
//! - the player's audio callback runs under assert_no_alloc (debug build): its output never
//!   reports an allocation.
#![cfg(feature = "jack")]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::chronus::chronus_cmd;
use crate::support::jack::{jack_test_lock, JackServer, JACK_RATE};
use crate::support::process::{programs_available, step, Proc, READY_TIMEOUT};
use crate::support::signal::onsets;
use crate::support::temp::TempDir;
use chronus_modules::analysis::{band_energy, peak, spectrum, zero_crossing_frequency};

/// One sine per voice with a fast envelope: onsets are sharp, releases short.
const SINE_VOICE: &str = r#"(
    voice: (count: 4, steal: "oldest", modules: {
        "osc": (kind: "sine"),
        "env": (kind: "adsr", params: {"attack": 0.001, "decay": 0.01, "sustain": 1.0, "release": 0.005}),
        "vca": (kind: "vca", params: {"gain": 0.3}),
    }, connections: [("note.freq", "osc.freq"), ("note.gate", "env.gate"), ("osc.out", "vca.in"),
        ("env.out", "vca.cv"), ("vca.out", "output.left"), ("vca.out", "output.right")]),
    connections: [("voices.left", "output.left"), ("voices.right", "output.right")],
)"#;

/// The sequencer's loop: 24000 frames (0.5 s), A4 at 0 and A5 at 12000, 8000 frames each.
const LOOP: u32 = 24_000;
const SEQ_ARGS: &[&str] = &["Seq", "24000", "0", "69", "8000", "12000", "81", "8000"];

fn write_patch(dir: &TempDir) -> String {
    let path = dir.join("sine-voice.ron");
    std::fs::write(&path, SINE_VOICE).unwrap();
    path.display().to_string()
}

/// The MIDI input latency the tests play with (`midi.latency_ms`, added on top of the
/// frame-exact period): a margin a machine loaded far beyond its cores (other builds)
/// does not eat, so no message reaches the engine after its sample was rendered. The
/// constant latency moves every message alike: spacing is kept to the frame.
const MIDI_LATENCY_MS: u64 = 40;

/// How far an onset's spacing may be from the loop's, in frames. The MIDI timing is
/// frame-exact (each message at its own JACK frame); the onset finder is not: it takes the
/// first sample above 0.01, which a 440 Hz sine starting at any phase under a 1 ms attack
/// reaches within its first quarter cycle (27 frames) — 6 to 11 frames measured. Before
/// the frame-exact timing (through the wall clock) this was one period (256 frames).
const ONSET_SLACK: i64 = 32;

/// Writes the config giving [`MIDI_LATENCY_MS`] next to `patch`; returns its path.
fn latency_config(patch: &str) -> String {
    let config = std::path::Path::new(patch).with_file_name("midi-latency.ron");
    std::fs::write(
        &config,
        format!("(midi: (latency_ms: {MIDI_LATENCY_MS}.0))"),
    )
    .unwrap();
    config.display().to_string()
}

fn play(server: &JackServer, patch: &str, midi_in: &str, extra: &[&str]) -> Proc {
    let config = latency_config(patch);
    let mut args = vec![
        "play",
        patch,
        "--config",
        &config,
        "--host",
        "jack",
        "--midi-host",
        "jack",
        "--midi-in",
        midi_in,
        "--status-interval",
        "1",
        "--seconds",
        "120",
    ];
    args.extend_from_slice(extra);
    let mut cmd = chronus_cmd(&args);
    server.env(&mut cmd);
    Proc::spawn(&format!("chronus play --midi-in {midi_in}"), cmd).graceful_on_drop()
}

fn midiseq(server: &JackServer) -> Proc {
    let mut cmd = server.cmd("jack_midiseq");
    cmd.args(SEQ_ARGS);
    Proc::spawn("jack_midiseq", cmd).graceful_on_drop()
}

/// Lines of `p` containing `text`.
fn count(p: &Proc, text: &str) -> usize {
    p.output
        .stderr()
        .iter()
        .filter(|l| l.contains(text))
        .count()
}

fn wait_line(p: &mut Proc, text: &str, n: usize) {
    p.wait_output(
        READY_TIMEOUT,
        &format!("{n} line(s) containing {text:?}"),
        |o| o.stderr().iter().filter(|l| l.contains(text)).count() >= n,
    );
}

/// Checks a recording of the sequencer's loop: alternating A4/A5 onsets spaced 12000
/// frames (within [`ONSET_SLACK`]), each at its pitch. Returns the number of onsets and
/// the largest deviation of their spacing from the loop's, in frames.
fn check_loop(what: &str, signal: &[f32]) -> (usize, i64) {
    let found = onsets(signal, 0.01);
    assert!(
        found.len() >= 4,
        "{what}: only {} onsets: {found:?}",
        found.len()
    );
    let mut pitches = Vec::new();
    for &o in &found {
        let end = (o + 7_000).min(signal.len());
        if end - o < 6_000 {
            continue;
        }
        pitches.push(zero_crossing_frequency(&signal[o + 500..end], JACK_RATE as f32).unwrap());
    }
    for w in found.windows(2) {
        let gap = (w[1] - w[0]) as i64;
        assert!(
            (gap - (LOOP / 2) as i64).abs() <= ONSET_SLACK,
            "{what}: onsets {} and {} are {gap} frames apart, the loop says {} (± {ONSET_SLACK}); onsets {found:?}",
            w[0], w[1], LOOP / 2
        );
    }
    for f in &pitches {
        let near = |target: f64| (f - target).abs() < 1.0;
        assert!(
            near(440.0) || near(880.0),
            "{what}: a note at {f:.2} Hz, expected 440 or 880 ({pitches:?})"
        );
    }
    for w in pitches.windows(2) {
        assert!(
            (w[0] - w[1]).abs() > 400.0,
            "{what}: pitches should alternate: {pitches:?}"
        );
    }
    let worst = found
        .windows(2)
        .map(|w| ((w[1] - w[0]) as i64 - (LOOP / 2) as i64).abs())
        .max()
        .unwrap_or(0);
    (found.len(), worst)
}

fn no_allocation_warning(p: &Proc) {
    let text = p.output.text();
    assert!(
        !text.to_lowercase().contains("alloc"),
        "the audio callback allocated (assert_no_alloc warning):\n{text}"
    );
}

/// A private JACK server that the test's own in-process clients (the `jack` crate opens
/// them on `JACK_DEFAULT_SERVER`) reach too.
fn server_for_in_process_clients(name: &str) -> JackServer {
    let server = JackServer::start(name);
    std::env::set_var("JACK_DEFAULT_SERVER", &server.name);
    std::env::set_var("JACK_NO_START_SERVER", "1");
    server
}

#[test]
fn jack_midiseq_loop_plays_at_its_times_and_pitches_and_survives_a_reconnect() {
    if !programs_available(
        "midi_jack_midiseq",
        &["jackd", "jack_lsp", "jack_midiseq", "jack_rec"],
    ) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = JackServer::start("midiseq");
    let dir = TempDir::new("midi_jack_midiseq");
    let patch = write_patch(&dir);
    let mut seq = midiseq(&server);
    // `chronus devices` lists the sequencer's port among the JACK MIDI inputs.
    let mut devices = chronus_cmd(&["devices"]);
    server.env(&mut devices);
    let mut devices = Proc::spawn("chronus devices", devices);
    devices.wait_output(READY_TIMEOUT, "Seq:out listed", |o| {
        o.stdout().iter().any(|l| l.contains("input \"Seq:out\""))
    });
    devices.wait_exit(READY_TIMEOUT, "chronus devices finishing");
    let wav = dir.join("loop.wav").display().to_string();
    let mut player = play(&server, &patch, "Seq", &["--record", &wav]);
    wait_line(&mut player, "playing from Seq:out", 1);
    step(t, "chronus plays from Seq:out");
    std::thread::sleep(Duration::from_secs(3));

    // The sequencer goes away: chronus notices, releases, waits; it comes back.
    seq.signal("TERM");
    seq.wait_exit(READY_TIMEOUT, "jack_midiseq stopping on SIGTERM");
    wait_line(&mut player, "Seq:out disconnected; held notes released", 1);
    step(t, "disconnect noticed");
    let _seq = midiseq(&server);
    wait_line(&mut player, "playing from Seq:out", 2);
    step(t, "reconnected");
    let ports = server.wait_client_output_ports(3, &mut player);
    let out: Vec<String> = ports
        .into_iter()
        .filter(|p| p.starts_with("chronus_out"))
        .collect();
    let (_, channels) = server.record(&dir.join("again.wav"), 2, &out[..1]);
    let (n, worst) = check_loop("after the reconnect (jack_rec)", &channels[0]);
    step(
        t,
        &format!("{n} onsets after the reconnect, spacing off by at most {worst} frames"),
    );

    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "SIGTERM");
    let (sr, channels) = chronus::host::wav::read_wav(std::path::Path::new(&wav)).unwrap();
    assert_eq!(sr, JACK_RATE);
    // The first 3 s (before the sequencer was stopped).
    let first = &channels[0][..(3 * JACK_RATE) as usize];
    let (n, worst) = check_loop("--record before the disconnect", first);
    step(
        t,
        &format!(
            "{n} onsets recorded before the disconnect, spacing off by at most {worst} frames"
        ),
    );
    no_allocation_warning(&player);
}

// ---------------------------------------------------------------------------------------
// A test client sending raw bytes and listening to chronus.

/// MIDI sender: a JACK client with MIDI output ports (`out`, or the names given); messages
/// queued by the test are written in the next cycle, one JACK event each, at the frame
/// queued with them (0 for [`Sender::send`]).
struct Sender {
    client: jack::AsyncClient<(), jack::contrib::ClosureProcessHandler<(), SenderFn>>,
    outbox: Outbox,
}

/// What a [`Sender`] writes next cycle: (port index, frame in the cycle, bytes).
type Outbox = Arc<Mutex<Vec<(usize, u32, Vec<u8>)>>>;

type SenderFn = Box<dyn FnMut(&jack::Client, &jack::ProcessScope) -> jack::Control + Send>;
type ListenerFn = SenderFn;

impl Sender {
    /// The sender `midi_probe`.
    fn open() -> Sender {
        Sender::named("midi_probe")
    }

    /// A sender whose client is called `name`.
    fn named(name: &str) -> Sender {
        Sender::with_ports(name, &["out"])
    }

    /// A sender `name` with one MIDI output port per name in `ports`.
    fn with_ports(name: &str, ports: &[&str]) -> Sender {
        let (client, _) = jack::Client::new(name, jack::ClientOptions::NO_START_SERVER).unwrap();
        let mut ports: Vec<_> = ports
            .iter()
            .map(|p| client.register_port(p, jack::MidiOut::default()).unwrap())
            .collect();
        let outbox: Outbox = Arc::default();
        let queue = outbox.clone();
        let process: SenderFn = Box::new(move |_, ps| {
            if let Ok(mut q) = queue.try_lock() {
                // JACK takes each port's events in time order.
                q.sort_by_key(|(port, time, _)| (*port, *time));
                for (i, port) in ports.iter_mut().enumerate() {
                    let mut writer = port.writer(ps);
                    for (_, time, bytes) in q.iter().filter(|(p, ..)| *p == i) {
                        writer.write(&jack::RawMidi { time: *time, bytes }).unwrap();
                    }
                }
                q.clear();
            }
            jack::Control::Continue
        });
        let client = client
            .activate_async((), jack::contrib::ClosureProcessHandler::new(process))
            .unwrap();
        Sender { client, outbox }
    }

    fn send(&self, bytes: &[u8]) {
        self.send_at(0, 0, bytes);
    }

    /// Queues `bytes` on port `port` at frame `time` of the next cycle.
    fn send_at(&self, port: usize, time: u32, bytes: &[u8]) {
        self.send_in_one_cycle(&[(port, time, bytes)]);
    }

    /// Queues `messages` (port, frame, bytes) for the same cycle.
    fn send_in_one_cycle(&self, messages: &[(usize, u32, &[u8])]) {
        let mut outbox = self.outbox.lock().unwrap();
        outbox.extend(messages.iter().map(|&(p, t, b)| (p, t, b.to_vec())));
    }
}

/// Audio listener: a JACK client with one audio input, connected to chronus's left output.
struct Listener {
    /// Kept for its lifetime: dropping it closes the client.
    _client: jack::AsyncClient<(), jack::contrib::ClosureProcessHandler<(), ListenerFn>>,
    heard: Arc<Mutex<Vec<f32>>>,
}

impl Listener {
    fn open() -> Listener {
        let (client, _) =
            jack::Client::new("audio_probe", jack::ClientOptions::NO_START_SERVER).unwrap();
        let port = client
            .register_port("in", jack::AudioIn::default())
            .unwrap();
        let heard: Arc<Mutex<Vec<f32>>> = Arc::default();
        let sink = heard.clone();
        let process: ListenerFn = Box::new(move |_, ps| {
            if let Ok(mut h) = sink.try_lock() {
                h.extend_from_slice(port.as_slice(ps));
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
        Listener {
            _client: client,
            heard,
        }
    }

    /// Lets the input latency and `settle` pass (the message reaching the engine, glides),
    /// then returns the next 0.2 s of chronus's output.
    fn after(&self, settle_ms: u64) -> Vec<f32> {
        std::thread::sleep(Duration::from_millis(MIDI_LATENCY_MS + settle_ms));
        self.heard.lock().unwrap().clear();
        std::thread::sleep(Duration::from_millis(250));
        let mut h = self.heard.lock().unwrap();
        let n = h.len().min(8192);
        h.drain(..).take(n).collect()
    }
}

/// Asks the player's OSC server (its port is in the "OSC on udp ADDR" line) for
/// `/midi/ports`; returns the reply's arguments.
fn osc_midi_ports(player: &Proc) -> Vec<rosc::OscType> {
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
        addr: "/midi/ports".into(),
        args: vec![],
    });
    socket
        .send_to(&rosc::encoder::encode(&ask).unwrap(), &addr)
        .unwrap();
    let mut buf = [0u8; 4096];
    let (n, _) = socket.recv_from(&mut buf).expect("a /midi/ports reply");
    match rosc::decoder::decode_udp(&buf[..n]).unwrap().1 {
        rosc::OscPacket::Message(m) if m.addr == "/midi/ports" => m.args,
        other => panic!("expected /midi/ports, got {other:?}"),
    }
}

fn freq(s: &[f32]) -> f64 {
    zero_crossing_frequency(s, JACK_RATE as f32).unwrap_or(0.0)
}

/// Spectral energy of `s` (its first 8192 samples) within 10 Hz of each of `hz`.
fn energies<const N: usize>(s: &[f32], hz: [f64; N]) -> [f64; N] {
    let spec = spectrum(&s[..8192]);
    hz.map(|f| band_energy(&spec, JACK_RATE as f32, f - 10.0, f + 10.0))
}

#[test]
fn raw_midi_bytes_from_a_jack_client_do_what_musicians_expect() {
    if !programs_available("midi_jack_bytes", &["jackd", "jack_lsp"]) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = server_for_in_process_clients("midibytes");
    let dir = TempDir::new("midi_jack_bytes");
    let patch = write_patch(&dir);
    let sender = Sender::open();
    let mut player = play(&server, &patch, "midi_probe", &[]);
    wait_line(&mut player, "playing from midi_probe:out", 1);
    server.wait_client_output_ports(3, &mut player);
    let listener = Listener::open();
    step(t, "sender, player and listener connected");
    assert_eq!(
        osc_midi_ports(&player),
        vec![
            rosc::OscType::String("jack".into()),
            rosc::OscType::String("midi_probe:out".into()),
            rosc::OscType::Int(1),
        ],
        "/midi/ports lists the JACK MIDI source and that it is connected"
    );
    let quiet = |s: &[f32]| peak(s) < 1e-4;

    // Running status, with a clock byte (real-time) inside the second message: A4 + A5.
    sender.send(&[0x90, 69, 100, 81, 0xF8, 100]);
    let s = listener.after(150);
    let spec = spectrum(&s[..8192]);
    let (a4, a5, between) = (
        band_energy(&spec, JACK_RATE as f32, 430.0, 450.0),
        band_energy(&spec, JACK_RATE as f32, 870.0, 890.0),
        band_energy(&spec, JACK_RATE as f32, 550.0, 800.0),
    );
    assert!(
        a4 > 100.0 * between && a5 > 100.0 * between,
        "A4 {a4} A5 {a5} elsewhere {between}"
    );
    // Note-on velocity 0 (running status again) releases both.
    sender.send(&[0x90, 69, 0, 81, 0]);
    assert!(
        quiet(&listener.after(100)),
        "velocity-0 note-ons are note-offs"
    );
    step(t, "running status, real-time byte inside, velocity 0");

    // Pitch-bend extremes at the default ±2 semitones.
    sender.send(&[0x90, 69, 100]);
    assert!((freq(&listener.after(100)) - 440.0).abs() < 1.0);
    sender.send(&[0xE0, 0x7F, 0x7F]);
    let up = freq(&listener.after(100));
    assert!((up - 493.88).abs() < 1.0, "full bend up: {up}");
    sender.send(&[0xE0, 0x00, 0x00]);
    let down = freq(&listener.after(100));
    assert!((down - 392.0).abs() < 1.0, "full bend down: {down}");
    step(t, "bend extremes");
    // RPN 0: bend range 12 semitones (CC 101/100 = 0, data entry 12 / 0), then null RPN.
    for cc in [[101, 0], [100, 0], [6, 12], [38, 0], [101, 127], [100, 127]] {
        sender.send(&[0xB0, cc[0], cc[1]]);
    }
    sender.send(&[0xE0, 0x7F, 0x7F]);
    let octave = freq(&listener.after(100));
    assert!(
        (octave - 880.0).abs() < 1.5,
        "RPN range 12, full bend up: {octave}"
    );
    sender.send(&[0xE0, 0x00, 0x40]);
    assert!(
        (freq(&listener.after(100)) - 440.0).abs() < 1.0,
        "bend centred"
    );
    step(t, "RPN bend range");

    // Sustain pedal: the note-off waits for pedal up.
    sender.send(&[0xB0, 64, 127]);
    sender.send(&[0x80, 69, 0]);
    let held = listener.after(100);
    assert!(
        peak(&held) > 0.2 && (freq(&held) - 440.0).abs() < 1.0,
        "the pedal holds A4"
    );
    sender.send(&[0xB0, 64, 0]);
    assert!(quiet(&listener.after(100)), "pedal up releases it");
    step(t, "sustain pedal");

    // All notes off.
    sender.send(&[0x90, 60, 100]);
    sender.send(&[0x90, 64, 100]);
    assert!(peak(&listener.after(100)) > 0.2);
    sender.send(&[0xB0, 123, 0]);
    assert!(quiet(&listener.after(100)), "all notes off");
    step(t, "all notes off");

    // The sender goes away while a note is held: released; it comes back: notes flow.
    sender.send(&[0x90, 69, 100]);
    assert!(peak(&listener.after(100)) > 0.2);
    drop(sender);
    wait_line(
        &mut player,
        "midi_probe:out disconnected; held notes released",
        1,
    );
    assert!(
        quiet(&listener.after(100)),
        "notes held at the disconnect are released"
    );
    step(t, "disconnect: released");
    let sender = Sender::open();
    wait_line(&mut player, "playing from midi_probe:out", 2);
    sender.send(&[0x90, 81, 100]);
    let back = listener.after(100);
    assert!(
        (freq(&back) - 880.0).abs() < 1.0,
        "notes flow again: {}",
        freq(&back)
    );
    step(t, "reconnected, notes flow again");
    assert_eq!(
        count(&player, "waiting for"),
        1,
        "one line per state change: {}",
        player.output.text()
    );

    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "SIGTERM");
    no_allocation_warning(&player);
}

/// The JACK server dies (SIGKILL) and comes back under the same name: the player's MIDI
/// client notices, opens a new one with backoff, and notes play again (the audio output
/// reconnects by itself too, see tests/jack/play_jack.rs).
#[test]
fn midi_comes_back_after_the_jack_server_restarts() {
    if !programs_available("midi_jack_restart", &["jackd", "jack_lsp"]) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let mut server = server_for_in_process_clients("midirestart");
    let dir = TempDir::new("midi_jack_restart");
    let patch = write_patch(&dir);
    let sender = Sender::open();
    let mut player = play(&server, &patch, "midi_probe", &[]);
    wait_line(&mut player, "playing from midi_probe:out", 1);
    server.wait_client_output_ports(3, &mut player);
    step(t, "playing");

    server.kill_hard();
    drop(sender);
    wait_line(&mut player, "midi_probe:out disconnected", 1);
    step(t, "the MIDI input noticed the server is gone");
    server.restart();
    wait_line(&mut player, "reopened", 1);
    step(t, "server back, audio reopened");
    let sender = Sender::open();
    wait_line(&mut player, "playing from midi_probe:out", 2);
    server.wait_client_output_ports(3, &mut player);
    let listener = Listener::open();
    sender.send(&[0x90, 69, 100]);
    let f = freq(&listener.after(150));
    assert!(
        (f - 440.0).abs() < 1.0,
        "a note after the restart: {f} Hz\n{}",
        player.output.text()
    );
    step(t, "notes play again");
    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "SIGTERM");
    no_allocation_warning(&player);
}

/// `--midi-in all` with two sources: each gets an input port of its own
/// (`chronus_midi:in`, `chronus_midi:in-2`); when one goes away, only its notes are released
/// (a key, and a note its pedal kept) while the other's note sounds on. Then 16 more
/// sources: the 17th is refused with one warning line and connected when a port frees up.
#[test]
fn losing_one_jack_source_releases_only_its_notes() {
    if !programs_available("midi_jack_sources", &["jackd", "jack_lsp"]) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = server_for_in_process_clients("midisources");
    let dir = TempDir::new("midi_jack_sources");
    let patch = write_patch(&dir);
    let (a, b) = (Sender::named("keys_a"), Sender::named("keys_b"));
    let mut player = play(&server, &patch, "all", &[]);
    player.wait_output(READY_TIMEOUT, "playing from both senders", |o| {
        o.stderr().iter().any(|l| {
            l.contains("playing from") && l.contains("keys_a:out") && l.contains("keys_b:out")
        })
    });
    server.wait_client_output_ports(3, &mut player);
    let listener = Listener::open();
    step(t, "two senders, player and listener connected");
    let client = b.client.as_client();
    let inputs = client.ports(
        Some("^chronus_midi:"),
        Some("midi"),
        jack::PortFlags::IS_INPUT,
    );
    assert_eq!(
        inputs.len(),
        16,
        "--midi-in all: 16 input ports: {inputs:?}"
    );
    let by_input = |port: &str| {
        client
            .port_by_name(port)
            .map(|p| p.get_connections())
            .unwrap_or_default()
    };
    let mut fed: Vec<Vec<String>> = ["chronus_midi:in", "chronus_midi:in-2"]
        .iter()
        .map(|p| by_input(p))
        .collect();
    fed.sort();
    assert_eq!(
        fed,
        vec![
            vec!["keys_a:out".to_string()],
            vec!["keys_b:out".to_string()]
        ],
        "one input port per source"
    );

    // a: pedal down, A4 (kept by the pedal after its key-up) and E4 (key down); b: A5.
    for m in [
        [0xB0, 64, 127],
        [0x90, 69, 100],
        [0x90, 64, 100],
        [0x80, 69, 0],
    ] {
        a.send(&m);
    }
    b.send(&[0x90, 81, 100]);
    let [e4, a4, a5, between] = energies(&listener.after(150), [329.6, 440.0, 880.0, 600.0]);
    assert!(
        e4.min(a4).min(a5) > 100.0 * between,
        "E4 {e4} A4 {a4} A5 {a5} elsewhere {between}"
    );
    step(t, "both sources' notes sound");

    drop(a);
    wait_line(
        &mut player,
        "keys_a:out disconnected; held notes released (1 note; pedal up on channel 1)",
        1,
    );
    let s = listener.after(100);
    let [e4, a4, a5, between] = energies(&s, [329.6, 440.0, 880.0, 600.0]);
    assert!(
        peak(&s) > 0.2 && (freq(&s) - 880.0).abs() < 1.0 && a5 > 100.0 * (e4 + a4 + between),
        "b's A5 sounds on alone: {} Hz, peak {}, A5 {a5} E4 {e4} A4 {a4} elsewhere {between}",
        freq(&s),
        peak(&s)
    );
    step(t, "a gone: its key and pedal released, b's note sounds on");
    b.send(&[0x80, 81, 0]);
    assert!(
        peak(&listener.after(100)) < 1e-4,
        "b's note-off still works"
    );

    // 16 more sources: 17 for 16 ports.
    let more: Vec<Sender> = (1..=16)
        .map(|i| Sender::named(&format!("pad_{i}")))
        .collect();
    wait_line(&mut player, "every input port of chronus_midi is in use", 1);
    let refused_line = player
        .output
        .stderr()
        .into_iter()
        .find(|l| l.contains("every input port of chronus_midi is in use"))
        .unwrap();
    let refused = refused_line
        .split("cannot connect \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        count(&player, "cannot connect"),
        1,
        "one warning for the refused source, not one per look:\n{}",
        player.output.text()
    );
    step(t, &format!("the 17th source ({refused}) refused, once"));
    drop(b);
    player.wait_output(READY_TIMEOUT, "the refused source connected", |o| {
        o.stderr()
            .iter()
            .any(|l| l.contains("playing from") && l.contains(&refused) && !l.contains("keys_b"))
    });
    step(t, "a port freed: the refused source is connected");
    drop(more);

    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "SIGTERM");
    no_allocation_warning(&player);
}

#[test]
fn two_sources_in_one_cycle_are_routed_in_time_order() {
    // A note-on from one source at frame 10 and its note-off from another at frame 200 of
    // the same JACK cycle: the note is released. Routed port by port, the note-off (on the
    // first input port) came before its note-on, found no note to release, and the note
    // hung.
    if !programs_available("midi_jack_order", &["jackd", "jack_lsp"]) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = server_for_in_process_clients("midiorder");
    let dir = TempDir::new("midi_jack_order");
    let patch = write_patch(&dir);
    let keys = Sender::with_ports("two_keys", &["one", "two"]);
    let mut player = play(&server, &patch, "all", &[]);
    player.wait_output(READY_TIMEOUT, "playing from both ports", |o| {
        o.stderr().iter().any(|l| {
            l.contains("playing from") && l.contains("two_keys:one") && l.contains("two_keys:two")
        })
    });
    server.wait_client_output_ports(3, &mut player);
    let listener = Listener::open();
    let first = keys
        .client
        .as_client()
        .port_by_name("chronus_midi:in")
        .map(|p| p.get_connections())
        .unwrap_or_default();
    // The sender's port on chronus's first input port sends the note-off.
    let off_port = match first.as_slice() {
        [p] if p == "two_keys:one" => 0,
        [p] if p == "two_keys:two" => 1,
        other => panic!("chronus_midi:in fed by {other:?}"),
    };
    let on_port = 1 - off_port;
    step(t, "one sender with two ports, each on its own input port");

    keys.send_at(on_port, 0, &[0x90, 64, 100]);
    let e4 = energies(&listener.after(150), [329.6])[0];
    assert!(e4 > 1.0, "a note-on alone sounds: E4 {e4}");
    keys.send_at(on_port, 0, &[0x80, 64, 0]);
    assert!(
        peak(&listener.after(100)) < 1e-4,
        "and its note-off alone releases it"
    );
    step(t, "each port plays on its own");

    keys.send_in_one_cycle(&[
        (on_port, 10, &[0x90, 69, 100]),
        (off_port, 200, &[0x80, 69, 0]),
    ]);
    let s = listener.after(150);
    assert!(
        peak(&s) < 1e-4,
        "the note-off at frame 200 released the note-on at frame 10: peak {}, {} Hz",
        peak(&s),
        freq(&s)
    );
    step(
        t,
        "note-on and note-off from two ports in one cycle, in time order",
    );

    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "SIGTERM");
    no_allocation_warning(&player);
}
