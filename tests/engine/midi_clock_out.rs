//! The sequencer's MIDI clock inside the real engine, as it leaves by the outbound ring: every tick (0xF8) on its exact
//! sample whatever the block size and the swing, tempo changes from the next tick on,
//! START/STOP/CONTINUE/SPP in their order and at their samples, zero drift at tempos
//! whose tick is not a whole number of samples; all of it with every `Engine::process`
//! call under `assert_no_alloc`.

use crate::support::engine::{engine, SR};

use assert_no_alloc::assert_no_alloc;
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::address::InstrumentKey;
use chronus::control::Controller;
use chronus::engine::{Engine, OutEvent, OutboundEvent};
use chronus::seq::midi_clock::{ClockEvent, ClockMessage};
use chronus::seq::SeqCommand;
use rtrb::Consumer;

/// One instrument, a swung 1/16 pattern; `BPM` is replaced per test.
const PATCH: &str = r#"(
    instruments: { "a": (count: 1, connections: [("note.gate", "output.left")]) },
    connections: [("a.left", "output.left")],
    sequence: (
        bpm: BPM, swing: 0.5, density: 1.0, drift: 0.0,
        tracks: { "lead": (instrument: "a", pattern: "0 2 4 7", gate: 0.5) },
        mutation: (max_changes_per_cycle: 0),
        idle: (timeout: 0),
    ),
)"#;

/// The engine, its controller (the clock wanted) and the outbound ring the clock leaves by.
fn rig(bpm: &str) -> (Engine, Controller, Consumer<OutboundEvent>) {
    let (mut e, c) = engine(&PATCH.replace("BPM", bpm));
    let ring = e.take_outbound().expect("the outbound ring");
    c.want_clock();
    (e, c, ring)
}

#[test]
fn no_clock_leaves_the_engine_unless_a_port_wants_it() {
    let (mut e, _c) = engine(&PATCH.replace("BPM", "120"));
    let mut ring = e.take_outbound().expect("the outbound ring");
    let mut out = Vec::new();
    run(&mut e, &mut ring, 10_000, &[64], &mut out);
    assert_eq!(out, []);
}

/// Renders `frames` under assert_no_alloc in blocks cycling through `blocks`, draining
/// the clock messages from the outbound ring after every block.
fn run(
    e: &mut Engine,
    ring: &mut Consumer<OutboundEvent>,
    frames: usize,
    blocks: &[usize],
    out: &mut Vec<ClockEvent>,
) {
    let mut l = vec![0.0; blocks.iter().max().copied().unwrap_or(1)];
    let mut r = l.clone();
    let (mut pos, mut k) = (0, 0);
    while pos < frames {
        let n = blocks[k % blocks.len()].min(frames - pos);
        assert_no_alloc(|| e.process(&mut l[..n], &mut r[..n]));
        while let Ok(ev) = ring.pop() {
            let OutEvent::Clock(message) = ev.event else {
                panic!("not a clock message: {ev:?}");
            };
            assert_eq!(ev.instrument, InstrumentKey::CLOCK);
            out.push(ClockEvent {
                time: ev.time,
                message,
            });
        }
        pos += n;
        k += 1;
    }
}

fn ticks(events: &[ClockEvent]) -> Vec<u64> {
    events
        .iter()
        .filter(|e| e.message == ClockMessage::Tick)
        .map(|e| e.time)
        .collect()
}

#[test]
fn at_120_bpm_every_tick_is_exactly_1000_frames_apart_in_any_block_size() {
    #[cfg(debug_assertions)]
    reset_violation_count();
    for blocks in [&[64usize][..], &[1, 7, 300, 64, 1000], &[256]] {
        let (mut e, c, mut ring) = rig("120");
        let mut out = Vec::new();
        // 10 000 ticks and a bit.
        run(&mut e, &mut ring, 10_000_500, blocks, &mut out);
        assert_eq!(
            out[0],
            ClockEvent {
                time: 0,
                message: ClockMessage::Start
            },
            "START first, on the downbeat"
        );
        let t = ticks(&out);
        assert_eq!(t.len(), 10_001, "blocks {blocks:?}");
        for (k, time) in t.iter().enumerate() {
            assert_eq!(*time, 1_000 * k as u64, "tick {k}, blocks {blocks:?}");
        }
        assert_eq!(out.len(), t.len() + 1, "nothing but START and ticks");
        let status = c.engine().seq_status();
        assert_eq!(
            status
                .clock_dropped
                .load(std::sync::atomic::Ordering::Relaxed),
            0
        );
    }
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation on the audio thread");
}

#[test]
fn a_tempo_change_moves_the_spacing_from_the_next_tick_without_a_phase_jump() {
    #[cfg(debug_assertions)]
    reset_violation_count();
    let (mut e, mut c, mut ring) = rig("120");
    // At sample 10 500, between tick 10 (10 000) and tick 11 (11 000).
    c.sequencer_command(SeqCommand::Bpm(60.0), Some(10_500))
        .unwrap();
    let mut out = Vec::new();
    run(&mut e, &mut ring, 30_000, &[128], &mut out);
    let t = ticks(&out);
    // Tick 11 was already due at the old tempo; from it on, 2000 frames apart.
    let mut want: Vec<u64> = (0..=11).map(|k| 1_000 * k).collect();
    want.extend(
        (1..)
            .map(|j| 11_000 + 2_000 * j)
            .take_while(|t| *t < 30_000),
    );
    assert_eq!(t, want);
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation on the audio thread");
}

#[test]
fn stop_continue_and_start_send_their_bytes_in_order_at_their_samples() {
    #[cfg(debug_assertions)]
    reset_violation_count();
    let (mut e, mut c, mut ring) = rig("120");
    for (cmd, at) in [
        (SeqCommand::Stop, 25_500),
        (SeqCommand::Stop, 26_000), // stopped already: nothing
        (SeqCommand::Continue, 40_000),
        (SeqCommand::Continue, 41_500), // playing: nothing
        (SeqCommand::Start, 45_000),    // playing: nothing
        (SeqCommand::Stop, 50_200),
        (SeqCommand::Position(0), 51_000),
        (SeqCommand::Continue, 60_000), // from zero: no SPP
        (SeqCommand::Stop, 62_100),
        (SeqCommand::Start, 70_000),
    ] {
        c.sequencer_command(cmd, Some(at)).unwrap();
    }
    let mut out = Vec::new();
    run(&mut e, &mut ring, 73_500, &[100, 37, 512], &mut out);
    use ClockMessage::*;
    let mut want = vec![(0, Start)];
    want.extend((0..=25).map(|k| (1_000 * k, Tick)));
    want.push((25_500, Stop));
    // Stopped before tick 26: resumes on the next sixteenth, tick 30 (SPP 5), at once.
    want.extend([(40_000, SongPosition(5)), (40_000, Continue)]);
    want.extend((0..=10).map(|j| (40_000 + 1_000 * j, Tick)));
    want.push((50_200, Stop));
    want.push((60_000, Continue));
    want.extend((0..=2).map(|j| (60_000 + 1_000 * j, Tick)));
    want.push((62_100, Stop));
    want.push((70_000, Start));
    want.extend((0..=3).map(|j| (70_000 + 1_000 * j, Tick)));
    let got: Vec<(u64, ClockMessage)> = out.iter().map(|e| (e.time, e.message)).collect();
    assert_eq!(got, want);
    // The bytes a port sends.
    assert_eq!(SongPosition(5).bytes(), ([0xF2, 5, 0], 3));
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation on the audio thread");
}

#[test]
fn a_patch_without_a_sequence_stops_the_clock() {
    let (mut e, mut c, mut ring) = rig("120");
    let mut out = Vec::new();
    run(&mut e, &mut ring, 5_500, &[64], &mut out);
    let plain = PATCH.split("    sequence:").next().unwrap().to_string() + ")";
    c.load(crate::support::engine::patch(&plain)).unwrap();
    run(&mut e, &mut ring, 20_000, &[64], &mut out);
    let last = out.last().unwrap();
    assert_eq!(last.message, ClockMessage::Stop);
    assert!(
        out.iter()
            .filter(|e| e.message == ClockMessage::Tick)
            .count()
            <= 7
    );
}

/// Tick `k` of a constant tempo (thousandths of a BPM), computed independently.
fn ideal(bpm_milli: u64, k: u64) -> u64 {
    (k as u128 * SR as u128 * 60_000 / (bpm_milli as u128 * 24)) as u64
}

#[test]
fn non_integer_tick_lengths_keep_zero_drift_through_the_engine() {
    #[cfg(debug_assertions)]
    reset_violation_count();
    // 97.3 BPM: 1233.299... frames a tick; 133.7: 897.53...; two simulated minutes each
    // through the engine (ten minutes of the clock alone: `seq::clock`'s unit tests).
    for (bpm, milli) in [("97.3", 97_300), ("133.7", 133_700)] {
        let (mut e, _c, mut ring) = rig(bpm);
        let mut out = Vec::new();
        run(&mut e, &mut ring, 120 * SR as usize, &[1024], &mut out);
        let t = ticks(&out);
        assert!(t.len() > 4_000, "{bpm}: {} ticks", t.len());
        for (k, time) in t.iter().enumerate() {
            assert_eq!(*time, ideal(milli, k as u64), "{bpm} BPM tick {k}");
        }
        let last = ideal(milli, t.len() as u64);
        assert!(last >= 120 * SR as u64, "no tick missing at the end");
    }
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation on the audio thread");
}

#[test]
fn an_external_clock_drives_the_ticks_and_the_own_clock_takes_over_when_it_goes() {
    #[cfg(debug_assertions)]
    reset_violation_count();
    let (mut e, mut c, mut ring) = rig("120");
    c.sequencer_command(SeqCommand::Follow(true), Some(500))
        .unwrap();
    for at in [1_300, 2_203, 3_105] {
        c.sequencer_command(SeqCommand::ClockTick, Some(at))
            .unwrap();
    }
    c.sequencer_command(SeqCommand::Follow(false), Some(4_000))
        .unwrap();
    let mut out = Vec::new();
    run(&mut e, &mut ring, 6_500, &[64, 100], &mut out);
    // Its own tick 0 at 0; then the external ticks exactly; then its own from 4000.
    assert_eq!(ticks(&out), [0, 1_300, 2_203, 3_105, 4_000, 5_000, 6_000]);
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation on the audio thread");
}
