//! `GET /api/state`: one JSON snapshot of the instrument. Every key is always present,
//! `null` where it does not apply (`tempo`, `step`, `bar`, `scale`, `mode` without a
//! sequence). Keys (docs/CONTRACTS.md §6): `patch`, `revision`, `instruments` (each `id`,
//! `voices` sounding, `polyphony`), `voices`, `tempo`, `step`, `bar`, `scale`, `mode`
//! (`"active"`/`"ambient"`), `mode_policy` (who decides it: `"auto"`/`"active"`/`"ambient"`,
//! `/seq/mode`), `playing`, `swing`, `density`, `chaos_lock`, `dsp_load`, `xruns`,
//! `uptime_s`, `sample_rate`,
//! `clock`, `outputs`, `backends`, `midi_outputs` (each MIDI output port, `[]` without),
//! `supercollider` (the live SuperCollider server, `null` without), `backend_status` (the
//! `/backend/status` lines), `cues` (the last [`STATE_CUES`], oldest first), `levels`,
//! `overload` (the shedding level and its counters; each instrument's `cap`), `watchdog`.

use serde_json::{json, Value};

use std::sync::atomic::Ordering::Relaxed;

use super::sources::Sources;
use crate::engine::shed::{describe, poly_step, voice_cap, Shedding};
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
    let shedding = c.engine().shedding();
    let level = shedding.level();
    let instruments: Vec<Value> = scope::instruments(c.running())
        .enumerate()
        .map(|(i, (_, id, inst))| {
            let voices =
                (i < STATS_INSTRUMENTS).then(|| EngineStats::get(&stats.voices_by_instrument[i]));
            json!({"id": id, "voices": voices, "polyphony": inst.count,
                   "cap": voice_cap(inst.count, level)})
        })
        .collect();
    let seq = c
        .engine()
        .seq_status()
        .present
        .load(std::sync::atomic::Ordering::Relaxed)
        .then(|| c.engine().seq_status().snapshot());
    let name = c.running().name.clone();
    // The internal engine, then every backend registered for `/metrics` (each MIDI
    // output port, `midi_out:PORT`, up while connected; the SuperCollider server).
    let ports = c.backend_ports();
    let backends: Vec<Value> = std::iter::once(json!({"name": "internal", "up": true}))
        .chain(
            c.observed()
                .backends
                .read()
                .into_iter()
                .map(|(name, up)| json!({"name": name, "up": up})),
        )
        .collect();
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
        "mode_policy": seq.map(|q| q.policy.name()),
        "playing": seq.map(|q| q.playing),
        // The active profile's swing and density (what `/seq/swing` and `/seq/density`
        // set and mutation moves) and the chaos lock.
        "swing": seq.map(|q| q.swing),
        "density": seq.map(|q| q.density_setting),
        "chaos_lock": seq.map(|q| q.chaos_lock),
        "dsp_load": host.dsp_load,
        "xruns": host.xruns,
        "uptime_s": s.started.elapsed().as_secs_f64(),
        "sample_rate": host.sample_rate,
        // Where the sequencer's clock comes from now (`internal`, `midi:PORT`, `link`).
        "clock": c.sync_status().source().name(),
        // For Link: its peers, and the beat phase at the quantum at Link's host time.
        "link": c.sync_status().source().link().map(|(peers, phase, time_us)| {
            // The latest block: its first engine sample and the Link host time its
            // callback asked at (docs/CONTRACTS.md §9.2).
            let block = c.sync_status().source().link_block()
                .map(|(sample, host_us)| json!({"sample": sample, "host_us": host_us}));
            json!({"peers": peers, "phase": phase, "time_us": time_us, "block": block})
        }),
        "outputs": host.outputs,
        "backends": backends,
        // Each MIDI output port: port, destination, connected, instruments and profiles,
        // counts, queue and the scheduling-error histogram (docs/CONTRACTS.md §9.2).
        "midi_outputs": ports.iter().filter(|p| p.backend == "midi").map(|p| &p.state)
            .collect::<Vec<_>>(),
        // The live SuperCollider server: address, `up`/`down`/`error` state, restarts,
        // late bundles, sent, dropped, fails (docs/CONTRACTS.md §5.4).
        "supercollider": ports.iter().find(|p| p.backend == "supercollider").map(|p| &p.state),
        // The backends' status lines (`/backend/status`): the SuperCollider server's, each
        // MIDI port's.
        "backend_status": ports.iter().map(|p| &p.line).collect::<Vec<_>>(),
        "cues": s.cues.last(STATE_CUES).iter().map(|l| l.json()).collect::<Vec<_>>(),
        "levels": levels(&host.levels),
        "overload": overload(shedding, c.engine().seq_status().mutations_held.load(Relaxed)),
        "watchdog": {
            "enabled": host.watchdog.enabled,
            "pings": host.watchdog.pings,
            "withheld": host.watchdog.withheld,
        },
    })
}

/// `{level, shedding, throttled, polyphony_step, sheds, restores, voices_shed, cues_held,
/// mutations_held}`: overload shedding now and its counters.
fn overload(shedding: &Shedding, mutations_held: u64) -> Value {
    let level = shedding.level();
    json!({
        "level": level,
        "shedding": describe(level),
        "throttled": shedding.throttled(),
        "polyphony_step": poly_step(level),
        "sheds": shedding.sheds.load(Relaxed),
        "restores": shedding.restores.load(Relaxed),
        "voices_shed": shedding.voices_shed.load(Relaxed),
        "cues_held": shedding.cues_held.load(Relaxed),
        "mutations_held": mutations_held,
    })
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
