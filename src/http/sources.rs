//! [`Sources`]: everything the HTTP handlers read and call — the controller, the OSC
//! handler of this transport, the host's figures ([`HostView`], implemented by the
//! player), the OSC server's counters, the cue log and the reload hook.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;

use crate::control::Controller;
use crate::cues::CueLog;
use crate::osc::{OscStats, PacketHandler};

/// Host figures the controller does not know: the audio callback's meter, outputs, clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostFigures {
    /// Smoothed DSP load, 0..1.
    pub dsp_load: f64,
    /// Xruns so far.
    pub xruns: u64,
    /// Callbacks so far.
    pub callbacks: u64,
    /// Panics caught in audio processing.
    pub audio_panics: u64,
    /// Recorded frames dropped.
    pub record_drops: u64,
    /// Callback durations: upper bounds (s) and cumulative counts, total count and sum (s).
    pub callback_bounds: Vec<f64>,
    /// Cumulative counts per bound.
    pub callback_cumulative: Vec<u64>,
    /// Callbacks measured.
    pub callback_count: u64,
    /// Seconds spent in them.
    pub callback_sum_s: f64,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Outputs, one description each (`"null"`, `"alsa: default"`, `"record: out.wav"`).
    pub outputs: Vec<String>,
    /// Where tempo comes from (`"internal"`).
    pub clock: String,
    /// Per output channel: (peak, RMS) of the last ~50 ms, 0..1.
    pub levels: Vec<(f32, f32)>,
    /// The systemd watchdog (`WATCHDOG=1` pings), as the player feeds it.
    pub watchdog: WatchdogFigures,
}

/// The systemd watchdog's counters (`service::notify`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WatchdogFigures {
    /// The watchdog is on (`WATCHDOG_USEC` applies to this process).
    pub enabled: bool,
    /// `WATCHDOG=1` pings sent.
    pub pings: u64,
    /// Pings withheld because the audio callback made no progress in their interval.
    pub withheld: u64,
}

/// What the player shows the HTTP API of the host. Called on the HTTP thread.
pub trait HostView: Send + Sync {
    /// The figures now.
    fn figures(&self) -> HostFigures;
}

/// `POST /api/reload` (and SIGHUP): re-reads the config; returns the one line saying what
/// changed, or the refusal (file:line:col lines).
pub type ReloadFn = Arc<dyn Fn() -> Result<String, String> + Send + Sync>;

/// What the handlers share.
#[derive(Clone)]
pub struct Sources {
    /// The controller.
    pub control: Arc<Mutex<Controller>>,
    /// The OSC address space of this transport (its own `/reply` routes; the same
    /// dispatcher as the OSC server).
    pub osc: Arc<Mutex<PacketHandler>>,
    /// The OSC server's counters, when it runs.
    pub osc_stats: Option<Arc<OscStats>>,
    /// The host.
    pub host: Arc<dyn HostView>,
    /// The cue history.
    pub cues: CueLog,
    /// Config reload, when a config file was given.
    pub reload: Option<ReloadFn>,
    /// When play started.
    pub started: Instant,
    /// The patch's name as given on the command line.
    pub patch_name: String,
    /// HTTP counters.
    pub counters: Arc<HttpCounters>,
}

/// Counters of the HTTP API.
#[derive(Debug, Default)]
pub struct HttpCounters {
    /// Requests served.
    pub requests: AtomicU64,
    /// Requests refused by the rate limit (HTTP 429).
    pub rate_limited: AtomicU64,
    /// Requests refused as malformed (bad JSON, too large, bad shape).
    pub bad_requests: AtomicU64,
    /// WebSocket clients connected now.
    pub ws_clients: AtomicU64,
}
