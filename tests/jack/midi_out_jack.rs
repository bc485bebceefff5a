//! MIDI out of `chronus play --host jack` into jackd2's `jack_midi_dump` (a real outside
//! client recording what it receives, with absolute frame times: `-a`), under a private
//! JACK dummy server:
//! - a sequenced `midi` instrument: every note at the frame the sequencer scheduled (the
//!   spacing of the dump's frame times is the step's, to the frame: 0 jitter), in order,
//!   on the instrument's channel; all notes off when chronus stops;
//! - the destination client is removed and started again: chronus says so, reconnects
//!   and the notes flow again into the new client;
//! - CC spam: 10,000 `/mod/nts1/cutoff` changes within a second over OSC: at most one CC
//!   per 10 ms per controller on the wire, the last value arrives, the notes keep their
//!   frames, the queue stays within its bound, and the counters match the wire;
//! - a glide (`/mod/nts1/cutoff 1.0 0.5`) as a throttled CC stream ending on its target,
//!   `/api/state`'s `midi_outputs`, the MIDI out thread's real-time line, and a patch that
//!   removes the instrument while it holds a note releasing it on the wire.
#![cfg(feature = "jack")]

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use rosc::{encoder, OscMessage, OscPacket, OscType};

use crate::support::chronus::{chronus_cmd, status_lines};
use crate::support::http::{get, http_addr};
use crate::support::jack::{jack_test_lock, JackServer, JACK_PERIOD, JACK_RATE};
use crate::support::midi_dump::{dump, events};
use crate::support::osc::{osc_port, oscsend};
use crate::support::process::{programs_available, step, Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;

/// 120 BPM sixteenths: 6000 frames a step at 48 kHz; gate 0.5: 3000 frames.
const STEP: u64 = 6_000;
const GATE: u64 = 3_000;

/// One mono NTS-1 on channel 2, played by the sequencer (no swing, no drift, every step).
pub(super) fn patch(port: &str) -> String {
    format!(
        r#"(
    instruments: {{
        "nts1": (count: 1, backend: (kind: "midi", port: "{port}", channel: 2, profile: "korg_nts1_mk2")),
    }},
    sequence: (bpm: 120, swing: 0.0, drift: 0.0, density: 1.0, scale: "major",
        tracks: {{"lead": (instrument: "nts1", division: "1/16", pattern: "0 2 4 7", gate: 0.5)}}),
)"#
    )
}

pub(super) fn note_ons(ev: &[(u64, Vec<u8>)]) -> Vec<(u64, u8)> {
    ev.iter()
        .filter(|(_, b)| b[0] & 0xF0 == 0x90 && b.get(2).is_some_and(|v| *v > 0))
        .map(|(f, b)| (*f, b[1]))
        .collect()
}

/// The output latency the tests play with: 100 ms, so a test machine loaded far beyond
/// its cores (other builds) does not make the outbound thread hand a note over after its
/// frame (the default, two periods + 2 ms, is 12.7 ms here).
const CONFIG: &str = "(midi_out: (latency_ms: 100))";

pub(super) fn play(server: &JackServer, patch: &str, extra: &[&str]) -> Proc {
    play_with_config(server, patch, CONFIG, extra)
}

/// [`play`] with the config `config` (written beside the patch).
pub(super) fn play_with_config(
    server: &JackServer,
    patch: &str,
    config: &str,
    extra: &[&str],
) -> Proc {
    let path = std::path::Path::new(patch).with_file_name("midi-out.ron");
    std::fs::write(&path, config).unwrap();
    let config = path.display().to_string();
    let mut args = vec![
        "play",
        patch,
        "--host",
        "jack",
        "--status-interval",
        "1",
        "--seconds",
        "120",
        "--config",
        &config,
    ];
    args.extend_from_slice(extra);
    let mut cmd = chronus_cmd(&args);
    server.env(&mut cmd);
    Proc::spawn("chronus play (MIDI out)", cmd).graceful_on_drop()
}

pub(super) fn wait_line(p: &mut Proc, text: &str, n: usize) {
    p.wait_output(
        READY_TIMEOUT,
        &format!("{n} line(s) containing {text:?}"),
        |o| o.stderr().iter().filter(|l| l.contains(text)).count() >= n,
    );
}

pub(super) fn wait_note_ons(d: &mut Proc, n: usize) {
    d.wait_output(
        READY_TIMEOUT * 2,
        &format!("{n} note-ons in the dump"),
        |o| o.stdout().iter().filter(|l| l.contains("note on")).count() >= n,
    );
}

/// The xruns the player's status lines report so far.
pub(super) fn xruns(player: &Proc) -> u64 {
    status_lines(&player.output.stderr())
        .iter()
        .map(|s| s.xruns)
        .max()
        .unwrap_or(0)
}

/// Checks the notes of a dump: channel 2, the pattern's pitches in order, note-ons
/// exactly one step apart and note-offs exactly one gate after their note-on. A JACK
/// xrun (a cycle the server skipped under load, which the player's status line counts)
/// moves the engine's audio and its MIDI together by whole periods against JACK's frame
/// counter: a step that differs by whole periods is accepted only when the player saw
/// xruns, and at most that many times.
pub(super) fn check_grid(what: &str, ev: &[(u64, Vec<u8>)], xruns: u64) {
    let ons = note_ons(ev);
    assert!(
        ons.len() >= 8,
        "{what}: only {} note-ons: {ev:?}",
        ons.len()
    );
    for (f, b) in ev {
        if b[0] & 0xE0 == 0x80 {
            assert_eq!(
                b[0] & 0x0F,
                1,
                "{what}: a note on channel {} at {f}",
                (b[0] & 15) + 1
            );
        }
    }
    let mut shifted = 0;
    for w in ons.windows(2) {
        let gap = w[1].0 as i64 - w[0].0 as i64;
        let off_by = (gap - STEP as i64).unsigned_abs();
        if off_by != 0 && off_by.is_multiple_of(JACK_PERIOD as u64) && shifted < xruns {
            shifted += 1;
            continue;
        }
        assert_eq!(
            gap as u64,
            STEP,
            "{what}: note-ons at {} and {} (the sequencer's step is {STEP} frames; {xruns} xruns): {ons:?}",
            w[0].0,
            w[1].0
        );
    }
    let pattern = [60u8, 64, 67, 72];
    let first = pattern
        .iter()
        .position(|&n| n == ons[0].1)
        .unwrap_or_else(|| {
            panic!(
                "{what}: first note {} is not of the pattern {pattern:?}",
                ons[0].1
            )
        });
    for (i, (_, n)) in ons.iter().enumerate() {
        assert_eq!(*n, pattern[(first + i) % 4], "{what}: note {i} of {ons:?}");
    }
    // The last note may be cut by the stop (released with everything else then).
    for (f, n) in &ons[..ons.len() - 1] {
        let off = ev
            .iter()
            .find(|(g, b)| g > f && b[0] & 0xF0 == 0x80 && b[1] == *n)
            .map(|(g, _)| *g);
        if let Some(off) = off {
            let off_by = (off as i64 - *f as i64 - GATE as i64).unsigned_abs();
            if off_by != 0 && off_by.is_multiple_of(JACK_PERIOD as u64) && xruns > 0 {
                continue;
            }
            assert_eq!(off - f, GATE, "{what}: note {n} at {f} released at {off}");
        }
    }
}

/// A JACK server named `server`, a temp folder `dir` holding the NTS-1 patch aimed at
/// `midi-monitor` (the path returned), and `jack_midi_dump` listening there.
fn monitored(server: &str, dir: &str) -> (JackServer, TempDir, String, Proc) {
    let server = JackServer::start(server);
    let dir = TempDir::new(dir);
    let path = dir.join("nts1.ron");
    std::fs::write(&path, patch("midi-monitor")).unwrap();
    let path = path.display().to_string();
    let d = dump(&server);
    (server, dir, path, d)
}

#[test]
fn sequenced_notes_reach_jack_midi_dump_at_their_frames_and_survive_a_reconnect() {
    if !programs_available("midi_out_jack", &["jackd", "jack_lsp", "jack_midi_dump"]) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let (server, _dir, path, mut d) = monitored("midiout", "midi_out_jack");
    let mut player = play(&server, &path, &["--no-osc"]);
    wait_line(
        &mut player,
        "MIDI out: \"midi-monitor\" -> midi-monitor:input (jack)",
        1,
    );
    step(t, "connected to the dump");
    wait_note_ons(&mut d, 12);
    check_grid("first dump", &events(&d), xruns(&player));
    step(t, "12 notes on the sequencer's grid");

    // The destination goes away and comes back.
    d.signal("TERM");
    d.wait_exit(READY_TIMEOUT, "jack_midi_dump stopping");
    wait_line(&mut player, "midi-monitor:input went away", 1);
    let mut d2 = dump(&server);
    wait_line(
        &mut player,
        "MIDI out: \"midi-monitor\" -> midi-monitor:input (jack)",
        2,
    );
    wait_note_ons(&mut d2, 8);
    check_grid("dump after the reconnect", &events(&d2), xruns(&player));
    step(t, "reconnected, notes flow again");

    // Stop: every note released, all notes off (CC 123) on the channel.
    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "chronus stopping");
    std::thread::sleep(Duration::from_millis(300));
    let ev = events(&d2);
    assert!(
        ev.iter().any(|(_, b)| b[..] == [0xB1, 123, 0]),
        "no all-notes-off at the stop: {:?}",
        &ev[ev.len().saturating_sub(6)..]
    );
    let ons = note_ons(&ev).len();
    let offs = ev.iter().filter(|(_, b)| b[0] & 0xF0 == 0x80).count();
    assert!(offs >= ons, "{ons} note-ons but {offs} note-offs");
    let text = player.output.text();
    assert!(
        !text.to_lowercase().contains("alloc"),
        "an allocation was reported:\n{text}"
    );
    let summary = player
        .output
        .stderr()
        .into_iter()
        .rfind(|l| l.contains("MIDI out \"midi-monitor\""))
        .expect("a MIDI out status line");
    // What was meant for the port while its client was away was dropped and counted;
    // everything played was written at its due frame (0 frames late), all but the stop's
    // note-off and all-notes-off, sent after the engine had stopped.
    assert!(field(&summary, "dropped ") > 0, "{summary}");
    assert!(
        field(&summary, "error frames 0: ") + 2 >= field(&summary, "sent "),
        "{summary}"
    );
    step(t, "stopped with all notes off");
}

/// The same sequenced NTS-1 at the **default** output latency (a config without
/// `midi_out.latency_ms`: two JACK periods + 2 ms, 608 frames = 12.7 ms here): every
/// note at the frame the sequencer scheduled, and the player's own count of messages
/// written after their frame is 0 (the scheduling-error histogram: all in `0:`).
#[test]
fn at_the_default_latency_notes_keep_their_frames() {
    if !programs_available(
        "midi_out_default_latency",
        &["jackd", "jack_lsp", "jack_midi_dump"],
    ) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let (server, _dir, path, mut d) = monitored("midilat", "midi_out_default_latency");
    let mut player = play_with_config(&server, &path, "()", &["--no-osc"]);
    wait_line(
        &mut player,
        "MIDI out: \"midi-monitor\" -> midi-monitor:input (jack)",
        1,
    );
    wait_note_ons(&mut d, 24);
    let before_stop = status_lines(&player.output.stderr()).len();
    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "chronus stopping");
    std::thread::sleep(Duration::from_millis(300));
    let ev = events(&d);
    check_grid("default latency", &ev, xruns(&player));
    let summary = player
        .output
        .stderr()
        .into_iter()
        .rfind(|l| l.contains("MIDI out \"midi-monitor\""))
        .expect("a MIDI out status line");
    step(
        t,
        &format!(
            "{} note-ons; {before_stop} status lines; {summary}",
            note_ons(&ev).len()
        ),
    );
    // Everything was written at its frame but the stop's note-off and all notes off (sent
    // after the engine stopped): a message handed over late would count in `1-63:` or
    // above.
    assert!(
        field(&summary, "error frames 0: ") + 2 >= field(&summary, "sent "),
        "messages written after their frame at the default latency: {summary}"
    );
}

/// The numbers after `what` in a status line (`sent 12` → 12).
pub(super) fn field(line: &str, what: &str) -> u64 {
    let at = line
        .find(what)
        .unwrap_or_else(|| panic!("no {what:?} in {line}"))
        + what.len();
    line[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[test]
fn cc_spam_is_throttled_per_controller_and_notes_keep_their_frames() {
    if !programs_available(
        "midi_out_cc_spam",
        &["jackd", "jack_lsp", "jack_midi_dump", "curl"],
    ) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let (server, _dir, path, mut d) = monitored("ccspam", "midi_out_cc_spam");
    let mut player = play(&server, &path, &["--http", "127.0.0.1:0"]);
    let port = osc_port(&mut player);
    let http = http_addr(&mut player);
    wait_line(
        &mut player,
        "MIDI out: \"midi-monitor\" -> midi-monitor:input (jack)",
        1,
    );
    wait_note_ons(&mut d, 2);
    step(t, "playing");

    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let send = |v: f32| {
        let msg = OscPacket::Message(OscMessage {
            addr: "/mod/nts1/cutoff".into(),
            args: vec![OscType::Float(v)],
        });
        socket
            .send_to(&encoder::encode(&msg).unwrap(), ("127.0.0.1", port))
            .unwrap();
    };
    const N: usize = 10_000;
    let start = Instant::now();
    for i in 0..N - 1 {
        send((i % 127) as f32 / 127.0);
        if i % 10 == 9 {
            // 10 messages a millisecond: the whole burst within about a second.
            let due = Duration::from_micros(100 * (i as u64 + 1));
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }
    send(0.5);
    step(
        t,
        &format!("{N} cutoff changes sent in {:?}", start.elapsed()),
    );
    std::thread::sleep(Duration::from_millis(500));
    // `/backend/status` answers with the port's line.
    let status = OscPacket::Message(OscMessage {
        addr: "/backend/status".into(),
        args: vec![],
    });
    socket
        .send_to(&encoder::encode(&status).unwrap(), ("127.0.0.1", port))
        .unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 4096];
    let reply = loop {
        let (n, _) = socket.recv_from(&mut buf).expect("a /backend/status reply");
        if let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(&buf[..n]) {
            if m.addr == "/backend/status.reply" {
                break m;
            }
        }
    };
    match reply.args.as_slice() {
        [OscType::String(line)] => assert!(
            line.starts_with("MIDI out \"midi-monitor\" -> midi-monitor:input (jack)"),
            "{line}"
        ),
        other => panic!("/backend/status.reply {other:?}"),
    }
    // In /metrics the port is a backend, up while connected, and its queue and the
    // engine's outbound ring are named queues.
    let metrics = get(http, "/metrics");
    for line in [
        "chronus_backend_up{backend=\"midi_out:midi-monitor\"} 1",
        "chronus_queue_capacity{queue=\"midi_out:midi-monitor\"} 1000",
        "chronus_queue_capacity{queue=\"outbound\"} 4096",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no {line:?} in\n{metrics}"
        );
    }
    let notes_after = note_ons(&events(&d)).len() + 4;
    wait_note_ons(&mut d, notes_after);
    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "chronus stopping");
    std::thread::sleep(Duration::from_millis(300));

    let ev = events(&d);
    let ccs: Vec<(u64, u8)> = ev
        .iter()
        .filter(|(_, b)| b.len() == 3 && b[0] == 0xB1 && b[1] == 43)
        .map(|(f, b)| (*f, b[2]))
        .collect();
    assert!(ccs.len() >= 50, "only {} cutoff CCs on the wire", ccs.len());
    let throttle = JACK_RATE as u64 / 100;
    for w in ccs.windows(2) {
        assert!(
            w[1].0 - w[0].0 >= throttle,
            "two cutoff CCs {} frames apart (at {} and {}): the throttle is {throttle}",
            w[1].0 - w[0].0,
            w[0].0,
            w[1].0
        );
    }
    assert_eq!(
        ccs.last().unwrap().1,
        64,
        "the last value (0.5) did not arrive last"
    );
    check_grid("notes during the CC spam", &ev, xruns(&player));
    let summary = player
        .output
        .stderr()
        .into_iter()
        .rfind(|l| l.contains("MIDI out \"midi-monitor\""))
        .expect("a MIDI out status line");
    let cc_sent = field(&summary, "cc ");
    let ccs_on_wire = ev.iter().filter(|(_, b)| b[0] & 0xF0 == 0xB0).count() as u64;
    assert_eq!(cc_sent, ccs_on_wire, "{summary}");
    let throttled = field(&summary, "throttled ");
    assert_eq!(
        ccs.len() as u64 + throttled,
        N as u64,
        "cutoff CCs on the wire + throttled = the changes sent: {summary}"
    );
    assert_eq!(field(&summary, "dropped "), 0, "{summary}");
    assert!(field(&summary, "queue 0/max ") <= 1000, "{summary}");
    step(
        t,
        &format!("{} CCs on the wire, {throttled} coalesced", ccs.len()),
    );
}

/// Whether this machine lets a process use `SCHED_FIFO` (`chrt -f 1 true` succeeds: root,
/// or an rtprio limit), whatever `CHRONUS_JACK_NO_REALTIME` says of the JACK server.
fn fifo_allowed() -> bool {
    std::process::Command::new("chrt")
        .args(["-f", "1", "true"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The MIDI out thread's real-time line `rt`, checked against the player's threads in
/// `/proc/PID/task`. Where `SCHED_FIFO` is allowed (root here), the thread `chronus-out`
/// must run at `SCHED_FIFO` (policy 1) at the priority the line says, 1..=60 and below
/// every other real-time thread of the player (JACK's process threads); elsewhere the
/// line must say why it got none, and the check says loudly that it was skipped.
fn check_out_thread_realtime(rt: &str, pid: u32) {
    use chronus::service::realtime::ThreadSched;
    let threads: Vec<ThreadSched> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("the player's /proc/PID/task")
        .filter_map(|e| {
            let stat = std::fs::read_to_string(e.ok()?.path().join("stat")).ok()?;
            ThreadSched::parse(&stat)
        })
        .collect();
    if !fifo_allowed() {
        eprintln!(
            "SKIPPED: SCHED_FIFO is not allowed here (`chrt -f 1 true` fails: not root, no \
             rtprio limit), so the MIDI out thread's real-time priority is not checked: {rt}"
        );
        assert!(
            rt.contains("real-time: none for the MIDI out thread chronus-out ("),
            "{rt}"
        );
        return;
    }
    let prefix = "real-time: the MIDI out thread chronus-out at SCHED_FIFO priority ";
    let priority: u32 = rt
        .split_once(prefix)
        .unwrap_or_else(|| panic!("SCHED_FIFO is allowed here but the MIDI out thread says: {rt}"))
        .1
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("the priority in {rt:?}: {e}"));
    assert!((1..=60).contains(&priority), "{rt}");
    let out = threads
        .iter()
        .find(|t| t.name == "chronus-out")
        .unwrap_or_else(|| panic!("no thread chronus-out in the player: {threads:?}"));
    assert_eq!(
        (out.policy, out.rt_priority),
        (1, priority),
        "chronus-out in /proc is not at SCHED_FIFO {priority}: {out:?}"
    );
    for other in threads
        .iter()
        .filter(|t| t.is_realtime() && t.tid != out.tid)
    {
        assert!(
            other.rt_priority > priority,
            "chronus-out (SCHED_FIFO {priority}) is not below the real-time thread {other:?}"
        );
    }
}

/// The same NTS-1 without a sequence (only OSC plays it), and a patch without it.
pub(super) fn held_patch(port: &str) -> String {
    format!(
        r#"(instruments: {{
        "nts1": (count: 1, backend: (kind: "midi", port: "{port}", channel: 2, profile: "korg_nts1_mk2")),
    }})"#
    )
}
pub(super) const WITHOUT_NTS1: &str = "(instruments: {})";

/// A playing Chronus with an external synth, checked on the wire and in its state:
/// - its MIDI out thread asks for real-time priority and says in one line what it got;
/// - `/api/state` shows the port in `midi_outputs` (connected, instrument, profile,
///   counts, the scheduling-error histogram) and in `backends`;
/// - `/mod/nts1/cutoff 1.0 0.5` (a glide of 0.5 s) reaches the wire as a stream of CC 43
///   values rising from 0 to 127, one every 10 ms (the throttle), the last exactly 127 at
///   the glide's end;
/// - a patch that removes the instrument while it holds a note (`/patch/load`) releases
///   it on the wire: its note-off, then all notes off (CC 123) on its channel.
#[test]
fn a_glide_the_state_and_a_removed_instrument_on_the_wire() {
    if !programs_available(
        "midi_out_live",
        &["jackd", "jack_lsp", "jack_midi_dump", "curl", "oscsend"],
    ) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = JackServer::start("midilive");
    let dir = TempDir::new("midi_out_live");
    std::fs::write(dir.join("held.ron"), held_patch("midi-monitor")).unwrap();
    std::fs::write(dir.join("without.ron"), WITHOUT_NTS1).unwrap();
    let path = dir.join("nts1.ron");
    std::fs::write(&path, patch("midi-monitor")).unwrap();
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
    wait_line(
        &mut player,
        "MIDI out: \"midi-monitor\" -> midi-monitor:input (jack)",
        1,
    );
    wait_note_ons(&mut d, 2);
    step(t, "playing");

    // One line for the MIDI out thread's scheduling, whatever it got.
    wait_line(&mut player, "the MIDI out thread chronus-out", 1);
    let rt = player
        .output
        .stderr()
        .into_iter()
        .find(|l| l.contains("the MIDI out thread chronus-out"))
        .unwrap();
    check_out_thread_realtime(&rt, player.pid());
    step(t, &format!("the MIDI out thread: {rt}"));

    // The state.
    let state: serde_json::Value = serde_json::from_str(&get(http, "/api/state")).unwrap();
    let out = &state["midi_outputs"][0];
    assert_eq!(out["port"], "midi-monitor", "{state}");
    assert_eq!(out["host"], "jack");
    assert_eq!(out["destination"], "midi-monitor:input");
    assert_eq!(out["connected"], true);
    assert_eq!(
        out["instruments"],
        serde_json::json!([{"id": "nts1", "profile": "korg_nts1_mk2", "channel": 2}])
    );
    assert_eq!(out["queue_capacity"], 1000);
    assert!(out["sent"]["note_on"].as_u64().unwrap() >= 2, "{out}");
    assert!(out["error_frames"]["0"].as_u64().is_some(), "{out}");
    assert!(out["max_error_frames"].as_u64().is_some(), "{out}");
    assert!(
        state["backends"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({"name": "midi_out:midi-monitor", "up": true})),
        "{state}"
    );
    step(t, "/api/state shows the port");

    // A glide: from 0 to 1 over 0.5 s.
    oscsend(port, &["/mod/nts1/cutoff", "f", "0.0"]);
    std::thread::sleep(Duration::from_millis(200));
    oscsend(port, &["/mod/nts1/cutoff", "ff", "1.0", "0.5"]);
    d.wait_output(READY_TIMEOUT, "the glide's last value (CC 43 = 127)", |o| {
        o.stdout().iter().any(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            w.len() >= 4 && w[1] == "b1" && w[2] == "2b" && w[3] == "7f"
        })
    });
    let ccs: Vec<(u64, u8)> = events(&d)
        .iter()
        .filter(|(_, b)| b.len() == 3 && b[0] == 0xB1 && b[1] == 43)
        .map(|(f, b)| (*f, b[2]))
        .collect();
    let start = ccs
        .iter()
        .rposition(|c| c.1 == 0)
        .expect("the 0 before the glide");
    let glide = &ccs[start + 1..];
    assert!(
        (40..=51).contains(&glide.len()),
        "{} values in the glide: {glide:?}",
        glide.len()
    );
    assert_eq!(glide.last().unwrap().1, 127, "{glide:?}");
    let throttle = JACK_RATE as u64 / 100;
    for w in glide.windows(2) {
        assert!(w[1].1 >= w[0].1, "rising: {glide:?}");
        assert!(w[1].0 - w[0].0 >= throttle, "one per 10 ms: {glide:?}");
    }
    let span = glide.last().unwrap().0 - glide[0].0;
    let xr = xruns(&player);
    assert!(
        span + throttle == JACK_RATE as u64 / 2
            || (xr > 0 && span.abs_diff(23_520) < 8 * JACK_PERIOD as u64),
        "the glide's values span {span} frames (0.5 s less its first step; {xr} xruns): {glide:?}"
    );
    step(
        t,
        &format!("a 0.5 s glide: {} CCs over {span} frames", glide.len()),
    );

    // A held note, then a patch without its instrument.
    let revision = |http| {
        let state: serde_json::Value = serde_json::from_str(&get(http, "/api/state")).unwrap();
        state["revision"].as_u64().unwrap()
    };
    let wait_revision = |n: u64| {
        let until = Instant::now() + READY_TIMEOUT;
        while revision(http) < n {
            assert!(Instant::now() < until, "revision {n} never came");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let first = revision(http);
    oscsend(port, &["/patch/load", "s", "held"]);
    wait_revision(first + 1);
    std::thread::sleep(Duration::from_millis(300));
    let before = events(&d).len();
    oscsend(port, &["/note/on", "iis", "50", "100", "nts1"]);
    d.wait_output(READY_TIMEOUT, "the held note-on", |o| {
        o.stdout().iter().any(|l| l.contains("91 32 64"))
    });
    std::thread::sleep(Duration::from_millis(300));
    oscsend(port, &["/patch/load", "s", "without"]);
    wait_revision(first + 2);
    d.wait_output(READY_TIMEOUT, "all notes off on channel 2", |o| {
        o.stdout().iter().any(|l| l.contains("b1 7b 00"))
    });
    let after: Vec<(u64, Vec<u8>)> = events(&d)[before..].to_vec();
    let on = after
        .iter()
        .position(|(_, b)| b[..] == [0x91, 50, 100])
        .expect("the note-on");
    let off = after
        .iter()
        .position(|(_, b)| b[..] == [0x81, 50, 64])
        .unwrap_or_else(|| panic!("no note-off for the held note: {after:?}"));
    let all_off = after
        .iter()
        .position(|(_, b)| b[..] == [0xB1, 123, 0])
        .unwrap();
    assert!(on < off && off < all_off, "{after:?}");
    step(t, "the removed instrument's note released on the wire");
    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "chronus stopping");
}
