//! `sampler`: plays an audio file (WAV, FLAC, Ogg Vorbis) from the patch's folder — the
//! first SDK kind with a [`File`](crate::ParamKind::File) param.
//!
//! The host decodes the file while building the graph, off the audio thread, and hands it
//! to every voice as one shared [`AudioFile`]; `process` only reads it. A rising `gate`
//! starts playback at `start`; `mode` says whether it plays once to the end (`one_shot`:
//! the gate's fall is ignored) or loops between `loop_start` and `loop_end` until the gate
//! falls (`loop`: then it fades out over 5 ms). The pitch is `freq` against the `root`
//! note (0 Hz: the file's own speed), times 2^`pitch`, corrected for the file's sample
//! rate; reads interpolate with a 4-point cubic Hermite.
//!
//! Clicks: the loop's last `xfade` seconds crossfade into the material before
//! `loop_start`, so the wrap is continuous (before the file's start the crossfade reads
//! silence: a dip, never a step); a retrigger while playing fades the old playback out
//! over 5 ms under the new one. Playing far above the root aliases (no band limiting:
//! sampled instruments are played near their root).
//!
//! No SuperCollider counterpart: the file would have to be loaded into a server buffer
//! (`/b_allocRead`) and `PlayBuf` given its number; neither the score nor the def manages
//! buffers.

use std::sync::Arc;

use super::PITCH_PORT;
use crate::audio_file::{AudioFile, AUDIO_EXTENSIONS};
use crate::entry::ModuleEntry;
use crate::io::{Inputs, Outputs, Params, ProcessContext};
use crate::module::{Module, ModuleInfo, PortSpec};
use crate::param::ParamSpec;
use crate::smoother::Smoothing;
use crate::utility::quantizer::note_to_hz;
use crate::utility::Edge;

const FILE: usize = 0;
const ROOT: usize = 1;
const FREQ: usize = 2;
const MODE: usize = 3;
const START: usize = 4;
const LOOP_START: usize = 5;
const LOOP_END: usize = 6;
const XFADE: usize = 7;
const LEVEL: usize = 8;

/// Declick fades (retrigger, loop release), in seconds.
const DECLICK: f32 = 0.005;

static SAMPLER_INFO: ModuleInfo = ModuleInfo {
    kind: "sampler",
    doc: "Sample player: a WAV/FLAC/OGG file from the patch's folder, one-shot or looped, \
          pitched against a root note.",
    inputs: &[
        PortSpec {
            id: "freq",
            doc: "Adds Hz to the `freq` param (connect `note.freq`: the note plays the file \
                  at its pitch against `root`).",
        },
        PITCH_PORT,
        PortSpec {
            id: "gate",
            doc: "A rising edge past 0.5 (re)starts playback at `start`; in `loop` mode, its \
                  fall ends it.",
        },
    ],
    outputs: &[
        PortSpec {
            id: "left",
            doc: "Left channel (a mono file plays on both).",
        },
        PortSpec {
            id: "right",
            doc: "Right channel.",
        },
    ],
    params: &[
        ParamSpec::file("file", "File", AUDIO_EXTENSIONS).doc(
            "The file, relative to the patch's folder (\"samples/kick.wav\"); at most 120 s. \
             Unset: silence.",
        ),
        ParamSpec::float("root", "Root", 0.0, 127.0, 60.0)
            .smoothing(Smoothing::None)
            .doc("MIDI note the file sounds at its own speed (60 = C4, 261.6 Hz)."),
        ParamSpec::float("freq", "Frequency", 0.0, 20_000.0, 0.0)
            .unit("Hz")
            .smoothing(Smoothing::Logarithmic(10.0))
            .doc("Pitch to play at; 0 = the file's own speed (then `root` is not used)."),
        ParamSpec::choice("mode", "Mode", &["one_shot", "loop"], 0)
            .doc("one_shot: to the end, the gate's fall ignored | loop: loops until the gate falls."),
        ParamSpec::float("start", "Start", 0.0, 1.0, 0.0)
            .smoothing(Smoothing::None)
            .doc("Where a gate starts playback, as a fraction of the file's length."),
        ParamSpec::float("loop_start", "Loop start", 0.0, 1.0, 0.0)
            .smoothing(Smoothing::None)
            .doc("Loop start, as a fraction of the length."),
        ParamSpec::float("loop_end", "Loop end", 0.0, 1.0, 1.0)
            .smoothing(Smoothing::None)
            .doc("Loop end, as a fraction of the length (not above `loop_start`: the whole file loops)."),
        ParamSpec::float("xfade", "Loop crossfade", 0.0, 1.0, 0.01)
            .unit("s")
            .smoothing(Smoothing::None)
            .doc("Crossfade at the loop point (at most half the loop)."),
        ParamSpec::float("level", "Level", 0.0, 4.0, 1.0).doc("Output gain."),
    ],
    roles: &[],
};

/// The `sampler` kind.
pub const SAMPLER: ModuleEntry = ModuleEntry::of::<Sampler>(&SAMPLER_INFO);

/// One playback position through the file.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Head {
    /// Position in file frames.
    pos: f64,
    /// Gain: 1 while playing, falling to 0 in a fade; 0 = stopped.
    gain: f32,
    /// Gain change per sample (negative in a fade).
    fade: f32,
}

/// The `sampler` module.
#[derive(Clone, Debug, Default)]
pub struct Sampler {
    file: Option<Arc<AudioFile>>,
    edge: Edge,
    /// The playback, and the one fading out under it after a retrigger.
    head: Head,
    tail: Head,
}

/// 4-point cubic Hermite read of `ch` at `pos`; outside the file reads 0.
#[inline]
fn hermite(ch: &[f32], pos: f64) -> f32 {
    let i = pos.floor();
    let t = (pos - i) as f32;
    let i = i as i64;
    let at = |k: i64| {
        if k >= 0 && (k as usize) < ch.len() {
            ch[k as usize]
        } else {
            0.0
        }
    };
    let (y0, y1, y2, y3) = (at(i - 1), at(i), at(i + 1), at(i + 2));
    let c1 = 0.5 * (y2 - y0);
    let c2 = y0 - 2.5 * y1 + 2.0 * y2 - 0.5 * y3;
    let c3 = 0.5 * (y3 - y0) + 1.5 * (y1 - y2);
    ((c3 * t + c2) * t + c1) * t + y1
}

/// The loop's bounds in frames, and its crossfade length, for the params at a sample.
#[derive(Clone, Copy, Debug)]
struct Loop {
    start: f64,
    end: f64,
    xfade: f64,
}

impl Sampler {
    /// The frame `head` sounds: `(left, right)`, with the loop crossfade applied.
    #[inline]
    fn read(file: &AudioFile, head: &Head, lp: Option<Loop>) -> (f32, f32) {
        let l = &file.channels[0];
        let r = file.channels.get(1).unwrap_or(l);
        let mut out = (hermite(l, head.pos), hermite(r, head.pos));
        if let Some(lp) = lp {
            let fade_from = lp.end - lp.xfade;
            if lp.xfade > 0.0 && head.pos >= fade_from {
                let w = ((head.pos - fade_from) / lp.xfade) as f32;
                let other = head.pos - (lp.end - lp.start);
                out.0 = out.0 * (1.0 - w) + hermite(l, other) * w;
                out.1 = out.1 * (1.0 - w) + hermite(r, other) * w;
            }
        }
        (out.0 * head.gain, out.1 * head.gain)
    }

    /// Advances `head` by `rate` frames, looping or stopping at the end.
    #[inline]
    fn advance(head: &mut Head, rate: f64, frames: f64, lp: Option<Loop>) {
        head.pos += rate;
        if let Some(lp) = lp {
            if head.pos >= lp.end {
                head.pos -= lp.end - lp.start;
            }
        } else if head.pos >= frames {
            head.gain = 0.0;
        }
        if head.fade != 0.0 {
            head.gain = (head.gain + head.fade).max(0.0);
            if head.gain == 0.0 {
                head.fade = 0.0;
            }
        }
    }
}

impl Module for Sampler {
    fn info(&self) -> &'static ModuleInfo {
        &SAMPLER_INFO
    }

    fn load_file(&mut self, param: usize, file: Arc<AudioFile>) -> Result<(), String> {
        if param != FILE {
            return Err(format!("param {param} of `sampler` is not a file"));
        }
        if file.frames() < 4 {
            return Err("it is shorter than 4 frames".to_string());
        }
        self.file = Some(file);
        Ok(())
    }

    /// Real-time: no allocation, locks or logging (the file is only read).
    fn process(
        &mut self,
        ctx: &ProcessContext,
        inputs: &Inputs,
        outputs: &mut Outputs,
        params: &Params,
    ) {
        let [left, right] = outputs.ports::<2>();
        let Some(file) = self.file.as_deref() else {
            left.fill(0.0);
            right.fill(0.0);
            return;
        };
        let (pitch, gate) = (inputs.port(1), inputs.port(2));
        let freq = params.block(FREQ);
        let level = params.block(LEVEL);
        let looping = params.value(MODE) >= 0.5;
        let frames = file.frames() as f64;
        // Read once per block: positions and times are not audio-rate controls.
        let root_hz = note_to_hz(params.value(ROOT));
        let start = params.value(START) as f64 * frames;
        let lp = looping.then(|| {
            let (a, b) = (
                params.value(LOOP_START) as f64 * frames,
                params.value(LOOP_END) as f64 * frames,
            );
            let (start, end) = if b > a + 4.0 { (a, b) } else { (0.0, frames) };
            let xfade =
                (params.value(XFADE) as f64 * file.sample_rate as f64).min(0.5 * (end - start));
            Loop { start, end, xfade }
        });
        let speed = file.sample_rate as f64 / ctx.sample_rate as f64;
        let declick = 1.0 / (DECLICK * ctx.sample_rate);
        for i in 0..left.len() {
            match self.edge.step(gate[i]) {
                Some(true) => {
                    if self.head.gain > 0.0 {
                        self.tail = Head {
                            fade: -declick,
                            ..self.head
                        };
                    }
                    self.head = Head {
                        pos: start,
                        gain: 1.0,
                        fade: 0.0,
                    };
                }
                Some(false) if looping && self.head.gain > 0.0 => self.head.fade = -declick,
                _ => {}
            }
            let f = freq[i];
            let ratio = if f > 0.0 { f / root_hz } else { 1.0 };
            let ratio = if pitch[i] != 0.0 {
                ratio * pitch[i].exp2()
            } else {
                ratio
            };
            let rate = if ratio.is_finite() {
                (ratio as f64 * speed).clamp(0.0, 64.0)
            } else {
                0.0
            };
            let (mut l, mut r) = (0.0, 0.0);
            for head in [&mut self.head, &mut self.tail] {
                if head.gain > 0.0 {
                    let (a, b) = Self::read(file, head, lp);
                    l += a;
                    r += b;
                    Self::advance(head, rate, frames, lp);
                }
            }
            left[i] = l * level[i];
            right[i] = r * level[i];
        }
    }

    fn reset(&mut self) {
        self.edge = Edge::default();
        self.head = Head::default();
        self.tail = Head::default();
    }
}
