//! The OSC server over real UDP: every address of docs/CONTRACTS.md §2, replies and `/reply`,
//! one test per error class (the reply text, and the sound unaffected), bundles at their
//! sample time, malformed and random packets, and a flood.

use std::net::UdpSocket;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chronus::config::Config;
use chronus::control::Controller;
use chronus::engine::{Engine, EngineConfig, EngineStats};
use chronus::midi::router::Router;
use chronus::osc::{HostStatus, MessageTap, MidiAccess, OscOptions, OscServer, PatchFolder};
use chronus::realtime::sample_clock::SampleClock;
use chronus_modules::analysis::{peak, zero_crossing_frequency};
use chronus_modules::Registry;
use parking_lot::Mutex;
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

use crate::support::engine::SR;

struct Rig {
    engine: Engine,
    control: Arc<Mutex<Controller>>,
    server: OscServer,
    client: UdpSocket,
    folder: PathBuf,
}

fn folder() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "chronus-osc-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("patches")).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("patches");
    for f in ["sine-test-tone.ron", "poly-subtractive.ron"] {
        std::fs::copy(src.join(f), dir.join("patches").join(f)).unwrap();
    }
    std::fs::write(dir.join("secret.ron"), "()").unwrap();
    dir
}

fn rig(patch: &str) -> Rig {
    rig_tapped(patch, None)
}

/// A rig whose server calls `tap` on every message before handling it.
fn rig_tapped(patch: &str, tap: Option<MessageTap>) -> Rig {
    let (engine, handle) = Engine::new(EngineConfig {
        sample_rate: SR,
        ..EngineConfig::default()
    });
    let mut control = Controller::new(Registry::builtin(), handle);
    control.load(crate::support::engine::patch(patch)).unwrap();
    let control = Arc::new(Mutex::new(control));
    let folder = folder();
    let server = OscServer::start_tapped(
        OscOptions {
            bind: "127.0.0.1".parse().unwrap(),
            port: 0,
            folder: PatchFolder::new(folder.join("patches")),
        },
        control.clone(),
        Arc::new(|| HostStatus {
            dsp_load: 0.25,
            xruns: 3,
            refused: 0,
            panics: 0,
        }),
        Some(MidiAccess {
            router: Arc::new(Mutex::new(Router::new(Config::default(), control.clone()))),
            ports: None,
        }),
        tap,
    )
    .unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut rig = Rig {
        engine,
        control,
        server,
        client,
        folder,
    };
    rig.play(256);
    rig
}

fn msg(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.to_string(),
        args,
    })
}

fn s(v: &str) -> OscType {
    OscType::String(v.to_string())
}

impl Rig {
    fn send(&self, packet: &OscPacket) {
        self.send_bytes(&rosc::encoder::encode(packet).unwrap());
    }

    fn send_bytes(&self, bytes: &[u8]) {
        self.client
            .send_to(bytes, self.server.local_addr())
            .unwrap();
    }

    fn recv_on(socket: &UdpSocket) -> OscMessage {
        let mut buf = [0u8; 65_536];
        let (n, _) = socket.recv_from(&mut buf).expect("no reply within 5 s");
        match rosc::decoder::decode_udp(&buf[..n]).unwrap().1 {
            OscPacket::Message(m) => m,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    fn recv(&self) -> OscMessage {
        Self::recv_on(&self.client)
    }

    /// Sends a message followed by `/status`, and returns every reply up to the status
    /// reply (so a message that answers nothing is known to be handled).
    fn call(&self, packet: OscPacket) -> Vec<OscMessage> {
        self.call_bytes(&rosc::encoder::encode(&packet).unwrap())
    }

    /// [`Rig::call`] with raw bytes (packets the encoder would never write).
    fn call_bytes(&self, bytes: &[u8]) -> Vec<OscMessage> {
        self.send_bytes(bytes);
        self.send(&msg("/status", vec![]));
        let mut replies = Vec::new();
        loop {
            let m = self.recv();
            if m.addr == "/status.reply" {
                return replies;
            }
            replies.push(m);
        }
    }

    fn error(&self, packet: OscPacket) -> (String, String) {
        let replies = self.call(packet);
        match replies.as_slice() {
            [OscMessage { addr, args }] if addr == "/error" => match args.as_slice() {
                [OscType::String(a), OscType::String(m)] => (a.clone(), m.clone()),
                other => panic!("bad /error args {other:?}"),
            },
            other => panic!("expected one /error, got {other:?}"),
        }
    }

    /// Anchors the sample clock at the engine's time now (as a callback would) and sends
    /// `message` in a bundle time-tagged 100 ms (4 800 samples) later; returns the anchor.
    fn bundle_in_100_ms(&self, message: OscPacket) -> u64 {
        let stats = self.control.lock().engine().stats().clone();
        let now = SystemTime::now();
        let anchor = self.engine.sample_time();
        SampleClock::publish(&stats, anchor, now, SR);
        self.call(OscPacket::Bundle(OscBundle {
            timetag: OscTime::try_from(now + Duration::from_millis(100)).unwrap(),
            content: vec![message],
        }));
        anchor
    }

    /// Runs the engine (as the audio thread would) and returns the left channel.
    fn play(&mut self, frames: usize) -> Vec<f32> {
        let (l, _) = crate::support::engine::run(&mut self.engine, frames, 256);
        self.control.lock().collect_garbage();
        l
    }
}

const EMPTY: &str = "(modules: {}, connections: [])";

#[test]
fn a_patch_built_over_osc_plays_and_changes_frequency_live() {
    let mut r = rig(EMPTY);
    let replies = r.call(msg(
        "/patch/create",
        vec![s("osc"), s("sine"), s("freq"), OscType::Float(440.0)],
    ));
    assert!(replies.is_empty(), "{replies:?}");
    r.call(msg(
        "/patch/create",
        vec![s("amp"), s("vca"), s("gain"), OscType::Int(1)],
    ));
    r.call(msg("/patch/connect", vec![s("osc.out"), s("amp.in")]));
    r.call(msg("/patch/connect", vec![s("amp.out"), s("output.left")]));
    let replies = r.call(msg("/patch/commit", vec![]));
    assert_eq!(replies[0].addr, "/patch/committed");
    assert_eq!(replies[0].args, vec![OscType::Int(2)]);
    let l = r.play(48_000);
    let f = zero_crossing_frequency(&l[4_800..], SR).unwrap();
    assert!((f - 440.0).abs() < 0.5, "{f}");
    r.call(msg("/mod/osc/freq", vec![OscType::Int(880)]));
    r.play(4_800);
    let l = r.play(48_000);
    let f = zero_crossing_frequency(&l, SR).unwrap();
    assert!((f - 880.0).abs() < 0.5, "{f}");
}

#[test]
fn status_dump_save_load_and_reply_port() {
    let mut r = rig(EMPTY);
    // /status.reply: revision, dsp load, voices, xruns, sample rate, refused.
    r.send(&msg("/status", vec![]));
    let st = r.recv();
    assert_eq!(st.addr, "/status.reply");
    assert_eq!(
        st.args,
        vec![
            OscType::Int(1),
            OscType::Float(0.25),
            OscType::Int(0),
            OscType::Int(3),
            OscType::Float(SR),
            OscType::Int(0),
            OscType::Int(0),
            // The clock: source, tempo (none without a sequence), external, Link peers
            // and phase.
            OscType::String("internal".into()),
            OscType::Float(0.0),
            OscType::Int(0),
            OscType::Int(0),
            OscType::Float(0.0),
            // Overload shedding: level, voices shed.
            OscType::Int(0),
            OscType::Int(0),
        ]
    );
    // /reply: replies go to another port of the same host from now on.
    let other = UdpSocket::bind("127.0.0.1:0").unwrap();
    other
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let port = other.local_addr().unwrap().port() as i32;
    r.send(&msg("/reply", vec![OscType::Int(port)]));
    r.send(&msg("/patch/load", vec![s("sine-test-tone")]));
    let m = Rig::recv_on(&other);
    assert_eq!(
        (m.addr.as_str(), &m.args[..]),
        ("/patch/committed", &[OscType::Int(2)][..])
    );
    r.play(4_800);
    r.send(&msg("/patch/dump", vec![]));
    let dump = Rig::recv_on(&other);
    let OscType::String(text) = &dump.args[0] else {
        panic!("{dump:?}")
    };
    chronus::graph::check(text, None, &Registry::builtin()).expect("dump is a valid patch");
    r.send(&msg("/patch/save", vec![s("saved/copy")]));
    let m = Rig::recv_on(&other);
    assert_eq!(m.addr, "/error", "no such subfolder: {m:?}");
    r.send(&msg("/patch/save", vec![s("copy")]));
    let m = Rig::recv_on(&other);
    assert_eq!(m.addr, "/patch/saved");
    let saved = std::fs::read_to_string(r.folder.join("patches/copy.ron")).unwrap();
    assert_eq!(&saved, text);
}

#[test]
fn a_dump_too_large_for_one_packet_is_refused_with_a_hint_and_save_still_works() {
    // 500 lowpass modules: about 75 KB of RON, more than one UDP datagram holds.
    let modules: String = (0..500)
        .map(|i| format!(r#""filter{i}": (kind: "lowpass", params: {{"cutoff": 1000.0}}),"#))
        .collect();
    let r = rig(&format!("(modules: {{{modules}}}, connections: [])"));
    let (addr, message) = r.error(msg("/patch/dump", vec![]));
    assert_eq!(addr, "/patch/dump");
    assert!(
        message.contains("more than one UDP packet holds") && message.contains("/patch/save"),
        "{message}"
    );
    assert!(!message.contains('\n'), "one line: {message}");
    r.send(&msg("/patch/save", vec![s("big")]));
    assert_eq!(r.recv().addr, "/patch/saved");
    let saved = std::fs::read_to_string(r.folder.join("patches/big.ron")).unwrap();
    assert!(saved.len() > 65_507, "{} bytes", saved.len());
}

/// Voices sounding in the rig's engine.
fn voices(r: &Rig) -> u64 {
    EngineStats::get(&r.control.lock().engine().stats().voices_active)
}

#[test]
fn notes_by_default_channel_and_instrument() {
    let mut r = rig(
        r#"(voice: (count: 2, modules: {"k": (kind: "vca", params: {"gain": 0.0078125})},
             connections: [("note.pitch", "k.in"), ("k.out", "output.left")]),
           connections: [("voices.left", "output.left")])"#,
    );
    r.call(msg("/note/on", vec![OscType::Int(64), OscType::Float(1.0)]));
    r.call(msg(
        "/note/on",
        vec![OscType::Int(32), OscType::Int(127), OscType::Int(3)],
    ));
    let l = r.play(512);
    assert!((l[511] - 0.75).abs() < 1e-5, "{}", l[511]);
    r.call(msg("/note/off", vec![OscType::Int(64), s("voices")]));
    let l = r.play(512);
    assert!((l[511] - 0.25).abs() < 1e-5, "{}", l[511]);
    // Velocity 0, as int or float, is a note-off (as in MIDI), not a silent note.
    r.call(msg("/note/on", vec![OscType::Int(32), OscType::Int(0)]));
    r.play(512);
    assert_eq!(voices(&r), 0);
    r.call(msg("/note/on", vec![OscType::Int(64), OscType::Float(1.0)]));
    r.call(msg("/note/on", vec![OscType::Int(64), OscType::Float(0.0)]));
    r.play(512);
    assert_eq!(voices(&r), 0);
    r.call(msg("/note/on", vec![OscType::Int(64), OscType::Float(1.0)]));
    r.call(msg("/note/panic", vec![]));
    let l = r.play(512);
    assert_eq!(peak(&l[400..]), 0.0);
}

/// One case per error class: what is sent, the address and the start of the message
/// expected in `/error`.
#[test]
fn every_refused_message_answers_error_and_changes_nothing() {
    let tone = "(modules: {\"osc\": (kind: \"sine\", params: {\"freq\": 440.0})}, connections: [(\"osc.out\", \"output.left\")])";
    let mut r = rig(tone);
    let reference = {
        let mut clean = rig(tone);
        clean.play(9_600)
    };
    let cases: Vec<(OscPacket, &str, &str)> = vec![
        (msg("/nope", vec![]), "/nope", "unknown address"),
        (
            msg("/patch/delete", vec![]),
            "/patch/delete",
            "expected s id, got 0 arguments",
        ),
        (
            msg("/patch/delete", vec![OscType::Int(3)]),
            "/patch/delete",
            "argument 1 (id) must be a string, got an int",
        ),
        (
            msg("/patch/delete", vec![s("ghost")]),
            "/patch/delete",
            "no module \"ghost\" in the patch",
        ),
        (
            msg("/patch/create", vec![s("x"), s("sawx")]),
            "/patch/create",
            "module \"x\": unknown kind \"sawx\"",
        ),
        (
            msg("/patch/connect", vec![s("osc.nope"), s("output.left")]),
            "/patch/connect",
            "connection source \"osc.nope\"",
        ),
        (
            // Both ends the wrong way round: two errors, sent as one line.
            msg("/patch/connect", vec![s("osc.freq"), s("osc.out")]),
            "/patch/connect",
            "connection source \"osc.freq\"",
        ),
        (
            msg("/patch/set", vec![s("osc"), s("fq"), OscType::Float(1.0)]),
            "/patch/set",
            "module \"osc\": sine has no param \"fq\"",
        ),
        (
            msg("/mod/osc/freq", vec![OscType::Float(-3.0)]),
            "/mod/osc/freq",
            "param `freq`: -3 is out of range 0 .. 20000 Hz",
        ),
        (
            msg("/mod/osc/freq", vec![s("high")]),
            "/mod/osc/freq",
            "param `freq`: expected a number",
        ),
        (
            msg("/note/on", vec![OscType::Int(60), OscType::Float(1.0)]),
            "/note/on",
            "no instrument for the default instrument",
        ),
        (
            msg("/note/on", vec![OscType::Int(200), OscType::Float(1.0)]),
            "/note/on",
            "note 200 is out of range 0 .. 127",
        ),
        (
            msg("/patch/load", vec![s("missing")]),
            "/patch/load",
            "cannot read patch \"missing\"",
        ),
        (
            msg("/patch/load", vec![s("../secret")]),
            "/patch/load",
            "patch name \"../secret\" may not contain `..`",
        ),
        (
            msg("/patch/load", vec![s("/etc/passwd")]),
            "/patch/load",
            "patch name \"/etc/passwd\" must be relative",
        ),
        (
            msg("/patch/save", vec![s("../evil")]),
            "/patch/save",
            "patch name \"../evil\" may not contain `..`",
        ),
        (msg("/reply", vec![s("x")]), "/reply", "expected i port"),
    ];
    for (packet, addr, start) in cases {
        let (a, m) = r.error(packet);
        assert_eq!(a, addr);
        assert!(m.starts_with(start) || m.contains(start), "{addr}: {m}");
        assert!(!m.contains('\n'), "one line: {m}");
    }
    // A connection that would close a loop: refused at once (not at the next commit), the
    // valid edits before it stay in standby.
    r.call(msg("/patch/create", vec![s("f"), s("lowpass")]));
    r.call(msg("/patch/connect", vec![s("f.out"), s("osc.freq")]));
    let (a, m) = r.error(msg("/patch/connect", vec![s("osc.out"), s("f.in")]));
    assert_eq!(a, "/patch/connect");
    assert_eq!(m, "cycle through modules \"osc\" -> \"f\" -> \"osc\"");
    let standby = r.control.lock().standby().clone();
    assert!(standby.modules.contains_key("f"));
    assert_eq!(standby.connections.len(), 2, "{:?}", standby.connections);
    // Malformed packet.
    r.send_bytes(b"/not-osc\0garbage");
    let m = r.recv();
    assert_eq!(m.addr, "/error");
    assert!(matches!(&m.args[1], OscType::String(t) if t.starts_with("malformed packet")));
    // The sound is exactly what it would have been without any of these messages.
    r.control.lock().abort();
    let heard = r.play(9_600);
    assert!(heard == reference, "the refused messages changed the sound");
}

#[test]
fn a_bundle_in_the_future_plays_at_its_sample() {
    let mut r = rig(
        r#"(voice: (count: 1, modules: {}, connections: [("note.gate", "output.left")]),
           connections: [("voices.left", "output.left")])"#,
    );
    let anchor = r.bundle_in_100_ms(msg("/note/on", vec![OscType::Int(60), OscType::Float(1.0)]));
    let l = r.play(9_600);
    let onset = l.iter().position(|&x| x > 0.5).unwrap() as u64 + anchor;
    assert!(
        (onset as i64 - (anchor + 4_800) as i64).abs() <= 1,
        "onset {onset}"
    );
}

#[test]
fn a_future_mod_lands_at_its_sample_when_a_commit_comes_first() {
    let mut r = rig(&crate::support::engine::level_patch(8));
    r.call(msg("/note/on", vec![OscType::Int(60), OscType::Float(1.0)]));
    let anchor = r.bundle_in_100_ms(msg("/mod/c/value", vec![OscType::Float(0.5)]));
    let replies = r.call(msg("/patch/commit", vec![]));
    assert!(
        matches!(replies.as_slice(), [m] if m.addr == "/patch/committed"),
        "{replies:?}"
    );
    let l = r.play(9_600);
    assert_eq!(l[0], 1.0, "the held note, at its level");
    let falls = l.iter().position(|&x| x < 1.0).unwrap() as u64 + anchor;
    assert!(
        (falls as i64 - (anchor + 4_800) as i64).abs() <= 1,
        "the level falls at {falls}, not at its time tag {}",
        anchor + 4_800
    );
}

#[test]
fn random_and_truncated_packets_never_break_the_server() {
    let r = rig(EMPTY);
    let valid = rosc::encoder::encode(&msg(
        "/patch/create",
        vec![s("a"), s("sine"), s("freq"), OscType::Float(1.0)],
    ))
    .unwrap();
    let mut seed = 0x1234_5678_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // The junk comes from another socket, whose replies nobody reads (its receive buffer
    // may overflow: that is the client's loss, not the server's).
    let junk = UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..3_000 {
        let bytes: Vec<u8> = if i % 3 == 0 {
            valid[..(next() as usize % valid.len())].to_vec()
        } else if i % 3 == 1 {
            let mut v = valid.clone();
            let k = next() as usize % v.len();
            v[k] = next() as u8;
            v
        } else {
            (0..next() % 64).map(|_| next() as u8).collect()
        };
        junk.send_to(&bytes, r.server.local_addr()).unwrap();
    }
    // Still answering after all of that. (The burst may overflow the server socket's
    // kernel buffer, which then drops a /status sent right behind it: ask until answered.)
    r.client
        .set_read_timeout(Some(Duration::from_millis(250)))
        .unwrap();
    let answered = (0..40).any(|_| {
        r.send(&msg("/status", vec![]));
        let mut buf = [0u8; 1_024];
        while let Ok((n, _)) = r.client.recv_from(&mut buf) {
            if let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(&buf[..n]) {
                if m.addr == "/status.reply" {
                    return true;
                }
            }
        }
        false
    });
    assert!(answered, "the server stopped answering");
    assert!(
        r.server
            .stats()
            .refused
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
    );
}

#[test]
fn a_flood_is_refused_with_counted_errors_not_lost() {
    let r = rig(
        r#"(voice: (count: 2, modules: {}, connections: [("note.gate", "output.left")]),
           connections: [("voices.left", "output.left")])"#,
    );
    // The engine is not running, so the command ring (4096) fills: the rest is refused.
    let note = rosc::encoder::encode(&msg(
        "/note/on",
        vec![OscType::Int(60), OscType::Float(1.0)],
    ))
    .unwrap();
    let listener = UdpSocket::bind("127.0.0.1:0").unwrap();
    listener
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let port = listener.local_addr().unwrap().port() as i32;
    let flooder = UdpSocket::bind("127.0.0.1:0").unwrap();
    let register = rosc::encoder::encode(&msg("/reply", vec![OscType::Int(port)])).unwrap();
    flooder.send_to(&register, r.server.local_addr()).unwrap();
    // Count the /error replies while the flood goes on.
    let counter = std::thread::spawn(move || {
        let (mut errors, mut buf) = (0u64, [0u8; 1_024]);
        while let Ok((n, _)) = listener.recv_from(&mut buf) {
            if let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(&buf[..n]) {
                errors += u64::from(m.addr == "/error");
            }
        }
        errors
    });
    for _ in 0..50_000 {
        flooder.send_to(&note, r.server.local_addr()).unwrap();
    }
    let errors = counter.join().unwrap();
    // Replies from this IP address go back to their senders again.
    let unregister = rosc::encoder::encode(&msg("/reply", vec![OscType::Int(0)])).unwrap();
    flooder.send_to(&unregister, r.server.local_addr()).unwrap();
    // The server stays responsive and reports the refusals.
    r.send(&msg("/status", vec![]));
    let status = loop {
        let m = r.recv();
        if m.addr == "/status.reply" {
            break m;
        }
    };
    let stats = r.server.stats();
    let received = stats.received.load(std::sync::atomic::Ordering::Relaxed);
    let refused = stats.refused.load(std::sync::atomic::Ordering::Relaxed);
    assert!(refused > 0, "nothing refused");
    assert_eq!(status.args[5], OscType::Int(refused as i32));
    // Every message the server received was queued (4096 ring slots) or refused with a
    // counted /error; none vanished inside Chronus. (UDP packets the kernel dropped before
    // the server read them never arrived; `received` counts what did, plus two /reply and
    // one /status.)
    assert_eq!(
        received - 3,
        4_096 + refused,
        "received {received}, refused {refused}"
    );
    assert!(
        errors > 0 && errors <= refused,
        "{errors} /error replies for {refused} refusals"
    );
}

#[test]
fn midi_addresses_reach_the_router() {
    // Pitch (with bend) as a DC level, plus a mod-wheel `midi_cc` as a second voice input.
    let mut r = rig(r#"(voice: (count: 2, modules: {
                "k": (kind: "vca", params: {"gain": 0.0078125}),
                "wheel": (kind: "midi_cc", params: {"cc": 1}),
                "w": (kind: "vca"),
            },
            connections: [("note.pitch", "k.in"), ("k.out", "output.left"),
                ("wheel.out", "w.in"), ("w.out", "output.right")]),
           connections: [("voices.left", "output.left"), ("voices.right", "output.right")])"#);
    r.call(msg("/note/on", vec![OscType::Int(64), OscType::Float(1.0)]));
    // Full bend up on channel 1: pitch 66 (±2 semitones).
    assert!(r
        .call(msg(
            "/note/bend",
            vec![OscType::Int(1), OscType::Float(1.0)]
        ))
        .is_empty());
    r.play(4_800);
    let l = r.play(256);
    assert!((l[255] - 66.0 / 128.0).abs() < 1e-4, "{}", l[255]);
    // /midi/cc goes through the same router: RPN 0 = 12 semitones, then the mod wheel.
    for (cc, v) in [(101, 0), (100, 0), (6, 12), (1, 127)] {
        let replies = r.call(msg(
            "/midi/cc",
            vec![OscType::Int(1), OscType::Int(cc), OscType::Int(v)],
        ));
        assert!(replies.is_empty(), "{replies:?}");
    }
    r.play(4_800);
    let l = r.play(256);
    assert!((l[255] - 76.0 / 128.0).abs() < 1e-4, "{}", l[255]);
    let right = {
        let (_, right) = crate::support::engine::run(&mut r.engine, 256, 256);
        right[255]
    };
    assert!((right - 1.0).abs() < 1e-4, "mod wheel at 127: {right}");
    // Without a MIDI input, /midi/ports says so.
    let replies = r.call(msg("/midi/ports", vec![]));
    assert_eq!(replies[0].addr, "/midi/ports");
    assert_eq!(replies[0].args, vec![s("none")]);
    // Refusals: one line each.
    let cases = [
        (
            "/note/bend",
            vec![OscType::Int(0), OscType::Float(0.0)],
            "channel 0 is out of range 1 .. 16",
        ),
        (
            "/note/bend",
            vec![OscType::Int(1), OscType::Float(1.5)],
            "bend 1.5 is out of range -1 .. 1",
        ),
        (
            "/midi/cc",
            vec![OscType::Int(1), OscType::Int(128), OscType::Int(0)],
            "cc 128 is out of range 0 .. 127",
        ),
        (
            "/midi/cc",
            vec![OscType::Int(1), OscType::Int(7)],
            "expected",
        ),
    ];
    for (addr, args, want) in cases {
        let (a, m) = r.error(msg(addr, args));
        assert_eq!(a, addr);
        assert!(m.starts_with(want), "{addr}: {m}");
    }
}

/// A bundle's raw bytes: `#bundle`, the time tag, then each element with its size.
fn raw_bundle<E: AsRef<[u8]>>(seconds: u32, fractional: u32, elements: &[E]) -> Vec<u8> {
    let mut b = b"#bundle\0".to_vec();
    b.extend_from_slice(&seconds.to_be_bytes());
    b.extend_from_slice(&fractional.to_be_bytes());
    for e in elements {
        let e = e.as_ref();
        b.extend_from_slice(&(e.len() as u32).to_be_bytes());
        b.extend_from_slice(e);
    }
    b
}

/// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// The OSC time tag `secs` seconds from now (negative: ago).
fn tag_from_now(secs: i64) -> (u32, u32) {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    ((now + NTP_UNIX_OFFSET as i64 + secs) as u32, 0)
}

#[test]
fn time_tags_anywhere_in_64_bits_never_silence_the_server() {
    let mut r = rig(
        r#"(voice: (count: 1, modules: {}, connections: [("note.gate", "output.left")]),
           connections: [("voices.left", "output.left")])"#,
    );
    // The host's anchor, as a callback publishes it.
    let stats = r.control.lock().engine().stats().clone();
    SampleClock::publish(&stats, r.engine.sample_time(), SystemTime::now(), SR);
    let on = rosc::encoder::encode(&msg(
        "/note/on",
        vec![OscType::Int(60), OscType::Float(1.0)],
    ))
    .unwrap();
    let off = rosc::encoder::encode(&msg("/note/off", vec![OscType::Int(60)])).unwrap();
    // Five seconds after the NTP epoch (before 1970): it panicked the server once. A
    // tag in the past plays now.
    let replies = r.call_bytes(&raw_bundle(5, 0, &[&on]));
    assert!(replies.is_empty(), "{replies:?}");
    assert_eq!(r.play(256)[0], 1.0, "a tag before 1970 plays now");
    r.call_bytes(&raw_bundle(0, 0, &[&off]));
    assert_eq!(r.play(256)[0], 0.0, "the zero tag plays now");
    // Every corner of the 64-bit range, and an hour ago: answered, nothing panics.
    for (seconds, fractional) in [
        (0, 0),
        (0, 1),
        (0, u32::MAX),
        (1, 0),
        (NTP_UNIX_OFFSET as u32 - 1, u32::MAX),
        (NTP_UNIX_OFFSET as u32, 0),
        (u32::MAX / 2, u32::MAX),
        tag_from_now(-3_600),
    ] {
        r.call_bytes(&raw_bundle(seconds, fractional, &[&on]));
        r.call_bytes(&raw_bundle(seconds, fractional, &[&off]));
    }
    // Absurdly far ahead: refused, naming the limit; the note never starts.
    for (seconds, fractional) in [(u32::MAX, u32::MAX), tag_from_now(2 * 3_600)] {
        let replies = r.call_bytes(&raw_bundle(seconds, fractional, &[&on]));
        match replies.as_slice() {
            [m] if m.addr == "/error" => {
                assert_eq!(m.args[0], s("#bundle"), "{m:?}");
                let OscType::String(text) = &m.args[1] else {
                    panic!("{m:?}")
                };
                assert!(text.contains("3600 s ahead"), "{text}");
            }
            other => panic!("expected one /error, got {other:?}"),
        }
    }
    assert_eq!(r.play(256)[0], 0.0, "a refused bundle changes nothing");
    // Half an hour ahead is within the limit: accepted, nothing said.
    let (seconds, fractional) = tag_from_now(1_800);
    let replies = r.call_bytes(&raw_bundle(seconds, fractional, &[&off]));
    assert!(replies.is_empty(), "{replies:?}");
}

#[test]
fn bundles_nested_empty_or_with_lying_sizes_are_handled() {
    let mut r = rig(
        r#"(voice: (count: 1, modules: {}, connections: [("note.gate", "output.left")]),
           connections: [("voices.left", "output.left")])"#,
    );
    let on = rosc::encoder::encode(&msg(
        "/note/on",
        vec![OscType::Int(60), OscType::Float(1.0)],
    ))
    .unwrap();
    // Empty: nothing to do, nothing to say.
    assert!(r.call_bytes(&raw_bundle::<&[u8]>(0, 1, &[])).is_empty());
    // Nested a few levels: the message plays.
    let mut nested = on.clone();
    for _ in 0..4 {
        nested = raw_bundle(0, 1, &[nested]);
    }
    assert!(r.call_bytes(&nested).is_empty());
    assert_eq!(r.play(256)[0], 1.0);
    r.call(msg("/note/panic", vec![]));
    // Nested deeper than the limit (as deep as a datagram allows): refused, not a crash.
    let mut deep = on.clone();
    for _ in 0..3_000 {
        deep = raw_bundle(0, 1, &[deep]);
    }
    let replies = r.call_bytes(&deep);
    match replies.as_slice() {
        [m] if m.addr == "/error" => {
            let OscType::String(text) = &m.args[1] else {
                panic!("{m:?}")
            };
            assert!(text.contains("nested deeper than 8"), "{text}");
        }
        other => panic!("expected one /error, got {other:?}"),
    }
    // Element sizes that lie (longer than the packet, zero, not a multiple of 4): an
    // error or nothing, never a crash.
    let mut lying = raw_bundle(0, 1, &[&on]);
    lying[16..20].copy_from_slice(&1_000_000u32.to_be_bytes());
    r.call_bytes(&lying);
    let mut zero = raw_bundle(0, 1, &[&on]);
    zero[16..20].copy_from_slice(&0u32.to_be_bytes());
    r.call_bytes(&zero);
    let mut odd = raw_bundle(0, 1, &[&on]);
    odd[16..20].copy_from_slice(&3u32.to_be_bytes());
    r.call_bytes(&odd);
    // Too many elements in one packet: refused whole.
    let tiny = rosc::encoder::encode(&msg("/status", vec![])).unwrap();
    let many = raw_bundle(0, 1, &vec![tiny; 2_000]);
    let replies = r.call_bytes(&many);
    assert!(
        matches!(replies.as_slice(), [m] if m.addr == "/error"),
        "{replies:?}"
    );
    assert_eq!(r.play(256)[0], 0.0, "nothing refused played");
}

#[test]
fn a_panic_handling_one_packet_is_caught_counted_and_the_next_is_answered() {
    // A fault injected into the handler: a tap that panics on one address.
    let tap: MessageTap = Arc::new(|m: &OscMessage| {
        if m.addr == "/boom" {
            panic!("injected fault");
        }
    });
    let mut r = rig_tapped(EMPTY, Some(tap));
    let replies = r.call(msg("/boom", vec![]));
    match replies.as_slice() {
        [m] if m.addr == "/error" => {
            assert_eq!(m.args[0], s("/boom"), "{m:?}");
            let OscType::String(text) = &m.args[1] else {
                panic!("{m:?}")
            };
            assert!(text.contains("internal error"), "{text}");
        }
        other => panic!("expected one /error, got {other:?}"),
    }
    // The next packets are served, and /status counts the panic (its field 6, `panics`).
    let replies = r.call(msg(
        "/patch/create",
        vec![s("osc"), s("sine"), s("freq"), OscType::Float(440.0)],
    ));
    assert!(replies.is_empty(), "{replies:?}");
    r.send(&msg("/status", vec![]));
    let status = r.recv();
    assert_eq!(status.args.get(6), Some(&OscType::Int(1)), "{status:?}");
    // The same in a bundle, twice: each counted, the server still answers.
    let boom = msg("/boom", vec![]);
    r.call(OscPacket::Bundle(OscBundle {
        timetag: OscTime::from((0, 1)),
        content: vec![boom.clone(), boom],
    }));
    r.send(&msg("/status", vec![]));
    assert_eq!(r.recv().args.get(6), Some(&OscType::Int(2)));
    assert_eq!(r.control.lock().faults().panics(), 2);
    r.play(256);
}

#[test]
fn what_a_client_can_grow_is_bounded_and_refused_with_a_reason() {
    let mut r = rig(
        r#"(voice: (count: 1, modules: {}, connections: [("note.gate", "output.left")]),
           connections: [("voices.left", "output.left")])"#,
    );
    // Modules in the standby patch: the 1025th is refused, naming the limit.
    for i in 0..1_024 {
        r.call(msg("/patch/create", vec![s(&format!("c{i}")), s("const")]));
    }
    let (addr, message) = r.error(msg("/patch/create", vec![s("one_more"), s("const")]));
    assert_eq!(addr, "/patch/create");
    assert!(message.contains("at most 1024 are allowed"), "{message}");
    r.call(msg("/patch/abort", vec![]));
    // Memory: 520 delays (2 s lines, 512 KiB each) are more state than a graph may hold;
    // the commit is refused before anything is built.
    for i in 0..520 {
        r.call(msg("/patch/create", vec![s(&format!("d{i}")), s("delay")]));
    }
    let (addr, message) = r.error(msg("/patch/commit", vec![]));
    assert_eq!(addr, "/patch/commit");
    assert!(message.contains("at most 256 MiB per graph"), "{message}");
    r.call(msg("/patch/abort", vec![]));
    // Events scheduled ahead: the 513th is refused; live notes go on meanwhile.
    let stats = r.control.lock().engine().stats().clone();
    SampleClock::publish(&stats, r.engine.sample_time(), SystemTime::now(), SR);
    let later = OscTime::try_from(SystemTime::now() + Duration::from_secs(1_800)).unwrap();
    let ahead = |m: OscPacket| {
        OscPacket::Bundle(OscBundle {
            timetag: later,
            content: vec![m],
        })
    };
    let off = || msg("/note/off", vec![OscType::Int(60)]);
    for _ in 0..512 {
        r.call(ahead(off()));
    }
    let (addr, message) = r.error(ahead(off()));
    assert_eq!(addr, "/note/off");
    assert!(
        message.contains("512 events are scheduled ahead"),
        "{message}"
    );
    r.call(msg("/note/on", vec![OscType::Int(60), OscType::Float(1.0)]));
    assert_eq!(r.play(256)[0], 1.0, "a live note still plays at once");
}
