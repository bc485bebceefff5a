//! How the step-editing commands (`Length`, `Step`, `Euclid`) change a track's steps: one
//! function, used live by the [`Conductor`](super::Conductor) on the audio thread and by the
//! controller, which replays the same edits on its copy of the `sequence` section so that
//! `/patch/save` and `/patch/dump` write what is playing.

use super::command::SeqCommand;
use super::euclid::euclid;
use super::pattern::{Pattern, Step};

/// Applies `cmd` to track number `track`, whose steps are `pattern` and whose Euclidean
/// refills cycle over `degrees`. `Length` sets every track's length (steps past it keep
/// their data for later); `Step` and `Euclid` change only the track they name. Any other
/// command changes nothing. **Real-time safe.**
pub fn edit_track(track: usize, pattern: &mut Pattern, degrees: &[i8], cmd: SeqCommand) {
    match cmd {
        SeqCommand::Length(n) => pattern.set_len(n as usize),
        SeqCommand::Step {
            track: t,
            index,
            degree,
            velocity,
            probability,
        } if t as usize == track => {
            if let Some(st) = pattern.steps.get_mut(index as usize) {
                let gate = st.gate;
                *st = Step::note(degree, velocity, gate, probability);
                st.on = velocity > 0.0;
            }
        }
        SeqCommand::Euclid {
            track: t,
            k,
            n,
            rotation,
        } if t as usize == track => {
            // The hits take the velocity, gate and probability of the first note step.
            let template = pattern.steps[..pattern.len()]
                .iter()
                .copied()
                .find(|s| s.on)
                .unwrap_or_else(|| Step::note(0, 0.8, 0.5, 1.0));
            pattern.fill_euclid(
                euclid(k as u32, n as u32, rotation as u32),
                n.max(1) as usize,
                degrees,
                template,
            );
        }
        _ => {}
    }
}
