//! Audio files a module reads at build time: [`AudioFile`] (decoded samples, shared by
//! every voice through an `Arc`) and [`AudioFile::decode`], WAV, FLAC and Ogg Vorbis
//! through symphonia.
//!
//! A module kind that plays a file declares a [`ParamKind::File`](crate::ParamKind::File)
//! param; the patch names the file relative to its own folder; the host decodes it on a
//! control thread while compiling the graph (never on the audio thread) and hands it to
//! each instance through [`Module::load_file`](crate::Module::load_file). A missing or
//! undecodable file is refused with the module, the param and the reason, and nothing
//! changes.

use std::path::Path;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;
use thiserror::Error;

/// The extensions a file param accepts (what the decoder is built with).
pub const AUDIO_EXTENSIONS: &[&str] = &["wav", "flac", "ogg"];

/// Longest file, in seconds: a sampler's file is memory every graph holding it keeps.
pub const MAX_SECONDS: f64 = 120.0;

/// Why a file could not be used.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum AudioFileError {
    /// Opening or reading failed (missing file, permissions).
    #[error("cannot read it: {0}")]
    Io(String),
    /// The content is not a supported audio format, or is damaged.
    #[error("cannot decode it: {0}")]
    Decode(String),
    /// No audio in it.
    #[error("it holds no audio")]
    Empty,
    /// Longer than [`MAX_SECONDS`].
    #[error("it is {0:.1} s long; at most {MAX_SECONDS} s")]
    TooLong(f64),
}

/// A decoded audio file: up to two channels of `f32`, planar.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioFile {
    /// The file's sample rate in Hz.
    pub sample_rate: u32,
    /// One `Vec` per channel (1 or 2; further channels of the file are dropped), each
    /// `frames` long.
    pub channels: Vec<Vec<f32>>,
}

impl AudioFile {
    /// Frames per channel.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Decodes the file at `path` (control thread: reads and allocates).
    pub fn decode(path: &Path) -> Result<AudioFile, AudioFileError> {
        let file = std::fs::File::open(path).map_err(|e| AudioFileError::Io(e.to_string()))?;
        let stream = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let decode_err = |e: SymphoniaError| AudioFileError::Decode(e.to_string());
        let probed = symphonia::default::get_probe()
            .format(
                &hint,
                stream,
                &FormatOptions::default(),
                &MetadataOptions::default(),
            )
            .map_err(decode_err)?;
        let mut format = probed.format;
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or(AudioFileError::Empty)?;
        let track_id = track.id;
        let mut sample_rate = track.codec_params.sample_rate.unwrap_or(0);
        let mut decoder = symphonia::default::get_codecs()
            .make(&track.codec_params, &DecoderOptions::default())
            .map_err(decode_err)?;
        let mut channels: Vec<Vec<f32>> = Vec::new();
        loop {
            let packet = match format.next_packet() {
                Ok(p) => p,
                Err(SymphoniaError::IoError(e))
                    if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    break
                }
                Err(SymphoniaError::ResetRequired) => break,
                Err(e) => return Err(decode_err(e)),
            };
            if packet.track_id() != track_id {
                continue;
            }
            let decoded = match decoder.decode(&packet) {
                Ok(d) => d,
                // A damaged packet is skipped, as players do.
                Err(SymphoniaError::DecodeError(_)) => continue,
                Err(e) => return Err(decode_err(e)),
            };
            let spec = *decoded.spec();
            sample_rate = spec.rate;
            let n = spec.channels.count().max(1);
            let mut buf = SampleBuffer::<f32>::new(decoded.capacity() as u64, spec);
            buf.copy_interleaved_ref(decoded);
            if channels.is_empty() {
                channels = vec![Vec::new(); n.min(2)];
            }
            for frame in buf.samples().chunks_exact(n) {
                for (c, ch) in channels.iter_mut().enumerate() {
                    ch.push(frame[c.min(n - 1)]);
                }
            }
            if sample_rate > 0 && channels[0].len() as f64 > MAX_SECONDS * sample_rate as f64 {
                return Err(AudioFileError::TooLong(
                    channels[0].len() as f64 / sample_rate as f64,
                ));
            }
        }
        if channels.first().is_none_or(Vec::is_empty) || sample_rate == 0 {
            return Err(AudioFileError::Empty);
        }
        for ch in &mut channels {
            for x in ch.iter_mut() {
                if !x.is_finite() {
                    *x = 0.0;
                }
            }
        }
        Ok(AudioFile {
            sample_rate,
            channels,
        })
    }
}
