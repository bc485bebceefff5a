//! The part of `chronus devices` that only a playing Chronus knows: each MIDI output's
//! counts and scheduling-error statistics. `chronus devices` is not a player; it asks the
//! HTTP API of one (`GET /api/state`, its `midi_outputs`) at the address the config's
//! `http.bind` names (default `127.0.0.1:8080`; a wildcard address is asked on
//! loopback) or `--player ADDR`, and says in one line when none answers there.
//!
//! A plain HTTP/1.1 request on a TCP socket (std only), with short timeouts: the listing
//! never waits long for a player that is not there.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

use super::message::Kind;

/// How long connecting, and then reading the answer, may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Where a player serving on `bind` is asked: `bind` itself, or loopback for a wildcard.
pub fn ask_at(bind: SocketAddr) -> SocketAddr {
    match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), bind.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), bind.port())
        }
        _ => bind,
    }
}

/// `GET path` on `addr`: the body of a 200 answer, or why not.
fn get(addr: SocketAddr, path: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|_| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").ok_or("not an HTTP answer")?;
    let status = head.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(format!("answered {status:?}"));
    }
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    Ok(if chunked {
        dechunk(body)
    } else {
        body.to_string()
    })
}

/// The body of a chunked answer.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Appends what the player at `addr` says of its MIDI outputs to `out`, or one line saying
/// none answers there.
pub fn report(out: &mut String, addr: SocketAddr) {
    let state = get(addr, "/api/state").and_then(|body| {
        serde_json::from_str::<serde_json::Value>(&body)
            .map_err(|e| format!("its /api/state is not JSON: {e}"))
    });
    let state = match state {
        Ok(s) if s["midi_outputs"].is_array() => s,
        Ok(_) => {
            let _ = writeln!(
                out,
                "MIDI outputs of the running player: http://{addr} answers, but not as a Chronus player (no midi_outputs in /api/state)"
            );
            return;
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "MIDI outputs of the running player: no Chronus player answers at http://{addr} ({e}); \
                 counts and latency exist only while `chronus play` runs (its HTTP API on, \
                 `--player ADDR` or the config's http.bind to ask another address)"
            );
            return;
        }
    };
    let ports = state["midi_outputs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "MIDI outputs of the running player at http://{addr} (revision {}): {}",
        state["revision"],
        if ports.is_empty() {
            "none (its patch has no external synth)".to_string()
        } else {
            ports.len().to_string()
        }
    );
    for p in &ports {
        let _ = writeln!(out, "  {}", port_line(p));
    }
}

/// One port of `/api/state`'s `midi_outputs` as a line, like the player's status line.
pub fn port_line(p: &serde_json::Value) -> String {
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    let instruments: Vec<String> = p["instruments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            format!(
                "{} ({}, ch {})",
                i["id"].as_str().unwrap_or("?"),
                i["profile"].as_str().unwrap_or("no profile"),
                i["channel"]
            )
        })
        .chain((p["clock"] == serde_json::Value::Bool(true)).then(|| "MIDI clock".to_string()))
        .collect();
    // In the kinds' priority order, as the status line has them.
    let counts = |v: &serde_json::Value| -> (u64, Vec<String>) {
        let map = v.as_object().cloned().unwrap_or_default();
        let total = map.values().map(n).sum();
        let parts = Kind::ALL
            .iter()
            .map(|k| (k.name(), map.get(k.name()).map(n).unwrap_or(0)))
            .filter(|(_, v)| *v > 0)
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        (total, parts)
    };
    let (sent, kinds) = counts(&p["sent"]);
    let (dropped, _) = counts(&p["dropped"]);
    // The histogram's buckets by their lowest number of frames (`0`, `1-63`, ... `4096+`).
    let mut buckets: Vec<(u64, String)> = p["error_frames"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let lowest = k
                .split(['-', '+'])
                .next()
                .and_then(|x| x.parse().ok())
                .unwrap_or(u64::MAX);
            (lowest, format!("{k}: {}", n(v)))
        })
        .collect();
    buckets.sort();
    let errors: Vec<String> = buckets.into_iter().map(|(_, b)| b).collect();
    format!(
        "MIDI out {} -> {} ({}{}): {}; sent {sent} ({}), throttled {}, dropped {dropped}, queue {}/max {} of {}, error frames {} max {}",
        p["port"],
        p["destination"].as_str().unwrap_or("not connected"),
        p["host"].as_str().unwrap_or("?"),
        if p["connected"] == serde_json::Value::Bool(true) {
            ", connected"
        } else {
            ", not connected"
        },
        instruments.join(", "),
        kinds.join(", "),
        n(&p["throttled"]),
        n(&p["queue"]),
        n(&p["queue_high_water"]),
        n(&p["queue_capacity"]),
        errors.join(" | "),
        n(&p["max_error_frames"]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_bind_is_asked_on_loopback() {
        let at = |s: &str| ask_at(s.parse().unwrap()).to_string();
        assert_eq!(at("0.0.0.0:8080"), "127.0.0.1:8080");
        assert_eq!(at("[::]:9000"), "[::1]:9000");
        assert_eq!(at("192.168.1.5:8080"), "192.168.1.5:8080");
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(dechunk("4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n"), "{\"a\":1}");
    }

    #[test]
    fn nobody_listening_is_one_line() {
        // A port just freed: nothing listens there.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let mut out = String::new();
        report(&mut out, addr);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(
            out.starts_with(&format!(
                "MIDI outputs of the running player: no Chronus player answers at http://{addr} ("
            )),
            "{out}"
        );
    }

    #[test]
    fn a_port_reads_like_the_status_line() {
        let p = serde_json::json!({
            "port": "NTS-1", "host": "jack", "destination": "nts:in", "connected": true,
            "instruments": [{"id": "nts1", "profile": "korg_nts1_mk2", "channel": 2}],
            "clock": false, "queue_capacity": 1000,
            "sent": {"note_on": 3, "note_off": 3, "cc": 0}, "throttled": 5,
            "dropped": {"cc": 0, "disconnected": 1}, "queue": 0, "queue_high_water": 4,
            "error_frames": {"0": 6, "1-63": 0, "64-255": 0, "4096+": 0}, "max_error_frames": 0,
        });
        assert_eq!(
            port_line(&p),
            "MIDI out \"NTS-1\" -> nts:in (jack, connected): nts1 (korg_nts1_mk2, ch 2); sent 6 \
             (note_off 3, note_on 3), throttled 5, dropped 1, queue 0/max 4 of 1000, error \
             frames 0: 6 | 1-63: 0 | 64-255: 0 | 4096+: 0 max 0"
        );
    }
}
