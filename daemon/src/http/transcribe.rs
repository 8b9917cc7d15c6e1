//! `/ws/transcribe/{event_id}`: a speaker's audio relayed to Deepgram's live API, and every
//! result sent back as `transcript` to the speaker and to the event's room.
//!
//! API.md "Live transcription": only the event's participants (and its creator) may open
//! it; binary frames are 16-bit little-endian PCM at the stated rate and channels; text
//! frames `{"type":"CloseStream"}` end the stream and `{"type":"KeepAlive"}` keeps it open.
//! The daemon alone holds the Deepgram key. Everything is refused before the upgrade with
//! the REST statuses (401, 403, 404, 409, 422, and 503 when no key is configured); once
//! upgraded, a Deepgram failure (key refused at its handshake, an error close such as
//! `1008 DATA-0000` or `1011 NET-0001`, or Deepgram going silent) closes only the speaker's
//! socket, with a reason saying what happened. The room never hears about it.
//!
//! One task per stream runs [`relay`], a single `select!` loop over the speaker's socket,
//! Deepgram's socket and a ticker. Audio is forwarded frame by frame as it arrives and is
//! never queued here: while a frame is being written to Deepgram the loop does not read the
//! speaker, so a slow Deepgram pushes back on the speaker through TCP. Deepgram's protocol
//! (`shared/protocols/deepgram.md`) is followed: header auth `Authorization: Token <key>`,
//! raw audio described by `encoding`/`sample_rate`/`channels`, a `KeepAlive` text frame when
//! the speaker pauses (Deepgram closes a stream after ~10 s without a frame), and on the
//! speaker's `CloseStream` our `CloseStream`, then Deepgram's last results and `Metadata`
//! before its close.

use std::time::Duration;

use citypulse::ids::{EventId, TranscriptId};
use citypulse::model::{EventStatus, TranscriptWord, Transcription, User};
use citypulse::time;
use citypulse::ws::{error_code, ServerMessage};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{HeaderValue, AUTHORIZATION};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as DgMessage;
use warp::filters::ws::{Message, WebSocket, Ws};
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Reply};

use crate::config::DeepgramConfig;
use crate::domain::state::State;
use crate::http::auth::{self, Caller};
use crate::http::error::ApiError;
use crate::http::input;
use crate::realtime::hub::StreamSlot;

/// Largest audio frame accepted from a speaker (a third of a second at 48 kHz stereo).
const MAX_FRAME: usize = citypulse::MAX_BODY_BYTES as usize;
/// Longest wait for Deepgram's handshake.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait for one frame to be written to a speaker that has stopped reading.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing socket may take to deliver its last frames and close handshake.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Accepted `sample_rate` values (Hz).
pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8000..=48000;
/// Accepted `channels` values.
pub const CHANNELS: std::ops::RangeInclusive<u8> = 1..=2;

/// Close codes (RFC 6455 and the IANA registry).
mod close {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
    /// "Internal Error", used when the upstream (Deepgram) failed: the registered 1014
    /// "Bad Gateway" would say it better, but common clients (tungstenite among them)
    /// reject it as a protocol error.
    pub const UPSTREAM: u16 = 1011;
}

/// The transcription route.
pub fn routes(state: State, shutdown: watch::Receiver<bool>) -> BoxedFilter<(Response,)> {
    warp::path!("ws" / "transcribe" / String)
        .and(warp::ws())
        .and(input::raw_query())
        .and(warp::header::optional::<String>("authorization"))
        .then(
            move |event: String, ws: Ws, query: String, header: Option<String>| {
                let state = state.clone();
                let shutdown = shutdown.clone();
                async move {
                    let opened = open(&state, &event, &query, header.as_deref()).await;
                    match opened {
                        // The slot moves into the upgrade: given back when the stream
                        // ends, or at once if the upgrade never completes.
                        Ok((slot, stream)) => ws
                            .max_frame_size(MAX_FRAME)
                            .max_message_size(MAX_FRAME)
                            .on_upgrade(move |socket| {
                                session(state, stream, slot, socket, shutdown)
                            })
                            .into_response(),
                        Err(e) => e.into_response(),
                    }
                }
            },
        )
        .boxed()
}

/// [`authorize`], then the speaker's [`reserve`]d slot. The token is asked about again
/// once the hub knows the slot: a reset that landed in between revoked nothing, and a
/// reset after it finds the slot.
async fn open(
    state: &State,
    event: &str,
    query: &str,
    header: Option<&str>,
) -> Result<(StreamSlot, StreamRequest), ApiError> {
    let stream = authorize(state, event, query, header).await?;
    let slot = reserve(state, &stream)?;
    if !auth::still_holds(state, &stream.speaker.id, &stream.token_hash).await? {
        return Err(auth::invalid_token());
    }
    Ok((slot, stream))
}

/// What a stream was opened for, checked before the upgrade.
#[derive(Debug, Clone)]
pub struct StreamRequest {
    /// The event (room).
    pub event_id: EventId,
    /// Who speaks.
    pub speaker: User,
    /// The hash of the token the stream was opened with.
    pub token_hash: String,
    /// Deepgram `language`.
    pub language: String,
    /// Hz of the PCM the speaker sends.
    pub sample_rate: u32,
    /// Interleaved channels of the PCM.
    pub channels: u8,
}

#[derive(Deserialize)]
struct TranscribeQuery {
    token: Option<String>,
    language: Option<String>,
    sample_rate: Option<String>,
    channels: Option<String>,
}

/// Checks everything before the upgrade, in this order: 401 no or bad token (403 for the
/// admin token), 422 a malformed id or parameter, 503 no Deepgram key, 404 unknown event,
/// 409 ended event, 403 not a participant nor the creator.
pub async fn authorize(
    state: &State,
    event: &str,
    query: &str,
    header: Option<&str>,
) -> Result<StreamRequest, ApiError> {
    let q: TranscribeQuery = input::parse_query(query)?;
    let token = match q.token.as_deref() {
        Some(t) => Some(t),
        None => auth::bearer(header)?,
    };
    let speaker = match auth::authenticate(state, token).await? {
        Some(Caller::User(u)) => *u,
        Some(Caller::Admin) => {
            return Err(ApiError::Forbidden(
                "the admin token does not belong to a user; transcribe with a participant's token".into(),
            ))
        }
        None => {
            return Err(ApiError::Unauthorized(
                "live transcription needs the speaker's token: /ws/transcribe/{event_id}?token=<token> or 'Authorization: Bearer <token>'".into(),
            ))
        }
    };
    let event_id: EventId = input::id(event)?;
    let language = match q.language.as_deref().map(str::trim) {
        None | Some("") => state.config.deepgram.language.clone(),
        Some(l) => language(l)?,
    };
    let sample_rate = number(
        "sample_rate",
        q.sample_rate.as_deref(),
        16000,
        *SAMPLE_RATES.start(),
        *SAMPLE_RATES.end(),
    )?;
    let channels = number(
        "channels",
        q.channels.as_deref(),
        1,
        *CHANNELS.start(),
        *CHANNELS.end(),
    )?;
    if state.config.deepgram.api_key.is_none() {
        return Err(ApiError::Unavailable(
            "live transcription is not configured on this daemon: set DEEPGRAM_API_KEY and restart cpld".into(),
        ));
    }
    let ev = state.store.event(&event_id).await?;
    if ev.status == EventStatus::Ended {
        return Err(ApiError::Conflict(format!(
            "event {event_id} has ended; its transcript stays at GET /api/events/{event_id}/transcriptions"
        )));
    }
    // API.md: only the event's participants may open it; the creator always may.
    if ev.creator_id != speaker.id && !state.store.is_participant(&event_id, &speaker.id).await? {
        return Err(ApiError::Forbidden(format!(
            "only participants of event {event_id} may transcribe into it; join it first (POST /api/events/{event_id}/join)"
        )));
    }
    Ok(StreamRequest {
        event_id,
        speaker,
        // `authenticate` accepted the token, so there is one.
        token_hash: auth::hash_token(token.unwrap_or_default()),
        language,
        sample_rate,
        channels,
    })
}

/// The speaker's place among their open sockets (CPL_MAX_CONNECTIONS_PER_USER counts room
/// sockets and transcription streams together); 409 when they have them all open.
fn reserve(state: &State, req: &StreamRequest) -> Result<StreamSlot, ApiError> {
    state.hub.reserve_stream(&req.speaker.id).ok_or_else(|| {
        ApiError::Conflict(format!(
            "user {} already has {} sockets open (room sockets and transcription streams, CPL_MAX_CONNECTIONS_PER_USER); close one first",
            req.speaker.id, state.config.max_connections_per_user
        ))
    })
}

/// A BCP-47-ish language tag as Deepgram takes it: `es`, `es-419`, `en-US`, `multi`.
fn language(l: &str) -> Result<String, ApiError> {
    let mut parts = l.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if primary_ok && rest_ok && l.len() <= 35 {
        Ok(l.to_string())
    } else {
        Err(ApiError::Validation(format!(
            "language {:?} is not a language tag; use a code such as es, es-419, en-US or multi",
            l.chars().take(40).collect::<String>()
        )))
    }
}

fn number<T>(name: &str, raw: Option<&str>, default: T, min: T, max: T) -> Result<T, ApiError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(default);
    };
    match raw.parse::<T>() {
        Ok(v) if v >= min && v <= max => Ok(v),
        _ => Err(ApiError::Validation(format!(
            "{name} must be a whole number from {min} to {max}, not {:?}",
            raw.chars().take(20).collect::<String>()
        ))),
    }
}

/// Why a stream ended, and what the speaker is told.
#[derive(Debug, Clone, PartialEq)]
enum End {
    /// Closed cleanly (CloseStream answered, or the daemon stopping): this close frame.
    Close { code: u16, reason: String },
    /// Deepgram failed or the speaker broke a rule: an `error` frame with `detail`, then
    /// this close frame.
    Fail {
        code: u16,
        reason: String,
        detail: String,
    },
    /// The speaker went away (or stopped reading); nothing more to tell them.
    SpeakerGone,
}

impl End {
    fn upstream(reason: impl Into<String>, detail: impl Into<String>) -> End {
        End::Fail {
            code: close::UPSTREAM,
            reason: reason.into(),
            detail: detail.into(),
        }
    }
}

async fn session(
    state: State,
    req: StreamRequest,
    slot: StreamSlot,
    socket: WebSocket,
    shutdown: watch::Receiver<bool>,
) {
    let (mut to_speaker, mut from_speaker) = socket.split();
    tracing::info!(event = %req.event_id, speaker = %req.speaker.id, language = %req.language,
        sample_rate = req.sample_rate, channels = req.channels, "transcription stream opening");
    // The speaker's first frames wait in TCP buffers while Deepgram answers: nothing is
    // read (or buffered here) before there is somewhere to send it.
    let end = match connect(&state.config.deepgram, &req).await {
        Ok(dg) => {
            relay(
                &state,
                &req,
                &slot,
                &mut to_speaker,
                &mut from_speaker,
                dg,
                shutdown,
            )
            .await
        }
        Err(end) => end,
    };
    match &end {
        End::Fail { code, detail, .. } => {
            tracing::warn!(event = %req.event_id, speaker = %req.speaker.id, code, "transcription stream failed: {detail}")
        }
        other => {
            tracing::info!(event = %req.event_id, speaker = %req.speaker.id, "transcription stream closed: {other:?}")
        }
    }
    finish_speaker(to_speaker, from_speaker, end).await;
}

/// Sends the speaker the last frames (the error, the close) and completes the closing
/// handshake, bounded: a speaker that never answers is dropped.
async fn finish_speaker(
    mut sink: SplitSink<WebSocket, Message>,
    mut stream: SplitStream<WebSocket>,
    end: End,
) {
    let (code, reason, detail) = match end {
        End::SpeakerGone => return,
        End::Close { code, reason } => (code, reason, None),
        End::Fail {
            code,
            reason,
            detail,
        } => (code, reason, Some(detail)),
    };
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        if let Some(detail) = detail {
            let frame = ServerMessage::error(error_code::UNAVAILABLE, detail);
            if let Ok(text) = serde_json::to_string(&frame) {
                if sink.send(Message::text(text)).await.is_err() {
                    return;
                }
            }
        }
        let _ = sink
            .send(Message::close_with(code, close_reason(&reason)))
            .await;
        // Keep reading until the speaker answers the close: dropping a socket with unread
        // input makes the kernel send a reset, which can destroy the close frame in flight.
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
}

/// RFC 6455 limits a close reason to 123 bytes; cut at a character boundary.
fn close_reason(reason: &str) -> String {
    let mut r = reason.to_string();
    while r.len() > 123 {
        r.pop();
    }
    r
}

type DgStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The Deepgram live URL for a stream: the configured endpoint plus the parameters raw
/// PCM needs (deepgram.md §1: raw audio must state `encoding` and `sample_rate`).
pub fn deepgram_url(config: &DeepgramConfig, req: &StreamRequest) -> Result<url::Url, String> {
    let mut url = url::Url::parse(&config.api_url)
        .map_err(|e| format!("DEEPGRAM_API_URL {:?} is not a URL: {e}", config.api_url))?;
    url.query_pairs_mut()
        .append_pair("model", &config.model)
        .append_pair("language", &req.language)
        .append_pair("encoding", "linear16")
        .append_pair("sample_rate", &req.sample_rate.to_string())
        .append_pair("channels", &req.channels.to_string())
        .append_pair("interim_results", "true")
        .append_pair("punctuate", "true")
        .append_pair("smart_format", "true");
    Ok(url)
}

/// Opens the Deepgram live socket, or the end that explains why it could not be opened.
async fn connect(config: &DeepgramConfig, req: &StreamRequest) -> Result<DgStream, End> {
    let internal = |detail: String| End::Fail {
        code: close::UPSTREAM,
        reason: "the daemon cannot reach Deepgram; see its log".into(),
        detail,
    };
    let Some(key) = &config.api_key else {
        return Err(internal("DEEPGRAM_API_KEY is not set".into()));
    };
    let url = deepgram_url(config, req).map_err(internal)?;
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| internal(format!("cannot build the Deepgram request: {e}")))?;
    let auth = HeaderValue::from_str(&format!("Token {}", key.expose())).map_err(|_| {
        internal("DEEPGRAM_API_KEY contains characters that cannot go in an HTTP header".into())
    })?;
    request.headers_mut().insert(AUTHORIZATION, auth);
    let connected =
        tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request)).await;
    match connected {
        Err(_) => Err(End::upstream(
            format!(
                "Deepgram did not answer within {}s",
                CONNECT_TIMEOUT.as_secs()
            ),
            format!(
                "Deepgram did not accept the stream within {}s; try again later",
                CONNECT_TIMEOUT.as_secs()
            ),
        )),
        Ok(Ok((stream, response))) => {
            let request_id = response
                .headers()
                .get("dg-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::debug!(event = %req.event_id, dg_request_id = request_id, "Deepgram stream open");
            Ok(stream)
        }
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) => Err(handshake_refused(
            resp.status().as_u16(),
            resp.headers().get("dg-error").and_then(|v| v.to_str().ok()),
            resp.body().as_deref(),
        )),
        Ok(Err(e)) => Err(End::upstream(
            "cannot reach Deepgram",
            format!(
                "cannot reach Deepgram at {}: {e}; try again later (the daemon's admin can \
                 check DEEPGRAM_API_URL and the network)",
                url.host_str().unwrap_or("?")
            ),
        )),
    }
}

/// deepgram.md §4: a refused handshake is a plain HTTP status with `dg-error` (and the
/// same text in the body).
fn handshake_refused(status: u16, dg_error: Option<&str>, body: Option<&[u8]>) -> End {
    let text = dg_error
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
    let why = if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    };
    match status {
        401 | 403 => End::upstream(
            format!("Deepgram refused the daemon's API key (HTTP {status})"),
            format!("Deepgram refused the daemon's API key (HTTP {status}){why}; the daemon's admin must fix DEEPGRAM_API_KEY"),
        ),
        400 => End::upstream(
            "Deepgram refused the stream settings (HTTP 400)",
            format!("Deepgram refused the stream settings (HTTP 400){why}; check language, sample_rate and channels"),
        ),
        429 => End::upstream(
            "Deepgram is at its concurrency limit (HTTP 429); try later",
            format!("Deepgram is at its concurrency limit (HTTP 429){why}; try again later"),
        ),
        s => End::upstream(
            format!("Deepgram refused the stream (HTTP {s})"),
            format!("Deepgram refused the stream (HTTP {s}){why}; try again later"),
        ),
    }
}

/// What a Deepgram close frame means (deepgram.md §3.4), as the reason the speaker gets.
pub fn describe_deepgram_close(code: u16, reason: &str) -> String {
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

/// Deepgram's server messages we act on (deepgram.md §3).
#[derive(Deserialize)]
#[serde(tag = "type")]
enum Incoming {
    Results(DgResults),
    Metadata(DgMetadata),
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct DgResults {
    start: f64,
    duration: f64,
    #[serde(default)]
    is_final: bool,
    channel: DgChannel,
}

#[derive(Deserialize)]
struct DgChannel {
    alternatives: Vec<DgAlternative>,
}

#[derive(Deserialize)]
struct DgAlternative {
    transcript: String,
    #[serde(default)]
    confidence: f64,
    #[serde(default)]
    words: Vec<TranscriptWord>,
}

#[derive(Deserialize)]
struct DgMetadata {
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    duration: Option<f64>,
}

/// What the speaker sends as text.
#[derive(Deserialize)]
struct Control {
    #[serde(rename = "type")]
    kind: String,
}

/// The relay loop; returns how the stream ended. Deepgram's socket is closed on return.
async fn relay(
    state: &State,
    req: &StreamRequest,
    slot: &StreamSlot,
    to_speaker: &mut SplitSink<WebSocket, Message>,
    from_speaker: &mut SplitStream<WebSocket>,
    dg: DgStream,
    mut shutdown: watch::Receiver<bool>,
) -> End {
    let cfg = &state.config.deepgram;
    let (mut to_dg, mut from_dg) = dg.split();
    let tick_every = (cfg.keepalive.min(cfg.silence_timeout) / 4)
        .clamp(Duration::from_millis(20), Duration::from_millis(500));
    let mut tick = tokio::time::interval(tick_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let speaker_idle = state.config.ws_timeout;
    let now = Instant::now();
    let mut last_to_dg = now;
    let mut last_from_speaker = now;
    let mut last_audio: Option<Instant> = None;
    // Set by the first audio frame sent after Deepgram's last message, cleared by its next
    // message and by a pause in the audio: Deepgram is "silent" only while audio flows.
    let mut awaiting_since: Option<Instant> = None;
    let mut speaker_open = true;
    // Set once our CloseStream went out: until then the speaker is read; after it only
    // Deepgram is, until its close or this deadline (moved on by each of its messages).
    let mut closing: Option<Instant> = None;
    // What to tell the speaker once Deepgram has finished.
    let mut close_with = End::Close {
        code: close::NORMAL,
        reason: "stream closed".into(),
    };
    let mut shutdown_seen = *shutdown.borrow();
    let mut audio_bytes: u64 = 0;
    let mut finals: u64 = 0;

    if shutdown_seen {
        let _ = to_dg.send(DgMessage::Close(None)).await;
        return End::Close {
            code: close::GOING_AWAY,
            reason: "server shutting down".into(),
        };
    }

    let end = loop {
        // Starts the graceful end: Deepgram flushes, sends its last results and Metadata.
        macro_rules! begin_closing {
            () => {{
                if closing.is_none() {
                    if to_dg
                        .send(DgMessage::Text(r#"{"type":"CloseStream"}"#.into()))
                        .await
                        .is_err()
                    {
                        break End::upstream(
                            "connection to Deepgram lost",
                            "the connection to Deepgram was lost while closing the stream",
                        );
                    }
                    closing = Some(Instant::now() + cfg.silence_timeout);
                }
            }};
        }
        tokio::select! {
            next = from_speaker.next(), if speaker_open && closing.is_none() => {
                let msg = match next {
                    None => {
                        speaker_open = false;
                        begin_closing!();
                        continue;
                    }
                    Some(Err(e)) => {
                        let text = e.to_string();
                        if text.contains("Space limit exceeded") || text.contains("too long") || text.contains("Capacity") {
                            break End::Fail {
                                code: close::TOO_BIG,
                                reason: format!("audio frame larger than {} KiB; send smaller chunks", MAX_FRAME / 1024),
                                detail: format!("audio frames may be at most {} KiB; send about 100 ms per frame", MAX_FRAME / 1024),
                            };
                        }
                        speaker_open = false;
                        begin_closing!();
                        continue;
                    }
                    Some(Ok(m)) => m,
                };
                last_from_speaker = Instant::now();
                if msg.is_close() {
                    // Flush what Deepgram still has for the room and the store; the speaker
                    // closed, so it is not written to again.
                    speaker_open = false;
                    begin_closing!();
                    continue;
                }
                if msg.is_binary() {
                    let audio = msg.into_bytes();
                    if audio.is_empty() {
                        // deepgram.md §2: a zero-length binary frame is the deprecated
                        // CloseStream; never forward one, treat it as ours.
                        begin_closing!();
                        continue;
                    }
                    audio_bytes += audio.len() as u64;
                    if to_dg.send(DgMessage::Binary(audio)).await.is_err() {
                        break End::upstream("connection to Deepgram lost", "the connection to Deepgram was lost while sending audio");
                    }
                    let now = Instant::now();
                    last_to_dg = now;
                    last_audio = Some(now);
                    awaiting_since.get_or_insert(now);
                    continue;
                }
                let Ok(text) = msg.to_str() else { continue }; // ping / pong
                match serde_json::from_str::<Control>(text).map(|c| c.kind) {
                    Ok(kind) if kind == "CloseStream" => begin_closing!(),
                    Ok(kind) if kind == "KeepAlive" || kind == "Finalize" => {
                        // Forwarded as Deepgram's own control messages (always text frames).
                        let frame = format!(r#"{{"type":"{kind}"}}"#);
                        if to_dg.send(DgMessage::Text(frame.into())).await.is_err() {
                            break End::upstream("connection to Deepgram lost", "the connection to Deepgram was lost");
                        }
                        last_to_dg = Instant::now();
                    }
                    Ok(kind) => {
                        let err = ServerMessage::error(
                            error_code::UNKNOWN_TYPE,
                            format!("unknown control message {:?}; send binary audio, {{\"type\":\"KeepAlive\"}} or {{\"type\":\"CloseStream\"}}", kind.chars().take(40).collect::<String>()),
                        );
                        if !send(to_speaker, &err).await {
                            speaker_open = false;
                            begin_closing!();
                        }
                    }
                    Err(_) => {
                        let err = ServerMessage::error(
                            error_code::INVALID_JSON,
                            "text frames must be JSON control messages such as {\"type\":\"CloseStream\"}; audio goes in binary frames",
                        );
                        if !send(to_speaker, &err).await {
                            speaker_open = false;
                            begin_closing!();
                        }
                    }
                }
            }
            next = from_dg.next() => {
                let msg = match next {
                    None => {
                        break match closing {
                            Some(_) => End::upstream("Deepgram dropped the stream before its final results", "the connection to Deepgram was lost before its final results; the last words may be missing"),
                            None => End::upstream("connection to Deepgram lost", "the connection to Deepgram was lost; reconnect to go on"),
                        }
                    }
                    Some(Err(e)) => {
                        break End::upstream("connection to Deepgram lost", format!("the connection to Deepgram failed: {e}; reconnect to go on"))
                    }
                    Some(Ok(m)) => m,
                };
                awaiting_since = None;
                if let Some(deadline) = closing.as_mut() {
                    *deadline = Instant::now() + cfg.silence_timeout;
                }
                match msg {
                    DgMessage::Text(text) => match serde_json::from_str::<Incoming>(&text) {
                        Ok(Incoming::Results(r)) => {
                            match result(state, req, r, to_speaker, &mut speaker_open).await {
                                Ok(fin) => finals += fin.unwrap_or(false) as u64,
                                Err(end) => break end,
                            }
                        }
                        Ok(Incoming::Metadata(m)) => {
                            tracing::debug!(event = %req.event_id, request_id = ?m.request_id, duration = ?m.duration, "Deepgram metadata");
                            if closing.is_some() {
                                // deepgram.md §3.2: Metadata is the last message after CloseStream.
                                break close_with;
                            }
                        }
                        Ok(Incoming::Other) => {}
                        Err(e) => {
                            // Not Deepgram's protocol (a proxy's page, a broken upstream):
                            // nothing it says can be trusted, and waiting would only keep
                            // the speaker talking into a void.
                            tracing::warn!(event = %req.event_id, "Deepgram message that does not parse ({e}): {}", text.chars().take(200).collect::<String>());
                            break End::upstream(
                                "Deepgram answered something that is not its live protocol",
                                format!("Deepgram answered with a message that is not its live protocol ({e}); check DEEPGRAM_API_URL, then reconnect"),
                            );
                        }
                    },
                    DgMessage::Binary(_) => {
                        break End::upstream(
                            "Deepgram answered something that is not its live protocol",
                            "Deepgram sent a binary frame, which its live protocol never does; check DEEPGRAM_API_URL, then reconnect",
                        );
                    }
                    DgMessage::Close(frame) => {
                        let (code, reason) = frame
                            .map(|f| (u16::from(f.code), f.reason.to_string()))
                            .unwrap_or((1005, String::new()));
                        if closing.is_some() && code == close::NORMAL {
                            break close_with;
                        }
                        let why = describe_deepgram_close(code, &reason);
                        break End::upstream(why.clone(), format!("{why}; the stream is over, reconnect to go on"));
                    }
                    _ => {} // pings are answered by tungstenite
                }
            }
            _ = tick.tick() => {
                let now = Instant::now();
                if let Some(deadline) = closing {
                    if now >= deadline {
                        let secs = cfg.silence_timeout.as_secs_f64();
                        break End::upstream(
                            format!("Deepgram sent no final results within {secs}s of CloseStream"),
                            format!("Deepgram did not finish within {secs}s of CloseStream; the last words may be missing"),
                        );
                    }
                    continue;
                }
                // A pause in the audio is not Deepgram's silence.
                if last_audio.is_none_or(|t| now - t >= cfg.keepalive) {
                    awaiting_since = None;
                }
                if let Some(since) = awaiting_since {
                    if now - since >= cfg.silence_timeout {
                        let secs = cfg.silence_timeout.as_secs_f64();
                        break End::upstream(
                            format!("Deepgram sent nothing for {secs}s while audio flowed; giving up"),
                            format!("Deepgram sent nothing for {secs}s while audio flowed, so the daemon gave up; reconnect to try again"),
                        );
                    }
                }
                if speaker_open && now - last_from_speaker >= speaker_idle {
                    close_with = End::Fail {
                        code: close::POLICY,
                        reason: format!("no audio or KeepAlive for {}s", speaker_idle.as_secs()),
                        detail: format!("no audio or KeepAlive for {}s; send {{\"type\":\"KeepAlive\"}} while paused", speaker_idle.as_secs()),
                    };
                    begin_closing!();
                    continue;
                }
                // deepgram.md §2: KeepAlive every few seconds while no audio flows, or
                // Deepgram closes with NET-0001 after ~10 s.
                if now - last_to_dg >= cfg.keepalive {
                    if to_dg.send(DgMessage::Text(r#"{"type":"KeepAlive"}"#.into())).await.is_err() {
                        break End::upstream("connection to Deepgram lost", "the connection to Deepgram was lost");
                    }
                    last_to_dg = now;
                }
            }
            (code, reason) = slot.kill.killed() => {
                // The speaker's token was reset: nothing more from this socket, at once.
                break End::Fail { code, reason: reason.clone(), detail: reason };
            }
            _ = shutdown.changed(), if !shutdown_seen => {
                shutdown_seen = true;
                close_with = End::Close { code: close::GOING_AWAY, reason: "server shutting down".into() };
                begin_closing!();
            }
        }
    };
    tracing::debug!(event = %req.event_id, speaker = %req.speaker.id, audio_bytes, finals, "relay done");
    // Close Deepgram's side politely (bounded); it may already have closed.
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        let _ = to_dg
            .send(DgMessage::Close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            })))
            .await;
        while let Some(Ok(_)) = from_dg.next().await {}
    })
    .await;
    if speaker_open {
        end
    } else {
        End::SpeakerGone
    }
}

/// Acts on one `Results`: the caption to the speaker and the room, and a final one stored.
/// Returns whether it was a stored final (None when empty), or how the stream ends when
/// the speaker may no longer speak into the room.
async fn result(
    state: &State,
    req: &StreamRequest,
    r: DgResults,
    to_speaker: &mut SplitSink<WebSocket, Message>,
    speaker_open: &mut bool,
) -> Result<Option<bool>, End> {
    let Some(alt) = r.channel.alternatives.into_iter().next() else {
        return Ok(None);
    };
    let text = alt.transcript.trim().to_string();
    // deepgram.md §3.1: empty results are normal (silence); nobody needs them.
    if text.is_empty() {
        return Ok(None);
    }
    still_allowed(state, req).await?;
    if r.is_final {
        let segment = Transcription {
            id: TranscriptId::generate(),
            event_id: req.event_id.clone(),
            speaker_id: req.speaker.id.clone(),
            text: text.clone(),
            confidence: alt.confidence,
            start: r.start,
            duration: r.duration,
            words: alt.words,
            created_at: time::now(),
        };
        // Stored before it is announced, so whoever sees a final can find it in the history.
        if let Err(e) = state.store.add_transcription(&segment).await {
            tracing::warn!(event = %req.event_id, "a final transcript segment was not stored: {e}");
        }
    }
    let caption = ServerMessage::Transcript {
        event_id: req.event_id.clone(),
        speaker_id: req.speaker.id.clone(),
        text,
        is_final: r.is_final,
        start: r.start,
        duration: r.duration,
        confidence: alt.confidence,
    };
    if *speaker_open && !send(to_speaker, &caption).await {
        *speaker_open = false;
    }
    if let Err(e) = state
        .hub
        .broadcast_room(state.store.as_ref(), &req.event_id, &caption)
        .await
    {
        tracing::warn!(event = %req.event_id, "a transcript did not reach the room: {e}");
    }
    Ok(Some(r.is_final))
}

/// What [`authorize`] checked at the upgrade, checked again before each caption: a speaker
/// who has left the room, or whose event has ended, speaks into it no more. A store that
/// cannot answer does not end the stream (it cannot store or broadcast either).
async fn still_allowed(state: &State, req: &StreamRequest) -> Result<(), End> {
    let (event, speaker) = (&req.event_id, &req.speaker.id);
    let ev = match state.store.event(event).await {
        Ok(ev) => ev,
        Err(e) => {
            tracing::warn!(%event, "could not re-check a speaker's event: {e}");
            return Ok(());
        }
    };
    if ev.status == EventStatus::Ended {
        return Err(End::Close {
            code: close::NORMAL,
            reason: format!("event {event} has ended"),
        });
    }
    if ev.creator_id == *speaker {
        return Ok(());
    }
    match state.store.is_participant(event, speaker).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(End::Fail {
            code: close::POLICY,
            reason: format!("you left event {event}"),
            detail: format!(
                "you are no longer in event {event}'s room, so your words no longer reach it; join again (POST /api/events/{event}/join) and reconnect"
            ),
        }),
        Err(e) => {
            tracing::warn!(%event, "could not re-check a speaker's place in the room: {e}");
            Ok(())
        }
    }
}

/// Writes one frame to the speaker; false when the speaker is gone or stopped reading.
async fn send(sink: &mut SplitSink<WebSocket, Message>, msg: &ServerMessage) -> bool {
    let Ok(text) = serde_json::to_string(msg) else {
        return true;
    };
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::text(text))).await,
        Ok(Ok(()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        for ok in ["es", "es-419", "en-US", "multi", "zh-Hant-TW"] {
            assert_eq!(language(ok).unwrap(), ok);
        }
        for bad in ["", "e", "es_ES", "es-", "1a", "es-toolongsubtag", "es&x=1"] {
            assert!(language(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_are_bounded() {
        assert_eq!(
            number("sample_rate", None, 16000, 8000, 48000).unwrap(),
            16000
        );
        assert_eq!(
            number("sample_rate", Some("44100"), 16000, 8000, 48000).unwrap(),
            44100
        );
        assert!(number("sample_rate", Some("96000"), 16000u32, 8000, 48000).is_err());
        assert!(number("channels", Some("0"), 1u8, 1, 2).is_err());
        assert!(number("channels", Some("x"), 1u8, 1, 2).is_err());
    }

    #[test]
    fn deepgram_closes_are_explained() {
        let s = describe_deepgram_close(1008, "DATA-0000");
        assert!(s.contains("1008 DATA-0000") && s.contains("decode"), "{s}");
        let s = describe_deepgram_close(1011, "NET-0001");
        assert!(s.contains("no audio"), "{s}");
        assert!(close_reason(&"é".repeat(100)).len() <= 123);
    }

    #[test]
    fn results_parse_as_documented() {
        let text = r#"{"type":"Results","channel_index":[0,1],"duration":1.98,"start":5.99,"is_final":true,
            "speech_final":true,"from_finalize":false,"channel":{"alternatives":[{"transcript":"Tell me more about this.",
            "confidence":0.99,"words":[{"word":"tell","start":6.07,"end":6.35,"confidence":0.99,"punctuated_word":"Tell"}]}]},
            "metadata":{"request_id":"52cc0efe-fa77-4aa7-b79c-0dda09de2f14","model_info":{"name":"2-general-nova","version":"x","arch":"nova-2"},"model_uuid":"c0d1a568"}}"#;
        match serde_json::from_str::<Incoming>(text).unwrap() {
            Incoming::Results(r) => {
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
            serde_json::from_str::<Incoming>(
                r#"{"type":"UtteranceEnd","channel":[0,1],"last_word_end":2.3}"#
            )
            .unwrap(),
            Incoming::Other
        ));
    }
}
