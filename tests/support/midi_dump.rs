//! jackd2's `jack_midi_dump` as a real outside JACK client recording the MIDI it
//! receives, with absolute frame times (`-a`): its client is `midi-monitor`, its port
//! `midi-monitor:input`.

use super::jack::JackServer;
use super::process::Proc;

/// `jack_midi_dump -a` on `server`, stopped gracefully on drop.
pub fn dump(server: &JackServer) -> Proc {
    let mut cmd = server.cmd("jack_midi_dump");
    cmd.arg("-a");
    Proc::spawn("jack_midi_dump", cmd).graceful_on_drop()
}

/// The dump's events: `  49952: 90 3c 40 note on ...` → (frame, bytes).
pub fn events(p: &Proc) -> Vec<(u64, Vec<u8>)> {
    p.output
        .stdout()
        .iter()
        .filter_map(|l| {
            let (frame, rest) = l.trim().split_once(':')?;
            let frame = frame.trim().parse().ok()?;
            let bytes: Vec<u8> = rest
                .split_whitespace()
                .map_while(|w| u8::from_str_radix(w, 16).ok().filter(|_| w.len() == 2))
                .collect();
            (!bytes.is_empty()).then_some((frame, bytes))
        })
        .collect()
}
