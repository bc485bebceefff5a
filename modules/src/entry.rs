//! [`ModuleEntry`]: one registered kind, its static description and its constructor.
//!
//! Kind files build their entries from this low file; the [`registry`](crate::registry)
//! lists them. Nothing here knows any kind.

use crate::module::{Module, ModuleInfo};
use crate::supercollider::ScCounterpart;

/// A registered kind: how to build an instance, and what it looks like.
#[derive(Clone, Copy, Debug)]
pub struct ModuleEntry {
    /// Static description (kind name, ports, params, roles).
    pub info: &'static ModuleInfo,
    /// Builds a fresh, unprepared instance. May allocate (control thread only).
    pub create: fn() -> Box<dyn Module>,
    /// The kind's SuperCollider counterpart, if it has one (see
    /// [`supercollider`](crate::supercollider)).
    pub supercollider: Option<&'static ScCounterpart>,
}

impl ModuleEntry {
    /// The entry of a kind whose module is `T`'s `Default` value:
    /// `pub const MY_KIND: ModuleEntry = ModuleEntry::of::<MyModule>(&MY_INFO);`.
    pub const fn of<T: Module + Default>(info: &'static ModuleInfo) -> Self {
        ModuleEntry {
            info,
            create: create_default::<T>,
            supercollider: None,
        }
    }

    /// This entry with a SuperCollider counterpart:
    /// `ModuleEntry::of::<MyModule>(&MY_INFO).supercollider(&MY_SC)`.
    pub const fn supercollider(self, counterpart: &'static ScCounterpart) -> Self {
        ModuleEntry {
            supercollider: Some(counterpart),
            ..self
        }
    }
}

/// The constructor of a kind whose module is its type's `Default` value (what
/// [`ModuleEntry::of`] uses).
pub fn create_default<T: Module + Default>() -> Box<dyn Module> {
    Box::new(T::default())
}
