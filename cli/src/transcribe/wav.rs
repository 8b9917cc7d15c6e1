//! Reading a WAV file (hound) as interleaved f32 samples in [-1, 1], in chunks, whatever
//! its sample format (8 to 32-bit integer, 32-bit float), rate and channel count.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::Context as _;

/// An open WAV file.
pub struct WavSource {
    reader: hound::WavReader<BufReader<File>>,
    spec: hound::WavSpec,
}

impl WavSource {
    /// Opens `path`; the error names the file and what is wrong with it.
    pub fn open(path: &Path) -> anyhow::Result<WavSource> {
        let reader = hound::WavReader::open(path)
            .with_context(|| format!("cannot read {} as a WAV file", path.display()))?;
        let spec = reader.spec();
        if spec.channels == 0 || spec.sample_rate == 0 {
            anyhow::bail!(
                "{} declares {} channels at {} Hz; that is not audio",
                path.display(),
                spec.channels,
                spec.sample_rate
            );
        }
        if spec.sample_format == hound::SampleFormat::Float && spec.bits_per_sample != 32 {
            anyhow::bail!(
                "{} holds {}-bit float samples; only 32-bit float is supported",
                path.display(),
                spec.bits_per_sample
            );
        }
        Ok(WavSource { reader, spec })
    }

    /// Rate, channels and sample format.
    pub fn spec(&self) -> hound::WavSpec {
        self.spec
    }

    /// Length in seconds.
    pub fn seconds(&self) -> f64 {
        self.reader.duration() as f64 / self.spec.sample_rate as f64
    }

    /// Up to `frames` frames, interleaved, as f32 in [-1, 1]; empty at the end.
    pub fn read(&mut self, frames: usize) -> anyhow::Result<Vec<f32>> {
        let n = frames * self.spec.channels as usize;
        let out: Result<Vec<f32>, hound::Error> = match self.spec.sample_format {
            hound::SampleFormat::Float => self.reader.samples::<f32>().take(n).collect(),
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (self.spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
                self.reader
                    .samples::<i32>()
                    .take(n)
                    .map(|s| s.map(|s| s as f32 * scale))
                    .collect()
            }
        };
        out.context("the WAV file is damaged")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_int_and_float_files_in_chunks() {
        let dir = tempfile::tempdir().unwrap();
        for (bits, format) in [
            (16, hound::SampleFormat::Int),
            (24, hound::SampleFormat::Int),
            (32, hound::SampleFormat::Float),
        ] {
            let path = dir.path().join(format!("{bits}.wav"));
            let spec = hound::WavSpec {
                channels: 2,
                sample_rate: 8000,
                bits_per_sample: bits,
                sample_format: format,
            };
            let mut w = hound::WavWriter::create(&path, spec).unwrap();
            for i in 0..1000 {
                let v = if i % 2 == 0 { 0.5f64 } else { -0.25 };
                match format {
                    hound::SampleFormat::Float => w.write_sample(v as f32).unwrap(),
                    hound::SampleFormat::Int => w
                        .write_sample((v * (1i64 << (bits - 1)) as f64) as i32)
                        .unwrap(),
                }
            }
            w.finalize().unwrap();
            let mut r = WavSource::open(&path).unwrap();
            assert_eq!(r.spec().channels, 2);
            let a = r.read(300).unwrap();
            let b = r.read(300).unwrap();
            assert_eq!((a.len(), b.len()), (600, 400));
            assert!(r.read(300).unwrap().is_empty());
            assert_eq!((a[0], a[1]), (0.5, -0.25), "{bits}-bit");
        }
        assert!(WavSource::open(&dir.path().join("missing.wav")).is_err());
    }
}
