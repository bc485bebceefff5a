//! The audio side of Link under `assert_no_alloc`: `LinkTimeline::at_host` (Link's
//! audio-thread capture and the host-time filter, on a host clock that runs as if the blocks
//! were played in real time) and the sequencer following the
//! timeline inside `Engine::process`, through session tempo changes and transport moves;
//! the MIDI clock it sends meanwhile (the outbound ring) follows the session's tempo.

use std::sync::Arc;
use std::time::Duration;

use assert_no_alloc::assert_no_alloc;
#[cfg(debug_assertions)]
use assert_no_alloc::{reset_violation_count, violation_count};
use chronus::engine::{ClockMessage, OutEvent};
use chronus::seq::SeqCommand;
use chronus::sync::link::{LinkTimeline, OutputLatency};
use rusty_link::{AblLink, SessionState};

use crate::support::engine::{engine, SR};

const PATCH: &str = r#"(
    instruments: { "a": (count: 1, connections: [("note.gate", "output.left")]) },
    connections: [("a.left", "output.left")],
    sequence: (
        bpm: 120, swing: 0.2, density: 1.0, drift: 0.0,
        tracks: { "t": (instrument: "a", pattern: "0 2 4 7", gate: 0.5) },
        mutation: (max_changes_per_cycle: 0),
        idle: (timeout: 0),
    ),
)"#;

/// Sets the session's tempo at host time `at` from an application thread (as a peer
/// would). The host time is the blocks' (below), not the real clock's: the blocks run
/// much faster than real time, and a change stamped with the real clock would lie
/// seconds in the blocks' past, moving the beat they read by a varying amount (how fast
/// the test ran), so a varying number of ticks waited for their place in the quantum.
fn set_tempo(link: &AblLink, bpm: f64, at: i64) {
    let mut s = SessionState::new();
    link.capture_app_session_state(&mut s);
    s.set_tempo(bpm, at);
    link.commit_app_session_state(&s);
}

#[test]
fn the_audio_side_of_link_allocates_nothing_through_tempo_and_transport_moves() {
    #[cfg(debug_assertions)]
    reset_violation_count();
    // Not enabled: no network, the same session state and capture paths.
    let link = Arc::new(AblLink::new(120.0));
    let latency = OutputLatency::new(Duration::from_millis(12));
    let mut source = LinkTimeline::new(link.clone(), latency.clone(), 4.0);
    let (mut e, mut c) = engine(PATCH);
    let mut ring = e.take_outbound().unwrap();
    c.want_clock();
    let (mut l, mut r) = (vec![0.0; 256], vec![0.0; 256]);
    // The host clock as if the blocks were played in real time from `base`, where the
    // session's beat 0 is: the same ticks every run.
    let base = link.clock_micros();
    let host = |sample: u64| base + (sample as f64 * 1e6 / SR as f64) as i64;
    let mut s = SessionState::new();
    link.capture_app_session_state(&mut s);
    s.force_beat_at_time(0.0, base, 4.0);
    link.commit_app_session_state(&s);
    let mut ticks = Vec::new();
    let mut block = |e: &mut chronus::engine::Engine, n: usize, ticks: &mut Vec<u64>| {
        for _ in 0..n {
            assert_no_alloc(|| {
                let sample = e.sample_time();
                let t = source.at_host(sample, host(sample));
                e.set_timeline(Some(t));
                e.process(&mut l, &mut r);
            });
            while let Ok(ev) = ring.pop() {
                if ev.event == OutEvent::Clock(ClockMessage::Tick) {
                    ticks.push(ev.time);
                }
            }
        }
    };
    block(&mut e, 200, &mut ticks);
    // The player sets the latency once the stream's buffer is known.
    latency.set(Duration::from_micros(12_667));
    block(&mut e, 200, &mut ticks);
    set_tempo(&link, 90.0, host(e.sample_time()));
    block(&mut e, 400, &mut ticks);
    for cmd in [
        SeqCommand::Stop,
        SeqCommand::Continue,
        SeqCommand::Stop,
        SeqCommand::Start,
    ] {
        c.sequencer_command(cmd, None).unwrap();
        block(&mut e, 100, &mut ticks);
    }
    set_tempo(&link, 150.0, host(e.sample_time()));
    block(&mut e, 400, &mut ticks);
    #[cfg(debug_assertions)]
    assert_eq!(violation_count(), 0, "allocation on the audio thread");
    // The last ticks are 150 BPM's: 800 samples apart at 48 kHz (±1 for the host-time
    // fit's rounding).
    assert!(ticks.len() > 100, "{} ticks", ticks.len());
    eprintln!("{} ticks", ticks.len());
    let spt = SR as f64 * 60.0 / (150.0 * 24.0);
    for w in ticks[ticks.len() - 20..].windows(2) {
        let gap = (w[1] - w[0]) as f64;
        assert!(
            (gap - spt).abs() <= 1.0,
            "tick gap {gap}, want {spt}: {ticks:?}"
        );
    }
}

/// The output latency set after the timeline is built (as the player does once the stream
/// reports or measures its buffer) moves the beat heard at a sample by exactly that much.
#[test]
fn the_output_latency_set_later_moves_the_heard_beat_by_that_much() {
    let link = Arc::new(AblLink::new(120.0));
    let latency = OutputLatency::default();
    let mut source = LinkTimeline::new(link.clone(), latency.clone(), 4.0);
    let base = link.clock_micros();
    let host = |sample: u64| base + (sample as f64 * 1e6 / SR as f64) as i64;
    // Feed the host-time filter a steady clock, then read one sample both ways.
    let mut sample = 0;
    for _ in 0..600 {
        source.at_host(sample, host(sample));
        sample += 256;
    }
    let before = source.at_host(sample, host(sample)).beat;
    latency.set(Duration::from_micros(12_667));
    let after = source.at_host(sample, host(sample)).beat;
    // 12.667 ms at 120 BPM: 0.025334 beats.
    let want = 0.012_667 * 120.0 / 60.0;
    assert!(
        ((after - before) - want).abs() < 1e-4,
        "beat moved by {} (want {want})",
        after - before
    );
}
