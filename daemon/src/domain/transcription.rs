//! Live transcription: a speaker's audio relayed to Deepgram, and every result sent back as
//! `transcript` to the speaker and to the event's room, finals stored first.
//!
//! docs/API.md "Live transcription": binary frames are 16-bit little-endian PCM at the
//! stated rate and channels; text frames `{"type":"CloseStream"}` end the stream and
//! `{"type":"KeepAlive"}` keeps it open. A Deepgram failure closes only the speaker's
//! socket, with a reason saying what happened; the room never hears about it. A speaker
//! who leaves the room, whose event ends or whose token is reset speaks into it no more.
//!
//! [`stream`] runs one stream: a single `select!` loop over the speaker's socket,
//! Deepgram's socket, a ticker, the speaker's kill switch and the daemon's shutdown, each
//! handled by one step of a [`Relay`]. Audio is forwarded frame by frame as it arrives and
//! is never queued here: while a frame is being written to Deepgram the loop does not read
//! the speaker, so a slow Deepgram pushes back on the speaker through TCP. The speaker's
//! socket is seen through [`FromSpeaker`] and a `Sink<String>` of JSON text frames, so
//! nothing here speaks HTTP or WebSocket framing.

use std::ops::ControlFlow;
use std::time::Duration;

use citypulse::ids::{EventId, TranscriptId};
use citypulse::json::JsonError;
use citypulse::model::{EventStatus, Transcription, User};
use citypulse::time;
use citypulse::ws::{error_code, ServerMessage};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::Deserialize;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::clients::deepgram::{self, AudioFormat, Control, DeepgramError, Heard, Results};
use crate::config::DeepgramConfig;
use crate::domain::state::State;
use crate::realtime::hub::StreamSlot;

/// Largest audio frame accepted from a speaker (a third of a second at 48 kHz stereo).
pub const MAX_FRAME: usize = citypulse::MAX_BODY_BYTES as usize;
/// Longest wait for one frame to be written to a speaker that has stopped reading.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing socket may take to deliver its last frames and close handshake.
pub const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Close codes (RFC 6455 and the IANA registry).
pub mod close {
    /// A normal end.
    pub const NORMAL: u16 = 1000;
    /// The daemon is stopping.
    pub const GOING_AWAY: u16 = 1001;
    /// The speaker broke a rule (idle, left the room, token reset).
    pub const POLICY: u16 = 1008;
    /// An audio frame over [`super::MAX_FRAME`].
    pub const TOO_BIG: u16 = 1009;
    /// "Internal Error", used when the upstream (Deepgram) failed: the registered 1014
    /// "Bad Gateway" would say it better, but common clients (tungstenite among them)
    /// reject it as a protocol error.
    pub const UPSTREAM: u16 = 1011;
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

/// Why a stream ended, and what the speaker is told.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// Closed cleanly (CloseStream answered, or the daemon stopping): this close frame.
    Close {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// Deepgram failed or the speaker broke a rule: an `error` frame with `detail`, then
    /// this close frame.
    Fail {
        /// Close code.
        code: u16,
        /// Close reason (short).
        reason: String,
        /// The `error` frame's sentence (whole).
        detail: String,
    },
    /// The speaker went away (or stopped reading); nothing more to tell them.
    SpeakerGone,
}

impl From<DeepgramError> for End {
    fn from(e: DeepgramError) -> End {
        End::Fail {
            code: close::UPSTREAM,
            reason: e.reason(),
            detail: e.to_string(),
        }
    }
}

/// One frame (or failure) of the speaker's socket, as the relay needs it.
#[derive(Debug)]
pub enum FromSpeaker {
    /// A binary frame: PCM audio (empty is the deprecated way to say CloseStream).
    Audio(bytes::Bytes),
    /// A text frame: a control message.
    Text(String),
    /// The speaker's close frame.
    Close,
    /// A ping or pong.
    Ping,
    /// A frame over [`MAX_FRAME`].
    TooBig,
    /// The speaker broke the WebSocket protocol (RFC 6455): the stream ends with this
    /// close code (1002, or 1007 for text that is not UTF-8) and reason.
    Violation {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: &'static str,
    },
    /// The socket failed.
    Broken,
}

/// Runs one stream until it ends: opens Deepgram's side, relays, and says how it ended.
/// The caller tells the speaker (the `error` frame and the close frame of an [`End`]).
pub async fn stream<I, O>(
    state: &State,
    req: &StreamRequest,
    slot: &StreamSlot,
    from_speaker: &mut I,
    to_speaker: &mut O,
    shutdown: watch::Receiver<bool>,
) -> End
where
    I: Stream<Item = FromSpeaker> + Unpin,
    O: Sink<String> + Unpin,
{
    tracing::info!(event = %req.event_id, speaker = %req.speaker.id, language = %req.language,
        sample_rate = req.sample_rate, channels = req.channels, "transcription stream opening");
    let format = AudioFormat {
        language: req.language.clone(),
        sample_rate: req.sample_rate,
        channels: req.channels,
    };
    // The speaker's first frames wait in TCP buffers while Deepgram answers: nothing is
    // read (or buffered here) before there is somewhere to send it.
    let end = match deepgram::connect(&state.config.deepgram, &format).await {
        Ok(live) => {
            tracing::debug!(event = %req.event_id, dg_request_id = %live.request_id, "Deepgram stream open");
            relay(state, req, slot, from_speaker, to_speaker, live, shutdown).await
        }
        Err(e) => e.into(),
    };
    match &end {
        End::Fail { code, detail, .. } => {
            tracing::warn!(event = %req.event_id, speaker = %req.speaker.id, code, "transcription stream failed: {detail}")
        }
        other => {
            tracing::info!(event = %req.event_id, speaker = %req.speaker.id, "transcription stream closed: {other:?}")
        }
    }
    end
}

/// The relay loop; returns how the stream ended. Deepgram's socket is closed on return.
async fn relay<I, O>(
    state: &State,
    req: &StreamRequest,
    slot: &StreamSlot,
    from_speaker: &mut I,
    to_speaker: &mut O,
    live: deepgram::Live,
    mut shutdown: watch::Receiver<bool>,
) -> End
where
    I: Stream<Item = FromSpeaker> + Unpin,
    O: Sink<String> + Unpin,
{
    let deepgram::Live {
        sender,
        mut receiver,
        ..
    } = live;
    let cfg = &state.config.deepgram;
    let mut tick = tokio::time::interval(tick_every(cfg));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut shutdown_seen = *shutdown.borrow();
    let mut relay = Relay::new(state, req, to_speaker, sender);

    if shutdown_seen {
        relay.to_dg.abort().await;
        return End::Close {
            code: close::GOING_AWAY,
            reason: citypulse::RESTART_REASON.into(),
        };
    }

    let end = loop {
        let step = tokio::select! {
            next = from_speaker.next(), if relay.reads_speaker() => relay.on_speaker(next).await,
            next = receiver.next() => relay.on_deepgram(next).await,
            _ = tick.tick() => relay.on_tick().await,
            (code, reason) = slot.kill.killed() => {
                // The speaker's token was reset: nothing more from this socket, at once.
                ControlFlow::Break(End::Fail { code, reason: reason.clone(), detail: reason })
            }
            _ = shutdown.changed(), if !shutdown_seen => {
                shutdown_seen = true;
                relay.on_shutdown().await
            }
        };
        if let ControlFlow::Break(end) = step {
            break end;
        }
    };
    tracing::debug!(event = %req.event_id, speaker = %req.speaker.id, audio_bytes = relay.audio_bytes, finals = relay.finals, "relay done");
    let speaker_open = relay.speaker_open;
    deepgram::hang_up(relay.to_dg, receiver, CLOSE_GRACE).await;
    if speaker_open {
        end
    } else {
        End::SpeakerGone
    }
}

/// How often the relay checks its clocks: often enough for the shorter of the keep-alive
/// period and the silence limit.
fn tick_every(cfg: &DeepgramConfig) -> Duration {
    (cfg.keepalive.min(cfg.silence_timeout) / 4)
        .clamp(Duration::from_millis(20), Duration::from_millis(500))
}

/// What the speaker sends as text.
#[derive(Deserialize)]
struct SpeakerControl {
    #[serde(rename = "type")]
    kind: String,
}

/// One stream's relay state; each event of the loop is one of its steps, which says
/// whether the stream goes on or how it ends.
struct Relay<'a, O> {
    state: &'a State,
    req: &'a StreamRequest,
    cfg: &'a DeepgramConfig,
    to_speaker: &'a mut O,
    to_dg: deepgram::Sender,
    /// Closing after this long without a frame from the speaker (CPL_WS_TIMEOUT).
    speaker_idle: Duration,
    last_to_dg: Instant,
    last_from_speaker: Instant,
    last_audio: Option<Instant>,
    /// Set by the first audio frame sent after Deepgram's last message, cleared by its next
    /// message and by a pause in the audio: Deepgram is "silent" only while audio flows.
    awaiting_since: Option<Instant>,
    speaker_open: bool,
    /// Set once our CloseStream went out: until then the speaker is read; after it only
    /// Deepgram is, until its close or this deadline (moved on by each of its messages).
    closing: Option<Instant>,
    /// What to tell the speaker once Deepgram has finished.
    close_with: End,
    audio_bytes: u64,
    finals: u64,
}

type Step = ControlFlow<End>;

impl<'a, O> Relay<'a, O>
where
    O: Sink<String> + Unpin,
{
    fn new(
        state: &'a State,
        req: &'a StreamRequest,
        to_speaker: &'a mut O,
        to_dg: deepgram::Sender,
    ) -> Self {
        let now = Instant::now();
        Relay {
            state,
            req,
            cfg: &state.config.deepgram,
            to_speaker,
            to_dg,
            speaker_idle: state.config.ws_timeout,
            last_to_dg: now,
            last_from_speaker: now,
            last_audio: None,
            awaiting_since: None,
            speaker_open: true,
            closing: None,
            close_with: End::Close {
                code: close::NORMAL,
                reason: "stream closed".into(),
            },
            audio_bytes: 0,
            finals: 0,
        }
    }

    /// The speaker is read until our CloseStream went out.
    fn reads_speaker(&self) -> bool {
        self.speaker_open && self.closing.is_none()
    }

    /// Starts the graceful end: Deepgram flushes, sends its last results and Metadata.
    async fn begin_closing(&mut self) -> Step {
        if self.closing.is_none() {
            if let Err(e) = self.to_dg.control(Control::CloseStream).await {
                return ControlFlow::Break(e.into());
            }
            self.closing = Some(Instant::now() + self.cfg.silence_timeout);
        }
        ControlFlow::Continue(())
    }

    /// The speaker went (or stopped reading): flush what Deepgram still has for the room
    /// and the store, without writing to the speaker again.
    async fn speaker_gone(&mut self) -> Step {
        self.speaker_open = false;
        self.begin_closing().await
    }

    async fn on_speaker(&mut self, next: Option<FromSpeaker>) -> Step {
        let frame = match next {
            None | Some(FromSpeaker::Broken) => return self.speaker_gone().await,
            Some(FromSpeaker::TooBig) => {
                return ControlFlow::Break(End::Fail {
                    code: close::TOO_BIG,
                    reason: format!(
                        "audio frame larger than {} KiB; send smaller chunks",
                        MAX_FRAME / 1024
                    ),
                    detail: format!(
                        "audio frames may be at most {} KiB; send about 100 ms per frame",
                        MAX_FRAME / 1024
                    ),
                })
            }
            // Nothing more can be read from a speaker that broke the protocol; Deepgram's
            // side is dropped as for an over-long frame.
            Some(FromSpeaker::Violation { code, reason }) => {
                return ControlFlow::Break(End::Close {
                    code,
                    reason: reason.into(),
                })
            }
            Some(frame) => frame,
        };
        self.last_from_speaker = Instant::now();
        match frame {
            FromSpeaker::Close => self.speaker_gone().await,
            FromSpeaker::Audio(audio) => self.on_audio(audio).await,
            FromSpeaker::Text(text) => self.on_control(&text).await,
            FromSpeaker::Ping
            | FromSpeaker::TooBig
            | FromSpeaker::Violation { .. }
            | FromSpeaker::Broken => ControlFlow::Continue(()),
        }
    }

    async fn on_audio(&mut self, audio: bytes::Bytes) -> Step {
        if audio.is_empty() {
            // A zero-length binary frame is Deepgram's deprecated CloseStream; never
            // forward one, treat it as ours.
            return self.begin_closing().await;
        }
        self.audio_bytes += audio.len() as u64;
        if let Err(e) = self.to_dg.audio(audio).await {
            return ControlFlow::Break(e.into());
        }
        let now = Instant::now();
        self.last_to_dg = now;
        self.last_audio = Some(now);
        self.awaiting_since.get_or_insert(now);
        ControlFlow::Continue(())
    }

    /// A text frame: CloseStream, or KeepAlive / Finalize forwarded as Deepgram's own;
    /// anything else gets an `error` frame.
    async fn on_control(&mut self, text: &str) -> Step {
        // Strict JSON as on every socket: a repeated key ({"type":"KeepAlive","type":
        // "CloseStream"}) is refused, not read as its last value.
        let control =
            citypulse::json::parse_object::<SpeakerControl>(text.as_bytes(), "a control message");
        let err = match control.map(|c| c.kind) {
            Ok(kind) if kind == "CloseStream" => return self.begin_closing().await,
            Ok(kind) if kind == "KeepAlive" || kind == "Finalize" => {
                let control = if kind == "KeepAlive" {
                    Control::KeepAlive
                } else {
                    Control::Finalize
                };
                if let Err(e) = self.to_dg.control(control).await {
                    return ControlFlow::Break(e.into());
                }
                self.last_to_dg = Instant::now();
                return ControlFlow::Continue(());
            }
            Ok(kind) => ServerMessage::error(
                error_code::UNKNOWN_TYPE,
                format!("unknown control message {:?}; send binary audio, {{\"type\":\"KeepAlive\"}} or {{\"type\":\"CloseStream\"}}", kind.chars().take(40).collect::<String>()),
            ),
            Err(JsonError::Syntax(_)) => ServerMessage::error(
                error_code::INVALID_JSON,
                "text frames must be JSON control messages such as {\"type\":\"CloseStream\"}; audio goes in binary frames",
            ),
            Err(JsonError::Shape(why)) => ServerMessage::error(
                error_code::INVALID_JSON,
                format!("{why}; text frames must be JSON control messages such as {{\"type\":\"CloseStream\"}}"),
            ),
        };
        if !send(self.to_speaker, &err).await {
            return self.speaker_gone().await;
        }
        ControlFlow::Continue(())
    }

    async fn on_deepgram(&mut self, next: Option<Result<Heard, DeepgramError>>) -> Step {
        let heard = match next {
            None if self.closing.is_some() => {
                return ControlFlow::Break(DeepgramError::DroppedBeforeFinal.into())
            }
            None => return ControlFlow::Break(DeepgramError::Dropped.into()),
            Some(Err(e)) => return ControlFlow::Break(e.into()),
            Some(Ok(heard)) => heard,
        };
        self.awaiting_since = None;
        if let Some(deadline) = self.closing.as_mut() {
            *deadline = Instant::now() + self.cfg.silence_timeout;
        }
        match heard {
            Heard::Results(r) => match self.on_results(r).await {
                Ok(fin) => {
                    self.finals += fin.unwrap_or(false) as u64;
                    ControlFlow::Continue(())
                }
                Err(end) => ControlFlow::Break(end),
            },
            Heard::Metadata(m) => {
                tracing::debug!(event = %self.req.event_id, request_id = ?m.request_id, duration = ?m.duration, "Deepgram metadata");
                // After CloseStream, Metadata is Deepgram's last message.
                if self.closing.is_some() {
                    return ControlFlow::Break(self.close_with.clone());
                }
                ControlFlow::Continue(())
            }
            Heard::Closed { code, reason } => {
                if self.closing.is_some() && code == deepgram::NORMAL_CLOSE {
                    return ControlFlow::Break(self.close_with.clone());
                }
                ControlFlow::Break(DeepgramError::Closed { code, reason }.into())
            }
            Heard::Other => ControlFlow::Continue(()),
        }
    }

    /// Acts on one `Results`: the caption to the speaker and the room, and a final one
    /// stored. Returns whether it was a stored final (None when empty), or how the stream
    /// ends when the speaker may no longer speak into the room.
    async fn on_results(&mut self, r: Results) -> Result<Option<bool>, End> {
        let (start, duration, is_final) = (r.start, r.duration, r.is_final);
        let Some(alt) = r.into_best() else {
            return Ok(None);
        };
        let text = alt.transcript.trim().to_string();
        // Empty results are normal (silence); nobody needs them.
        if text.is_empty() {
            return Ok(None);
        }
        let (state, req) = (self.state, self.req);
        still_allowed(state, req).await?;
        if is_final {
            let segment = Transcription {
                id: TranscriptId::generate(),
                event_id: req.event_id.clone(),
                speaker_id: req.speaker.id.clone(),
                text: text.clone(),
                confidence: alt.confidence,
                start,
                duration,
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
            is_final,
            start,
            duration,
            confidence: alt.confidence,
        };
        if self.speaker_open && !send(self.to_speaker, &caption).await {
            self.speaker_open = false;
        }
        if let Err(e) = state
            .hub
            .broadcast_room(state.store.as_ref(), &req.event_id, &caption)
            .await
        {
            tracing::warn!(event = %req.event_id, "a transcript did not reach the room: {e}");
        }
        Ok(Some(is_final))
    }

    /// The clocks: Deepgram's deadline after CloseStream, its silence while audio flows,
    /// the speaker's idleness, and our KeepAlive while no audio flows.
    async fn on_tick(&mut self) -> Step {
        let now = Instant::now();
        if let Some(deadline) = self.closing {
            if now >= deadline {
                return ControlFlow::Break(
                    DeepgramError::Unfinished {
                        limit: self.cfg.silence_timeout,
                    }
                    .into(),
                );
            }
            return ControlFlow::Continue(());
        }
        // A pause in the audio is not Deepgram's silence.
        if self
            .last_audio
            .is_none_or(|t| now - t >= self.cfg.keepalive)
        {
            self.awaiting_since = None;
        }
        if let Some(since) = self.awaiting_since {
            if now - since >= self.cfg.silence_timeout {
                return ControlFlow::Break(
                    DeepgramError::Silent {
                        limit: self.cfg.silence_timeout,
                    }
                    .into(),
                );
            }
        }
        if self.speaker_open && now - self.last_from_speaker >= self.speaker_idle {
            let secs = self.speaker_idle.as_secs();
            self.close_with = End::Fail {
                code: close::POLICY,
                reason: format!("no audio or KeepAlive for {secs}s"),
                detail: format!(
                    "no audio or KeepAlive for {secs}s; send {{\"type\":\"KeepAlive\"}} while paused"
                ),
            };
            return self.begin_closing().await;
        }
        // KeepAlive every few seconds while no audio flows, or Deepgram closes with
        // NET-0001 after about 10 s.
        if now - self.last_to_dg >= self.cfg.keepalive {
            if let Err(e) = self.to_dg.control(Control::KeepAlive).await {
                return ControlFlow::Break(e.into());
            }
            self.last_to_dg = now;
        }
        ControlFlow::Continue(())
    }

    async fn on_shutdown(&mut self) -> Step {
        self.close_with = End::Close {
            code: close::GOING_AWAY,
            reason: citypulse::RESTART_REASON.into(),
        };
        self.begin_closing().await
    }
}

/// What the upgrade checked, checked again before each caption: a speaker who has left
/// the room, or whose event has ended, speaks into it no more. A store that cannot answer
/// does not end the stream (it cannot store or broadcast either).
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
async fn send<O: Sink<String> + Unpin>(sink: &mut O, msg: &ServerMessage) -> bool {
    let Ok(text) = serde_json::to_string(msg) else {
        return true;
    };
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, sink.send(text)).await,
        Ok(Ok(()))
    )
}
