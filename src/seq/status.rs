//! [`SeqStatus`]: the conductor's state as atomics (written on the audio thread, read by
//! `/seq/state`). Relaxed stores: each figure is current on its own.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering::Relaxed};

use super::idle::ModePolicy;
use crate::patch::ScaleKind;

/// Published sequencer state.
#[derive(Debug, Default)]
pub struct SeqStatus {
    /// A sequencer runs (the patch has a `sequence` section).
    pub present: AtomicBool,
    /// Playing (not stopped).
    pub playing: AtomicBool,
    bpm: AtomicU32,
    density: AtomicU32,
    /// Step index of the first track.
    pub step: AtomicU64,
    /// Bar count since start.
    pub bar: AtomicU64,
    /// Index in [`ScaleKind::ALL`].
    pub scale: AtomicU32,
    /// True while ambient.
    pub ambient: AtomicBool,
    /// Who decides the mode: index in [`ModePolicy::ALL`] (0: auto).
    pub policy: AtomicU8,
    /// Cues dropped because the event-out ring was full.
    pub cues_dropped: AtomicU64,
    /// Notes dropped because the conductor's schedule was full.
    pub notes_dropped: AtomicU64,
    /// Someone takes the MIDI clock messages (the engine forwards them only then).
    pub clock_wanted: AtomicBool,
    /// MIDI clock messages dropped because the outbound ring was full.
    pub clock_dropped: AtomicU64,
    /// Mutation cycles skipped while overload shedding held mutation.
    pub mutations_held: AtomicU64,
    swing: AtomicU32,
    density_setting: AtomicU32,
    own_bpm: AtomicU32,
    bpm_setting: AtomicU32,
    /// Chaos lock: mutation cycles change nothing (`/seq/lock`).
    pub chaos_lock: AtomicBool,
}

/// A snapshot of [`SeqStatus`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeqState {
    /// A sequencer runs.
    pub present: bool,
    /// Playing.
    pub playing: bool,
    /// Tempo now (with drift and profile; following a Link session, the session's), BPM.
    pub bpm: f32,
    /// Step index of the first track.
    pub step: u64,
    /// Bar count.
    pub bar: u64,
    /// Scale playing.
    pub scale: ScaleKind,
    /// Effective density.
    pub density: f32,
    /// Ambient (idle) profile on.
    pub ambient: bool,
    /// Who decides the mode (`/seq/mode`, the `mode` control).
    pub policy: ModePolicy,
    /// Swing of the active profile (`/seq/swing`, mutation), 0..0.75.
    pub swing: f32,
    /// Density of the active profile (`/seq/density`, mutation), 0..1; `density` is this
    /// blended towards the ambient profile's.
    pub density_setting: f32,
    /// Chaos lock on (`/seq/lock`).
    pub chaos_lock: bool,
    /// Its own tempo (the sequence's, `/seq/bpm`, MIDI, with drift and the profile), BPM:
    /// what its own clock plays; following a Link session (which sets `bpm`), what it
    /// publishes to the session.
    pub own_bpm: f32,
    /// The tempo setting of the active profile (the sequence's, `/seq/bpm`, MIDI), BPM:
    /// `own_bpm` before drift and the ambient profile.
    pub bpm_setting: f32,
}

impl SeqStatus {
    /// Stores tempo and density. **Real-time safe.**
    pub fn set_figures(&self, bpm: f32, density: f32) {
        self.bpm.store(bpm.to_bits(), Relaxed);
        self.density.store(density.to_bits(), Relaxed);
    }

    /// Stores the tempo now. **Real-time safe.**
    pub fn set_bpm(&self, bpm: f32) {
        self.bpm.store(bpm.to_bits(), Relaxed);
    }

    /// Stores its own tempo and the profile's tempo setting. **Real-time safe.**
    pub fn set_own_tempo(&self, own_bpm: f32, bpm_setting: f32) {
        self.own_bpm.store(own_bpm.to_bits(), Relaxed);
        self.bpm_setting.store(bpm_setting.to_bits(), Relaxed);
    }

    /// Stores the active profile's swing and density and the chaos lock. **Real-time
    /// safe.**
    pub fn set_settings(&self, swing: f32, density: f32, chaos_lock: bool) {
        self.swing.store(swing.to_bits(), Relaxed);
        self.density_setting.store(density.to_bits(), Relaxed);
        self.chaos_lock.store(chaos_lock, Relaxed);
    }

    /// Reads everything.
    pub fn snapshot(&self) -> SeqState {
        SeqState {
            present: self.present.load(Relaxed),
            playing: self.playing.load(Relaxed),
            bpm: f32::from_bits(self.bpm.load(Relaxed)),
            step: self.step.load(Relaxed),
            bar: self.bar.load(Relaxed),
            scale: ScaleKind::ALL
                [(self.scale.load(Relaxed) as usize).min(ScaleKind::ALL.len() - 1)],
            density: f32::from_bits(self.density.load(Relaxed)),
            ambient: self.ambient.load(Relaxed),
            policy: ModePolicy::ALL
                [(self.policy.load(Relaxed) as usize).min(ModePolicy::ALL.len() - 1)],
            swing: f32::from_bits(self.swing.load(Relaxed)),
            density_setting: f32::from_bits(self.density_setting.load(Relaxed)),
            chaos_lock: self.chaos_lock.load(Relaxed),
            own_bpm: f32::from_bits(self.own_bpm.load(Relaxed)),
            bpm_setting: f32::from_bits(self.bpm_setting.load(Relaxed)),
        }
    }

    /// Stores who decides the mode. **Real-time safe.**
    pub fn set_policy(&self, policy: ModePolicy) {
        let i = ModePolicy::ALL
            .iter()
            .position(|p| *p == policy)
            .unwrap_or(0);
        self.policy.store(i as u8, Relaxed);
    }

    /// Adds one to a counter. **Real-time safe.**
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }
}
