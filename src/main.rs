//! The `chronus` command line. See `chronus --help` and CONTRACTS.md §3.
//!
//! Errors go to stderr, one readable line each (with the file position where there is
//! one), and the exit code is non-zero.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chronus::catalog;
use chronus::graph;
use chronus::host::{self, RenderOptions};
use chronus::patch::{PatchDesc, PatchError, PatchErrorKind, PatchErrors};
use chronus_modules::Registry;
use clap::{Parser, Subcommand};

/// Chronus: a real-time modular synth engine.
#[derive(Parser)]
#[command(name = "chronus", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render a patch offline to a 32-bit float stereo WAV file.
    #[command(
        after_help = "Example:\n  chronus render patches/poly-subtractive.ron --seconds 4 --out poly.wav \\\n      --notes 60@0:1,64@0.5:1,67@1:2:0.6"
    )]
    Render {
        /// The patch file (.ron).
        patch: PathBuf,
        /// Length of the render in seconds.
        #[arg(long)]
        seconds: f64,
        /// Output WAV file.
        #[arg(long)]
        out: PathBuf,
        /// Sample rate in Hz.
        #[arg(long, default_value_t = 48_000)]
        sample_rate: u32,
        /// Seed for every random choice (noise, random LFOs): same seed, same bytes.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Notes to play: [INSTRUMENT/]NOTE@START:DURATION[:VELOCITY],... (seconds;
        /// velocity 0..1, default 0.8), e.g. 60@0:1,bass/36@0.5:1:0.5
        #[arg(long)]
        notes: Option<String>,
    },
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let registry = Registry::builtin();
    let result = match cli.command {
        Command::Render {
            patch,
            seconds,
            out,
            sample_rate,
            seed,
            notes,
        } => render(&registry, patch, seconds, out, sample_rate, seed, notes),
        Command::Check { patches } => check(&registry, &patches),
        Command::Modules { kind } => modules(&registry, kind),
        Command::Graph { patch } => read_patch(&registry, &patch).map(|desc| {
            print!("{}", graph::to_dot(&desc));
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Reads, validates and compiles a patch file; every error on its own line.
fn read_patch(registry: &Registry, path: &PathBuf) -> Result<PatchDesc, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        PatchErrors(vec![PatchError::new(PatchErrorKind::Io {
            message: e.to_string(),
        })])
        .in_file(Some(&name))
        .to_string()
    })?;
    graph::check(&text, Some(&name), registry).map_err(|e| e.to_string())
}

fn check(registry: &Registry, paths: &[PathBuf]) -> Result<(), String> {
    let mut failed = Vec::new();
    for path in paths {
        match read_patch(registry, path) {
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

fn render(
    registry: &Registry,
    patch: PathBuf,
    seconds: f64,
    out: PathBuf,
    sample_rate: u32,
    seed: u64,
    notes: Option<String>,
) -> Result<(), String> {
    let desc = read_patch(registry, &patch)?;
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
    };
    let started = Instant::now();
    let rendered = host::render(desc, registry.clone(), &options).map_err(|e| e.to_string())?;
    let elapsed = started.elapsed().as_secs_f64();
    host::wav::write_wav(&out, sample_rate, &rendered.left, &rendered.right)?;
    eprintln!(
        "rendered {seconds} s of {} to {} in {elapsed:.2} s ({:.1}x real time)",
        patch.display(),
        out.display(),
        seconds / elapsed.max(1e-9)
    );
    Ok(())
}
