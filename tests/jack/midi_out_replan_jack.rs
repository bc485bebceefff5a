//! The MIDI output follows the patch as it changes (`chronus play --host jack` under a
//! private JACK dummy server, `jack_midi_dump` as the synth):
//! - started on a patch without external synths, it opens no MIDI port;
//! - `/patch/load` of a sequenced `midi` instrument opens its port, connects it to the
//!   dump, and its notes arrive on the sequencer's grid (0 frames of jitter);
//! - a glide on a param never sent starts from the profile's initial value (CC 64), one
//!   value every 10 ms to the frame, ending on its target;
//! - a load that moves the instrument to another channel while it holds a note releases
//!   that note on the old channel (note-off, then all notes off) before anything is sent
//!   on the new one; its next notes go out on the new channel;
//! - `chronus devices --player ADDR` shows the running port with its counts and
//!   latency statistics;
//! - a patch without it closes the port (gone from JACK, from `/api/state` and from
//!   `/metrics`); `chronus devices` asking where no player answers says so in one line.
#![cfg(feature = "jack")]

use std::time::{Duration, Instant};

use super::midi_out_jack::{
    check_grid, held_patch, patch, play, wait_line, wait_note_ons, xruns, WITHOUT_NTS1,
};
use crate::support::chronus::run_chronus;
use crate::support::http::{get, http_addr};
use crate::support::jack::{jack_test_lock, JackServer, JACK_PERIOD, JACK_RATE};
use crate::support::midi_dump::{dump, events};
use crate::support::osc::{osc_port, oscsend};
use crate::support::process::{programs_available, step, READY_TIMEOUT};
use crate::support::temp::TempDir;

const CONNECTED: &str = "MIDI out: \"midi-monitor\" -> midi-monitor:input (jack)";
const OUR_PORT: &str = "chronus_midi_out:out-1";

#[test]
fn commits_open_reroute_and_close_midi_output_ports() {
    if !programs_available(
        "midi_out_replan",
        &["jackd", "jack_lsp", "jack_midi_dump", "curl", "oscsend"],
    ) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = JackServer::start("midireplan");
    let dir = TempDir::new("midi_out_replan");
    std::fs::write(dir.join("seq.ron"), patch("midi-monitor")).unwrap();
    std::fs::write(dir.join("held.ron"), held_patch("midi-monitor")).unwrap();
    let on_three = held_patch("midi-monitor").replace("channel: 2", "channel: 3");
    std::fs::write(dir.join("held3.ron"), on_three).unwrap();
    let path = dir.join("without.ron");
    std::fs::write(&path, WITHOUT_NTS1).unwrap();
    let path = path.display().to_string();
    let folder = dir.path().display().to_string();
    let mut d = dump(&server);
    let mut player = play(
        &server,
        &path,
        &["--http", "127.0.0.1:0", "--patch-dir", &folder],
    );
    let port = osc_port(&mut player);
    let http = http_addr(&mut player);
    let state = || -> serde_json::Value { serde_json::from_str(&get(http, "/api/state")).unwrap() };
    let wait_revision = |n: u64| {
        let until = Instant::now() + READY_TIMEOUT;
        while state()["revision"].as_u64().unwrap() < n {
            assert!(Instant::now() < until, "revision {n} never came");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let has_port = || server.ports().iter().any(|(p, _)| p == OUR_PORT);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(state()["midi_outputs"], serde_json::json!([]));
    assert!(!has_port(), "a MIDI port without external synths");
    step(t, "playing a patch without external synths: no MIDI port");

    // A commit adds a sequenced external synth: its port opens and its notes flow.
    let first = state()["revision"].as_u64().unwrap();
    oscsend(port, &["/patch/load", "s", "seq"]);
    wait_line(&mut player, CONNECTED, 1);
    assert!(has_port(), "{:?}", server.ports());
    wait_note_ons(&mut d, 10);
    check_grid("notes of the added instrument", &events(&d), xruns(&player));
    let out = &state()["midi_outputs"][0];
    assert_eq!(out["port"], "midi-monitor", "{out}");
    assert_eq!(out["connected"], true, "{out}");
    assert_eq!(
        out["instruments"],
        serde_json::json!([{"id": "nts1", "profile": "korg_nts1_mk2", "channel": 2}])
    );
    let metrics = get(http, "/metrics");
    let gauge = "chronus_backend_up{backend=\"midi_out:midi-monitor\"} 1";
    assert!(
        metrics.lines().any(|l| l == gauge),
        "no {gauge:?} in\n{metrics}"
    );
    step(t, "a commit added the synth: port open, notes on the grid");

    // A glide on a param never sent: from the profile's initial value (0.5: CC 64), at
    // the glide's start, to the target, one value every 10 ms, to the frame.
    oscsend(port, &["/patch/load", "s", "held"]);
    wait_revision(first + 2);
    std::thread::sleep(Duration::from_millis(300));
    oscsend(port, &["/mod/nts1/cutoff", "ff", "1.0", "0.5"]);
    d.wait_output(READY_TIMEOUT, "the glide's last value (CC 43 = 127)", |o| {
        o.stdout().iter().any(|l| l.contains("b1 2b 7f"))
    });
    let glide: Vec<(u64, u8)> = events(&d)
        .iter()
        .filter(|(_, b)| b.len() == 3 && b[0] == 0xB1 && b[1] == 43)
        .map(|(f, b)| (*f, b[2]))
        .collect();
    assert_eq!(glide[0].1, 64, "starts from the initial value: {glide:?}");
    assert_eq!(glide.last().unwrap().1, 127, "{glide:?}");
    let throttle = JACK_RATE as u64 / 100;
    let xr = xruns(&player);
    for w in glide.windows(2) {
        assert!(w[1].1 > w[0].1, "rising: {glide:?}");
        let gap = w[1].0 - w[0].0;
        assert!(
            gap == throttle
                || (xr > 0 && gap.abs_diff(throttle).is_multiple_of(JACK_PERIOD as u64)),
            "{gap} frames between two values ({xr} xruns): {glide:?}"
        );
    }
    assert_eq!(glide.len(), 51, "{glide:?}");
    step(
        t,
        "a glide on a param never sent: 51 values from 64 to 127, 480 frames apart",
    );

    // Held on channel 2, then moved to channel 3.
    let before = events(&d).len();
    oscsend(port, &["/note/on", "iis", "50", "100", "nts1"]);
    d.wait_output(READY_TIMEOUT, "the held note-on", |o| {
        o.stdout().iter().any(|l| l.contains("91 32 64"))
    });
    oscsend(port, &["/patch/load", "s", "held3"]);
    wait_revision(first + 3);
    oscsend(port, &["/note/on", "iis", "52", "100", "nts1"]);
    d.wait_output(READY_TIMEOUT, "a note-on on channel 3", |o| {
        o.stdout().iter().any(|l| l.contains("92 34 64"))
    });
    let after: Vec<(u64, Vec<u8>)> = events(&d)[before..].to_vec();
    let at = |bytes: &[u8]| {
        after
            .iter()
            .position(|(_, b)| b[..] == *bytes)
            .unwrap_or_else(|| panic!("no {bytes:02x?} on the wire: {after:02x?}"))
    };
    let (on, off, all_off, moved) = (
        at(&[0x91, 50, 100]),
        at(&[0x81, 50, 64]),
        at(&[0xB1, 123, 0]),
        at(&[0x92, 52, 100]),
    );
    assert!(on < off && off < all_off && all_off < moved, "{after:02x?}");
    let first_on_three = after.iter().position(|(_, b)| b[0] & 0x0F == 2).unwrap();
    assert_eq!(
        first_on_three, moved,
        "nothing on channel 3 before: {after:02x?}"
    );
    assert_eq!(
        state()["midi_outputs"][0]["instruments"][0]["channel"],
        3,
        "{}",
        state()
    );
    step(
        t,
        "moved to channel 3: the held note released on channel 2 first",
    );

    // What a running player says of its outputs, asked by `chronus devices`.
    let addr = http.to_string();
    let (status, output) = run_chronus(&["devices", "--player", &addr]);
    assert!(status.success(), "{}", output.text());
    let text = output.text();
    let line = text
        .lines()
        .find(|l| l.contains("MIDI out \"midi-monitor\""))
        .unwrap_or_else(|| panic!("no port line in:\n{text}"));
    assert!(
        line.contains("-> midi-monitor:input (jack, connected): nts1 (korg_nts1_mk2, ch 3); sent "),
        "{line}"
    );
    assert!(
        line.contains("note_on ") && line.contains("error frames 0: "),
        "{line}"
    );
    assert!(
        text.contains(&format!(
            "MIDI outputs of the running player at http://{addr} (revision "
        )),
        "{text}"
    );
    step(t, &format!("chronus devices: {line}"));

    // Without it: the port closes.
    oscsend(port, &["/patch/load", "s", "without"]);
    wait_line(
        &mut player,
        "MIDI out: \"midi-monitor\" closed (no instrument uses it)",
        1,
    );
    let until = Instant::now() + READY_TIMEOUT;
    while has_port() {
        assert!(Instant::now() < until, "{OUR_PORT} is still there");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(state()["midi_outputs"], serde_json::json!([]));
    let metrics = get(http, "/metrics");
    assert!(!metrics.contains("midi_out:midi-monitor"), "{metrics}");
    step(t, "a patch without it: the port closed");
    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "chronus stopping");

    // Nobody there now.
    let (status, output) = run_chronus(&["devices", "--player", &addr]);
    assert!(status.success(), "{}", output.text());
    let text = output.text();
    let stdout = output.stdout();
    let nobody: Vec<&String> = stdout
        .iter()
        .filter(|l| l.starts_with("MIDI outputs of the running player"))
        .collect();
    assert_eq!(nobody.len(), 1, "{text}");
    assert!(
        nobody[0].starts_with(&format!(
            "MIDI outputs of the running player: no Chronus player answers at http://{addr} ("
        )),
        "{text}"
    );
}
