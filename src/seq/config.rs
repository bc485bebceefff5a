//! [`SequencerConfig`]: the sequencer's settings, the `sequencer` section of the
//! `--config FILE` (RON). Every field has the issue's default, so an empty section is a
//! complete config. A patch's `sequence` section overrides the musical fields (tempo,
//! swing, density, scale); mutation and idle come from here unless the patch sets them
//! (their types, shared with the patch model, are `patch::sequence_settings`).

use serde::{Deserialize, Serialize};

use crate::patch::{
    FieldError, IdleConfig, MutationConfig, Quantize, ScaleKind, DEFAULT_STEPS, MAX_STEPS,
};

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
            steps: DEFAULT_STEPS,
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

impl SequencerConfig {
    /// Checks every range; the error names the field (`sequencer.<path> …`).
    pub fn check(&self) -> Result<(), FieldError> {
        self.check_fields().map_err(|e| FieldError {
            message: format!("sequencer.{}", e.message),
            ..e
        })
    }

    /// [`check`](Self::check) without the `sequencer.` prefix of the message.
    fn check_fields(&self) -> Result<(), FieldError> {
        let range = FieldError::check_range;
        range(&["bpm"], self.bpm, 20.0, 300.0)?;
        range(&["steps"], self.steps as f32, 1.0, MAX_STEPS as f32)?;
        range(&["swing"], self.swing, 0.0, 0.75)?;
        range(&["density"], self.density, 0.0, 1.0)?;
        range(&["drift"], self.drift, 0.0, 0.25)?;
        if self.scales.is_empty() {
            return Err(FieldError {
                path: vec!["scales"],
                message: "scales must name at least one scale".to_string(),
            });
        }
        self.mutation.check()?;
        self.idle.check()
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
