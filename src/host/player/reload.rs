//! Config hot reload ([`Reloader`]): SIGHUP and `POST /api/reload` re-read the `--config`
//! file. A file that does not load (syntax, an unknown field, a value out of range, a
//! route to an instrument the running patch lacks) is refused with its `file:line:col`
//! lines and **nothing changes**. A good file applies what can change live — the router
//! (notes and controllers → actions), the tuning, the sequencer defaults (used from the
//! next commit), the cue sinks, the overload limits, the log level, the `supercollider`
//! section (its latency at once; any other change restarts the server the backend plays
//! on) — and one line says what changed and what
//! needs a restart (the `midi` section, `http`, the log format and file).

use std::path::PathBuf;
use std::sync::Arc;

use chronus_modules::Registry;
use parking_lot::Mutex;
use tracing::{info, warn};

use crate::config::{self, Config};
use crate::control::Controller;
use crate::cues::CueBus;
use crate::host::logging;
use crate::midi::router::Router;
use crate::realtime::overload::Governor;
use crate::sc_live::sink::ReconfigBox;

/// Re-reads and applies the config file.
pub(super) struct Reloader {
    /// The `--config` file.
    pub(super) path: PathBuf,
    /// The registry configs are checked against.
    pub(super) registry: Registry,
    /// The controller (tuning, sequencer defaults; the running patch to check against).
    pub(super) control: Arc<Mutex<Controller>>,
    /// The MIDI router (its config is replaced).
    pub(super) router: Arc<Mutex<Router>>,
    /// The cue bus (its sinks are replaced).
    pub(super) bus: CueBus,
    /// The overload governor (its limits are replaced).
    pub(super) governor: Arc<Mutex<Governor>>,
    /// Where the `supercollider` section's changes are left for the backend's sink (which
    /// takes them at its next tick; nobody does when no instrument plays on scsynth).
    pub(super) supercollider: ReconfigBox,
    /// The config in force.
    pub(super) current: Mutex<Config>,
}

impl Reloader {
    /// Re-reads the file: the line saying what changed, or the refusal's lines.
    pub(super) fn reload(&self) -> Result<String, String> {
        let desc = self.control.lock().running_as_played();
        let new = match config::load_file(&self.path, &desc, &self.registry) {
            Ok(c) => c,
            Err(e) => {
                let lines = e.to_string();
                warn!(
                    event = "config_reload_refused",
                    "config reload refused, nothing changed:\n{lines}"
                );
                return Err(lines);
            }
        };
        let mut current = self.current.lock();
        let old = current.clone();
        let mut changed = Vec::new();
        let mut restart = Vec::new();
        if new.tuning != old.tuning {
            if let Err(e) = self.control.lock().set_tuning(new.tuning.a4, None) {
                return Err(format!(
                    "config reload refused, nothing changed: tuning: {e}"
                ));
            }
            changed.push("tuning");
        }
        if new.sequencer != old.sequencer {
            if let Err(e) = self
                .control
                .lock()
                .set_sequencer_config(new.sequencer.clone())
            {
                return Err(format!("config reload refused: sequencer: {e}"));
            }
            changed.push("sequencer (from the next commit)");
        }
        if new.router != old.router || new.midi.channel != old.midi.channel {
            self.router.lock().set_config(new.clone());
            changed.push("router");
        }
        if new.cues != old.cues {
            self.bus.set_sinks(&new.cues);
            changed.push("cues");
        }
        if new.overload != old.overload {
            self.governor.lock().set_limits(new.overload.clone());
            changed.push("overload");
        }
        if new.logging.level != old.logging.level {
            logging::set_level(&new.logging.level);
            changed.push("logging level");
        }
        if let Some(change) = super::sc_setup::reconfig(&old.supercollider, &new.supercollider) {
            changed.push(if change.server.is_some() {
                "supercollider (server restarted)"
            } else {
                "supercollider (latency)"
            });
            *self.supercollider.lock() = Some(change);
        }
        if new.midi.input != old.midi.input || new.midi.host != old.midi.host {
            restart.push("midi");
        }
        if new.http != old.http {
            restart.push("http");
        }
        if new.logging.format != old.logging.format
            || new.logging.file != old.logging.file
            || new.logging.max_size_mb != old.logging.max_size_mb
            || new.logging.keep != old.logging.keep
        {
            restart.push("logging format/file");
        }
        *current = new;
        let line = format!(
            "config reloaded from {}: changed {}; needs a restart: {}",
            self.path.display(),
            list(&changed),
            list(&restart)
        );
        info!(event = "config_reload", "{line}");
        Ok(line)
    }
}

fn list(items: &[&str]) -> String {
    if items.is_empty() {
        "nothing".to_string()
    } else {
        items.join(", ")
    }
}
