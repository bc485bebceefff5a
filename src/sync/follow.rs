//! [`Follower`]: an external MIDI clock → sequencer commands, as pure logic (no thread,
//! no port: the clock-in thread feeds it what arrives, with arrival times).
//!
//! - **Ticks.** The first tick switches the sequencer to the external clock
//!   ([`SeqCommand::Follow`]); from then on every 0xF8 is one sequencer tick
//!   ([`SeqCommand::ClockTick`]) at the sample it arrived on (plus the input latency), so
//!   the notes land on the source's ticks, not on an estimate of them.
//! - **Tempo.** The tempo (for gate lengths, swing, the status and a fallback) is the
//!   mean tick spacing over the last [`WINDOW`] intervals (two beats), measured on the
//!   best clock the backend gives ([`Arrival::clock_ns`]): its frame clock when it has
//!   one (JACK MIDI: the frame each byte came in at), so neither a loaded machine's late
//!   wake-ups nor a cycle our audio callback missed bend the reading; else the arrival
//!   times, where the jitter of single ticks averages out. A steady source reads exact.
//!   It is
//!   **locked in** after [`LOCK_INTERVALS`] intervals (one beat of the source's clock:
//!   0.45 s at 133 BPM); before that the sequencer keeps its own tempo. It is sent when
//!   it moved by [`TEMPO_STEP`] BPM or more.
//! - **Transport.** START is a restart from the top (Stop then Start, so a sequencer
//!   already playing restarts too; the next tick is the downbeat), STOP stops, CONTINUE
//!   resumes, SONG POSITION POINTER sets where CONTINUE resumes.
//! - **Loss.** No tick for [`LOSS_NS`] (2 s) while following: the sequencer's own clock
//!   takes over at the last tempo (`Follow(false)`), reported once by
//!   [`Follower::check`]; the next tick switches back.

use crate::seq::clock::{MAX_BPM, MIN_BPM, PPQN};
use crate::seq::midi_clock::ClockMessage;
use crate::seq::SeqCommand;

/// Tick intervals averaged for the tempo: two beats.
pub const WINDOW: usize = 48;
/// Tick intervals before the tempo is trusted (the lock-in): one beat.
pub const LOCK_INTERVALS: usize = 24;
/// Smallest tempo move sent to the sequencer, BPM.
pub const TEMPO_STEP: f32 = 0.01;
/// Silence after which the clock counts as lost: 2 s.
pub const LOSS_NS: u64 = 2_000_000_000;

/// When a message arrived, on the two clocks the follower uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// Wall clock, ns since the Unix epoch: for loss ([`Follower::check`] compares it with
    /// its `now_ns`).
    pub wall_ns: u64,
    /// The clock the tick spacing is measured on, ns: the backend's frame clock
    /// ([`Incoming::frame_ns`](crate::midi::input::Incoming::frame_ns)) when it has one,
    /// else `wall_ns`.
    pub clock_ns: u64,
}

impl Arrival {
    /// An arrival known by its wall-clock time only.
    pub fn wall(wall_ns: u64) -> Arrival {
        Arrival {
            wall_ns,
            clock_ns: wall_ns,
        }
    }

    /// An arrival at wall time `wall_ns`, at `frame_ns` on the backend's frame clock when
    /// it has one.
    pub fn new(wall_ns: u64, frame_ns: Option<u64>) -> Arrival {
        Arrival {
            wall_ns,
            clock_ns: frame_ns.unwrap_or(wall_ns),
        }
    }
}

/// Follows one external clock.
#[derive(Clone, Debug)]
pub struct Follower {
    /// Times ([`Arrival::clock_ns`]) of the last ticks, a ring of `WINDOW + 1`.
    times: [u64; WINDOW + 1],
    /// Ticks recorded since the stream (re)started, saturating at `WINDOW + 1`.
    count: usize,
    /// Where the next tick time goes in `times`.
    head: usize,
    /// The sequencer follows (has been sent `Follow(true)`).
    following: bool,
    /// Tempo last sent.
    sent_bpm: Option<f32>,
    /// The last tick's [`Arrival`].
    last_tick: Option<Arrival>,
}

impl Default for Follower {
    fn default() -> Self {
        Follower {
            times: [0; WINDOW + 1],
            count: 0,
            head: 0,
            following: false,
            sent_bpm: None,
            last_tick: None,
        }
    }
}

impl Follower {
    /// A follower that has seen nothing yet.
    pub fn new() -> Follower {
        Follower::default()
    }

    /// Takes `message`, arrived `at`, and appends the sequencer commands it makes to
    /// `out`, in order.
    pub fn feed(&mut self, message: ClockMessage, at: Arrival, out: &mut Vec<SeqCommand>) {
        match message {
            ClockMessage::Tick => {
                self.follow(out);
                if self.last_tick.is_some_and(|t| at.clock_ns < t.clock_ns) {
                    self.count = 0; // time went backwards: start the estimate over
                }
                self.last_tick = Some(at);
                self.times[self.head] = at.clock_ns;
                self.head = (self.head + 1) % self.times.len();
                self.count = (self.count + 1).min(self.times.len());
                if let Some(bpm) = self.tempo() {
                    if self.sent_bpm.is_none_or(|s| (s - bpm).abs() >= TEMPO_STEP) {
                        self.sent_bpm = Some(bpm);
                        out.push(SeqCommand::Bpm(bpm));
                    }
                }
                out.push(SeqCommand::ClockTick);
            }
            ClockMessage::Start => {
                self.follow(out);
                out.push(SeqCommand::Stop);
                out.push(SeqCommand::Start);
            }
            ClockMessage::Stop => out.push(SeqCommand::Stop),
            ClockMessage::Continue => {
                self.follow(out);
                out.push(SeqCommand::Continue);
            }
            ClockMessage::SongPosition(p) => out.push(SeqCommand::Position(p)),
        }
    }

    fn follow(&mut self, out: &mut Vec<SeqCommand>) {
        if !self.following {
            self.following = true;
            out.push(SeqCommand::Follow(true));
        }
    }

    /// The source's tempo once locked in (BPM, clamped to the sequencer's range).
    pub fn tempo(&self) -> Option<f32> {
        let intervals = self.count.checked_sub(1)?;
        if intervals < LOCK_INTERVALS {
            return None;
        }
        let n = intervals.min(WINDOW);
        let len = self.times.len();
        let last = self.times[(self.head + len - 1) % len];
        let first = self.times[(self.head + len - 1 - n) % len];
        let span = last.checked_sub(first).filter(|s| *s > 0)?;
        let bpm = 60e9 * n as f64 / (PPQN as f64 * span as f64);
        Some((bpm as f32).clamp(MIN_BPM, MAX_BPM))
    }

    /// True while the sequencer follows this clock.
    pub fn following(&self) -> bool {
        self.following
    }

    /// Checks for loss at `now_ns`: after [`LOSS_NS`] without a tick while following, the
    /// sequencer is handed back to its own clock (`Follow(false)` in `out`) and the
    /// tempo it keeps is returned (once per loss).
    pub fn check(&mut self, now_ns: u64, out: &mut Vec<SeqCommand>) -> Option<Option<f32>> {
        let last = self.last_tick?.wall_ns;
        if !self.following || now_ns.saturating_sub(last) < LOSS_NS {
            return None;
        }
        self.following = false;
        self.count = 0;
        out.push(SeqCommand::Follow(false));
        Some(self.sent_bpm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds ticks at `bpm` from `t0` ns; returns the commands.
    fn ticks(f: &mut Follower, bpm: f64, t0: f64, n: usize) -> (Vec<SeqCommand>, f64) {
        let period = 60e9 / (bpm * 24.0);
        let mut out = Vec::new();
        let mut t = t0;
        for _ in 0..n {
            f.feed(
                ClockMessage::Tick,
                Arrival::wall(t.round() as u64),
                &mut out,
            );
            t += period;
        }
        (out, t)
    }

    fn bpms(out: &[SeqCommand]) -> Vec<f32> {
        out.iter()
            .filter_map(|c| match c {
                SeqCommand::Bpm(b) => Some(*b),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn locks_in_after_one_beat_and_reads_the_tempo_exactly() {
        let mut f = Follower::new();
        let (out, _) = ticks(&mut f, 133.0, 1e9, LOCK_INTERVALS);
        assert_eq!(out[0], SeqCommand::Follow(true));
        assert!(bpms(&out).is_empty(), "not locked before 24 intervals");
        assert_eq!(
            out.iter().filter(|c| **c == SeqCommand::ClockTick).count(),
            LOCK_INTERVALS
        );
        let (out, _) = ticks(&mut f, 133.0, 1e9 + 24.0 * 60e9 / (133.0 * 24.0), 200);
        let b = bpms(&out);
        assert_eq!(b.len(), 1, "one tempo, sent once: {b:?}");
        assert!((b[0] - 133.0).abs() < 0.01, "{b:?}");
        assert_eq!(out[0], SeqCommand::Bpm(b[0]), "the tempo before its tick");
    }

    #[test]
    fn jittery_ticks_average_out_and_a_tempo_change_is_followed() {
        let mut f = Follower::new();
        let mut out = Vec::new();
        let period = 60e9 / (97.0 * 24.0);
        for k in 0..500 {
            // ±1 ms of jitter, alternating.
            let jitter = if k % 2 == 0 { 1e6 } else { -1e6 };
            f.feed(
                ClockMessage::Tick,
                Arrival::wall((k as f64 * period + jitter + 1e9) as u64),
                &mut out,
            );
        }
        let t = f.tempo().unwrap();
        assert!((t - 97.0).abs() < 0.1, "{t}");
        let (_, _) = ticks(&mut f, 140.0, 1e9 + 500.0 * period, 2 * WINDOW);
        let t = f.tempo().unwrap();
        assert!((t - 140.0).abs() < 0.01, "{t}");
    }

    #[test]
    fn ticks_on_a_frame_clock_read_exact_however_late_they_arrive() {
        // 133 BPM at 48 kHz: 902.255... frames a tick, at their rounded frames on the
        // backend's frame clock; the wall-clock arrivals are up to 30 ms late (a loaded
        // machine).
        let mut f = Follower::new();
        let mut out = Vec::new();
        let frames = 48_000.0 * 60.0 / (133.0 * 24.0);
        for k in 0..200u64 {
            let frame_ns = (k as f64 * frames).round() as u64 * 1_000_000_000 / 48_000;
            let late = (k * 7_919 % 30) * 1_000_000;
            f.feed(
                ClockMessage::Tick,
                Arrival::new(1_000_000_000 + frame_ns + late, Some(frame_ns)),
                &mut out,
            );
        }
        let t = f.tempo().unwrap();
        assert!((t - 133.0).abs() < 0.01, "{t}");
        // Loss is still judged on the wall clock.
        let wall = f.last_tick.unwrap().wall_ns;
        assert_eq!(f.check(wall + LOSS_NS - 1, &mut out), None);
        assert!(f.check(wall + LOSS_NS, &mut out).is_some());
    }

    #[test]
    fn transport_messages_become_commands() {
        let mut f = Follower::new();
        let mut out = Vec::new();
        f.feed(ClockMessage::Start, Arrival::wall(0), &mut out);
        assert_eq!(
            out,
            [
                SeqCommand::Follow(true),
                SeqCommand::Stop,
                SeqCommand::Start
            ]
        );
        out.clear();
        f.feed(ClockMessage::Stop, Arrival::wall(1), &mut out);
        f.feed(ClockMessage::SongPosition(17), Arrival::wall(2), &mut out);
        f.feed(ClockMessage::Continue, Arrival::wall(3), &mut out);
        assert_eq!(
            out,
            [
                SeqCommand::Stop,
                SeqCommand::Position(17),
                SeqCommand::Continue
            ]
        );
    }

    #[test]
    fn two_seconds_without_a_tick_fall_back_once_and_a_tick_takes_over_again() {
        let mut f = Follower::new();
        let (_, t) = ticks(&mut f, 120.0, 0.0, 100);
        let mut out = Vec::new();
        let last = (t - 60e9 / (120.0 * 24.0)).round() as u64;
        assert_eq!(f.check(last + LOSS_NS - 1, &mut out), None);
        let kept = f.check(last + LOSS_NS, &mut out).expect("lost");
        assert!((kept.unwrap() - 120.0).abs() < 0.01);
        assert_eq!(out, [SeqCommand::Follow(false)]);
        assert_eq!(f.check(last + 2 * LOSS_NS, &mut out), None, "said once");
        assert!(!f.following());
        out.clear();
        f.feed(
            ClockMessage::Tick,
            Arrival::wall(last + 3 * LOSS_NS),
            &mut out,
        );
        assert_eq!(out, [SeqCommand::Follow(true), SeqCommand::ClockTick]);
    }
}
