//! `GET /api/state`: one JSON snapshot of the instrument. Every key is always present,
//! `null` where it does not apply (`tempo`, `step`, `bar`, `scale`, `mode` without a
//! sequence). Keys (docs/CONTRACTS.md §6): `patch`, `revision`, `instruments` (each `id`,
//! `voices` sounding, `polyphony`), `voices`, `tempo`, `step`, `bar`, `scale`, `mode`
//! (`"active"`/`"ambient"`), `playing`, `dsp_load`, `xruns`, `uptime_s`, `sample_rate`,
//! `clock`, `outputs`, `backends`, `backend_status`, `cues` (the last [`STATE_CUES`], oldest first), `levels`.

use serde_json::{json, Value};

use super::sources::Sources;
use crate::engine::stats::STATS_INSTRUMENTS;
use crate::engine::EngineStats;
use crate::patch::scope;

/// Cues `/api/state` carries.
pub const STATE_CUES: usize = 16;

/// The snapshot.
pub fn snapshot(s: &Sources) -> Value {
    let host = s.host.figures();
    let c = s.control.lock();
    let stats = c.engine().stats();
    let instruments: Vec<Value> = scope::instruments(c.running())
        .enumerate()
        .map(|(i, (_, id, inst))| {
            let voices =
                (i < STATS_INSTRUMENTS).then(|| EngineStats::get(&stats.voices_by_instrument[i]));
            json!({"id": id, "voices": voices, "polyphony": inst.count})
        })
        .collect();
    let seq = c
        .engine()
        .seq_status()
        .present
        .load(std::sync::atomic::Ordering::Relaxed)
        .then(|| c.engine().seq_status().snapshot());
    let name = c.running().name.clone();
    json!({
        "patch": if name.is_empty() { s.patch_name.clone() } else { name },
        "revision": c.revision(),
        "instruments": instruments,
        "voices": EngineStats::get(&stats.voices_active),
        "tempo": seq.map(|q| q.bpm),
        "step": seq.map(|q| q.step),
        "bar": seq.map(|q| q.bar),
        "scale": seq.map(|q| q.scale.name()),
        "mode": seq.map(|q| if q.ambient { "ambient" } else { "active" }),
        "playing": seq.map(|q| q.playing),
        "dsp_load": host.dsp_load,
        "xruns": host.xruns,
        "uptime_s": s.started.elapsed().as_secs_f64(),
        "sample_rate": host.sample_rate,
        // Where the sequencer's clock comes from now (`internal`, `midi:PORT`, `link`).
        "clock": c.sync_status().source().name(),
        "outputs": host.outputs,
        "backends": backends(&c),
        // The backends' status lines (`/backend/status`): the SuperCollider server's
        // `up`, `down` or `error` state, restarts and late bundles; each MIDI port's.
        "backend_status": c.backend_status(),
        "cues": s.cues.last(STATE_CUES).iter().map(|l| l.json()).collect::<Vec<_>>(),
        "levels": levels(&host.levels),
    })
}

/// `internal` (always up), then every backend that registered a probe (each MIDI output
/// port, the SuperCollider server).
fn backends(c: &crate::control::Controller) -> Vec<Value> {
    let mut out = vec![json!({"name": "internal", "up": true})];
    for (name, up) in c.observed().backends.read() {
        out.push(json!({"name": name, "up": up}));
    }
    out
}

/// The figures that move all the time and are not in the levels: `step`, `bar`, `tempo`,
/// `voices`, `instruments`, `xruns` (the WebSocket's 20 Hz push carries them).
pub fn moving(s: &Sources, xruns: u64) -> Value {
    let c = s.control.lock();
    let stats = c.engine().stats();
    let voices: Vec<Value> = (0..scope::instruments(c.running())
        .count()
        .min(STATS_INSTRUMENTS))
        .map(|i| json!(EngineStats::get(&stats.voices_by_instrument[i])))
        .collect();
    let seq = c
        .engine()
        .seq_status()
        .present
        .load(std::sync::atomic::Ordering::Relaxed)
        .then(|| c.engine().seq_status().snapshot());
    json!({
        "step": seq.map(|q| q.step),
        "bar": seq.map(|q| q.bar),
        "tempo": seq.map(|q| q.bpm),
        "voices": EngineStats::get(&stats.voices_active),
        "instrument_voices": voices,
        "xruns": xruns,
    })
}

/// `[{"peak": p, "rms": r}, ...]`, one per output channel.
pub fn levels(levels: &[(f32, f32)]) -> Value {
    Value::Array(
        levels
            .iter()
            .map(|(peak, rms)| json!({"peak": peak, "rms": rms}))
            .collect(),
    )
}
