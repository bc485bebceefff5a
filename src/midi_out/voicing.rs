//! [`Voicing`]: one external instrument's notes and messages as MIDI bytes on its
//! channel, with its `count` as polyphony.
//!
//! - `count: 1` is a mono synth with **last-note priority**: a note played while another
//!   sounds is sent as the new note-on *then* the old note's note-off one sample later,
//!   so the synth sees overlapping notes and slides legato as mono synths expect;
//!   releasing the sounding note while others are still held returns to the last of them
//!   (again legato).
//! - `count: N` keeps at most N notes sounding: the oldest is released (note-off first)
//!   to make room. The same note again is retriggered (off, then on).
//! - Channel messages become their MIDI counterparts: bend (14-bit), pressure, poly
//!   pressure, sustain (CC 64), volume (CC 7), expression (CC 11), pan (CC 10), bend
//!   range (RPN 0), all notes off (CC 123, after a note-off for every sounding note), all
//!   sound off (CC 120), reset controllers (CC 121).
//! - Releasing everything (stop, panic, the instrument removed or changed by a commit)
//!   also lifts the sustain pedal Chronus put down (CC 64 = 0, after the note-offs): a
//!   synth keeps notes its pedal holds through note-offs and all notes off (CC 123 keeps
//!   the pedal, as MIDI says), so they would ring on after Chronus stopped. An all notes
//!   off from MIDI in (CC 123) is passed on as it is, and keeps the pedal.
//! - A profile param becomes its CC, 14-bit pair or NRPN write through its curve.

use super::message::{Kind, OutMessage};
use super::profile::{Control, Profile};
use crate::engine::{ChannelMessage, OutEvent};

/// One message and how many samples after the event's time it goes out (0, or 1 for the
/// note-off of a legato change).
pub type Timed = (u64, OutMessage);

/// One external instrument's state.
#[derive(Clone, Debug)]
pub struct Voicing {
    channel: u8,
    polyphony: usize,
    /// Keys held down, oldest first.
    held: Vec<u8>,
    /// Notes the synth is sounding, oldest first.
    sounding: Vec<u8>,
    /// The sustain pedal as Chronus last sent it (down: CC 64 ≥ 64).
    pedal: bool,
    profile: Option<Profile>,
}

impl Voicing {
    /// An instrument on MIDI `channel` (1–16) playing `polyphony` notes at once, with the
    /// params of `profile`.
    pub fn new(channel: u8, polyphony: usize, profile: Option<Profile>) -> Self {
        Voicing {
            channel: channel.clamp(1, 16) - 1,
            polyphony: polyphony.max(1),
            held: Vec::with_capacity(128),
            sounding: Vec::with_capacity(128),
            pedal: false,
            profile,
        }
    }

    /// Its MIDI channel, 1–16.
    pub fn channel(&self) -> u8 {
        self.channel + 1
    }

    /// How many notes it plays at once.
    pub fn polyphony(&self) -> usize {
        self.polyphony
    }

    /// The profile, if any.
    pub fn profile(&self) -> Option<&Profile> {
        self.profile.as_ref()
    }

    /// Notes sounding now.
    pub fn sounding(&self) -> &[u8] {
        &self.sounding
    }

    /// The messages for `event`, appended to `out`.
    pub fn event(&mut self, event: OutEvent, out: &mut Vec<Timed>) {
        let ch = self.channel;
        match event {
            OutEvent::NoteOn { note, velocity } => {
                let vel = (velocity.clamp(0.0, 1.0) * 127.0).round() as u8;
                self.note_on(note & 127, vel.max(1), out)
            }
            OutEvent::NoteOff { note } => self.note_off(note & 127, out),
            OutEvent::Channel(m) => self.channel_message(m, out),
            OutEvent::Param { param, value, .. } => self.param(param as usize, value, out),
            OutEvent::AllNotesOff => {
                self.release_all(out);
                self.lift_pedal(out);
                out.push((0, OutMessage::cc(ch, 123, 0)));
            }
            OutEvent::Panic => {
                self.release_all(out);
                self.lift_pedal(out);
                out.push((0, OutMessage::cc(ch, 120, 0)));
                out.push((0, OutMessage::cc(ch, 123, 0)));
            }
            // The clock and the swaps are the sink's, never an instrument's.
            OutEvent::Clock(_) | OutEvent::Swap { .. } => {}
        }
    }

    fn note_on(&mut self, note: u8, vel: u8, out: &mut Vec<Timed>) {
        let ch = self.channel;
        self.held.retain(|&n| n != note);
        self.held.push(note);
        if self.polyphony == 1 {
            match self.sounding.first().copied() {
                Some(old) if old == note => {
                    out.push((0, OutMessage::note_off(ch, note)));
                    out.push((0, OutMessage::note_on(ch, note, vel)));
                }
                Some(old) => {
                    out.push((0, OutMessage::note_on(ch, note, vel)));
                    out.push((1, OutMessage::note_off(ch, old)));
                }
                None => out.push((0, OutMessage::note_on(ch, note, vel))),
            }
            self.sounding.clear();
            self.sounding.push(note);
            return;
        }
        if let Some(i) = self.sounding.iter().position(|&n| n == note) {
            self.sounding.remove(i);
            out.push((0, OutMessage::note_off(ch, note)));
        } else if self.sounding.len() >= self.polyphony {
            let oldest = self.sounding.remove(0);
            out.push((0, OutMessage::note_off(ch, oldest)));
        }
        self.sounding.push(note);
        out.push((0, OutMessage::note_on(ch, note, vel)));
    }

    fn note_off(&mut self, note: u8, out: &mut Vec<Timed>) {
        let ch = self.channel;
        self.held.retain(|&n| n != note);
        let Some(i) = self.sounding.iter().position(|&n| n == note) else {
            return;
        };
        self.sounding.remove(i);
        if self.polyphony == 1 {
            if let Some(&back) = self.held.last() {
                out.push((0, OutMessage::note_on(ch, back, 100)));
                out.push((1, OutMessage::note_off(ch, note)));
                self.sounding.push(back);
                return;
            }
        }
        out.push((0, OutMessage::note_off(ch, note)));
    }

    fn release_all(&mut self, out: &mut Vec<Timed>) {
        for note in self.sounding.drain(..) {
            out.push((0, OutMessage::note_off(self.channel, note)));
        }
        self.held.clear();
    }

    /// Sends the pedal up if Chronus put it down.
    fn lift_pedal(&mut self, out: &mut Vec<Timed>) {
        if std::mem::take(&mut self.pedal) {
            out.push((0, OutMessage::cc(self.channel, 64, 0)));
        }
    }

    fn channel_message(&mut self, m: ChannelMessage, out: &mut Vec<Timed>) {
        let ch = self.channel;
        let unit = |v: f32| (v.clamp(0.0, 1.0) * 127.0).round() as u8;
        let msg = match m {
            ChannelMessage::Bend(b) => {
                let v = ((b.clamp(-1.0, 1.0) + 1.0) * 8192.0).round().min(16_383.0) as u16;
                OutMessage::short(Kind::Other, &[0xE0 | ch, (v & 127) as u8, (v >> 7) as u8])
            }
            ChannelMessage::Pressure(p) => OutMessage::short(Kind::Other, &[0xD0 | ch, unit(p)]),
            ChannelMessage::PolyPressure { note, value } => {
                OutMessage::short(Kind::Other, &[0xA0 | ch, note & 127, unit(value)])
            }
            ChannelMessage::Sustain(down) => {
                self.pedal = down;
                OutMessage::cc(ch, 64, if down { 127 } else { 0 })
            }
            ChannelMessage::Volume(v) => OutMessage::cc(ch, 7, unit(v)),
            ChannelMessage::Expression(v) => OutMessage::cc(ch, 11, unit(v)),
            ChannelMessage::Pan(p) => OutMessage::cc(ch, 10, unit((p + 1.0) / 2.0)),
            ChannelMessage::BendRange(semitones) => {
                let s = semitones.clamp(0.0, 127.0);
                let mut m = OutMessage::cc(ch, 101, 0);
                m.push(&[0xB0 | ch, 100, 0]);
                m.push(&[0xB0 | ch, 6, s.trunc() as u8]);
                m.push(&[0xB0 | ch, 38, (s.fract() * 100.0).round().min(99.0) as u8]);
                m.with_key(((ch as u32) << 24) | 0x1_0000)
            }
            ChannelMessage::AllNotesOff => {
                self.release_all(out);
                OutMessage::cc(ch, 123, 0)
            }
            ChannelMessage::AllSoundOff => OutMessage::cc(ch, 120, 0),
            ChannelMessage::ResetControllers => {
                // The synth lifts its pedal itself (RP-015).
                self.pedal = false;
                OutMessage::cc(ch, 121, 0)
            }
        };
        out.push((0, msg));
    }

    fn param(&mut self, index: usize, value: f32, out: &mut Vec<Timed>) {
        let ch = self.channel;
        let Some(p) = self.profile.as_ref().and_then(|p| p.params.get(index)) else {
            return;
        };
        let v = p.value(value);
        let status = 0xB0 | ch;
        let msg = match p.control {
            Control::Cc(n) => OutMessage::cc(ch, n, v.min(127) as u8),
            Control::Cc14(msb) => {
                let mut m = OutMessage::cc(ch, msb, (v >> 7) as u8 & 127);
                m.push(&[status, msb + 32, (v & 127) as u8]);
                m
            }
            Control::Nrpn(n) => {
                let mut m = OutMessage::cc(ch, 99, (n >> 7) as u8 & 127);
                m.push(&[status, 98, (n & 127) as u8]);
                if p.hi <= 127 {
                    m.push(&[status, 6, v as u8 & 127]);
                } else {
                    m.push(&[status, 6, (v >> 7) as u8 & 127]);
                    m.push(&[status, 38, (v & 127) as u8]);
                }
                m.with_key(((ch as u32) << 24) | 0x2_0000 | n as u32)
            }
        };
        out.push((0, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(out: &[Timed]) -> Vec<(u64, Vec<u8>)> {
        out.iter()
            .flat_map(|(d, m)| m.parts().map(move |p| (*d, p.to_vec())))
            .collect()
    }

    fn on(note: u8) -> OutEvent {
        OutEvent::NoteOn {
            note,
            velocity: 1.0,
        }
    }

    #[test]
    fn mono_is_legato_with_last_note_priority() {
        let mut v = Voicing::new(2, 1, None);
        let mut out = Vec::new();
        v.event(on(60), &mut out);
        v.event(on(64), &mut out);
        v.event(OutEvent::NoteOff { note: 64 }, &mut out);
        v.event(OutEvent::NoteOff { note: 60 }, &mut out);
        assert_eq!(
            bytes(&out),
            [
                (0, vec![0x91, 60, 127]),
                (0, vec![0x91, 64, 127]),
                (1, vec![0x81, 60, 64]),
                (0, vec![0x91, 60, 100]),
                (1, vec![0x81, 64, 64]),
                (0, vec![0x81, 60, 64]),
            ]
        );
        assert!(v.sounding().is_empty());
    }

    #[test]
    fn poly_releases_the_oldest_past_its_count() {
        let mut v = Voicing::new(1, 2, None);
        let mut out = Vec::new();
        for n in [60, 62, 64] {
            v.event(on(n), &mut out);
        }
        assert_eq!(bytes(&out)[2], (0, vec![0x80, 60, 64]));
        assert_eq!(v.sounding(), [62, 64]);
        out.clear();
        v.event(OutEvent::Panic, &mut out);
        assert_eq!(
            bytes(&out),
            [
                (0, vec![0x80, 62, 64]),
                (0, vec![0x80, 64, 64]),
                (0, vec![0xB0, 120, 0]),
                (0, vec![0xB0, 123, 0]),
            ]
        );
    }

    /// A pedal Chronus put down is lifted when everything is released (stop, panic, the
    /// instrument removed), after the note-offs and before CC 123; never twice, and not
    /// by an all notes off from MIDI in (which keeps the pedal, as MIDI says).
    #[test]
    fn releasing_everything_lifts_the_pedal_chronus_put_down() {
        let mut v = Voicing::new(3, 2, None);
        let mut out = Vec::new();
        let pedal = |down| OutEvent::Channel(ChannelMessage::Sustain(down));
        v.event(pedal(true), &mut out);
        v.event(on(60), &mut out);
        v.event(OutEvent::Channel(ChannelMessage::AllNotesOff), &mut out);
        assert_eq!(
            bytes(&out),
            [
                (0, vec![0xB2, 64, 127]),
                (0, vec![0x92, 60, 127]),
                (0, vec![0x82, 60, 64]),
                (0, vec![0xB2, 123, 0]),
            ]
        );
        out.clear();
        v.event(on(62), &mut out);
        v.event(OutEvent::AllNotesOff, &mut out);
        v.event(OutEvent::AllNotesOff, &mut out);
        assert_eq!(
            bytes(&out),
            [
                (0, vec![0x92, 62, 127]),
                (0, vec![0x82, 62, 64]),
                (0, vec![0xB2, 64, 0]),
                (0, vec![0xB2, 123, 0]),
                (0, vec![0xB2, 123, 0]),
            ]
        );
        out.clear();
        v.event(pedal(true), &mut out);
        v.event(OutEvent::Panic, &mut out);
        assert_eq!(
            bytes(&out),
            [
                (0, vec![0xB2, 64, 127]),
                (0, vec![0xB2, 64, 0]),
                (0, vec![0xB2, 120, 0]),
                (0, vec![0xB2, 123, 0]),
            ]
        );
        // A pedal lifted already (or by a reset) is not lifted again.
        out.clear();
        v.event(pedal(true), &mut out);
        v.event(
            OutEvent::Channel(ChannelMessage::ResetControllers),
            &mut out,
        );
        v.event(pedal(true), &mut out);
        v.event(pedal(false), &mut out);
        v.event(OutEvent::AllNotesOff, &mut out);
        assert_eq!(
            bytes(&out),
            [
                (0, vec![0xB2, 64, 127]),
                (0, vec![0xB2, 121, 0]),
                (0, vec![0xB2, 64, 127]),
                (0, vec![0xB2, 64, 0]),
                (0, vec![0xB2, 123, 0]),
            ]
        );
    }

    #[test]
    fn params_go_through_their_profile() {
        let profile = super::super::builtin::builtin("generic_analog");
        let mut v = Voicing::new(1, 1, profile);
        let mut out = Vec::new();
        let idx = |name| v.profile().unwrap().param(name).unwrap().0 as u16;
        let (cutoff, wheel) = (idx("cutoff"), idx("mod_wheel"));
        v.event(
            OutEvent::Param {
                param: cutoff,
                value: 0.5,
                glide: 0,
            },
            &mut out,
        );
        v.event(
            OutEvent::Param {
                param: wheel,
                value: 0.5,
                glide: 0,
            },
            &mut out,
        );
        v.event(OutEvent::Channel(ChannelMessage::Bend(0.0)), &mut out);
        assert_eq!(
            bytes(&out),
            [
                (0, vec![0xB0, 74, 32]),
                (0, vec![0xB0, 1, 64]),
                (0, vec![0xB0, 33, 0]),
                (0, vec![0xE0, 0, 64]),
            ]
        );
    }
}
