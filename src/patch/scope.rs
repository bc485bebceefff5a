//! Where in a patch a module lives: the main graph or one voice template.
//!
//! A patch has one main graph and zero or more voice templates (the `voice` shorthand, or
//! each entry of `instruments`). Connections stay inside one graph, so validation, the
//! source map and the graph compiler all speak in terms of a [`Scope`]. Module ids are
//! unique across the whole patch, which is what [`find_module`] relies on.

use std::fmt;

use indexmap::IndexMap;

use super::implicit::VOICES_ID;
use super::model::{Connection, InstrumentDesc, ModuleDesc, PatchDesc};

/// One graph of a patch.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The main graph: the top-level `modules` and `connections`.
    Main,
    /// The voice template written as `voice: (...)`: the instrument with id `voices`.
    Voice,
    /// The voice template of the instrument with this id (`instruments: {id: (...)}`).
    Instrument(String),
}

impl Scope {
    /// The id of the instrument whose voice template this is (`voices` for
    /// [`Scope::Voice`]); `None` for the main graph.
    pub fn instrument_id(&self) -> Option<&str> {
        match self {
            Scope::Main => None,
            Scope::Voice => Some(VOICES_ID),
            Scope::Instrument(id) => Some(id),
        }
    }

    /// True for a voice template (where the implicit `note` module exists).
    pub fn is_template(&self) -> bool {
        !matches!(self, Scope::Main)
    }
}

impl fmt::Display for Scope {
    /// `the main graph`, `the voice template`, `instrument "lead"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Main => f.write_str("the main graph"),
            Scope::Voice => f.write_str("the voice template"),
            Scope::Instrument(id) => write!(f, "instrument {id:?}"),
        }
    }
}

/// Every instrument of a patch in order, with its scope and id: the `voice` shorthand
/// (id `voices`) first, then each entry of `instruments`. The first one is the default
/// target of notes.
pub fn instruments(desc: &PatchDesc) -> impl Iterator<Item = (Scope, &str, &InstrumentDesc)> {
    let voice = desc
        .voice
        .as_ref()
        .map(|v| (Scope::Voice, VOICES_ID, v))
        .into_iter();
    let named = desc
        .instruments
        .iter()
        .map(|(id, inst)| (Scope::Instrument(id.clone()), id.as_str(), inst));
    voice.chain(named)
}

/// The instrument with this id (`voices` finds the `voice` shorthand).
pub fn instrument<'a>(desc: &'a PatchDesc, id: &str) -> Option<(Scope, &'a InstrumentDesc)> {
    instruments(desc)
        .find(|(_, inst_id, _)| *inst_id == id)
        .map(|(scope, _, inst)| (scope, inst))
}

/// The modules and connections of one graph, if the patch has it.
pub fn graph<'a>(
    desc: &'a PatchDesc,
    scope: &Scope,
) -> Option<(&'a IndexMap<String, ModuleDesc>, &'a [Connection])> {
    match scope {
        Scope::Main => Some((&desc.modules, &desc.connections)),
        Scope::Voice => desc
            .voice
            .as_ref()
            .map(|v| (&v.modules, &v.connections[..])),
        Scope::Instrument(id) => desc
            .instruments
            .get(id)
            .map(|v| (&v.modules, &v.connections[..])),
    }
}

/// Every graph of the patch, in file order of the contract's example: voice templates
/// first (`voice`, then `instruments`), the main graph last.
pub fn scopes(desc: &PatchDesc) -> Vec<Scope> {
    let mut out: Vec<Scope> = instruments(desc).map(|(scope, _, _)| scope).collect();
    out.push(Scope::Main);
    out
}

/// Finds a user module by id anywhere in the patch (main graph, voice template or any
/// instrument). Ids are unique across a valid patch, so there is at most one. Implicit
/// modules (`output`, `note`, instruments) are not user modules and are not found here.
pub fn find_module<'a>(desc: &'a PatchDesc, id: &str) -> Option<(Scope, &'a ModuleDesc)> {
    if let Some(m) = desc.modules.get(id) {
        return Some((Scope::Main, m));
    }
    instruments(desc).find_map(|(scope, _, inst)| inst.modules.get(id).map(|m| (scope, m)))
}

/// Mutable variant of [`find_module`], for edits such as `/patch/set id param value`.
pub fn find_module_mut<'a>(
    desc: &'a mut PatchDesc,
    id: &str,
) -> Option<(Scope, &'a mut ModuleDesc)> {
    if let Some(m) = desc.modules.get_mut(id) {
        return Some((Scope::Main, m));
    }
    if let Some(m) = desc.voice.as_mut().and_then(|v| v.modules.get_mut(id)) {
        return Some((Scope::Voice, m));
    }
    desc.instruments.iter_mut().find_map(|(inst_id, inst)| {
        inst.modules
            .get_mut(id)
            .map(|m| (Scope::Instrument(inst_id.clone()), m))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chronus_modules::ParamValue;

    fn patch() -> PatchDesc {
        let mut desc = PatchDesc::default();
        desc.modules.insert("rev".into(), ModuleDesc::new("reverb"));
        let mut lead = InstrumentDesc::default();
        lead.modules.insert("osc".into(), ModuleDesc::new("saw"));
        desc.instruments.insert("lead".into(), lead);
        let mut bass = InstrumentDesc::default();
        bass.modules.insert("sub".into(), ModuleDesc::new("sine"));
        desc.instruments.insert("bass".into(), bass);
        desc
    }

    #[test]
    fn find_module_searches_main_and_every_instrument() {
        let desc = patch();
        assert_eq!(find_module(&desc, "rev").unwrap().0, Scope::Main);
        assert_eq!(
            find_module(&desc, "sub").unwrap().0,
            Scope::Instrument("bass".into())
        );
        assert!(find_module(&desc, "output").is_none());
        assert!(find_module(&desc, "nope").is_none());
    }

    #[test]
    fn find_module_mut_edits_in_place() {
        let mut desc = patch();
        let (scope, m) = find_module_mut(&mut desc, "osc").unwrap();
        assert_eq!(scope, Scope::Instrument("lead".into()));
        m.params.insert("freq".into(), ParamValue::Number(110.0));
        assert_eq!(
            desc.instruments["lead"].modules["osc"].params["freq"],
            ParamValue::Number(110.0)
        );

        let mut desc = PatchDesc {
            voice: Some(InstrumentDesc::default()),
            ..PatchDesc::default()
        };
        desc.voice
            .as_mut()
            .unwrap()
            .modules
            .insert("env".into(), ModuleDesc::new("adsr"));
        assert_eq!(find_module_mut(&mut desc, "env").unwrap().0, Scope::Voice);
    }

    #[test]
    fn instruments_list_voice_as_voices_then_named_in_order() {
        let desc = patch();
        let ids: Vec<&str> = instruments(&desc).map(|(_, id, _)| id).collect();
        assert_eq!(ids, ["lead", "bass"]);
        let desc = PatchDesc {
            voice: Some(InstrumentDesc::default()),
            ..PatchDesc::default()
        };
        let (scope, _) = instrument(&desc, "voices").unwrap();
        assert_eq!(scope, Scope::Voice);
        assert_eq!(scope.instrument_id(), Some("voices"));
        assert_eq!(scopes(&desc), [Scope::Voice, Scope::Main]);
        assert_eq!(
            Scope::Instrument("lead".into()).to_string(),
            "instrument \"lead\""
        );
    }
}
