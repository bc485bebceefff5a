//! Unit enums written by name: the [`Named`] trait and the `serde_by_name!` macro that
//! reads and writes the sequence model's unit enums as strings in RON files
//! (`scale: "minor"`). ron reads a derived unit enum as a bare identifier (`minor`), which
//! the patch format does not use (the same reason `patch::Steal` has its own impls).

use serde::{Deserialize, Deserializer, Serializer};

/// A unit enum with a name per variant.
pub trait Named: Sized + Copy + 'static {
    /// Every variant.
    const ALL: &'static [Self];
    /// What the values are called in error messages.
    const WHAT: &'static str;
    /// The variant's name in files.
    fn name(self) -> &'static str;

    /// The variant named `name`, or an error listing the names.
    fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|s| s.name()).collect();
                format!(
                    "unknown {} \"{name}\" (known: {})",
                    Self::WHAT,
                    names.join(", ")
                )
            })
    }
}

/// `#[serde(serialize_with)]`-style helper: writes the name.
pub fn serialize<T: Named, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.name())
}

/// Reads a name.
pub fn deserialize<'de, T: Named, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let s = String::deserialize(d)?;
    T::parse(&s).map_err(serde::de::Error::custom)
}

/// Implements Serialize/Deserialize through [`Named`].
macro_rules! serde_by_name {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $crate::patch::enum_names::serialize(self, s)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::patch::enum_names::deserialize(d)
            }
        }
    };
}
pub(crate) use serde_by_name;
