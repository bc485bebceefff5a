//! Ableton Link (cargo feature `link`, through the `rusty_link` crate: GPL-2.0-or-later,
//! so a build with the feature is GPL): `--link` or the config's `link: (enabled: true,
//! quantum: 4, start_stop_sync: true)`.
//!
//! - [`LinkSession`] joins the session and runs the thread `chronus-link` (every 10 ms,
//!   on Link's application-thread state): the session's tempo becomes the sequencer's, the
//!   sequencer's own tempo changes (OSC, MIDI, ...) are published to the session, and with
//!   `start_stop_sync` the session's start/stop starts and stops the sequencer and the
//!   other way round. It says where the clock comes from (peers, phase) in the
//!   controller's [`SyncStatus`].
//! - [`LinkTimeline`] is the audio thread's side: before every block the audio callback
//!   asks it where the session's timeline stands at the block's first sample, through
//!   Link's real-time-safe audio-thread capture (no lock, no allocation). The block's host
//!   time comes from a linear fit of host time against the engine's sample clock (Link's
//!   `HostTimeFilter`), plus the output latency ([`OutputLatency`]: two of the stream's
//!   buffers and 2 ms, set by the player once the stream reports or the first callbacks
//!   measure its buffer), so the beat is *heard* on the session's beat; the sequencer's clock then follows that timeline (`seq::timeline`): its bars
//!   line up with the session's phase at the quantum.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;
use rusty_link::{AblLink, HostTimeFilter, SessionState};
use tracing::info;

use super::{ClockSource, SyncStatus};
use crate::control::Controller;
use crate::fault::{self, Faults};
use crate::realtime::cycle_stamp::CycleStamp;
use crate::seq::clock::{MAX_BPM, MIN_BPM};
use crate::seq::{SeqCommand, Timeline, TimelineSource};

/// How often the Link thread looks at the session and the sequencer.
const POLL: Duration = Duration::from_millis(10);
/// Tempo differences below this are the same tempo (BPM).
const SAME_TEMPO: f64 = 1e-3;
/// How many looks (of [`POLL`]) a tempo taken from the session may take to show in the
/// sequencer's state (its tempo setting shows once the audio thread has applied the
/// command: within a block or two) before the sequencer's tempo counts as its own again.
const TAKE_POLLS: u32 = 100;

/// What the Link session needs.
pub struct LinkParts {
    /// Beats a bar lines up to.
    pub quantum: f64,
    /// Start/stop sync both ways.
    pub start_stop_sync: bool,
    /// Where the sequencer's commands go and its state is read.
    pub control: Arc<Mutex<Controller>>,
    /// Where panics are counted.
    pub faults: Arc<Faults>,
    /// Where it says where the clock comes from.
    pub status: Arc<SyncStatus>,
}

/// The output latency the audio thread adds to a block's host time (how long after a
/// block is rendered it is heard): one atomic, shared by the player (which sets it once
/// the stream's buffer is known) and [`LinkTimeline`] (which reads it on the audio
/// thread). Clones share the value.
#[derive(Clone, Debug, Default)]
pub struct OutputLatency(Arc<AtomicI64>);

impl OutputLatency {
    /// A latency of `latency` to begin with.
    pub fn new(latency: Duration) -> OutputLatency {
        let l = OutputLatency::default();
        l.set(latency);
        l
    }

    /// Sets it (any thread; the audio thread sees it from its next block).
    pub fn set(&self, latency: Duration) {
        self.0.store(latency.as_micros() as i64, Ordering::Relaxed);
    }

    /// The latency in microseconds. **Real-time safe** (one atomic load).
    pub fn micros(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The running Link session and its thread; dropping it leaves the session.
pub struct LinkSession {
    link: Arc<AblLink>,
    quantum: f64,
    latency: OutputLatency,
    stamp: Arc<CycleStamp>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl LinkSession {
    /// Joins the Link session (at the tempo the sequence starts at, when nobody else is
    /// there; 120 BPM without a sequence) and starts the thread.
    pub fn start(parts: LinkParts) -> std::io::Result<LinkSession> {
        let bpm = starting_bpm(&parts.control.lock()).map_or(120.0, f64::from);
        let link = Arc::new(AblLink::new(bpm));
        link.enable_start_stop_sync(parts.start_stop_sync);
        link.enable(true);
        info!(
            "Ableton Link: joined at {bpm:.2} BPM, quantum {}, start/stop sync {}",
            parts.quantum,
            if parts.start_stop_sync { "on" } else { "off" }
        );
        parts.status.set(ClockSource::Link {
            peers: 0,
            phase: 0.0,
            time_us: link.clock_micros(),
            block: None,
        });
        let stop = Arc::new(AtomicBool::new(false));
        let stamp = Arc::new(CycleStamp::default());
        let quantum = parts.quantum;
        let mut worker = Worker {
            link: link.clone(),
            state: SessionState::new(),
            link_tempo: bpm,
            seq_bpm: bpm,
            taking: None,
            link_playing: None,
            seq_playing: None,
            peers: 0,
            stamp: stamp.clone(),
            parts,
        };
        let faults = worker.parts.faults.clone();
        let thread = {
            let stop = stop.clone();
            fault::supervise("chronus-link", faults.clone(), move || {
                while !stop.load(Ordering::Acquire) {
                    faults.contain(
                        "chronus-link",
                        || "a look at the Link session".into(),
                        || worker.step(),
                    );
                    std::thread::sleep(POLL);
                }
            })?
        };
        Ok(LinkSession {
            link,
            quantum,
            latency: OutputLatency::default(),
            stamp,
            stop,
            thread: Some(thread),
        })
    }

    /// The audio thread's view of the session, for an output heard
    /// [`set_output_latency`](Self::set_output_latency) after a block is rendered (none
    /// until it is set). Built here (it allocates), used on the audio thread.
    pub fn timeline(&self) -> LinkTimeline {
        let mut t = LinkTimeline::new(self.link.clone(), self.latency.clone(), self.quantum);
        t.stamp = self.stamp.clone();
        t
    }

    /// Sets the output latency its timelines add to a block's host time, from their next
    /// block on.
    pub fn set_output_latency(&self, latency: Duration) {
        self.latency.set(latency);
    }
}

impl Drop for LinkSession {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.link.enable(false);
    }
}

/// The audio thread's view of the Link session (see the module doc). **Real-time safe**:
/// Link's audio-thread capture, its host clock (`clock_gettime`, a vDSO call) and a
/// regression over a preallocated buffer of 512 points.
pub struct LinkTimeline {
    link: Arc<AblLink>,
    state: SessionState,
    filter: HostTimeFilter,
    latency: OutputLatency,
    quantum: f64,
    /// Each block's (Link host time, first engine sample), for the session's status.
    stamp: Arc<CycleStamp>,
}

impl LinkTimeline {
    /// The audio thread's view of `link`'s session at `quantum`, for an output heard
    /// `latency` after a block is rendered (read at every block: it may be set later).
    /// Allocates: build it off the audio thread.
    pub fn new(link: Arc<AblLink>, latency: OutputLatency, quantum: f64) -> LinkTimeline {
        LinkTimeline {
            link,
            state: SessionState::new(),
            filter: HostTimeFilter::new(),
            latency,
            quantum,
            stamp: Arc::default(),
        }
    }

    /// The timeline at engine sample `sample`, as heard `latency` later, given the host
    /// time `now_us` at which the callback asks (Link's clock, microseconds).
    pub fn at_host(&mut self, sample: u64, now_us: i64) -> Timeline {
        // Link's host clock counts up from the machine's start: never negative.
        self.stamp.publish(now_us.max(0) as u64, sample);
        let host =
            self.filter.sample_time_to_host_time(now_us.max(0), sample) + self.latency.micros();
        self.link.capture_audio_session_state(&mut self.state);
        Timeline {
            beat: self.state.beat_at_time(host, self.quantum),
            bpm: self.state.tempo(),
            quantum: self.quantum,
        }
    }
}

impl TimelineSource for LinkTimeline {
    fn at(&mut self, sample: u64) -> Option<Timeline> {
        let now = self.link.clock_micros();
        Some(self.at_host(sample, now))
    }
}

/// The tempo the running sequence starts at (its `bpm`, else the `sequencer` config's),
/// `None` without a sequence. Not the sequencer's published state: before the audio's
/// first block there is none (it reads 0 BPM).
fn starting_bpm(control: &Controller) -> Option<f32> {
    let seq = control.running().sequence.as_ref()?;
    Some(seq.bpm.unwrap_or(control.sequencer_config().bpm))
}

/// The tempo setting (`SeqCommand::Bpm`) that makes the sequencer's own tempo `bpm`: its
/// own tempo is the setting times its drift and profile factor, kept (clamped to the
/// tempo range as the sequencer clamps it).
fn setting_for(bpm: f64, seq: &crate::seq::status::SeqState) -> f32 {
    let factor = match (seq.own_bpm as f64, seq.bpm_setting as f64) {
        (own, set) if own > 0.0 && set > 0.0 && (own / set).is_finite() => own / set,
        _ => 1.0,
    };
    ((bpm / factor) as f32).clamp(MIN_BPM, MAX_BPM)
}

struct Worker {
    link: Arc<AblLink>,
    state: SessionState,
    /// The session's tempo as last seen (or published).
    link_tempo: f64,
    /// The sequencer's tempo as last seen (or set from the session).
    seq_bpm: f64,
    /// While a tempo taken from the session does not show in the sequencer's state yet
    /// (its tempo setting shows once the audio thread applies the command, playing or
    /// stopped): the setting sent. Meanwhile the own tempo the state still reports is not
    /// published back to the session.
    taking: Option<(f32, u32)>,
    /// The session's and the sequencer's playing states as last seen (`None`: not yet).
    link_playing: Option<bool>,
    seq_playing: Option<bool>,
    peers: u64,
    /// The audio thread's latest block.
    stamp: Arc<CycleStamp>,
    parts: LinkParts,
}

impl Worker {
    fn step(&mut self) {
        self.link.capture_app_session_state(&mut self.state);
        let now = self.link.clock_micros();
        let q = self.parts.quantum;
        let peers = self.link.num_peers();
        if peers != self.peers {
            info!("Ableton Link: {peers} peer(s)");
            self.peers = peers;
        }
        self.parts.status.set(ClockSource::Link {
            peers,
            phase: self.state.phase_at_time(now, q),
            time_us: now,
            block: self
                .stamp
                .read_settled()
                .map(|(host_us, sample)| (sample, host_us as i64)),
        });
        // Nothing to follow or publish before the sequencer has published its state (the
        // audio's first block): until then it reads 0 BPM, stopped.
        let seq = match self.parts.control.lock().sequencer_state() {
            Ok(seq) if seq.present => seq,
            _ => return,
        };
        let tempo = self.state.tempo();
        // The sequencer plays the session's tempo by itself (its clock follows the
        // timeline at every block); its *own* tempo is what the session learns from it and
        // what it takes from the session.
        let own = seq.own_bpm as f64;
        if let Some((setting, left)) = self.taking {
            let arrived = seq.bpm_setting == setting;
            self.taking = (!arrived && left > 0).then(|| (setting, left - 1));
        }
        if (tempo - self.link_tempo).abs() > SAME_TEMPO {
            // The session's tempo moved: the sequencer takes it as its own.
            self.link_tempo = tempo;
            let bpm = tempo.clamp(MIN_BPM as f64, MAX_BPM as f64);
            self.seq_bpm = bpm as f32 as f64;
            if (own - bpm).abs() > SAME_TEMPO {
                let setting = setting_for(bpm, &seq);
                self.command(SeqCommand::Bpm(setting));
                self.taking = Some((setting, TAKE_POLLS));
            }
        } else if self.taking.is_none() && (own - self.seq_bpm).abs() > SAME_TEMPO {
            // The sequencer's own tempo moved: the session takes it.
            self.seq_bpm = own;
            self.link_tempo = own;
            self.state.set_tempo(own, now);
            self.link.commit_app_session_state(&self.state);
            info!("Ableton Link: published {own:.2} BPM");
        }
        if !self.parts.start_stop_sync {
            return;
        }
        let link_playing = self.state.is_playing();
        if self.link_playing.is_some_and(|p| p != link_playing) {
            self.link_playing = Some(link_playing);
            self.seq_playing = Some(link_playing);
            if seq.playing != link_playing {
                let cmd = if link_playing {
                    SeqCommand::Start
                } else {
                    SeqCommand::Stop
                };
                info!(
                    "Ableton Link: the session {}",
                    if link_playing { "started" } else { "stopped" }
                );
                self.command(cmd);
            }
        } else if self.seq_playing != Some(seq.playing) {
            self.seq_playing = Some(seq.playing);
            self.link_playing = Some(seq.playing);
            self.state.set_is_playing(seq.playing, now);
            self.link.commit_app_session_state(&self.state);
        }
    }

    fn command(&self, cmd: SeqCommand) {
        if let Err(e) = self.parts.control.lock().sequencer_command(cmd, None) {
            tracing::warn!("Ableton Link: the sequencer refused {cmd:?}: {e}");
        }
    }
}
