//! The smallest complete custom module: a `bitcrush` (fewer bits, held samples), added to
//! the built-in registry, used in a patch and rendered offline to a WAV file.
//!
//! ```text
//! cargo run --example custom_module -- [OUT.wav]     # default: custom_module.wav
//! ```
//!
//! Three steps make a module:
//! 1. a `static` [`ModuleInfo`]: its kind name, ports, parameters and roles (plain data);
//! 2. `impl Module`: `process` on the audio thread (must not allocate, lock, block, do I/O
//!    or log); `reset` (audio thread too) when it has state to clear, `prepare` (control
//!    thread, may allocate) when it has something to size; a stateless kind keeps the
//!    empty defaults of both;
//! 3. one [`ModuleEntry`] registered into a [`Registry`] (a built-in kind is one line in
//!    `BUILTIN` instead). From then on patches use the kind like any built-in one: the
//!    host never needs to know it by name.

use std::path::PathBuf;

use chronus::host::{self, RenderOptions};
use chronus_modules::{
    Inputs, Module, ModuleEntry, ModuleInfo, Outputs, ParamSpec, Params, PortSpec, ProcessContext,
    Registry,
};

// Port and parameter indices: positions in the tables of `BITCRUSH_INFO`.
const IN: usize = 0;
const OUT: usize = 0;
const BITS: usize = 0;
const HOLD: usize = 1;

/// What the host (patch validation, `chronus modules`, OSC) knows about the kind.
static BITCRUSH_INFO: ModuleInfo = ModuleInfo {
    kind: "bitcrush",
    doc: "Bit crusher: quantises to fewer bits and holds each sample for several frames.",
    inputs: &[
        PortSpec {
            id: "in",
            doc: "Audio to crush.",
        },
        // An input with the id of a parameter modulates it: the engine adds the signal to
        // `bits`, clamps the sum to 1..16 and hands `process` the result.
        PortSpec {
            id: "bits",
            doc: "Adds to the `bits` param.",
        },
    ],
    outputs: &[PortSpec {
        id: "out",
        doc: "The crushed signal.",
    }],
    params: &[
        ParamSpec::float("bits", "Bits", 1.0, 16.0, 8.0)
            .doc("Resolution: 2^(bits-1) steps per unit of amplitude (fractions glide)."),
        ParamSpec::int("hold", "Hold", 1, 64, 1)
            .doc("Frames each input sample is held for (1 = no rate reduction)."),
    ],
    // What the host may do with it beyond ports and params (`Role::Filter` would let the
    // MIDI `filter_cutoff` action reach a `cutoff` param): nothing.
    roles: &[],
};

/// The module: all of its state is the sample being held and for how long.
#[derive(Default)]
struct Bitcrush {
    held: f32,
    count: u32,
}

impl Module for Bitcrush {
    fn info(&self) -> &'static ModuleInfo {
        &BITCRUSH_INFO
    }

    // No `prepare`: a bit crusher has nothing to size (a delay would allocate its line
    // there, on the control thread), so it keeps the default.

    /// **Real-time: audio thread; no allocation, locking, blocking, I/O or logging.**
    /// Writes every frame of the output.
    fn process(
        &mut self,
        _ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let hold = params.value(HOLD) as u32; // read once per block; never below 1
        let bits = params.block(BITS); // per frame: smoothed and modulated
        let input = inputs.port(IN);
        for ((out, &x), &b) in outputs.port(OUT).iter_mut().zip(input).zip(bits) {
            if self.count == 0 {
                self.held = x;
            }
            self.count += 1;
            if self.count >= hold {
                self.count = 0;
            }
            let steps = (b - 1.0).exp2();
            *out = (self.held * steps).round() / steps;
        }
    }

    /// **Real-time:** back to the state right after `prepare`.
    fn reset(&mut self) {
        *self = Bitcrush::default();
    }
}

/// A four-voice saw through the crusher, whose bit depth a slow LFO sweeps.
const PATCH: &str = r#"(
    name: "crushed-saw",
    voice: (
        count: 4,
        modules: {
            "osc": (kind: "saw"),
            "crush": (kind: "bitcrush", params: {"bits": 4.0, "hold": 4}),
            "wobble": (kind: "lfo", params: {"rate": 0.5, "depth": 2.0}),
            "env": (kind: "adsr", params: {"release": 0.4}),
            "vca": (kind: "vca", params: {"gain": 0.3}),
        },
        connections: [
            ("note.freq", "osc.freq"),
            ("osc.out", "crush.in"),
            ("wobble.out", "crush.bits"),
            ("crush.out", "vca.in"),
            ("note.gate", "env.gate"),
            ("env.out", "vca.cv"),
            ("vca.out", "output.left"),
            ("vca.out", "output.right"),
        ],
    ),
    // The main graph hears the voices only through the `voices` source.
    connections: [
        ("voices.left", "output.left"),
        ("voices.right", "output.right"),
    ],
)"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "custom_module.wav".into()),
    );

    let mut registry = Registry::builtin();
    registry.register(ModuleEntry::of::<Bitcrush>(&BITCRUSH_INFO))?;

    let desc = chronus::patch::load(PATCH, Some("crushed-saw"), &registry)?;
    let options = RenderOptions {
        seconds: 3.0,
        notes: host::parse_notes("45@0:2.5,52@0.5:2,57@1:1.5,60@1.5:1")?,
        ..RenderOptions::default()
    };
    let audio = host::render(desc, registry, &options)?;
    host::wav::write_wav(&out, audio.sample_rate, &audio.left, &audio.right)?;

    println!(
        "rendered {} s of a saw through the custom `bitcrush` module to {}",
        options.seconds,
        out.display()
    );
    Ok(())
}
