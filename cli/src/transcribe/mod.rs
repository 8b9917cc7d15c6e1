//! `cpl transcribe`: live captions for an event's room from the microphone (cpal, behind
//! the `mic` feature) or from a WAV file (`--file`, hound).
//!
//! Whatever the source gives is converted to 16 kHz mono 16-bit PCM here ([`convert`]) and
//! streamed over the daemon's `/ws/transcribe/{event_id}` in 100 ms binary frames; the daemon
//! relays it to Deepgram and sends every result back. Interim results are shown on one
//! updating line when stdout is a terminal and final ones as lines (with `--json`, every
//! `transcript` frame is a JSON line). At the end of the file, or on Ctrl-C, `cpl` sends
//! `{"type":"CloseStream"}` and waits for the last results and the daemon's close; a second
//! Ctrl-C stops at once.

mod convert;
mod mic;
mod wav;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use citypulse::client::{WsError, WsStream};
use citypulse::ws::ServerMessage;
use citypulse::{Client, ClientError, EventId};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use convert::{Converter, TARGET_RATE};

/// Samples per binary frame: 100 ms at 16 kHz.
const FRAME_SAMPLES: usize = TARGET_RATE as usize / 10;
/// Longest wait for the last results after `CloseStream` (the daemon bounds its own wait).
const CLOSE_WAIT: Duration = Duration::from_secs(30);

/// Arguments of `cpl transcribe`.
#[derive(clap::Args, Debug)]
#[command(
    after_long_help = "The daemon must have DEEPGRAM_API_KEY set, and you must be the event's \
creator or in its room (`cpl events join <ID>`). Audio is sent as 16 kHz mono 16-bit PCM, \
converted from whatever the microphone or file gives.\n\n\
Microphone capture needs cpl built with the `mic` feature: on Debian/Ubuntu \
`apt-get install libasound2-dev`, then `cargo install --path cli --features mic`."
)]
pub struct TranscribeArgs {
    /// The event whose room gets the captions
    #[arg(long, value_name = "ID", required_unless_present = "list_devices")]
    pub event: Option<EventId>,
    /// Stream this WAV file (any rate, channels, 8 to 32-bit) instead of the microphone
    #[arg(long, value_name = "WAV", conflicts_with = "device")]
    pub file: Option<PathBuf>,
    /// With --file: send as fast as possible instead of in real time (Deepgram itself
    /// accepts at most 1.25x real time)
    #[arg(long, requires = "file")]
    pub fast: bool,
    /// Capture from this input device: a name, or a unique part of one (see --list-devices)
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// List the audio input devices and exit
    #[arg(long, conflicts_with_all = ["event", "file", "fast", "device"])]
    pub list_devices: bool,
    /// Language spoken, e.g. es, es-419, en-US [default: the daemon's, es]
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,
}

/// Lists the capture devices (`--list-devices`); needs no daemon.
pub fn list_devices(json: bool) -> anyhow::Result<()> {
    let devices = mic::list()?;
    let mut out = std::io::stdout().lock();
    if json {
        let list: Vec<serde_json::Value> = devices
            .iter()
            .map(|d| serde_json::json!({"id": d.id, "name": d.name, "default": d.is_default, "config": d.default_config}))
            .collect();
        writeln!(out, "{}", serde_json::Value::Array(list))?;
    } else {
        for d in &devices {
            let mark = if d.is_default { "  (default)" } else { "" };
            writeln!(out, "{}\t{}\t{}{mark}", d.id, d.default_config, d.name)?;
        }
    }
    Ok(())
}

/// Runs `cpl transcribe` as the user `client` acts for; `json` prints every transcript
/// frame as a JSON line, `quiet` drops the notes on stderr.
pub async fn run(
    args: TranscribeArgs,
    client: Client,
    json: bool,
    quiet: bool,
) -> anyhow::Result<()> {
    if args.list_devices {
        return list_devices(json);
    }
    let event = args
        .event
        .clone()
        .context("--event is required: the event whose room gets the captions")?;
    let note = |m: String| {
        if !quiet {
            let _ = writeln!(std::io::stderr(), "{m}");
        }
    };
    // Open the source first: a missing file or microphone fails before any connection.
    let mut source = match &args.file {
        Some(path) => {
            let wav = wav::WavSource::open(path)?;
            let spec = wav.spec();
            note(format!(
                "Streaming {} ({} Hz, {} ch, {}-bit, {:.1} s{}) to event {event} as 16 kHz mono; Ctrl-C to stop.",
                path.display(),
                spec.sample_rate,
                spec.channels,
                spec.bits_per_sample,
                wav.seconds(),
                if args.fast { ", fast" } else { "" }
            ));
            Source::File {
                rate: spec.sample_rate,
                wav,
                fast: args.fast,
                started: None,
                sent_frames: 0,
            }
        }
        None => {
            let m = mic::open(args.device.as_deref())?;
            note(format!(
                "Listening on {} ({} Hz, {} ch, {}) for event {event}, sent as 16 kHz mono; Ctrl-C to stop.",
                m.name, m.rate, m.channels, m.format
            ));
            Source::Mic(m)
        }
    };
    // One Ctrl-C listener for the whole stream: a fresh `ctrl_c()` per loop turn would miss
    // a signal that arrives while a frame is being sent.
    let mut interrupt = Box::pin(tokio::signal::ctrl_c());
    let (rate, channels) = source.format();
    let mut converter = Converter::new(rate, channels)?;
    let ws = connect(&client, &event, args.language.as_deref()).await?;
    let (mut sink, stream) = ws.split();
    let mut reader = tokio::spawn(receive(stream, Printer::new(json)));
    let mut pending: Vec<i16> = Vec::new();
    let mut interrupted = false;
    // Stream until the source ends, Ctrl-C, or the daemon closes first.
    let early_end = loop {
        tokio::select! {
            chunk = source.next() => {
                let Some(samples) = chunk? else { break None };
                pending.extend(converter.push(&samples)?);
                if !send_frames(&mut sink, &mut pending, false).await {
                    break None; // the daemon closed; the reader has the reason
                }
            }
            _ = &mut interrupt => {
                interrupted = true;
                break None;
            }
            done = &mut reader => break Some(done),
        }
    };
    let dropped = source.stop();
    if dropped > 0 {
        note(format!(
            "cpl: {dropped} microphone buffers were dropped because sending fell behind"
        ));
    }
    if let Some(done) = early_end {
        return done.context("the caption reader stopped")?;
    }
    if interrupted {
        note("Stopping: waiting for the last results (Ctrl-C again to quit now)...".into());
    }
    pending.extend(converter.finish()?);
    send_frames(&mut sink, &mut pending, true).await;
    let _ = sink
        .send(Message::Text(r#"{"type":"CloseStream"}"#.into()))
        .await;
    let outcome = tokio::select! {
        done = &mut reader => done.context("the caption reader stopped")?,
        _ = tokio::time::sleep(CLOSE_WAIT) => {
            reader.abort();
            Err(anyhow::anyhow!("the daemon did not send the last results within {}s of CloseStream", CLOSE_WAIT.as_secs()))
        }
        _ = tokio::signal::ctrl_c() => {
            reader.abort();
            Err(anyhow::anyhow!("interrupted before the last results arrived"))
        }
    };
    let _ = sink.close().await;
    outcome
}

/// Where audio comes from.
enum Source {
    File {
        wav: wav::WavSource,
        rate: u32,
        fast: bool,
        started: Option<Instant>,
        sent_frames: u64,
    },
    Mic(mic::Mic),
}

impl Source {
    /// Input rate and channels.
    fn format(&self) -> (u32, u16) {
        match self {
            Source::File { wav, .. } => (wav.spec().sample_rate, wav.spec().channels),
            Source::Mic(m) => (m.rate, m.channels),
        }
    }

    /// The next interleaved f32 buffer; None at the end. A file is paced in real time
    /// (100 ms per buffer) unless `fast`.
    async fn next(&mut self) -> anyhow::Result<Option<Vec<f32>>> {
        match self {
            Source::File {
                wav,
                rate,
                fast,
                started,
                sent_frames,
            } => {
                let frames = (*rate as usize / 10).max(1);
                if !*fast {
                    let start = *started.get_or_insert_with(Instant::now);
                    let due = start + Duration::from_secs_f64(*sent_frames as f64 / *rate as f64);
                    tokio::time::sleep_until(due).await;
                }
                let buf = wav.read(frames)?;
                if buf.is_empty() {
                    return Ok(None);
                }
                *sent_frames += (buf.len() / wav.spec().channels as usize) as u64;
                Ok(Some(buf))
            }
            Source::Mic(m) => Ok(m.rx.recv().await),
        }
    }

    /// Stops a microphone; the buffers it dropped.
    fn stop(self) -> u64 {
        match self {
            Source::File { .. } => 0,
            Source::Mic(m) => m.stop(),
        }
    }
}

/// Opens `/ws/transcribe/{event}` for 16 kHz mono; refusals become the daemon's sentence
/// with its status, as every other command reports them.
async fn connect(
    client: &Client,
    event: &EventId,
    language: Option<&str>,
) -> anyhow::Result<WsStream> {
    let mut url = client.ws_url(&format!("ws/transcribe/{event}"))?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("sample_rate", &TARGET_RATE.to_string());
        q.append_pair("channels", "1");
        if let Some(l) = language {
            q.append_pair("language", l);
        }
    }
    // Nagle off: audio goes out as it is captured, not held back behind a delayed ACK.
    match tokio_tungstenite::connect_async_with_config(
        url.as_str(),
        Some(citypulse::client::socket_config()),
        true,
    )
    .await
    {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let body = resp.body().as_deref().unwrap_or_default();
            let detail = serde_json::from_slice::<citypulse::api::ErrorBody>(body)
                .map(|b| b.detail)
                .unwrap_or_else(|_| String::from_utf8_lossy(body).trim().to_string());
            Err(ClientError::Api {
                status: resp.status().as_u16(),
                detail,
            }
            .into())
        }
        Err(e) => Err(ClientError::Unreachable {
            url: client.base_url().as_str().trim_end_matches('/').to_string(),
            reason: e.to_string(),
        }
        .into()),
    }
}

/// Sends whole 100 ms frames from `pending` (and the rest too when `all`); false once the
/// socket is closed.
async fn send_frames(
    sink: &mut SplitSink<WsStream, Message>,
    pending: &mut Vec<i16>,
    all: bool,
) -> bool {
    while pending.len() >= FRAME_SAMPLES || (all && !pending.is_empty()) {
        let n = pending.len().min(FRAME_SAMPLES);
        let frame: Vec<i16> = pending.drain(..n).collect();
        if sink
            .send(Message::Binary(convert::to_le_bytes(&frame).into()))
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}

/// Reads the daemon's frames until its close: Ok for a normal close (1000), else the
/// close code and reason as a [`WsError`].
async fn receive(mut stream: SplitStream<WsStream>, mut printer: Printer) -> anyhow::Result<()> {
    let result = loop {
        let msg = match stream.next().await {
            None => {
                break Err(WsError::Closed {
                    code: 1006,
                    reason: "connection dropped".into(),
                })
            }
            Some(Err(e)) => break Err(WsError::Transport(e.to_string())),
            Some(Ok(m)) => m,
        };
        match msg {
            Message::Text(t) => match serde_json::from_str::<ServerMessage>(&t) {
                Ok(m) => printer.frame(&m)?,
                Err(e) => printer.note(&format!(
                    "cpl: ignoring a frame that is not a CityPulse message ({e})"
                ))?,
            },
            Message::Close(frame) => {
                let (code, reason) = frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new()));
                break match code {
                    1000 => Ok(()),
                    _ => Err(WsError::Closed { code, reason }),
                };
            }
            _ => {}
        }
    };
    printer.done()?;
    result.map_err(|e| anyhow::Error::new(e).context("transcription stopped"))
}

/// Prints captions: JSON lines, or finals as lines with the interim on one updating line
/// when stdout is a terminal (a pipe gets the finals only).
struct Printer {
    json: bool,
    live: bool,
    interim_shown: bool,
    width: usize,
}

impl Printer {
    fn new(json: bool) -> Printer {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse::<usize>().ok())
            .filter(|w| *w > 10)
            .unwrap_or(80);
        Printer {
            json,
            live: std::io::stdout().is_terminal(),
            interim_shown: false,
            width,
        }
    }

    fn frame(&mut self, m: &ServerMessage) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        if self.json {
            if matches!(
                m,
                ServerMessage::Transcript { .. } | ServerMessage::Error { .. }
            ) {
                let line = serde_json::to_string(m).map_err(std::io::Error::other)?;
                writeln!(out, "{line}")?;
            }
            return out.flush();
        }
        match m {
            ServerMessage::Transcript {
                text,
                is_final: true,
                ..
            } => {
                if self.interim_shown {
                    write!(out, "\r\x1b[2K")?;
                    self.interim_shown = false;
                }
                writeln!(out, "{text}")?;
            }
            ServerMessage::Transcript { text, .. } if self.live => {
                // Only the tail fits on one line; a wrapped line could not be redrawn.
                let max = self.width.saturating_sub(2);
                let count = text.chars().count();
                let shown: String = if count > max {
                    format!(
                        "…{}",
                        text.chars().skip(count - max + 1).collect::<String>()
                    )
                } else {
                    text.clone()
                };
                write!(out, "\r\x1b[2K{shown}")?;
                self.interim_shown = true;
            }
            ServerMessage::Error { message, .. } => {
                drop(out);
                return self.note(&format!("cpl: the daemon says: {message}"));
            }
            _ => {}
        }
        out.flush()
    }

    fn note(&mut self, line: &str) -> std::io::Result<()> {
        self.done()?;
        let _ = writeln!(std::io::stderr(), "{line}");
        Ok(())
    }

    /// Clears an interim line left on the terminal.
    fn done(&mut self) -> std::io::Result<()> {
        if self.interim_shown {
            let mut out = std::io::stdout().lock();
            write!(out, "\r\x1b[2K")?;
            out.flush()?;
            self.interim_shown = false;
        }
        Ok(())
    }
}
