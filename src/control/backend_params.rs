//! Params of instruments played outside the engine (a `midi` backend's CC profile):
//! `/mod/nts1/cutoff 0.75` reaches the synth by the profile's param name.
//!
//! The host tells the controller each external instrument's param names
//! ([`Controller::set_backend_params`]); [`Controller::set_live`] then sends a change to
//! one of them as an [`Event::BackendParam`] (0..1, before the profile's curve), which the
//! engine passes out through its outbound ring at its sample, in order with the notes.

use std::sync::Arc;

use chronus_modules::ParamValue;

use super::controller::Controller;
use super::error::ControlError;
use crate::address::InstrumentKey;
use crate::engine::Event;

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

/// What reports the backends' status: one line per output port (`/backend/status`).
pub type BackendStatus = Arc<dyn Fn() -> Vec<String> + Send + Sync>;

impl Controller {
    /// Sets what `/backend/status` reports (the live player's backends).
    pub fn set_backend_status(&mut self, status: BackendStatus) {
        self.backend_status = Some(status);
    }

    /// One line per port of the backends outside the engine; none without them.
    pub fn backend_status(&self) -> Vec<String> {
        self.backend_status
            .as_ref()
            .map(|f| f())
            .unwrap_or_default()
    }

    /// Declares the params of the external instrument `instrument`, in the order their
    /// index names them (the backend's list). Replaces what was declared before.
    pub fn set_backend_params(&mut self, instrument: &str, params: Vec<String>) {
        self.backend_params.insert(instrument.to_string(), params);
    }

    /// Declares the controls of an instrument a live backend plays (a `supercollider`
    /// instrument's SynthDef controls), each with how its value is checked.
    pub fn set_backend_controls(
        &mut self,
        instrument: &str,
        controls: Vec<(String, BackendRange)>,
    ) {
        let (names, ranges) = controls.into_iter().unzip();
        self.backend_params.insert(instrument.to_string(), names);
        self.backend_ranges.insert(instrument.to_string(), ranges);
    }

    /// Instruments played outside the engine by a live backend (beside `midi` ones): the
    /// next commit sends their events out through the outbound ring.
    pub fn set_played_outside(&mut self, instruments: Vec<String>) {
        self.outside = instruments;
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

    /// Sends `instrument.param = value` to an external instrument at `time`: `Ok(false)`
    /// when `instrument` is not one with declared params (a module's param, then).
    pub(super) fn set_backend_live(
        &mut self,
        instrument: &str,
        param: &str,
        value: &ParamValue,
        time: Option<u64>,
    ) -> Result<bool, ControlError> {
        let Some(params) = self.backend_params.get(instrument) else {
            return Ok(false);
        };
        let Some(index) = params.iter().position(|p| p == param) else {
            return Err(ControlError::UnknownBackendParam {
                instrument: instrument.to_string(),
                param: param.to_string(),
                known: params.clone(),
            });
        };
        let v = match value {
            ParamValue::Number(v) => *v,
            ParamValue::Bool(b) => f64::from(u8::from(*b)),
            ParamValue::Text(_) => f64::NAN,
        };
        let range = self
            .backend_ranges
            .get(instrument)
            .and_then(|r| r.get(index))
            .copied()
            .unwrap_or(BackendRange::Unit);
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
                param: index as u16,
                value: v as f32,
            }],
        )?;
        Ok(true)
    }
}
