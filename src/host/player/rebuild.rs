//! [`replacement_core`]: a new engine and callback core for a backend that never handed the
//! engine back (see `running`). The patch plays on as it was playing; what the player
//! counts about the audio lives on too: the overload state (level and counters, the
//! [`Shedding`](crate::engine::shed::Shedding) the governor, `/metrics` and `/api/state`
//! read), the callback's meter (callbacks, xruns, panics) and, on JACK, the
//! [`CycleStamp`] the JACK MIDI input follows. The voices and the recording are lost.

use std::sync::Arc;

use chronus_modules::Registry;

use super::Core;
use crate::config::Config;
use crate::control::{ControlError, Controller};
use crate::host::audio_callback::{CallbackCore, Shared};
use crate::host::setup;
use crate::realtime::cycle_stamp::CycleStamp;

/// Replaces `control` with a fresh controller and engine playing the same patch (as it
/// plays: live sequencer edits included) with `seed` and `config`, sharing the old
/// engine's overload state; returns the core around the new engine, counting into
/// `shared` and publishing into `stamp`.
pub(super) fn replacement_core(
    control: &mut Controller,
    registry: &Registry,
    sample_rate: u32,
    (seed, config): (u64, &Config),
    shared: &Arc<Shared>,
    stamp: Option<Arc<CycleStamp>>,
) -> Result<Core, ControlError> {
    let shedding = control.engine().shedding().clone();
    let (engine, fresh) = setup::start_sharing(
        registry.clone(),
        sample_rate,
        seed,
        control.running_as_played(),
        config,
        shedding,
    )?;
    *control = fresh;
    let mut core = CallbackCore::sharing(engine, sample_rate as f32, None, shared.clone());
    core.set_cycle_stamp(stamp);
    Ok(core)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph;
    use crate::host::audio_callback::AudioCallback;
    use crate::realtime::overload::{Governor, OverloadLimits};
    use std::sync::atomic::Ordering::Relaxed;
    use std::time::{Duration, Instant};

    const SR: u32 = 48_000;
    const TONE: &str = include_str!("../../../patches/sine-test-tone.ron");

    #[test]
    fn a_rebuilt_engine_keeps_the_overload_state_the_meter_and_the_stamp() {
        let registry = Registry::builtin();
        let config = Config::default();
        let desc = graph::check(TONE, None, &registry).unwrap();
        let (engine, mut control) = setup::start(registry.clone(), SR, 7, desc, &config).unwrap();
        let stamp = Arc::new(CycleStamp::default());
        let mut old = CallbackCore::new(engine, SR as f32, None);
        old.set_cycle_stamp(Some(stamp.clone()));
        let shared = old.shared().clone();
        // What `/metrics` and `/api/state` hold on to from the start.
        let watched = control.engine().shedding().clone();
        let mut governor = Governor::new(OverloadLimits {
            shed_after: 0.1,
            restore_after: 0.1,
            ..OverloadLimits::default()
        });
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let shed: Vec<_> = (0..=180)
            .step_by(20)
            .filter_map(|ms| governor.observe(at(ms), 2.0, 0, &watched))
            .collect();
        assert_eq!(shed.len(), 1, "one step down: {shed:?}");
        for _ in 0..3 {
            shared.meter().add_xrun();
        }
        let mut cb = AudioCallback::new(old);
        cb.process_at(&mut [0.0f32; 256], 2, Some(1_000));
        // The backend keeps the old core: it is never seen again.
        drop(cb);

        let core = replacement_core(
            &mut control,
            &registry,
            SR,
            (7, &config),
            &shared,
            Some(stamp.clone()),
        )
        .unwrap();
        let now = control.engine().shedding().clone();
        assert!(Arc::ptr_eq(&now, &watched), "the same overload state");
        assert_eq!((now.sheds.load(Relaxed), now.level()), (1, 1));
        assert!(Arc::ptr_eq(core.shared(), &shared));
        assert_eq!(core.shared().meter().xruns(), 3, "xruns go on counting");
        assert_eq!(core.shared().meter().snapshot().callbacks, 1);
        // The governor goes on from there: calm restores, counted where it was watched.
        let restored: Vec<_> = (220..=600)
            .step_by(20)
            .filter_map(|ms| governor.observe(at(ms), 0.0, 3, &now))
            .collect();
        assert_eq!(restored.len(), 1, "{restored:?}");
        assert_eq!(watched.restores.load(Relaxed), 1);
        // The new core publishes into the same stamp, from its own sample 0.
        let mut cb = AudioCallback::new(core);
        cb.process_at(&mut [0.0f32; 256], 2, Some(9_000));
        assert_eq!(stamp.read(), Some((9_000, 0)));
        assert_eq!(shared.meter().snapshot().callbacks, 2);
    }
}
