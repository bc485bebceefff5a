//! [`SequencerConfig`]: the sequencer's settings, the `sequencer` section of the
//! `--config FILE` (RON). Every field has the issue's default, so an empty section is a
//! complete config. A patch's `sequence` section overrides the musical fields (tempo,
//! swing, density, scale); mutation and idle come from here unless the patch sets them.

use serde::{Deserialize, Serialize};

use super::quantize::Quantize;
use super::scale::ScaleKind;

/// The sequencer's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SequencerConfig {
    /// Tempo, 20–300 BPM.
    pub bpm: f32,
    /// Default pattern length, 1–64 steps (a `euclid` track without `n`).
    pub steps: usize,
    /// Swing, 0–0.75 of a step.
    pub swing: f32,
    /// Global density, 0–1.
    pub density: f32,
    /// Tempo drift depth, 0–0.25 (±fraction of the tempo).
    pub drift: f32,
    /// When a scale change lands.
    pub quantize_scale_changes: Quantize,
    /// The scale palette: `ScaleSelect` (and `/seq/scale` by index) choose among these.
    pub scales: Vec<ScaleKind>,
    /// The mutation engine.
    pub mutation: MutationConfig,
    /// Idle/ambient mode.
    pub idle: IdleConfig,
}

impl Default for SequencerConfig {
    fn default() -> Self {
        SequencerConfig {
            bpm: 110.0,
            steps: 8,
            swing: 0.12,
            density: 0.85,
            drift: 0.02,
            quantize_scale_changes: Quantize::Bar,
            scales: vec![ScaleKind::Major, ScaleKind::Minor, ScaleKind::Pentatonic],
            mutation: MutationConfig::default(),
            idle: IdleConfig::default(),
        }
    }
}

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

/// A sequencer setting out of range: which field (its path inside the `sequencer`
/// section, e.g. `["mutation", "min_interval"]`) and what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    /// Field names from the section's root.
    pub path: Vec<&'static str>,
    /// `sequencer.<path> <value> is out of range <lo> .. <hi>` or similar.
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl SequencerConfig {
    /// Checks every range; the error names the field.
    pub fn check(&self) -> Result<(), FieldError> {
        let range = |path: &[&'static str], v: f32, lo: f32, hi: f32| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(FieldError {
                    path: path.to_vec(),
                    message: format!(
                        "sequencer.{} {v} is out of range {lo} .. {hi}",
                        path.join(".")
                    ),
                })
            }
        };
        range(&["bpm"], self.bpm, 20.0, 300.0)?;
        range(&["steps"], self.steps as f32, 1.0, 64.0)?;
        range(&["swing"], self.swing, 0.0, 0.75)?;
        range(&["density"], self.density, 0.0, 1.0)?;
        range(&["drift"], self.drift, 0.0, 0.25)?;
        if self.scales.is_empty() {
            return Err(FieldError {
                path: vec!["scales"],
                message: "sequencer.scales must name at least one scale".to_string(),
            });
        }
        let m = &self.mutation;
        range(&["mutation", "min_interval"], m.min_interval, 1.0, 86_400.0)?;
        range(
            &["mutation", "max_interval"],
            m.max_interval,
            m.min_interval,
            86_400.0,
        )?;
        range(
            &["mutation", "max_changes_per_cycle"],
            m.max_changes_per_cycle as f32,
            0.0,
            16.0,
        )?;
        range(&["mutation", "max_delta"], m.max_delta, 0.0, 0.5)?;
        let w = m.weights;
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
        let i = &self.idle;
        range(&["idle", "timeout"], i.timeout, 0.0, 86_400.0)?;
        range(&["idle", "fade_in"], i.fade_in, 0.0, 600.0)?;
        range(&["idle", "fade_out"], i.fade_out, 0.0, 600.0)?;
        range(&["idle", "exit_after"], i.exit_after, 0.0, 60.0)?;
        range(&["idle", "ambient", "density"], i.ambient.density, 0.0, 1.0)?;
        range(
            &["idle", "ambient", "tempo_scale"],
            i.ambient.tempo_scale,
            0.1,
            4.0,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_issues_and_an_empty_section_is_complete() {
        let c: SequencerConfig = ron::from_str("()").unwrap();
        assert_eq!(c, SequencerConfig::default());
        assert_eq!((c.bpm, c.steps, c.swing, c.density), (110.0, 8, 0.12, 0.85));
        assert_eq!(c.quantize_scale_changes, Quantize::Bar);
        assert_eq!(
            c.scales,
            [ScaleKind::Major, ScaleKind::Minor, ScaleKind::Pentatonic]
        );
        assert_eq!(
            (c.mutation.min_interval, c.mutation.max_interval),
            (120.0, 240.0)
        );
        assert_eq!(c.mutation.max_changes_per_cycle, 2);
        assert_eq!(
            (c.idle.timeout, c.idle.fade_in, c.idle.fade_out),
            (30.0, 4.0, 0.8)
        );
        c.check().unwrap();
    }

    #[test]
    fn ron_round_trip_and_range_errors_name_the_field() {
        let c: SequencerConfig = ron::from_str(
            r#"(bpm: 90, scales: ["dorian", "whole_tone"], quantize_scale_changes: "beat", idle: (timeout: 10))"#,
        )
        .unwrap();
        assert_eq!(c.scales, [ScaleKind::Dorian, ScaleKind::WholeTone]);
        assert_eq!(c.quantize_scale_changes, Quantize::Beat);
        assert_eq!(c.idle.timeout, 10.0);
        let bad = SequencerConfig { swing: 0.9, ..c };
        assert_eq!(
            bad.check().unwrap_err().to_string(),
            "sequencer.swing 0.9 is out of range 0 .. 0.75"
        );
        assert!(ron::from_str::<SequencerConfig>("(tempo: 3)").is_err());
    }
}
