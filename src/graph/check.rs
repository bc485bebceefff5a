//! [`check`]: everything `chronus check` verifies — syntax, validation and compilation
//! (cycles) — with every error placed in the file.

use std::path::Path;

use chronus_modules::Registry;

use super::compile::{compile, CompileOptions};
use super::error::GraphError;
use crate::patch::{self, PatchDesc, PatchErrorKind, PatchErrors};

/// Parses, validates and compiles patch text. Cycle errors, found by the compiler, get the
/// position of their first module. File params resolve against the current directory.
pub fn check(
    text: &str,
    source_name: Option<&str>,
    registry: &Registry,
) -> Result<PatchDesc, PatchErrors> {
    check_in(text, source_name, None, registry)
}

/// [`check`] for a patch read from `folder` (its file params name files there): the
/// returned patch remembers it ([`PatchDesc::folder`]). A file the compiler cannot use is
/// placed at the param's value.
pub fn check_in(
    text: &str,
    source_name: Option<&str>,
    folder: Option<&Path>,
    registry: &Registry,
) -> Result<PatchDesc, PatchErrors> {
    let (mut desc, map) = patch::load_with_source_map(text, source_name, registry)?;
    desc.folder = folder.map(Path::to_path_buf);
    let options = CompileOptions {
        sample_rate: 48_000.0,
        revision: 0,
        seed: 0,
        previous: None,
        outside: &[],
    };
    match compile(&desc, registry, options) {
        Ok(_) => Ok(desc),
        Err(GraphError::Invalid(errors)) => Err(PatchErrors(
            errors
                .0
                .into_iter()
                .map(|e| {
                    let pos = match e.kind.as_ref() {
                        PatchErrorKind::Cycle { modules } if e.pos.is_none() => modules
                            .first()
                            .and_then(|m| patch::find_module(&desc, m))
                            .and_then(|(scope, _)| map.module(&scope, &modules[0])),
                        PatchErrorKind::BadFile { module, param, .. } if e.pos.is_none() => {
                            patch::find_module(&desc, module)
                                .and_then(|(scope, _)| map.param_value(&scope, module, param))
                        }
                        _ => e.pos,
                    };
                    e.at(pos)
                })
                .collect(),
        )
        .in_file(source_name)),
        Err(other) => Err(
            PatchErrors(vec![patch::PatchError::new(PatchErrorKind::Unbuildable {
                message: other.to_string(),
            })])
            .in_file(source_name),
        ),
    }
}
