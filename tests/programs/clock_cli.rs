//! MIDI clock options through the real binary: clock in and out on one port are refused
//! in one line, exit 1, from the command line (`--clock-in`/`--clock-out`) and from a
//! config's `clock` section (with the entry's position); nothing starts.

use crate::support::chronus::run_chronus;
use crate::support::temp::TempDir;

#[test]
fn clock_in_and_out_on_one_port_are_refused_in_one_line() {
    let (status, output) = run_chronus(&[
        "play",
        "--host",
        "null",
        "--no-osc",
        "--clock-in",
        "tr-8",
        "--clock-out",
        "NTS-1",
        "--clock-out",
        "TR-8",
        "--seconds",
        "1",
    ]);
    assert_eq!(status.code(), Some(1), "{}", output.text());
    let lines = output.stderr();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("MIDI clock in and out on one port")
            && lines[0].contains("\"tr-8\" follows, \"TR-8\" sends"),
        "{lines:?}"
    );

    let dir = TempDir::new("clock_cli");
    let config = dir.join("clock.ron");
    std::fs::write(
        &config,
        "(\n    clock: (out: [\"NTS-1\", \"TR-8 out\"], follow: Some(\"tr-8\")),\n)\n",
    )
    .unwrap();
    let (status, output) = run_chronus(&[
        "play",
        "--host",
        "null",
        "--no-osc",
        "--config",
        config.to_str().unwrap(),
        "--seconds",
        "1",
    ]);
    assert_eq!(status.code(), Some(1), "{}", output.text());
    let lines = output.stderr();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("clock.ron:2:28: MIDI clock in and out on one port"),
        "{lines:?}"
    );
}
