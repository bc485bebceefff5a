//! Edits of the standby patch ([`Controller::create`], [`delete`](Controller::delete),
//! [`connect`](Controller::connect), [`disconnect`](Controller::disconnect),
//! [`set`](Controller::set)): each is tried on a copy and kept only when the result
//! validates; nothing is heard until the next commit.

use chronus_modules::{shortest_f64, ParamValue};

use super::controller::Controller;
use super::error::ControlError;
use super::param_resolution::{canonical_value, output_param};
use crate::graph;
use crate::patch::{self, implicit, Connection, ModuleDesc, PatchDesc, PortRef, Scope};

impl Controller {
    /// Applies `edit` to a copy of the standby patch and keeps it only if the result is a
    /// valid patch.
    fn edit(
        &mut self,
        edit: impl FnOnce(&mut PatchDesc) -> Result<(), ControlError>,
    ) -> Result<(), ControlError> {
        let mut trial = self.standby.clone();
        edit(&mut trial)?;
        patch::validate(&trial, &self.registry, None)?;
        // An edit that closes a loop is refused at once (`/patch/connect` answers
        // `/error`), not at the next commit.
        graph::plan::refuse_cycles(&trial)?;
        self.standby = trial;
        Ok(())
    }

    /// Adds a module to the standby patch.
    ///
    /// `id` alone adds it to the main graph; `INSTRUMENT/id` (`voices/lfo2`, `lead/sub`) to
    /// that instrument's voice template (as `--notes` names an instrument). Ids stay
    /// patch-wide: the module is `id` from then on, wherever it lives.
    pub fn create(
        &mut self,
        id: &str,
        kind: &str,
        params: &[(String, ParamValue)],
    ) -> Result<(), ControlError> {
        let (scope, id) = match id.split_once('/') {
            None => (Scope::Main, id),
            Some((instrument, id)) => match patch::scope::instrument(&self.standby, instrument) {
                Some((scope, _)) => (scope, id),
                None => {
                    return Err(ControlError::NoInstrument {
                        target: format!("instrument \"{instrument}\""),
                        known: patch::scope::instruments(&self.standby)
                            .map(|(_, id, _)| id.to_string())
                            .collect(),
                    })
                }
            },
        };
        if patch::find_module(&self.standby, id).is_some() {
            return Err(ControlError::DuplicateId(id.to_string()));
        }
        self.edit(|p| {
            let mut module = ModuleDesc::new(kind);
            for (param, value) in params {
                module.params.insert(param.clone(), value.clone());
            }
            graph_mut(p, &scope).0.insert(id.to_string(), module);
            Ok(())
        })
    }

    /// Removes a module and every connection to or from it from the standby patch.
    pub fn delete(&mut self, id: &str) -> Result<(), ControlError> {
        let scope = self.scope_of(id)?;
        self.edit(|p| {
            let (modules, connections) = graph_mut(p, &scope);
            modules.shift_remove(id);
            connections.retain(|c| c.from().module != id && c.to().module != id);
            Ok(())
        })
    }

    /// Adds a connection (`"id.port"`, `"id.port"`) to the standby patch, in the graph its
    /// modules belong to.
    pub fn connect(&mut self, from: &str, to: &str) -> Result<(), ControlError> {
        let connection = parse_connection(from, to)?;
        let scope = self.connection_scope(&connection)?;
        if graph_mut(&mut self.standby.clone(), &scope)
            .1
            .contains(&connection)
        {
            return Err(ControlError::AlreadyConnected(
                from.to_string(),
                to.to_string(),
            ));
        }
        self.edit(|p| {
            graph_mut(p, &scope).1.push(connection);
            Ok(())
        })
    }

    /// Removes a connection from the standby patch.
    pub fn disconnect(&mut self, from: &str, to: &str) -> Result<(), ControlError> {
        let connection = parse_connection(from, to)?;
        let scope = self.connection_scope(&connection)?;
        self.edit(|p| {
            let connections = graph_mut(p, &scope).1;
            let before = connections.len();
            connections.retain(|c| *c != connection);
            if connections.len() == before {
                return Err(ControlError::NotConnected(from.to_string(), to.to_string()));
            }
            Ok(())
        })
    }

    /// Sets a param in the standby patch only (heard after the next commit).
    pub fn set(&mut self, id: &str, param: &str, value: ParamValue) -> Result<(), ControlError> {
        if id == implicit::OUTPUT_ID {
            let volume = output_param(param)?.accept(&value)?;
            return self.edit(|p| {
                p.volume = Some(shortest_f64(volume));
                Ok(())
            });
        }
        let (scope, module) = patch::find_module(&self.standby, id)
            .ok_or_else(|| ControlError::UnknownModule(id.to_string()))?;
        let value = canonical_value(&self.registry, &module.kind, param, &value);
        self.edit(|p| {
            let module = graph_mut(p, &scope)
                .0
                .get_mut(id)
                .expect("scope_of found it");
            module.params.insert(param.to_string(), value);
            Ok(())
        })
    }

    fn scope_of(&self, id: &str) -> Result<Scope, ControlError> {
        patch::find_module(&self.standby, id)
            .map(|(scope, _)| scope)
            .ok_or_else(|| ControlError::UnknownModule(id.to_string()))
    }

    /// The graph a connection belongs in: that of its user modules (the main graph when
    /// both ends are implicit). Ends in two different graphs are refused.
    fn connection_scope(&self, c: &Connection) -> Result<Scope, ControlError> {
        let a = patch::find_module(&self.standby, &c.from().module).map(|(s, _)| s);
        let b = patch::find_module(&self.standby, &c.to().module).map(|(s, _)| s);
        match (a, b) {
            (Some(a), Some(b)) if a != b => Err(ControlError::AcrossGraphs(
                c.from().to_string(),
                c.to().to_string(),
            )),
            (Some(s), _) | (_, Some(s)) => Ok(s),
            (None, None) => Ok(Scope::Main),
        }
    }
}

fn parse_connection(from: &str, to: &str) -> Result<Connection, ControlError> {
    let end = |s: &str| {
        s.parse::<PortRef>()
            .map_err(|_| ControlError::BadPortRef(s.to_string()))
    };
    Ok(Connection(end(from)?, end(to)?))
}

/// The module map and connection list of one graph of a patch.
fn graph_mut<'a>(
    p: &'a mut PatchDesc,
    scope: &Scope,
) -> (
    &'a mut indexmap::IndexMap<String, ModuleDesc>,
    &'a mut Vec<Connection>,
) {
    let inst = match scope {
        Scope::Main => return (&mut p.modules, &mut p.connections),
        Scope::Voice => p.voice.as_mut(),
        Scope::Instrument(id) => p.instruments.get_mut(id),
    };
    match inst {
        Some(i) => (&mut i.modules, &mut i.connections),
        // A scope found in this patch a moment ago always exists.
        None => (&mut p.modules, &mut p.connections),
    }
}
