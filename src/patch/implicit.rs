//! The implicit modules of docs/CONTRACTS.md §1.5: modules a patch uses without declaring them.
//!
//! - `output` (every graph): the sink, inputs `left` and `right`, param `volume`; the main
//!   graph's also takes `limit` (its safety limiter, [`OUTPUT_LIMIT`]).
//! - `note` (voice templates only): the playing note, outputs `freq`, `gate`, `velocity`,
//!   `pitch`.
//! - instrument sources (main graph only): `voices` for a patch with `voice`, or each
//!   instrument id of `instruments`, outputs `left` and `right` (the sum of its voices).
//!
//! Their ports are described by ordinary [`ModuleInfo`]s so validation and the graph
//! compiler treat them like any module. To give `note` a new output (e.g. `pressure`),
//! add one line to [`NOTE_OUTPUTS`]; everything else reads it from there.

use chronus_modules::{ModuleInfo, ParamSpec, PortSpec};

use super::model::PatchDesc;
use super::scope::{instrument, Scope};

/// Id of the implicit sink of every graph.
pub const OUTPUT_ID: &str = "output";
/// Id of the implicit note source of a voice template.
pub const NOTE_ID: &str = "note";
/// Id of the instrument declared with the `voice: (...)` shorthand.
pub const VOICES_ID: &str = "voices";

const STEREO: &[PortSpec] = &[
    PortSpec {
        id: "left",
        doc: "Left channel.",
    },
    PortSpec {
        id: "right",
        doc: "Right channel.",
    },
];

/// Outputs of the implicit `note` module, in port index order. The one place to add a
/// per-note signal.
pub const NOTE_OUTPUTS: &[PortSpec] = &[
    PortSpec {
        id: "freq",
        doc: "Frequency of the note in Hz, including pitch bend.",
    },
    PortSpec {
        id: "gate",
        doc: "1 while the note is held, 0 after its release.",
    },
    PortSpec {
        id: "velocity",
        doc: "Velocity of the note, 0..1.",
    },
    PortSpec {
        id: "pitch",
        doc: "MIDI note number (60 = middle C), fractional with pitch bend.",
    },
    PortSpec {
        id: "pressure",
        doc: "Pressure 0..1: the larger of the channel's pressure (aftertouch) and the \
              note's polyphonic aftertouch.",
    },
];

/// Params of the implicit `output` module.
pub const OUTPUT_PARAMS: &[ParamSpec] = &[ParamSpec::float("volume", "Volume", 0.0, 4.0, 1.0)
    .doc("Gain applied to both channels before they leave the graph.")];

/// The main graph's `output` setting `limit`: the ceiling of its safety limiter
/// (`chronus_modules::dynamics::safety`), set in a patch as the top-level `limit` field.
/// Not in [`OUTPUT_PARAMS`]: it is a setting of the patch, not a live param (a
/// `/mod/output/limit` is refused as an unknown param, and the patch keeps its value).
pub const OUTPUT_LIMIT: ParamSpec = ParamSpec::float("limit", "Safety limit", -40.0, 0.0, -1.0)
    .unit("dB")
    .doc(
        "Ceiling of the main output's safety limiter, in dB below full scale: while the \
         output stays under it the limiter passes it bit for bit; above, it turns the \
         output down at once (no look-ahead) and recovers over 250 ms. Off when absent.",
    );

/// The implicit `output` sink of every graph.
pub static OUTPUT_INFO: ModuleInfo = ModuleInfo {
    kind: OUTPUT_ID,
    doc: "Sink of a graph: the main graph's goes to the device, a voice's to its instrument.",
    inputs: STEREO,
    outputs: &[],
    params: OUTPUT_PARAMS,
    roles: &[],
};

/// The implicit `note` source of a voice template.
pub static NOTE_INFO: ModuleInfo = ModuleInfo {
    kind: NOTE_ID,
    doc: "The note a voice is playing.",
    inputs: &[],
    outputs: NOTE_OUTPUTS,
    params: &[],
    roles: &[],
};

/// An instrument as a source in the main graph (`voices`, or an instrument's id).
pub static INSTRUMENT_INFO: ModuleInfo = ModuleInfo {
    kind: "instrument",
    doc: "The sum of all voices of an instrument.",
    inputs: &[],
    outputs: STEREO,
    params: &[],
    roles: &[],
};

/// Which implicit module an id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Implicit {
    /// The `output` sink.
    Output,
    /// The `note` source of a voice template.
    Note,
    /// An instrument source in the main graph.
    Instrument,
}

impl Implicit {
    /// Ports and params of this implicit module.
    pub fn info(self) -> &'static ModuleInfo {
        match self {
            Implicit::Output => &OUTPUT_INFO,
            Implicit::Note => &NOTE_INFO,
            Implicit::Instrument => &INSTRUMENT_INFO,
        }
    }
}

/// The implicit module `id` names in the graph `scope` of `desc`, if any.
///
/// Every graph has `output`; voice templates have `note`; the main graph has one source
/// per instrument (`voices` for the `voice` shorthand).
pub fn implicit_module(desc: &PatchDesc, scope: &Scope, id: &str) -> Option<Implicit> {
    if id == OUTPUT_ID {
        return Some(Implicit::Output);
    }
    match scope {
        Scope::Main => instrument(desc, id).map(|_| Implicit::Instrument),
        Scope::Voice | Scope::Instrument(_) => (id == NOTE_ID).then_some(Implicit::Note),
    }
}

/// Why `id` cannot be written where ids are used, if it cannot: connections name ports as
/// `id.port`, OSC addresses params as `/mod/id/param`, `--notes` and `/patch/create` name
/// an instrument as `INSTRUMENT/...`.
pub fn unusable(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        Some("it is empty")
    } else if id.contains('.') {
        Some("it contains `.`, which separates an id from its port (`id.port`)")
    } else if id.contains('/') {
        Some("it contains `/`, which separates OSC address parts (`/mod/id/param`)")
    } else if id.chars().any(char::is_whitespace) {
        Some("it contains a space (OSC addresses and `--notes` cannot carry it)")
    } else {
        None
    }
}

/// Why `id` may not name a user module, if it may not: `output`, `note` and `voices` are
/// reserved in every graph, and so is the id of every instrument (ids are patch-wide).
pub fn reserved(desc: &PatchDesc, id: &str) -> Option<&'static str> {
    match id {
        OUTPUT_ID => Some("it names the implicit output module"),
        NOTE_ID => Some("it names the implicit note module of voice templates"),
        VOICES_ID => Some("it names the instrument declared by `voice`"),
        _ => instrument(desc, id).map(|_| "it is the id of an instrument"),
    }
}

/// Why `id` may not name an instrument, if it may not: it would hide the implicit
/// `output` of the main graph or be confused with `note`.
pub fn reserved_instrument_id(id: &str) -> Option<&'static str> {
    match id {
        OUTPUT_ID => Some("it names the implicit output module"),
        NOTE_ID => Some("it names the implicit note module of voice templates"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::model::InstrumentDesc;

    #[test]
    fn output_exists_everywhere_note_only_in_templates() {
        let desc = PatchDesc {
            voice: Some(InstrumentDesc::default()),
            ..PatchDesc::default()
        };
        assert_eq!(
            implicit_module(&desc, &Scope::Main, "output"),
            Some(Implicit::Output)
        );
        assert_eq!(
            implicit_module(&desc, &Scope::Voice, "output"),
            Some(Implicit::Output)
        );
        assert_eq!(
            implicit_module(&desc, &Scope::Voice, "note"),
            Some(Implicit::Note)
        );
        assert_eq!(implicit_module(&desc, &Scope::Main, "note"), None);
        assert_eq!(
            implicit_module(&desc, &Scope::Main, "voices"),
            Some(Implicit::Instrument)
        );
        assert_eq!(implicit_module(&desc, &Scope::Voice, "voices"), None);
        assert_eq!(implicit_module(&desc, &Scope::Main, "osc"), None);
    }

    #[test]
    fn instruments_are_sources_by_id_and_voices_needs_a_voice() {
        let mut desc = PatchDesc::default();
        desc.instruments
            .insert("lead".into(), InstrumentDesc::default());
        assert_eq!(
            implicit_module(&desc, &Scope::Main, "lead"),
            Some(Implicit::Instrument)
        );
        assert_eq!(implicit_module(&desc, &Scope::Main, "voices"), None);
        assert!(reserved(&desc, "lead").is_some());
        assert!(reserved(&desc, "voices").is_some());
        assert!(reserved(&desc, "note").is_some());
        assert!(reserved(&desc, "osc").is_none());
    }

    #[test]
    fn implicit_infos_have_the_contract_ports() {
        let out = Implicit::Output.info();
        assert!(out.input("left").is_some() && out.input("right").is_some());
        assert!(out.outputs.is_empty());
        let volume = &out.params[out.param("volume").unwrap()];
        assert_eq!(volume.default, 1.0);
        assert_eq!(volume.bounds(), (0.0, 4.0));
        let note = Implicit::Note.info();
        for port in ["freq", "gate", "velocity", "pitch"] {
            assert!(note.output(port).is_some(), "{port}");
        }
        let inst = Implicit::Instrument.info();
        assert!(inst.output("left").is_some() && inst.output("right").is_some());
        assert!(inst.inputs.is_empty());
    }
}
