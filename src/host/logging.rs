//! Logging of `chronus play` ([`init`]): text (the default; colour on a terminal) or JSON
//! lines, to stderr (journald takes it from there) or to a file rotated by size
//! (`file-rotate`: `chronus.log`, then `chronus.log.1` the newest old one, up to `keep`).
//! The level can change while playing ([`set_level`], used by a config reload).
//!
//! A JSON line is one object: `timestamp` (RFC 3339, UTC), `level` (`"INFO"`), `event`
//! (the semantic event's name — `commit`, `mutation`, `idle_transition`, `midi_action`,
//! `param`, `http_listening`, `config_reload`, ... — or `"log"` for a plain message),
//! `message`, then the event's fields. Written by [`JsonLines`] rather than
//! tracing-subscriber's own JSON formatter, which puts fields under a nested `fields`
//! object and has no `event` key of its own.

use std::fmt;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::OnceLock;

use file_rotate::compression::Compression;
use file_rotate::suffix::AppendCount;
use file_rotate::{ContentLimit, FileRotate};
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, Layer, Registry};

/// How to log.
#[derive(Clone, Debug, PartialEq)]
pub struct LogOptions {
    /// JSON lines instead of text.
    pub json: bool,
    /// `"error"` .. `"trace"`.
    pub level: String,
    /// A file instead of stderr: its path, the size it rotates at (bytes), files kept.
    pub file: Option<(String, usize, usize)>,
}

/// The handle that changes the level live.
static LEVEL: OnceLock<reload::Handle<LevelFilter, Registry>> = OnceLock::new();

/// The level filter of a level name (checked by the config: unknown names are `info`).
pub fn level_filter(level: &str) -> LevelFilter {
    match level {
        "error" => LevelFilter::ERROR,
        "warn" => LevelFilter::WARN,
        "debug" => LevelFilter::DEBUG,
        "trace" => LevelFilter::TRACE,
        _ => LevelFilter::INFO,
    }
}

/// Installs the process's logger. Fails when the log file cannot be opened.
pub fn init(options: &LogOptions) -> Result<(), String> {
    let (filter, handle) = reload::Layer::new(level_filter(&options.level));
    let _ = LEVEL.set(handle);
    let registry = tracing_subscriber::registry().with(filter);
    let result = match &options.file {
        Some((path, max_bytes, keep)) => {
            let writer = std::sync::Mutex::new(rotating(path, *max_bytes, *keep)?);
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false);
            if options.json {
                registry
                    .with(layer.event_format(JsonLines).boxed())
                    .try_init()
            } else {
                registry.with(layer.with_target(false).boxed()).try_init()
            }
        }
        None => {
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(!options.json && std::io::stderr().is_terminal());
            if options.json {
                registry
                    .with(layer.event_format(JsonLines).boxed())
                    .try_init()
            } else {
                registry.with(layer.with_target(false).boxed()).try_init()
            }
        }
    };
    result.map_err(|e| format!("error: cannot install the logger: {e}"))
}

/// A log file rotated at `max_bytes`, keeping `keep` old files.
fn rotating(path: &str, max_bytes: usize, keep: usize) -> Result<FileRotate<AppendCount>, String> {
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        if !dir.is_dir() {
            return Err(format!(
                "error: cannot write the log file {path}: no folder {}",
                dir.display()
            ));
        }
    }
    Ok(FileRotate::new(
        path,
        AppendCount::new(keep),
        ContentLimit::BytesSurpassed(max_bytes),
        Compression::None,
        None,
    ))
}

/// Changes the level live; false when no logger of ours is installed.
pub fn set_level(level: &str) -> bool {
    LEVEL
        .get()
        .is_some_and(|h| h.modify(|f| *f = level_filter(level)).is_ok())
}

/// The JSON-lines format (see the module doc).
pub struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Fields(Map::new());
        event.record(&mut fields);
        let mut line = Map::new();
        line.insert(
            "timestamp".into(),
            humantime::format_rfc3339_micros(std::time::SystemTime::now())
                .to_string()
                .into(),
        );
        line.insert("level".into(), event.metadata().level().as_str().into());
        let name = fields.0.remove("event").unwrap_or_else(|| "log".into());
        line.insert("event".into(), name);
        line.append(&mut fields.0);
        writeln!(writer, "{}", Value::Object(line))
    }
}

/// An event's fields as JSON values.
struct Fields(Map<String, Value>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
}
