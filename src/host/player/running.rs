//! The player loop of `chronus play` ([`Running`]): every [`TICK`] it hands the
//! controller's garbage and cues their way, watches the stream (and reopens it with
//! backoff when it fails), hands the DSP load and xruns to the overload governor (one log
//! line per shedding step), reports caught panics and, every `--status-interval`, logs
//! the [`StatusLine`]. When a backend keeps the engine, `rebuild` starts a fresh one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chronus_modules::Registry;
use parking_lot::Mutex;
use tracing::{error, info, warn};

use super::error::PlayError;
use super::observe::Announcer;
use super::outbound_setup::Outbound;
use super::output::{
    describe, device_suffix, host_managed, reopen, stream_failure, Playing, HANDBACK_TIMEOUT,
};
use super::rebuild::replacement_core;
use super::reload::Reloader;
use super::{Core, PlayOptions};
use crate::control::Controller;
use crate::engine::EngineStats;
use crate::host::audio_callback::{take_last_panic_message, Shared};
use crate::host::cpal_output::OutputRequest;
use crate::host::meter::StatusLine;
use crate::host::recorder::Recorder;
use crate::http::HttpServer;
use crate::midi::input::MidiInput;
use crate::osc::OscServer;
use crate::realtime::cycle_stamp::CycleStamp;
use crate::realtime::overload::Governor;
use crate::service::{promote_audio_thread, Notifier};

/// How often the player wakes up.
const TICK: Duration = Duration::from_millis(20);
/// First reconnection delay; doubles up to [`BACKOFF_MAX`].
const BACKOFF_START: Duration = Duration::from_millis(100);
/// Longest reconnection delay.
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// Where the callback core is: playing inside a stream, or in hand waiting to reopen one.
pub(super) enum State {
    Playing(Playing),
    Reopening {
        core: Core,
        delay: Duration,
        next_try: Instant,
        last_error: String,
    },
}

/// The threads that run beside the audio callback.
pub(super) struct Services {
    /// The MIDI thread, if any.
    pub(super) midi: Option<MidiInput>,
    /// The MIDI clock-in thread, if any.
    pub(super) clock_in: Option<crate::sync::clock_in::ClockIn>,
    /// The OSC server, if any.
    pub(super) osc: Option<OscServer>,
    /// The `--record` writer, if any.
    pub(super) recorder: Option<Recorder>,
    /// The HTTP API, if any.
    pub(super) http: Option<HttpServer>,
    /// Turns cues into LED cues and log events.
    pub(super) announcer: Announcer,
    /// Re-reads the `--config` file (SIGHUP), when there is one.
    pub(super) reloader: Option<Arc<Reloader>>,
    /// The outbound thread (external instruments), if the patch has any.
    pub(super) outbound: Option<Outbound>,
    /// systemd's notify protocol and watchdog.
    pub(super) notifier: Notifier,
    /// The overload governor (shared with the reloader, which replaces its limits).
    pub(super) governor: Arc<Mutex<Governor>>,
    /// The Ableton Link session, if joined.
    pub(super) link: Option<super::link_setup::Link>,
    /// The audio callback's JACK cycle stamp (audio on JACK), for a rebuilt core.
    pub(super) cycle_stamp: Option<Arc<CycleStamp>>,
    /// Set by SIGHUP: its handler is installed first thing at startup ([`hangup_flag`]),
    /// so a SIGHUP while the player starts asks for a reload instead of ending it.
    pub(super) hangup: Arc<AtomicBool>,
}

/// Where the callback core is and what the player reads of it.
pub(super) struct CoreHome {
    /// Playing in a stream, or in hand.
    pub(super) state: State,
    /// What the callback now playing shares with the player.
    pub(super) shared: Arc<Shared>,
    /// The same, for the OSC server's `/status`.
    pub(super) meter_for_osc: Arc<Mutex<Arc<Shared>>>,
    /// Where a dropped stream's callback sends the core.
    pub(super) home: SyncSender<Core>,
    /// Where it arrives.
    pub(super) back: Receiver<Core>,
}

/// Everything `chronus play` runs, from the first tick to the shutdown. Fields drop in
/// order: the MIDI thread, then the OSC server, then the controller.
pub(super) struct Running<'a> {
    /// The HTTP API, if any (stops first: it reads everything else).
    _http: Option<HttpServer>,
    /// The Ableton Link thread, if any (stops early: it sends to the controller).
    _link: Option<super::link_setup::Link>,
    /// The MIDI clock-in thread, if any (stops first: it sends to the controller).
    _clock_in: Option<crate::sync::clock_in::ClockIn>,
    /// The MIDI thread, if any.
    _midi: Option<MidiInput>,
    /// The OSC server, if any.
    osc: Option<OscServer>,
    options: &'a PlayOptions,
    registry: &'a Registry,
    sample_rate: u32,
    control: Arc<Mutex<Controller>>,
    /// What the callback now playing shares with the player.
    shared: Arc<Shared>,
    /// The same, for the OSC server's `/status`.
    meter_for_osc: Arc<Mutex<Arc<Shared>>>,
    recorder: Option<Recorder>,
    outbound: Option<Outbound>,
    /// Where a dropped stream's callback sends the core, and where it arrives.
    home: SyncSender<Core>,
    back: Receiver<Core>,
    /// Reopening pins the sample rate: the engine runs at it.
    reopen_request: OutputRequest,
    state: Option<State>,
    started: Instant,
    deadline: Option<Instant>,
    next_status: Instant,
    panics_seen: u64,
    announcer: Announcer,
    reloader: Option<Arc<Reloader>>,
    /// Set by SIGHUP.
    hangup: Arc<AtomicBool>,
    /// systemd's notify protocol and watchdog (`service::notify`).
    notifier: Notifier,
    /// Decides the overload shedding level from the DSP load and xruns.
    governor: Arc<Mutex<Governor>>,
    /// The audio callback's JACK cycle stamp (audio on JACK), for a rebuilt core.
    cycle_stamp: Option<Arc<CycleStamp>>,
}

impl<'a> Running<'a> {
    /// The loop's state at its start: the clocks start now.
    pub(super) fn new(
        options: &'a PlayOptions,
        registry: &'a Registry,
        sample_rate: u32,
        control: Arc<Mutex<Controller>>,
        Services {
            midi,
            clock_in,
            osc,
            recorder,
            http,
            announcer,
            reloader,
            outbound,
            notifier,
            governor,
            link,
            cycle_stamp,
            hangup,
        }: Services,
        core: CoreHome,
    ) -> Self {
        let CoreHome {
            state,
            shared,
            meter_for_osc,
            home,
            back,
        } = core;
        let started = Instant::now();
        Running {
            _http: http,
            _link: link,
            _clock_in: clock_in,
            _midi: midi,
            osc,
            options,
            registry,
            sample_rate,
            control,
            shared,
            meter_for_osc,
            recorder,
            outbound,
            home,
            back,
            reopen_request: OutputRequest {
                sample_rate: Some(sample_rate),
                ..options.request.clone()
            },
            state: Some(state),
            started,
            deadline: options
                .seconds
                .map(|s| started + Duration::from_secs_f64(s)),
            next_status: started + options.status_interval,
            panics_seen: 0,
            announcer,
            reloader,
            hangup,
            notifier,
            governor,
            cycle_stamp,
        }
    }

    /// Ticks until `stop` is set or `--seconds` pass.
    pub(super) fn run_until(&mut self, stop: &AtomicBool) -> Result<(), PlayError> {
        loop {
            let now = Instant::now();
            if stop.load(Ordering::Acquire) || self.deadline.is_some_and(|d| now >= d) {
                return Ok(());
            }
            self.tick(now)?;
            let mut sleep = TICK;
            if let Some(d) = self.deadline {
                sleep = sleep.min(d.saturating_duration_since(now));
            }
            std::thread::sleep(sleep);
        }
    }

    /// One wake-up of the player.
    fn tick(&mut self, now: Instant) -> Result<(), PlayError> {
        if self.hangup.swap(false, Ordering::AcqRel) {
            match &self.reloader {
                // The reloader logs what changed, or the refusal.
                Some(r) => {
                    let _ = r.reload();
                }
                None => warn!("SIGHUP: no --config file to reload"),
            }
        }
        self.collect_and_announce();
        let state = self.state.take().expect("a state between ticks");
        self.state = Some(self.advance(state, now)?);
        if let Some(State::Reopening { core, .. }) = &self.state {
            self.shared = core.shared().clone();
            *self.meter_for_osc.lock() = self.shared.clone();
        }
        self.govern(now);
        self.report_panics();
        self.log_status(now);
        self.notifier.tick(now, self.shared.meter().callbacks());
        Ok(())
    }

    /// Drops what the engine handed back; logs the sequencer's cues and sends them to
    /// OSC clients registered with `/reply`.
    fn collect_and_announce(&mut self) {
        let mut control = self.control.lock();
        control.collect_garbage();
        // Sequencer cues (mutations, idle/ambient switches, scale changes), note cues and
        // param changes, logged here off the audio thread, sent to OSC clients registered
        // with `/reply` (sequencer cues) and to the cue bus (all of them).
        let osc = &self.osc;
        self.announcer.announce(&mut control, &|cue| {
            if let Some(server) = osc {
                server.broadcast(crate::osc::sequencer::cue_message(cue));
            }
        });
    }

    /// The stream's next state: still playing, failed (reopening) or reopened.
    fn advance(&mut self, state: State, now: Instant) -> Result<State, PlayError> {
        Ok(match state {
            State::Playing(playing) => self.watch(playing, now)?,
            State::Reopening {
                core,
                delay,
                next_try,
                last_error,
            } if now >= next_try => self.try_reopen(core, delay, last_error, now)?,
            waiting => waiting,
        })
    }

    /// Keeps playing, or, when the stream failed, takes the core back to reopen.
    fn watch(&mut self, mut playing: Playing, now: Instant) -> Result<State, PlayError> {
        let Some(reason) = stream_failure(&mut playing) else {
            return Ok(State::Playing(playing));
        };
        error!("audio stream failed: {reason}");
        drop(playing);
        let core = match self.back.recv_timeout(HANDBACK_TIMEOUT) {
            Ok(core) => core,
            Err(_) => self.rebuild()?,
        };
        warn!(
            "reopening host {}{}, retrying with backoff (0.1 s doubling to 2 s)",
            self.options.host.name(),
            device_suffix(self.options)
        );
        Ok(State::Reopening {
            core,
            delay: BACKOFF_START,
            next_try: now + BACKOFF_START,
            last_error: reason,
        })
    }

    /// One attempt to reopen the output; on failure, waits twice as long (at most
    /// [`BACKOFF_MAX`]) and says so when the reason changed.
    fn try_reopen(
        &mut self,
        core: Core,
        delay: Duration,
        last_error: String,
        now: Instant,
    ) -> Result<State, PlayError> {
        let options = self.options;
        match reopen(
            options.host,
            &self.reopen_request,
            core,
            &self.home,
            &self.back,
        ) {
            Ok((output, playing)) => {
                info!("{}", describe("reopened", options, &output, &playing));
                info!("{}", promote_audio_thread(host_managed(options)).line());
                Ok(State::Playing(playing))
            }
            Err((reason, core)) => {
                let core = match core {
                    Some(core) => core,
                    None => self.rebuild()?,
                };
                if reason != last_error {
                    warn!("cannot reopen the audio output yet: {reason}");
                }
                let delay = (delay * 2).min(BACKOFF_MAX);
                Ok(State::Reopening {
                    core,
                    delay,
                    next_try: now + delay,
                    last_error: reason,
                })
            }
        }
    }

    /// When a backend never hands the engine back (it should): a new engine and
    /// controller with the same patch (as it plays: live sequencer edits included), seed,
    /// sequencer settings and tuning, and the same overload state and meter counters
    /// (`rebuild`). The voices and the recording are lost; the patch plays on, with the
    /// sound scsynth gives back (its return opens again with rings for the new engine:
    /// `engine::return_desk`).
    fn rebuild(&self) -> Result<Core, PlayError> {
        warn!("the audio backend kept the engine; restarting it with the same patch (voices and recording stop)");
        let mut control = self.control.lock();
        let mut core = replacement_core(
            &mut control,
            self.registry,
            self.sample_rate,
            (self.options.seed, &self.options.config),
            &self.shared,
            self.cycle_stamp.clone(),
        )?;
        if let Some(audio) = self.outbound.as_ref().and_then(|o| o.backend_audio()) {
            core.set_backend_audio(audio);
        }
        Ok(core)
    }

    /// Hands the callback's DSP load and xruns to the overload governor (while a stream
    /// plays: a stream being reopened measures nothing) and logs each step in one line.
    fn govern(&mut self, now: Instant) {
        if !matches!(self.state, Some(State::Playing(_))) {
            return;
        }
        let meter = self.shared.meter();
        let (load, xruns) = (meter.load() as f64, meter.xruns());
        let shedding = self.control.lock().engine().shedding().clone();
        let step = self.governor.lock().observe(now, load, xruns, &shedding);
        if let Some(step) = step {
            let (from, to) = (step.from, step.to);
            if step.is_shed() {
                warn!(event = "overload_shed", from, to, "{step}");
            } else {
                info!(event = "overload_restore", from, to, "{step}");
            }
        }
    }

    /// One warning line for panics caught in audio processing since the last look.
    fn report_panics(&mut self) {
        let panics = self.shared.meter().panics();
        if panics > self.panics_seen {
            let what = take_last_panic_message()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            warn!(
                "caught a panic in audio processing{what}: that buffer was silenced and playing \
                 goes on ({panics} so far)"
            );
            self.panics_seen = panics;
        }
    }

    /// The status line, every `--status-interval`.
    fn log_status(&mut self, now: Instant) {
        if now < self.next_status {
            return;
        }
        info!("{}", self.status_line());
        if let Some(status) = self.outbound.as_ref().and_then(|o| o.midi.as_ref()) {
            for line in status.lines() {
                info!("{line}");
            }
        }
        if let Some(status) = self
            .outbound
            .as_ref()
            .and_then(|o| o.supercollider.as_ref())
        {
            info!("{}", status.line());
        }
        let interval = self.options.status_interval;
        self.next_status += interval;
        if self.next_status < now {
            self.next_status = now + interval;
        }
    }

    fn status_line(&self) -> StatusLine {
        let control = self.control.lock();
        let stats = control.engine().stats();
        StatusLine {
            sample_rate: self.sample_rate,
            meter: self.shared.meter().snapshot(),
            voices: EngineStats::get(&stats.voices_active),
            revision: EngineStats::get(&stats.revision),
        }
    }

    /// Fades out (if playing), closes the stream, finalizes the recording, logs a summary.
    pub(super) fn shutdown(mut self) {
        self.notifier.stopping();
        if let Some(State::Playing(playing)) = self.state.take() {
            self.fade_out();
            drop(playing);
            // The engine comes home to be dropped here, off the audio thread.
            drop(self.back.recv_timeout(HANDBACK_TIMEOUT));
        }
        // After the engine: nothing new reaches the ring; every external note is released.
        if let Some(outbound) = self.outbound.take() {
            outbound.stop();
        }
        let m = self.shared.meter().snapshot();
        info!(
            "stopped after {:.1} s: callbacks {}, frames {}, xruns {}, panics {}, record drops {}",
            self.started.elapsed().as_secs_f64(),
            m.callbacks,
            m.frames,
            m.xruns,
            m.panics,
            m.record_drops
        );
        if let Some(rec) = self.recorder.take() {
            finish_recording(rec, m.record_drops);
        }
    }

    /// Asks the callback to fade out and waits (at most 1 s) until it is silent.
    fn fade_out(&self) {
        self.shared.request_fade_out();
        let until = Instant::now() + Duration::from_secs(1);
        while !self.shared.is_silent() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// A flag SIGHUP sets (the player re-reads the config at its next tick). Without the
/// handler (it could not be installed: one warning), SIGHUP keeps its default action.
pub(super) fn hangup_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    if let Err(e) = signal_hook::flag::register(signal_hook::consts::SIGHUP, flag.clone()) {
        warn!("cannot install the SIGHUP handler (config reload): {e}");
    }
    flag
}

/// Finalizes the recording and says how it went.
fn finish_recording(rec: Recorder, record_drops: u64) {
    let path = rec.path().display().to_string();
    match rec.finish() {
        Ok(frames) => info!("recorded {frames} frames to {path}"),
        Err(e) => error!("{e}"),
    }
    if record_drops > 0 {
        warn!("the recording lost {record_drops} frames (the writer could not keep up)");
    }
}
