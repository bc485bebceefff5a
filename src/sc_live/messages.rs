//! OSC for scsynth: packets, bundles and time tags from wall-clock nanoseconds.

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

use crate::patch::one_line;

/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
pub const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// The OSC "immediately" time tag.
pub const IMMEDIATELY: OscTime = OscTime {
    seconds: 0,
    fractional: 1,
};

/// The OSC time tag of `unix_ns` nanoseconds since the Unix epoch (NTP era 0).
pub fn time_tag(unix_ns: u64) -> OscTime {
    let secs = unix_ns / 1_000_000_000;
    let frac = ((unix_ns % 1_000_000_000) as u128 * (1u128 << 32) / 1_000_000_000) as u32;
    OscTime {
        seconds: (secs + NTP_UNIX_OFFSET) as u32,
        fractional: frac,
    }
}

/// One message.
pub fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.to_string(),
        args,
    })
}

/// `packet`'s bytes.
pub fn encode(packet: &OscPacket) -> Vec<u8> {
    rosc::encoder::encode(packet).expect("OSC encoding of plain values")
}

/// A bundle of `content` at `tag`, as bytes.
pub fn bundle(tag: OscTime, content: Vec<OscPacket>) -> Vec<u8> {
    encode(&OscPacket::Bundle(OscBundle {
        timetag: tag,
        content,
    }))
}

/// The strings, ints and floats of a reply as one line of text (`/fail "/s_new" "SynthDef
/// not found"` → `/s_new SynthDef not found`): control characters escaped (`\n`), a blob
/// shown by its size.
pub fn args_text(args: &[OscType]) -> String {
    args.iter()
        .map(|a| match a {
            OscType::String(s) => one_line(s),
            OscType::Int(i) => i.to_string(),
            OscType::Float(f) => f.to_string(),
            OscType::Blob(b) => format!("<blob of {} bytes>", b.len()),
            other => format!("{other:?}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_tags_count_from_1900_in_32_32() {
        let t = time_tag(1_500_000_000);
        assert_eq!(t.seconds as u64, NTP_UNIX_OFFSET + 1);
        assert_eq!(t.fractional, 1 << 31);
        // Round trip through rosc's own conversion to SystemTime.
        let back = std::time::SystemTime::from(time_tag(1_700_000_000_250_000_000));
        let ns = back
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i128;
        assert!((ns - 1_700_000_000_250_000_000).abs() < 2, "{ns}");
    }
}
