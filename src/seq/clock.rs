//! [`Clock`]: tempo → tick times in samples, exactly.
//!
//! The clock counts ticks at [`PPQN`] per quarter note. Tick `k` after the last tempo
//! change (the *anchor*) falls on sample `anchor + floor(k · sr · 60 000 / (mbpm · 24))`,
//! with the tempo `mbpm` in thousandths of a BPM: pure integer arithmetic computed from the
//! anchor, never accumulated, so the clock cannot drift whatever the tempo and however
//! long it runs. A tempo change waits for the next tick, which becomes the new anchor:
//! the phase never jumps. **Real-time safe** (no allocation).

/// Ticks per quarter note.
pub const PPQN: u64 = 24;

/// Slowest tempo, BPM.
pub const MIN_BPM: f32 = 20.0;
/// Fastest tempo, BPM.
pub const MAX_BPM: f32 = 300.0;

/// A tick clock on the engine's sample counter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clock {
    sample_rate: u64,
    /// Tempo in thousandths of a BPM since the anchor.
    mbpm: u64,
    /// Tempo to take at the next tick.
    pending: Option<u64>,
    anchor_time: u64,
    anchor_tick: u64,
    /// Index of the next tick.
    next_tick: u64,
}

/// A tempo in thousandths of a BPM, clamped to [`MIN_BPM`]..=[`MAX_BPM`].
pub fn milli_bpm(bpm: f32) -> u64 {
    let bpm = if bpm.is_finite() { bpm } else { MIN_BPM };
    (bpm.clamp(MIN_BPM, MAX_BPM) as f64 * 1000.0).round() as u64
}

impl Clock {
    /// A clock at `bpm` whose tick 0 falls on sample `start`.
    pub fn new(sample_rate: u32, bpm: f32, start: u64) -> Self {
        Clock {
            sample_rate: sample_rate.max(1) as u64,
            mbpm: milli_bpm(bpm),
            pending: None,
            anchor_time: start,
            anchor_tick: 0,
            next_tick: 0,
        }
    }

    /// The same clock (tempo, pending tempo) started again: tick 0 falls on `start`.
    pub fn restarted_at(&self, start: u64) -> Self {
        Clock {
            anchor_time: start,
            anchor_tick: 0,
            next_tick: 0,
            ..*self
        }
    }

    /// Tempo now, BPM.
    pub fn bpm(&self) -> f32 {
        (self.mbpm as f64 / 1000.0) as f32
    }

    /// Tempo the clock will run at from the next tick, BPM.
    pub fn target_bpm(&self) -> f32 {
        (self.pending.unwrap_or(self.mbpm) as f64 / 1000.0) as f32
    }

    /// Changes the tempo (clamped to 20–300 BPM) from the next tick on.
    pub fn set_bpm(&mut self, bpm: f32) {
        let m = milli_bpm(bpm);
        self.pending = (m != self.mbpm).then_some(m);
    }

    /// Index of the next tick.
    pub fn next_tick(&self) -> u64 {
        self.next_tick
    }

    /// Sample time of tick `k` (at or after the anchor) at the current tempo.
    fn time_of(&self, k: u64) -> u64 {
        let num = (k - self.anchor_tick) as u128 * self.sample_rate as u128 * 60_000;
        let den = self.mbpm as u128 * PPQN as u128;
        self.anchor_time + (num / den) as u64
    }

    /// Sample time of the next tick.
    pub fn next_tick_time(&self) -> u64 {
        self.time_of(self.next_tick)
    }

    /// Consumes the next tick: returns its index and sample time. A pending tempo change
    /// takes effect here (this tick becomes the anchor of the new tempo).
    pub fn take_tick(&mut self) -> (u64, u64) {
        let (k, t) = (self.next_tick, self.next_tick_time());
        if let Some(m) = self.pending.take() {
            self.mbpm = m;
            self.anchor_tick = k;
            self.anchor_time = t;
        }
        self.next_tick += 1;
        (k, t)
    }

    /// Length of `ticks` ticks at the current tempo, in (fractional) samples.
    pub fn samples_per(&self, ticks: u64) -> f64 {
        ticks as f64 * self.sample_rate as f64 * 60_000.0 / (self.mbpm as f64 * PPQN as f64)
    }

    /// Resumes with tick `tick` on sample `start` (the tempo stays; a pending one is
    /// taken): a transport continuing from a song position.
    pub fn resume_at(&mut self, start: u64, tick: u64) {
        if let Some(m) = self.pending.take() {
            self.mbpm = m;
        }
        self.anchor_time = start;
        self.anchor_tick = tick;
        self.next_tick = tick;
    }

    /// Puts the next tick on sample `time` at tempo `mbpm` (thousandths of a BPM, no
    /// pending change left): following an outside timeline.
    pub fn align(&mut self, time: u64, mbpm: u64) {
        self.pending = None;
        self.mbpm = mbpm.max(1);
        self.anchor_time = time;
        self.anchor_tick = self.next_tick;
    }

    /// Tempo now, thousandths of a BPM.
    pub fn milli_bpm(&self) -> u64 {
        self.mbpm
    }

    /// Restarts the tick count at 0 on sample `start` (the tempo stays).
    pub fn restart(&mut self, start: u64) {
        if let Some(m) = self.pending.take() {
            self.mbpm = m;
        }
        self.anchor_time = start;
        self.anchor_tick = 0;
        self.next_tick = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tick times of a constant tempo, computed independently in exact rationals.
    fn ideal(sr: u64, bpm_milli: u64, k: u64) -> u64 {
        // k ticks = k / 24 beats = k * 60 / (24 * bpm) s.
        (k as u128 * sr as u128 * 60_000 / (bpm_milli as u128 * 24)) as u64
    }

    #[test]
    fn ten_minutes_at_several_tempos_has_zero_drift() {
        for (sr, bpm) in [
            (48_000u32, 110.0f32),
            (44_100, 97.0),
            (48_000, 20.0),
            (96_000, 300.0),
            (44_100, 133.333),
            // 97.3 BPM: a tick is 1233.299... samples at 48 kHz (non-integer).
            (48_000, 97.3),
            (44_100, 97.3),
            (48_000, 123.457),
        ] {
            let mut c = Clock::new(sr, bpm, 0);
            let end = 600 * sr as u64;
            let mut ticks = 0u64;
            while c.next_tick_time() < end {
                let (k, t) = c.take_tick();
                assert_eq!(t, ideal(sr as u64, milli_bpm(bpm), k), "{bpm} BPM tick {k}");
                ticks += 1;
            }
            // Exactly as many ticks as fit in 10 minutes: ceil(600 s · bpm/60 · 24).
            let expected = (600u128 * milli_bpm(bpm) as u128 * 24).div_ceil(60_000) as u64;
            assert_eq!(ticks, expected, "{bpm} BPM at {sr} Hz");
        }
    }

    #[test]
    fn whole_bpm_gives_whole_beats_exactly() {
        // 120 BPM at 48 kHz: a beat is exactly 24 000 samples, a tick 1 000.
        let mut c = Clock::new(48_000, 120.0, 500);
        for k in 0..24 * 1000 {
            assert_eq!(c.take_tick(), (k, 500 + 1_000 * k));
        }
    }

    #[test]
    fn tempo_change_lands_on_the_next_tick_without_a_phase_jump() {
        let mut c = Clock::new(48_000, 120.0, 0);
        for _ in 0..10 {
            c.take_tick();
        }
        assert_eq!(c.next_tick_time(), 10_000);
        c.set_bpm(60.0);
        // The next tick keeps its time (already due at the old tempo)...
        assert_eq!(c.take_tick(), (10, 10_000));
        // ...and the ticks after it follow the new tempo from there.
        assert_eq!(c.take_tick(), (11, 12_000));
        assert_eq!(c.take_tick(), (12, 14_000));
        assert_eq!(c.bpm(), 60.0);
    }

    #[test]
    fn tempo_is_clamped_to_its_range() {
        assert_eq!(milli_bpm(5.0), 20_000);
        assert_eq!(milli_bpm(1000.0), 300_000);
        assert_eq!(milli_bpm(f32::NAN), 20_000);
        let mut c = Clock::new(48_000, 120.0, 0);
        c.set_bpm(400.0);
        assert_eq!(c.target_bpm(), 300.0);
    }
}
