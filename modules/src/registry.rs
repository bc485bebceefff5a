//! The module registry: kind name → constructor and static [`ModuleInfo`].
//!
//! Adding a built-in module is one file in this crate plus one line in [`BUILTIN`]. Programs
//! embedding Chronus can [`register`](Registry::register) kinds of their own; the host never
//! needs to know a module by name.

use thiserror::Error;

use crate::module::{Module, ModuleInfo};

/// A registered kind: how to build an instance, and what it looks like.
#[derive(Clone, Copy, Debug)]
pub struct ModuleEntry {
    /// Static description (kind name, ports, params).
    pub info: &'static ModuleInfo,
    /// Builds a fresh, unprepared instance. May allocate (control thread only).
    pub create: fn() -> Box<dyn Module>,
}

/// The constructor of a kind whose module is its type's `Default` value:
/// `ModuleEntry { info: &MY_INFO, create: create_default::<MyModule> }`.
pub fn create_default<T: Module + Default>() -> Box<dyn Module> {
    Box::new(T::default())
}

/// Every built-in kind, in the order `chronus modules` lists them.
pub static BUILTIN: &[ModuleEntry] = &[
    crate::osc::SINE,
    crate::osc::SAW,
    crate::osc::SQUARE,
    crate::osc::TRIANGLE,
    crate::noise::NOISE,
    crate::lfo::LFO,
    crate::filter::LOWPASS,
    crate::filter::HIGHPASS,
    crate::filter::BANDPASS,
    crate::filter::MOOG,
    crate::env::ADSR,
    crate::util::VCA,
    crate::util::MIXER,
    crate::util::PAN,
    crate::util::CONST,
    crate::midi_cc::MIDI_CC,
    crate::fx::DELAY,
    crate::fx::REVERB,
];

/// Why a registration was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RegistryError {
    /// Two kinds cannot share a name.
    #[error("module kind `{0}` is already registered")]
    Duplicate(&'static str),
}

/// A set of module kinds, looked up by name.
#[derive(Clone, Debug)]
pub struct Registry {
    entries: Vec<ModuleEntry>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Registry {
    /// A registry holding every built-in kind.
    pub fn builtin() -> Self {
        Registry {
            entries: BUILTIN.to_vec(),
        }
    }

    /// A registry with no kinds at all.
    pub fn empty() -> Self {
        Registry {
            entries: Vec::new(),
        }
    }

    /// Adds a kind. Refused if its name is taken.
    pub fn register(&mut self, entry: ModuleEntry) -> Result<(), RegistryError> {
        if self.get(entry.info.kind).is_some() {
            return Err(RegistryError::Duplicate(entry.info.kind));
        }
        self.entries.push(entry);
        Ok(())
    }

    /// The entry for `kind`.
    pub fn get(&self, kind: &str) -> Option<&ModuleEntry> {
        self.entries.iter().find(|e| e.info.kind == kind)
    }

    /// A fresh, unprepared instance of `kind`.
    pub fn create(&self, kind: &str) -> Option<Box<dyn Module>> {
        self.get(kind).map(|e| (e.create)())
    }

    /// Every entry, in registration order.
    pub fn entries(&self) -> &[ModuleEntry] {
        &self.entries
    }

    /// Every kind name, in registration order.
    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().map(|e| e.info.kind)
    }
}
