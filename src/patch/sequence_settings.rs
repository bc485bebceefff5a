//! The sequencer settings a patch's `sequence` section may carry, and the `sequencer`
//! section of `--config` too: [`MutationConfig`] and [`IdleConfig`] with their range
//! checks. A [`FieldError`] names the field (its path from the section's root) and says
//! what is wrong in one line.

use serde::{Deserialize, Serialize};

use super::sequence_enums::ScaleKind;

/// The mutation engine's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MutationConfig {
    /// Shortest time between two mutation cycles, seconds.
    pub min_interval: f32,
    /// Longest time between two mutation cycles, seconds.
    pub max_interval: f32,
    /// Most changes in one cycle.
    pub max_changes_per_cycle: u32,
    /// Largest change of a continuous value, as a fraction of its range (0..0.5).
    pub max_delta: f32,
    /// Relative weights of the categories a change picks from.
    pub weights: MutationWeights,
}

impl Default for MutationConfig {
    fn default() -> Self {
        MutationConfig {
            min_interval: 120.0,
            max_interval: 240.0,
            max_changes_per_cycle: 2,
            max_delta: 0.1,
            weights: MutationWeights::default(),
        }
    }
}

/// Weights of the mutation categories (0 disables one).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MutationWeights {
    /// A step's scale degree (±1 or ±2 degrees), or a rest becoming a note and back.
    pub notes: f32,
    /// A step's velocity.
    pub velocity: f32,
    /// A step's probability.
    pub probability: f32,
    /// Global density.
    pub density: f32,
    /// Swing.
    pub swing: f32,
    /// One of the patch's `mutate` params (filter cutoff, reverb mix...).
    pub params: f32,
}

impl Default for MutationWeights {
    fn default() -> Self {
        MutationWeights {
            notes: 4.0,
            velocity: 2.0,
            probability: 1.0,
            density: 1.0,
            swing: 1.0,
            params: 2.0,
        }
    }
}

/// Idle/ambient mode settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdleConfig {
    /// Seconds without interaction before the ambient profile fades in (0: never).
    pub timeout: f32,
    /// Fade into the ambient profile, seconds.
    pub fade_in: f32,
    /// Fade back to the active profile, seconds.
    pub fade_out: f32,
    /// Seconds of continued activity (gaps under this long) that end ambient mode; a
    /// note ends it at once.
    pub exit_after: f32,
    /// The ambient profile.
    pub ambient: AmbientProfile,
}

impl Default for IdleConfig {
    fn default() -> Self {
        IdleConfig {
            timeout: 30.0,
            fade_in: 4.0,
            fade_out: 0.8,
            exit_after: 1.0,
            ambient: AmbientProfile::default(),
        }
    }
}

/// What ambient mode changes (params it glides come from the patch's `ambient` map).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmbientProfile {
    /// Density while ambient.
    pub density: f32,
    /// Tempo factor while ambient (0.75: a quarter slower).
    pub tempo_scale: f32,
    /// The airy scale played while ambient (quantized like any scale change).
    pub scale: ScaleKind,
}

impl Default for AmbientProfile {
    fn default() -> Self {
        AmbientProfile {
            density: 0.4,
            tempo_scale: 0.75,
            scale: ScaleKind::Pentatonic,
        }
    }
}

/// A sequencer setting out of range: which field (its path inside the section, e.g.
/// `["mutation", "min_interval"]`) and what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    /// Field names from the section's root.
    pub path: Vec<&'static str>,
    /// `<path> <value> is out of range <lo> .. <hi>` or similar (the `sequencer` config
    /// prefixes `sequencer.`).
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl FieldError {
    /// `Ok` when `v` is finite and within `lo ..= hi`, else the error naming `path`.
    pub fn check_range(path: &[&'static str], v: f32, lo: f32, hi: f32) -> Result<(), FieldError> {
        if v.is_finite() && (lo..=hi).contains(&v) {
            Ok(())
        } else {
            Err(FieldError {
                path: path.to_vec(),
                message: format!("{} {v} is out of range {lo} .. {hi}", path.join(".")),
            })
        }
    }
}

impl MutationConfig {
    /// Checks every range, in field order; the error names the field (`mutation.…`).
    pub fn check(&self) -> Result<(), FieldError> {
        let range = FieldError::check_range;
        range(
            &["mutation", "min_interval"],
            self.min_interval,
            1.0,
            86_400.0,
        )?;
        range(
            &["mutation", "max_interval"],
            self.max_interval,
            self.min_interval,
            86_400.0,
        )?;
        range(
            &["mutation", "max_changes_per_cycle"],
            self.max_changes_per_cycle as f32,
            0.0,
            16.0,
        )?;
        range(&["mutation", "max_delta"], self.max_delta, 0.0, 0.5)?;
        let w = self.weights;
        for (name, v) in [
            ("notes", w.notes),
            ("velocity", w.velocity),
            ("probability", w.probability),
            ("density", w.density),
            ("swing", w.swing),
            ("params", w.params),
        ] {
            range(&["mutation", "weights", name], v, 0.0, 1000.0)?;
        }
        Ok(())
    }
}

impl IdleConfig {
    /// Checks every range, in field order; the error names the field (`idle.…`).
    pub fn check(&self) -> Result<(), FieldError> {
        let range = FieldError::check_range;
        range(&["idle", "timeout"], self.timeout, 0.0, 86_400.0)?;
        range(&["idle", "fade_in"], self.fade_in, 0.0, 600.0)?;
        range(&["idle", "fade_out"], self.fade_out, 0.0, 600.0)?;
        range(&["idle", "exit_after"], self.exit_after, 0.0, 60.0)?;
        range(
            &["idle", "ambient", "density"],
            self.ambient.density,
            0.0,
            1.0,
        )?;
        range(
            &["idle", "ambient", "tempo_scale"],
            self.ambient.tempo_scale,
            0.1,
            4.0,
        )?;
        Ok(())
    }
}
