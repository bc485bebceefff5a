//! `chronus play` speaks systemd's notify protocol to a real `NOTIFY_SOCKET` (a Unix
//! datagram socket this test binds, as systemd does): `READY=1` once audio runs,
//! `WATCHDOG=1` at half `WATCHDOG_USEC` while the audio callback runs, **none** once the
//! callback stalls (the null host's debug-only `CHRONUS_TEST_STALL_FILE` hook), then
//! `STOPPING=1` on SIGTERM. The pings sent and withheld are counted in `/metrics` and
//! `/api/state`.

use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use crate::support::chronus::chronus_cmd;
use crate::support::http::{get, http_addr};
use crate::support::process::{Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;

/// The watchdog interval the test passes (pings every half of it: 0.2 s).
const WATCHDOG_USEC: u64 = 400_000;

/// Receives the next datagram within `timeout` (its lines), or `None`.
fn recv(socket: &UnixDatagram, timeout: Duration) -> Option<Vec<String>> {
    socket.set_read_timeout(Some(timeout)).unwrap();
    let mut buf = [0u8; 4096];
    match socket.recv(&mut buf) {
        Ok(n) => Some(
            String::from_utf8_lossy(&buf[..n])
                .lines()
                .map(str::to_string)
                .collect(),
        ),
        Err(_) => None,
    }
}

/// Reads datagrams until one has `line`, failing after `timeout`; the lines seen before.
fn wait_for(socket: &UnixDatagram, line: &str, timeout: Duration, player: &Proc) -> Vec<String> {
    let end = Instant::now() + timeout;
    let mut seen = Vec::new();
    while Instant::now() < end {
        if let Some(lines) = recv(socket, Duration::from_millis(200)) {
            let found = lines.iter().any(|l| l == line);
            seen.extend(lines);
            if found {
                return seen;
            }
        }
    }
    panic!(
        "no {line} within {timeout:?} (got {seen:?}). Output:\n{}",
        player.output.text()
    );
}

#[test]
fn ready_then_watchdog_while_audio_runs_none_when_it_stalls_then_stopping() {
    let dir = TempDir::new("sd_notify");
    let socket_path = dir.join("notify.sock");
    let stall_file = dir.join("stall");
    let socket = UnixDatagram::bind(&socket_path).expect("bind the notify socket");
    let mut cmd = chronus_cmd(&[
        "play",
        "patches/sine-test-tone.ron",
        "--host",
        "null",
        "--no-osc",
        "--seconds",
        "120",
        "--http",
        "127.0.0.1:0",
    ]);
    cmd.env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", WATCHDOG_USEC.to_string())
        .env_remove("WATCHDOG_PID")
        .env("CHRONUS_TEST_STALL_FILE", &stall_file);
    let mut player = Proc::spawn("chronus play (notify)", cmd).graceful_on_drop();

    // READY=1 first (nothing before it), then regular pings.
    let first = wait_for(&socket, "READY=1", READY_TIMEOUT, &player);
    assert!(
        !first.iter().any(|l| l == "WATCHDOG=1" || l == "STOPPING=1"),
        "{first:?} came before READY=1"
    );
    let mut pings = 0;
    while pings < 5 {
        let seen = wait_for(&socket, "WATCHDOG=1", READY_TIMEOUT, &player);
        pings += seen.iter().filter(|l| *l == "WATCHDOG=1").count();
    }

    // Stall the callback: the pings stop. At most the one decided before the stall may
    // still arrive; then a quiet period of many intervals (bounded wait, no timing assert:
    // a notifier that ignored progress would ping every 0.2 s and never be quiet).
    std::fs::write(&stall_file, b"").unwrap();
    let quiet = Duration::from_secs(2);
    let end = Instant::now() + READY_TIMEOUT;
    let mut late = 0;
    loop {
        match recv(&socket, quiet) {
            None => break,
            Some(lines) => {
                late += lines.iter().filter(|l| *l == "WATCHDOG=1").count();
                assert!(
                    Instant::now() < end,
                    "WATCHDOG=1 kept coming after the callback stalled ({late} so far). \
                     Output:\n{}",
                    player.output.text()
                );
            }
        }
    }
    player.wait_output(
        READY_TIMEOUT,
        "the warning that the watchdog is no longer fed",
        |o| {
            o.text()
                .contains("the systemd watchdog is no longer notified")
        },
    );

    // The counters: every ping the socket got was counted, and the withheld ones too
    // (`/metrics` and `/api/state` read the same atomics).
    let addr = http_addr(&mut player);
    let scrape = get(addr, "/metrics");
    let sample = |name: &str| -> u64 {
        scrape
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no {name} in\n{scrape}"))
            .parse()
            .unwrap()
    };
    assert_eq!(sample("chronus_watchdog_enabled"), 1);
    let sent = sample("chronus_watchdog_pings_total");
    let withheld = sample("chronus_watchdog_withheld_total");
    assert!(
        sent as usize >= pings + late,
        "{sent} pings counted, {pings} + {late} received"
    );
    assert!(withheld >= 1, "{scrape}");
    let state: serde_json::Value = serde_json::from_str(&get(addr, "/api/state")).unwrap();
    assert_eq!(state["watchdog"]["enabled"], true, "{state}");
    assert!(
        state["watchdog"]["pings"].as_u64().unwrap() >= sent,
        "{state}"
    );
    assert!(
        state["watchdog"]["withheld"].as_u64().unwrap() >= withheld,
        "{state}"
    );

    // SIGTERM: STOPPING=1, and a clean exit.
    player.signal("TERM");
    let seen = wait_for(&socket, "STOPPING=1", READY_TIMEOUT, &player);
    assert!(
        !seen.iter().any(|l| l == "WATCHDOG=1"),
        "a ping while stalled: {seen:?}"
    );
    let status = player.wait_exit(READY_TIMEOUT, "SIGTERM");
    assert!(status.success(), "{status}\n{}", player.output.text());
}

#[test]
fn without_notify_socket_nothing_is_sent_and_play_runs() {
    // No NOTIFY_SOCKET: the protocol is off and nothing complains.
    let mut cmd = chronus_cmd(&[
        "play",
        "patches/sine-test-tone.ron",
        "--host",
        "null",
        "--no-osc",
        "--seconds",
        "1",
    ]);
    cmd.env_remove("NOTIFY_SOCKET")
        .env("WATCHDOG_USEC", WATCHDOG_USEC.to_string());
    let mut player = Proc::spawn("chronus play (no notify socket)", cmd);
    let status = player.wait_exit(READY_TIMEOUT + Duration::from_secs(1), "--seconds 1");
    let text = player.output.text();
    assert!(status.success(), "{status}\n{text}");
    assert!(!text.contains("cannot notify systemd"), "{text}");
    assert!(
        text.contains("real-time: "),
        "the real-time line is missing:\n{text}"
    );
}
