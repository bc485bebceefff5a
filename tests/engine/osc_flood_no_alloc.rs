//! A flood of 50,000 OSC messages (live param changes and notes, as fast as a client can
//! send) while the engine renders on this thread under `assert_no_alloc`: the audio side
//! never allocates or blocks, `/status` keeps answering, and what the engine could not
//! take is refused with counted `/error`s.

use std::net::UdpSocket;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use assert_no_alloc::assert_no_alloc;
// assert_no_alloc checks in debug builds only: its default `disable_release` feature makes
// `assert_no_alloc` a no-op in release builds, without `AllocDisabler` or the counter.
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::control::Controller;
use chronus::engine::{Engine, EngineConfig};
use chronus::osc::{HostStatus, OscOptions, OscServer, PatchFolder};
use chronus_modules::Registry;
use parking_lot::Mutex;
use rosc::{OscMessage, OscPacket, OscType};

fn encode(addr: &str, args: Vec<OscType>) -> Vec<u8> {
    rosc::encoder::encode(&OscPacket::Message(OscMessage {
        addr: addr.to_string(),
        args,
    }))
    .unwrap()
}

#[test]
fn a_flood_never_allocates_on_the_audio_side_and_status_answers() {
    let (mut engine, handle) = Engine::new(EngineConfig {
        sample_rate: crate::support::engine::SR,
        ..EngineConfig::default()
    });
    let mut control = Controller::new(Registry::builtin(), handle);
    control
        .load(crate::support::engine::patch(
            r#"(voice: (count: 4, modules: {
                    "osc": (kind: "saw"), "vcf": (kind: "lowpass"),
                    "env": (kind: "adsr", params: {"release": 0.05}), "vca": (kind: "vca"),
                }, connections: [
                    ("note.freq", "osc.freq"), ("osc.out", "vcf.in"), ("vcf.out", "vca.in"),
                    ("note.gate", "env.gate"), ("env.out", "vca.cv"), ("vca.out", "output.left"),
                ]),
                connections: [("voices.left", "output.left")])"#,
        ))
        .unwrap();
    let control = Arc::new(Mutex::new(control));
    let server = OscServer::start(
        OscOptions {
            bind: "127.0.0.1".parse().unwrap(),
            port: 0,
            folder: PatchFolder::new(std::env::temp_dir()),
        },
        control.clone(),
        Arc::new(HostStatus::default),
        None,
    )
    .unwrap();
    let addr = server.local_addr();

    // The flood, from another thread (replies go to a port nobody reads).
    let flood = std::thread::spawn(move || {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let messages = [
            encode("/mod/vcf/cutoff", vec![OscType::Float(800.0)]),
            encode("/mod/vcf/cutoff", vec![OscType::Float(2_000.0)]),
            encode("/note/on", vec![OscType::Int(60), OscType::Float(0.7)]),
            encode("/note/off", vec![OscType::Int(60)]),
        ];
        for i in 0..50_000 {
            sock.send_to(&messages[i % messages.len()], addr).unwrap();
        }
    });

    // The audio side: render 256-frame callbacks under assert_no_alloc while it floods.
    let (mut left, mut right) = ([0.0f32; 256], [0.0f32; 256]);
    #[cfg(debug_assertions)]
    reset_violation_count();
    let mut callbacks = 0;
    while !flood.is_finished() || callbacks < 200 {
        assert_no_alloc(|| engine.process(&mut left, &mut right));
        assert!(left.iter().all(|x| x.is_finite()));
        callbacks += 1;
        if callbacks % 8 == 0 {
            control.lock().collect_garbage();
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    flood.join().unwrap();
    #[cfg(debug_assertions)]
    assert_eq!(
        violation_count(),
        0,
        "the audio side allocated during the flood"
    );

    // Still answering; the status reports what was refused.
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .set_read_timeout(Some(Duration::from_millis(250)))
        .unwrap();
    let status = (0..40).find_map(|_| {
        client.send_to(&encode("/status", vec![]), addr).unwrap();
        let mut buf = [0u8; 1_024];
        while let Ok((n, _)) = client.recv_from(&mut buf) {
            if let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(&buf[..n]) {
                if m.addr == "/status.reply" {
                    return Some(m);
                }
            }
        }
        None
    });
    let status = status.expect("/status never answered after the flood");
    let refused = server.stats().refused.load(Relaxed);
    assert_eq!(status.args[5], OscType::Int(refused as i32));
    eprintln!(
        "flood: {} packets received, {refused} refused, {callbacks} callbacks rendered",
        server.stats().received.load(Relaxed)
    );
}
