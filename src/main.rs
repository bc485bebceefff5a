//! The `chronus` command line. See `chronus --help` and docs/CONTRACTS.md §3.
//!
//! Errors go to stderr, one readable line each (with the file position where there is
//! one), and the exit code is non-zero.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chronus::bench::{self, BenchOptions};
use chronus::catalog;
use chronus::config::{self, Config};
use chronus::graph;
use chronus::host::cpal_output::{HostChoice, OutputRequest};
use chronus::host::logging::LogOptions;
use chronus::host::player::MidiRequest;
use chronus::host::{self, PlayOptions, RenderOptions};
use chronus::http::HttpOptions;
use chronus::osc::{OscOptions, PatchFolder};
use chronus::patch::{PatchDesc, PatchError, PatchErrorKind, PatchErrors};
use chronus_modules::Registry;
use clap::{Parser, Subcommand};

// One allocator for two checks. `chronus bench` counts the allocations made inside
// `Engine::process` with `CountingAlloc` (it counts only while a thread asks it to). It
// wraps `bench::Checked`: in debug builds assert_no_alloc's `AllocDisabler`, so the audio
// callback, which runs under `assert_no_alloc`, is still checked never to allocate (a
// violation prints a warning); in release builds the system allocator.
#[global_allocator]
static ALLOCATOR: bench::CountingAlloc<bench::Checked> = bench::CountingAlloc::checked();

/// The patch `play` plays when given none.
const DEFAULT_PATCH: &str = include_str!("../patches/default-drone.ron");

/// The patch `bench` measures when given none.
const BENCH_PATCH: &str = include_str!("../patches/poly-subtractive.ron");

/// Chronus: a real-time modular synth engine.
#[derive(Parser)]
#[command(name = "chronus", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Play a patch in real time on a sound card (ALSA, JACK) or the null host, until
    /// Ctrl-C / SIGTERM (or --seconds). Logs a status line every --status-interval seconds.
    #[command(
        after_help = "Examples:\n  chronus play                                   # the built-in drone on the default device\n  chronus play patches/sine-test-tone.ron --host jack --seconds 5\n  chronus play --host null --record out.wav --seconds 10"
    )]
    Play(Box<PlayArgs>),
    /// List audio hosts, their output devices and configs, MIDI ports, the
    /// SuperCollider server (`--config`'s `supercollider` section, else the default), and
    /// the MIDI outputs of a running player (counts, latency) asked of its HTTP API.
    Devices {
        /// A config file whose `supercollider` and `http` sections to use.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The HTTP API of the running player to ask (default: the config's http.bind,
        /// 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        player: Option<std::net::SocketAddr>,
    },
    /// Render a patch offline to a 32-bit float stereo WAV file.
    #[command(
        after_help = "Examples:\n  chronus render patches/poly-subtractive.ron --seconds 4 --out poly.wav \\\n      --notes 60@0:1,64@0.5:1,67@1:2:0.6\n  chronus render patches/poly-subtractive.ron --seconds 4 --out played.wav \\\n      --config config/example.ron --notes 57@0:2   # tuning and sequencer as in `play`"
    )]
    Render(RenderArgs),
    /// Check patch files: exit 0 when all are valid, 1 with every error otherwise.
    Check {
        /// Patch files (.ron).
        #[arg(required = true)]
        patches: Vec<PathBuf>,
    },
    /// List the module kinds with their ports and params, or describe one kind.
    Modules {
        /// A kind to describe in detail (e.g. `lowpass`).
        kind: Option<String>,
    },
    /// Print the Graphviz DOT of a patch's graph (`chronus graph p.ron | dot -Tsvg > p.svg`).
    Graph {
        /// The patch file (.ron).
        patch: PathBuf,
    },
    /// Write a patch's SuperCollider SynthDefs: one `.scsyndef` per instrument's voice
    /// template and one for the main graph (when every kind in it has a counterpart).
    #[command(
        after_help = "Example:\n  chronus synthdef patches/poly-subtractive.ron --out synthdefs"
    )]
    Synthdef {
        /// The patch file (.ron).
        patch: PathBuf,
        /// The folder to write the defs into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Measure a patch offline on one thread at 48 kHz in 64-frame blocks: real-time
    /// factor, ns per sample, voices that fit in half a core (from runs with the first
    /// instrument at 1, 8 and 32 voices, all held), allocations inside the engine's
    /// processing (must be 0) and peak RSS.
    #[command(
        after_help = "Examples:\n  chronus bench                                   # the built-in poly-subtractive patch\n  cargo run --release -- bench patches/fm-bell.ron --seconds 30\n  chronus bench --json --seconds 2 | jq .voices_at_50_percent"
    )]
    Bench {
        /// The patch file (.ron); without one, the built-in patches/poly-subtractive.ron.
        patch: Option<PathBuf>,
        /// Print one JSON object instead of the table.
        #[arg(long)]
        json: bool,
        /// Seconds of audio for the main run and for each voice-scaling run.
        #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
        seconds: f64,
    },
    /// Run a patch for hours under seeded random OSC, MIDI and sequencer traffic, sampling
    /// memory, CPU, DSP load, voices and queues into DIR/soak.csv, DIR/soak.svg and
    /// DIR/summary.txt; exit 1 if an invariant broke (memory growth after warm-up, NaN,
    /// an allocation in the audio callback, a panic). Ctrl-C stops early and still writes
    /// the results.
    #[command(
        after_help = "Examples:\n  chronus soak patches/generative-pulse.ron --hours 10 --out soak/pulse   # minutes\n  nice -n 19 chronus soak patches/generative-glass.ron --hours 2 --realtime --out soak/rt"
    )]
    Soak(SoakArgs),
}

/// The options of `chronus soak` (docs/CONTRACTS.md §8).
#[derive(clap::Args)]
struct SoakArgs {
    /// The patch file (.ron).
    patch: PathBuf,
    /// Hours of audio (accelerated) or of wall time (--realtime).
    #[arg(long, allow_negative_numbers = true)]
    hours: f64,
    /// Play in real time on a paced thread (the null host's pacing) instead of as fast as
    /// the engine renders.
    #[arg(long)]
    realtime: bool,
    /// Folder for the results (created if missing).
    #[arg(long, default_value = "soak")]
    out: PathBuf,
    /// Seed of the patch and of the traffic.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Frames per callback.
    #[arg(long, default_value_t = 256)]
    buffer: u32,
    /// Seconds between two rows of the CSV (of audio offline, of wall time in real time).
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true)]
    sample_every: f64,
}

/// The options of `chronus render` (docs/CONTRACTS.md §3).
#[derive(clap::Args)]
struct RenderArgs {
    /// The patch file (.ron).
    patch: PathBuf,
    /// Length of the render in seconds.
    #[arg(long, allow_negative_numbers = true)]
    seconds: f64,
    /// Output WAV file.
    #[arg(long)]
    out: PathBuf,
    /// Sample rate in Hz.
    #[arg(long, default_value_t = 48_000)]
    sample_rate: u32,
    /// Seed for every random choice (noise, random LFOs, the sequencer): same seed, same
    /// bytes.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Notes to play: [INSTRUMENT/]NOTE@START:DURATION[:VELOCITY],... (seconds;
    /// velocity 0..1, default 0.8), e.g. 60@0:1,bass/36@0.5:1:0.5
    #[arg(long)]
    notes: Option<String>,
    /// Config (RON), the same file `play` takes: its `tuning` and `sequencer` sections
    /// apply, so a render sounds as live play does. Its `midi` and `router` sections are
    /// checked but do not apply (a render has no MIDI input; --notes name their
    /// instrument).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The engine that plays the patch: `internal` (every voice template on Chronus's
    /// engine, whatever its backend) or `supercollider` (the whole patch as SynthDefs,
    /// rendered by `scsynth -N`; --notes only, --config and --seed do not apply).
    #[arg(long, default_value = "internal", value_parser = ["internal", "supercollider"])]
    engine: String,
}

/// The options of `chronus play` (docs/CONTRACTS.md §3).
#[derive(clap::Args)]
struct PlayArgs {
    /// The patch file (.ron); without one, the built-in default patch (a drone).
    patch: Option<PathBuf>,
    /// Audio host: alsa, jack or null (no device: a timer at real-time speed).
    /// Default: alsa on Linux, the system's own elsewhere. On JACK the client is
    /// `chronus_out`, its ports `out_0` (left) and `out_1` (right), connected to
    /// system:playback_1/2.
    #[arg(long)]
    host: Option<String>,
    /// Output device: part of its name or id, any case (see `chronus devices`).
    #[arg(long)]
    device: Option<String>,
    /// Sample rate in Hz (default: the device's; JACK: the server's).
    #[arg(long)]
    sample_rate: Option<u32>,
    /// Buffer size in frames (default: the device's; null host: 256; JACK: the server's).
    #[arg(long)]
    buffer: Option<u32>,
    /// Also record what is played to this WAV file (32-bit float stereo).
    #[arg(long)]
    record: Option<PathBuf>,
    /// Stop after this many seconds of wall time (as Ctrl-C does).
    #[arg(long, allow_negative_numbers = true)]
    seconds: Option<f64>,
    /// Print no status lines (warnings and errors only).
    #[arg(long)]
    quiet: bool,
    /// Seed for every random choice (noise, random LFOs, the sequencer).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Seconds between status lines.
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true)]
    status_interval: f64,
    /// UDP port of the OSC server (0: any free port; see the README's OSC section).
    #[arg(long, default_value_t = 9000)]
    osc_port: u16,
    /// Address the OSC server listens on. The default accepts only this machine; use
    /// 0.0.0.0 to accept controllers on the network (anyone who can reach the port can
    /// then edit the patch and load or save files in the patch folder).
    #[arg(long, default_value = "127.0.0.1")]
    osc_bind: std::net::IpAddr,
    /// The folder `/patch/load` and `/patch/save` read and write (nothing outside it).
    #[arg(long, default_value = "patches")]
    patch_dir: PathBuf,
    /// Run without the OSC server.
    #[arg(long)]
    no_osc: bool,
    /// MIDI input port: part of its name (any case), or `all`. Default: the first port
    /// that is not a Through/System port. The port is reconnected when it comes back.
    #[arg(long)]
    midi_in: Option<String>,
    /// MIDI host: alsa (the ALSA sequencer; USB controllers) or jack (JACK MIDI: client
    /// `chronus_midi`, port `in`; with `--midi-in all`, `in` .. `in-16`, one per source).
    #[arg(long, value_parser = ["alsa", "jack"])]
    midi_host: Option<String>,
    /// Follow the MIDI clock of this input port (part of its name, any case, on the MIDI
    /// host in use): tempo from the tick spacing, START/STOP/CONTINUE/SPP move the
    /// sequencer (JACK: client `chronus_clock_in`, port `in`).
    #[arg(long, value_name = "NAME")]
    clock_in: Option<String>,
    /// Send the sequencer's MIDI clock to this output port (part of its name, any case,
    /// on the MIDI host in use; repeat for more ports): 24 PPQN, START/STOP/CONTINUE/SPP.
    #[arg(long, value_name = "NAME")]
    clock_out: Vec<String>,
    /// Join the Ableton Link session on the local network: take its tempo, line the bars
    /// up with its phase, publish tempo changes, start/stop with it (the config's `link`
    /// section sets the quantum and start/stop sync). Needs a build with the cargo feature
    /// `link`.
    #[arg(long)]
    link: bool,
    /// Config (RON): MIDI input, tuning, note ranges and controllers mapped to actions, and
    /// the sequencer's settings. See config/example.ron and the README.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address of the HTTP API (metrics, state, OSC over HTTP). Default: the config's
    /// `http.bind`, else 127.0.0.1:8080 (when busy: a warning and no HTTP). An address given
    /// here must bind.
    #[arg(long, value_name = "ADDR")]
    http: Option<std::net::SocketAddr>,
    /// Run without the HTTP API.
    #[arg(long, conflicts_with = "http")]
    no_http: bool,
    /// Log format: text, or json (one JSON object per line). Default: the config's
    /// `logging.format`, else text.
    #[arg(long, value_parser = ["text", "json"])]
    log_format: Option<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let registry = Registry::builtin();
    let result = match cli.command {
        Command::Play(args) => play(&registry, *args),
        Command::Devices { config, player } => devices(config.as_deref(), player),
        Command::Render(args) => render(&registry, args),
        Command::Check { patches } => check(&registry, &patches),
        Command::Modules { kind } => modules(&registry, kind),
        Command::Graph { patch } => read_patch(&registry, &patch).map(|desc| {
            print!("{}", graph::to_dot(&desc));
        }),
        Command::Synthdef { patch, out } => {
            chronus::supercollider::patch_defs::synthdef_command(&registry, &patch, &out)
                .map(|report| print!("{report}"))
        }
        Command::Bench {
            patch,
            json,
            seconds,
        } => run_bench(&registry, patch, json, seconds),
        Command::Soak(args) => soak(&registry, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// A command line clap refused: one line on stderr (clap's several lines of message,
/// hint and usage folded into one) and exit code 2, as clap itself exits. `--help`,
/// `--version` and a bare `chronus` print clap's help as usual.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    eprintln!("{}", one_line(&e.render().to_string()));
    ExitCode::from(2)
}

/// Clap's error text as one line: its message and hints joined, the usage block and the
/// "For more information" line replaced by a pointer to `--help`.
fn one_line(text: &str) -> String {
    let parts: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more"))
        .collect();
    format!("{} (see --help)", parts.join(" "))
}

/// Reads, validates and compiles a patch file; every error on its own line. A valid patch
/// with a silent part (nothing reaching the output) gets a warning line on stderr.
fn read_patch(registry: &Registry, path: &PathBuf) -> Result<PatchDesc, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        PatchErrors(vec![PatchError::new(PatchErrorKind::Io {
            message: e.to_string(),
        })])
        .in_file(Some(&name))
        .to_string()
    })?;
    // File params (a sampler's `file`) are relative to the patch file's folder.
    let folder = path.parent().map(|p| {
        if p.as_os_str().is_empty() {
            std::path::Path::new(".")
        } else {
            p
        }
    });
    let desc = graph::check_in(&text, Some(&name), folder, registry).map_err(|e| e.to_string())?;
    for line in chronus::patch::silent_parts(&desc) {
        eprintln!("{name}: warning: {line}");
    }
    Ok(desc)
}

/// Reads and checks a `--config` file against the patch it will run with (every error on
/// its own `file:line:col` line); the default config without one.
fn read_config(
    registry: &Registry,
    path: Option<&PathBuf>,
    desc: &PatchDesc,
    patch: Option<&PathBuf>,
) -> Result<Config, String> {
    let config = match path {
        Some(path) => config::load_file(path, desc, registry).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    check_profiles(desc, patch, &config)?;
    Ok(config)
}

/// Every `midi` instrument of the patch names a known CC profile (built in or the
/// config's), or a positioned error line each.
fn check_profiles(
    desc: &PatchDesc,
    patch: Option<&PathBuf>,
    config: &Config,
) -> Result<(), String> {
    let text = patch.and_then(|p| std::fs::read_to_string(p).ok());
    let name = patch.map(|p| p.display().to_string());
    chronus::midi_out::settings::check_patch_profiles(
        desc,
        text.as_deref(),
        name.as_deref(),
        &config.cc_profiles,
    )
    .map_err(|e| e.to_string())
}

/// The logger of `chronus play`: `--log-format` and `--quiet` over the config's `logging`.
fn start_logging(quiet: bool, format: Option<&str>, config: &Config) -> Result<(), String> {
    let logging = &config.logging;
    let level = if quiet && logging.level != "error" {
        "warn".to_string()
    } else {
        logging.level.clone()
    };
    chronus::host::logging::init(&LogOptions {
        json: format.unwrap_or(&logging.format) == "json",
        level,
        file: logging
            .file
            .clone()
            .map(|f| (f, logging.max_bytes(), logging.keep as usize)),
    })
}

/// The HTTP API to serve: `--http`, else the config's `http.bind`; none with `--no-http`.
fn http_options(
    given: Option<std::net::SocketAddr>,
    no_http: bool,
    config: &Config,
) -> Option<HttpOptions> {
    if no_http {
        return None;
    }
    let http = &config.http;
    let explicit = given.is_some() || http.bind != chronus::config::http::DEFAULT_HTTP_BIND;
    Some(HttpOptions {
        bind: given.or(http.address())?,
        explicit,
        rate: http.rate,
        burst: http.burst,
        max_body: http.max_body_kb as usize * 1024,
    })
}

/// `chronus play`: logging to stderr, Ctrl-C/SIGTERM to a clean stop, then the player.
fn play(registry: &Registry, args: PlayArgs) -> Result<(), String> {
    let (quiet, log_format, http_arg, no_http) =
        (args.quiet, args.log_format.clone(), args.http, args.no_http);
    let host = match &args.host {
        Some(name) => HostChoice::parse(name).map_err(|e| e.to_string())?,
        None => HostChoice::platform_default(),
    };
    if !(args.status_interval.is_finite() && args.status_interval > 0.0) {
        return Err(format!(
            "error: --status-interval {} must be a positive number of seconds",
            args.status_interval
        ));
    }
    if let Some(s) = args.seconds.filter(|s| !(s.is_finite() && *s >= 0.0)) {
        return Err(format!("error: --seconds {s} must be zero or more"));
    }
    let options = PlayOptions {
        host,
        request: OutputRequest {
            device: args.device,
            sample_rate: args.sample_rate,
            buffer: args.buffer,
        },
        record: args.record,
        seconds: args.seconds,
        seed: args.seed,
        status_interval: Duration::from_secs_f64(args.status_interval),
        patch_name: args
            .patch
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "default-drone (built in)".to_string()),
        osc: (!args.no_osc).then(|| OscOptions {
            bind: args.osc_bind,
            port: args.osc_port,
            folder: PatchFolder::new(args.patch_dir.clone()),
        }),
        midi: MidiRequest {
            host: args.midi_host.clone(),
            input: args.midi_in.clone(),
            clock_in: args.clock_in.clone(),
            clock_out: args.clock_out.clone(),
        },
        link: args.link,
        config: Config::default(),
        config_path: args.config.clone(),
        http: None,
        supercollider: Vec::new(),
        supercollider_probe: None,
    };
    let desc = match &args.patch {
        Some(path) => read_patch(registry, path)?,
        None => graph::check(DEFAULT_PATCH, Some("default-drone (built in)"), registry)
            .map_err(|e| e.to_string())?,
    };
    let mut options = options;
    options.config = read_config(registry, args.config.as_ref(), &desc, args.patch.as_ref())?;
    start_logging(quiet, log_format.as_deref(), &options.config)?;
    options.http = http_options(http_arg, no_http, &options.config);
    options.supercollider =
        supercollider_plan(registry, &desc, args.patch.as_deref(), &options.config)?;
    if !options.supercollider.is_empty() {
        options.supercollider_probe = Some(chronus::supercollider::probe::probe_def_bytes());
    }
    let stop = stop_on_signals()?;
    host::play(desc, registry.clone(), &options, &stop).map_err(|e| e.to_string())
}

/// `chronus devices [--config FILE] [--player ADDR]`: the hosts, MIDI ports, the
/// SuperCollider server, and a running player's MIDI outputs.
fn devices(
    config: Option<&std::path::Path>,
    player: Option<std::net::SocketAddr>,
) -> Result<(), String> {
    let config = match config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            config::parse(&text, Some(&path.display().to_string())).map_err(|e| e.to_string())?
        }
        None => Config::default(),
    };
    let mut out = host::devices::report();
    chronus::sc_live::devices::report(&mut out, &config.supercollider);
    let player = player
        .or_else(|| config.http.address())
        .map(chronus::midi_out::player_report::ask_at);
    if let Some(addr) = player {
        chronus::midi_out::player_report::report(&mut out, addr);
    }
    print!("{out}");
    Ok(())
}

/// The patch's `supercollider` instruments as scsynth plays them live: templates
/// compiled into defs, named defs looked up in the config's folder (one warning line for
/// each that cannot be, which plays on the internal engine instead).
fn supercollider_plan(
    registry: &Registry,
    desc: &chronus::patch::PatchDesc,
    patch: Option<&std::path::Path>,
    config: &Config,
) -> Result<Vec<chronus::sc_live::ScInstrument>, String> {
    let name = chronus::supercollider::patch_name(desc, patch);
    let folder = config
        .supercollider
        .synthdefs
        .as_deref()
        .map(std::path::Path::new);
    let file = patch.map(|p| p.display().to_string());
    let plan =
        chronus::supercollider::live_plan(desc, registry, None, &name, folder).map_err(|e| {
            match &file {
                Some(f) => format!("{f}: {e}"),
                None => e,
            }
        })?;
    for line in &plan.warnings {
        tracing::warn!("{line}");
    }
    Ok(plan.instruments)
}

/// A flag Ctrl-C and SIGTERM set, for a clean stop. SIGHUP (the player's own handler)
/// re-reads the config, so it is not one of the stop signals.
fn stop_on_signals() -> Result<Arc<AtomicBool>, String> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone())
            .map_err(|e| format!("error: cannot install the Ctrl-C/SIGTERM handler: {e}"))?;
    }
    Ok(stop)
}

fn check(registry: &Registry, paths: &[PathBuf]) -> Result<(), String> {
    let mut failed = Vec::new();
    for path in paths {
        let checked = read_patch(registry, path)
            .and_then(|desc| check_profiles(&desc, Some(path), &Config::default()));
        match checked {
            Ok(_) => println!("{}: ok", path.display()),
            Err(errors) => failed.push(errors),
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}

fn modules(registry: &Registry, kind: Option<String>) -> Result<(), String> {
    match kind {
        None => print!("{}", catalog::markdown_table(registry)),
        Some(kind) => match registry.get(&kind) {
            Some(entry) => print!("{}", catalog::describe(entry)),
            None => {
                return Err(format!(
                    "error: unknown module kind `{kind}`; known kinds: {}",
                    registry.kinds().collect::<Vec<_>>().join(", ")
                ))
            }
        },
    }
    Ok(())
}

/// `chronus render`: everything is read and checked before rendering, so a bad patch,
/// config or note list writes no file.
fn render(registry: &Registry, args: RenderArgs) -> Result<(), String> {
    let RenderArgs {
        patch,
        seconds,
        out,
        sample_rate,
        seed,
        notes,
        config,
        engine,
    } = args;
    let desc = read_patch(registry, &patch)?;
    let config = read_config(registry, config.as_ref(), &desc, Some(&patch))?;
    if engine == "supercollider" {
        let job = ScRender {
            seconds,
            sample_rate,
            seed,
            notes,
            config: &config,
            out: &out,
        };
        return render_supercollider(registry, &patch, job);
    }
    let notes = match notes {
        Some(list) => host::parse_notes(&list).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let options = RenderOptions {
        seconds,
        sample_rate,
        seed,
        notes,
        progress: true,
        config,
    };
    let started = Instant::now();
    let rendered = host::render(desc, registry.clone(), &options).map_err(|e| e.to_string())?;
    let elapsed = started.elapsed().as_secs_f64();
    host::wav::write_wav(&out, sample_rate, &rendered.left, &rendered.right)
        .map_err(|e| e.to_string())?;
    eprintln!(
        "rendered {seconds} s of {} to {} in {elapsed:.2} s ({:.1}x real time)",
        patch.display(),
        out.display(),
        seconds / elapsed.max(1e-9)
    );
    Ok(())
}

/// `chronus soak`: the summary on stdout; an error when an invariant broke.
fn soak(registry: &Registry, args: SoakArgs) -> Result<(), String> {
    let desc = read_patch(registry, &args.patch)?;
    let options = chronus::soak::SoakOptions {
        patch_name: args.patch.display().to_string(),
        hours: args.hours,
        realtime: args.realtime,
        out: args.out,
        seed: args.seed,
        sample_rate: 48_000,
        buffer: args.buffer.max(1),
        sample_every: args.sample_every,
        progress: true,
    };
    let stop = stop_on_signals()?;
    let report = chronus::soak::run(desc, registry, &options, &stop).map_err(|e| e.to_string())?;
    print!("{}", report.verdict.text);
    println!(
        "wrote {}, {} and {}",
        report.csv.display(),
        report.svg.display(),
        report.summary.display()
    );
    if report.verdict.failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "error: the soak broke its invariants: {}",
            report.verdict.failures.join("; ")
        ))
    }
}

/// The flags of `chronus render --engine supercollider`.
struct ScRender<'a> {
    seconds: f64,
    sample_rate: u32,
    seed: u64,
    notes: Option<String>,
    config: &'a Config,
    out: &'a std::path::Path,
}

/// `chronus render --engine supercollider`.
fn render_supercollider(
    registry: &Registry,
    patch: &std::path::Path,
    job: ScRender,
) -> Result<(), String> {
    use chronus::supercollider::nrt::{render_nrt, NrtRender};
    let name = patch.display().to_string();
    let text = std::fs::read_to_string(patch).map_err(|e| format!("{name}: {e}"))?;
    let (desc, map) = chronus::patch::load_with_source_map(&text, Some(&name), registry)
        .map_err(|e| e.to_string())?;
    let notes = match job.notes {
        Some(list) => host::parse_notes(&list).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let nrt = NrtRender {
        file: patch,
        map: &map,
        seconds: job.seconds,
        sample_rate: job.sample_rate,
        notes: &notes,
        seed: job.seed,
        config: job.config,
        out: job.out,
    };
    let started = Instant::now();
    render_nrt(&desc, registry, &nrt)?;
    eprintln!(
        "rendered {} s of {} on scsynth to {} in {:.2} s",
        job.seconds,
        patch.display(),
        job.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `chronus bench`: the table, or one JSON object, on stdout.
fn run_bench(
    registry: &Registry,
    patch: Option<PathBuf>,
    json: bool,
    seconds: f64,
) -> Result<(), String> {
    let (desc, patch_name) = match &patch {
        Some(path) => (read_patch(registry, path)?, path.display().to_string()),
        None => {
            let name = "patches/poly-subtractive.ron (built in)";
            let desc =
                graph::check(BENCH_PATCH, Some(name), registry).map_err(|e| e.to_string())?;
            (desc, name.to_string())
        }
    };
    let options = BenchOptions {
        patch_name,
        seconds,
        progress: true,
    };
    let report = bench::run(&desc, registry, &options).map_err(|e| format!("error: {e}"))?;
    if json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.table());
    }
    Ok(())
}
