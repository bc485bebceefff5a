//! Notes on a live scsynth whose release would fall in their node's first control block
//! (docs/CONTRACTS.md §5.4), under a private JACK dummy server: OSC `/note/on` and
//! `/note/off` of each note sent back to back (a drum pad), and a chord of eight notes at
//! once on four voices (four voices stolen at their very start). Had a release been due
//! in its node's first block, scsynth would have applied it before the node ran: its
//! envelope would never open, the node never be freed. Asked directly (`/status` to its
//! UDP port), scsynth counts no synth once the notes are over.
#![cfg(feature = "jack")]

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use crate::sc_live_jack::{config, patch, play, wait_line};
use crate::support::jack::{jack_test_lock, JackServer};
use crate::support::osc::osc_port;
use crate::support::process::{programs_available, step};
use crate::support::temp::TempDir;
use rosc::{OscMessage, OscPacket, OscType};

/// Sends `addr args` over `socket` to 127.0.0.1:`port`.
fn send(socket: &UdpSocket, port: u16, addr: &str, args: Vec<OscType>) {
    let packet = OscPacket::Message(OscMessage {
        addr: addr.into(),
        args,
    });
    socket
        .send_to(
            &rosc::encoder::encode(&packet).unwrap(),
            ("127.0.0.1", port),
        )
        .unwrap();
}

/// The number of synths scsynth at 127.0.0.1:`port` runs (`/status.reply`'s third
/// argument), asked over `socket`.
fn synths(socket: &UdpSocket, port: u16) -> i32 {
    for _ in 0..10 {
        send(socket, port, "/status", vec![]);
        let mut buf = [0u8; 1024];
        while let Ok((n, _)) = socket.recv_from(&mut buf) {
            if let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(&buf[..n]) {
                if m.addr == "/status.reply" {
                    match m.args.get(2) {
                        Some(OscType::Int(n)) => return *n,
                        other => panic!("/status.reply's synth count: {other:?}"),
                    }
                }
            }
        }
    }
    panic!("scsynth on port {port} does not answer /status");
}

/// Asks scsynth every 100 ms, up to `within`, until `done` holds for its synth count;
/// the last count.
fn synths_until(
    socket: &UdpSocket,
    port: u16,
    within: Duration,
    done: impl Fn(i32) -> bool,
) -> i32 {
    let end = Instant::now() + within;
    loop {
        let n = synths(socket, port);
        if done(n) || Instant::now() > end {
            return n;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn notes_released_in_their_first_block_leave_no_synth_on_scsynth() {
    if !programs_available("sc_live_short_notes", &["jackd", "jack_lsp", "scsynth"]) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = JackServer::start("sc_live_short");
    let dir = TempDir::new("sc_live_short");
    let patch = patch(&dir, "");
    let (config, sc_port) = config(&dir);
    let mut player = play(&server, &patch, &config, &[]);
    wait_line(
        &mut player,
        &format!("SuperCollider server 127.0.0.1:{sc_port} is up"),
    );
    let osc = osc_port(&mut player);
    step(t, "scsynth up");
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    assert_eq!(synths(&socket, sc_port), 0, "no synth before the notes");

    // A drum pad: each note's on and off back to back, 10 ms apart.
    for k in 0..200 {
        let note = OscType::Int(36 + k % 48);
        send(
            &socket,
            osc,
            "/note/on",
            vec![note.clone(), OscType::Float(0.8)],
        );
        send(&socket, osc, "/note/off", vec![note]);
        std::thread::sleep(Duration::from_millis(10));
    }
    // Eight notes at once on four voices: the first four are stolen at their start.
    for k in 0..8 {
        send(
            &socket,
            osc,
            "/note/on",
            vec![OscType::Int(60 + k), OscType::Float(0.8)],
        );
    }
    let held = synths_until(&socket, sc_port, Duration::from_secs(2), |n| n >= 4);
    assert!(
        held >= 4,
        "the chord's voices never reached scsynth ({held} synths)"
    );
    step(
        t,
        &format!("200 drum-pad notes and a chord sent; {held} synths while held"),
    );
    for k in 0..8 {
        send(&socket, osc, "/note/off", vec![OscType::Int(60 + k)]);
    }
    // Each released voice frees itself once silent (its release, then 10 ms of silence).
    let left = synths_until(&socket, sc_port, Duration::from_secs(10), |n| n == 0);
    step(t, &format!("{left} synths left on scsynth"));
    assert_eq!(
        left, 0,
        "scsynth still runs {left} synths once every note is over (nodes released in their first block never end)"
    );

    player.signal("TERM");
    let status = player.wait_exit(crate::support::process::READY_TIMEOUT, "SIGTERM");
    assert!(status.success(), "{}", player.output.text());
}
