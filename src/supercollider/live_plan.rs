//! What `chronus play` hands the live SuperCollider backend (`sc_live`): each
//! `supercollider` instrument's def — its voice template compiled here, or a def of the
//! config's SynthDef folder, whose controls are read from its `NAME.scsyndef`
//! ([`def_controls`]) — and the controls `/mod` may set.
//!
//! A named def the folder does not have, or a folder the config does not give, is one
//! warning line: that instrument plays on the internal engine (or is silent when it has
//! no voice template), and the rest of the patch plays on. A template with a module whose
//! kind has no counterpart refuses the patch, with the module's position.

use std::path::Path;

use chronus_modules::{ParamKind, Registry};

use crate::patch::scope::instruments;
use crate::patch::{PatchDesc, SourceMap};
use crate::sc_live::plan::NOTE_CONTROLS;
use crate::sc_live::{ScControl, ScInstrument};

use super::compile::compile_voice;
use super::def_file::{def_controls, DefFileError};
use super::patch_defs::def_name;
use super::synthdef::encode;

/// The live backend's instruments, and the warning lines of those it cannot play.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LivePlan {
    /// The instruments scsynth plays.
    pub instruments: Vec<ScInstrument>,
    /// One line per `supercollider` instrument left to the internal engine.
    pub warnings: Vec<String>,
}

/// The plan of `desc`'s `supercollider` instruments: templates compiled into defs named
/// after `patch`, named defs looked up in `folder`. Refused with one line per problem
/// when a template cannot be compiled.
pub fn live_plan(
    desc: &PatchDesc,
    registry: &Registry,
    map: Option<&SourceMap>,
    patch: &str,
    folder: Option<&Path>,
) -> Result<LivePlan, String> {
    let mut plan = LivePlan::default();
    for (scope, id, inst) in instruments(desc) {
        let Some(backend) = inst.backend.as_ref().filter(|b| b.kind == "supercollider") else {
            continue;
        };
        let fallback = if inst.modules.is_empty() {
            "it is silent"
        } else {
            "it plays on the internal engine"
        };
        let (def, bytes, controls) = match backend.synthdef.as_deref() {
            Some(name) => {
                let Some(dir) = folder else {
                    plan.warnings.push(format!(
                        "instrument {id:?}: SynthDef {name:?} cannot be loaded: the config gives no `supercollider.synthdefs` folder; {fallback}"
                    ));
                    continue;
                };
                let path = dir.join(format!("{name}.scsyndef"));
                let names = match def_controls(&path) {
                    Ok(names) => names,
                    Err(DefFileError::Read { error, .. })
                        if error.kind() == std::io::ErrorKind::NotFound =>
                    {
                        plan.warnings.push(format!(
                            "instrument {id:?}: no SynthDef {name:?} in {} (no {name}.scsyndef); {fallback}",
                            dir.display()
                        ));
                        continue;
                    }
                    Err(e) => {
                        plan.warnings.push(format!(
                            "instrument {id:?}: SynthDef {name:?} cannot be read: {e}; {fallback}"
                        ));
                        continue;
                    }
                };
                if !names.iter().any(|n| n == "gate") {
                    plan.warnings.push(format!(
                        "instrument {id:?}: SynthDef {name:?} has no `gate` control, so its notes are freed only by the def itself"
                    ));
                }
                let controls = names
                    .iter()
                    .filter(|n| !NOTE_CONTROLS.contains(&n.as_str()))
                    .map(|n| ScControl {
                        name: n.clone(),
                        range: None,
                    })
                    .collect();
                (name.to_string(), None, controls)
            }
            None => {
                let compiled = compile_voice(desc, registry, &scope, &def_name(patch, id), map)
                    .map_err(|e| e.to_string())?;
                let bytes =
                    encode(std::slice::from_ref(&compiled.def)).map_err(|e| e.to_string())?;
                let controls = compiled
                    .params
                    .iter()
                    .map(|(name, _, spec)| ScControl {
                        name: name.clone(),
                        range: match spec.kind {
                            ParamKind::Float { min, max, .. } => Some((min, max)),
                            ParamKind::Int { min, max } => Some((min as f32, max as f32)),
                            _ => Some((0.0, 1.0)),
                        },
                    })
                    .collect();
                (compiled.def.name.clone(), Some(bytes), controls)
            }
        };
        plan.instruments.push(ScInstrument {
            id: id.to_string(),
            def,
            bytes,
            count: inst.count,
            steal: inst.steal,
            controls,
        });
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> PatchDesc {
        crate::patch::load(text, None, &Registry::builtin()).unwrap()
    }

    #[test]
    fn templates_compile_and_named_defs_are_looked_up() {
        let desc = load(
            r#"(instruments: {
            "pad": (count: 3, steal: "none", backend: (kind: "supercollider"),
                modules: {"osc": (kind: "sine")},
                connections: [("note.freq", "osc.freq"), ("osc.out", "output.left")]),
            "bell": (count: 2, backend: (kind: "supercollider", synthdef: "nosuch"),
                modules: {"bosc": (kind: "sine")},
                connections: [("note.freq", "bosc.freq"), ("bosc.out", "output.left")]),
            "beep": (count: 1, backend: (kind: "supercollider", synthdef: "beep")),
        })"#,
        );
        let dir = std::env::temp_dir().join(format!("chronus-live-plan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A user's def: the compiled `pad` renamed, written to the folder.
        let mut beep = compile_voice(
            &desc,
            &Registry::builtin(),
            &crate::patch::Scope::Instrument("pad".into()),
            "beep",
            None,
        )
        .unwrap()
        .def;
        beep.name = "beep".into();
        std::fs::write(dir.join("beep.scsyndef"), encode(&[beep]).unwrap()).unwrap();
        let plan = live_plan(&desc, &Registry::builtin(), None, "p", Some(&dir)).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        let ids: Vec<&str> = plan.instruments.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["pad", "beep"]);
        let pad = &plan.instruments[0];
        assert_eq!(
            (pad.def.as_str(), pad.count, pad.steal),
            ("p-pad", 3, crate::patch::Steal::None)
        );
        assert!(pad.bytes.is_some());
        assert!(pad
            .controls
            .iter()
            .any(|c| c.name == "osc.freq" && c.range.is_some()));
        assert!(pad
            .controls
            .iter()
            .all(|c| !NOTE_CONTROLS.contains(&c.name.as_str())));
        let beep = &plan.instruments[1];
        assert!(beep.bytes.is_none());
        assert!(beep
            .controls
            .iter()
            .any(|c| c.name == "osc.freq" && c.range.is_none()));
        assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
        assert!(
            plan.warnings[0].starts_with("instrument \"bell\": no SynthDef \"nosuch\" in ")
                && plan.warnings[0].ends_with("; it plays on the internal engine"),
            "{:?}",
            plan.warnings
        );
    }
}
