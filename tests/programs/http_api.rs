//! The HTTP API of `chronus play --host null` with real clients (docs/CONTRACTS.md §6):
//! `curl` for every endpoint, `promtool check metrics` and the `prometheus_client` Python
//! parser on `/metrics` (every family named by the contract present, notes counted as they
//! play), `/api/state`'s keys, `/api/osc` changing the sound in `--record` like `/mod` over
//! OSC, bad bodies refused with the sound untouched, 429 under a flood, the WebSocket's
//! pushes (Python `websockets`), and the default/explicit/non-loopback address rules.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::support::chronus::{chronus_cmd, CHRONUS, ROOT};
use crate::support::http::{curl, get, http_addr, http_clients_available, post_json, python};
use crate::support::process::{programs_available, Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;
use chronus_modules::analysis::zero_crossing_frequency;

const SR: f32 = 48_000.0;

/// Every metric family the contract names.
const FAMILIES: [&str; 19] = [
    "chronus_dsp_load",
    "chronus_callback_seconds",
    "chronus_xruns",
    "chronus_callbacks",
    "chronus_voices_active",
    "chronus_notes",
    "chronus_osc_messages",
    "chronus_osc_refused",
    "chronus_midi_events",
    "chronus_queue_depth",
    "chronus_queue_high_water",
    "chronus_events_dropped",
    "chronus_mutations",
    "chronus_idle_transitions",
    "chronus_commits",
    "chronus_panics",
    "chronus_backend_up",
    "chronus_rss_bytes",
    "chronus_http_rate_limited",
];

/// Parses the metrics text with prometheus_client's parser; prints `family sample value`
/// lines (counters lose their `_total` in the family name, as the parser does).
const PARSE_METRICS: &str = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families
text = sys.stdin.read() if len(sys.argv) < 2 else open(sys.argv[1]).read()
for family in text_string_to_metric_families(text):
    print("family", family.name, family.type)
    for s in family.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        print("sample", s.name, labels, s.value)
"#;

fn parse_metrics(text: &str, dir: &TempDir) -> Vec<String> {
    let file = dir.join(&format!("metrics-{}.txt", text.len()));
    std::fs::write(&file, text).unwrap();
    let (ok, out, err) = python(PARSE_METRICS, &[file.to_str().unwrap()]);
    assert!(
        ok,
        "prometheus_client could not parse /metrics: {err}\n{text}"
    );
    out.lines().map(str::to_string).collect()
}

/// The value of sample `name` with exactly `labels` in parsed lines.
fn sample(lines: &[String], name: &str, labels: &str) -> Option<f64> {
    lines.iter().find_map(|l| {
        let mut parts = l.split(' ');
        (parts.next() == Some("sample")
            && parts.next() == Some(name)
            && parts.next() == Some(labels))
        .then(|| parts.next().unwrap().parse().unwrap())
    })
}

fn play_http(args: &[&str]) -> Proc {
    let mut all = vec!["play"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--host", "null", "--http", "127.0.0.1:0"]);
    Proc::spawn("chronus play", chronus_cmd(&all)).graceful_on_drop()
}

#[test]
fn metrics_state_modules_and_osc_over_http() {
    let test = "metrics_state_modules_and_osc_over_http";
    if !http_clients_available(test, &["prometheus_client"])
        || !programs_available(test, &["promtool"])
    {
        return;
    }
    let dir = TempDir::new("http_api");
    let mut player = play_http(&[
        "patches/generative-pulse.ron",
        "--seed",
        "7",
        "--seconds",
        "30",
    ]);
    let addr = http_addr(&mut player);

    // /metrics: promtool's checker and prometheus_client's parser accept it, every family
    // is there, and the sequencer's notes are counted as they play.
    let text = get(addr, "/metrics");
    let mut promtool = std::process::Command::new("promtool");
    promtool
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped());
    let mut child = promtool
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics refused /metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = parse_metrics(&text, &dir);
    for family in FAMILIES {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("family {family} "))),
            "no family {family} in /metrics:\n{text}"
        );
    }
    for queue in [
        "command",
        "return",
        "cue",
        "note_cue",
        "events",
        "osc_outbox",
    ] {
        assert!(
            sample(&lines, "chronus_queue_depth", &format!("queue={queue}")).is_some(),
            "no queue {queue}:\n{text}"
        );
    }
    assert!(sample(&lines, "chronus_voices_active", "instrument=lead").is_some());
    let end = Instant::now() + READY_TIMEOUT;
    let notes =
        |lines: &[String]| sample(lines, "chronus_notes_total", "source=sequencer").unwrap();
    let first = notes(&lines);
    loop {
        let lines = parse_metrics(&get(addr, "/metrics"), &dir);
        let now = notes(&lines);
        if now > first && sample(&lines, "chronus_callbacks_total", "").unwrap() > 0.0 {
            assert!(sample(&lines, "chronus_callback_seconds_count", "").unwrap() > 0.0);
            break;
        }
        assert!(
            Instant::now() < end,
            "notes_total{{source=sequencer}} never moved from {first}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // /api/state: every key, null where it does not apply (it all applies here).
    let state: serde_json::Value = serde_json::from_str(&get(addr, "/api/state")).unwrap();
    for key in [
        "patch",
        "revision",
        "instruments",
        "voices",
        "tempo",
        "step",
        "bar",
        "scale",
        "mode",
        "mode_policy",
        "playing",
        "swing",
        "density",
        "chaos_lock",
        "dsp_load",
        "xruns",
        "uptime_s",
        "clock",
        "outputs",
        "backends",
        "midi_outputs",
        "supercollider",
        "backend_status",
        "cues",
    ] {
        assert!(state.get(key).is_some(), "no {key} in /api/state: {state}");
    }
    assert_eq!(state["patch"], "generative-pulse");
    assert_eq!(state["scale"], "dorian");
    assert_eq!(state["mode"], "active");
    assert_eq!(state["mode_policy"], "auto");
    assert_eq!(state["chaos_lock"], false);
    let swing = state["swing"].as_f64().unwrap();
    assert!((0.0..=0.75).contains(&swing), "swing {swing}");
    assert_eq!(state["instruments"][0]["id"], "lead");

    // /api/patch is the running patch as RON; /api/modules the registry with ParamSpecs.
    assert!(get(addr, "/api/patch").contains("lead_vcf"));
    let modules: serde_json::Value = serde_json::from_str(&get(addr, "/api/modules")).unwrap();
    let lowpass = modules
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "lowpass")
        .expect("lowpass in /api/modules");
    let cutoff = lowpass["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "cutoff")
        .unwrap();
    for key in [
        "id",
        "name",
        "kind",
        "range",
        "taper",
        "unit",
        "smoothing",
        "default",
    ] {
        assert!(cutoff.get(key).is_some(), "no {key} in {cutoff}");
    }
    assert_eq!(cutoff["taper"], "logarithmic");
    assert_eq!(cutoff["unit"], "Hz");

    // POST /api/osc: the OSC address space, replies as JSON, refusals as 400/404.
    let (code, answer) = post_json(addr, "/api/osc", r#"{"address": "/status"}"#);
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["replies"][0]["address"], "/status.reply");
    let (code, answer) = post_json(
        addr,
        "/api/osc",
        r#"[{"address": "/note/on", "args": [60, 100, "lead"]}, {"address": "/mod/lead_vcf/cutoff", "args": [900]}]"#,
    );
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["replies"], serde_json::json!([]));
    let (code, answer) = post_json(addr, "/api/osc", r#"{"address": "/no/such/thing"}"#);
    assert_eq!(code, 404, "{answer}");
    assert_eq!(answer["address"], "/no/such/thing", "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("unknown address"),
        "{answer}"
    );
    let (code, answer) = post_json(
        addr,
        "/api/osc",
        r#"{"address": "/mod/lead_vcf/cutoff", "args": ["high"]}"#,
    );
    assert_eq!(code, 400, "{answer}");
    let (code, answer) = post_json(addr, "/api/osc", r#"{"address": "/mod/lead_vcf/cutoff", "#);
    assert_eq!(code, 400, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("not JSON"),
        "{answer}"
    );
    let big = format!(
        r#"{{"address": "/status", "args": ["{}"]}}"#,
        "x".repeat(100 * 1024)
    );
    let (code, _) = curl(addr, "POST", "/api/osc", Some(big.as_bytes()));
    assert_eq!(code, 413, "a body over 64 KiB");
    let (code, _) = curl(addr, "GET", "/api/nothing", None);
    assert_eq!(code, 404);
    assert!(get(addr, "/").contains("Chronus"), "the console's place");

    // The note and the param show in the metrics and the cue log.
    let lines = parse_metrics(&get(addr, "/metrics"), &dir);
    assert_eq!(
        sample(&lines, "chronus_notes_total", "source=http"),
        Some(1.0)
    );
    let end = Instant::now() + READY_TIMEOUT;
    loop {
        let state: serde_json::Value = serde_json::from_str(&get(addr, "/api/state")).unwrap();
        let cues = state["cues"].as_array().unwrap().clone();
        if cues
            .iter()
            .any(|c| c["type"] == "param" && c["name"] == "lead_vcf.cutoff" && c["value"] == 900.0)
        {
            break;
        }
        assert!(
            Instant::now() < end,
            "no param cue for lead_vcf.cutoff in {cues:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // A flood of mutating requests from one client is refused with 429, and counted.
    let flood = r#"
import sys, urllib.request, urllib.error
url = "http://" + sys.argv[1] + "/api/osc"
codes = {}
for i in range(300):
    req = urllib.request.Request(url, data=b'{"address": "/status"}', method="POST")
    try:
        code = urllib.request.urlopen(req, timeout=10).status
    except urllib.error.HTTPError as e:
        code = e.code
    codes[code] = codes.get(code, 0) + 1
print(codes.get(200, 0), codes.get(429, 0))
"#;
    let (ok, out, err) = python(flood, &[&addr.to_string()]);
    assert!(ok, "{err}");
    let counts: Vec<u64> = out.split_whitespace().map(|n| n.parse().unwrap()).collect();
    assert!(
        counts[0] > 0 && counts[1] > 0,
        "200s and 429s in a flood: {out}"
    );
    let lines = parse_metrics(&get(addr, "/metrics"), &dir);
    assert!(sample(&lines, "chronus_http_rate_limited_total", "").unwrap() >= counts[1] as f64);
    // GETs are not rate-limited: /metrics answered all along.
    drop(player);
}

#[test]
fn http_mod_changes_the_sound_and_bad_bodies_change_nothing() {
    let test = "http_mod_changes_the_sound_and_bad_bodies_change_nothing";
    if !http_clients_available(test, &[]) {
        return;
    }
    let dir = TempDir::new("http_mod");
    let empty = dir.join("empty.ron");
    std::fs::write(&empty, "(modules: {}, connections: [])").unwrap();
    let wav = dir.join("played.wav");
    let mut player = play_http(&[
        empty.to_str().unwrap(),
        "--record",
        wav.to_str().unwrap(),
        "--seconds",
        "4",
    ]);
    let addr = http_addr(&mut player);
    let started = Instant::now();
    let build = r#"[
        {"address": "/patch/create", "args": ["osc", "sine", "freq", 440]},
        {"address": "/patch/create", "args": ["amp", "vca", "gain", 0.25]},
        {"address": "/patch/connect", "args": ["osc.out", "amp.in"]},
        {"address": "/patch/connect", "args": ["amp.out", "output.left"]},
        {"address": "/patch/connect", "args": ["amp.out", "output.right"]},
        {"address": "/patch/commit"}
    ]"#;
    let (code, answer) = post_json(addr, "/api/osc", build);
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["replies"][0]["address"], "/patch/committed");
    std::thread::sleep(Duration::from_millis(1_200).saturating_sub(started.elapsed()));
    let (code, answer) = post_json(
        addr,
        "/api/osc",
        r#"{"address": "/mod/osc/freq", "args": [880]}"#,
    );
    assert_eq!(code, 200, "{answer}");
    // Bad bodies: refused, and the sound stays at 880 Hz.
    for bad in [
        r#"{"address": "/mod/osc/freq", "args": [-5]}"#,
        r#"{"address": "/mod/osc/freq", "args": ["loud"]}"#,
        r#"{"address": "/mod/osc/freq" "args": [100]}"#,
        r#"{"addr": "/mod/osc/freq", "args": [100]}"#,
        r#"[{"address": "/mod/osc/freq", "args": [100]}, {"address": "mod"}]"#,
    ] {
        let (code, answer) = post_json(addr, "/api/osc", bad);
        assert!((400..500).contains(&code), "{bad} answered {code} {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    let status = player.wait_exit(READY_TIMEOUT, "--seconds 4");
    assert!(status.success(), "{}", player.output.text());
    let (_, channels) = chronus::host::wav::read_wav(&wav).unwrap();
    let left = &channels[0];
    let onset = left
        .iter()
        .position(|x| x.abs() > 0.01)
        .expect("the committed patch never sounded");
    let first = &left[onset + 2_400..onset + 2_400 + 9_600];
    let f1 = zero_crossing_frequency(first, SR).unwrap();
    assert!((f1 - 440.0).abs() < 1.0, "first {f1} Hz");
    let end = left.len() - 4_800;
    let last = &left[end - 9_600..end];
    let f2 = zero_crossing_frequency(last, SR).unwrap();
    assert!(
        (f2 - 880.0).abs() < 1.0,
        "last {f2} Hz (a refused body changed the sound?)"
    );
}

/// Connects with `websockets`, collects pushes for a while, plays a note over the socket;
/// prints one line per message type seen, then the reply to the note.
const WS_CLIENT: &str = r#"
import asyncio, json, sys, time
import websockets

async def main():
    async with websockets.connect("ws://" + sys.argv[1] + "/api/ws") as ws:
        seen = {}
        reply = None
        sent = False
        end = time.time() + 20
        while time.time() < end:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            t = msg["type"]
            if t == "cue":
                t = "cue:" + msg["cue"]["type"]
            if t == "levels" and msg["levels"] and msg["levels"][0]["peak"] > 0:
                t = "levels:sounding"
            seen[t] = seen.get(t, 0) + 1
            if msg["type"] == "levels" and "overload" in msg["moving"]:
                seen["moving:counters"] = seen.get("moving:counters", 0) + 1
            if t == "replies":
                reply = msg
            if not sent and seen.get("state") and seen.get("levels", 0) + seen.get("levels:sounding", 0) >= 5:
                await ws.send(json.dumps({"address": "/note/on", "args": [72, 1.0, "lead"]}))
                sent = True
            if reply and seen.get("cue:note") and seen.get("levels:sounding"):
                break
        for t in sorted(seen):
            print(t, seen[t])
        print("reply", json.dumps(reply))

asyncio.run(main())
"#;

#[test]
fn the_websocket_pushes_state_cues_and_levels_and_takes_osc() {
    let test = "the_websocket_pushes_state_cues_and_levels_and_takes_osc";
    if !http_clients_available(test, &["websockets"]) {
        return;
    }
    let mut player = play_http(&["patches/generative-pulse.ron", "--seconds", "30"]);
    let addr = http_addr(&mut player);
    let (ok, out, err) = python(WS_CLIENT, &[&addr.to_string()]);
    assert!(ok, "the WebSocket client failed: {err}\n{out}");
    for kind in [
        "state ",
        "levels:sounding ",
        "cue:note ",
        "replies ",
        "moving:counters ",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(kind)),
            "no {kind}push: {out}"
        );
    }
    assert!(out.contains(r#""replies": []"#), "{out}");
}

#[test]
fn a_busy_default_address_is_a_warning_a_given_one_an_error() {
    // Hold the default address (or find it held by someone else: busy either way).
    let _held = TcpListener::bind("127.0.0.1:8080");
    let run = |extra: &[&str]| {
        let mut cmd = std::process::Command::new(CHRONUS);
        cmd.args([
            "play",
            "--host",
            "null",
            "--osc-port",
            "0",
            "--seconds",
            "0.5",
        ])
        .args(extra)
        .current_dir(ROOT)
        .env("NO_COLOR", "1");
        let mut p = Proc::spawn("chronus play", cmd);
        let status = p.wait_exit(READY_TIMEOUT, "--seconds 0.5");
        (status, p.output.text())
    };
    let (status, text) = run(&[]);
    assert!(
        status.success(),
        "a busy default address must not stop play: {text}"
    );
    assert!(
        text.contains("cannot serve HTTP on 127.0.0.1:8080")
            && text.contains("playing without the HTTP API"),
        "{text}"
    );
    let (status, text) = run(&["--http", "127.0.0.1:8080"]);
    assert!(
        !status.success(),
        "a busy --http address must be an error: {text}"
    );
    assert!(
        text.contains("error: cannot serve HTTP on 127.0.0.1:8080"),
        "{text}"
    );
    let (status, text) = run(&["--http", "0.0.0.0:0"]);
    assert!(status.success(), "{text}");
    assert!(
        text.contains("anyone on the network can control the instrument"),
        "{text}"
    );
}
