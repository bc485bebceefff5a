//! The appliance's deployment files: `deploy/install.sh` installs into a root (twice: it
//! is idempotent and keeps what the operator edited), and `systemd-analyze verify` accepts
//! `deploy/chronus.service`.

use std::path::Path;
use std::process::Command;

use crate::support::chronus::{CHRONUS, ROOT};
use crate::support::process::programs_available;
use crate::support::temp::TempDir;

fn install(root: &Path) -> std::process::Output {
    Command::new(Path::new(ROOT).join("deploy/install.sh"))
        .arg(CHRONUS)
        .env("DESTDIR", root)
        .env("NO_SYSTEMCTL", "1")
        .env("NO_USERADD", "1")
        .output()
        .expect("run deploy/install.sh")
}

#[test]
fn install_sh_installs_and_is_idempotent_keeping_the_operators_files() {
    let dir = TempDir::new("install_sh");
    let root = dir.path();
    let out = install(root);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [
        "usr/local/bin/chronus",
        "etc/systemd/system/chronus.service",
        "etc/chronus/config.ron",
        "var/lib/chronus/patches/default.ron",
        "var/lib/chronus/patches/generative-pulse.ron",
    ] {
        assert!(root.join(file).is_file(), "{file} was not installed");
    }
    // The operator edits the config and the default patch; a second run keeps both.
    let config = root.join("etc/chronus/config.ron");
    let patch = root.join("var/lib/chronus/patches/default.ron");
    std::fs::write(&config, "( /* mine */ )\n").unwrap();
    let sine = std::fs::read_to_string(Path::new(ROOT).join("patches/sine-test-tone.ron")).unwrap();
    std::fs::write(&patch, &sine).unwrap();
    let out = install(root);
    assert!(
        out.status.success(),
        "second run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "( /* mine */ )\n"
    );
    assert_eq!(std::fs::read_to_string(&patch).unwrap(), sine);
}

#[test]
fn install_sh_refuses_a_missing_binary_in_one_line() {
    let dir = TempDir::new("install_sh_missing");
    let out = Command::new(Path::new(ROOT).join("deploy/install.sh"))
        .arg(dir.join("no-such-chronus"))
        .env("DESTDIR", dir.path())
        .env("NO_SYSTEMCTL", "1")
        .env("NO_USERADD", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("is not an executable"), "{err}");
}

#[test]
fn systemd_analyze_verifies_the_unit() {
    if !programs_available("systemd_analyze_verifies_the_unit", &["systemd-analyze"]) {
        return;
    }
    // The unit names the installed binary; verify checks that ExecStart= is executable,
    // so the copy under test names the binary just built (nothing else changes).
    let dir = TempDir::new("systemd_verify");
    let unit = std::fs::read_to_string(Path::new(ROOT).join("deploy/chronus.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/local/bin/chronus play "));
    let copy = dir.join("chronus.service");
    std::fs::write(&copy, unit.replace("/usr/local/bin/chronus", CHRONUS)).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // `verify` also reports units it cannot find on a machine that does not boot with
    // systemd (a container): only lines about our unit count.
    let ours: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("chronus.service"))
        .collect();
    assert!(ours.is_empty(), "systemd-analyze verify: {text}");
    for key in [
        "Type=notify",
        "WatchdogSec=",
        "Restart=on-failure",
        "User=chronus",
        "SupplementaryGroups=audio",
        "LimitRTPRIO=",
        "LimitMEMLOCK=",
        "--config /etc/chronus/config.ron",
        "/var/lib/chronus",
    ] {
        assert!(unit.contains(key), "the unit lacks {key}");
    }
}
