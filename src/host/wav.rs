//! Writing stereo audio as 32-bit float WAV, with the maintained `hound` crate.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why a WAV file could not be written or read.
#[derive(Debug, Error)]
pub enum WavError {
    /// Creating or writing the file failed.
    #[error("cannot write {}: {error}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What hound said.
        error: hound::Error,
    },
    /// Opening or decoding the file failed.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What hound said.
        error: hound::Error,
    },
}

/// Writes `left`/`right` (same length) as a 32-bit float stereo WAV file.
pub fn write_wav(
    path: &Path,
    sample_rate: u32,
    left: &[f32],
    right: &[f32],
) -> Result<(), WavError> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let fail = |error| WavError::Write {
        path: path.to_path_buf(),
        error,
    };
    let mut writer = hound::WavWriter::create(path, spec).map_err(fail)?;
    for (l, r) in left.iter().zip(right) {
        writer.write_sample(*l).map_err(fail)?;
        writer.write_sample(*r).map_err(fail)?;
    }
    writer.finalize().map_err(fail)
}

/// Reads a stereo or mono WAV file of any sample format as float channels (for tests and
/// tools that check recordings).
pub fn read_wav(path: &Path) -> Result<(u32, Vec<Vec<f32>>), WavError> {
    let fail = |error| WavError::Read {
        path: path.to_path_buf(),
        error,
    };
    let mut reader = hound::WavReader::open(path).map_err(fail)?;
    let spec = reader.spec();
    let channels = spec.channels as usize;
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(fail)?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(fail)?
        }
    };
    let mut out = vec![Vec::with_capacity(samples.len() / channels.max(1)); channels];
    for frame in samples.chunks(channels) {
        for (c, s) in frame.iter().enumerate() {
            out[c].push(*s);
        }
    }
    Ok((spec.sample_rate, out))
}
