//! The HTTP API of a running player with real clients: `curl` for requests, Debian's
//! Python 3 (`/usr/bin/python3`, with `python3-prometheus-client` and `python3-websockets`)
//! for the Prometheus parser and the WebSocket client, `promtool` (Debian `prometheus`) to
//! check the metrics text; the address the player reports.

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use super::process::{programs_available, Proc, READY_TIMEOUT};

/// Debian's Python, whose modules the `python3-*` packages install (a `python3` earlier on
/// PATH, such as pyenv's, may lack them).
pub const PYTHON: &str = "/usr/bin/python3";

/// The address the player's HTTP API reports in `HTTP on http://ADDR`.
pub fn http_addr(player: &mut Proc) -> SocketAddr {
    player.wait_output(READY_TIMEOUT, "the HTTP API's address", |o| {
        o.stderr().iter().any(|l| l.contains("HTTP on http://"))
    });
    let line = player
        .output
        .stderr()
        .into_iter()
        .find(|l| l.contains("HTTP on http://"))
        .unwrap();
    let addr = line.split("HTTP on http://").nth(1).unwrap();
    addr.split_whitespace().next().unwrap().parse().unwrap()
}

/// `curl` with `method` on `http://addr/path` (with `body` for POST): (status, body).
pub fn curl(addr: SocketAddr, method: &str, path: &str, body: Option<&[u8]>) -> (u16, String) {
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "-X",
        method,
        "-w",
        "\n%{http_code}",
        "--max-time",
        "10",
    ]);
    if body.is_some() {
        cmd.args([
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            "@-",
        ]);
    }
    cmd.arg(format!("http://{addr}{path}"));
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run curl");
    {
        let mut stdin = child.stdin.take().unwrap();
        if let Some(b) = body {
            stdin.write_all(b).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "curl {method} {path} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.trim().parse().unwrap(), body.to_string())
}

/// `curl` GET answering 200; its body.
pub fn get(addr: SocketAddr, path: &str) -> String {
    let (code, body) = curl(addr, "GET", path, None);
    assert_eq!(code, 200, "GET {path}: {body}");
    body
}

/// POSTs JSON; (status, parsed answer).
pub fn post_json(addr: SocketAddr, path: &str, body: &str) -> (u16, serde_json::Value) {
    let (code, text) = curl(addr, "POST", path, Some(body.as_bytes()));
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("POST {path} answered {code} with non-JSON {text:?}: {e}"));
    (code, value)
}

/// True when curl, Debian's Python and its `modules` are there (else SKIPPED, or a failure
/// under `CHRONUS_REQUIRE_INTEGRATION=1`).
pub fn http_clients_available(test: &str, modules: &[&str]) -> bool {
    if !programs_available(test, &["curl"]) {
        return false;
    }
    for m in modules {
        let ok = Command::new(PYTHON)
            .args(["-c", &format!("import {m}")])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let msg = format!(
                "SKIPPED: {PYTHON} cannot import {m} (test {test}; Debian python3-{})",
                m.replace('_', "-")
            );
            if std::env::var("CHRONUS_REQUIRE_INTEGRATION").as_deref() == Ok("1") {
                panic!("{msg}; CHRONUS_REQUIRE_INTEGRATION=1 requires it");
            }
            eprintln!("\n*** {msg} ***\n");
            return false;
        }
    }
    true
}

/// Runs Python `script` with `args`, bounded; (success, stdout, stderr).
pub fn python(script: &str, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(PYTHON);
    cmd.arg("-c").arg(script).args(args);
    let mut p = Proc::spawn("python3", cmd);
    let status = p.wait_exit(READY_TIMEOUT * 3, "the Python client to finish");
    let out = p.output.clone();
    (
        status.success(),
        out.stdout().join("\n"),
        out.stderr().join("\n"),
    )
}
