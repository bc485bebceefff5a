//! Params of instruments played outside the engine (a `midi` backend's CC profile):
//! `/mod/nts1/cutoff 0.75` reaches the synth by the profile's param name.
//!
//! The host tells the controller each external instrument's param names
//! ([`Controller::set_backend_params`]); [`Controller::set_live`] then sends a change to
//! one of them as an [`Event::BackendParam`] (0..1, before the profile's curve), which the
//! engine passes out through its outbound ring at its sample, in order with the notes.

use chronus_modules::ParamValue;

use super::controller::Controller;
use super::error::ControlError;
use crate::address::InstrumentKey;
use crate::engine::Event;

impl Controller {
    /// Declares the params of the external instrument `instrument`, in the order their
    /// index names them (the backend's list). Replaces what was declared before.
    pub fn set_backend_params(&mut self, instrument: &str, params: Vec<String>) {
        self.backend_params.insert(instrument.to_string(), params);
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
        if !(0.0..=1.0).contains(&v) {
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
