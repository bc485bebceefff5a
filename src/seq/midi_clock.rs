//! [`MidiClock`]: the MIDI clock the conductor plays alongside its notes, as timed data
//! for an output port: one TIMING CLOCK (0xF8) per tick of the conductor's
//! [`Clock`](super::Clock) (24 PPQN), at that tick's exact engine sample, and the transport
//! messages around them.
//!
//! The ticks are the conductor's own: tick `k` lands on the sample the clock computes from
//! its anchor (integer arithmetic, never accumulated: zero drift at any tempo), a tempo
//! change takes effect from the next tick with no phase jump, and swing (which delays
//! note onsets only) never moves a tick. Transport rules:
//!
//! - START when the sequencer starts from the top (`/seq/start`, or a patch's sequence
//!   starting by itself); the first tick follows at the same sample (the downbeat);
//! - STOP when it stops; no tick after it;
//! - CONTINUE when it resumes, preceded by SONG POSITION POINTER when the position is not
//!   zero; it resumes on the next sixteenth boundary at or after where it stopped (SPP
//!   counts sixteenths, 6 ticks each), so the position sent is the one played.
//!
//! The conductor fills a small fixed buffer; the engine drains it into its clock ring
//! after every run. **Real-time safe** (no allocation).

/// Ticks per sixteenth note: SONG POSITION POINTER's unit.
pub const TICKS_PER_SIXTEENTH: u64 = 6;

/// Largest song position SPP carries (14 bits of sixteenths).
pub const MAX_SONG_POSITION: u16 = 0x3FFF;

/// Most clock messages waiting in the conductor for the engine to take.
pub const MAX_CLOCK_EVENTS: usize = 32;

/// One MIDI clock or transport message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockMessage {
    /// TIMING CLOCK, 0xF8: one tick (1/24 of a quarter note).
    Tick,
    /// START, 0xFA: play from the top.
    Start,
    /// CONTINUE, 0xFB: play on from the song position.
    Continue,
    /// STOP, 0xFC.
    Stop,
    /// SONG POSITION POINTER, 0xF2: the position in sixteenths (0..=0x3FFF).
    SongPosition(u16),
}

impl ClockMessage {
    /// The message's bytes: a buffer and how many of its bytes are used (1 or 3).
    pub fn bytes(self) -> ([u8; 3], usize) {
        match self {
            ClockMessage::Tick => ([0xF8, 0, 0], 1),
            ClockMessage::Start => ([0xFA, 0, 0], 1),
            ClockMessage::Continue => ([0xFB, 0, 0], 1),
            ClockMessage::Stop => ([0xFC, 0, 0], 1),
            ClockMessage::SongPosition(p) => {
                let p = p.min(MAX_SONG_POSITION);
                ([0xF2, (p & 0x7F) as u8, (p >> 7) as u8], 3)
            }
        }
    }

    /// The clock or transport message `bytes` starts with, if it is one (a malformed
    /// SPP is none).
    pub fn parse(bytes: &[u8]) -> Option<ClockMessage> {
        match *bytes.first()? {
            0xF8 => Some(ClockMessage::Tick),
            0xFA => Some(ClockMessage::Start),
            0xFB => Some(ClockMessage::Continue),
            0xFC => Some(ClockMessage::Stop),
            0xF2 => match bytes.get(1..3)? {
                [lo, hi] if lo & 0x80 == 0 && hi & 0x80 == 0 => {
                    Some(ClockMessage::SongPosition(*lo as u16 | (*hi as u16) << 7))
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// A clock message at an engine sample time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockEvent {
    /// Engine sample time.
    pub time: u64,
    /// The message.
    pub message: ClockMessage,
}

/// The tick at which playing resumes after stopping before tick `next`: the next sixteenth
/// boundary at or after it.
pub fn resume_tick(next: u64) -> u64 {
    next.div_ceil(TICKS_PER_SIXTEENTH) * TICKS_PER_SIXTEENTH
}

/// The song position (sixteenths, clamped to SPP's range) of tick `tick`.
pub fn song_position(tick: u64) -> u16 {
    (tick / TICKS_PER_SIXTEENTH).min(MAX_SONG_POSITION as u64) as u16
}

/// The clock messages the conductor produced and the engine has not taken yet.
#[derive(Clone, Copy, Debug)]
pub struct MidiClock {
    buf: [ClockEvent; MAX_CLOCK_EVENTS],
    len: usize,
    pos: usize,
    /// Messages lost because the buffer was full (the engine did not drain it).
    pub dropped: u64,
}

impl Default for MidiClock {
    fn default() -> Self {
        MidiClock {
            buf: [ClockEvent {
                time: 0,
                message: ClockMessage::Tick,
            }; MAX_CLOCK_EVENTS],
            len: 0,
            pos: 0,
            dropped: 0,
        }
    }
}

impl MidiClock {
    fn push(&mut self, time: u64, message: ClockMessage) {
        if self.pos == self.len {
            self.pos = 0;
            self.len = 0;
        }
        if self.len == MAX_CLOCK_EVENTS {
            self.dropped += 1;
            return;
        }
        self.buf[self.len] = ClockEvent { time, message };
        self.len += 1;
    }

    /// A tick at `time`.
    pub fn tick(&mut self, time: u64) {
        self.push(time, ClockMessage::Tick);
    }

    /// START at `time` (the first tick follows at the same sample).
    pub fn start(&mut self, time: u64) {
        self.push(time, ClockMessage::Start);
    }

    /// Resuming at `time` from tick `tick` (a sixteenth boundary): SPP when not at zero,
    /// then CONTINUE.
    pub fn resume(&mut self, time: u64, tick: u64) {
        if tick != 0 {
            self.push(time, ClockMessage::SongPosition(song_position(tick)));
        }
        self.push(time, ClockMessage::Continue);
    }

    /// STOP at `time`.
    pub fn stop(&mut self, time: u64) {
        self.push(time, ClockMessage::Stop);
    }

    /// Forgets what the engine has not taken (a conductor starting over).
    pub fn clear(&mut self) {
        self.len = 0;
        self.pos = 0;
    }

    /// The oldest message not taken yet.
    pub fn pop(&mut self) -> Option<ClockEvent> {
        if self.pos == self.len {
            return None;
        }
        self.pos += 1;
        Some(self.buf[self.pos - 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_through_parse() {
        for m in [
            ClockMessage::Tick,
            ClockMessage::Start,
            ClockMessage::Continue,
            ClockMessage::Stop,
            ClockMessage::SongPosition(0),
            ClockMessage::SongPosition(1234),
            ClockMessage::SongPosition(MAX_SONG_POSITION),
        ] {
            let (b, n) = m.bytes();
            assert_eq!(ClockMessage::parse(&b[..n]), Some(m));
        }
        assert_eq!(
            ClockMessage::SongPosition(129).bytes(),
            ([0xF2, 1, 1], 3),
            "LSB first"
        );
        assert_eq!(ClockMessage::parse(&[0xF2, 0x80, 0]), None);
        assert_eq!(ClockMessage::parse(&[0xF2, 1]), None);
        assert_eq!(ClockMessage::parse(&[0x90, 60, 100]), None);
        assert_eq!(ClockMessage::parse(&[]), None);
    }

    #[test]
    fn resume_lands_on_the_next_sixteenth() {
        assert_eq!(resume_tick(0), 0);
        assert_eq!(resume_tick(1), 6);
        assert_eq!(resume_tick(6), 6);
        assert_eq!(resume_tick(97), 102);
        assert_eq!(song_position(102), 17);
        assert_eq!(song_position(u64::MAX), MAX_SONG_POSITION);
    }

    #[test]
    fn a_full_buffer_counts_what_it_drops_and_drains_in_order() {
        let mut c = MidiClock::default();
        c.start(5);
        for t in 0..MAX_CLOCK_EVENTS as u64 {
            c.tick(10 + t);
        }
        assert_eq!(c.dropped, 1);
        assert_eq!(
            c.pop(),
            Some(ClockEvent {
                time: 5,
                message: ClockMessage::Start
            })
        );
        let mut n = 0;
        while let Some(e) = c.pop() {
            assert_eq!(
                e,
                ClockEvent {
                    time: 10 + n,
                    message: ClockMessage::Tick
                }
            );
            n += 1;
        }
        assert_eq!(n, MAX_CLOCK_EVENTS as u64 - 1);
        c.resume(100, 12);
        assert_eq!(c.pop().unwrap().message, ClockMessage::SongPosition(2));
        assert_eq!(c.pop().unwrap().message, ClockMessage::Continue);
        assert_eq!(c.pop(), None);
    }
}
