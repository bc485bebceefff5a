//! The web console's traffic while the audio callback renders on this thread under
//! `assert_no_alloc`: a WebSocket client (tungstenite) receives what the console receives
//! (levels and the moving figures at 20 Hz, state on change, cues) and sends what it sends
//! when its controls move — a filter cutoff swept at the console's 15 messages a second,
//! notes, and now and then an edit and commit, after which it fetches the page (`/`,
//! `/console/main.js`), `/api/patch.svg` and `/api/patch.json` as the page reloads and redraws. The server answers from the controller and the
//! callback's atomics, so the audio side allocates nothing and never waits for it.

use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_no_alloc::assert_no_alloc;
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::cues::LedCue;
use serde_json::{json, Value};
use tungstenite::Message;

use crate::support::http_rig::{get, HttpRig};

/// A saw voice through a lowpass `vcf`, the console's first selected module.
const PATCH: &str = r#"(voice: (count: 8, steal: "oldest", modules: {
    "osc": (kind: "saw"),
    "env": (kind: "adsr", params: {"attack": 0.005, "sustain": 0.8, "release": 0.05}),
    "vcf": (kind: "lowpass", params: {"cutoff": 1800.0, "q": 1.2}),
    "vca": (kind: "vca"),
}, connections: [("note.freq", "osc.freq"), ("note.gate", "env.gate"), ("osc.out", "vcf.in"),
    ("vcf.out", "vca.in"), ("env.out", "vca.cv"), ("vca.out", "output.left"), ("vca.out", "output.right")]),
    connections: [("voices.left", "output.left"), ("voices.right", "output.right")])"#;

/// What the client saw.
#[derive(Default, Debug)]
struct Seen {
    levels: u32,
    states: u32,
    cues: u32,
    replies: u32,
    errors: Vec<String>,
    commits: u32,
}

#[test]
fn the_console_streaming_and_moving_controls_never_touches_the_audio_side() {
    let HttpRig {
        control,
        mut callback,
        cues,
        server,
    } = HttpRig::new(PATCH, "saw");
    let addr = server.local_addr();
    let stop = Arc::new(AtomicBool::new(false));

    // The console: one WebSocket, a control move every 1/15 s, an edit and commit every
    // 3 s (then the page's two fetches), reading everything pushed meanwhile.
    let client = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let stream = TcpStream::connect(addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_millis(10)))
                .unwrap();
            let (mut ws, _) = tungstenite::client(format!("ws://{addr}/api/ws"), stream).unwrap();
            let mut seen = Seen::default();
            let started = Instant::now();
            let mut sent = 0u32;
            while !stop.load(Relaxed) {
                let due = (started.elapsed().as_secs_f64() * 15.0) as u32;
                if sent < due {
                    sent += 1;
                    let msg = if sent.is_multiple_of(45) {
                        seen.commits += 1;
                        let q = 0.7 + 0.1 * (seen.commits % 5) as f64;
                        json!([
                            {"address": "/patch/set", "args": ["vcf", "q", q]},
                            {"address": "/patch/commit"}
                        ])
                    } else if sent.is_multiple_of(10) {
                        json!({"address": "/note/on", "args": [48 + sent % 24, 100]})
                    } else {
                        let cutoff = 200.0 + 4000.0 * ((sent as f64) * 0.1).sin().abs();
                        json!({"address": "/mod/vcf/cutoff", "args": [cutoff]})
                    };
                    ws.send(Message::text(msg.to_string())).unwrap();
                    if sent.is_multiple_of(45) {
                        // The page itself, as a browser (re)loading it fetches it.
                        assert!(get(addr, "/").contains("<html"));
                        assert!(get(addr, "/console/main.js").contains("WebSocket"));
                        assert!(get(addr, "/api/patch.svg").contains("<svg"));
                        assert!(get(addr, "/api/patch.json").contains("\"vcf\""));
                    }
                }
                match ws.read() {
                    Ok(Message::Text(t)) => {
                        let v: Value = serde_json::from_str(t.as_str()).unwrap();
                        match v["type"].as_str() {
                            Some("levels") => seen.levels += 1,
                            Some("state") => seen.states += 1,
                            Some("cue") => seen.cues += 1,
                            Some("replies") => seen.replies += 1,
                            _ => seen.errors.push(v.to_string()),
                        }
                    }
                    Ok(_) => {}
                    Err(tungstenite::Error::Io(e))
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(e) => panic!("the WebSocket failed: {e}"),
                }
            }
            let _ = ws.close(None);
            seen
        })
    };

    // The audio side: 256-frame callbacks under assert_no_alloc for 8 s of wall time (the
    // client needs time, not callbacks), the control thread's chores between them as the
    // player does them (garbage, note cues, a param cue per control move into the log).
    let mut out = vec![0.0f32; 512];
    #[cfg(debug_assertions)]
    reset_violation_count();
    let mut callbacks = 0u64;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(8) {
        assert_no_alloc(|| callback.process(&mut out, 2));
        assert!(out.iter().all(|x| x.is_finite()));
        callbacks += 1;
        if callbacks.is_multiple_of(8) {
            let mut c = control.lock();
            c.collect_garbage();
            while c.pop_note_cue().is_some() {}
            drop(c);
            cues.push(LedCue::Param {
                name: "vcf.cutoff".into(),
                value: callbacks as f64,
            });
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    stop.store(true, Relaxed);
    let seen = client.join().unwrap();
    #[cfg(debug_assertions)]
    assert_eq!(
        violation_count(),
        0,
        "the audio side allocated while the console streamed"
    );
    eprintln!("{callbacks} callbacks; the client saw {seen:?}");
    // The stream ran: ~20 levels a second, a state per commit, the cues, an answer to
    // every control move (none refused: 15/s is under the server's 20/s).
    assert!(seen.levels >= 40, "{seen:?}");
    assert!(seen.commits >= 2 && seen.states > 1, "{seen:?}");
    assert!(seen.cues >= 10, "{seen:?}");
    assert!(seen.replies >= 60, "{seen:?}");
    assert!(seen.errors.is_empty(), "{seen:?}");
    let revision = control.lock().revision();
    assert!(revision > 1, "the commits landed: revision {revision}");
}
