//! [`AudioCallback`]: the device-independent audio callback. Every output — a cpal stream
//! of any host, the null host's timer thread, the tests — calls the same
//! [`process`](AudioCallback::process) with an interleaved device buffer of any length,
//! channel count and sample type. It:
//!
//! - flushes denormals to zero, then runs [`Engine::process`] in chunks of a preallocated
//!   stereo scratch of [`SCRATCH_FRAMES`] frames, so any buffer size works (variable, not a
//!   multiple of 64, larger than the scratch);
//! - applies the shutdown fade ([`FADE_MS`] linear gain ramp, then exact zeros) once the
//!   player asks for it, and reports when the output is silent;
//! - pushes the stereo result (what is played, after the fade) to the recording ring;
//! - maps stereo to the device's channels (mono: `(L + R) / 2`; more than two: the first
//!   two carry L/R, the rest are silent) and converts to the device's sample type;
//! - catches a panic in processing: the rest of that callback is silence, the panic is
//!   counted, and the next callback processes again;
//! - measures its own time for the DSP load (see [`Meter`]).
//!
//! **Real-time:** nothing here allocates, frees, locks, waits or logs (debug builds run the
//! body under `assert_no_alloc`). A panic is the exception: unwinding allocates its payload.
//!
//! # Handing the engine back
//!
//! The [`Engine`] must outlive any one stream (a device unplugged or a JACK server restarted
//! must not lose the patch and its voices), but the callback may not wait on a lock to
//! reach it. So the engine is *owned* by the callback, inside a [`CallbackCore`], and given
//! back by ownership: an [`AudioCallback`] made with [`AudioCallback::returning_to`] sends
//! its core through a one-slot channel when it is dropped. cpal drops the callback closure
//! when the stream is dropped (or when building the stream fails), the null host when its
//! thread ends; either way the core arrives on the player thread, which builds the next
//! stream's callback from it. Nothing is shared between the two threads but atomics.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex, Once};
use std::time::{Instant, SystemTime};

use cpal::{FromSample, Sample};

use super::meter::{LevelWindow, Meter, LEVEL_WINDOW_S};
use super::recorder::RecordSink;
use crate::engine::Engine;
use crate::realtime::cycle_stamp::CycleStamp;
use crate::realtime::no_alloc::no_alloc;
use crate::realtime::sample_clock::SampleClock;
use crate::seq::TimelineSource;

/// Frames of the preallocated stereo scratch the engine renders into; longer device buffers
/// are processed in several chunks.
pub const SCRATCH_FRAMES: usize = 4096;

/// Length of the shutdown fade, in milliseconds.
pub const FADE_MS: f32 = 50.0;

/// What the callback and the player share: atomics only.
#[derive(Debug, Default)]
pub struct Shared {
    meter: Meter,
    fade_out: AtomicBool,
    silent: AtomicBool,
}

impl Shared {
    /// The callback's counters.
    pub fn meter(&self) -> &Meter {
        &self.meter
    }

    /// Asks the callback to fade out over [`FADE_MS`] and then stay silent.
    pub fn request_fade_out(&self) {
        self.fade_out.store(true, Ordering::Release);
    }

    /// True once the fade has finished: every frame from now on is zero.
    pub fn is_silent(&self) -> bool {
        self.silent.load(Ordering::Acquire)
    }
}

/// Everything the callback owns and hands back when its stream goes away: the engine, the
/// scratch buffers, the recording sink and the fade state.
pub struct CallbackCore {
    engine: Engine,
    left: Box<[f32]>,
    right: Box<[f32]>,
    recorder: Option<RecordSink>,
    shared: Arc<Shared>,
    sample_rate: f32,
    fade_len: u32,
    /// Samples of the fade done; `None` while playing normally.
    faded: Option<u32>,
    silent: bool,
    /// Frames of the current callback already written (where to resume after a panic).
    progress: usize,
    /// Output levels being measured (published to the meter at 20 Hz).
    levels: LevelWindow,
    /// The outside beat timeline the sequencer follows (a Link session), asked before
    /// every block.
    timeline: Option<Box<dyn TimelineSource>>,
    /// Where each callback given a host time publishes it with its first sample (the
    /// audio on JACK: for the JACK MIDI input, see [`CycleStamp`]).
    stamp: Option<Arc<CycleStamp>>,
}

// The core travels to the audio thread and back: it stays `Send` (checked at compile time).
const _: fn() = || {
    fn assert_send<T: Send>() {}
    assert_send::<CallbackCore>();
    assert_send::<AudioCallback>();
};

impl CallbackCore {
    /// A core around `engine` (running at `sample_rate`), recording into `recorder` if
    /// given. Allocates the scratch: **control thread only.** Boxed: it travels between
    /// threads and holds the engine's block buffers.
    pub fn new(engine: Engine, sample_rate: f32, recorder: Option<RecordSink>) -> Box<Self> {
        Self::sharing(engine, sample_rate, recorder, Arc::default())
    }

    /// [`new`](Self::new), counting into an existing `shared` (a core made to replace one
    /// that was lost: its meter's counters go on).
    pub fn sharing(
        engine: Engine,
        sample_rate: f32,
        recorder: Option<RecordSink>,
        shared: Arc<Shared>,
    ) -> Box<Self> {
        install_panic_hook();
        Box::new(CallbackCore {
            engine,
            left: vec![0.0; SCRATCH_FRAMES].into_boxed_slice(),
            right: vec![0.0; SCRATCH_FRAMES].into_boxed_slice(),
            recorder,
            shared,
            sample_rate,
            fade_len: ((FADE_MS * 0.001 * sample_rate).round() as u32).max(1),
            faded: None,
            silent: false,
            progress: 0,
            levels: LevelWindow::default(),
            timeline: None,
            stamp: None,
        })
    }

    /// Publishes each callback's host time (when the host gives one: JACK) and first
    /// sample into `stamp` (see [`AudioCallback::process_at`]).
    pub fn set_cycle_stamp(&mut self, stamp: Option<Arc<CycleStamp>>) {
        self.stamp = stamp;
    }

    /// Has the sequencer follow `source`'s timeline from the next block on (built on a
    /// control thread; asked on the audio thread, so it must be real-time safe).
    pub fn set_timeline(&mut self, source: Box<dyn TimelineSource>) {
        self.timeline = Some(source);
    }

    /// The atomics shared with the player.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Feeds the sound a backend gives back into the main graph (see
    /// [`Engine::set_backend_audio`]). Before the stream starts.
    pub fn set_backend_audio(&mut self, audio: crate::engine::backend_audio::BackendAudio) {
        self.engine.set_backend_audio(audio);
    }

    /// Takes the recording sink out (the recording stops there).
    pub fn take_recorder(&mut self) -> Option<RecordSink> {
        self.recorder.take()
    }

    /// Renders `frames` frames into `data` (`channels` interleaved). On a panic, `progress`
    /// says how far it got.
    fn render<T: Sample + FromSample<f32>>(&mut self, data: &mut [T], channels: usize) {
        let frames = data.len() / channels;
        self.progress = 0;
        while self.progress < frames {
            let n = (frames - self.progress).min(SCRATCH_FRAMES);
            let (left, right) = (&mut self.left[..n], &mut self.right[..n]);
            if self.silent {
                left.fill(0.0);
                right.fill(0.0);
            } else {
                if self.faded.is_none() && self.shared.fade_out.load(Ordering::Acquire) {
                    self.faded = Some(0);
                }
                if let Some(source) = self.timeline.as_mut() {
                    let timeline = source.at(self.engine.sample_time());
                    self.engine.set_timeline(timeline);
                }
                self.engine.process(left, right);
                if let Some(done) = self.faded {
                    let done = fade(left, right, done, self.fade_len);
                    self.faded = Some(done);
                    self.silent = done >= self.fade_len;
                }
                if let Some(rec) = &mut self.recorder {
                    self.shared.meter.add_record_drops(rec.push(left, right));
                }
            }
            let window = (self.sample_rate * LEVEL_WINDOW_S) as u32;
            self.levels.add(left, right, window, &self.shared.meter);
            let start = self.progress * channels;
            write_frames(
                &mut data[start..start + n * channels],
                left,
                right,
                channels,
            );
            self.progress += n;
        }
    }
}

/// Applies the shutdown fade to one chunk whose first sample is sample `done` of a fade of
/// `len` samples: gain `1 - (k + 1) / len` for sample `k`, exactly zero from the end of the
/// fade on. Returns the samples of the fade done after this chunk.
fn fade(left: &mut [f32], right: &mut [f32], done: u32, len: u32) -> u32 {
    let mut k = done;
    for (l, r) in left.iter_mut().zip(right.iter_mut()) {
        k = k.saturating_add(1);
        if k >= len {
            *l = 0.0;
            *r = 0.0;
        } else {
            let g = 1.0 - k as f32 / len as f32;
            *l *= g;
            *r *= g;
        }
    }
    k
}

/// Writes stereo `left`/`right` into interleaved `out` of `channels` channels.
fn write_frames<T: Sample + FromSample<f32>>(
    out: &mut [T],
    left: &[f32],
    right: &[f32],
    channels: usize,
) {
    let frames = left.iter().zip(right);
    if channels == 1 {
        for (o, (l, r)) in out.iter_mut().zip(frames) {
            *o = T::from_sample((l + r) * 0.5);
        }
    } else {
        for (frame, (l, r)) in out.chunks_exact_mut(channels).zip(frames) {
            frame[0] = T::from_sample(*l);
            frame[1] = T::from_sample(*r);
            frame[2..].fill(T::EQUILIBRIUM);
        }
    }
}

/// The audio callback: a [`CallbackCore`] and, optionally, where to send it back when
/// dropped (see the [module docs](self)).
pub struct AudioCallback {
    core: Option<Box<CallbackCore>>,
    home: Option<SyncSender<Box<CallbackCore>>>,
}

impl AudioCallback {
    /// A callback that drops its core with itself.
    pub fn new(core: Box<CallbackCore>) -> Self {
        AudioCallback {
            core: Some(core),
            home: None,
        }
    }

    /// A callback that sends its core to `home` when dropped (never blocks: a full or closed
    /// channel drops the core instead).
    pub fn returning_to(core: Box<CallbackCore>, home: SyncSender<Box<CallbackCore>>) -> Self {
        AudioCallback {
            core: Some(core),
            home: Some(home),
        }
    }

    /// The atomics shared with the player.
    pub fn shared(&self) -> Option<&Arc<Shared>> {
        self.core.as_ref().map(|c| &c.shared)
    }

    /// Fills `data`, `channels` interleaved channels of any sample type, with the next
    /// `data.len() / channels` frames. **Real-time: no allocation, lock, wait or I/O.**
    pub fn process<T: Sample + FromSample<f32>>(&mut self, data: &mut [T], channels: usize) {
        self.process_at(data, channels, None);
    }

    /// [`process`](Self::process) for a host that says when this callback runs on its own
    /// clock (`host_us`, µs: JACK's time of the cycle): that time and the engine sample the
    /// callback starts at go to the core's [`CycleStamp`], if it has one. **Real-time.**
    pub fn process_at<T: Sample + FromSample<f32>>(
        &mut self,
        data: &mut [T],
        channels: usize,
        host_us: Option<u64>,
    ) {
        let started = Instant::now();
        fundsp::denormal::prevent_denormals();
        let channels = channels.max(1);
        let frames = data.len() / channels;
        let Some(core) = self.core.as_mut() else {
            data.fill(T::EQUILIBRIUM);
            return;
        };
        let (body, tail) = data.split_at_mut(frames * channels);
        tail.fill(T::EQUILIBRIUM);
        // OSC time tags and MIDI arrival times are mapped to samples from this anchor: the
        // sample this callback starts at, and the wall time now (filtered: see `publish`).
        SampleClock::publish(
            core.engine.stats(),
            core.engine.sample_time(),
            SystemTime::now(),
            core.sample_rate,
        );
        if let (Some(stamp), Some(us)) = (&core.stamp, host_us) {
            no_alloc(|| stamp.publish(us, core.engine.sample_time()));
        }
        IN_CALLBACK.with(|c| c.set(true));
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            no_alloc(|| core.render(body, channels));
        }));
        IN_CALLBACK.with(|c| c.set(false));
        if result.is_err() {
            // Silence from where the panic struck; what was already written was played.
            let done = core.progress;
            body[done * channels..].fill(T::EQUILIBRIUM);
            if let Some(rec) = &mut core.recorder {
                let dropped = rec.push_silence(frames - done);
                core.shared.meter.add_record_drops(dropped);
            }
            core.shared.meter.add_panic();
        }
        if core.silent {
            core.shared.silent.store(true, Ordering::Release);
        }
        core.shared
            .meter
            .callback_done(frames, started.elapsed().as_secs_f64(), core.sample_rate);
    }
}

impl Drop for AudioCallback {
    fn drop(&mut self) {
        if let (Some(core), Some(home)) = (self.core.take(), self.home.take()) {
            let _ = home.try_send(core);
        }
    }
}

thread_local! {
    /// True while this thread is inside [`AudioCallback::process`].
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// The message of the last panic caught in a callback, when it was a plain string literal
/// (what can be kept without allocating).
static LAST_PANIC: Mutex<Option<&'static str>> = Mutex::new(None);

/// Takes the message of the last panic caught in a callback, if one was kept.
pub fn take_last_panic_message() -> Option<&'static str> {
    LAST_PANIC.lock().ok().and_then(|mut m| m.take())
}

/// Installs (once per process) a panic hook that keeps panics inside the audio callback off
/// stderr — the audio thread does no I/O; the player reports them — and leaves every other
/// panic to the previous hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_CALLBACK.with(|c| c.get()) {
                if let Some(msg) = info.payload().downcast_ref::<&'static str>() {
                    // Never waits: a busy slot just loses this message.
                    if let Ok(mut slot) = LAST_PANIC.try_lock() {
                        *slot = Some(msg);
                    }
                }
            } else {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::Controller;
    use crate::engine::EngineConfig;
    use crate::graph;
    use chronus_modules::{
        Inputs, Module, ModuleEntry, ModuleInfo, Outputs, PortSpec, ProcessContext, Registry,
    };
    use std::sync::atomic::AtomicUsize;

    const SR: f32 = 48_000.0;
    const TONE: &str = include_str!("../../patches/sine-test-tone.ron");
    const DRONE: &str = include_str!("../../patches/default-drone.ron");

    /// A core playing `patch` (its controller kept alive alongside).
    fn core_for(patch: &str, registry: Registry) -> (Box<CallbackCore>, Controller) {
        let desc = graph::check(patch, None, &registry).expect("valid patch");
        let (engine, handle) = Engine::new(EngineConfig {
            sample_rate: SR,
            ..EngineConfig::default()
        });
        let mut control = Controller::new(registry, handle);
        control.load(desc).expect("loads");
        (CallbackCore::new(engine, SR, None), control)
    }

    /// One big render of `frames` frames straight through the engine.
    fn reference(patch: &str, frames: usize) -> (Vec<f32>, Vec<f32>) {
        let desc = graph::check(patch, None, &Registry::builtin()).unwrap();
        let (mut engine, handle) = Engine::new(EngineConfig {
            sample_rate: SR,
            ..EngineConfig::default()
        });
        let mut control = Controller::new(Registry::builtin(), handle);
        control.load(desc).unwrap();
        let (mut l, mut r) = (vec![0.0; frames], vec![0.0; frames]);
        engine.process(&mut l, &mut r);
        (l, r)
    }

    fn deinterleave(data: &[f32]) -> (Vec<f32>, Vec<f32>) {
        (
            data.iter().step_by(2).copied().collect(),
            data.iter().skip(1).step_by(2).copied().collect(),
        )
    }

    #[test]
    fn any_buffer_sizes_give_the_same_audio_as_one_big_render() {
        // Sizes not multiples of 64, one, and larger than the scratch.
        let sizes = [1, 37, 64, 100, 255, 256, 1000, 4095, 4096, 4097, 9000, 3];
        let total: usize = sizes.iter().sum();
        for patch in [TONE, DRONE] {
            let (want_l, want_r) = reference(patch, total);
            let (core, _control) = core_for(patch, Registry::builtin());
            let mut cb = AudioCallback::new(core);
            let mut got = Vec::new();
            for &n in &sizes {
                let mut buf = vec![0.0f32; n * 2];
                cb.process(&mut buf, 2);
                got.extend_from_slice(&buf);
            }
            let (l, r) = deinterleave(&got);
            assert!(want_l.iter().any(|x| x.abs() > 0.01), "the patch sounds");
            assert_eq!(l, want_l);
            assert_eq!(r, want_r);
            let m = cb.shared().unwrap().meter().snapshot();
            assert_eq!(m.callbacks, sizes.len() as u64);
            assert_eq!(m.frames, total as u64);
            assert_eq!(m.buffer_frames, 3);
        }
    }

    #[test]
    fn maps_stereo_to_one_two_and_six_channels() {
        let frames = 300;
        let (want_l, want_r) = reference(DRONE, frames);
        for channels in [1usize, 2, 6] {
            let (core, _control) = core_for(DRONE, Registry::builtin());
            let mut cb = AudioCallback::new(core);
            let mut buf = vec![9.0f32; frames * channels];
            cb.process(&mut buf, channels);
            for (i, frame) in buf.chunks_exact(channels).enumerate() {
                match channels {
                    1 => assert_eq!(frame[0], (want_l[i] + want_r[i]) * 0.5),
                    _ => {
                        assert_eq!(frame[0], want_l[i]);
                        assert_eq!(frame[1], want_r[i]);
                        assert!(frame[2..].iter().all(|&s| s == 0.0));
                    }
                }
            }
        }
    }

    #[test]
    fn a_buffer_that_is_not_whole_frames_is_padded_with_silence() {
        let (core, _control) = core_for(TONE, Registry::builtin());
        let mut cb = AudioCallback::new(core);
        let mut buf = vec![7.0f32; 2 * 100 + 1];
        cb.process(&mut buf, 2);
        assert_eq!(buf[200], 0.0);
        assert_eq!(cb.shared().unwrap().meter().snapshot().frames, 100);
    }

    #[test]
    fn converts_to_f32_i16_and_u16() {
        let frames = 200;
        let (want_l, _) = reference(TONE, frames);
        let (core, _c) = core_for(TONE, Registry::builtin());
        let mut f = vec![0.0f32; frames * 2];
        AudioCallback::new(core).process(&mut f, 2);
        let (core, _c) = core_for(TONE, Registry::builtin());
        let mut i = vec![0i16; frames * 2];
        AudioCallback::new(core).process(&mut i, 2);
        let (core, _c) = core_for(TONE, Registry::builtin());
        let mut u = vec![0u16; frames * 2];
        AudioCallback::new(core).process(&mut u, 2);
        for k in 0..frames {
            let x = want_l[k];
            assert_eq!(f[2 * k], x);
            assert_eq!(i[2 * k], i16::from_sample(x));
            assert_eq!(u[2 * k], u16::from_sample(x));
            // The integer samples are the same signal, to within one step.
            assert!((i[2 * k] as f32 / 32768.0 - x).abs() <= 1.0 / 32768.0);
            assert!(((u[2 * k] as f32 - 32768.0) / 32768.0 - x).abs() <= 1.0 / 32768.0);
        }
        // Silence is the middle of an unsigned range.
        assert_eq!(u16::from_sample(0.0f32), 32768);
        assert_eq!(i16::from_sample(-1.0f32), i16::MIN);
    }

    #[test]
    fn shutdown_fade_ramps_to_exact_zeros_without_a_step() {
        let (core, _control) = core_for(DRONE, Registry::builtin());
        let mut cb = AudioCallback::new(core);
        let shared = cb.shared().unwrap().clone();
        let mut before = Vec::new();
        for _ in 0..40 {
            let mut buf = vec![0.0f32; 2 * 241];
            cb.process(&mut buf, 2);
            before.extend_from_slice(&buf);
        }
        let (bl, _) = deinterleave(&before);
        let own_step = bl
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0f32, f32::max);
        shared.request_fade_out();
        let fade_len = (FADE_MS * 0.001 * SR) as usize;
        let mut after = Vec::new();
        while after.len() < 2 * (fade_len + 2000) {
            let mut buf = vec![0.0f32; 2 * 241];
            cb.process(&mut buf, 2);
            after.extend_from_slice(&buf);
        }
        assert!(shared.is_silent());
        let (al, ar) = deinterleave(&after);
        // The ramp is heard, then ends in exact zeros at its length.
        assert!(al[..fade_len / 2].iter().any(|x| x.abs() > 0.01));
        assert!(al[fade_len - 1..].iter().all(|&x| x == 0.0));
        assert!(ar[fade_len - 1..].iter().all(|&x| x == 0.0));
        assert!(al[fade_len - 200..fade_len - 1].iter().any(|&x| x != 0.0));
        let mut joined = vec![*bl.last().unwrap()];
        joined.extend_from_slice(&al);
        let fade_step = joined
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0f32, f32::max);
        assert!(
            fade_step <= own_step * 1.05,
            "fade step {fade_step} vs the signal's own {own_step}"
        );
    }

    static CALLS: AtomicUsize = AtomicUsize::new(0);
    /// The process call (counting from 1) on which `panicky` panics.
    const PANIC_AT: usize = 20;

    static PANICKY_INFO: ModuleInfo = ModuleInfo {
        kind: "panicky",
        doc: "A 0.5 constant that panics on one process call (tests only).",
        inputs: &[],
        outputs: &[PortSpec {
            id: "out",
            doc: "0.5",
        }],
        params: &[],
        roles: &[],
    };

    #[derive(Default)]
    struct Panicky;

    impl Module for Panicky {
        fn info(&self) -> &'static ModuleInfo {
            &PANICKY_INFO
        }
        fn prepare(&mut self, _: f32, _: usize) {}
        fn process(
            &mut self,
            _: &ProcessContext,
            _: &Inputs,
            out: &mut Outputs,
            _: &chronus_modules::Params,
        ) {
            if CALLS.fetch_add(1, Ordering::Relaxed) + 1 == PANIC_AT {
                panic!("panicky module: deliberate test panic");
            }
            out.port(0).fill(0.5);
        }
        fn reset(&mut self) {}
    }

    #[test]
    fn a_panic_silences_its_callback_is_counted_and_play_goes_on() {
        let mut registry = Registry::builtin();
        registry
            .register(ModuleEntry {
                info: &PANICKY_INFO,
                create: || Box::new(Panicky),
                supercollider: None,
            })
            .unwrap();
        let patch = r#"(
            name: "panicky",
            modules: { "p": (kind: "panicky") },
            connections: [("p.out", "output.left"), ("p.out", "output.right")],
        )"#;
        let (core, _control) = core_for(patch, registry);
        let mut cb = AudioCallback::new(core);
        let shared = cb.shared().unwrap().clone();
        // 64-frame callbacks: one process call each, so callback PANIC_AT panics.
        for k in 1..=PANIC_AT + 5 {
            let mut buf = vec![1.0f32; 128];
            cb.process(&mut buf, 2);
            if k == PANIC_AT {
                assert!(buf.iter().all(|&s| s == 0.0), "callback {k} is silent");
                assert_eq!(shared.meter().panics(), 1);
                assert_eq!(
                    take_last_panic_message(),
                    Some("panicky module: deliberate test panic")
                );
            } else {
                assert!(buf.iter().all(|&s| s == 0.5), "callback {k} sounds");
            }
        }
        assert_eq!(shared.meter().snapshot().panics, 1);
    }

    #[test]
    fn dropping_a_returning_callback_hands_the_core_back() {
        let (core, _control) = core_for(TONE, Registry::builtin());
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let mut cb = AudioCallback::returning_to(core, tx);
        let mut buf = vec![0.0f32; 512];
        cb.process(&mut buf, 2);
        let time = std::thread::spawn(move || drop(cb)).join();
        assert!(time.is_ok());
        let core = rx.try_recv().expect("core handed back");
        assert_eq!(core.engine().sample_time(), 256);
    }
}
