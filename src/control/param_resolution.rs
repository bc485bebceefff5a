//! Param resolution: a user module's `id.param` to its engine target in a laid-out graph
//! (`resolve_param`), the implicit `output` module's params, and a param value as a
//! patch file writes it.

use chronus_modules::{ParamSpec, ParamValue, Registry};

use super::error::ControlError;
use crate::address::{ParamSlot, ParamTarget, ProgramRef};
use crate::graph::Layout;
use crate::patch::{self, implicit, PatchDesc};

/// A param of the implicit `output` module.
pub(super) fn output_param(param: &str) -> Result<&'static ParamSpec, ControlError> {
    implicit::OUTPUT_INFO
        .params
        .iter()
        .find(|p| p.id == param)
        .ok_or_else(|| ControlError::UnknownParam {
            id: implicit::OUTPUT_ID.to_string(),
            kind: implicit::OUTPUT_ID.to_string(),
            param: param.to_string(),
            known: implicit::OUTPUT_INFO.params.iter().map(|p| p.id).collect(),
        })
}

/// Resolves user module param `id.param` of `desc` to its engine target in the graph
/// laid out as `layouts`, and its spec.
pub(super) fn resolve_param(
    desc: &PatchDesc,
    registry: &Registry,
    layouts: &[Layout],
    id: &str,
    param: &str,
) -> Result<(ParamTarget, &'static ParamSpec), ControlError> {
    let (scope, info) = patch::module_info(desc, registry, id)
        .ok_or_else(|| ControlError::UnknownModule(id.to_string()))?;
    let index = info
        .param(param)
        .ok_or_else(|| ControlError::UnknownParam {
            id: id.to_string(),
            kind: info.kind.to_string(),
            param: param.to_string(),
            known: info.params.iter().map(|p| p.id).collect(),
        })?;
    let program_name = scope.instrument_id().unwrap_or("");
    let (k, layout) = layouts
        .iter()
        .enumerate()
        .find(|(_, l)| l.program == program_name)
        .ok_or_else(|| ControlError::UnknownModule(id.to_string()))?;
    let node = layout
        .nodes
        .iter()
        .position(|(n, _)| n == id)
        .ok_or_else(|| ControlError::UnknownModule(id.to_string()))?;
    Ok((
        ParamTarget {
            program: ProgramRef::from_index(k),
            slot: ParamSlot::Module {
                node: node as u16,
                param: index as u16,
            },
        },
        &info.params[index],
    ))
}

/// `value` as a patch file writes it once the param has taken it: a choice by its name
/// (`2` for `shape` is `"saw"`), a bool as a bool, a number as the shortest decimal of the
/// `f32` the engine holds. A value the param refuses stays as given (validation reports it).
pub(super) fn canonical_value(
    registry: &Registry,
    kind: &str,
    param: &str,
    value: &ParamValue,
) -> ParamValue {
    registry
        .get(kind)
        .and_then(|entry| entry.info.param_spec(param))
        .and_then(|spec| {
            // A file param's name is its own canonical form (its engine value is 0).
            if spec.is_file() {
                return spec.accept(value).ok().map(|_| value.clone());
            }
            spec.accept(value).ok().map(|v| spec.to_value(v))
        })
        .unwrap_or_else(|| value.clone())
}
