//! OSC with liblo's tools: `oscsend` to send one message, `oscdump` to receive, a free UDP
//! port, and the port a running player's OSC server reports.

use std::net::UdpSocket;
use std::process::Command;

use super::process::{Proc, READY_TIMEOUT};

/// A UDP port that was free a moment ago.
pub fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sends one OSC message with liblo's `oscsend` to localhost:`port`.
pub fn oscsend(port: u16, args: &[&str]) {
    let status = Command::new("oscsend")
        .arg("localhost")
        .arg(port.to_string())
        .args(args)
        .status()
        .expect("run oscsend");
    assert!(status.success(), "oscsend {args:?} failed");
}

/// The port the player's OSC server reports in its log line `OSC on udp 127.0.0.1:PORT`.
pub fn osc_port(player: &mut Proc) -> u16 {
    player.wait_output(READY_TIMEOUT, "the OSC server's address", |o| {
        o.stderr().iter().any(|l| l.contains("OSC on udp "))
    });
    let line = player
        .output
        .stderr()
        .into_iter()
        .find(|l| l.contains("OSC on udp "))
        .unwrap();
    let addr = line.split("OSC on udp ").nth(1).unwrap();
    let addr = addr.split_whitespace().next().unwrap();
    addr.rsplit_once(':').unwrap().1.parse().unwrap()
}

/// liblo's `oscdump` listening on UDP `port`, printing what it receives (read it from
/// `output`).
pub fn oscdump(port: u16) -> Proc {
    let mut c = Command::new("oscdump");
    c.args(["-L", &port.to_string()]);
    Proc::spawn("oscdump", c)
}
