//! WebSocket frames of `/ws/{user_id}`: one enum per direction, tagged by `type`.

use serde::{Deserialize, Serialize};

use crate::api::ClaimResult;
use crate::geo::Coordinates;
use crate::ids::{CollectibleId, EventId, MessageId, UserId};
use crate::json::{self, JsonError};
use crate::model::{ChatMessage, Collectible, NearbyEvent};
use crate::time::Timestamp;

/// A frame from a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Store my position; answered with `nearby_events`.
    LocationUpdate {
        /// `[longitude, latitude]`.
        coordinates: Coordinates,
    },
    /// Enter an event's room; answered by the room's `user_joined`.
    JoinEvent {
        /// The event.
        event_id: EventId,
    },
    /// Leave an event's room.
    LeaveEvent {
        /// The event.
        event_id: EventId,
    },
    /// Say something in a room I am in (1 to 500 characters).
    ChatMessage {
        /// The room.
        event_id: EventId,
        /// The text.
        message: String,
    },
    /// Try to win a collectible; answered with `claim_result`.
    ClaimCollectible {
        /// The collectible.
        collectible_id: CollectibleId,
    },
    /// Answered with `pong`.
    Ping,
}

/// The `type` names a client may send.
pub const CLIENT_TYPES: [&str; 6] = [
    "location_update",
    "join_event",
    "leave_event",
    "chat_message",
    "claim_collectible",
    "ping",
];

/// A text frame from a speaker on `/ws/transcribe/{event_id}` (the audio itself is binary
/// frames of 16-bit little-endian PCM). The names are Deepgram's, which the daemon relays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(tag = "type")]
pub enum TranscribeControl {
    /// Ends the stream: the last results arrive, then a normal close.
    CloseStream,
    /// Keeps the stream open while the speaker sends no audio.
    KeepAlive,
    /// Asks for the captions of the audio sent so far now, as final, without ending the
    /// stream.
    Finalize,
}

/// Codes of `error` frames.
pub mod error_code {
    /// The frame is not JSON, or not an object.
    pub const INVALID_JSON: &str = "invalid_json";
    /// The `type` is missing or not one of [`super::CLIENT_TYPES`].
    pub const UNKNOWN_TYPE: &str = "unknown_type";
    /// The fields of a known type are missing or invalid.
    pub const INVALID_MESSAGE: &str = "invalid_message";
    /// An id names nothing.
    pub const NOT_FOUND: &str = "not_found";
    /// Not allowed (e.g. chatting in a room not joined).
    pub const FORBIDDEN: &str = "forbidden";
    /// The action conflicts with the state (e.g. joining an ended event).
    pub const CONFLICT: &str = "conflict";
    /// Too many frames; the connection is closed next.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// A dependency (the database) is unavailable; try again.
    pub const UNAVAILABLE: &str = "unavailable";
}

/// Why a client frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct DecodeError {
    /// One of [`error_code`].
    pub code: &'static str,
    /// A sentence for the client.
    pub message: String,
}

impl ClientMessage {
    /// Decodes a text frame, telling malformed JSON, unknown types and bad fields apart.
    /// The JSON is read as REST bodies are ([`crate::json`]): a key repeated anywhere is
    /// `invalid_message`, naming the key.
    pub fn decode(text: &str) -> Result<ClientMessage, DecodeError> {
        let value = json::parse_value(text.as_bytes()).map_err(|e| match e {
            JsonError::Syntax(e) => DecodeError {
                code: error_code::INVALID_JSON,
                message: format!(
                    "frame is not valid JSON ({e}); send an object like {{\"type\":\"ping\"}}"
                ),
            },
            JsonError::Shape(e) => DecodeError {
                code: error_code::INVALID_MESSAGE,
                message: e,
            },
        })?;
        let Some(obj) = value.as_object() else {
            return Err(DecodeError {
                code: error_code::INVALID_JSON,
                message: "frame must be a JSON object with a \"type\" field".into(),
            });
        };
        let ty = obj.get("type").and_then(|t| t.as_str()).map(str::to_string);
        match ty.as_deref() {
            Some(t) if CLIENT_TYPES.contains(&t) => {}
            Some(t) => {
                return Err(DecodeError {
                    code: error_code::UNKNOWN_TYPE,
                    message: format!(
                        "unknown message type {:?}; known types: {}",
                        t.chars().take(40).collect::<String>(),
                        CLIENT_TYPES.join(", ")
                    ),
                })
            }
            None => {
                return Err(DecodeError {
                    code: error_code::UNKNOWN_TYPE,
                    message: format!(
                        "frame has no string \"type\" field; known types: {}",
                        CLIENT_TYPES.join(", ")
                    ),
                })
            }
        }
        json::from_value(value).map_err(|e| DecodeError {
            code: error_code::INVALID_MESSAGE,
            message: format!("{}: {e}", ty.unwrap_or_default()),
        })
    }
}

/// Who ended an event (`event_ended.ended_by`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// The event's creator, with their own token.
    #[default]
    Creator,
    /// A moderator, with the daemon's admin token.
    Moderator,
}

/// Who removed a chat message (`message_deleted.deleted_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DeletedBy {
    /// The message's author, with their own token.
    Author,
    /// A moderator, with the daemon's admin token.
    Moderator,
}

/// Most names one `presence` frame lists (`joined` and `left` together); past it the frame
/// says `truncated` and carries the count only, so a frame stays a few KiB however many
/// people arrive at once.
pub const PRESENCE_NAMES_MAX: usize = 100;

/// Someone who came into a big room (`presence.joined`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct PresenceJoin {
    /// Who.
    pub user_id: UserId,
    /// Their name.
    pub name: String,
}

/// A frame from the daemon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Active events near the position just sent, nearest first.
    NearbyEvents {
        /// The events, with distances.
        events: Vec<NearbyEvent>,
        /// When the answer was made.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
        #[serde(serialize_with = "crate::time::serialize")]
        timestamp: Timestamp,
    },
    /// Someone entered the room (the joiner hears it too).
    UserJoined {
        /// The room.
        event_id: EventId,
        /// Who.
        user_id: UserId,
        /// Their name.
        name: String,
    },
    /// Someone left the room.
    UserLeft {
        /// The room.
        event_id: EventId,
        /// Who.
        user_id: UserId,
    },
    /// A big room's comings and goings, gathered: in a room of more than
    /// `CPL_PRESENCE_BATCH_ABOVE` members, the members hear the joins and leaves of each
    /// `CPL_PRESENCE_BATCH_WINDOW` together in one frame instead of one `user_joined` or
    /// `user_left` each (the joiner and the leaver still hear their own at once).
    /// `joined` and `left` never name the same user (the later change wins), so applying
    /// them in either order gives the room as it is; when more changed than
    /// [`PRESENCE_NAMES_MAX`] names, `truncated` is true and the lists are partial: fetch
    /// `GET /api/events/{event_id}/participants` for the names.
    Presence {
        /// The room.
        event_id: EventId,
        /// Who came in during the window (at most [`PRESENCE_NAMES_MAX`] with `left`).
        joined: Vec<PresenceJoin>,
        /// Who went during the window.
        left: Vec<UserId>,
        /// More changed than the lists name; the lists are partial.
        truncated: bool,
        /// How many are in the room now (counted when the frame was made, after every
        /// change it lists).
        participants: u64,
    },
    /// A chat message in the room (the author hears it too).
    ChatMessage(ChatMessage),
    /// A collectible dropped into the room.
    CollectibleDrop {
        /// What dropped.
        collectible: Collectible,
        /// Seconds it stays claimable.
        expires_in: u64,
    },
    /// The outcome of this connection's claim.
    ClaimResult {
        /// Won or not, and why.
        result: ClaimResult,
    },
    /// Someone won a collectible of the room.
    CollectibleClaimed {
        /// What was won.
        collectible_id: CollectibleId,
        /// The room.
        event_id: EventId,
        /// The winner.
        user_id: UserId,
        /// The winner's name.
        name: String,
    },
    /// The event ended; the room is emptied.
    EventEnded {
        /// The event.
        event_id: EventId,
        /// Who ended it: its creator, or a moderator (the admin token). Absent from daemons
        /// older than moderation, when only the creator could end an event: read as
        /// `creator`.
        #[serde(default)]
        ended_by: EndedBy,
    },
    /// A chat message was removed from the room's history (by its author or a moderator);
    /// clients showing it should take it away.
    MessageDeleted {
        /// The room.
        event_id: EventId,
        /// The message removed.
        message_id: MessageId,
        /// Who removed it.
        deleted_by: DeletedBy,
    },
    /// A new event within 5 km of this user's last position.
    EventNearby {
        /// The event, with its distance from the user.
        event: NearbyEvent,
    },
    /// A live caption in the room.
    Transcript {
        /// The room.
        event_id: EventId,
        /// Who is speaking.
        speaker_id: UserId,
        /// The words.
        text: String,
        /// Final (stored) or interim.
        is_final: bool,
        /// Start, seconds from the speaker's stream start.
        start: f64,
        /// Duration, seconds.
        duration: f64,
        /// Confidence 0 to 1.
        confidence: f64,
    },
    /// Something about the last frame was wrong; the connection stays open unless closed next.
    Error {
        /// One of [`error_code`].
        code: String,
        /// A sentence for the client.
        message: String,
    },
    /// The answer to `ping`.
    Pong,
}

impl ServerMessage {
    /// An `error` frame.
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        ServerMessage::Error {
            code: code.to_string(),
            message: message.into(),
        }
    }

    /// The `type` string of this frame.
    pub fn type_name(&self) -> &'static str {
        match self {
            ServerMessage::NearbyEvents { .. } => "nearby_events",
            ServerMessage::UserJoined { .. } => "user_joined",
            ServerMessage::UserLeft { .. } => "user_left",
            ServerMessage::Presence { .. } => "presence",
            ServerMessage::ChatMessage(_) => "chat_message",
            ServerMessage::CollectibleDrop { .. } => "collectible_drop",
            ServerMessage::ClaimResult { .. } => "claim_result",
            ServerMessage::CollectibleClaimed { .. } => "collectible_claimed",
            ServerMessage::EventEnded { .. } => "event_ended",
            ServerMessage::MessageDeleted { .. } => "message_deleted",
            ServerMessage::EventNearby { .. } => "event_nearby",
            ServerMessage::Transcript { .. } => "transcript",
            ServerMessage::Error { .. } => "error",
            ServerMessage::Pong => "pong",
        }
    }
}

/// A `nearby_events` frame written in place around an events array that is already JSON
/// (the embedded store writes it straight from its index into [`NearbyEventsFrame::events`]):
/// byte for byte what serialising [`ServerMessage::NearbyEvents`] with those events writes.
pub struct NearbyEventsFrame {
    frame: Vec<u8>,
}

impl NearbyEventsFrame {
    /// A frame with room for `events_capacity` bytes of events.
    pub fn with_capacity(events_capacity: usize) -> Self {
        const START: &[u8] = b"{\"type\":\"nearby_events\",\"events\":";
        let mut frame = Vec::with_capacity(START.len() + events_capacity + 40);
        frame.extend_from_slice(START);
        NearbyEventsFrame { frame }
    }

    /// Where the events array goes: append it, and nothing else.
    pub fn events(&mut self) -> &mut Vec<u8> {
        &mut self.frame
    }

    /// The whole frame, with the time of the answer.
    pub fn finish(self, timestamp: &Timestamp) -> String {
        let mut frame = self.frame;
        frame.extend_from_slice(b",\"timestamp\":");
        let mut ser = serde_json::Serializer::new(&mut frame);
        // Writing a timestamp into a Vec cannot fail.
        let _ = crate::time::serialize(timestamp, &mut ser);
        frame.push(b'}');
        // Valid UTF-8 whenever the events are; lossy only for a writer that broke that.
        match String::from_utf8(frame) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nearby_events_frame_around_written_events_is_the_enums_own() {
        let event: crate::model::Event = serde_json::from_value(serde_json::json!({
            "id": "0123456789abcdef01234567", "title": "Feria \"del\" libro",
            "description": null, "category": "cultura",
            "creator_id": "76543210fedcba9876543210",
            "location": {"type": "Point", "coordinates": [-74.0721, 4.711]},
            "address": null, "status": "active",
            "room": {"daily_room_name": null, "daily_room_url": null, "current_participants": 3},
            "room_url": null, "starts_at": null, "ends_at": null,
            "created_at": "2026-11-25T14:03:00.000Z", "ended_at": null
        }))
        .unwrap();
        let at = crate::time::now();
        for events in [
            vec![],
            vec![NearbyEvent {
                event,
                distance_m: 12.5,
            }],
        ] {
            let theirs = serde_json::to_string(&ServerMessage::NearbyEvents {
                events: events.clone(),
                timestamp: at,
            })
            .unwrap();
            let mut frame = NearbyEventsFrame::with_capacity(16);
            serde_json::to_writer(frame.events(), &events).unwrap();
            let mine = frame.finish(&at);
            assert_eq!(mine, theirs);
        }
    }

    #[test]
    fn decode_tells_errors_apart() {
        assert_eq!(
            ClientMessage::decode("{\"type\":\"ping\"}").unwrap(),
            ClientMessage::Ping
        );
        assert_eq!(
            ClientMessage::decode("nope").unwrap_err().code,
            error_code::INVALID_JSON
        );
        assert_eq!(
            ClientMessage::decode("[1]").unwrap_err().code,
            error_code::INVALID_JSON
        );
        assert_eq!(
            ClientMessage::decode("{\"type\":\"dance\"}")
                .unwrap_err()
                .code,
            error_code::UNKNOWN_TYPE
        );
        assert_eq!(
            ClientMessage::decode("{}").unwrap_err().code,
            error_code::UNKNOWN_TYPE
        );
        let e =
            ClientMessage::decode("{\"type\":\"location_update\",\"coordinates\":[4.7,-104.1]}")
                .unwrap_err();
        assert_eq!(e.code, error_code::INVALID_MESSAGE);
        assert!(e.message.contains("[longitude, latitude]"), "{}", e.message);
        let e = ClientMessage::decode(
            r#"{"type":"chat_message","event_id":"6745a1b2c3d4e5f601234567","message":"a","message":"b"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, error_code::INVALID_MESSAGE);
        assert!(
            e.message.contains("\"message\" appears twice"),
            "{}",
            e.message
        );
        let e = ClientMessage::decode(r#"{"type":"ping","type":"chat_message"}"#).unwrap_err();
        assert_eq!(e.code, error_code::INVALID_MESSAGE);
        let e = ClientMessage::decode(r#"{"type":"chat_message","event_id":[],"message":"a"}"#)
            .unwrap_err();
        assert!(!e.message.contains("EventId"), "{}", e.message);
    }

    #[test]
    fn server_frames_carry_their_type() {
        let json = serde_json::to_value(ServerMessage::Pong).unwrap();
        assert_eq!(json, serde_json::json!({"type": "pong"}));
        let e = ServerMessage::error("not_found", "no such event");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], "error");
        assert_eq!(json["code"], "not_found");
        let back: ServerMessage = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn moderation_frames_name_who_acted() {
        let event_id: EventId = "6745a1b2c3d4e5f601234567".parse().unwrap();
        let message_id: MessageId = "6745a1b2c3d4e5f601234568".parse().unwrap();
        let ended = ServerMessage::EventEnded {
            event_id: event_id.clone(),
            ended_by: EndedBy::Moderator,
        };
        assert_eq!(
            serde_json::to_value(&ended).unwrap(),
            serde_json::json!({"type": "event_ended", "event_id": event_id.as_str(), "ended_by": "moderator"})
        );
        // A daemon from before moderation sends no `ended_by`: only creators ended events.
        let old: ServerMessage = serde_json::from_value(
            serde_json::json!({"type": "event_ended", "event_id": event_id.as_str()}),
        )
        .unwrap();
        assert_eq!(
            old,
            ServerMessage::EventEnded {
                event_id: event_id.clone(),
                ended_by: EndedBy::Creator
            }
        );
        let deleted = ServerMessage::MessageDeleted {
            event_id: event_id.clone(),
            message_id: message_id.clone(),
            deleted_by: DeletedBy::Author,
        };
        let json = serde_json::to_value(&deleted).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "message_deleted", "event_id": event_id.as_str(), "message_id": message_id.as_str(), "deleted_by": "author"})
        );
        assert_eq!(deleted.type_name(), json["type"]);
    }
}
