//! The LED cue bus with real listeners (docs/CONTRACTS.md §7): a seeded sequencer run of
//! `chronus play --host null` sends its cues to a UDP socket (one JSON object per
//! datagram), to liblo's `oscdump` (`/cue/note i i`, ...) and to a serial port — one end
//! of a `socat` pseudo-terminal pair, the test reading the other and decoding the frames
//! and their checksums. The three sinks carry the same notes in the same order, and the
//! idle switch shows as `mode` and `idle` cues.

use std::io::Read;
use std::net::UdpSocket;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::chronus::chronus_cmd;
use crate::support::osc::{free_port, oscdump};
use crate::support::process::{programs_available, Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;

/// One decoded serial frame: (type, payload).
type Frame = (u8, Vec<u8>);

/// Decodes `0xC5, type, len, payload, xor` frames; counts frames whose checksum is wrong.
fn decode(bytes: &[u8]) -> (Vec<Frame>, usize) {
    let (mut frames, mut bad, mut i) = (Vec::new(), 0, 0);
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xC5 {
            i += 1;
            continue;
        }
        let (kind, len) = (bytes[i + 1], bytes[i + 2] as usize);
        if i + 4 + len > bytes.len() {
            break;
        }
        let payload = &bytes[i + 3..i + 3 + len];
        let sum = bytes[i + 1..i + 3 + len].iter().fold(0u8, |a, b| a ^ b);
        if sum == bytes[i + 3 + len] {
            frames.push((kind, payload.to_vec()));
            i += 4 + len;
        } else {
            bad += 1;
            i += 1;
        }
    }
    (frames, bad)
}

fn wait_for(path: &Path) {
    let end = Instant::now() + READY_TIMEOUT;
    while !path.exists() {
        assert!(Instant::now() < end, "socat never made {}", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn udp_osc_and_serial_sinks_carry_the_same_cues() {
    if !programs_available(
        "udp_osc_and_serial_sinks_carry_the_same_cues",
        &["oscdump", "socat"],
    ) {
        return;
    }
    let dir = TempDir::new("cue_sinks");
    let (ours, theirs) = (dir.join("tty-chronus"), dir.join("tty-teensy"));
    let mut socat = Command::new("socat");
    socat.arg(format!("pty,raw,echo=0,link={}", ours.display()));
    socat.arg(format!("pty,raw,echo=0,link={}", theirs.display()));
    let _socat = Proc::spawn("socat", socat);
    wait_for(&ours);
    wait_for(&theirs);
    let mut teensy = std::fs::File::open(&theirs).unwrap();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = teensy.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });

    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let osc_port = free_port();
    let mut dump = oscdump(osc_port);
    let config = dir.join("cues.ron");
    std::fs::write(
        &config,
        format!(
            r#"(
    sequencer: (idle: (timeout: 2, fade_in: 0.5)),
    cues: [
        (sink: "udp", target: "{}"),
        (sink: "osc", target: "127.0.0.1:{osc_port}"),
        (sink: "serial", device: "{}", baud: 115200),
    ],
)"#,
            udp.local_addr().unwrap(),
            ours.display()
        ),
    )
    .unwrap();
    let mut player = Proc::spawn(
        "chronus play",
        chronus_cmd(&[
            "play",
            "patches/generative-pulse.ron",
            "--host",
            "null",
            "--seed",
            "7",
            "--seconds",
            "6",
            "--config",
            config.to_str().unwrap(),
        ]),
    )
    .graceful_on_drop();

    // UDP: one JSON object per datagram, until the idle switch has come.
    let mut json = Vec::new();
    let end = Instant::now() + READY_TIMEOUT;
    let mut buf = [0u8; 2048];
    while Instant::now() < end
        && !json
            .iter()
            .any(|v: &serde_json::Value| v["type"] == "idle" && v["state"] == true)
    {
        if let Ok(n) = udp.recv(&mut buf) {
            json.push(serde_json::from_slice(&buf[..n]).expect("a JSON object per datagram"));
        }
    }
    let status = player.wait_exit(READY_TIMEOUT, "--seconds 6");
    assert!(status.success(), "{}", player.output.text());
    let has = |t: &str| json.iter().any(|v| v["type"] == t);
    assert!(has("note") && has("param") && has("commit"), "{json:?}");
    assert!(
        json.iter()
            .any(|v| v["type"] == "mode" && v["mode"] == "ambient"),
        "no ambient mode cue: {json:?}"
    );
    assert!(json
        .iter()
        .any(|v| v["type"] == "idle" && v["state"] == true));
    let udp_notes: Vec<i64> = json
        .iter()
        .filter(|v| v["type"] == "note")
        .map(|v| v["pitch"].as_i64().unwrap())
        .collect();
    assert!(udp_notes.len() >= 8, "{udp_notes:?}");

    // OSC: the same notes, in the same order.
    dump.wait_output(READY_TIMEOUT, "/cue/note and /cue/idle", |o| {
        let t = o.text();
        t.contains("/cue/note ii")
            && t.contains("/cue/idle i 1")
            && t.contains("/cue/mode s \"ambient\"")
    });
    let osc_notes: Vec<i64> = dump
        .output
        .stdout()
        .iter()
        .filter_map(|l| l.split("/cue/note ii ").nth(1))
        .map(|rest| rest.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    let n = udp_notes.len().min(osc_notes.len()).min(8);
    assert_eq!(
        udp_notes[..n],
        osc_notes[..n],
        "UDP and OSC note cues differ"
    );

    // Serial: frames with good checksums, the same notes again.
    let mut bytes = Vec::new();
    let end = Instant::now() + READY_TIMEOUT;
    loop {
        while let Ok(chunk) = rx.try_recv() {
            bytes.extend(chunk);
        }
        let (frames, _) = decode(&bytes);
        if frames.iter().filter(|f| f.0 == 0x01).count() >= n || Instant::now() > end {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let (frames, bad) = decode(&bytes);
    assert_eq!(bad, 0, "frames with a wrong checksum in {bytes:02x?}");
    let serial_notes: Vec<i64> = frames
        .iter()
        .filter(|f| f.0 == 0x01)
        .map(|f| f.1[0] as i64)
        .collect();
    assert!(serial_notes.len() >= n, "{serial_notes:?}");
    assert_eq!(
        serial_notes[..n],
        udp_notes[..n],
        "serial and UDP note cues differ"
    );
    assert!(
        frames.iter().any(|f| f.0 == 0x04 && f.1 == [1]),
        "no idle frame"
    );
}

#[test]
fn a_missing_serial_device_is_retried_and_play_goes_on() {
    let dir = TempDir::new("cue_serial_missing");
    let config = dir.join("cues.ron");
    let missing = dir.join("no-such-tty");
    std::fs::write(
        &config,
        format!(
            r#"(cues: [(sink: "serial", device: "{}")])"#,
            missing.display()
        ),
    )
    .unwrap();
    let mut player = Proc::spawn(
        "chronus play",
        chronus_cmd(&[
            "play",
            "patches/generative-pulse.ron",
            "--host",
            "null",
            "--seconds",
            "2",
            "--config",
            config.to_str().unwrap(),
        ]),
    );
    let status = player.wait_exit(READY_TIMEOUT, "--seconds 2");
    let text = player.output.text();
    assert!(status.success(), "{text}");
    let warnings = text.matches("unavailable").count();
    assert_eq!(
        warnings, 1,
        "one warning per change of state, not per retry: {text}"
    );
}
