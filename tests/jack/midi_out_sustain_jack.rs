//! The sustain pedal of an external synth on the wire (`chronus play --host jack`, a
//! private JACK dummy server, `jack_midi_dump` as the synth; the NTS-1 on channel 2):
//! - CC 64 from OSC `/midi/cc` (routed like a MIDI port's) reaches the synth as CC 64 on
//!   the instrument's channel (`b1 40 7f`, `b1 40 00`), in order with the notes;
//! - `/note/panic` with the pedal down: the held note's note-off, the pedal lifted
//!   (CC 64 = 0), all sound off (CC 120), all notes off (CC 123), in that order;
//! - the stop (SIGTERM) with the pedal down and a note held: its note-off, the pedal
//!   lifted, all notes off: nothing keeps ringing on the synth.
#![cfg(feature = "jack")]

use std::time::{Duration, Instant};

use super::midi_out_jack::{held_patch, play, wait_line};
use crate::support::jack::{jack_test_lock, JackServer};
use crate::support::midi_dump::{dump, events};
use crate::support::osc::{osc_port, oscsend};
use crate::support::process::{programs_available, step, Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;

/// Waits until the dump has received `bytes` after its first `from` events.
fn wait_bytes(d: &mut Proc, from: usize, bytes: &[u8], what: &str) {
    let until = Instant::now() + READY_TIMEOUT;
    while !events(d)[from.min(events(d).len())..]
        .iter()
        .any(|(_, b)| b[..] == *bytes)
    {
        assert!(
            Instant::now() < until,
            "{what} ({bytes:02x?}) never arrived: {:?}",
            &events(d)[from.min(events(d).len())..]
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The bytes the dump received after its first `from` events, in order.
fn since(d: &Proc, from: usize) -> Vec<Vec<u8>> {
    events(d)[from..].iter().map(|(_, b)| b.clone()).collect()
}

#[test]
fn sustain_reaches_the_synth_and_stop_and_panic_lift_it() {
    if !programs_available(
        "midi_out_sustain",
        &["jackd", "jack_lsp", "jack_midi_dump", "oscsend"],
    ) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let server = JackServer::start("midisustain");
    let dir = TempDir::new("midi_out_sustain");
    let path = dir.join("held.ron");
    std::fs::write(&path, held_patch("midi-monitor")).unwrap();
    let path = path.display().to_string();
    let mut d = dump(&server);
    let mut player = play(&server, &path, &[]);
    let port = osc_port(&mut player);
    wait_line(
        &mut player,
        "MIDI out: \"midi-monitor\" -> midi-monitor:input (jack)",
        1,
    );
    // Each message well apart from the last (the CC throttle is 10 ms per controller).
    let send = |args: &[&str]| {
        oscsend(port, args);
        std::thread::sleep(Duration::from_millis(150));
    };

    // The pedal from MIDI (channel 1 in, the synth's channel 2 out), around a note.
    let start = events(&d).len();
    send(&["/midi/cc", "iii", "1", "64", "127"]);
    send(&["/note/on", "iis", "50", "100", "nts1"]);
    send(&["/note/off", "is", "50", "nts1"]);
    send(&["/midi/cc", "iii", "1", "64", "0"]);
    wait_bytes(&mut d, start, &[0xB1, 64, 0], "the pedal up");
    assert_eq!(
        since(&d, start),
        [
            vec![0xB1, 64, 127],
            vec![0x91, 50, 100],
            vec![0x81, 50, 64],
            vec![0xB1, 64, 0],
        ],
        "the pedal and the note on the synth's channel, in order"
    );
    step(t, "CC 64 down and up on channel 2 around the note");

    // Panic with the pedal down and a note held.
    let start = events(&d).len();
    send(&["/midi/cc", "iii", "1", "64", "127"]);
    send(&["/note/on", "iis", "52", "100", "nts1"]);
    send(&["/note/panic"]);
    wait_bytes(
        &mut d,
        start,
        &[0xB1, 123, 0],
        "all notes off after the panic",
    );
    assert_eq!(
        since(&d, start),
        [
            vec![0xB1, 64, 127],
            vec![0x91, 52, 100],
            vec![0x81, 52, 64],
            vec![0xB1, 64, 0],
            vec![0xB1, 120, 0],
            vec![0xB1, 123, 0],
        ],
        "the panic: note-off, pedal up, all sound off, all notes off"
    );
    step(t, "panic: note-off, pedal up, CC 120, CC 123");

    // The stop with the pedal down and a note held.
    let start = events(&d).len();
    send(&["/midi/cc", "iii", "1", "64", "127"]);
    send(&["/note/on", "iis", "55", "100", "nts1"]);
    wait_bytes(&mut d, start, &[0x91, 55, 100], "the held note");
    player.signal("TERM");
    player.wait_exit(READY_TIMEOUT, "chronus stopping");
    wait_bytes(&mut d, start, &[0xB1, 123, 0], "all notes off at the stop");
    assert_eq!(
        since(&d, start),
        [
            vec![0xB1, 64, 127],
            vec![0x91, 55, 100],
            vec![0x81, 55, 64],
            vec![0xB1, 64, 0],
            vec![0xB1, 123, 0],
        ],
        "the stop: note-off, pedal up, all notes off"
    );
    step(t, "stop: note-off, pedal up, CC 123");
}
