//! The sequencer's side of the controller: semantic [`SequencerAction`]s (from the MIDI
//! router, the config) and direct [`SeqCommand`]s (from OSC `/seq/...`) become
//! `Event::Sequencer` engine events, checked here first. A patch without a `sequence`
//! section has no sequencer: every call refuses with [`ControlError::NoSequencer`].
//!
//! How a control position 0..1 maps onto each control's range:
//!
//! | control | 0 … 1 |
//! |---|---|
//! | `tempo` | 20 … 300 BPM, linear |
//! | `swing` | 0 … 0.75 of a step |
//! | `density` | 0 … 1 |
//! | `sequence_length` | 1 … 64 steps (rounded) |
//! | `scale_select` | the palette of scales (the patch's `scales`, else the config's), in equal slices |
//! | `chaos_lock` | off below 0.5, on from 0.5 |
//! | `mode` | below 1/3 always active, 1/3 … 2/3 auto (idle timeout), from 2/3 always ambient |
//! | `palette` | sound palette: blend of the patch's `ambient` param values over the active ones |
//! | `drift` | 0 … ±25 % tempo drift |

use super::controller::Controller;
use super::error::ControlError;
use super::semantic_action::{SequencerAction, SequencerControl};
use crate::engine::Event;
use crate::patch::{ScaleKind, MAX_STEPS};
use crate::seq::clock::{MAX_BPM, MIN_BPM};
use crate::seq::drift::MAX_DRIFT;
use crate::seq::idle::ModePolicy;
use crate::seq::status::SeqState;
use crate::seq::swing::MAX_SWING;
use crate::seq::SeqCommand;

impl Controller {
    /// Applies a semantic sequencer action at engine sample `time` (`None`: the next
    /// block). Refused when the running patch has no `sequence` section, or when the
    /// position (0..1) or velocity (0..1) is out of range.
    pub fn sequencer_action(
        &mut self,
        action: SequencerAction,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        let palette = self.scale_palette()?;
        let cmd = match action {
            SequencerAction::Set { control, position } => {
                let p = unit(position, "position")?;
                match control {
                    SequencerControl::Tempo => SeqCommand::Bpm(MIN_BPM + p * (MAX_BPM - MIN_BPM)),
                    SequencerControl::Swing => SeqCommand::Swing(p * MAX_SWING),
                    SequencerControl::Density => SeqCommand::Density(p),
                    SequencerControl::SequenceLength => {
                        SeqCommand::Length(1 + (p * (MAX_STEPS - 1) as f32).round() as u8)
                    }
                    SequencerControl::ScaleSelect => {
                        let i = ((p * palette.len() as f32) as usize).min(palette.len() - 1);
                        SeqCommand::Scale(palette[i])
                    }
                    SequencerControl::ChaosLock => SeqCommand::ChaosLock(p >= 0.5),
                    SequencerControl::Mode => SeqCommand::Mode(if p < 1.0 / 3.0 {
                        ModePolicy::Active
                    } else if p < 2.0 / 3.0 {
                        ModePolicy::Auto
                    } else {
                        ModePolicy::Ambient
                    }),
                    SequencerControl::Palette => SeqCommand::Palette(p),
                    SequencerControl::Drift => SeqCommand::Drift(p * MAX_DRIFT),
                }
            }
            SequencerAction::TriggerStep { index, velocity } => SeqCommand::TriggerStep {
                index,
                velocity: unit(velocity, "velocity")?,
            },
        };
        self.send_sequencer(cmd, time)
    }

    /// Sends a sequencer command after checking it against the running patch's sequence
    /// (tracks exist, values in range).
    pub fn sequencer_command(
        &mut self,
        cmd: SeqCommand,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        let tracks = self.track_count()?;
        let range = |what: &str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(ControlError::Sequencer(format!(
                    "{what} {v} is out of range {lo} .. {hi}"
                )))
            }
        };
        let track = |t: u8| {
            if (t as usize) < tracks {
                Ok(())
            } else {
                Err(ControlError::Sequencer(format!(
                    "track {t} does not exist (the sequence has {tracks})"
                )))
            }
        };
        match cmd {
            SeqCommand::Bpm(v) => range("bpm", v as f64, MIN_BPM as f64, MAX_BPM as f64)?,
            SeqCommand::Swing(v) => range("swing", v as f64, 0.0, MAX_SWING as f64)?,
            SeqCommand::Density(v) => range("density", v as f64, 0.0, 1.0)?,
            SeqCommand::Root(r) => range("root", r as f64, 0.0, 127.0)?,
            SeqCommand::Length(n) => range("length", n as f64, 1.0, MAX_STEPS as f64)?,
            SeqCommand::Step {
                track: t,
                index,
                velocity,
                probability,
                ..
            } => {
                track(t)?;
                range("step index", index as f64, 0.0, (MAX_STEPS - 1) as f64)?;
                range("velocity", velocity as f64, 0.0, 1.0)?;
                range("probability", probability as f64, 0.0, 1.0)?;
            }
            SeqCommand::Euclid { track: t, k, n, .. } => {
                track(t)?;
                range("euclid n", n as f64, 1.0, MAX_STEPS as f64)?;
                range("euclid k", k as f64, 0.0, n as f64)?;
            }
            SeqCommand::LoopLock(n) => range("loop length", n as f64, 0.0, 64.0)?,
            SeqCommand::Drift(d) => range("drift", d as f64, 0.0, MAX_DRIFT as f64)?,
            SeqCommand::Palette(p) => range("palette", p as f64, 0.0, 1.0)?,
            SeqCommand::TriggerStep { velocity, .. } => {
                range("velocity", velocity as f64, 0.0, 1.0)?
            }
            SeqCommand::Start
            | SeqCommand::Stop
            | SeqCommand::Continue
            | SeqCommand::Position(_)
            | SeqCommand::Follow(_)
            | SeqCommand::ClockTick
            | SeqCommand::Scale(_)
            | SeqCommand::ChaosLock(_)
            | SeqCommand::Mode(_) => {}
        }
        self.send_sequencer(cmd, time)
    }

    /// The sequencer's state as the engine last published it.
    pub fn sequencer_state(&self) -> Result<SeqState, ControlError> {
        self.track_count()?;
        Ok(self.engine().seq_status().snapshot())
    }

    fn send_sequencer(&mut self, cmd: SeqCommand, time: Option<u64>) -> Result<(), ControlError> {
        self.track_count()?;
        self.send_all(time, &[Event::Sequencer(cmd)])?;
        self.record_sequence_edit(cmd);
        Ok(())
    }

    /// Number of tracks of the running sequence, or `NoSequencer`.
    fn track_count(&self) -> Result<usize, ControlError> {
        self.running()
            .sequence
            .as_ref()
            .map(|s| s.tracks.len())
            .ok_or(ControlError::NoSequencer)
    }

    /// The scales `scale_select` chooses among.
    fn scale_palette(&self) -> Result<Vec<ScaleKind>, ControlError> {
        let seq = self
            .running()
            .sequence
            .as_ref()
            .ok_or(ControlError::NoSequencer)?;
        let palette = if seq.scales.is_empty() {
            self.sequencer_config().scales.clone()
        } else {
            seq.scales.clone()
        };
        if palette.is_empty() {
            return Err(ControlError::Sequencer(
                "no scales to select from".to_string(),
            ));
        }
        Ok(palette)
    }
}

/// `v` if it is within 0..1.
fn unit(v: f32, what: &str) -> Result<f32, ControlError> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(ControlError::Sequencer(format!(
            "{what} {v} is out of range 0 .. 1"
        )))
    }
}
