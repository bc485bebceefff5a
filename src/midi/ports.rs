//! Which MIDI source ports to play from: `--midi-in NAME` (a substring of the port name,
//! any case), `all`, or by default the first port that is not a "Through" port or the
//! ALSA "System" client (timer/announce) — whatever keyboard or controller is plugged in.

/// What `--midi-in` asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortChoice {
    /// The first port that is not a Through/System port.
    Default,
    /// Every such port.
    All,
    /// Ports whose name contains this (any case); the first one found.
    Name(String),
}

impl PortChoice {
    /// `all` → [`PortChoice::All`], anything else a name.
    pub fn parse(text: &str) -> PortChoice {
        if text.eq_ignore_ascii_case("all") {
            PortChoice::All
        } else {
            PortChoice::Name(text.to_string())
        }
    }

    /// The ports of `available` (in their order) this choice plays from.
    pub fn select<'a>(&self, available: &'a [String]) -> Vec<&'a String> {
        let real = available.iter().filter(|p| !is_system_port(p));
        match self {
            PortChoice::Default | PortChoice::All => real.take(self.most_ports()).collect(),
            PortChoice::Name(want) => {
                let want = want.to_lowercase();
                available
                    .iter()
                    .filter(|p| p.to_lowercase().contains(&want))
                    .take(self.most_ports())
                    .collect()
            }
        }
    }

    /// How many ports this choice plays from at once, at most (`usize::MAX`: every one).
    pub fn most_ports(&self) -> usize {
        match self {
            PortChoice::All => usize::MAX,
            PortChoice::Default | PortChoice::Name(_) => 1,
        }
    }

    /// How logs name it.
    pub fn describe(&self) -> String {
        match self {
            PortChoice::Default => "the first MIDI port that is not Through/System".into(),
            PortChoice::All => "every MIDI port".into(),
            PortChoice::Name(n) => format!("a MIDI port matching \"{n}\""),
        }
    }
}

/// Ports nobody plays on: ALSA's "Midi Through" loopback and its "System" client.
pub fn is_system_port(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.contains("through")
        || lower.starts_with("system:timer")
        || lower.starts_with("system:announce")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_skips_through_and_system_ports() {
        let ports: Vec<String> = [
            "Midi Through:Midi Through Port-0 14:0",
            "System:Timer 0:0",
            "Teensy MIDI:Teensy MIDI MIDI 1 20:0",
            "Keystation:Keystation MIDI 1 24:0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(PortChoice::Default.select(&ports), vec![&ports[2]]);
        assert_eq!(PortChoice::All.select(&ports), vec![&ports[2], &ports[3]]);
        assert_eq!(PortChoice::parse("keyst").select(&ports), vec![&ports[3]]);
        assert_eq!(PortChoice::parse("ALL"), PortChoice::All);
        assert!(PortChoice::parse("nothing").select(&ports).is_empty());
    }
}
