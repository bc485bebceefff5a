//! The module registry: kind name → [`ModuleEntry`] (constructor and static
//! [`ModuleInfo`](crate::ModuleInfo)), and [`BUILTIN`], the list of built-in kinds.
//!
//! Adding a built-in module is one file in this crate plus one line in [`BUILTIN`]. Programs
//! embedding Chronus can [`register`](Registry::register) kinds of their own; the host never
//! needs to know a module by name: where it acts on a sort of module, it asks for the kinds
//! with a [`Role`].

use thiserror::Error;

use crate::entry::ModuleEntry;
use crate::module::Module;
use crate::role::Role;

/// Every built-in kind, in the order `chronus modules` (and the README's table) lists
/// them. A new built-in kind is one file in this crate and one line here.
pub static BUILTIN: &[ModuleEntry] = &[
    crate::oscillator::SINE,
    crate::oscillator::SAW,
    crate::oscillator::SQUARE,
    crate::oscillator::TRIANGLE,
    crate::noise::NOISE,
    crate::lfo::LFO,
    crate::filter::svf::LOWPASS,
    crate::filter::svf::HIGHPASS,
    crate::filter::svf::BANDPASS,
    crate::filter::ladder::MOOG,
    crate::envelope::ADSR,
    crate::vca::VCA,
    crate::dynamics::limiter::LIMITER,
    crate::dynamics::compressor::COMPRESSOR,
    crate::colour::saturator::SATURATOR,
    crate::colour::wavefolder::WAVEFOLDER,
    crate::colour::bitcrusher::BITCRUSHER,
    crate::colour::ring::RING,
    crate::mixer::MIXER,
    crate::pan::PAN,
    crate::constant::CONST,
    crate::midi_cc::MIDI_CC,
    crate::fx::delay::DELAY,
    crate::fx::reverb::REVERB,
    // Module library II, sources, filters and utilities (issue 22).
    crate::source::fm::FM,
    crate::source::supersaw::SUPERSAW,
    crate::source::pluck::PLUCK,
    crate::source::impulse::IMPULSE,
    crate::source::wavetable::WAVETABLE,
    crate::source::sampler::SAMPLER,
    crate::eq::biquad::BIQUAD,
    crate::eq::comb::COMB,
    crate::eq::formant::FORMANT,
    crate::eq::dc_block::DC_BLOCK,
    crate::utility::slew::SLEW,
    crate::utility::sample_hold::SAMPLE_HOLD,
    crate::utility::quantizer::QUANTIZER,
    crate::utility::follower::ENVELOPE_FOLLOWER,
    crate::utility::envelopes::AR,
    crate::utility::envelopes::AD,
    crate::utility::math::MATH,
    crate::utility::crossfade::CROSSFADE,
    crate::utility::clock::PULSE_TRAIN,
    crate::utility::clock::CLOCK_DIV,
    crate::utility::clock::GATE_DELAY,
    crate::utility::random::RANDOM,
    crate::fx::chorus::CHORUS,
    crate::fx::flanger::FLANGER,
    crate::fx::phaser::PHASER,
    crate::fx::ping_pong::PING_PONG,
    crate::fx::plate::PLATE,
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

    /// Whether `kind` is registered and plays `role`.
    pub fn has_role(&self, kind: &str, role: Role) -> bool {
        self.get(kind).is_some_and(|e| e.info.has_role(role))
    }

    /// The entries of every kind playing `role`, in registration order.
    pub fn with_role(&self, role: Role) -> impl Iterator<Item = &ModuleEntry> + '_ {
        self.entries.iter().filter(move |e| e.info.has_role(role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_kind_has_the_params_its_roles_promise() {
        for entry in BUILTIN {
            for role in entry.info.roles {
                for id in role.params() {
                    assert!(
                        entry.info.param(id).is_some(),
                        "`{}` plays {role:?} but has no param `{id}`",
                        entry.info.kind
                    );
                }
            }
        }
    }

    #[test]
    fn roles_find_the_filters_the_reverb_and_the_midi_cc_source() {
        let registry = Registry::builtin();
        let kinds = |role| {
            registry
                .with_role(role)
                .map(|e| e.info.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kinds(Role::Filter),
            ["lowpass", "highpass", "bandpass", "moog"]
        );
        assert_eq!(kinds(Role::Reverb), ["reverb", "plate"]);
        assert_eq!(kinds(Role::MidiCcSource), ["midi_cc"]);
        assert!(registry.has_role("moog", Role::Filter));
        assert!(!registry.has_role("delay", Role::Reverb));
        assert!(!registry.has_role("nothing", Role::Filter));
    }
}
