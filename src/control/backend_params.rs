//! Params of instruments played outside the engine (a `midi` backend's CC profile):
//! `/mod/nts1/cutoff 0.75` reaches the synth by the profile's param name.
//!
//! The host tells the controller how to name each external instrument's params
//! ([`Controller::set_backend_catalog`]: from a patch, read at every commit before the
//! sequencer is built, so its `mutate` and `ambient` lanes reach them too; or
//! [`Controller::set_backend_params`] for one instrument); [`Controller::set_live`] then
//! sends a change to one of them as an [`Event::BackendParam`] (0..1, before the profile's
//! curve), which the engine passes out through its outbound ring at its sample, in order
//! with the notes. A live backend declares the controls of the instruments it plays
//! ([`Controller::set_backend_controls`], a `supercollider` instrument's SynthDef
//! controls), each with its [`BackendRange`]; every commit keeps them beside the
//! catalog's.

use std::collections::HashMap;
use std::sync::Arc;

use chronus_modules::ParamValue;

use super::controller::Controller;
use super::error::ControlError;
use crate::address::InstrumentKey;
use crate::engine::Event;
use crate::patch::{Backend, InstrumentDesc, PatchDesc};

/// The longest glide of an external instrument's param, seconds.
pub const MAX_GLIDE_SECONDS: f64 = 60.0;

/// Each external instrument's params, by instrument id, in the order their index names
/// them (the backend's list).
pub type BackendParams = HashMap<String, Vec<String>>;

/// Where each external instrument's params start, 0..1, by instrument id, in the order of
/// its [`BackendParams`] (a CC profile's `initial` values): a sequencer lane on one starts
/// there.
pub type BackendStarts = HashMap<String, Vec<f32>>;

/// Says where the params of a patch's external instruments start (set by the host, which
/// knows the profiles).
pub type BackendStartsCatalog = Arc<dyn Fn(&PatchDesc) -> BackendStarts + Send + Sync>;

/// Names the params of a patch's instruments played outside the engine: every external
/// instrument of the patch and its params (none without a profile). Set by the host, which
/// knows the backends (the MIDI output's CC profiles).
pub type BackendCatalog = Arc<dyn Fn(&PatchDesc) -> BackendParams + Send + Sync>;

/// The index of `param` among the params of `instrument` in `params`: `Ok(None)` when
/// `instrument` is not an external instrument; an error listing its params when it has no
/// `param`.
pub(super) fn backend_param(
    params: &BackendParams,
    instrument: &str,
    param: &str,
) -> Result<Option<u16>, ControlError> {
    let Some(names) = params.get(instrument) else {
        return Ok(None);
    };
    match names.iter().position(|p| p == param) {
        Some(index) => Ok(Some(index as u16)),
        None => Err(ControlError::UnknownBackendParam {
            instrument: instrument.to_string(),
            param: param.to_string(),
            known: names.clone(),
        }),
    }
}

/// One output port of a backend outside the engine (a MIDI output port, the
/// SuperCollider server), as status readers show it.
#[derive(Clone, Debug, PartialEq)]
pub struct BackendPort {
    /// The backend it belongs to: `"midi"` or `"supercollider"`.
    pub backend: &'static str,
    /// Its one-line summary (`/backend/status`, the status log line).
    pub line: String,
    /// Its figures as JSON (a MIDI port's in `/api/state`'s `midi_outputs`: port,
    /// connected, profiles, counts, scheduling-error histogram; the SuperCollider
    /// server's in its `supercollider`: address, state, restarts, late bundles, ...).
    pub state: serde_json::Value,
}

/// What reports the backends' status: one entry per output port.
pub type BackendStatus = Arc<dyn Fn() -> Vec<BackendPort> + Send + Sync>;

/// How the value of a backend param is checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BackendRange {
    /// 0..1, refused outside (a CC profile's param, before its curve).
    Unit,
    /// Any finite number, clamped to `min..=max` (a compiled SynthDef's param: its
    /// ParamSpec's range).
    Clamp(f32, f32),
    /// Any finite number (a control of a user's SynthDef).
    Any,
}

impl Controller {
    /// Sets what `/backend/status` reports (the live player's backends).
    pub fn set_backend_status(&mut self, status: BackendStatus) {
        self.backend_status = Some(status);
    }

    /// Every port of the backends outside the engine; none without them.
    pub fn backend_ports(&self) -> Vec<BackendPort> {
        self.backend_status
            .as_ref()
            .map(|f| f())
            .unwrap_or_default()
    }

    /// One line per port of the backends outside the engine (`/backend/status`); none
    /// without them.
    pub fn backend_status(&self) -> Vec<String> {
        self.backend_ports().into_iter().map(|p| p.line).collect()
    }

    /// Declares the params of the external instrument `instrument`, in the order their
    /// index names them (the backend's list). Replaces what was declared before; the next
    /// commit replaces it with the catalog's, if one is set.
    pub fn set_backend_params(&mut self, instrument: &str, params: Vec<String>) {
        self.backend_params.insert(instrument.to_string(), params);
    }

    /// Sets how the external instruments' params are named: from now on, every commit
    /// (and load) declares the params of the patch it commits with `catalog`, before its
    /// sequencer is built.
    pub fn set_backend_catalog(&mut self, catalog: BackendCatalog) {
        self.backend_catalog = Some(catalog);
    }

    /// Sets where the external instruments' params start: from now on, every commit builds
    /// its sequencer's lanes on them from there (else from
    /// [`EXTERNAL_LANE_START`](crate::patch::EXTERNAL_LANE_START)).
    pub fn set_backend_starts(&mut self, starts: BackendStartsCatalog) {
        self.backend_starts = Some(starts);
    }

    /// The params of `desc`'s external instruments, as the next commit of it declares them
    /// (those declared now without a catalog).
    pub(super) fn backend_params_of(&self, desc: &PatchDesc) -> BackendParams {
        match &self.backend_catalog {
            Some(catalog) => {
                let mut params = catalog(desc);
                for (id, controls) in &self.backend_controls {
                    if crate::patch::scope::instruments(desc).any(|(_, i, _)| i == id) {
                        let names = controls.iter().map(|(n, _)| n.clone()).collect();
                        params.insert(id.clone(), names);
                    }
                }
                params
            }
            None => self.backend_params.clone(),
        }
    }

    /// Declares the controls of an instrument a live backend plays (a `supercollider`
    /// instrument's SynthDef controls), each with how its value is checked. Unlike the
    /// catalog's, they stay declared across commits (while the patch has `instrument`).
    pub fn set_backend_controls(
        &mut self,
        instrument: &str,
        controls: Vec<(String, BackendRange)>,
    ) {
        let names = controls.iter().map(|(n, _)| n.clone()).collect();
        self.backend_params.insert(instrument.to_string(), names);
        self.backend_controls
            .insert(instrument.to_string(), controls);
    }

    /// Instruments played outside the engine by a live backend (beside `midi` ones): the
    /// next commit sends their events out through the outbound ring. With some, the
    /// running patch's `supercollider` instruments are pinned as they are now: scsynth
    /// plays the defs it was given at start, so a commit that would add, remove or change
    /// one is refused ([`ControlError::PinnedBackend`]); none unpins them.
    pub fn set_played_outside(&mut self, instruments: Vec<String>) {
        self.pinned = if instruments.is_empty() {
            Vec::new()
        } else {
            supercollider_instruments(&self.running)
        };
        self.outside = instruments;
    }

    /// Refuses `desc` when it adds, removes or changes a pinned instrument (see
    /// [`set_played_outside`](Self::set_played_outside)).
    pub(super) fn check_pinned(&self, desc: &PatchDesc) -> Result<(), ControlError> {
        if self.pinned.is_empty() {
            return Ok(());
        }
        let now = supercollider_instruments(desc);
        let changed = self
            .pinned
            .iter()
            .find(|(id, was)| !now.iter().any(|(i, d)| i == id && d == was))
            .or_else(|| {
                now.iter()
                    .find(|(id, _)| !self.pinned.iter().any(|(i, _)| i == id))
            });
        match changed {
            Some((id, _)) => Err(ControlError::PinnedBackend(id.clone())),
            None => Ok(()),
        }
    }

    /// The params declared for `instrument`, if it is an external one with params.
    pub fn backend_params(&self, instrument: &str) -> Option<&[String]> {
        self.backend_params.get(instrument).map(Vec::as_slice)
    }

    /// Every external instrument with params, and those params.
    pub fn all_backend_params(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.backend_params
            .iter()
            .map(|(i, p)| (i.as_str(), p.as_slice()))
    }

    /// Glides param `param` of the external instrument `instrument` to `value` (0..1)
    /// over `seconds` from engine sample `time` (`None`: now): the MIDI output sends a
    /// stream of values from where the param is, one every `cc_throttle_ms`, the last
    /// exactly `value` (docs/CONTRACTS.md §5.1). Refused, changing nothing, for a param
    /// that is not an external instrument's, a value outside 0..1, or `seconds` outside
    /// 0..[`MAX_GLIDE_SECONDS`] (0 is `set_live`).
    pub fn glide_live(
        &mut self,
        instrument: &str,
        param: &str,
        value: ParamValue,
        seconds: f64,
        time: Option<u64>,
    ) -> Result<(), ControlError> {
        if !(0.0..=MAX_GLIDE_SECONDS).contains(&seconds) {
            return Err(ControlError::Glide(format!(
                "glide {seconds} s is out of range 0 .. {MAX_GLIDE_SECONDS}"
            )));
        }
        if seconds > 0.0 && self.backend_controls.contains_key(instrument) {
            return Err(ControlError::Glide(format!(
                "\"{instrument}\" is played by a live SuperCollider server: a glide time is for \
                 the params of `midi` instruments (set its control without one)"
            )));
        }
        let glide = (seconds * self.engine.sample_rate() as f64).round() as u32;
        if self.set_backend_live(instrument, param, &value, glide, time)? {
            return Ok(());
        }
        Err(ControlError::Glide(format!(
            "\"{instrument}\" is not an external instrument: a glide time is for the params of \
             `midi` instruments (a module's param glides by its own smoothing)"
        )))
    }

    /// Sends `instrument.param = value` to an external instrument at `time`, gliding over
    /// `glide` samples: `Ok(false)` when `instrument` is not one with declared params (a
    /// module's param, then).
    pub(super) fn set_backend_live(
        &mut self,
        instrument: &str,
        param: &str,
        value: &ParamValue,
        glide: u32,
        time: Option<u64>,
    ) -> Result<bool, ControlError> {
        let Some(index) = backend_param(&self.backend_params, instrument, param)? else {
            return Ok(false);
        };
        let v = match value {
            ParamValue::Number(v) => *v,
            ParamValue::Bool(b) => f64::from(u8::from(*b)),
            ParamValue::Text(_) => f64::NAN,
        };
        let range = self
            .backend_controls
            .get(instrument)
            .and_then(|c| c.get(usize::from(index)))
            .map_or(BackendRange::Unit, |(_, r)| *r);
        let v = match range {
            BackendRange::Unit => v,
            BackendRange::Clamp(lo, hi) if v.is_finite() => v.clamp(lo as f64, hi as f64),
            BackendRange::Any if v.is_finite() => v,
            _ => f64::NAN,
        };
        if range == BackendRange::Unit && !(0.0..=1.0).contains(&v) || v.is_nan() {
            return Err(ControlError::BackendValue {
                instrument: instrument.to_string(),
                param: param.to_string(),
            });
        }
        self.send_all(
            time,
            &[Event::BackendParam {
                instrument: InstrumentKey::of(instrument),
                param: index,
                value: v as f32,
                glide,
            }],
        )?;
        Ok(true)
    }
}

/// The `supercollider` instruments of `desc`, by id, as they are.
fn supercollider_instruments(desc: &PatchDesc) -> Vec<(String, InstrumentDesc)> {
    desc.instruments
        .iter()
        .filter(|(_, i)| {
            let kind = i.backend.as_ref().and_then(|b| b.kind());
            matches!(kind, Some(Backend::SuperCollider { .. }))
        })
        .map(|(id, i)| (id.clone(), i.clone()))
        .collect()
}
