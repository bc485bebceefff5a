//! A hostile flood against a running `chronus play --host null --record`: random and
//! mutated OSC packets — messages to every address with odd arguments, bundles with time
//! tags anywhere in the 64-bit range, nested, empty, with lying sizes, and junk. Afterwards
//! `/status` answers and counts no panic, memory stopped growing over the second half of
//! the flood, and the recording has no dropout and no NaN.
//!
//! `CHRONUS_FLOOD_PACKETS` sets the number of packets (default 20 000; the figures in the
//! hardening note come from `CHRONUS_FLOOD_PACKETS=1000000 cargo test --release --test
//! programs osc_flood_play:: -- --nocapture`). Every 500 packets the flood waits for a `/status`
//! answer, so the server really handles what is sent instead of the kernel dropping it.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use crate::support::chronus::chronus_cmd;
use crate::support::osc::osc_port;
use crate::support::process::{Proc, READY_TIMEOUT};
use crate::support::rng::XorShift;
use crate::support::temp::TempDir;
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

const ADDRESSES: &[&str] = &[
    "/patch/create",
    "/patch/delete",
    "/patch/connect",
    "/patch/disconnect",
    "/patch/set",
    "/patch/commit",
    "/patch/abort",
    "/patch/load",
    "/patch/save",
    "/patch/dump",
    "/mod/osc/freq",
    "/mod/vcf/cutoff",
    "/mod/vcf/q",
    "/mod/env/release",
    "/mod/rev/mix",
    "/mod/output/volume",
    "/mod/voices/x",
    "/note/on",
    "/note/off",
    "/note/panic",
    "/note/bend",
    "/midi/cc",
    "/midi/ports",
    "/reply",
    "/status",
    "/seq/start",
    "/seq/stop",
    "/seq/bpm",
    "/seq/swing",
    "/seq/scale",
    "/seq/step",
    "/seq/euclid",
    "/seq/state",
    "/nope",
];

/// Words the arguments are drawn from: ids and ports of the patch, kinds, params, names.
const WORDS: &[&str] = &[
    "osc",
    "vcf",
    "env",
    "vca",
    "rev",
    "x",
    "sine",
    "saw",
    "lowpass",
    "reverb",
    "adsr",
    "freq",
    "cutoff",
    "q",
    "gain",
    "mix",
    "osc.out",
    "vcf.in",
    "vcf.out",
    "output.left",
    "voices.left",
    "note.freq",
    "voices",
    "flood-a",
    "flood-b",
    "poly-subtractive",
    "../etc/passwd",
    "host",
    "",
];

fn arg(rng: &mut XorShift) -> OscType {
    match rng.below(6) {
        0 => OscType::Int(rng.next() as i32),
        1 => OscType::Int(rng.below(130) as i32),
        2 => OscType::Float(f32::from_bits(rng.next() as u32)),
        3 => OscType::Float(rng.below(20_000) as f32 / 7.0),
        4 => OscType::String(rng.pick(WORDS).to_string()),
        _ => OscType::Blob((0..rng.below(16)).map(|_| rng.next() as u8).collect()),
    }
}

fn message(rng: &mut XorShift) -> OscPacket {
    let addr = rng.pick(ADDRESSES);
    // /reply to a random port would send the flood's replies elsewhere: keep it off.
    let args = if addr == "/reply" {
        vec![OscType::Int(0)]
    } else {
        (0..rng.below(5)).map(|_| arg(rng)).collect()
    };
    OscPacket::Message(OscMessage {
        addr: addr.to_string(),
        args,
    })
}

/// A time tag: anywhere in 64 bits, "immediately", or near now.
fn time_tag(rng: &mut XorShift) -> OscTime {
    match rng.below(3) {
        0 => OscTime::from((rng.next() as u32, rng.next() as u32)),
        1 => OscTime::from((0, 1)),
        _ => {
            let now = std::time::SystemTime::now() + Duration::from_millis(rng.below(500) as u64);
            OscTime::try_from(now).unwrap()
        }
    }
}

fn bundle(rng: &mut XorShift, depth: usize) -> OscPacket {
    let content = (0..rng.below(6))
        .map(|_| {
            if depth < 10 && rng.below(4) == 0 {
                bundle(rng, depth + 1)
            } else {
                message(rng)
            }
        })
        .collect();
    OscPacket::Bundle(OscBundle {
        timetag: time_tag(rng),
        content,
    })
}

/// One packet of the flood: a message, a bundle, a mutated one of either, or junk.
fn packet(rng: &mut XorShift) -> Vec<u8> {
    let valid = |rng: &mut XorShift| {
        let p = if rng.below(3) == 0 {
            bundle(rng, 1)
        } else {
            message(rng)
        };
        rosc::encoder::encode(&p).unwrap()
    };
    match rng.below(10) {
        0..=5 => valid(rng),
        6 | 7 => {
            let mut v = valid(rng);
            for _ in 0..=rng.below(4) {
                let k = rng.below(v.len());
                v[k] = rng.next() as u8;
            }
            v
        }
        8 => {
            let v = valid(rng);
            v[..rng.below(v.len())].to_vec()
        }
        _ => (0..rng.below(96)).map(|_| rng.next() as u8).collect(),
    }
}

/// Resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// Sends `/status` from `socket` until `/status.reply` comes back (skipping anything else);
/// returns it, or `None` when nothing answers within [`READY_TIMEOUT`].
fn status(socket: &UdpSocket, port: u16) -> Option<OscMessage> {
    let ask = rosc::encoder::encode(&OscPacket::Message(OscMessage {
        addr: "/status".to_string(),
        args: vec![],
    }))
    .unwrap();
    let mut buf = vec![0u8; 65_536];
    let deadline = Instant::now() + READY_TIMEOUT;
    while Instant::now() < deadline {
        socket.send_to(&ask, ("127.0.0.1", port)).unwrap();
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_secs(2) {
            let Ok((n, _)) = socket.recv_from(&mut buf) else {
                break;
            };
            if let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(&buf[..n]) {
                if m.addr == "/status.reply" {
                    return Some(m);
                }
            }
        }
    }
    None
}

#[test]
fn a_million_hostile_packets_leave_the_server_answering_and_the_sound_clean() {
    let packets: usize = std::env::var("CHRONUS_FLOOD_PACKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = TempDir::new("osc_flood_play");
    let patches = dir.join("patches");
    std::fs::create_dir_all(&patches).unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("patches");
    std::fs::copy(
        shipped.join("poly-subtractive.ron"),
        patches.join("poly-subtractive.ron"),
    )
    .unwrap();
    let wav = dir.join("flood.wav");
    let mut player = Proc::spawn(
        "chronus play",
        chronus_cmd(&[
            "play",
            patches.join("poly-subtractive.ron").to_str().unwrap(),
            "--host",
            "null",
            "--record",
            wav.to_str().unwrap(),
            "--patch-dir",
            patches.to_str().unwrap(),
        ]),
    )
    .graceful_on_drop();
    let port = osc_port(&mut player);
    // The flood comes from one socket, the questions from another: a mutated `/reply` in
    // the flood may send the flood socket's replies anywhere (a host-wide one too), so the
    // monitor first registers a route of its own, which no host-wide route overrides.
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let monitor = UdpSocket::bind("127.0.0.1:0").unwrap();
    monitor
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let own_route = rosc::encoder::encode(&OscPacket::Message(OscMessage {
        addr: "/reply".to_string(),
        args: vec![OscType::Int(monitor.local_addr().unwrap().port() as i32)],
    }))
    .unwrap();
    monitor.send_to(&own_route, ("127.0.0.1", port)).unwrap();

    let rss_start = rss_kib(player.pid());
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    let mut rss_half = 0;
    for i in 0..packets {
        socket
            .send_to(&packet(&mut rng), ("127.0.0.1", port))
            .unwrap();
        if i % 500 == 499 && status(&monitor, port).is_none() {
            panic!(
                "no /status.reply within {READY_TIMEOUT:?} after packet {i}: the server \
                 stopped answering\n{}",
                player.output.text()
            );
        }
        if i == packets / 2 {
            rss_half = rss_kib(player.pid());
        }
    }
    let after = status(&monitor, port).expect("/status answered after the flood");
    let rss_end = rss_kib(player.pid());
    let elapsed = started.elapsed();
    eprintln!(
        "flood: {packets} packets in {:.1} s ({:.0}/s); RSS {rss_start} KiB at the start, \
         {rss_half} KiB at half, {rss_end} KiB at the end; /status.reply {:?}",
        elapsed.as_secs_f64(),
        packets as f64 / elapsed.as_secs_f64(),
        after.args
    );
    assert_eq!(
        after.args.get(6),
        Some(&OscType::Int(0)),
        "panics counted (7th field of /status.reply): {:?}\n{}",
        after.args,
        player.output.text()
    );
    assert!(
        rss_end < rss_half + 1_024,
        "memory grew by {} KiB over the second half of the flood",
        rss_end.saturating_sub(rss_half)
    );

    player.signal("INT");
    let status = player.wait_exit(READY_TIMEOUT, "the player to stop on SIGINT");
    assert!(status.success(), "{}", player.output.text());
    let text = player.output.text();
    let stopped = text
        .lines()
        .find(|l| l.contains("stopped after"))
        .unwrap_or_else(|| panic!("no closing line: {text}"));
    assert!(stopped.contains("panics 0"), "{stopped}");
    assert!(stopped.contains("record drops 0"), "{stopped}");
    let (_, channels) = chronus::host::wav::read_wav(&wav).unwrap();
    for c in &channels {
        assert!(!c.is_empty());
        // The flood may legally drive the patch loud (volume 4, resonance 20, eight voices:
        // a render at those settings peaks near 35); a runaway filter or feedback loop
        // grows far past that.
        let peak = c.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(
            c.iter().all(|x| x.is_finite()) && peak <= 1_000.0,
            "NaN, infinity or a runaway level in the recording (peak {peak})"
        );
    }
}
