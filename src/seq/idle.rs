//! [`Idle`]: the idle/ambient state machine, on sample time.
//!
//! No interaction for `timeout` → the *ambient* profile fades in over `fade_in`; then an
//! interaction run of `exit_after` (interactions with gaps shorter than `exit_after`) or
//! any note → back to the *active* profile over `fade_out`. The asymmetry is the
//! hysteresis: one stray message does not wake it, so it does not flap. The profile mix
//! [`level`](Idle::level) (0 active … 1 ambient) is a pure function of sample time.
//! **Real-time safe.**

use crate::patch::IdleConfig;

/// Which profile plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The saved active profile.
    Active,
    /// The ambient profile.
    Ambient,
}

/// Who decides the mode (the `mode` control).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModePolicy {
    /// Idle timeout and interaction decide.
    Auto,
    /// Always active (never goes ambient).
    Active,
    /// Always ambient.
    Ambient,
}

impl ModePolicy {
    /// Every policy, in the order of their names ([`ModePolicy::name`]) and of
    /// [`SeqStatus::policy`](super::status::SeqStatus)'s index.
    pub const ALL: [ModePolicy; 3] = [ModePolicy::Auto, ModePolicy::Active, ModePolicy::Ambient];

    /// Its name in `/seq/mode` and `/api/state`: `auto`, `active` or `ambient`.
    pub fn name(self) -> &'static str {
        match self {
            ModePolicy::Auto => "auto",
            ModePolicy::Active => "active",
            ModePolicy::Ambient => "ambient",
        }
    }

    /// The policy named `name` (exactly one of [`ModePolicy::name`]'s).
    pub fn parse(name: &str) -> Option<ModePolicy> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Timings in samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IdleTimes {
    /// Silence before ambient (0: never).
    pub timeout: u64,
    /// Fade into ambient.
    pub fade_in: u64,
    /// Fade back to active.
    pub fade_out: u64,
    /// Activity needed to leave ambient.
    pub exit_after: u64,
}

impl IdleTimes {
    /// From seconds at `sample_rate`.
    pub fn from_seconds(sample_rate: f32, config: &IdleConfig) -> Self {
        let s = |secs: f32| (secs.max(0.0) as f64 * sample_rate as f64).round() as u64;
        IdleTimes {
            timeout: s(config.timeout),
            fade_in: s(config.fade_in),
            fade_out: s(config.fade_out),
            exit_after: s(config.exit_after),
        }
    }
}

/// The idle state machine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Idle {
    times: IdleTimes,
    policy: ModePolicy,
    mode: Mode,
    last_interaction: u64,
    run_start: u64,
    /// The fade in progress: level at `fade_from` and when it started.
    fade_from: f32,
    fade_start: u64,
}

impl Idle {
    /// Active, as if the last interaction were at `now`.
    pub fn new(times: IdleTimes, now: u64) -> Self {
        Idle {
            times,
            policy: ModePolicy::Auto,
            mode: Mode::Active,
            last_interaction: now,
            run_start: now,
            fade_from: 0.0,
            fade_start: now,
        }
    }

    /// This state machine's state (mode, fade, last interaction, policy) with the timings
    /// `times` (a new piece's own `idle` section).
    pub fn with_times(self, times: IdleTimes) -> Self {
        Idle { times, ..self }
    }

    /// Its timings.
    pub fn times(&self) -> IdleTimes {
        self.times
    }

    /// The profile playing (or fading in).
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Sets who decides the mode; takes effect at the next [`update`](Self::update).
    pub fn set_policy(&mut self, policy: ModePolicy) {
        self.policy = policy;
    }

    /// Who decides the mode now.
    pub fn policy(&self) -> ModePolicy {
        self.policy
    }

    /// Records an interaction at `now`; `note` is a played note (which wakes at once).
    /// Returns the new mode when it switched.
    pub fn interaction(&mut self, now: u64, note: bool) -> Option<Mode> {
        if now.saturating_sub(self.last_interaction) >= self.times.exit_after.max(1) {
            self.run_start = now;
        }
        self.last_interaction = now;
        let woken = note || now - self.run_start >= self.times.exit_after;
        if self.mode == Mode::Ambient && self.policy == ModePolicy::Auto && woken {
            self.switch(Mode::Active, now);
            return Some(Mode::Active);
        }
        None
    }

    /// Checks the timeout (and the policy) at `now`; returns the new mode when it switched.
    pub fn update(&mut self, now: u64) -> Option<Mode> {
        let want = match self.policy {
            ModePolicy::Active => Mode::Active,
            ModePolicy::Ambient => Mode::Ambient,
            ModePolicy::Auto => {
                let quiet = now.saturating_sub(self.last_interaction);
                if self.mode == Mode::Active
                    && self.times.timeout > 0
                    && quiet >= self.times.timeout
                {
                    Mode::Ambient
                } else {
                    self.mode
                }
            }
        };
        if want == self.mode {
            return None;
        }
        self.switch(want, now);
        Some(want)
    }

    fn switch(&mut self, to: Mode, now: u64) {
        self.fade_from = self.level(now);
        self.fade_start = now;
        self.mode = to;
        if to == Mode::Active {
            // Waking counts as activity: the timeout starts again from here.
            self.last_interaction = now;
        }
    }

    /// Profile mix at `now`: 0 = active, 1 = ambient, linear fades in between.
    pub fn level(&self, now: u64) -> f32 {
        let elapsed = now.saturating_sub(self.fade_start) as f64;
        let (target, len) = match self.mode {
            Mode::Ambient => (1.0, self.times.fade_in),
            Mode::Active => (0.0, self.times.fade_out),
        };
        if len == 0 {
            return target;
        }
        let step = (elapsed / len as f64) as f32;
        if target > self.fade_from {
            (self.fade_from + step).min(target)
        } else {
            (self.fade_from - step).max(target)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: u64 = 1_000; // 1 kHz keeps the timeline readable: 1 sample = 1 ms.

    fn idle() -> Idle {
        Idle::new(
            IdleTimes::from_seconds(SR as f32, &IdleConfig::default()),
            0,
        )
    }

    #[test]
    fn timeline_enters_after_30_s_fades_in_4_s_and_out_in_0_8_s() {
        let mut i = idle();
        assert_eq!(i.update(29_999), None);
        assert_eq!(i.level(29_999), 0.0);
        assert_eq!(i.update(30_000), Some(Mode::Ambient));
        assert_eq!(i.level(30_000), 0.0);
        assert_eq!(i.level(32_000), 0.5);
        assert_eq!(i.level(34_000), 1.0);
        assert_eq!(i.level(40_000), 1.0);
        // A note wakes it at once, fading out over 0.8 s.
        assert_eq!(i.interaction(50_000, true), Some(Mode::Active));
        assert!((i.level(50_400) - 0.5).abs() < 1e-6);
        assert_eq!(i.level(50_800), 0.0);
        // And the timeout starts again from the wake-up.
        assert_eq!(i.update(79_999), None);
        assert_eq!(i.update(80_000), Some(Mode::Ambient));
    }

    #[test]
    fn hysteresis_one_stray_message_does_not_wake_it_a_second_of_activity_does() {
        let mut i = idle();
        i.update(30_000);
        assert_eq!(
            i.interaction(40_000, false),
            None,
            "one CC does not wake it"
        );
        assert_eq!(i.update(40_001), None, "and it stays ambient");
        assert_eq!(i.mode(), Mode::Ambient);
        // A run of messages 100 ms apart: wakes once it has lasted 1 s.
        for t in (45_000..46_000).step_by(100) {
            assert_eq!(i.interaction(t, false), None, "at {t}");
        }
        assert_eq!(i.interaction(46_000, false), Some(Mode::Active));
        // Messages with gaps of 1 s or more never make a run.
        let mut j = idle();
        j.update(30_000);
        for t in (31_000..40_000).step_by(1_500) {
            assert_eq!(j.interaction(t, false), None, "at {t}");
        }
    }

    #[test]
    fn a_fade_reversed_midway_starts_from_where_it_was() {
        let mut i = idle();
        i.update(30_000);
        i.interaction(31_000, true); // a quarter into the fade-in
        assert!((i.level(31_000) - 0.25).abs() < 1e-6);
        assert_eq!(
            i.level(31_200),
            0.0,
            "0.25 at 1/0.8 per second is gone in 0.2 s"
        );
    }

    #[test]
    fn policy_forces_a_mode_and_activity_keeps_it_awake() {
        let mut i = idle();
        i.set_policy(ModePolicy::Ambient);
        assert_eq!(i.update(10), Some(Mode::Ambient));
        assert_eq!(
            i.interaction(20, true),
            None,
            "forced ambient ignores notes"
        );
        i.set_policy(ModePolicy::Active);
        assert_eq!(i.update(30), Some(Mode::Active));
        assert_eq!(i.update(1_000_000), None, "forced active never idles");
        let mut k = idle();
        k.interaction(20_000, false);
        assert_eq!(
            k.update(49_999),
            None,
            "an interaction restarts the timeout"
        );
        assert_eq!(k.update(50_000), Some(Mode::Ambient));
    }
}
