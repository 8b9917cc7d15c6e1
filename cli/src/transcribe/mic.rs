//! Microphone capture with cpal, behind the `mic` cargo feature.
//!
//! cpal needs the platform's audio headers to build (ALSA's on Linux), which a fresh
//! machine lacks, so the default build leaves it out and says how to add it. cpal's stream
//! is not `Send` on every platform, so it lives on its own thread; its callback converts
//! whatever the device delivers to f32 and hands buffers to the async side through a
//! bounded channel without ever blocking the audio thread (a full channel drops the buffer
//! and counts it).

/// What to tell someone whose `cpl` was built without microphone support.
#[cfg(not(feature = "mic"))]
const HOW_TO_ENABLE: &str = "this cpl was built without microphone support; \
stream a file with `cpl transcribe --event <ID> --file speech.wav`, or rebuild with the \
`mic` feature: `apt-get install libasound2-dev` (Debian/Ubuntu; ALSA headers), then \
`cargo install --path cli --features mic`";

/// A capture device, as listed.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    /// Its id, e.g. `alsa:default` (what `--device` matches first).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its default input configuration, e.g. `48000 Hz, 2 ch, f32`.
    pub default_config: String,
    /// Whether it is the host's default input.
    pub is_default: bool,
}

#[cfg(not(feature = "mic"))]
mod imp {
    use super::{DeviceInfo, HOW_TO_ENABLE};

    /// An open microphone (never, in this build).
    pub struct Mic {
        /// Device name.
        pub name: String,
        /// Rate delivered.
        pub rate: u32,
        /// Channels delivered.
        pub channels: u16,
        /// Sample format delivered.
        pub format: String,
        /// Buffers of interleaved f32 samples.
        pub rx: tokio::sync::mpsc::Receiver<Vec<f32>>,
    }

    impl Mic {
        /// Stops capturing; the number of buffers dropped because the sender fell behind.
        pub fn stop(self) -> u64 {
            0
        }
    }

    /// Always the sentence saying how to enable the microphone.
    pub fn open(_device: Option<&str>) -> anyhow::Result<Mic> {
        anyhow::bail!(HOW_TO_ENABLE)
    }

    /// Always the sentence saying how to enable the microphone.
    pub fn list() -> anyhow::Result<Vec<DeviceInfo>> {
        anyhow::bail!(HOW_TO_ENABLE)
    }
}

#[cfg(feature = "mic")]
mod imp {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use anyhow::Context as _;
    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
    use cpal::{FromSample, SampleFormat, SizedSample};

    use super::DeviceInfo;

    /// Buffers queued between the audio thread and the sender (each a few ms to ~100 ms).
    const QUEUE: usize = 256;

    /// An open microphone: buffers arrive on `rx` until [`Mic::stop`].
    pub struct Mic {
        /// Device name.
        pub name: String,
        /// Rate delivered.
        pub rate: u32,
        /// Channels delivered.
        pub channels: u16,
        /// Sample format delivered.
        pub format: String,
        /// Buffers of interleaved f32 samples.
        pub rx: tokio::sync::mpsc::Receiver<Vec<f32>>,
        stop: std::sync::mpsc::Sender<()>,
        thread: std::thread::JoinHandle<()>,
        dropped: Arc<AtomicU64>,
    }

    impl Mic {
        /// Stops capturing; the number of buffers dropped because the sender fell behind.
        pub fn stop(self) -> u64 {
            let _ = self.stop.send(());
            let _ = self.thread.join();
            self.dropped.load(Ordering::Relaxed)
        }
    }

    fn device_id(d: &cpal::Device) -> String {
        d.id().map(|id| id.to_string()).unwrap_or_default()
    }

    fn device_name(d: &cpal::Device) -> String {
        // Not `to_string()`: a device's Display fails (and would panic) once it is gone.
        d.description()
            .map(|desc| desc.name().to_string())
            .unwrap_or_else(|_| device_id(d))
    }

    /// The capture devices of the default host that offer an input configuration.
    pub fn list() -> anyhow::Result<Vec<DeviceInfo>> {
        let host = cpal::default_host();
        let default = host.default_input_device().map(|d| device_id(&d));
        let devices = host
            .input_devices()
            .context("cannot list the audio input devices")?;
        Ok(devices
            .filter_map(|d| {
                let c = d.default_input_config().ok()?;
                let id = device_id(&d);
                Some(DeviceInfo {
                    is_default: default.as_deref() == Some(id.as_str()),
                    default_config: format!(
                        "{} Hz, {} ch, {}",
                        c.sample_rate(),
                        c.channels(),
                        c.sample_format()
                    ),
                    name: device_name(&d),
                    id,
                })
            })
            .collect())
    }

    fn find(host: &cpal::Host, wanted: Option<&str>) -> anyhow::Result<cpal::Device> {
        let Some(wanted) = wanted else {
            return host.default_input_device().context(
                "there is no default audio input device; list them with `cpl transcribe --list-devices` and pick one with --device",
            );
        };
        let devices: Vec<cpal::Device> = host
            .input_devices()
            .context("cannot list the audio input devices")?
            .collect();
        let ids: Vec<String> = devices.iter().map(device_id).collect();
        let names: Vec<String> = devices.iter().map(device_name).collect();
        // The id (`alsa:default`, or without the host: `default`), then the exact name,
        // then a unique part of either.
        let exact = ids
            .iter()
            .position(|i| i == wanted || i.split_once(':').is_some_and(|(_, rest)| rest == wanted))
            .or_else(|| names.iter().position(|n| n == wanted));
        let loose = || {
            let w = wanted.to_lowercase();
            let hits: Vec<usize> = (0..devices.len())
                .filter(|&i| {
                    ids[i].to_lowercase().contains(&w) || names[i].to_lowercase().contains(&w)
                })
                .collect();
            (hits.len() == 1).then(|| hits[0])
        };
        match exact.or_else(loose) {
            Some(i) => devices.into_iter().nth(i).context("the device list changed; try again"),
            None => anyhow::bail!(
                "no single input device matches {wanted:?}; list them with `cpl transcribe --list-devices` ({})",
                if ids.is_empty() { "none found".to_string() } else { ids.join(", ") }
            ),
        }
    }

    fn build<T>(
        device: &cpal::Device,
        config: cpal::StreamConfig,
        tx: tokio::sync::mpsc::Sender<Vec<f32>>,
        dropped: Arc<AtomicU64>,
    ) -> Result<cpal::Stream, cpal::Error>
    where
        T: SizedSample,
        f32: FromSample<T>,
    {
        device.build_input_stream::<T, _, _>(
            config,
            move |data: &[T], _: &cpal::InputCallbackInfo| {
                let buf: Vec<f32> = data.iter().map(|s| s.to_sample::<f32>()).collect();
                // Never block the audio thread: a sender that fell behind loses buffers.
                if tx.try_send(buf).is_err() {
                    dropped.fetch_add(1, Ordering::Relaxed);
                }
            },
            |err| eprintln!("cpl: microphone: {err}"),
            Some(Duration::from_secs(5)),
        )
    }

    /// Opens `device` (a name, or a unique part of one) or the default input, in its
    /// default configuration, and starts capturing.
    pub fn open(device: Option<&str>) -> anyhow::Result<Mic> {
        let wanted = device.map(str::to_string);
        let (ready_tx, ready_rx) =
            std::sync::mpsc::channel::<anyhow::Result<(String, u32, u16, String)>>();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let counter = dropped.clone();
        let thread = std::thread::Builder::new()
            .name("cpl-mic".into())
            .spawn(move || {
                let started = (|| -> anyhow::Result<(cpal::Stream, (String, u32, u16, String))> {
                    let host = cpal::default_host();
                    let dev = find(&host, wanted.as_deref())?;
                    let name = format!("{} ({})", device_name(&dev), device_id(&dev));
                    let supported = dev
                        .default_input_config()
                        .with_context(|| format!("{name} has no usable input configuration"))?;
                    let format = supported.sample_format();
                    let config = supported.config();
                    let info = (
                        name.clone(),
                        config.sample_rate,
                        config.channels,
                        format.to_string(),
                    );
                    let stream = match format {
                        SampleFormat::I8 => build::<i8>(&dev, config, tx, counter),
                        SampleFormat::I16 => build::<i16>(&dev, config, tx, counter),
                        SampleFormat::I32 => build::<i32>(&dev, config, tx, counter),
                        SampleFormat::U8 => build::<u8>(&dev, config, tx, counter),
                        SampleFormat::U16 => build::<u16>(&dev, config, tx, counter),
                        SampleFormat::U32 => build::<u32>(&dev, config, tx, counter),
                        SampleFormat::F32 => build::<f32>(&dev, config, tx, counter),
                        SampleFormat::F64 => build::<f64>(&dev, config, tx, counter),
                        other => anyhow::bail!(
                            "{name} delivers {other} samples, which cpl cannot convert yet"
                        ),
                    }
                    .with_context(|| format!("cannot open {name} for capture"))?;
                    stream
                        .play()
                        .with_context(|| format!("cannot start capturing from {name}"))?;
                    Ok((stream, info))
                })();
                match started {
                    Ok((stream, info)) => {
                        let _ = ready_tx.send(Ok(info));
                        // Capture until told to stop (or the Mic is dropped).
                        let _ = stop_rx.recv();
                        drop(stream);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            })
            .context("cannot start the capture thread")?;
        let (name, rate, channels, format) = ready_rx
            .recv()
            .context("the capture thread stopped before the microphone opened")??;
        Ok(Mic {
            name,
            rate,
            channels,
            format,
            rx,
            stop: stop_tx,
            thread,
            dropped,
        })
    }
}

pub use imp::{list, open, Mic};
