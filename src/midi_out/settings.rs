//! The config's `midi_out` section and how a patch's `midi` instruments become a plan of
//! output ports ([`plan`]).
//!
//! ```ron
//! midi_out: (cc_throttle_ms: 10, queue: 1000),
//! cc_profiles: {"my_synth": (name: "My Synth", params: {"cutoff": (cc: 74, range: (0, 127), curve: "exponential")})},
//! ```

use std::collections::HashMap;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::builtin::{builtin, BUILTIN};
use super::clock_out::ClockOut;
use super::profile::{Profile, ProfileDesc};
use super::queue::{DEFAULT_CAPACITY, DEFAULT_THROTTLE_MS};
use crate::patch::{
    scope, split_param, Backend, MidiBackend, PatchDesc, PatchError, PatchErrorKind, PatchErrors,
    SourceMap,
};

/// The `midi_out` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MidiOutSettings {
    /// Least time between two values of one controller on one port, ms (0–1000).
    pub cc_throttle_ms: u32,
    /// Bound of each port's queue, messages (16–100000).
    pub queue: usize,
    /// Output latency in ms (0–1000): how long after the engine plays an event it goes
    /// out. Absent: two audio buffers + 2 ms (on JACK at least two periods + 2 ms). More
    /// absorbs a loaded machine's scheduling delays (a late message is written late, and
    /// counted in the scheduling-error histogram).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f32>,
}

impl Default for MidiOutSettings {
    fn default() -> Self {
        MidiOutSettings {
            cc_throttle_ms: DEFAULT_THROTTLE_MS,
            queue: DEFAULT_CAPACITY,
            latency_ms: None,
        }
    }
}

impl MidiOutSettings {
    /// What is wrong with the section, by field.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.cc_throttle_ms > 1000 {
            out.push((
                "cc_throttle_ms",
                format!(
                    "cc_throttle_ms {} is out of range 0 .. 1000",
                    self.cc_throttle_ms
                ),
            ));
        }
        if let Some(ms) = self.latency_ms.filter(|ms| !(0.0..=1000.0).contains(ms)) {
            out.push((
                "latency_ms",
                format!("latency_ms {ms} is out of range 0 .. 1000"),
            ));
        }
        if !(16..=100_000).contains(&self.queue) {
            out.push((
                "queue",
                format!("queue {} is out of range 16 .. 100000", self.queue),
            ));
        }
        out
    }
}

/// One `midi` instrument of a patch, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct InstrumentPlan {
    /// Its id.
    pub id: String,
    /// Index of its port in [`Plan::ports`].
    pub port: usize,
    /// MIDI channel 1–16.
    pub channel: u8,
    /// Polyphony (`count`).
    pub count: usize,
    /// Its profile.
    pub profile: Option<Profile>,
}

/// The output ports a patch needs, the instruments on each, and the ports that get the
/// MIDI clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Port name patterns, in the order the patch first names them (then the clock's).
    pub ports: Vec<String>,
    /// The `midi` instruments.
    pub instruments: Vec<InstrumentPlan>,
    /// Indexes in `ports` of the ports that get the MIDI clock, and its flags.
    pub clock: Option<(Vec<usize>, ClockOut)>,
}

impl Plan {
    /// True when the patch has no `midi` instrument and no port gets the clock.
    pub fn is_empty(&self) -> bool {
        self.instruments.is_empty() && self.clock.is_none()
    }

    /// Adds `clock`'s ports: a name that is already a port's (any case) shares it, so
    /// the clock and that synth's notes go through one queue in one order.
    pub fn with_clock(mut self, clock: &ClockOut) -> Plan {
        if clock.ports.is_empty() {
            return self;
        }
        let mut indexes = Vec::new();
        for name in &clock.ports {
            let i = match self.ports.iter().position(|p| p.eq_ignore_ascii_case(name)) {
                Some(i) => i,
                None => {
                    self.ports.push(name.clone());
                    self.ports.len() - 1
                }
            };
            if !indexes.contains(&i) {
                indexes.push(i);
            }
        }
        self.clock = Some((indexes, clock.clone()));
        self
    }

    /// True when port `i` gets the clock.
    pub fn has_clock(&self, i: usize) -> bool {
        self.clock
            .as_ref()
            .is_some_and(|(ports, _)| ports.contains(&i))
    }
}

/// The profile `name`: a custom one of `custom` first, else a built-in one.
pub fn profile(name: &str, custom: &IndexMap<String, ProfileDesc>) -> Option<Profile> {
    if let Some(desc) = custom.get(name) {
        let params = desc
            .params
            .iter()
            .filter_map(|(n, p)| p.build(n).ok())
            .collect();
        return Some(Profile {
            id: name.to_string(),
            name: desc.name.clone(),
            params,
        });
    }
    builtin(name)
}

/// Every profile name known with `custom`: the built-in ones, then the custom ones.
pub fn known_profiles(custom: &IndexMap<String, ProfileDesc>) -> Vec<String> {
    BUILTIN
        .iter()
        .map(|s| s.to_string())
        .chain(
            custom
                .keys()
                .filter(|k| !BUILTIN.contains(&k.as_str()))
                .cloned(),
        )
        .collect()
}

/// An instrument naming a profile nobody knows: (instrument id, message).
pub type ProfileIssue = (String, String);

/// The `midi` instruments of `desc` (id, backend), in patch order.
fn midi_instruments(desc: &PatchDesc) -> impl Iterator<Item = (&str, MidiBackend<'_>)> {
    scope::instruments(desc).filter_map(|(_, id, inst)| match inst.backend.as_ref()?.kind()? {
        Backend::Midi(m) => Some((id, m)),
        Backend::SuperCollider { .. } => None,
    })
}

/// The params of every `midi` instrument of `desc`, by id, in its profile's order (the
/// index an `OutEvent::Param` names), with the profiles of `custom` and the built-in
/// ones: what the controller declares at each commit (`Controller::set_backend_catalog`).
/// An instrument without a profile, or with an unknown one, has none.
pub fn instrument_params(
    desc: &PatchDesc,
    custom: &IndexMap<String, ProfileDesc>,
) -> HashMap<String, Vec<String>> {
    midi_instruments(desc)
        .map(|(id, m)| {
            let names = m
                .profile
                .and_then(|name| profile(name, custom))
                .map(|p| p.names())
                .unwrap_or_default();
            (id.to_string(), names)
        })
        .collect()
}

/// Where the params of every `midi` instrument of `desc` start (its profile's `initial`
/// values, in the order of [`instrument_params`]): a sequencer lane on one starts there.
pub fn instrument_starts(
    desc: &PatchDesc,
    custom: &IndexMap<String, ProfileDesc>,
) -> HashMap<String, Vec<f32>> {
    midi_instruments(desc)
        .map(|(id, m)| {
            let starts = m
                .profile
                .and_then(|name| profile(name, custom))
                .map(|p| p.initials())
                .unwrap_or_default();
            (id.to_string(), starts)
        })
        .collect()
}

/// Every `mutate` and `ambient` name of `desc`'s `sequence` section on a `midi` instrument
/// whose (known) profile has no such param, or that has no profile: (the name's path for
/// [`SourceMap::sequence`], message). An unknown profile is reported by [`plan`] instead.
pub fn lane_issues(
    desc: &PatchDesc,
    custom: &IndexMap<String, ProfileDesc>,
) -> Vec<(String, String)> {
    let Some(seq) = &desc.sequence else {
        return Vec::new();
    };
    let lanes = seq
        .mutate
        .iter()
        .enumerate()
        .map(|(i, n)| ("mutate", format!("sequence/mutate/{i}="), n))
        .chain(
            seq.ambient
                .keys()
                .map(|n| ("ambient", format!("sequence/ambient/{n}"), n)),
        );
    let mut issues = Vec::new();
    for (field, path, name) in lanes {
        let Some((id, param)) = split_param(name) else {
            continue;
        };
        let Some((_, m)) = midi_instruments(desc).find(|(i, _)| *i == id) else {
            continue;
        };
        let message = match m.profile.map(|n| (n, profile(n, custom))) {
            None => format!(
                "{field} \"{name}\": instrument \"{id}\" has no CC profile, so no params (give its backend a `profile`)"
            ),
            Some((_, None)) => continue,
            Some((n, Some(p))) if p.param(param).is_none() => {
                let names = p.names();
                let hint = crate::patch::error::closest(param, names.iter().map(String::as_str))
                    .map(|s| format!("did you mean \"{s}\"? "))
                    .unwrap_or_default();
                format!(
                    "{field} \"{name}\": profile \"{n}\" of instrument \"{id}\" has no param \"{param}\" ({hint}its params: {})",
                    names.join(", ")
                )
            }
            Some(_) => continue,
        };
        issues.push((path, message));
    }
    issues
}

/// The plan of `desc`'s `midi` instruments with the profiles of `custom` and the built-in
/// ones; every unknown profile name is an issue listing the known ones.
pub fn plan(
    desc: &PatchDesc,
    custom: &IndexMap<String, ProfileDesc>,
) -> Result<Plan, Vec<ProfileIssue>> {
    let (plan, issues) = plan_lenient(desc, custom);
    if issues.is_empty() {
        Ok(plan)
    } else {
        Err(issues)
    }
}

/// The plan of `desc` as [`plan`] makes it, where an instrument naming an unknown profile
/// plays without one; and the issues.
pub fn plan_lenient(
    desc: &PatchDesc,
    custom: &IndexMap<String, ProfileDesc>,
) -> (Plan, Vec<ProfileIssue>) {
    let mut plan = Plan::default();
    let mut issues = Vec::new();
    for (_, id, inst) in scope::instruments(desc) {
        let Some(Backend::Midi(m)) = inst.backend.as_ref().and_then(|b| b.kind()) else {
            continue;
        };
        let profile = m.profile.and_then(|name| {
            let found = profile(name, custom);
            if found.is_none() {
                let known = known_profiles(custom);
                let hint = crate::patch::error::closest(name, known.iter().map(String::as_str))
                    .map(|s| format!("did you mean {s:?}? "))
                    .unwrap_or_default();
                let known = known
                    .iter()
                    .map(|k| format!("{k:?}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                issues.push((
                    id.to_string(),
                    format!("unknown CC profile {name:?} ({hint}known: {known})"),
                ));
            }
            found
        });
        let port = match plan
            .ports
            .iter()
            .position(|p| p.eq_ignore_ascii_case(m.port))
        {
            Some(i) => i,
            None => {
                plan.ports.push(m.port.to_string());
                plan.ports.len() - 1
            }
        };
        plan.instruments.push(InstrumentPlan {
            id: id.to_string(),
            port,
            channel: m.channel,
            count: inst.count,
            profile,
        });
    }
    (plan, issues)
}

/// Checks that every `midi` instrument of `desc` names a known profile (built in or in
/// `custom`), and that every `mutate` and `ambient` name on a `midi` instrument is a param
/// of its profile ([`lane_issues`]): one positioned error each, read from the patch's
/// `text` and prefixed with `file`.
pub fn check_patch_profiles(
    desc: &PatchDesc,
    text: Option<&str>,
    file: Option<&str>,
    custom: &IndexMap<String, ProfileDesc>,
) -> Result<(), PatchErrors> {
    let issues = plan(desc, custom).err().unwrap_or_default();
    let lanes = lane_issues(desc, custom);
    if issues.is_empty() && lanes.is_empty() {
        return Ok(());
    }
    let map = text.map(SourceMap::scan);
    let lane_errors = lanes.into_iter().map(|(path, message)| {
        let pos = map.as_ref().and_then(|m| {
            m.sequence(&path)
                .or_else(|| m.sequence(path.trim_end_matches('=')))
        });
        PatchError::new(PatchErrorKind::Sequence { message }).at(pos)
    });
    let errors = issues
        .into_iter()
        .map(|(id, message)| {
            let pos = scope::instruments(desc)
                .find(|(_, i, _)| *i == id)
                .and_then(|(scope, _, _)| map.as_ref()?.backend(&scope, Some("profile")));
            PatchError::new(PatchErrorKind::Backend {
                instrument: id,
                message,
            })
            .at(pos)
        })
        .chain(lane_errors)
        .collect();
    Err(PatchErrors(errors).in_file(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_profile_is_positioned_and_lists_the_known_ones() {
        let text = "(instruments: {\n  \"nts1\": (count: 1, backend: (kind: \"midi\", port: \"NTS\", profile: \"korg_nts1\")),\n})";
        let desc = crate::patch::parse(text, None).unwrap();
        let e = check_patch_profiles(&desc, Some(text), Some("p.ron"), &IndexMap::new())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "p.ron:2:68: instrument \"nts1\": unknown CC profile \"korg_nts1\" (did you mean \"korg_nts1_mk2\"? known: \"korg_nts1_mk2\", \"generic_analog\", \"fm_synth\")"
        );
        let ok = text.replace("korg_nts1\"", "korg_nts1_mk2\"");
        let desc = crate::patch::parse(&ok, None).unwrap();
        assert!(check_patch_profiles(&desc, Some(&ok), None, &IndexMap::new()).is_ok());
        let p = plan(&desc, &IndexMap::new()).unwrap();
        assert_eq!(p.ports, ["NTS"]);
        assert_eq!(p.instruments[0].channel, 1);
    }

    #[test]
    fn sequencer_lanes_on_a_midi_instrument_name_params_of_its_profile() {
        let text = "(instruments: {\n  \"nts1\": (count: 1, backend: (kind: \"midi\", port: \"NTS\", profile: \"korg_nts1_mk2\")),\n  \"bare\": (count: 1, backend: (kind: \"midi\", port: \"X\")),\n},\nsequence: (tracks: {\"a\": (instrument: \"nts1\", pattern: \"0\")},\n  mutate: [\"nts1.cutoff\", \"nts1.cutof\"],\n  ambient: {\"bare.cutoff\": 0.5}))";
        let desc = crate::patch::parse(text, None).unwrap();
        let e = check_patch_profiles(&desc, Some(text), Some("p.ron"), &IndexMap::new())
            .unwrap_err()
            .to_string();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 2, "{e}");
        assert!(
            lines[0].starts_with("p.ron:6:27: sequence: mutate \"nts1.cutof\": profile \"korg_nts1_mk2\" of instrument \"nts1\" has no param \"cutof\" (did you mean \"cutoff\"? its params: osc_type, "),
            "{e}"
        );
        assert!(
            lines[1].starts_with("p.ron:7:13: sequence: ambient \"bare.cutoff\": instrument \"bare\" has no CC profile"),
            "{e}"
        );
        let params = instrument_params(&desc, &IndexMap::new());
        assert_eq!(params["bare"], Vec::<String>::new());
        assert_eq!(params["nts1"][6], "cutoff");
    }
}
