//! Scraping `/metrics` (and `/api/state`) 100 times a second while the audio callback
//! renders on this thread under `assert_no_alloc`: the HTTP API reads only atomics the
//! callback stores and the controller (never locked by the audio side), so the audio side
//! allocates nothing, takes no lock and never waits for it. The scrapes use a plain
//! `TcpStream` client so the test needs no program outside.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_no_alloc::assert_no_alloc;
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::control::Controller;
use chronus::cues::CueLog;
use chronus::engine::{Engine, EngineConfig};
use chronus::host::audio_callback::{AudioCallback, CallbackCore, Shared};
use chronus::http::sources::HttpCounters;
use chronus::http::{HostFigures, HostView, HttpOptions, HttpServer, Sources};
use chronus::osc::{HostStatus, PacketHandler, PatchFolder};
use chronus_modules::Registry;
use parking_lot::Mutex;

struct View(Arc<Shared>);

impl HostView for View {
    fn figures(&self) -> HostFigures {
        let m = self.0.meter();
        let h = m.histogram();
        HostFigures {
            dsp_load: m.load() as f64,
            xruns: m.xruns(),
            callbacks: m.callbacks(),
            callback_bounds: chronus::host::meter::CALLBACK_BUCKETS_S.to_vec(),
            callback_cumulative: h.cumulative.to_vec(),
            callback_count: h.count,
            callback_sum_s: h.sum_s,
            levels: m.levels().to_vec(),
            ..HostFigures::default()
        }
    }
}

fn get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    text
}

#[test]
fn scraping_100_times_a_second_never_touches_the_audio_side() {
    let (engine, handle) = Engine::new(EngineConfig {
        sample_rate: crate::support::engine::SR,
        ..EngineConfig::default()
    });
    let mut control = Controller::new(Registry::builtin(), handle);
    control
        .load(crate::support::engine::patch(
            &crate::support::engine::sine_voice(8),
        ))
        .unwrap();
    let control = Arc::new(Mutex::new(control));
    let core = CallbackCore::new(engine, crate::support::engine::SR, None);
    let shared = core.shared().clone();
    let mut callback = AudioCallback::new(core);
    let handler = PacketHandler::new(
        control.clone(),
        Arc::new(HostStatus::default),
        None,
        PatchFolder::new(std::env::temp_dir()),
    );
    let server = HttpServer::start(
        &HttpOptions {
            bind: "127.0.0.1:0".parse().unwrap(),
            explicit: true,
            rate: 20.0,
            burst: 40,
            max_body: 64 * 1024,
        },
        Sources {
            control: control.clone(),
            osc: Arc::new(Mutex::new(handler)),
            osc_stats: None,
            host: Arc::new(View(shared)),
            cues: CueLog::default(),
            reload: None,
            started: Instant::now(),
            patch_name: "sine".into(),
            counters: Arc::new(HttpCounters::default()),
        },
    )
    .unwrap();
    let addr = server.local_addr();

    // The scraper: 100 scrapes a second, every tenth one of /api/state.
    let stop = Arc::new(AtomicBool::new(false));
    let scrapes = Arc::new(AtomicU64::new(0));
    let scraper = {
        let (stop, scrapes) = (stop.clone(), scrapes.clone());
        std::thread::spawn(move || {
            let mut next = Instant::now();
            while !stop.load(Relaxed) {
                let n = scrapes.fetch_add(1, Relaxed);
                let text = get(
                    addr,
                    if n % 10 == 9 {
                        "/api/state"
                    } else {
                        "/metrics"
                    },
                );
                assert!(text.contains("chronus_") || text.contains("\"revision\""));
                next += Duration::from_millis(10);
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
            }
        })
    };

    // The audio side: 256-frame callbacks (notes from the controller between them) under
    // assert_no_alloc while the scraper runs, for at least 150 scrapes.
    let mut out = vec![0.0f32; 512];
    #[cfg(debug_assertions)]
    reset_violation_count();
    let mut callbacks = 0u64;
    while scrapes.load(Relaxed) < 150 || callbacks < 400 {
        if callbacks.is_multiple_of(50) {
            let note = 60 + (callbacks / 50 % 12) as u8;
            let _ = control
                .lock()
                .note_on(&chronus::control::NoteTarget::Default, note, 0.8, None);
        }
        assert_no_alloc(|| callback.process(&mut out, 2));
        assert!(out.iter().all(|x| x.is_finite()));
        callbacks += 1;
        if callbacks.is_multiple_of(8) {
            let mut c = control.lock();
            c.collect_garbage();
            while c.pop_note_cue().is_some() {}
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    stop.store(true, Relaxed);
    scraper.join().unwrap();
    #[cfg(debug_assertions)]
    assert_eq!(
        violation_count(),
        0,
        "the audio side allocated while scraped"
    );
    // The scrapes saw the callback's figures move.
    let text = get(addr, "/metrics");
    let count = text
        .lines()
        .find_map(|l| l.strip_prefix("chronus_callbacks_total "))
        .unwrap();
    assert_eq!(count.trim().parse::<u64>().unwrap(), callbacks);
    assert!(text.contains("chronus_notes_total{source=\"sequencer\"} 0"));
    drop(server);
}
