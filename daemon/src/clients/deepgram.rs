//! A Deepgram live-transcription client: the stream's URL and query, the handshake with its
//! time limit, the control messages, and Deepgram's messages read into results. Every
//! failure is a [`DeepgramError`], whose `Display` is the sentence the speaker is given and
//! whose [`DeepgramError::reason`] is the short close reason.
//!
//! The protocol is Deepgram's live streaming API
//! (<https://developers.deepgram.com/reference/speech-to-text-api/listen-streaming>):
//! header auth `Authorization: Token <key>`; raw audio described by `encoding`,
//! `sample_rate` and `channels` (<https://developers.deepgram.com/docs/encoding>); the text
//! control messages `KeepAlive` (<https://developers.deepgram.com/docs/audio-keep-alive>),
//! `Finalize` (<https://developers.deepgram.com/docs/finalize>) and `CloseStream`
//! (<https://developers.deepgram.com/docs/close-stream>); failures as a refused handshake
//! or a close frame
//! (<https://developers.deepgram.com/docs/stt-troubleshooting-websocket-data-and-net-errors>).

use std::fmt;
use std::time::Duration;

use citypulse::model::TranscriptWord;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{HeaderValue, AUTHORIZATION};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use crate::config::DeepgramConfig;

/// Longest wait for Deepgram's handshake.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The close code of a normal end (RFC 6455).
pub const NORMAL_CLOSE: u16 = 1000;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What a stream carries, as Deepgram's query states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFormat {
    /// Deepgram `language`.
    pub language: String,
    /// Hz of the 16-bit little-endian PCM.
    pub sample_rate: u32,
    /// Interleaved channels of the PCM.
    pub channels: u8,
}

/// The Deepgram live URL for a stream: the configured endpoint plus the parameters raw PCM
/// needs (raw audio must state `encoding` and `sample_rate`).
pub fn url(config: &DeepgramConfig, format: &AudioFormat) -> Result<url::Url, DeepgramError> {
    let mut url = url::Url::parse(&config.api_url).map_err(|e| {
        DeepgramError::Misconfigured(format!(
            "DEEPGRAM_API_URL {:?} is not a URL: {e}",
            config.api_url
        ))
    })?;
    url.query_pairs_mut()
        .append_pair("model", &config.model)
        .append_pair("language", &format.language)
        .append_pair("encoding", "linear16")
        .append_pair("sample_rate", &format.sample_rate.to_string())
        .append_pair("channels", &format.channels.to_string())
        .append_pair("interim_results", "true")
        .append_pair("punctuate", "true")
        .append_pair("smart_format", "true");
    Ok(url)
}

/// An open live stream: its two halves and Deepgram's id of it (`dg-request-id`, or `-`).
pub struct Live {
    /// Audio and control messages to Deepgram.
    pub sender: Sender,
    /// Deepgram's messages.
    pub receiver: Receiver,
    /// Deepgram's request id, for the log.
    pub request_id: String,
}

/// Opens a live stream within [`CONNECT_TIMEOUT`].
pub async fn connect(config: &DeepgramConfig, format: &AudioFormat) -> Result<Live, DeepgramError> {
    let Some(key) = &config.api_key else {
        return Err(DeepgramError::Misconfigured(
            "DEEPGRAM_API_KEY is not set".into(),
        ));
    };
    let url = url(config, format)?;
    let mut request = url.as_str().into_client_request().map_err(|e| {
        DeepgramError::Misconfigured(format!("cannot build the Deepgram request: {e}"))
    })?;
    let auth = HeaderValue::from_str(&format!("Token {}", key.expose())).map_err(|_| {
        DeepgramError::Misconfigured(
            "DEEPGRAM_API_KEY contains characters that cannot go in an HTTP header".into(),
        )
    })?;
    request.headers_mut().insert(AUTHORIZATION, auth);
    let connected =
        tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request)).await;
    match connected {
        Err(_) => Err(DeepgramError::HandshakeTimeout {
            limit: CONNECT_TIMEOUT,
        }),
        Ok(Ok((socket, response))) => {
            let request_id = response
                .headers()
                .get("dg-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_string();
            let (sink, stream) = socket.split();
            Ok(Live {
                sender: Sender(sink),
                receiver: Receiver(stream),
                request_id,
            })
        }
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) => Err(handshake_refused(
            resp.status().as_u16(),
            resp.headers().get("dg-error").and_then(|v| v.to_str().ok()),
            resp.body().as_deref(),
        )),
        Ok(Err(e)) => Err(DeepgramError::Unreachable {
            host: url.host_str().unwrap_or("?").to_string(),
            error: e.to_string(),
        }),
    }
}

/// A refused handshake is a plain HTTP status with `dg-error` (and the same text in the
/// body); what Deepgram said, cut to 300 bytes.
fn handshake_refused(status: u16, dg_error: Option<&str>, body: Option<&[u8]>) -> DeepgramError {
    let said = dg_error
        .map(str::to_string)
        .or_else(|| {
            body.map(|b| {
                String::from_utf8_lossy(&b[..b.len().min(300)])
                    .trim()
                    .to_string()
            })
        })
        .filter(|t| !t.is_empty())
        .unwrap_or_default();
    DeepgramError::Refused { status, said }
}

/// The control messages Deepgram takes, always as text frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Keeps the stream open while no audio flows (Deepgram closes it with `NET-0001`
    /// after about 10 s without a frame).
    KeepAlive,
    /// Flushes what Deepgram has heard so far as final results.
    Finalize,
    /// Ends the stream gracefully: Deepgram flushes, sends its last results and `Metadata`,
    /// then closes.
    CloseStream,
}

impl Control {
    /// The message's `type`.
    pub fn kind(self) -> &'static str {
        match self {
            Control::KeepAlive => "KeepAlive",
            Control::Finalize => "Finalize",
            Control::CloseStream => "CloseStream",
        }
    }
}

/// The sending half of a live stream.
pub struct Sender(SplitSink<Socket, Message>);

impl Sender {
    /// Sends one frame of audio.
    pub async fn audio(&mut self, pcm: bytes::Bytes) -> Result<(), DeepgramError> {
        self.0
            .send(Message::Binary(pcm))
            .await
            .map_err(|_| DeepgramError::LostWhileSendingAudio)
    }

    /// Sends a control message.
    pub async fn control(&mut self, control: Control) -> Result<(), DeepgramError> {
        let frame = format!(r#"{{"type":"{}"}}"#, control.kind());
        self.0
            .send(Message::text(frame))
            .await
            .map_err(|_| match control {
                Control::CloseStream => DeepgramError::LostWhileClosing,
                Control::KeepAlive | Control::Finalize => DeepgramError::LostWhileSending,
            })
    }

    /// Closes the socket at once, without waiting for anything Deepgram still has.
    pub async fn abort(&mut self) {
        let _ = self.0.send(Message::Close(None)).await;
    }
}

/// Closes Deepgram's side politely within `grace`: a normal close frame, then whatever it
/// still sends is read and dropped until it closes. It may already have closed.
pub async fn hang_up(mut sender: Sender, mut receiver: Receiver, grace: Duration) {
    let _ = tokio::time::timeout(grace, async {
        let _ = sender
            .0
            .send(Message::Close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            })))
            .await;
        while let Some(Ok(_)) = receiver.0.next().await {}
    })
    .await;
}

/// The receiving half of a live stream.
pub struct Receiver(SplitStream<Socket>);

impl Receiver {
    /// Deepgram's next message; None when the connection ended without a close frame.
    /// Cancel-safe: nothing is lost if the future is dropped before it is ready.
    pub async fn next(&mut self) -> Option<Result<Heard, DeepgramError>> {
        let message = match self.0.next().await? {
            Ok(m) => m,
            Err(e) => return Some(Err(DeepgramError::Broken(e.to_string()))),
        };
        Some(match message {
            Message::Text(text) => parse(&text),
            Message::Binary(_) => Err(DeepgramError::BinaryFrame),
            Message::Close(frame) => {
                let (code, reason) = frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new()));
                Ok(Heard::Closed { code, reason })
            }
            // Pings are answered by tungstenite.
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => Ok(Heard::Other),
        })
    }
}

/// Reads one of Deepgram's text messages. Anything that is not its protocol (a proxy's
/// page, a broken upstream) is an error: nothing it says can be trusted.
pub fn parse(text: &str) -> Result<Heard, DeepgramError> {
    match serde_json::from_str::<Incoming>(text) {
        Ok(Incoming::Results(r)) => Ok(Heard::Results(r)),
        Ok(Incoming::Metadata(m)) => Ok(Heard::Metadata(m)),
        Ok(Incoming::Other) => Ok(Heard::Other),
        Err(e) => {
            tracing::warn!(
                "Deepgram message that does not parse ({e}): {}",
                text.chars().take(200).collect::<String>()
            );
            Err(DeepgramError::NotProtocol(e.to_string()))
        }
    }
}

/// A message from Deepgram.
#[derive(Debug)]
pub enum Heard {
    /// A transcript, interim or final.
    Results(Results),
    /// The summary; after `CloseStream` it is the last message before the close.
    Metadata(Metadata),
    /// Deepgram closed the stream with this code and reason.
    Closed {
        /// The close code (1005 when the frame had none).
        code: u16,
        /// The close reason (`DATA-0000`, `NET-0001`, ...).
        reason: String,
    },
    /// Something that needs nothing done (another message type, a ping).
    Other,
}

/// Deepgram's server messages we act on.
#[derive(Deserialize)]
#[serde(tag = "type")]
enum Incoming {
    Results(Results),
    Metadata(Metadata),
    #[serde(other)]
    Other,
}

/// A `Results` message.
#[derive(Debug, Deserialize)]
pub struct Results {
    /// Seconds from the stream's start to the segment's start.
    pub start: f64,
    /// Seconds the segment lasts.
    pub duration: f64,
    /// False for an interim result that a later one replaces.
    #[serde(default)]
    pub is_final: bool,
    /// The transcript alternatives.
    pub channel: Channel,
}

impl Results {
    /// The best alternative (Deepgram's first), if any.
    pub fn into_best(self) -> Option<Alternative> {
        self.channel.alternatives.into_iter().next()
    }
}

/// The alternatives of a `Results`.
#[derive(Debug, Deserialize)]
pub struct Channel {
    /// Best first.
    pub alternatives: Vec<Alternative>,
}

/// One transcript of a segment.
#[derive(Debug, Deserialize)]
pub struct Alternative {
    /// The words as text (empty for silence, which is normal).
    pub transcript: String,
    /// 0 to 1.
    #[serde(default)]
    pub confidence: f64,
    /// Each word with its timing.
    #[serde(default)]
    pub words: Vec<TranscriptWord>,
}

/// A `Metadata` message; only what the log shows.
#[derive(Debug, Deserialize)]
pub struct Metadata {
    /// Deepgram's id of the stream.
    #[serde(default)]
    pub request_id: Option<String>,
    /// Seconds of audio processed.
    #[serde(default)]
    pub duration: Option<f64>,
}

/// Why a live stream failed. `Display` is the sentence for the speaker.
#[derive(Debug, Clone, PartialEq)]
pub enum DeepgramError {
    /// The daemon's own settings cannot make a request (no key, a bad URL or key).
    Misconfigured(String),
    /// No handshake answer within the limit.
    HandshakeTimeout {
        /// The limit.
        limit: Duration,
    },
    /// The handshake was answered with an HTTP status instead of an upgrade.
    Refused {
        /// HTTP status.
        status: u16,
        /// Deepgram's `dg-error` (or the body), possibly empty.
        said: String,
    },
    /// No connection.
    Unreachable {
        /// The host of DEEPGRAM_API_URL.
        host: String,
        /// The transport's reason.
        error: String,
    },
    /// The connection broke while sending `CloseStream`.
    LostWhileClosing,
    /// The connection broke while sending audio.
    LostWhileSendingAudio,
    /// The connection broke while sending `KeepAlive` or `Finalize`.
    LostWhileSending,
    /// The connection ended without a close frame while the stream was open.
    Dropped,
    /// The connection ended without a close frame after `CloseStream`, before the last results.
    DroppedBeforeFinal,
    /// Reading from the connection failed.
    Broken(String),
    /// A text message that is not Deepgram's protocol.
    NotProtocol(String),
    /// A binary message, which Deepgram's protocol never sends.
    BinaryFrame,
    /// Deepgram closed the stream (other than normally after `CloseStream`).
    Closed {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
    /// Nothing after `CloseStream` within the limit.
    Unfinished {
        /// The limit.
        limit: Duration,
    },
    /// Nothing within the limit while audio flowed.
    Silent {
        /// The limit.
        limit: Duration,
    },
}

const LOST: &str = "connection to Deepgram lost";
const NOT_PROTOCOL: &str = "Deepgram answered something that is not its live protocol";

impl DeepgramError {
    /// The short reason of the speaker's close frame (RFC 6455 cuts it at 123 bytes).
    pub fn reason(&self) -> String {
        match self {
            DeepgramError::Misconfigured(_) => {
                "the daemon cannot reach Deepgram; see its log".into()
            }
            DeepgramError::HandshakeTimeout { limit } => {
                format!("Deepgram did not answer within {}s", limit.as_secs())
            }
            DeepgramError::Refused { status, .. } => match status {
                401 | 403 => format!("Deepgram refused the daemon's API key (HTTP {status})"),
                400 => "Deepgram refused the stream settings (HTTP 400)".into(),
                429 => "Deepgram is at its concurrency limit (HTTP 429); try later".into(),
                s => format!("Deepgram refused the stream (HTTP {s})"),
            },
            DeepgramError::Unreachable { .. } => "cannot reach Deepgram".into(),
            DeepgramError::LostWhileClosing
            | DeepgramError::LostWhileSendingAudio
            | DeepgramError::LostWhileSending
            | DeepgramError::Dropped
            | DeepgramError::Broken(_) => LOST.into(),
            DeepgramError::DroppedBeforeFinal => {
                "Deepgram dropped the stream before its final results".into()
            }
            DeepgramError::NotProtocol(_) | DeepgramError::BinaryFrame => NOT_PROTOCOL.into(),
            DeepgramError::Closed { code, reason } => describe_close(*code, reason),
            DeepgramError::Unfinished { limit } => format!(
                "Deepgram sent no final results within {}s of CloseStream",
                limit.as_secs_f64()
            ),
            DeepgramError::Silent { limit } => format!(
                "Deepgram sent nothing for {}s while audio flowed; giving up",
                limit.as_secs_f64()
            ),
        }
    }
}

impl fmt::Display for DeepgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeepgramError::Misconfigured(why) => f.write_str(why),
            DeepgramError::HandshakeTimeout { limit } => write!(
                f,
                "Deepgram did not accept the stream within {}s; try again later",
                limit.as_secs()
            ),
            DeepgramError::Refused { status, said } => {
                let why = if said.is_empty() {
                    String::new()
                } else {
                    format!(": {said}")
                };
                match status {
                    401 | 403 => write!(f, "Deepgram refused the daemon's API key (HTTP {status}){why}; the daemon's admin must fix DEEPGRAM_API_KEY"),
                    400 => write!(f, "Deepgram refused the stream settings (HTTP 400){why}; check language, sample_rate and channels"),
                    429 => write!(f, "Deepgram is at its concurrency limit (HTTP 429){why}; try again later"),
                    s => write!(f, "Deepgram refused the stream (HTTP {s}){why}; try again later"),
                }
            }
            DeepgramError::Unreachable { host, error } => write!(
                f,
                "cannot reach Deepgram at {host}: {error}; try again later (the daemon's admin can \
                 check DEEPGRAM_API_URL and the network)"
            ),
            DeepgramError::LostWhileClosing => {
                f.write_str("the connection to Deepgram was lost while closing the stream")
            }
            DeepgramError::LostWhileSendingAudio => {
                f.write_str("the connection to Deepgram was lost while sending audio")
            }
            DeepgramError::LostWhileSending => f.write_str("the connection to Deepgram was lost"),
            DeepgramError::Dropped => {
                f.write_str("the connection to Deepgram was lost; reconnect to go on")
            }
            DeepgramError::DroppedBeforeFinal => f.write_str(
                "the connection to Deepgram was lost before its final results; the last words may be missing",
            ),
            DeepgramError::Broken(e) => write!(
                f,
                "the connection to Deepgram failed: {e}; reconnect to go on"
            ),
            DeepgramError::NotProtocol(e) => write!(
                f,
                "Deepgram answered with a message that is not its live protocol ({e}); check DEEPGRAM_API_URL, then reconnect"
            ),
            DeepgramError::BinaryFrame => f.write_str(
                "Deepgram sent a binary frame, which its live protocol never does; check DEEPGRAM_API_URL, then reconnect",
            ),
            DeepgramError::Closed { code, reason } => write!(
                f,
                "{}; the stream is over, reconnect to go on",
                describe_close(*code, reason)
            ),
            DeepgramError::Unfinished { limit } => write!(
                f,
                "Deepgram did not finish within {}s of CloseStream; the last words may be missing",
                limit.as_secs_f64()
            ),
            DeepgramError::Silent { limit } => write!(
                f,
                "Deepgram sent nothing for {}s while audio flowed, so the daemon gave up; reconnect to try again",
                limit.as_secs_f64()
            ),
        }
    }
}

impl std::error::Error for DeepgramError {}

/// What a Deepgram close frame means, as the reason the speaker gets (the codes of
/// <https://developers.deepgram.com/docs/stt-troubleshooting-websocket-data-and-net-errors>).
pub fn describe_close(code: u16, reason: &str) -> String {
    let reason = reason.trim();
    let meaning = if reason.starts_with("DATA-0000") {
        ": it could not decode the audio as 16-bit PCM at the stated rate"
    } else if reason.starts_with("NET-0000") {
        ": it produced no transcript in time"
    } else if reason.starts_with("NET-0001") {
        ": it received no audio or KeepAlive in time"
    } else {
        ""
    };
    if reason.is_empty() {
        format!("Deepgram closed the stream ({code})")
    } else {
        format!("Deepgram closed the stream ({code} {reason}){meaning}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closes_are_explained() {
        let s = describe_close(1008, "DATA-0000");
        assert!(s.contains("1008 DATA-0000") && s.contains("decode"), "{s}");
        let s = describe_close(1011, "NET-0001");
        assert!(s.contains("no audio"), "{s}");
    }

    #[test]
    fn results_parse_as_documented() {
        let text = r#"{"type":"Results","channel_index":[0,1],"duration":1.98,"start":5.99,"is_final":true,
            "speech_final":true,"from_finalize":false,"channel":{"alternatives":[{"transcript":"Tell me more about this.",
            "confidence":0.99,"words":[{"word":"tell","start":6.07,"end":6.35,"confidence":0.99,"punctuated_word":"Tell"}]}]},
            "metadata":{"request_id":"52cc0efe-fa77-4aa7-b79c-0dda09de2f14","model_info":{"name":"2-general-nova","version":"x","arch":"nova-2"},"model_uuid":"c0d1a568"}}"#;
        match parse(text).unwrap() {
            Heard::Results(r) => {
                assert!(r.is_final);
                assert_eq!(
                    r.channel.alternatives[0].words[0]
                        .punctuated_word
                        .as_deref(),
                    Some("Tell")
                );
            }
            _ => panic!("not results"),
        }
        assert!(matches!(
            parse(r#"{"type":"UtteranceEnd","channel":[0,1],"last_word_end":2.3}"#).unwrap(),
            Heard::Other
        ));
        assert!(matches!(
            parse("<html>"),
            Err(DeepgramError::NotProtocol(_))
        ));
    }

    #[test]
    fn refusals_quote_deepgram() {
        let e = handshake_refused(401, Some("INVALID_AUTH"), None);
        assert_eq!(
            e.to_string(),
            "Deepgram refused the daemon's API key (HTTP 401): INVALID_AUTH; the daemon's admin must fix DEEPGRAM_API_KEY"
        );
        let e = handshake_refused(503, None, Some(b"  "));
        assert_eq!(
            e.to_string(),
            "Deepgram refused the stream (HTTP 503); try again later"
        );
    }
}
