//! `/ws/transcribe/{event_id}`: the route, the checks before the upgrade, and the speaker's
//! socket; the stream itself is [`crate::domain::transcription`], and Deepgram's protocol
//! [`crate::clients::deepgram`].
//!
//! API.md "Live transcription": only the event's participants (and its creator) may open
//! it. The daemon alone holds the Deepgram key. Everything is refused before the upgrade with
//! the REST statuses (401, 403, 404, 409, 422, and 503 when no key is configured); once
//! upgraded, how the stream ended reaches the speaker as an `error` frame (when it failed)
//! and a close frame with a reason.

use super::upgrade::{
    close_with, read_error, text_of, Message, ReadError, Socket, SocketError, Upgrade,
};
use citypulse::ids::EventId;
use citypulse::model::EventStatus;
use citypulse::ws::{error_code, ServerMessage};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::watch;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Reply};

use crate::domain::state::State;
use crate::domain::transcription::{self, FromSpeaker, StreamRequest, CLOSE_GRACE, MAX_FRAME};
use crate::http::auth::{self, Caller};
use crate::http::error::ApiError;
use crate::http::input;
use crate::realtime::hub::StreamSlot;

/// Accepted `sample_rate` values (Hz).
pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8000..=48000;
/// Accepted `channels` values.
pub const CHANNELS: std::ops::RangeInclusive<u8> = 1..=2;

/// The transcription route.
pub fn routes(state: State, shutdown: watch::Receiver<bool>) -> BoxedFilter<(Response,)> {
    warp::path!("ws" / "transcribe" / String)
        .and(super::upgrade::websocket())
        .and(input::raw_query())
        .and(auth::presented(state.clone()))
        .then(
            move |event: String, ws: Upgrade, query: String, presented: auth::Presented| {
                let state = state.clone();
                let shutdown = shutdown.clone();
                async move {
                    let opened = open(&state, &event, &query, &presented).await;
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
    presented: &auth::Presented,
) -> Result<(StreamSlot, StreamRequest), ApiError> {
    let stream = authorize(state, event, query, presented).await?;
    let slot = reserve(state, &stream)?;
    state.hub.bind_session(&stream.token_hash, &slot.kill);
    if !auth::still_holds(state, &stream.speaker.id, &stream.token_hash).await? {
        return Err(auth::invalid_token());
    }
    Ok((slot, stream))
}

/// The stream's query. Unknown parameters are refused (422), not ignored: a misspelt
/// `samplerate=8000` would otherwise be transcribed at 16000 Hz, as noise.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
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
    presented: &auth::Presented,
) -> Result<StreamRequest, ApiError> {
    let q: TranscribeQuery = input::parse_query(query)?;
    let caller = auth::identify(state, presented, q.token.as_deref()).await?;
    let token = presented.token(q.token.as_deref())?;
    let speaker = match caller {
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
        // `identify` accepted the token, so there is one.
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

/// The upgraded socket: the domain runs the stream over its two halves, then the speaker
/// is told how it ended. The slot is given back when this returns.
async fn session(
    state: State,
    req: StreamRequest,
    slot: StreamSlot,
    socket: Socket,
    shutdown: watch::Receiver<bool>,
) {
    let (mut to_speaker, mut from_speaker) = socket.split();
    let end = {
        let mut frames = (&mut from_speaker).map(from_speaker_frame);
        let mut texts = (&mut to_speaker).with(|text: String| {
            futures_util::future::ready(Ok::<_, SocketError>(Message::text(text)))
        });
        transcription::stream(&state, &req, &slot, &mut frames, &mut texts, shutdown).await
    };
    finish_speaker(to_speaker, from_speaker, end).await;
}

/// What the relay needs to know of one of the speaker's frames: a failed read as
/// [`read_error`] classifies it.
fn from_speaker_frame(next: Result<Message, SocketError>) -> FromSpeaker {
    let msg = match next {
        Ok(m) => m,
        Err(e) => {
            return match read_error(&e) {
                ReadError::Violation { code, reason } => FromSpeaker::Violation { code, reason },
                ReadError::TooBig => FromSpeaker::TooBig,
                ReadError::Gone => FromSpeaker::Broken,
            }
        }
    };
    if msg.is_close() {
        FromSpeaker::Close
    } else if msg.is_binary() {
        FromSpeaker::Audio(msg.into_data())
    } else if let Some(text) = text_of(&msg) {
        FromSpeaker::Text(text.to_string())
    } else {
        FromSpeaker::Ping
    }
}

/// Sends the speaker the last frames (the error, the close) and completes the closing
/// handshake, bounded: a speaker that never answers is dropped.
async fn finish_speaker(
    mut sink: SplitSink<Socket, Message>,
    mut stream: SplitStream<Socket>,
    end: transcription::End,
) {
    let (code, reason, detail) = match end {
        transcription::End::SpeakerGone => return,
        transcription::End::Close { code, reason } => (code, reason, None),
        transcription::End::Fail {
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
        let _ = sink.send(close_with(code, close_reason(&reason))).await;
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
    fn close_reasons_fit_a_close_frame() {
        assert!(close_reason(&"é".repeat(100)).len() <= 123);
    }
}
