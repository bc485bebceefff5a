//! `GET /metrics`: the Prometheus text exposition format (version 0.0.4), every name
//! prefixed `chronus_`. Written here rather than through a metrics crate: every figure
//! already lives in an atomic its owner keeps (the callback's meter, the engine's stats,
//! the controller's counters, the queue gauges), so there is nothing to register — a
//! scrape reads them and prints; the text format is a few lines per family, and the tests
//! check it with Prometheus's own parser (`promtool check metrics`) and the
//! `prometheus_client` Python parser.
//!
//! A scrape never touches the audio thread: it reads relaxed atomics the callback stores,
//! and takes the controller's lock for a moment (as `/status` does).

use std::fmt::Write;
use std::sync::atomic::Ordering::Relaxed;

use super::sources::{Sources, WatchdogFigures};
use crate::control::NoteSource;
use crate::engine::shed::{voice_cap, Shedding};
use crate::engine::stats::STATS_INSTRUMENTS;
use crate::engine::EngineStats;
use crate::patch::scope;

/// The content type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Builds the text of one scrape.
struct Text(String);

impl Text {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP chronus_{name} {help}");
        let _ = writeln!(self.0, "# TYPE chronus_{name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str("chronus_");
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{k}=\"{}\"", escape(v));
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {}", number(value));
    }

    fn one(&mut self, name: &str, kind: &str, help: &str, value: f64) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }
}

/// A label value escaped per the text format (`\\`, `\"`, `\n`).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A sample value: integers without a fraction, `+Inf`/`NaN` spelled as the format wants.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The whole scrape.
pub fn render(s: &Sources) -> String {
    let host = s.host.figures();
    // Everything read under the controller's lock at once, then printed without it.
    let (revision, stats, instruments, observed, faults, seq, shedding) = {
        let c = s.control.lock();
        let instruments: Vec<(String, usize)> = scope::instruments(c.running())
            .map(|(_, id, inst)| (id.to_string(), inst.count))
            .collect();
        (
            c.revision(),
            c.engine().stats().clone(),
            instruments,
            c.observed().clone(),
            c.faults().clone(),
            c.engine().seq_status().clone(),
            c.engine().shedding().clone(),
        )
    };
    let mut t = Text(String::with_capacity(8 * 1024));
    t.one(
        "dsp_load",
        "gauge",
        "Smoothed audio callback time over the buffer period (1 = all of it).",
        host.dsp_load,
    );
    t.family(
        "callback_seconds",
        "histogram",
        "Time spent in each audio callback.",
    );
    for (bound, count) in host.callback_bounds.iter().zip(&host.callback_cumulative) {
        t.sample(
            "callback_seconds_bucket",
            &[("le", &number(*bound))],
            *count as f64,
        );
    }
    t.sample(
        "callback_seconds_bucket",
        &[("le", "+Inf")],
        host.callback_count as f64,
    );
    t.sample("callback_seconds_sum", &[], host.callback_sum_s);
    t.sample("callback_seconds_count", &[], host.callback_count as f64);
    t.one(
        "xruns_total",
        "counter",
        "Underruns and overruns of the audio device (and missed null-host deadlines).",
        host.xruns as f64,
    );
    t.one(
        "callbacks_total",
        "counter",
        "Audio callbacks run.",
        host.callbacks as f64,
    );
    t.family(
        "voices_active",
        "gauge",
        "Voices sounding per instrument at the end of the last block.",
    );
    for (i, (id, _)) in instruments.iter().enumerate().take(STATS_INSTRUMENTS) {
        let n = EngineStats::get(&stats.voices_by_instrument[i]);
        t.sample("voices_active", &[("instrument", id)], n as f64);
    }
    overload(
        &mut t,
        &shedding,
        &instruments,
        seq.mutations_held.load(Relaxed),
    );
    watchdog(&mut t, &host.watchdog);
    t.family(
        "notes_total",
        "counter",
        "Notes started, by where they came from.",
    );
    for source in NoteSource::ALL {
        let n = match source {
            NoteSource::Sequencer => EngineStats::get(&stats.sequencer_notes),
            other => observed.notes(other),
        };
        t.sample("notes_total", &[("source", source.name())], n as f64);
    }
    let (osc_received, osc_refused) = s.osc_stats.as_ref().map_or((0, 0), |o| {
        (o.received.load(Relaxed), o.refused.load(Relaxed))
    });
    t.one(
        "osc_messages_total",
        "counter",
        "OSC packets received over UDP.",
        osc_received as f64,
    );
    t.one(
        "osc_refused_total",
        "counter",
        "OSC messages refused with /error over UDP.",
        osc_refused as f64,
    );
    t.one(
        "midi_events_total",
        "counter",
        "MIDI channel messages routed.",
        observed.midi_events.load(Relaxed) as f64,
    );
    let queues = observed.queues.read();
    t.family(
        "queue_depth",
        "gauge",
        "Items waiting in each ring and queue.",
    );
    for (name, r) in &queues {
        t.sample("queue_depth", &[("queue", name)], r.depth as f64);
    }
    t.family(
        "queue_high_water",
        "gauge",
        "The most items that waited at once in each ring and queue.",
    );
    for (name, r) in &queues {
        t.sample(
            "queue_high_water",
            &[("queue", name)],
            r.high_water.max(r.depth) as f64,
        );
    }
    t.family(
        "queue_capacity",
        "gauge",
        "Capacity of each ring and queue (0: unbounded or unknown).",
    );
    for (name, r) in &queues {
        t.sample("queue_capacity", &[("queue", name)], r.capacity as f64);
    }
    t.family(
        "events_dropped_total",
        "counter",
        "Items a ring or queue could not take (dropped or refused).",
    );
    for (name, r) in &queues {
        t.sample("events_dropped_total", &[("queue", name)], r.dropped as f64);
    }
    t.one(
        "mutations_total",
        "counter",
        "Sequencer mutations.",
        observed.mutations.load(Relaxed) as f64,
    );
    t.one(
        "idle_transitions_total",
        "counter",
        "Switches between the active and ambient (idle) profiles.",
        observed.idle_transitions.load(Relaxed) as f64,
    );
    t.one(
        "commits_total",
        "counter",
        "Patches committed (the revision of the latest).",
        revision as f64,
    );
    t.family(
        "panics_total",
        "counter",
        "Panics caught and contained, by thread.",
    );
    t.sample(
        "panics_total",
        &[("thread", "audio")],
        host.audio_panics as f64,
    );
    t.sample(
        "panics_total",
        &[("thread", "control")],
        faults.panics() as f64,
    );
    t.family(
        "backend_up",
        "gauge",
        "1 when an instrument backend is reachable.",
    );
    t.sample("backend_up", &[("backend", "internal")], 1.0);
    for (name, up) in observed.backends.read() {
        t.sample(
            "backend_up",
            &[("backend", &name)],
            if up { 1.0 } else { 0.0 },
        );
    }
    t.one(
        "rss_bytes",
        "gauge",
        "Resident memory of the process.",
        rss_bytes() as f64,
    );
    t.one(
        "uptime_seconds",
        "gauge",
        "Seconds since play started.",
        s.started.elapsed().as_secs_f64(),
    );
    t.one(
        "sequencer_playing",
        "gauge",
        "1 while a sequencer plays.",
        (seq.present.load(Relaxed) && seq.playing.load(Relaxed)) as u8 as f64,
    );
    let c = &s.counters;
    t.one(
        "http_requests_total",
        "counter",
        "HTTP requests served.",
        c.requests.load(Relaxed) as f64,
    );
    t.one(
        "http_rate_limited_total",
        "counter",
        "HTTP requests and WebSocket messages refused by the rate limit (429).",
        c.rate_limited.load(Relaxed) as f64,
    );
    t.one(
        "http_bad_requests_total",
        "counter",
        "HTTP requests refused as malformed (bad JSON, too large, bad shape).",
        c.bad_requests.load(Relaxed) as f64,
    );
    t.0
}

/// The overload shedding families: the level, the steps, what was shed, each
/// instrument's voice cap.
fn overload(t: &mut Text, shedding: &Shedding, instruments: &[(String, usize)], held: u64) {
    let level = shedding.level();
    t.one(
        "overload_level",
        "gauge",
        "Overload shedding level: 0 none, 1 mutation and cue traffic throttled, 2..4 polyphony at 3/4, 1/2, 1/4.",
        level as f64,
    );
    t.family(
        "overload_steps_total",
        "counter",
        "Overload shedding steps, by direction (shed: one level more, restore: one level back).",
    );
    let steps = [("shed", &shedding.sheds), ("restore", &shedding.restores)];
    for (direction, counter) in steps {
        t.sample(
            "overload_steps_total",
            &[("direction", direction)],
            counter.load(Relaxed) as f64,
        );
    }
    t.one(
        "overload_voices_shed_total",
        "counter",
        "Voices faded out because overload shedding lowered their instrument's cap.",
        shedding.voices_shed.load(Relaxed) as f64,
    );
    t.one(
        "overload_cues_held_total",
        "counter",
        "Note and param cues not published while overload shedding throttled cue traffic.",
        shedding.cues_held.load(Relaxed) as f64,
    );
    t.one(
        "overload_mutations_held_total",
        "counter",
        "Sequencer mutation cycles skipped while overload shedding held mutation.",
        held as f64,
    );
    t.family(
        "voice_cap",
        "gauge",
        "Voices each instrument may sound now (its polyphony, lowered by overload shedding).",
    );
    for (id, polyphony) in instruments {
        t.sample(
            "voice_cap",
            &[("instrument", id)],
            voice_cap(*polyphony, level) as f64,
        );
    }
}

/// The systemd watchdog's counters.
fn watchdog(t: &mut Text, w: &WatchdogFigures) {
    t.one(
        "watchdog_enabled",
        "gauge",
        "1 when the systemd watchdog applies to this process (WATCHDOG_USEC).",
        w.enabled as u8 as f64,
    );
    t.one(
        "watchdog_pings_total",
        "counter",
        "WATCHDOG=1 pings sent to systemd.",
        w.pings as f64,
    );
    t.one(
        "watchdog_withheld_total",
        "counter",
        "Watchdog pings withheld because the audio callback made no progress.",
        w.withheld as f64,
    );
}

/// Resident set size from `/proc/self/status` (`VmRSS`), 0 where there is none (macOS).
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_labels_follow_the_text_format() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
