//! The MIDI output part of `chronus devices`: destination ports on the ALSA sequencer and
//! on JACK, and the built-in CC profiles. Whatever is missing is one line.

use std::fmt::Write;

use super::builtin::{builtin, BUILTIN};

/// Appends the MIDI output listing to `out`.
pub fn report(out: &mut String) {
    let _ = writeln!(out, "MIDI outputs (ALSA sequencer, via midir):");
    match super::alsa_output::list() {
        Ok(ports) if ports.is_empty() => {
            let _ = writeln!(out, "  no MIDI output ports");
        }
        Ok(ports) => {
            for p in ports {
                let _ = writeln!(out, "  output \"{p}\"");
            }
        }
        Err(e) => {
            let _ = writeln!(out, "  unavailable: {e}");
        }
    }
    #[cfg(feature = "jack")]
    {
        let _ = writeln!(
            out,
            "MIDI outputs (JACK, with --host jack or --midi-host jack):"
        );
        match jack::Client::new("chronus_devices_out", jack::ClientOptions::NO_START_SERVER) {
            Ok((client, _)) => {
                let ports = super::jack_output::list(&client);
                if ports.is_empty() {
                    let _ = writeln!(out, "  no MIDI destination ports");
                }
                for p in ports {
                    let _ = writeln!(out, "  output \"{p}\"");
                }
            }
            Err(e) => {
                let _ = writeln!(out, "  unavailable: {e} (no JACK server running)");
            }
        }
    }
    let _ = writeln!(out, "CC profiles (built in):");
    for id in BUILTIN {
        if let Some(p) = builtin(id) {
            let _ = writeln!(out, "  {id}: {} ({} params)", p.name, p.params.len());
        }
    }
}
