//! The HTTP API in-process over a real audio callback, for the tests that run that
//! callback under `assert_no_alloc` while clients use the API: a controller playing a
//! patch, the callback (driven by the test, on its own thread), and an [`HttpServer`] whose
//! host figures are the callback's meter. Requests are plain `TcpStream` HTTP/1.1.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Instant;

use chronus::control::Controller;
use chronus::cues::CueLog;
use chronus::engine::{Engine, EngineConfig};
use chronus::host::audio_callback::{AudioCallback, CallbackCore, Shared};
use chronus::http::sources::HttpCounters;
use chronus::http::{HostFigures, HostView, HttpOptions, HttpServer, Sources};
use chronus::osc::{HostStatus, PacketHandler, PatchFolder};
use chronus_modules::Registry;
use parking_lot::Mutex;

use super::engine::{patch, SR};

/// The callback's meter as the HTTP API's host figures.
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

/// A playing controller, its audio callback and the HTTP server over them.
pub struct HttpRig {
    /// The controller (the audio side never locks it).
    pub control: Arc<Mutex<Controller>>,
    /// The audio callback: call `process` on the test's thread.
    pub callback: AudioCallback,
    /// The cue history the server streams (push into it as the player would).
    pub cues: CueLog,
    /// The server, on `127.0.0.1` at a free port (20 requests/s per client, burst 40).
    pub server: HttpServer,
}

impl HttpRig {
    /// `patch_text` loaded and the server started.
    pub fn new(patch_text: &str, name: &str) -> HttpRig {
        let (engine, handle) = Engine::new(EngineConfig {
            sample_rate: SR,
            ..EngineConfig::default()
        });
        let mut control = Controller::new(Registry::builtin(), handle);
        control.load(patch(patch_text)).unwrap();
        let control = Arc::new(Mutex::new(control));
        let core = CallbackCore::new(engine, SR, None);
        let shared = core.shared().clone();
        let callback = AudioCallback::new(core);
        let handler = PacketHandler::new(
            control.clone(),
            Arc::new(HostStatus::default),
            None,
            PatchFolder::new(std::env::temp_dir()),
        );
        let cues = CueLog::default();
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
                cues: cues.clone(),
                reload: None,
                started: Instant::now(),
                patch_name: name.into(),
                counters: Arc::new(HttpCounters::default()),
            },
        )
        .unwrap();
        HttpRig {
            control,
            callback,
            cues,
            server,
        }
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }
}

/// `GET path` over a fresh connection; the whole answer (status line, headers, body),
/// asserted to be a 200.
pub fn get(addr: SocketAddr, path: &str) -> String {
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
