//! Deserializing id maps that refuse duplicate keys.
//!
//! serde's `IndexMap` (like `HashMap`) keeps the last value of a repeated key and says
//! nothing, so `{"osc": (kind: "saw"), "osc": (kind: "sine")}` would silently lose a
//! module. The model's id maps use these functions (`#[serde(deserialize_with)]`) instead;
//! the error message is `duplicate module id "osc"` (see [`IdKind::label`]), and `ron`
//! attaches the position where it stopped. [`super::load::parse`] then turns it into a
//! [`PatchErrorKind::DuplicateId`](super::PatchErrorKind::DuplicateId) pointing at both
//! occurrences.

use std::fmt;
use std::marker::PhantomData;

use indexmap::IndexMap;
use serde::de::{Deserialize, Deserializer, Error, MapAccess, Visitor};

use super::error::IdKind;

/// The message of a duplicate-key error, shared with the code that recognises it.
pub(crate) fn duplicate_message(label: &str, key: &str) -> String {
    format!("duplicate {label} {key:?}")
}

struct UniqueMap<V> {
    label: &'static str,
    marker: PhantomData<V>,
}

impl<'de, V: Deserialize<'de>> Visitor<'de> for UniqueMap<V> {
    type Value = IndexMap<String, V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a map of {}s", self.label)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = IndexMap::with_capacity(map.size_hint().unwrap_or(0).min(256));
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(A::Error::custom(duplicate_message(self.label, &key)));
            }
            let value = map.next_value()?;
            out.insert(key, value);
        }
        Ok(out)
    }
}

fn unique_map<'de, D, V>(d: D, label: &'static str) -> Result<IndexMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    d.deserialize_map(UniqueMap {
        label,
        marker: PhantomData,
    })
}

/// A `modules` map; a repeated module id is an error.
pub(crate) fn modules<'de, D, V>(d: D) -> Result<IndexMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    unique_map(d, IdKind::Module.label())
}

/// The `instruments` map; a repeated instrument id is an error.
pub(crate) fn instruments<'de, D, V>(d: D) -> Result<IndexMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    unique_map(d, IdKind::Instrument.label())
}

/// A `params` map; a repeated param id is an error.
pub(crate) fn params<'de, D, V>(d: D) -> Result<IndexMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    unique_map(
        d,
        IdKind::Param {
            module: String::new(),
        }
        .label(),
    )
}

/// The `tracks` map of a `sequence`; a repeated track name is an error.
pub(crate) fn tracks<'de, D, V>(d: D) -> Result<IndexMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    unique_map(d, "track")
}
