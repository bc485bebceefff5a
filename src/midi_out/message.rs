//! What goes out: [`OutMessage`], one logical MIDI message (a note, a CC, or a group of
//! CCs that belong together: a 14-bit pair, an NRPN write) with its kind, which decides
//! its priority in the output queue and which controller it throttles under.

/// The most short (≤ 3-byte) MIDI messages one [`OutMessage`] carries: an NRPN write
/// (CC 99, 98, 6, 38).
pub const MAX_PARTS: usize = 4;

/// What a message is, in priority order: the queue sends a lower value first when two
/// are due at the same time, and drops the highest value first when it is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// System real-time (clock, start, stop): first of all.
    Realtime,
    /// A note-off (never dropped).
    NoteOff,
    /// A note-on.
    NoteOn,
    /// A control change (a profile param, sustain, volume, ...), throttled per
    /// controller.
    Cc,
    /// Anything else (bend, pressure).
    Other,
}

impl Kind {
    /// Every kind, in priority order.
    pub const ALL: [Kind; 5] = [
        Kind::Realtime,
        Kind::NoteOff,
        Kind::NoteOn,
        Kind::Cc,
        Kind::Other,
    ];

    /// Its name in statistics (`note_on`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Realtime => "realtime",
            Kind::NoteOff => "note_off",
            Kind::NoteOn => "note_on",
            Kind::Cc => "cc",
            Kind::Other => "other",
        }
    }

    /// Index into per-kind counters.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One logical message: up to [`MAX_PARTS`] short MIDI messages sent together, in order,
/// at one time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutMessage {
    /// What it is.
    pub kind: Kind,
    /// The controller it throttles under (channel in the high byte), for [`Kind::Cc`]:
    /// two messages with the same key coalesce.
    pub key: u32,
    parts: [[u8; 3]; MAX_PARTS],
    lens: [u8; MAX_PARTS],
    count: u8,
}

impl OutMessage {
    /// A message of one short MIDI message (1–3 bytes).
    pub fn short(kind: Kind, bytes: &[u8]) -> Self {
        let mut m = OutMessage {
            kind,
            key: 0,
            parts: [[0; 3]; MAX_PARTS],
            lens: [0; MAX_PARTS],
            count: 0,
        };
        m.push(bytes);
        m
    }

    /// Note-on on `channel` (0-based); velocity 1–127.
    pub fn note_on(channel: u8, note: u8, velocity: u8) -> Self {
        Self::short(
            Kind::NoteOn,
            &[0x90 | (channel & 15), note & 127, velocity.clamp(1, 127)],
        )
    }

    /// Note-off on `channel` (0-based), release velocity 64.
    pub fn note_off(channel: u8, note: u8) -> Self {
        Self::short(Kind::NoteOff, &[0x80 | (channel & 15), note & 127, 64])
    }

    /// A 7-bit control change, throttled under `(channel, controller)`.
    pub fn cc(channel: u8, controller: u8, value: u8) -> Self {
        let mut m = Self::short(
            Kind::Cc,
            &[0xB0 | (channel & 15), controller & 127, value & 127],
        );
        m.key = ((channel as u32 & 15) << 24) | controller as u32;
        m
    }

    /// Adds one more short message (ignored past [`MAX_PARTS`]).
    pub fn push(&mut self, bytes: &[u8]) {
        let i = self.count as usize;
        if i < MAX_PARTS && !bytes.is_empty() {
            let n = bytes.len().min(3);
            self.parts[i][..n].copy_from_slice(&bytes[..n]);
            self.lens[i] = n as u8;
            self.count += 1;
        }
    }

    /// Sets the throttle key (a CC group's: a 14-bit pair, an NRPN).
    pub fn with_key(mut self, key: u32) -> Self {
        self.key = key;
        self
    }

    /// The short messages, in order.
    pub fn parts(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.count as usize).map(|i| &self.parts[i][..self.lens[i] as usize])
    }

    /// The first short message's first data byte (a note's number, a CC's controller).
    pub fn data1(&self) -> u8 {
        self.parts[0][1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_their_bytes_in_order() {
        let mut m = OutMessage::cc(1, 99, 2);
        m.push(&[0xB1, 98, 3]);
        let parts: Vec<&[u8]> = m.parts().collect();
        assert_eq!(parts, [&[0xB1, 99, 2][..], &[0xB1, 98, 3][..]]);
        assert_eq!(
            OutMessage::note_on(0, 60, 0).parts().next(),
            Some(&[0x90, 60, 1][..])
        );
        assert!(Kind::NoteOff < Kind::NoteOn && Kind::NoteOn < Kind::Cc);
    }
}
