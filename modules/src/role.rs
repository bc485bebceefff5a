//! [`Role`]: what a module kind is to the host beyond its ports and params.
//!
//! The host knows no module by name. Where it acts on "every filter" or "every module
//! following a MIDI controller", it asks the registry for the kinds with that role
//! ([`Registry::with_role`](crate::Registry::with_role)); a kind takes part by listing the
//! role in its [`ModuleInfo::roles`](crate::ModuleInfo::roles) and having the params the
//! role names ([`Role::params`]; a test checks every built-in kind).

/// A part a module kind plays for the host. Each role promises params of fixed ids, which
/// the host sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A filter with a `cutoff` param: the MIDI `filter_cutoff` action moves it along its
    /// taper.
    Filter,
    /// A reverb with a `mix` param: the MIDI `reverb_mix` action moves it along its taper.
    Reverb,
    /// A MIDI controller as a signal: int params `cc` (controller number) and `channel`
    /// (1-16, 0 = any), and a `value` param (0..1) the host sets as a live change when that
    /// controller moves on that channel.
    MidiCcSource,
}

impl Role {
    /// The ids of the params a kind with this role has.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            Role::Filter => &["cutoff"],
            Role::Reverb => &["mix"],
            Role::MidiCcSource => &["cc", "channel", "value"],
        }
    }
}
