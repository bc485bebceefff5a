//! Finding the MIDI output's destination ports on a private JACK dummy server, with
//! jackd2's `jack_midi_dump` (client `midi-monitor`, port `midi-monitor:input`) as the
//! synth:
//! - a port the patch names that is **absent at start**: one warning line however long it
//!   stays away (Chronus keeps looking, backoff 0.1 s doubling to 2 s), the sequencer's
//!   notes meant for it dropped and counted (`/api/state`: `dropped.disconnected`,
//!   `connected: false`), and once the client appears Chronus connects by itself and the
//!   notes arrive on the sequencer's grid;
//! - a port named by part of its name in another case (`"MONITOR:IN"`) is found;
//! - `chronus devices` lists the JACK MIDI destinations there are (the dump's input port
//!   under the JACK MIDI outputs), and says there are none before the dump runs.
#![cfg(feature = "jack")]

use std::time::{Duration, Instant};

use super::midi_out_jack::{check_grid, patch, play, wait_line, wait_note_ons, xruns};
use crate::support::chronus::chronus_cmd;
use crate::support::http::{get, http_addr};
use crate::support::jack::{jack_test_lock, JackServer};
use crate::support::midi_dump::{dump, events};
use crate::support::process::{programs_available, step, Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;

const ABSENT: &str = "MIDI out: no jack MIDI port matching \"midi-monitor\"";
const CONNECTED: &str = "MIDI out: \"midi-monitor\" -> midi-monitor:input (jack)";

/// The first (only) output of `/api/state`.
fn output(http: std::net::SocketAddr) -> serde_json::Value {
    let state: serde_json::Value = serde_json::from_str(&get(http, "/api/state")).unwrap();
    state["midi_outputs"][0].clone()
}

#[test]
fn an_absent_port_is_looked_for_its_events_counted_and_notes_flow_once_it_appears() {
    if !programs_available(
        "midi_out_absent",
        &["jackd", "jack_lsp", "jack_midi_dump", "curl"],
    ) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = JackServer::start("midiabsent");
    let dir = TempDir::new("midi_out_absent");
    let path = dir.join("nts1.ron");
    std::fs::write(&path, patch("midi-monitor")).unwrap();
    let path = path.display().to_string();
    // No dump yet: the destination is absent.
    let mut player = play(&server, &path, &["--http", "127.0.0.1:0"]);
    let http = http_addr(&mut player);
    wait_line(&mut player, ABSENT, 1);
    step(t, "one warning line for the absent port");

    // The sequencer plays on (8 notes a second); what it plays for the port is dropped
    // and counted while the port is looked for (0.1 + 0.2 + 0.4 + 0.8 + 1.6 s: five
    // looks in 3.1 s, then every 2 s).
    let until = Instant::now() + READY_TIMEOUT;
    let mut counted = 0;
    while counted < 16 {
        assert!(
            Instant::now() < until,
            "the sequencer's notes for the absent port are not counted as dropped: {}",
            output(http)
        );
        std::thread::sleep(Duration::from_millis(200));
        counted = output(http)["dropped"]["disconnected"].as_u64().unwrap();
    }
    std::thread::sleep(Duration::from_secs(3));
    let out = output(http);
    assert_eq!(out["connected"], false, "{out}");
    assert_eq!(out["destination"], serde_json::Value::Null, "{out}");
    assert_eq!(out["sent"]["note_on"], 0, "{out}");
    let warnings = |p: &Proc| {
        p.output
            .stderr()
            .iter()
            // Log lines (`MIDI out: ...`), not the status lines (`MIDI out "..."`).
            .filter(|l| l.contains("MIDI out: ") && l.contains("midi-monitor"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        warnings(&player).len(),
        1,
        "one line while the port is absent, however often it is looked for: {:?}",
        warnings(&player)
    );
    step(
        t,
        &format!(
            "{} messages for the absent port dropped and counted",
            out["dropped"]["disconnected"]
        ),
    );

    // The destination appears: Chronus finds it by itself, the notes flow.
    let appeared = Instant::now();
    let mut d = dump(&server);
    wait_line(&mut player, CONNECTED, 1);
    step(
        t,
        &format!("connected {:?} after the dump started", appeared.elapsed()),
    );
    wait_note_ons(&mut d, 8);
    check_grid("once the port appeared", &events(&d), xruns(&player));
    let after = output(http);
    assert_eq!(after["connected"], true, "{after}");
    assert_eq!(after["destination"], "midi-monitor:input", "{after}");
    assert!(after["sent"]["note_on"].as_u64().unwrap() >= 8, "{after}");
    assert!(
        after["dropped"]["disconnected"].as_u64().unwrap() >= counted,
        "{after}"
    );
    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "chronus stopping");
    step(t, "notes flow once the port appeared");
}

#[test]
fn ports_are_matched_by_part_of_their_name_in_any_case() {
    if !programs_available(
        "midi_out_any_case",
        &["jackd", "jack_lsp", "jack_midi_dump"],
    ) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = JackServer::start("midicase");
    let dir = TempDir::new("midi_out_any_case");
    let path = dir.join("nts1.ron");
    // Neither the case nor the whole name of `midi-monitor:input`.
    std::fs::write(&path, patch("MONITOR:IN")).unwrap();
    let path = path.display().to_string();
    let mut d = dump(&server);
    let mut player = play(&server, &path, &["--no-osc"]);
    wait_line(
        &mut player,
        "MIDI out: \"MONITOR:IN\" -> midi-monitor:input (jack)",
        1,
    );
    wait_note_ons(&mut d, 8);
    check_grid("a port named in another case", &events(&d), xruns(&player));
    assert!(
        !player
            .output
            .stderr()
            .iter()
            .any(|l| l.contains("no jack MIDI port matching")),
        "{}",
        player.output.text()
    );
    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "chronus stopping");
    step(t, "\"MONITOR:IN\" found midi-monitor:input");
}

/// `chronus devices` (with this server), its output.
fn devices(server: &JackServer) -> String {
    let mut cmd = chronus_cmd(&["devices"]);
    server.env(&mut cmd);
    let mut p = Proc::spawn("chronus devices", cmd);
    let status = p.wait_exit(READY_TIMEOUT, "chronus devices finishing");
    assert!(status.success(), "{}", p.output.text());
    p.output.stdout().join("\n")
}

/// The lines of the section of `listing` whose header starts with `header`, up to the
/// next header (a line that does not start with a space).
fn section<'a>(listing: &'a str, header: &str) -> Vec<&'a str> {
    listing
        .lines()
        .skip_while(|l| !l.starts_with(header))
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .collect()
}

#[test]
fn devices_lists_the_jack_midi_destinations() {
    if !programs_available("midi_out_devices", &["jackd", "jack_lsp", "jack_midi_dump"]) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = JackServer::start("mididevices");
    const JACK_OUTPUTS: &str = "MIDI outputs (JACK";
    let before = devices(&server);
    assert_eq!(
        section(&before, JACK_OUTPUTS),
        ["  no MIDI destination ports"],
        "{before}"
    );
    let mut d = dump(&server);
    // The dump's port exists once jack_lsp shows it.
    let until = Instant::now() + READY_TIMEOUT;
    while !server
        .ports()
        .iter()
        .any(|(p, _)| p == "midi-monitor:input")
    {
        assert!(
            Instant::now() < until,
            "no midi-monitor:input: {:?}",
            server.ports()
        );
        assert!(d.is_running(), "{}", d.output.text());
        std::thread::sleep(Duration::from_millis(100));
    }
    let after = devices(&server);
    assert_eq!(
        section(&after, JACK_OUTPUTS),
        ["  output \"midi-monitor:input\""],
        "{after}"
    );
    step(
        t,
        "chronus devices lists midi-monitor:input as a JACK MIDI output",
    );
}
