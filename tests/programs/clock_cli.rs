//! Clock options through the real binary: clock in and out on one port are refused in one
//! line, exit 1, from the command line (`--clock-in`/`--clock-out`) and from a config's
//! `clock` section (with the entry's position); Ableton Link with a MIDI clock to follow
//! is refused the same way, and so is Link in a build without the `link` feature, from
//! `--link` and from the config's `link` section; a `link.quantum` outside 1 ..= 16 is
//! refused with its position in the config file. Nothing starts.

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

/// Runs `chronus play` on the null host for a second with `args` added, and returns the
/// one line it printed, having checked it failed with exit code 1.
fn refused_play(args: &[&str]) -> String {
    let mut all = vec![
        "play",
        "--host",
        "null",
        "--no-osc",
        "--no-http",
        "--seconds",
        "1",
    ];
    all.extend_from_slice(args);
    let (status, output) = run_chronus(&all);
    assert_eq!(status.code(), Some(1), "{args:?}: {}", output.text());
    let lines = output.stderr();
    assert_eq!(lines.len(), 1, "{args:?}: {lines:?}");
    lines[0].clone()
}

#[test]
fn link_with_a_midi_clock_to_follow_is_refused_in_one_line() {
    let line = refused_play(&["--link", "--clock-in", "tr-8"]);
    assert!(
        line.contains("error: Ableton Link (--link, config `link`)")
            && line.contains("both Link and the MIDI clock of \"tr-8\""),
        "{line}"
    );
}

#[cfg(not(feature = "link"))]
#[test]
fn link_in_a_build_without_the_feature_is_refused_in_one_line() {
    let expected = "error: Ableton Link (--link, config `link`): this build has no Link \
                    support (build with `cargo build --features link`)";
    assert_eq!(refused_play(&["--link"]), expected);

    let dir = TempDir::new("clock_cli_link");
    let config = dir.join("link.ron");
    std::fs::write(&config, "(\n    link: (enabled: true),\n)\n").unwrap();
    assert_eq!(
        refused_play(&["--config", config.to_str().unwrap()]),
        expected
    );
}

#[test]
fn a_link_quantum_out_of_range_is_refused_with_its_position() {
    let dir = TempDir::new("clock_cli_quantum");
    let config = dir.join("link.ron");
    for quantum in ["0.5", "17.0"] {
        std::fs::write(
            &config,
            format!("(\n    link: (enabled: true, quantum: {quantum}),\n)\n"),
        )
        .unwrap();
        let line = refused_play(&["--config", config.to_str().unwrap()]);
        assert!(
            line.contains(&format!(
                "link.ron:2:36: quantum {} is out of range 1 .. 16",
                quantum.trim_end_matches(".0")
            )),
            "{line}"
        );
    }
}
