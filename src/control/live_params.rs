//! Live params: [`Controller::set_live`] changes a param of the running graph at a sample
//! time, and records the value in the running and standby patches.

use chronus_modules::{shortest_f64, ParamValue};

use super::controller::Controller;
use super::error::ControlError;
use super::param_resolution::{canonical_value, output_param, resolve_param};
use crate::address::{ParamSlot, ParamTarget, ProgramRef};
use crate::engine::Event;
use crate::patch::{self, implicit};

impl Controller {
    /// Changes a param of the running graph now (smoothed per its ParamSpec), in every voice
    /// for a voice-template module, at engine sample `time` (`None`: the next block). The
    /// running and standby patches record the value too. A change scheduled for later
    /// still lands at its time when a commit comes first: the new graph plays the live
    /// value until then (unless the commit itself changes the param), and the change moves
    /// to the new graph; it is ignored (counted in `events_ignored`, and logged by the
    /// commit: see [`ScheduledChanges`](super::scheduled::ScheduledChanges)) if the commit removed its module.
    pub fn set_live(
        &mut self,
        id: &str,
        param: &str,
        value: ParamValue,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        if self.set_backend_live(id, param, &value, 0, time)? {
            return Ok(());
        }
        let (target, engine_value) = self.live_target(id, param, &value)?;
        self.send_all(
            time,
            &[Event::SetParam {
                target,
                value: engine_value,
            }],
        )?;
        // The next commit keeps the live value of a param it leaves at this one, even
        // while the change waits for its time (see `graph::lineage`).
        if let Some(layout) = self.layouts.get_mut(target.program.index()) {
            layout.set_value(target.slot, engine_value);
        }
        if let Some(t) = time {
            let now = self.engine.sample_time();
            self.scheduled
                .record(t, (self.revision, target), (id, param), now);
        }
        if id == implicit::OUTPUT_ID {
            self.running.volume = Some(shortest_f64(engine_value));
            self.standby.volume = Some(shortest_f64(engine_value));
            return Ok(());
        }
        // The standby slot takes the value only where it still has the same module: an
        // uncommitted edit may have replaced it by another kind.
        let kind = patch::find_module(&self.running, id).map(|(_, m)| m.kind.clone());
        if let Some(kind) = &kind {
            let value = canonical_value(&self.registry, kind, param, &value);
            for p in [&mut self.running, &mut self.standby] {
                if let Some((_, module)) = patch::find_module_mut(p, id) {
                    if &module.kind == kind {
                        module.params.insert(param.to_string(), value.clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// Resolves `id.param` in the running graph to an engine target and value.
    fn live_target(
        &self,
        id: &str,
        param: &str,
        value: &ParamValue,
    ) -> Result<(ParamTarget, f32), ControlError> {
        if id == implicit::OUTPUT_ID {
            let v = output_param(param)?.accept(value)?;
            return Ok((
                ParamTarget {
                    program: ProgramRef::Main,
                    slot: ParamSlot::OutputVolume,
                },
                v,
            ));
        }
        let (target, spec) =
            resolve_param(&self.running, &self.registry, &self.layouts, id, param)?;
        if spec.is_file() {
            // A file is decoded when the graph is built: it changes with an edit and a
            // commit, not live.
            return Err(chronus_modules::ParamError::WrongType {
                param: spec.id,
                expected: "a live value; a file param changes with /patch/set and a commit"
                    .to_string(),
                value: value.to_string(),
            }
            .into());
        }
        Ok((target, spec.accept(value)?))
    }
}
