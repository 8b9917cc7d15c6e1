//! Whatever a device or file gives (any sample format, rate and channel count) to what the
//! daemon's `/ws/transcribe` takes here: 16 kHz mono 16-bit little-endian PCM.
//!
//! Channels are averaged to mono first (one channel to resample instead of several), then
//! resampled with rubato's FFT resampler (fixed ratio, band-limited), then rounded and
//! clamped to i16. At 16 kHz no resampler is made, so 16 kHz 16-bit input goes through
//! bit for bit. The resampler's delay is dropped from the start and [`Converter::finish`]
//! flushes it from the end, so the output is exactly `frames * 16000 / rate` frames long
//! and stays aligned with the input in time.

use anyhow::Context as _;
use rubato::{FftFixedIn, Resampler};

/// The rate the daemon is told and Deepgram gets.
pub const TARGET_RATE: u32 = 16_000;

/// Input frames per resampler call: small enough for live captions (about 20 to 60 ms).
const CHUNK_IN: usize = 1024;

/// A streaming converter to 16 kHz mono i16.
pub struct Converter {
    in_rate: u32,
    channels: usize,
    resampler: Option<FftFixedIn<f32>>,
    /// Mono frames waiting for a full resampler chunk.
    pending: Vec<f32>,
    /// Output frames still to drop (the resampler's delay).
    delay_left: usize,
    in_frames: u64,
    out_frames: u64,
}

impl Converter {
    /// A converter from `channels` interleaved channels at `in_rate` Hz.
    pub fn new(in_rate: u32, channels: u16) -> anyhow::Result<Converter> {
        if in_rate == 0 || channels == 0 {
            anyhow::bail!(
                "the audio says {in_rate} Hz with {channels} channels; that is not audio"
            );
        }
        let resampler = if in_rate == TARGET_RATE {
            None
        } else {
            Some(
                FftFixedIn::<f32>::new(in_rate as usize, TARGET_RATE as usize, CHUNK_IN, 2, 1)
                    .with_context(|| format!("cannot resample {in_rate} Hz to {TARGET_RATE} Hz"))?,
            )
        };
        let delay_left = resampler.as_ref().map(|r| r.output_delay()).unwrap_or(0);
        Ok(Converter {
            in_rate,
            channels: channels as usize,
            resampler,
            pending: Vec::new(),
            delay_left,
            in_frames: 0,
            out_frames: 0,
        })
    }

    /// Converts interleaved samples in [-1, 1]; returns what is ready (may be empty).
    /// A trailing partial frame is ignored.
    pub fn push(&mut self, interleaved: &[f32]) -> anyhow::Result<Vec<i16>> {
        let frames = interleaved.len() / self.channels;
        self.in_frames += frames as u64;
        let ch = self.channels as f32;
        let mono = interleaved
            .chunks_exact(self.channels)
            .map(|f| f.iter().sum::<f32>() / ch);
        let Some(resampler) = self.resampler.as_mut() else {
            let out: Vec<i16> = mono.map(to_i16).collect();
            self.out_frames += out.len() as u64;
            return Ok(out);
        };
        self.pending.extend(mono);
        let mut out = Vec::new();
        loop {
            let need = resampler.input_frames_next();
            if self.pending.len() < need {
                break;
            }
            let chunk: Vec<f32> = self.pending.drain(..need).collect();
            let res = resampler
                .process(&[chunk], None)
                .context("resampling failed")?;
            out.extend(res.into_iter().next().unwrap_or_default());
        }
        Ok(self.emit(out))
    }

    /// Flushes the rest; the total output is then `in_frames * 16000 / rate` frames.
    pub fn finish(&mut self) -> anyhow::Result<Vec<i16>> {
        let rate = self.in_rate as u64;
        let expected = (self.in_frames * TARGET_RATE as u64 + rate / 2) / rate;
        let Some(resampler) = self.resampler.as_mut() else {
            return Ok(Vec::new());
        };
        let mut raw = Vec::new();
        // rubato takes an empty channel as "no input" and refuses it, so an input that
        // ended on a chunk boundary flushes with `None` (silence) from the first call.
        let pending = std::mem::take(&mut self.pending);
        let mut rest = (!pending.is_empty()).then_some(pending);
        // Each partial call pads with silence, which pushes the delayed tail out.
        for _ in 0..64 {
            let ready = self.out_frames + raw.len().saturating_sub(self.delay_left) as u64;
            if ready >= expected {
                break;
            }
            let res = match rest.take() {
                Some(p) => resampler.process_partial(Some(&[p]), None),
                None => resampler.process_partial::<Vec<f32>>(None, None),
            }
            .context("resampling failed")?;
            raw.extend(res.into_iter().next().unwrap_or_default());
        }
        let mut done = self.emit(raw);
        let excess = self.out_frames.saturating_sub(expected) as usize;
        done.truncate(done.len().saturating_sub(excess));
        self.out_frames = self.out_frames.min(expected);
        Ok(done)
    }

    /// Drops the delay from the start and converts to i16.
    fn emit(&mut self, out: Vec<f32>) -> Vec<i16> {
        let skip = self.delay_left.min(out.len());
        self.delay_left -= skip;
        let v: Vec<i16> = out[skip..].iter().copied().map(to_i16).collect();
        self.out_frames += v.len() as u64;
        v
    }
}

fn to_i16(x: f32) -> i16 {
    (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Little-endian bytes of samples, as a binary frame carries them.
pub fn to_le_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// i16 to f32 in [-1, 1), as the WAV reader does for 16-bit files.
    fn i16_to_f32(s: i16) -> f32 {
        s as f32 / 32768.0
    }

    fn tone(rate: u32, channels: u16, secs: f64, hz: f64) -> Vec<f32> {
        let n = (rate as f64 * secs) as usize;
        (0..n)
            .flat_map(|i| {
                let v =
                    (2.0 * std::f64::consts::PI * hz * i as f64 / rate as f64).sin() as f32 * 0.25;
                std::iter::repeat_n(v, channels as usize)
            })
            .collect()
    }

    fn convert(rate: u32, channels: u16, input: &[f32], chunk: usize) -> Vec<i16> {
        let mut c = Converter::new(rate, channels).unwrap();
        let mut out = Vec::new();
        for part in input.chunks(chunk * channels as usize) {
            out.extend(c.push(part).unwrap());
        }
        out.extend(c.finish().unwrap());
        out
    }

    fn crossings(s: &[i16]) -> usize {
        s.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count()
    }

    #[test]
    fn sixteen_khz_mono_passes_bit_for_bit() {
        let samples: Vec<i16> = (0..5000)
            .map(|i| ((i * 37) % 65536 - 32768) as i16)
            .collect();
        let input: Vec<f32> = samples.iter().copied().map(i16_to_f32).collect();
        assert_eq!(convert(16000, 1, &input, 333), samples);
    }

    #[test]
    fn any_rate_and_channels_become_16k_mono_of_the_same_length_and_pitch() {
        for (rate, channels) in [(44100, 2), (48000, 1), (8000, 1), (22050, 2)] {
            let input = tone(rate, channels, 2.0, 440.0);
            for chunk in [441, 4096] {
                let out = convert(rate, channels, &input, chunk);
                assert_eq!(out.len(), 32000, "{rate} Hz x{channels}");
                // 440 Hz: 880 zero crossings a second.
                let c = crossings(&out[1600..30400]) as f64 / 1.8;
                assert!((c - 880.0).abs() < 10.0, "{rate} Hz: {c} crossings/s");
                let peak = out[1600..30400]
                    .iter()
                    .map(|s| s.unsigned_abs())
                    .max()
                    .unwrap();
                assert!((7000..9500).contains(&peak), "{rate} Hz: peak {peak}");
            }
        }
    }

    /// A microphone delivers whole buffers, so the input often ends exactly on a resampler
    /// chunk, leaving nothing pending at the end; the flush must still work.
    #[test]
    fn input_ending_on_a_chunk_boundary_flushes() {
        for rate in [48000, 44100] {
            let input = tone(rate, 2, 1.0, 440.0);
            let input = &input[..CHUNK_IN * 20 * 2];
            let out = convert(rate, 2, input, CHUNK_IN);
            let expected = (CHUNK_IN as u64 * 20 * 16000 + rate as u64 / 2) / rate as u64;
            assert_eq!(out.len() as u64, expected, "{rate} Hz");
        }
    }

    #[test]
    fn stereo_is_averaged() {
        let out = convert(16000, 2, &[0.5, 0.0, -0.5, -0.25], 10);
        assert_eq!(out, vec![8192, -12288]);
    }
}
