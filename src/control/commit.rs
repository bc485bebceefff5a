//! Committing: [`Controller::load`], [`Controller::commit`] (compile the standby patch off
//! the audio thread, build its sequencer, send both to the engine) and
//! [`Controller::abort`].

use super::controller::Controller;
use super::error::ControlError;
use super::param_resolution::resolve_param;
use super::sequence_edits::SequenceEdits;
use super::sequencer_build::{build_conductor, BuildInputs};
use crate::graph::{self, CompileOptions, Layout};
use crate::patch::{split_param, PatchDesc};

impl Controller {
    /// Puts `desc` in the standby slot and commits it. On error nothing changes.
    pub fn load(&mut self, desc: PatchDesc) -> Result<u64, ControlError> {
        let previous = std::mem::replace(&mut self.standby, desc);
        self.commit().inspect_err(|_| self.standby = previous)
    }

    /// Compiles the standby patch and sends it to the engine, which swaps it in at its next
    /// block boundary. Returns the new revision.
    pub fn commit(&mut self) -> Result<u64, ControlError> {
        self.check_pinned(&self.standby)?;
        let revision = self.revision + 1;
        let previous = self.layouts_to_follow();
        let compiled = graph::compile(
            &self.standby,
            &self.registry,
            CompileOptions {
                sample_rate: self.engine.sample_rate(),
                revision,
                seed: self.seed,
                previous: (!previous.is_empty()).then_some(previous.as_slice()),
                outside: &self.outside,
            },
        )?;
        let backend_params = self.backend_params_of(&self.standby);
        let backend_starts = self
            .backend_starts
            .as_ref()
            .map(|f| f(&self.standby))
            .unwrap_or_default();
        let conductor = build_conductor(BuildInputs {
            desc: &self.standby,
            registry: &self.registry,
            layouts: &compiled.layouts,
            backend_params: &backend_params,
            backend_starts: &backend_starts,
            config: &self.sequencer,
            revision,
            seed: self.seed,
            sample_rate: self.engine.sample_rate(),
        })?
        .map(Box::new);
        let layouts = compiled.layouts.clone();
        let lineage = compiled.lineage.clone();
        if let Some(listener) = &self.commit_listener {
            listener(revision, &self.standby);
        }
        self.engine.send_graph(Box::new(compiled), conductor)?;
        self.revision = revision;
        self.layouts = layouts;
        self.backend_params = backend_params;
        let now = self.engine.sample_time();
        for dropped in self.scheduled.follow(lineage.as_ref(), revision, now) {
            tracing::warn!("{dropped}");
        }
        // The engine keeps the sequencer's live state only across a commit that keeps the
        // `sequence` section (see `Conductor::take_over`); so do the recorded edits.
        if self.standby.sequence != self.running.sequence {
            self.sequence_edits = SequenceEdits::default();
        }
        self.running = self.standby.clone();
        Ok(revision)
    }

    /// The running graph's layouts as the next commit follows them (a param whose recorded
    /// value the commit leaves as it is keeps its live value, see `graph::lineage`). The
    /// sequencer's param lanes (`mutate`, `ambient`) change params on the audio thread,
    /// unrecorded; the engine's sequencer carries on with them across a commit that keeps
    /// the `sequence` section, but starts afresh (or stops) when it changes: then the
    /// values of its lanes are forgotten here (NaN matches nothing), so those params take
    /// the new patch's values instead of the old sequencer's last ones.
    fn layouts_to_follow(&self) -> Vec<Layout> {
        let mut layouts = self.layouts.clone();
        let Some(seq) = &self.running.sequence else {
            return layouts;
        };
        if self.standby.sequence.as_ref() == Some(seq) {
            return layouts;
        }
        for name in seq.mutate.iter().chain(seq.ambient.keys()) {
            let Some((id, param)) = split_param(name) else {
                continue;
            };
            if let Ok((target, _)) =
                resolve_param(&self.running, &self.registry, &self.layouts, id, param)
            {
                if let Some(layout) = layouts.get_mut(target.program.index()) {
                    layout.set_value(target.slot, f32::NAN);
                }
            }
        }
        layouts
    }

    /// Discards standby edits: the standby slot becomes the running patch again.
    pub fn abort(&mut self) {
        self.standby = self.running.clone();
    }
}
