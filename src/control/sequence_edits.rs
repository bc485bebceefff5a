//! [`SequenceEdits`]: the running patch's `sequence` section with the live sequencer
//! edits applied (`/seq/*` and the router's sequencer controls), so that `/patch/save` and
//! `/patch/dump` write the piece as it plays, not as it was loaded.
//!
//! What counts as an edit is what a user sets: tempo, swing, density, drift, scale, root,
//! length, steps and Euclidean refills. Transport and performance state (start/stop,
//! chaos and loop locks, mode, palette, triggered steps) are not part of a patch, and the
//! mutation engine's own changes are the piece's generative process, not edits: the saved
//! piece mutates again from its own settings.
//!
//! The running section itself is not changed: the engine keeps the sequencer's live state
//! across commits only while the section stays the same (see
//! [`Conductor::take_over`](crate::seq::Conductor::take_over)), so the edits are kept
//! beside it, and dropped, as the engine drops that state, by the first commit that
//! changes the section (the controller clears them).
//!
//! What is written of a track is the steps that play (its length); steps kept past the
//! length (after `/seq/length` shortened it, or set there by `/seq/step`) are not. A
//! Euclidean refill takes velocity, gate and probability from the track's first note
//! step; when the mutation engine has changed that step, the engine's refill takes the
//! mutated values, the recorded one the step's values before mutation.

use super::sequencer_build::{euclid_degree_cycle, track_pattern};
use crate::patch::MAX_EUCLID_DEGREES;
use crate::patch::{SequenceDesc, StepDesc, TrackDesc};
use crate::seq::edit::edit_track;
use crate::seq::pattern::{Pattern, Step};
use crate::seq::SeqCommand;

/// The live edits of the running `sequence` section (none at first).
#[derive(Clone, Debug, Default)]
pub struct SequenceEdits {
    edited: Option<Edited>,
}

/// A running section and the same section with the edits made on it.
#[derive(Clone, Debug)]
struct Edited {
    /// The running section the edits were made on.
    base: SequenceDesc,
    /// `base` with the edits.
    section: SequenceDesc,
    /// Each track's steps as the conductor holds them, edited by the same function.
    tracks: Vec<Option<TrackSteps>>,
}

#[derive(Clone, Debug)]
struct TrackSteps {
    pattern: Pattern,
    degrees: [i8; MAX_EUCLID_DEGREES],
    degree_count: usize,
}

impl SequenceEdits {
    /// Records `cmd`, just sent to the engine, as an edit of `running` (the running
    /// section). Edits made on an earlier section are dropped first. `default_len`: the
    /// sequencer config's `steps` (the length of a `euclid` track without `n`).
    pub fn record(&mut self, running: &SequenceDesc, cmd: SeqCommand, default_len: usize) {
        let edited = match &mut self.edited {
            Some(e) if e.base == *running => e,
            slot => slot.insert(Edited::new(running, default_len)),
        };
        let section = &mut edited.section;
        match cmd {
            SeqCommand::Bpm(v) => section.bpm = Some(v),
            SeqCommand::Swing(v) => section.swing = Some(v),
            SeqCommand::Density(v) => section.density = Some(v),
            SeqCommand::Drift(v) => section.drift = Some(v),
            SeqCommand::Scale(kind) => section.scale = Some(kind),
            SeqCommand::Root(note) => section.root = Some(note),
            SeqCommand::Length(_) | SeqCommand::Step { .. } | SeqCommand::Euclid { .. } => {
                let tracks = section.tracks.values_mut().zip(&mut edited.tracks);
                for (i, (desc, steps)) in tracks.enumerate() {
                    let touched = match cmd {
                        SeqCommand::Step { track, .. } | SeqCommand::Euclid { track, .. } => {
                            track as usize == i
                        }
                        _ => true,
                    };
                    if let (true, Some(steps)) = (touched, steps) {
                        let degrees = &steps.degrees[..steps.degree_count];
                        edit_track(i, &mut steps.pattern, degrees, cmd);
                        write_steps(desc, &steps.pattern);
                    }
                }
            }
            SeqCommand::Start
            | SeqCommand::Stop
            | SeqCommand::Continue
            | SeqCommand::Position(_)
            | SeqCommand::Follow(_)
            | SeqCommand::ClockTick
            | SeqCommand::ChaosLock(_)
            | SeqCommand::LoopLock(_)
            | SeqCommand::Mode(_)
            | SeqCommand::Palette(_)
            | SeqCommand::TriggerStep { .. } => {}
        }
    }

    /// The section as it plays: `running` with the edits made on it, or `running` itself
    /// when there are none (or they were made on another section).
    pub fn section<'a>(&'a self, running: &'a SequenceDesc) -> &'a SequenceDesc {
        match &self.edited {
            Some(e) if e.base == *running => &e.section,
            _ => running,
        }
    }
}

impl Edited {
    fn new(running: &SequenceDesc, default_len: usize) -> Self {
        let tracks = running
            .tracks
            .values()
            .map(|t| {
                // A running section has been checked, so every track builds (one that
                // did not would be left as written). The seed only orders density
                // thinning, which the steps written back do not hold.
                let pattern = track_pattern(t, 0, default_len).ok()?;
                let (degrees, degree_count) = euclid_degree_cycle(t);
                Some(TrackSteps {
                    pattern,
                    degrees,
                    degree_count,
                })
            })
            .collect();
        Edited {
            base: running.clone(),
            section: running.clone(),
            tracks,
        }
    }
}

/// Writes `pattern`'s playing steps into `track` as explicit `steps` (replacing a
/// `pattern` text or a `euclid`), leaving out the values that equal the track's defaults.
fn write_steps(track: &mut TrackDesc, pattern: &Pattern) {
    let own = |value: f32, default: f32| (value.to_bits() != default.to_bits()).then_some(value);
    track.steps = pattern.steps[..pattern.len()]
        .iter()
        .map(|s: &Step| StepDesc {
            degree: s.degree,
            rest: !s.on,
            velocity: own(s.velocity, track.velocity),
            gate: own(s.gate, track.gate),
            probability: own(s.probability, track.probability),
        })
        .collect();
    track.pattern = None;
    track.euclid = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::load::ron_options;
    use crate::patch::EuclidDesc;
    use crate::patch::ScaleKind;

    fn section() -> SequenceDesc {
        ron_options()
            .from_str(
                r#"(
                bpm: 100,
                tracks: {
                    "a": (instrument: "voices", pattern: "0 . 2 4", velocity: 0.7),
                    "b": (instrument: "voices", euclid: (k: 3, n: 8), degrees: [0, 4]),
                },
            )"#,
            )
            .unwrap()
    }

    /// The patterns a section's tracks build (what a conductor loading it plays).
    fn built(section: &SequenceDesc) -> Vec<Vec<Step>> {
        section
            .tracks
            .values()
            .map(|t| {
                let p = track_pattern(t, 0, 8).unwrap();
                p.steps[..p.len()].to_vec()
            })
            .collect()
    }

    #[test]
    fn settings_are_recorded_and_performance_commands_are_not() {
        let running = section();
        let mut edits = SequenceEdits::default();
        for cmd in [
            SeqCommand::Bpm(97.5),
            SeqCommand::Swing(0.25),
            SeqCommand::Density(0.5),
            SeqCommand::Drift(0.1),
            SeqCommand::Scale(ScaleKind::Dorian),
            SeqCommand::Root(57),
            SeqCommand::Stop,
            SeqCommand::ChaosLock(true),
            SeqCommand::Palette(0.5),
            SeqCommand::TriggerStep {
                index: 1,
                velocity: 1.0,
            },
        ] {
            edits.record(&running, cmd, 8);
        }
        let s = edits.section(&running);
        assert_eq!(
            (s.bpm, s.swing, s.density, s.drift, s.scale, s.root),
            (
                Some(97.5),
                Some(0.25),
                Some(0.5),
                Some(0.1),
                Some(ScaleKind::Dorian),
                Some(57)
            )
        );
        assert_eq!(s.tracks, running.tracks, "no step was edited");
    }

    #[test]
    fn step_edits_are_written_as_the_steps_the_conductor_plays() {
        let running = section();
        let mut edits = SequenceEdits::default();
        let step = SeqCommand::Step {
            track: 0,
            index: 1,
            degree: 5,
            velocity: 0.9,
            probability: 0.5,
        };
        let euclid = SeqCommand::Euclid {
            track: 1,
            k: 5,
            n: 12,
            rotation: 2,
        };
        let mut live: Vec<Pattern> = running
            .tracks
            .values()
            .map(|t| track_pattern(t, 0, 8).unwrap())
            .collect();
        let cycles: Vec<_> = running.tracks.values().map(euclid_degree_cycle).collect();
        for cmd in [step, euclid, SeqCommand::Length(6)] {
            edits.record(&running, cmd, 8);
            for (i, (p, (d, n))) in live.iter_mut().zip(&cycles).enumerate() {
                edit_track(i, p, &d[..*n], cmd);
            }
        }
        let saved = edits.section(&running);
        let expected: Vec<Vec<Step>> = live.iter().map(|p| p.steps[..p.len()].to_vec()).collect();
        assert_eq!(built(saved), expected);
        // The edited step keeps the track's gate and writes only what differs.
        let a = &saved.tracks["a"];
        assert_eq!((a.pattern.as_deref(), a.steps.len()), (None, 6));
        assert_eq!(
            (a.steps[1].degree, a.steps[1].velocity, a.steps[1].gate),
            (5, Some(0.9), None)
        );
        assert!(a.steps[4].rest, "grown past the 4 written steps: rests");
        let b = &saved.tracks["b"];
        assert_eq!(b.euclid, None::<EuclidDesc>);
        assert_eq!(
            b.degrees,
            vec![0, 4],
            "the refill cycle stays for later refills"
        );
    }

    #[test]
    fn edits_follow_their_section_and_survive_a_ron_round_trip() {
        let running = section();
        let mut edits = SequenceEdits::default();
        edits.record(&running, SeqCommand::Length(3), 8);
        let text = ron_options().to_string(edits.section(&running)).unwrap();
        let back: SequenceDesc = ron_options().from_str(&text).unwrap();
        assert_eq!(built(&back), built(edits.section(&running)));
        // Another running section: the old edits do not apply to it.
        let mut other = section();
        other.bpm = Some(120.0);
        assert_eq!(edits.section(&other), &other);
        edits.record(&other, SeqCommand::Swing(0.5), 8);
        let s = edits.section(&other);
        assert_eq!((s.bpm, s.swing), (Some(120.0), Some(0.5)));
        assert_eq!(
            s.tracks, other.tracks,
            "the length edit belonged to the old one"
        );
    }
}
