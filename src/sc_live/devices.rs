//! The SuperCollider part of `chronus devices`: where the config's scsynth program is,
//! and whether a server answers `/status` at its address (asked once, 300 ms).

use std::fmt::Write;
use std::net::UdpSocket;
use std::time::Duration;

use rosc::{OscPacket, OscType};

use super::messages::{encode, message};
use crate::config::supercollider::SuperColliderConfig;

/// How long the server has to answer.
const WAIT: Duration = Duration::from_millis(300);

/// Appends the SuperCollider listing to `out`.
pub fn report(out: &mut String, config: &SuperColliderConfig) {
    let _ = writeln!(out, "SuperCollider (config `supercollider`):");
    if config.starts_server() {
        let found = std::env::var_os("PATH").and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(&config.program))
                .find(|f| f.is_file())
        });
        let _ = match found {
            Some(path) => writeln!(out, "  program {:?}: {}", config.program, path.display()),
            None => writeln!(out, "  program {:?}: not found on PATH", config.program),
        };
    }
    let Some(address) = config.server() else {
        let _ = writeln!(out, "  server: the config's address is not one");
        return;
    };
    let what = if config.starts_server() {
        "started by `chronus play`"
    } else {
        "running"
    };
    let _ = match status(address) {
        Some(s) => writeln!(out, "  server {address} ({what}): up, {s}"),
        None => writeln!(out, "  server {address} ({what}): not answering /status"),
    };
}

/// `/status.reply`'s figures as text, or `None` when nothing answers in time.
fn status(address: std::net::SocketAddr) -> Option<String> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.set_read_timeout(Some(WAIT)).ok()?;
    socket
        .send_to(&encode(&message("/status", vec![])), address)
        .ok()?;
    let mut buf = [0u8; 1024];
    let (n, _) = socket.recv_from(&mut buf).ok()?;
    let OscPacket::Message(m) = rosc::decoder::decode_udp(&buf[..n]).ok()?.1 else {
        return None;
    };
    let int = |i: usize| match m.args.get(i) {
        Some(OscType::Int(v)) => *v,
        _ => 0,
    };
    let rate = match m.args.get(7) {
        Some(OscType::Double(v)) => *v,
        Some(OscType::Float(v)) => f64::from(*v),
        _ => 0.0,
    };
    (m.addr == "/status.reply")
        .then(|| format!("{} synths, {} SynthDefs, {rate} Hz", int(2), int(4)))
}
