//! scsynth's sound back in Chronus's main graph survives the JACK server dying: the
//! player of `sc_return_jack` (a `supercollider` instrument whose left goes through a vca
//! at 0.5, its right straight out), the private JACK dummy server killed with SIGKILL and
//! started again under the same name. The player reopens its stream, the supervision
//! starts scsynth again on the new server, and the return client `chronus_sc_return`
//! opens again by itself (one warning line when it is lost, one info line when it is
//! back) with fresh rings: Chronus's outputs are again scsynth's × the main graph's gain
//! exactly one JACK period later, as `jack_rec` records them.
#![cfg(feature = "jack")]

use std::time::{Duration, Instant};

use crate::support::jack::{jack_test_lock, JackServer};
use crate::support::process::{programs_available, step};
use crate::support::temp::TempDir;

use super::sc_live_jack::{config, patch, play, wait_line};
use super::sc_return_jack::{check_return, finish, MAIN};

#[test]
fn scsynth_comes_back_into_the_main_graph_after_the_jack_server_restarts() {
    if !programs_available(
        "sc_return_restart",
        &["jackd", "jack_lsp", "jack_rec", "scsynth"],
    ) {
        return;
    }
    let _serial = jack_test_lock();
    let t = Instant::now();
    let mut server = JackServer::start("sc_return_restart");
    let dir = TempDir::new("sc_return_restart");
    let patch = patch(&dir, MAIN);
    let (config, port) = config(&dir);
    let mut player = play(&server, &patch, &config, &[]);
    wait_line(
        &mut player,
        "scsynth's output comes back into the main graph through chronus_sc_return:in_1",
    );
    wait_line(
        &mut player,
        &format!("SuperCollider server 127.0.0.1:{port} is up"),
    );
    step(t, &check_return(&server, &dir, "before"));

    // The server crashes: no shutdown message to its clients.
    server.kill_hard();
    step(t, "JACK server killed (SIGKILL)");
    // Let the player notice the loss before the server is back (a gap, not a wait).
    std::thread::sleep(Duration::from_secs(1));
    server.restart();
    step(t, "JACK server up again under the same name");
    wait_line(
        &mut player,
        "SuperCollider backend: the JACK server went away; chronus_sc_return",
    );
    wait_line(
        &mut player,
        "SuperCollider backend: chronus_sc_return is open again (the JACK server is back)",
    );
    wait_line(&mut player, "is back (restart");
    step(t, "the return client and scsynth are back");
    step(t, &check_return(&server, &dir, "after the JACK restart"));
    let text = player.output.text();
    assert_eq!(
        text.matches("the JACK server went away; chronus_sc_return")
            .count(),
        1,
        "one warning line for the lost return:\n{text}"
    );
    assert_eq!(
        text.matches("chronus_sc_return is open again").count(),
        1,
        "one info line for its return:\n{text}"
    );
    finish(player);
}
