//! [`Governor`]: the overload decision of `chronus play`. The player thread hands it the
//! callback's smoothed DSP load and its xrun count every tick (20 ms); it answers with a
//! [`Step`] when the shedding level should move, and stores the level in the engine's
//! [`Shedding`], which the audio thread follows (see `engine::shed` for what each level
//! sheds). Nothing here runs on the audio thread.
//!
//! - **Overloaded** means the DSP load is above `dsp_load`, or more than
//!   `xruns_per_minute` xruns came within the last minute (counted afresh after each
//!   step, so xruns a step has already answered do not push another one).
//! - **Calm** means the DSP load is below [`RESTORE_RATIO`] × `dsp_load` and no more than
//!   half of `xruns_per_minute` xruns came since the calm began (hysteresis on both
//!   gauges: between the two the level stays where it is; a few xruns a busy machine
//!   gives a paced thread now and then do not keep the work shed forever).
//! - Overloaded for `shed_after` seconds: one level down (more shedding); each further
//!   level needs another `shed_after` of overload. Calm for `restore_after` seconds: one
//!   level back up; each further level needs another `restore_after` of calm. Anything
//!   else restarts both timers.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::engine::shed::{describe, Shedding, MAX_LEVEL};

/// Below this fraction of `dsp_load` the load counts as calm (restore hysteresis).
pub const RESTORE_RATIO: f64 = 0.7;

/// How far back xruns are counted against `xruns_per_minute`.
const XRUN_WINDOW: Duration = Duration::from_secs(60);

/// The config's `overload` section: when shedding starts and when it ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OverloadLimits {
    /// Shed while the smoothed DSP load stays above this (0 < x ≤ 4; 1 = the whole buffer
    /// period).
    pub dsp_load: f64,
    /// Shed when more xruns than this come within a minute (1 ..= 10000).
    pub xruns_per_minute: u32,
    /// Seconds of overload before each step down (0.1 ..= 600).
    pub shed_after: f64,
    /// Seconds of calm before each step back up (0.1 ..= 3600).
    pub restore_after: f64,
    /// False: never shed.
    pub enabled: bool,
}

impl Default for OverloadLimits {
    /// Load 0.85, 5 xruns a minute, a step down after 1 s, back up after 10 s, enabled.
    fn default() -> Self {
        OverloadLimits {
            dsp_load: 0.85,
            xruns_per_minute: 5,
            shed_after: 1.0,
            restore_after: 10.0,
            enabled: true,
        }
    }
}

impl OverloadLimits {
    /// Each field out of its range, with the range: `(field, message, hint)`.
    pub fn problems(&self) -> Vec<(&'static str, String, &'static str)> {
        let mut out = Vec::new();
        if !(self.dsp_load.is_finite() && self.dsp_load > 0.0 && self.dsp_load <= 4.0) {
            out.push((
                "dsp_load",
                format!("dsp_load {} is out of range", self.dsp_load),
                "a fraction of the buffer period, 0 < dsp_load <= 4 (e.g. 0.85)",
            ));
        }
        if !(1..=10_000).contains(&self.xruns_per_minute) {
            out.push((
                "xruns_per_minute",
                format!("xruns_per_minute {} is out of range", self.xruns_per_minute),
                "1 <= xruns_per_minute <= 10000",
            ));
        }
        let seconds = |v: f64, max: f64| v.is_finite() && (0.1..=max).contains(&v);
        if !seconds(self.shed_after, 600.0) {
            out.push((
                "shed_after",
                format!("shed_after {} is out of range", self.shed_after),
                "seconds, 0.1 <= shed_after <= 600",
            ));
        }
        if !seconds(self.restore_after, 3600.0) {
            out.push((
                "restore_after",
                format!("restore_after {} is out of range", self.restore_after),
                "seconds, 0.1 <= restore_after <= 3600",
            ));
        }
        out
    }
}

/// One move of the shedding level.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The level before.
    pub from: u32,
    /// The level now.
    pub to: u32,
    /// What made it move.
    pub reason: String,
}

impl Step {
    /// True when it sheds more (the level went up).
    pub fn is_shed(&self) -> bool {
        self.to > self.from
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.is_shed() {
            "shedding"
        } else {
            "restoring"
        };
        write!(
            f,
            "overload: {verb}, level {} -> {} of {MAX_LEVEL} ({}): {}",
            self.from,
            self.to,
            describe(self.to),
            self.reason
        )
    }
}

/// The overload decision (one per player).
#[derive(Debug)]
pub struct Governor {
    limits: OverloadLimits,
    level: u32,
    /// Since when the load has been over the limit, while it is.
    over_since: Option<Instant>,
    /// Since when it has been calm, while it is, and the xrun count then.
    calm_since: Option<(Instant, u64)>,
    /// (time, xrun count) samples since the last step, within [`XRUN_WINDOW`].
    xruns: VecDeque<(Instant, u64)>,
}

impl Governor {
    /// A governor at level 0.
    pub fn new(limits: OverloadLimits) -> Self {
        Governor {
            limits,
            level: 0,
            over_since: None,
            calm_since: None,
            xruns: VecDeque::new(),
        }
    }

    /// The level in force.
    pub fn level(&self) -> u32 {
        self.level
    }

    /// The limits in force.
    pub fn limits(&self) -> &OverloadLimits {
        &self.limits
    }

    /// New limits (a config reload); the timers restart.
    pub fn set_limits(&mut self, limits: OverloadLimits) {
        self.limits = limits;
        self.over_since = None;
        self.calm_since = None;
    }

    /// Takes one observation at `now`: the smoothed DSP load (0..1 and beyond) and the
    /// xruns counted so far. Moves the level when the limits say so, stores it in
    /// `shedding` (every call: an engine rebuilt since gets it too) and counts the step.
    pub fn observe(
        &mut self,
        now: Instant,
        load: f64,
        xruns: u64,
        shedding: &Shedding,
    ) -> Option<Step> {
        let step = self.decide(now, load, xruns);
        if let Some(step) = &step {
            let counter = if step.is_shed() {
                &shedding.sheds
            } else {
                &shedding.restores
            };
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        shedding.set_level(self.level);
        step
    }

    fn decide(&mut self, now: Instant, load: f64, xruns: u64) -> Option<Step> {
        self.xruns.push_back((now, xruns));
        while self
            .xruns
            .front()
            .is_some_and(|(t, _)| now.saturating_duration_since(*t) > XRUN_WINDOW)
        {
            self.xruns.pop_front();
        }
        let recent = xruns.saturating_sub(self.xruns.front().map_or(xruns, |(_, n)| *n));
        let l = &self.limits;
        if !l.enabled {
            self.over_since = None;
            self.calm_since = None;
            return (self.level > 0).then(|| self.move_to(0, now, "shedding is disabled".into()));
        }
        let over_load = load > l.dsp_load;
        let over_xruns = recent > l.xruns_per_minute as u64;
        if over_load || over_xruns {
            self.calm_since = None;
            let since = *self.over_since.get_or_insert(now);
            let held = now.saturating_duration_since(since);
            if self.level < MAX_LEVEL && held.as_secs_f64() >= l.shed_after {
                let reason = if over_load {
                    format!(
                        "DSP load {load:.2} above {:.2} for {:.1} s",
                        l.dsp_load,
                        held.as_secs_f64()
                    )
                } else {
                    format!(
                        "{recent} xruns within a minute, more than {}",
                        l.xruns_per_minute
                    )
                };
                return Some(self.move_to(self.level + 1, now, reason));
            }
            return None;
        }
        self.over_since = None;
        let calm_below = l.dsp_load * RESTORE_RATIO;
        if load >= calm_below {
            self.calm_since = None;
            return None;
        }
        let (since, at) = *self.calm_since.get_or_insert((now, xruns));
        let calm_xruns = xruns.saturating_sub(at);
        if calm_xruns > (l.xruns_per_minute / 2) as u64 {
            // Too many xruns to call it calm: the calm starts again from here.
            self.calm_since = Some((now, xruns));
            return None;
        }
        let held = now.saturating_duration_since(since);
        if self.level > 0 && held.as_secs_f64() >= l.restore_after {
            let reason = format!(
                "DSP load {load:.2} below {calm_below:.2} for {:.1} s ({calm_xruns} xruns)",
                held.as_secs_f64()
            );
            return Some(self.move_to(self.level - 1, now, reason));
        }
        None
    }

    /// Moves to `level`; the next step needs its full time again, and xruns are counted
    /// afresh.
    fn move_to(&mut self, level: u32, now: Instant, reason: String) -> Step {
        let from = std::mem::replace(&mut self.level, level);
        if self.over_since.is_some() {
            self.over_since = Some(now);
        }
        if let Some((_, at)) = &mut self.calm_since {
            self.calm_since = Some((now, *at));
        }
        if let Some(&(_, n)) = self.xruns.back() {
            self.xruns.clear();
            self.xruns.push_back((now, n));
        }
        Step {
            from,
            to: level,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering::Relaxed;

    fn run(
        g: &mut Governor,
        s: &Shedding,
        t0: Instant,
        from_ms: u64,
        to_ms: u64,
        load: f64,
        xruns: impl Fn(u64) -> u64,
    ) -> Vec<(u32, u32)> {
        (from_ms..to_ms)
            .step_by(20)
            .filter_map(|ms| g.observe(t0 + Duration::from_millis(ms), load, xruns(ms), s))
            .map(|st| (st.from, st.to))
            .collect()
    }

    fn limits() -> OverloadLimits {
        OverloadLimits {
            shed_after: 1.0,
            restore_after: 5.0,
            ..OverloadLimits::default()
        }
    }

    #[test]
    fn sustained_load_sheds_level_by_level_then_calm_restores() {
        let mut g = Governor::new(limits());
        let s = Shedding::default();
        let t0 = Instant::now();
        // A short spike sheds nothing.
        assert!(run(&mut g, &s, t0, 0, 900, 0.95, |_| 0).is_empty());
        assert!(run(&mut g, &s, t0, 900, 1000, 0.5, |_| 0).is_empty());
        // Sustained: one level per second, up to the last, then no further.
        let down = run(&mut g, &s, t0, 1000, 10_000, 0.95, |_| 0);
        assert_eq!(down, [(0, 1), (1, 2), (2, 3), (3, 4)]);
        assert_eq!(s.level(), MAX_LEVEL);
        // Between the two thresholds (hysteresis): it stays.
        assert!(run(&mut g, &s, t0, 10_000, 30_000, 0.7, |_| 0).is_empty());
        // Calm: one level per 5 s.
        let up = run(&mut g, &s, t0, 30_000, 60_000, 0.2, |_| 0);
        assert_eq!(up, [(4, 3), (3, 2), (2, 1), (1, 0)]);
        assert_eq!(s.level(), 0);
        assert_eq!(s.sheds.load(Relaxed), 4);
        assert_eq!(s.restores.load(Relaxed), 4);
    }

    #[test]
    fn xruns_shed_once_per_burst_and_only_a_few_are_calm() {
        let mut g = Governor::new(limits());
        let s = Shedding::default();
        let t0 = Instant::now();
        // 6 xruns in the first half second, at low load: over the limit of 5 a minute.
        let burst = |ms: u64| (ms / 80).min(6);
        let steps = run(&mut g, &s, t0, 0, 3000, 0.1, burst);
        assert_eq!(steps, [(0, 1)], "the burst is answered once");
        // An xrun every second (4 since the step: under the limit) at low load: more than
        // half the limit within the calm, so the calm keeps starting again.
        let steady = |ms: u64| 6 + (ms - 3000) / 1000;
        assert!(run(&mut g, &s, t0, 3000, 7900, 0.1, steady).is_empty());
        assert_eq!(s.level(), 1);
        // Then one more xrun only: calm enough, and the level comes back.
        let quiet = |ms: u64| if ms < 9000 { 10 } else { 11 };
        assert_eq!(run(&mut g, &s, t0, 7900, 20_000, 0.1, quiet), [(1, 0)]);
    }

    #[test]
    fn disabling_restores_at_once_and_limits_are_checked() {
        let mut g = Governor::new(limits());
        let s = Shedding::default();
        let t0 = Instant::now();
        run(&mut g, &s, t0, 0, 2100, 2.0, |_| 0);
        assert_eq!(g.level(), 2);
        g.set_limits(OverloadLimits {
            enabled: false,
            ..limits()
        });
        assert_eq!(run(&mut g, &s, t0, 2100, 2200, 2.0, |_| 0), [(2, 0)]);
        let bad = OverloadLimits {
            dsp_load: 0.0,
            xruns_per_minute: 0,
            shed_after: f64::NAN,
            restore_after: 4000.0,
            enabled: true,
        };
        let fields: Vec<&str> = bad.problems().iter().map(|p| p.0).collect();
        assert_eq!(
            fields,
            [
                "dsp_load",
                "xruns_per_minute",
                "shed_after",
                "restore_after"
            ]
        );
        assert!(OverloadLimits::default().problems().is_empty());
    }
}
