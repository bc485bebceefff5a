//! `chronus devices`: the audio hosts, each host's output devices with their supported
//! configs, the MIDI input and output ports and the CC profiles. Whatever is missing (no sound card, no JACK server,
//! no ALSA sequencer) is reported in one line, never a panic.

use std::collections::BTreeMap;
use std::fmt::Write;

use cpal::traits::{DeviceTrait, HostTrait};
use cpal::SupportedStreamConfigRange;

use super::cpal_output::device_label;
use super::null_output;

/// The whole listing, as printed by `chronus devices`.
pub fn report() -> String {
    let mut out = String::new();
    let hosts = cpal::available_hosts();
    let names: Vec<String> = hosts
        .iter()
        .map(|h| h.to_string())
        .chain(["null".to_string()])
        .collect();
    let _ = writeln!(out, "audio hosts: {}", names.join(", "));
    for id in hosts {
        let _ = writeln!(out, "host {id}:");
        host_report(&mut out, id);
    }
    let _ = writeln!(
        out,
        "host null:\n  output \"{}\" (no sound card: a timer thread plays {} channels of f32 \
         at any sample rate, --buffer frames a call, default {})",
        null_output::DEVICE,
        null_output::CHANNELS,
        null_output::DEFAULT_BUFFER
    );
    midi_report(&mut out);
    out
}

fn host_report(out: &mut String, id: cpal::HostId) {
    let host = match cpal::host_from_id(id) {
        Ok(h) => h,
        Err(e) => {
            let _ = writeln!(out, "  unavailable: {e}");
            return;
        }
    };
    // cpal's JACK host offers its capture device among the outputs: trust the description.
    let devices: Vec<cpal::Device> = match host.output_devices() {
        Ok(d) => d
            .filter(|d| {
                d.description().map_or(true, |desc| {
                    desc.direction() != cpal::DeviceDirection::Input
                })
            })
            .collect(),
        Err(e) => {
            let _ = writeln!(out, "  unavailable: cannot list devices: {e}");
            return;
        }
    };
    if devices.is_empty() {
        let why = if id.name().eq_ignore_ascii_case("jack") {
            "no JACK server is running (start one, e.g. `jackd -d dummy`, or set JACK_DEFAULT_SERVER)"
        } else {
            "no output devices"
        };
        let _ = writeln!(out, "  {why}");
        return;
    }
    let default = host
        .default_output_device()
        .and_then(|d| d.id().ok())
        .map(|id| id.to_string());
    for device in devices {
        let is_default = default.is_some() && device.id().ok().map(|i| i.to_string()) == default;
        let _ = writeln!(
            out,
            "  output {}{}",
            device_label(&device),
            if is_default { " [default]" } else { "" }
        );
        match device.supported_output_configs() {
            Ok(ranges) => {
                let lines = config_lines(ranges.collect());
                if lines.is_empty() {
                    let _ = writeln!(out, "    no supported configs reported");
                }
                for line in lines {
                    let _ = writeln!(out, "    {line}");
                }
            }
            Err(e) => {
                let _ = writeln!(out, "    configs unavailable: {e}");
            }
        }
    }
}

/// One line per sample-rate range and channel set, listing the formats: e.g.
/// `1-64 ch, 48000 Hz: f32`.
fn config_lines(ranges: Vec<SupportedStreamConfigRange>) -> Vec<String> {
    // (rates, format) -> channel counts
    let mut by_rate_format: BTreeMap<(u32, u32, String), Vec<u16>> = BTreeMap::new();
    for r in &ranges {
        by_rate_format
            .entry((
                r.min_sample_rate(),
                r.max_sample_rate(),
                r.sample_format().to_string(),
            ))
            .or_default()
            .push(r.channels());
    }
    // (channels, rates) -> formats
    let mut lines: BTreeMap<(String, u32, u32), Vec<String>> = BTreeMap::new();
    for ((lo, hi, format), mut channels) in by_rate_format {
        channels.sort_unstable();
        channels.dedup();
        lines
            .entry((channel_list(&channels), lo, hi))
            .or_default()
            .push(format);
    }
    lines
        .into_iter()
        .map(|((channels, lo, hi), formats)| {
            let rates = if lo == hi {
                format!("{lo} Hz")
            } else {
                format!("{lo}-{hi} Hz")
            };
            format!("{channels} ch, {rates}: {}", formats.join(" "))
        })
        .collect()
}

/// `[1, 2, 3, 6]` -> `1-3,6`.
fn channel_list(channels: &[u16]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < channels.len() {
        let start = channels[i];
        let mut end = start;
        while i + 1 < channels.len() && channels[i + 1] == end + 1 {
            i += 1;
            end = channels[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(",")
}

/// The MIDI backend midir serves (we build it without its `jack` feature, which would
/// replace ALSA: see Cargo.toml).
const MIDI_BACKEND: &str = if cfg!(target_os = "linux") {
    "ALSA sequencer"
} else {
    "system MIDI"
};

fn midi_report(out: &mut String) {
    alsa_midi_report(out);
    #[cfg(feature = "jack")]
    jack_midi_report(out);
    crate::midi_out::devices::report(out);
}

/// JACK MIDI source ports (`--midi-host jack`), when a JACK server runs.
#[cfg(feature = "jack")]
fn jack_midi_report(out: &mut String) {
    let _ = writeln!(out, "MIDI inputs (JACK, --midi-host jack):");
    match jack::Client::new("chronus_devices", jack::ClientOptions::NO_START_SERVER) {
        Ok((client, _)) => {
            let ports = crate::midi::jack_input::JackBackend::list(&client);
            if ports.is_empty() {
                let _ = writeln!(out, "  no MIDI source ports");
            }
            for p in ports {
                let _ = writeln!(out, "  input \"{p}\"");
            }
        }
        Err(e) => {
            let _ = writeln!(out, "  unavailable: {e} (no JACK server running)");
        }
    }
}

fn alsa_midi_report(out: &mut String) {
    let _ = writeln!(
        out,
        "MIDI inputs ({MIDI_BACKEND}, via midir, --midi-host alsa):"
    );
    match midir::MidiInput::new("chronus-devices") {
        Ok(input) => {
            let ports = input.ports();
            if ports.is_empty() {
                let _ = writeln!(out, "  no MIDI input ports");
            }
            for port in &ports {
                match input.port_name(port) {
                    Ok(name) => {
                        let _ = writeln!(out, "  input \"{name}\"");
                    }
                    Err(e) => {
                        let _ = writeln!(out, "  input (name unavailable: {e})");
                    }
                }
            }
        }
        Err(e) => {
            let hint = if cfg!(target_os = "linux") {
                " (the ALSA sequencer needs /dev/snd/seq: load snd-seq, or run where ALSA is)"
            } else {
                ""
            };
            let _ = writeln!(out, "  unavailable: {e}{hint}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_lists_are_compact() {
        assert_eq!(channel_list(&[1, 2, 3, 6]), "1-3,6");
        assert_eq!(channel_list(&[2]), "2");
        assert_eq!(channel_list(&(1..=64).collect::<Vec<_>>()), "1-64");
    }
}
