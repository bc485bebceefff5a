//! [`check`]: everything `chronus check` verifies — syntax, validation and compilation
//! (cycles) — with every error placed in the file.

use chronus_modules::Registry;

use super::compile::{compile, CompileOptions};
use super::error::GraphError;
use crate::patch::{self, PatchDesc, PatchErrorKind, PatchErrors};

/// Parses, validates and compiles patch text. Cycle errors, found by the compiler, get the
/// position of their first module.
pub fn check(
    text: &str,
    source_name: Option<&str>,
    registry: &Registry,
) -> Result<PatchDesc, PatchErrors> {
    let (desc, map) = patch::load_with_source_map(text, source_name, registry)?;
    let options = CompileOptions {
        sample_rate: 48_000.0,
        revision: 0,
        seed: 0,
        previous: None,
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
