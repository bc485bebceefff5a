//! Every def of one patch: a voice def per instrument and the main graph's, named after
//! the patch, and written as `.scsyndef` files (`chronus synthdef`).

use std::path::{Path, PathBuf};

use chronus_modules::Registry;

use crate::patch::scope::instruments;
use crate::patch::{PatchDesc, Scope, SourceMap};

use super::compile::{compile_main, compile_voice, unmapped, CompiledDef, ScError};
use super::synthdef::encode;

/// The defs of a patch.
#[derive(Clone, Debug)]
pub struct PatchDefs {
    /// Each instrument's id, scope and voice def, in patch order (instruments played by a
    /// `midi` backend or by a `synthdef` of their own have none).
    pub voices: Vec<(String, Scope, CompiledDef)>,
    /// The main graph's def, or why it has none (its unmapped modules).
    pub main: Result<CompiledDef, Vec<ScError>>,
}

/// The name of a def of patch `patch`: `{patch}-{part}` (`part` an instrument id or
/// `main`).
pub fn def_name(patch: &str, part: &str) -> String {
    format!("{patch}-{part}")
}

/// The name a patch's defs are prefixed with: its `name`, else the file's stem, else
/// `patch`.
pub fn patch_name(desc: &PatchDesc, file: Option<&Path>) -> String {
    if !desc.name.is_empty() {
        return desc.name.clone();
    }
    file.and_then(|f| f.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "patch".to_string())
}

/// Compiles every instrument's voice template and the main graph. Refused with every
/// unmapped module of the instruments when one of them cannot be compiled; the main graph
/// alone not mapping is reported in [`PatchDefs::main`].
pub fn patch_defs(
    desc: &PatchDesc,
    registry: &Registry,
    map: Option<&SourceMap>,
    file: Option<&str>,
    patch: &str,
) -> Result<PatchDefs, Vec<ScError>> {
    let (main_missing, voice_missing): (Vec<ScError>, Vec<ScError>) =
        unmapped(desc, registry, map, file)
            .into_iter()
            .partition(|e| {
                matches!(
                    e,
                    ScError::Unmapped {
                        scope: Scope::Main,
                        ..
                    }
                )
            });
    if !voice_missing.is_empty() {
        return Err(voice_missing);
    }
    let mut voices = Vec::new();
    for (scope, id, inst) in instruments(desc) {
        // A `midi` instrument has no voices to compile; one naming its own `synthdef`
        // plays that def from the config's folder.
        if inst.backend.as_ref().is_some_and(|b| {
            b.is_external_only() || (b.kind == "supercollider" && b.synthdef.is_some())
        }) {
            continue;
        }
        let def = compile_voice(desc, registry, &scope, &def_name(patch, id), map)
            .map_err(|e| vec![e])?;
        voices.push((id.to_string(), scope, def));
    }
    let main = if main_missing.is_empty() {
        compile_main(desc, registry, &def_name(patch, "main"), map).map_err(|e| vec![e])
    } else {
        Err(main_missing)
    };
    Ok(PatchDefs { voices, main })
}

/// Writes each def of `defs` to `dir` as `{name}.scsyndef` (creating `dir`); returns the
/// paths written.
pub fn write_defs(defs: &PatchDefs, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let all = defs
        .voices
        .iter()
        .map(|(_, _, d)| d)
        .chain(defs.main.as_ref().ok());
    let mut written = Vec::new();
    for compiled in all {
        let bytes = encode(std::slice::from_ref(&compiled.def)).map_err(|e| e.to_string())?;
        let path = dir.join(format!("{}.scsyndef", compiled.def.name));
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// `chronus synthdef PATCH --out DIR`: reads and checks the patch, writes its defs, and
/// returns the lines to print (each file written; a warning when the main graph has no
/// def). Refused, with one line per unmapped module, when an instrument cannot be
/// compiled.
pub fn synthdef_command(registry: &Registry, patch: &Path, dir: &Path) -> Result<String, String> {
    let name = patch.display().to_string();
    let text = std::fs::read_to_string(patch).map_err(|e| format!("{name}: {e}"))?;
    let (desc, map) = crate::patch::load_with_source_map(&text, Some(&name), registry)
        .map_err(|e| e.to_string())?;
    let prefix = patch_name(&desc, Some(patch));
    let defs = patch_defs(&desc, registry, Some(&map), Some(&name), &prefix).map_err(lines)?;
    let written = write_defs(&defs, dir)?;
    let mut out: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    if let Err(missing) = &defs.main {
        out.push(format!(
            "warning: no def for the main graph: {}",
            lines(missing.clone()).replace('\n', "; ")
        ));
    }
    Ok(out.join("\n") + "\n")
}

/// Errors one per line.
pub fn lines(errors: Vec<ScError>) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
