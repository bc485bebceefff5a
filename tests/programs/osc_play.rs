//! OSC with real outside clients against a running `chronus play`: liblo's `oscsend` builds
//! `sine -> vca -> output`, commits and changes the frequency with `/mod`; `oscdump`,
//! registered with `/reply`, receives `/patch/committed` and `/status.reply`; the
//! recording (`--host null --record`) shows the frequency change.

use std::time::{Duration, Instant};

use crate::support::chronus::chronus_cmd;
use crate::support::osc::{free_port, osc_port, oscdump, oscsend};
use crate::support::process::{programs_available, Proc, READY_TIMEOUT};
use crate::support::temp::TempDir;
use chronus_modules::analysis::{peak, zero_crossing_frequency};

const SR: f32 = 48_000.0;

#[test]
fn oscsend_builds_a_patch_and_oscdump_hears_the_replies() {
    if !programs_available(
        "oscsend_builds_a_patch_and_oscdump_hears_the_replies",
        &["oscsend", "oscdump"],
    ) {
        return;
    }
    let dir = TempDir::new("osc_play");
    let empty = dir.join("empty.ron");
    std::fs::write(&empty, "(modules: {}, connections: [])").unwrap();
    let wav = dir.join("played.wav");

    let dump_port = free_port();
    let mut dump = oscdump(dump_port);
    let mut player = Proc::spawn(
        "chronus play",
        chronus_cmd(&[
            "play",
            empty.to_str().unwrap(),
            "--host",
            "null",
            "--record",
            wav.to_str().unwrap(),
            "--seconds",
            "4",
        ]),
    )
    .graceful_on_drop();
    let port = osc_port(&mut player);

    let started = Instant::now();
    oscsend(port, &["/reply", "is", &dump_port.to_string(), "host"]);
    oscsend(
        port,
        &["/patch/create", "sssf", "osc", "sine", "freq", "440"],
    );
    oscsend(
        port,
        &["/patch/create", "sssf", "amp", "vca", "gain", "0.25"],
    );
    oscsend(port, &["/patch/connect", "ss", "osc.out", "amp.in"]);
    oscsend(port, &["/patch/connect", "ss", "amp.out", "output.left"]);
    oscsend(port, &["/patch/connect", "ss", "amp.out", "output.right"]);
    oscsend(port, &["/patch/commit"]);
    std::thread::sleep(Duration::from_millis(1_200).saturating_sub(started.elapsed()));
    oscsend(port, &["/mod/osc/freq", "f", "880"]);
    oscsend(port, &["/status"]);
    dump.wait_output(READY_TIMEOUT, "/patch/committed and /status.reply", |o| {
        let text = o.text();
        text.contains("/patch/committed i 2") && text.contains("/status.reply")
    });
    let status = player.wait_exit(READY_TIMEOUT, "--seconds 4");
    assert!(status.success(), "{}", player.output.text());

    // The recording: silence, then 440 Hz, then 880 Hz after /mod, then the stop fade.
    let (_, channels) = chronus::host::wav::read_wav(&wav).unwrap();
    let left = &channels[0];
    let onset = left
        .iter()
        .position(|x| x.abs() > 0.01)
        .expect("the committed patch never sounded");
    let first = &left[onset + 2_400..onset + 2_400 + 9_600];
    let f1 = zero_crossing_frequency(first, SR).unwrap();
    assert!((f1 - 440.0).abs() < 1.0, "first {f1} Hz");
    assert!((peak(first) - 0.25).abs() < 0.01);
    let end = left.len() - 4_800; // before the 50 ms stop fade
    let last = &left[end - 9_600..end];
    let f2 = zero_crossing_frequency(last, SR).unwrap();
    assert!((f2 - 880.0).abs() < 1.0, "last {f2} Hz");
}
