//! Overload shedding in a real `chronus play --host null --buffer 128 --record`: a patch
//! made heavy on purpose (many voices of an expensive template) is played with every voice
//! held, over HTTP's `/api/osc`. The null host measures the DSP load as callback time over
//! the buffer period (and counts a buffer finished after its deadline as an xrun), so the
//! load goes over the config's limit: the governor sheds, level by level, into the
//! polyphony steps — each step one log line, counted in `/metrics`, `/api/state` and
//! `/status.reply`, each instrument's cap lowered — once a config reload has turned
//! shedding on (before it, nothing is shed; a reload with a bad limit is refused with its
//! position). When the notes stop (`/note/panic`) the
//! load falls and every level comes back, one line each, the cap with them. The recording
//! never has a silent run longer than one buffer while the notes sound, and loses no
//! frame. Asserted on the sequence of steps and the counters, never on how long they took.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::chronus::chronus_cmd;
use crate::support::http::{get, http_addr, http_clients_available, post_json};
use crate::support::process::{step, Proc, READY_TIMEOUT};
use crate::support::signal::SILENT;
use crate::support::temp::TempDir;

const VOICES: usize = 64;
const BUFFER: usize = 128;

/// Each voice: four detuned supersaws (seven saws each) through two moog filters.
fn heavy_patch() -> String {
    format!(
        r#"(limit: -1.0, voice: (count: {VOICES}, steal: "quietest", modules: {{
    "a": (kind: "supersaw"), "b": (kind: "supersaw"), "c": (kind: "supersaw"), "d": (kind: "supersaw"),
    "f1": (kind: "moog", params: {{"cutoff": 3000.0}}), "f2": (kind: "moog", params: {{"cutoff": 2500.0}}),
    "env": (kind: "adsr", params: {{"attack": 0.005, "sustain": 1.0, "release": 0.05}}),
    "vca": (kind: "vca"), "vel": (kind: "vca"),
}}, connections: [
    ("note.freq", "a.freq"), ("note.freq", "b.freq"), ("note.freq", "c.freq"), ("note.freq", "d.freq"),
    ("a.out", "f1.in"), ("b.out", "f1.in"), ("c.out", "f2.in"), ("d.out", "f2.in"),
    ("f1.out", "vca.in"), ("f2.out", "vca.in"), ("note.gate", "env.gate"), ("env.out", "vca.cv"),
    ("vca.out", "vel.in"), ("note.velocity", "vel.cv"),
    ("vel.out", "output.left"), ("vel.out", "output.right"),
]),
    volume: 0.1,
    connections: [("voices.left", "output.left"), ("voices.right", "output.right")])"#
    )
}

fn state(addr: SocketAddr) -> Value {
    serde_json::from_str(&get(addr, "/api/state")).expect("/api/state is JSON")
}

/// The value of the metric sample `name{labels}` (exactly as printed) in a scrape.
fn metric(text: &str, sample: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(sample)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {sample} in the scrape:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

/// Polls `/api/state` until `cond` holds (bounded; a readiness wait, not a timing check).
fn wait_state(addr: SocketAddr, player: &Proc, what: &str, cond: impl Fn(&Value) -> bool) -> Value {
    let end = Instant::now() + READY_TIMEOUT * 3;
    loop {
        let s = state(addr);
        if cond(&s) {
            return s;
        }
        assert!(
            Instant::now() < end,
            "timed out waiting for {what}; state {}\nOutput:\n{}",
            s["overload"],
            player.output.text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The overload log lines' steps, in order: (verb, from, to).
fn steps(player: &Proc) -> Vec<(String, u32, u32)> {
    player
        .output
        .stderr()
        .iter()
        .filter_map(|l| {
            let rest = &l[l.find("overload: ")? + "overload: ".len()..];
            let (verb, rest) = rest.split_once(", level ")?;
            let (from, rest) = rest.split_once(" -> ")?;
            let to = rest.split_whitespace().next()?;
            Some((verb.to_string(), from.parse().ok()?, to.parse().ok()?))
        })
        .collect()
}

#[test]
fn a_heavy_patch_sheds_polyphony_step_by_step_and_gets_it_back() {
    if !http_clients_available("overload_play", &[]) {
        return;
    }
    let t0 = Instant::now();
    let dir = TempDir::new("overload_play");
    let patch = dir.join("heavy.ron");
    std::fs::write(&patch, heavy_patch()).unwrap();
    // Load-driven limits (a busy test machine's stray xruns stay under the xrun limit), a
    // low load limit so a machine several times faster than the build VM (where every
    // voice held is a load of about 1.0 in the debug build) still goes over it, short
    // timers so the test runs in seconds; shedding off until the reload below.
    let limits = "dsp_load: 0.2, xruns_per_minute: 10000, shed_after: 0.3, restore_after: 0.5";
    let config = dir.join("overload.ron");
    std::fs::write(&config, format!("(overload: ({limits}, enabled: false))")).unwrap();
    let wav = dir.join("played.wav");
    let buffer = BUFFER.to_string();
    let mut player = Proc::spawn(
        "chronus play (heavy)",
        chronus_cmd(&[
            "play",
            patch.to_str().unwrap(),
            "--host",
            "null",
            "--buffer",
            &buffer,
            "--record",
            wav.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--http",
            "127.0.0.1:0",
            "--status-interval",
            "1",
        ]),
    )
    .graceful_on_drop();
    let addr = http_addr(&mut player);
    let before = state(addr);
    assert_eq!(before["overload"]["level"], 0, "{before}");
    assert_eq!(before["instruments"][0]["cap"], VOICES, "{before}");
    step(t0, "playing; holding every voice");

    // Every voice held, softest first.
    let notes: Vec<Value> = (0..VOICES)
        .map(|k| json!({"address": "/note/on", "args": [30 + k, 0.2 + 0.8 * k as f64 / VOICES as f64]}))
        .collect();
    let (code, answer) = post_json(addr, "/api/osc", &Value::Array(notes).to_string());
    assert_eq!(code, 200, "{answer}");

    // Over the limit, but shedding is off: nothing is shed, however long it lasts.
    wait_state(addr, &player, "the DSP load over 0.2", |s| {
        s["dsp_load"].as_f64().unwrap() > 0.2
    });
    for _ in 0..10 {
        let s = state(addr);
        assert_eq!(s["overload"]["level"], 0, "shedding is off: {s}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // A reload with a bad limit is refused whole, with its position; a good one turns
    // shedding on.
    std::fs::write(&config, "(overload: (dsp_load: 9.0))").unwrap();
    let (code, answer) = post_json(addr, "/api/reload", "{}");
    assert_eq!(code, 400, "{answer}");
    let error = answer["error"].as_str().unwrap();
    assert!(
        error.contains("overload.ron:1:23: dsp_load 9 is out of range"),
        "{error}"
    );
    std::fs::write(&config, format!("(overload: ({limits}))")).unwrap();
    let (code, answer) = post_json(addr, "/api/reload", "{}");
    assert_eq!(code, 200, "{answer}");
    assert!(
        answer["changed"]
            .as_str()
            .unwrap()
            .contains("changed overload;"),
        "{answer}"
    );
    step(t0, "shedding turned on by the reload");

    // The load goes over the limit: mutation and cues first, then the polyphony steps.
    let shed = wait_state(addr, &player, "a polyphony step (level 2)", |s| {
        s["overload"]["level"].as_u64().unwrap_or(0) >= 2
    });
    step(t0, &format!("shedding: {}", shed["overload"]));
    let cap = shed["instruments"][0]["cap"].as_u64().unwrap();
    assert!(cap < VOICES as u64, "{shed}");
    let scrape = get(addr, "/metrics");
    assert!(metric(&scrape, "chronus_overload_steps_total{direction=\"shed\"}") >= 2.0);
    assert!(metric(&scrape, "chronus_overload_level") >= 2.0);
    assert!(metric(&scrape, "chronus_voice_cap{instrument=\"voices\"}") < VOICES as f64);
    // `/status.reply`: fields 13 and 14 are the level and the voices shed.
    let (code, status) = post_json(addr, "/api/osc", r#"{"address": "/status"}"#);
    assert_eq!(code, 200, "{status}");
    let args = &status["replies"][0]["args"];
    assert!(args[12].as_i64().unwrap() >= 1, "{status}");
    // Shed voices were faded out (the quietest, as the engine test shows in detail).
    let shed_voices = wait_state(addr, &player, "voices shed", |s| {
        s["overload"]["voices_shed"].as_u64().unwrap_or(0) > 0
    });
    let voices = shed_voices["instruments"][0]["voices"].as_u64().unwrap();
    assert!(voices < VOICES as u64, "{shed_voices}");
    player.wait_output(
        READY_TIMEOUT,
        "the log line of the first polyphony step",
        |o| o.text().contains("overload: shedding, level 1 -> 2 of 4"),
    );

    // The notes stop: the load falls and every level comes back.
    let (code, answer) = post_json(addr, "/api/osc", r#"{"address": "/note/panic"}"#);
    assert_eq!(code, 200, "{answer}");
    let calm = wait_state(addr, &player, "every level restored", |s| {
        s["overload"]["level"] == 0
    });
    step(t0, &format!("restored: {}", calm["overload"]));
    assert_eq!(calm["instruments"][0]["cap"], VOICES, "{calm}");
    player.wait_output(READY_TIMEOUT, "the log line of the last restore", |o| {
        o.text().contains("overload: restoring, level 1 -> 0 of 4")
    });
    let scrape = get(addr, "/metrics");
    let logged = steps(&player);
    let sheds = logged.iter().filter(|s| s.0 == "shedding").count();
    let restores = logged.iter().filter(|s| s.0 == "restoring").count();
    assert_eq!(
        metric(&scrape, "chronus_overload_steps_total{direction=\"shed\"}") as usize,
        sheds,
        "{logged:?}"
    );
    assert_eq!(
        metric(
            &scrape,
            "chronus_overload_steps_total{direction=\"restore\"}"
        ) as usize,
        restores,
        "{logged:?}"
    );
    assert_eq!(metric(&scrape, "chronus_overload_level"), 0.0);
    assert_eq!(
        metric(&scrape, "chronus_voice_cap{instrument=\"voices\"}"),
        VOICES as f64
    );
    assert!(metric(&scrape, "chronus_overload_voices_shed_total") > 0.0);
    // One level at a time, from 0, down to a polyphony step, back to 0.
    let mut level = 0;
    for (verb, from, to) in &logged {
        assert_eq!(*from, level, "{logged:?}");
        let expected = if verb == "shedding" {
            from + 1
        } else {
            from - 1
        };
        assert_eq!(*to, expected, "{logged:?}");
        level = *to;
    }
    assert!(logged.iter().any(|s| s.2 >= 2), "{logged:?}");
    assert_eq!(level, 0, "{logged:?}");

    // The recording: no dropout longer than one buffer while the notes sounded, no frame
    // lost, nothing but finite samples.
    player.signal("TERM");
    let status = player.wait_exit(READY_TIMEOUT, "SIGTERM");
    assert!(status.success(), "{status}\n{}", player.output.text());
    let stopped = player.output.text();
    assert!(stopped.contains("record drops 0"), "{stopped}");
    let (_, channels) = chronus::host::wav::read_wav(&wav).unwrap();
    let left = &channels[0];
    assert!(left.iter().all(|x| x.is_finite()));
    let onset = left.iter().position(|x| x.abs() > SILENT).expect("sound");
    let end = left.iter().rposition(|x| x.abs() > SILENT).unwrap();
    let mut longest = 0;
    let mut run = 0;
    for x in &left[onset..=end] {
        run = if x.abs() <= SILENT { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    step(
        t0,
        &format!(
            "recorded {} frames of sound; longest silent run {longest} frames",
            end - onset
        ),
    );
    assert!(
        longest <= BUFFER,
        "a dropout of {longest} frames (more than one {BUFFER}-frame buffer)"
    );
}
