//! [`Controller`]: the non-real-time frontend every control surface calls (CLI, OSC,
//! MIDI, sequencer). It holds the running patch and the standby slot, validates every
//! edit before it changes anything, compiles commits off the audio thread and turns live
//! changes and notes into sample-timed engine commands.
//!
//! Every method either does all it says or returns an error and changes nothing. This
//! file holds the state and its accessors; the methods live by concern beside it:
//! [`commit`](super::commit), [`patch_edits`](super::patch_edits),
//! [`live_params`](super::live_params), [`notes`](super::notes),
//! [`sequencer_commands`](super::sequencer_commands).

use std::collections::HashMap;
use std::sync::Arc;

use chronus_modules::Registry;

use super::error::ControlError;
use super::events_ahead::EventsAhead;
use super::note_routes::NoteRoutes;
use super::scheduled::ScheduledChanges;
use super::sequence_edits::SequenceEdits;
use crate::engine::{EngineHandle, Event, TimedEvent};
use crate::fault::Faults;
use crate::graph::Layout;
use crate::patch::PatchDesc;
use crate::seq::{SeqCommand, SequencerConfig};

/// The control side of one engine.
pub struct Controller {
    pub(super) registry: Registry,
    pub(super) engine: EngineHandle,
    pub(super) running: PatchDesc,
    pub(super) standby: PatchDesc,
    pub(super) revision: u64,
    pub(super) seed: u64,
    /// Layouts of the last graph sent (what the engine runs once it has taken it).
    pub(super) layouts: Vec<Layout>,
    /// Sequencer defaults (the `sequencer` section of the config).
    pub(super) sequencer: SequencerConfig,
    /// Where each sounding note and held pedal went (their releases go there too).
    pub(super) routes: NoteRoutes,
    /// The live sequencer edits of the running `sequence` section.
    pub(super) sequence_edits: SequenceEdits,
    /// Live param changes sent for a later sample (a commit reports those it drops).
    pub(super) scheduled: ScheduledChanges,
    /// Panics caught on the control threads that share this controller.
    faults: Arc<Faults>,
    /// Where the sequencer's clock comes from (set by the clock-in and Link threads).
    sync_status: Arc<crate::seq::clock_source::SyncStatus>,
    /// Events sent for a later sample, not yet due (bounded).
    ahead: EventsAhead,
    /// Param names of instruments played outside the engine (see `backend_params`).
    pub(super) backend_params: super::backend_params::BackendParams,
    /// How a patch's external instruments' params are named, at each commit.
    pub(super) backend_catalog: Option<super::backend_params::BackendCatalog>,
    /// Where a patch's external instruments' params start, at each commit.
    pub(super) backend_starts: Option<super::backend_params::BackendStartsCatalog>,
    /// The controls a live backend declared, by instrument, each with how its value is
    /// checked (kept across commits; a param not among them: 0..1).
    pub(super) backend_controls:
        HashMap<String, Vec<(String, super::backend_params::BackendRange)>>,
    /// Instruments a live backend plays outside the engine besides `midi` ones.
    pub(super) outside: Vec<String>,
    /// The running patch's `supercollider` instruments as they were when a live backend
    /// took them ([`set_played_outside`](Self::set_played_outside)): every commit must
    /// keep them so (see `backend_params::check_pinned`).
    pub(super) pinned: Vec<(String, crate::patch::InstrumentDesc)>,
    /// Counters for `/metrics` and `/api/state` (notes per source, queues, ...).
    observed: Arc<super::observed::Observed>,
    /// Status lines of the backends outside the engine (`/backend/status`).
    pub(super) backend_status: Option<super::backend_params::BackendStatus>,
    /// Told of every commit's patch before the engine gets it (`set_commit_listener`).
    pub(super) commit_listener: Option<CommitListener>,
}

/// What a commit tells a listener: its revision and the patch it commits (called before
/// the engine gets the graph, so the listener is ready when the swap comes).
pub type CommitListener = Arc<dyn Fn(u64, &PatchDesc) + Send + Sync>;

impl Controller {
    /// A controller with an empty patch; nothing plays until [`load`](Self::load) or a
    /// [`commit`](Self::commit).
    pub fn new(registry: Registry, engine: EngineHandle) -> Self {
        Controller {
            registry,
            engine,
            running: PatchDesc::default(),
            standby: PatchDesc::default(),
            revision: 0,
            seed: 0,
            layouts: Vec::new(),
            sequencer: SequencerConfig::default(),
            routes: NoteRoutes::default(),
            sequence_edits: SequenceEdits::default(),
            scheduled: ScheduledChanges::default(),
            faults: Arc::default(),
            sync_status: Arc::default(),
            observed: Arc::default(),
            ahead: EventsAhead::default(),
            backend_params: HashMap::new(),
            backend_catalog: None,
            backend_starts: None,
            backend_controls: HashMap::new(),
            outside: Vec::new(),
            pinned: Vec::new(),
            backend_status: None,
            commit_listener: None,
        }
    }

    /// Calls `listener` at every commit (and load) from now on, with the revision and the
    /// patch, just before the engine gets its graph (the MIDI output re-plans its ports
    /// from it). A revision whose commit the engine refused is given again by the next
    /// commit.
    pub fn set_commit_listener(&mut self, listener: CommitListener) {
        self.commit_listener = Some(listener);
    }

    /// The fault counter of every control thread sharing this controller (OSC, MIDI,
    /// recorder): each contains its panics with [`Faults::contain`] and counts them here.
    pub fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }

    /// Where the sequencer's clock comes from (`/seq/state`, `/status`).
    pub fn sync_status(&self) -> &Arc<crate::seq::clock_source::SyncStatus> {
        &self.sync_status
    }

    /// The control side's observability counters and queue registry.
    pub fn observed(&self) -> &Arc<super::observed::Observed> {
        &self.observed
    }

    /// Sets the sequencer defaults used by the next commits (a patch's `sequence` section
    /// overrides the musical fields). Refused, changing nothing, when a value is out of
    /// range (the message names the field).
    pub fn set_sequencer_config(&mut self, config: SequencerConfig) -> Result<(), ControlError> {
        config
            .check()
            .map_err(|e| ControlError::Sequencer(e.message))?;
        self.sequencer = config;
        Ok(())
    }

    /// The sequencer defaults.
    pub fn sequencer_config(&self) -> &SequencerConfig {
        &self.sequencer
    }

    /// Sets the patch seed used by the next commits (noise, random LFO steps).
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    /// The module registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The patch playing now (as of the last commit).
    pub fn running(&self) -> &PatchDesc {
        &self.running
    }

    /// The running patch as it plays, what `/patch/save` and `/patch/dump` write: with
    /// the live sequencer edits (tempo, swing, density, drift, scale, root, length, steps,
    /// Euclidean refills) in its `sequence` section. See [`SequenceEdits`].
    pub fn running_as_played(&self) -> PatchDesc {
        let mut patch = self.running.clone();
        if let Some(section) = &self.running.sequence {
            patch.sequence = Some(self.sequence_edits.section(section).clone());
        }
        patch
    }

    /// The standby slot: the running patch plus edits not yet committed.
    pub fn standby(&self) -> &PatchDesc {
        &self.standby
    }

    /// Revision of the last commit (0 before the first).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The engine handle (stats, sample clock).
    pub fn engine(&self) -> &EngineHandle {
        &self.engine
    }

    /// The next sequencer cue the engine reported (mutations, idle switches, scale
    /// changes), if any. Call it now and then: a full event-out ring drops (and counts) cues.
    pub fn pop_cue(&mut self) -> Option<crate::seq::Cue> {
        self.engine.pop_cue()
    }

    /// Has the engine forward the sequencer's MIDI clock to the outbound ring, for the
    /// MIDI output's clock ports (see
    /// [`EngineHandle::want_clock`](crate::engine::EngineHandle::want_clock)).
    pub fn want_clock(&self) {
        self.engine.want_clock()
    }

    /// The next note the engine started (any source), if any: what LED note cues are made
    /// of. Call it now and then: a full note-cue ring drops (and counts) them.
    pub fn pop_note_cue(&mut self) -> Option<crate::engine::NoteCue> {
        self.engine.pop_note_cue()
    }

    /// Drops graphs the engine has finished with. Call it now and then.
    pub fn collect_garbage(&mut self) -> usize {
        self.engine.collect_garbage()
    }

    /// Records a sequencer command just sent to the engine as an edit of the running
    /// `sequence` section (see [`running_as_played`](Self::running_as_played)).
    pub(super) fn record_sequence_edit(&mut self, cmd: SeqCommand) {
        if let Some(section) = &self.running.sequence {
            self.sequence_edits
                .record(section, cmd, self.sequencer.steps);
        }
    }

    /// Sends all of `events` at `time`, or none of them when the ring lacks room.
    pub(super) fn send_all(
        &mut self,
        time: Option<u64>,
        events: &[Event],
    ) -> Result<(), ControlError> {
        let now = self.engine.sample_time();
        let at = time.unwrap_or(0);
        self.ahead.check(at, events.len(), now)?;
        self.engine.reserve(events.len())?;
        for &event in events {
            self.engine.send_event(TimedEvent {
                time: time.unwrap_or(0),
                revision: self.revision,
                event,
            })?;
        }
        self.ahead.record(at, events.len(), now);
        Ok(())
    }
}
