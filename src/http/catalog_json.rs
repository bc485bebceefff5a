//! `GET /api/modules`: the registry as JSON — every kind with its doc, ports and every
//! ParamSpec (`id`, `name`, `doc`, `kind`, `range`, `taper`, `unit`, `smoothing`,
//! `smoothing_ms`, `default`, `variants` for enums).

use chronus_modules::{ParamKind, ParamSpec, Registry, Smoothing, Taper};
use serde_json::{json, Value};

/// The registry.
pub fn modules(registry: &Registry) -> Value {
    Value::Array(
        registry
            .entries()
            .iter()
            .map(|e| {
                let info = &e.info;
                json!({
                    "kind": info.kind,
                    "doc": info.doc,
                    "inputs": info.inputs.iter().map(|p| p.id).collect::<Vec<_>>(),
                    "outputs": info.outputs.iter().map(|p| p.id).collect::<Vec<_>>(),
                    "params": info.params.iter().map(param).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// One ParamSpec.
pub fn param(p: &ParamSpec) -> Value {
    let (kind, range, taper, variants) = match p.kind {
        ParamKind::Float { min, max, taper } => (
            "float",
            json!([min, max]),
            Value::from(match taper {
                Taper::Linear => "linear",
                Taper::Logarithmic => "logarithmic",
            }),
            Value::Null,
        ),
        ParamKind::Int { min, max } => ("int", json!([min, max]), Value::Null, Value::Null),
        ParamKind::Bool => ("bool", json!([0, 1]), Value::Null, Value::Null),
        ParamKind::Enum { variants } => (
            "enum",
            json!([0, variants.len().saturating_sub(1)]),
            Value::Null,
            json!(variants),
        ),
        ParamKind::File { extensions } => ("file", Value::Null, Value::Null, json!(extensions)),
    };
    let smoothing = match p.smoothing {
        Smoothing::None => "none",
        Smoothing::Linear(_) => "linear",
        Smoothing::Exponential(_) => "exponential",
        Smoothing::Logarithmic(_) => "logarithmic",
    };
    json!({
        "id": p.id,
        "name": p.name,
        "doc": p.doc,
        "kind": kind,
        "range": range,
        "taper": taper,
        "unit": p.unit,
        "smoothing": smoothing,
        "smoothing_ms": p.smoothing.time_ms(),
        "default": p.default,
        "variants": variants,
    })
}
