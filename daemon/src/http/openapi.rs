//! The OpenAPI 3.1 document of every REST call, derived from the code.
//!
//! Every operation is the `#[utoipa::path]` on its handler (`users.rs`, `events.rs`,
//! `collectibles.rs`, `ops.rs`): parameters with the ranges the handlers enforce, every
//! status a handler can answer. Every schema is `utoipa::ToSchema` on the contract type
//! itself (`citypulse::model`, `citypulse::api`, feature `openapi`), so it is what serde
//! writes. What OpenAPI cannot express is added here by hand: the WebSocket endpoints
//! (`x-websocket`), the overview, the tags and the two bearer schemes.
//!
//! The route table (`routes.rs`) builds every REST route from these same path items, and
//! the `Allow` header of a 405 ([`allowed_methods`]) reads the paths of this document, so
//! what is served, what is documented and what a 405 names cannot drift apart; the tests
//! in `routes.rs` hold the route table to the document. `tests/tests/openapi.rs` checks
//! real answers against the schemas and `docs/API.md` against the paths.

use std::sync::OnceLock;

use serde_json::{json, Value};
use utoipa::OpenApi;

use super::{collectibles, events, ops, signin, users};

pub use citypulse::openapi::ID_PATTERN;

/// Every documented operation; the route table serves exactly these.
#[derive(OpenApi)]
#[openapi(paths(
    users::register,
    users::me,
    users::list,
    users::get,
    users::collectibles,
    users::reset_token,
    signin::code,
    signin::verify,
    signin::logout,
    signin::sessions,
    signin::revoke_session,
    users::erase,
    events::create,
    events::list,
    events::nearby,
    events::get,
    events::join,
    events::leave,
    events::end,
    events::participants,
    events::messages,
    events::delete_message,
    events::transcriptions,
    events::drop_collectible,
    collectibles::claim,
    collectibles::active,
    ops::health,
    ops::health_live,
    ops::health_ready,
    ops::metrics,
    ops::openapi_json,
    ops::asyncapi_json,
    ops::docs,
    ops::docs_file,
    ops::redoc,
))]
struct ApiDoc;

// Response descriptions shared by several operations.
pub(super) const E400_BODY: &str =
    "The body is empty or not JSON, or a header is malformed (e.g. a non-numeric Content-Length).";
pub(super) const E400_HEADER: &str =
    "A header is malformed (e.g. an Authorization value that is not visible ASCII).";
pub(super) const E401: &str = "No `Authorization: Bearer <token>`, a header that is not `Bearer <token>`, or a token nobody holds.";
pub(super) const E401_OPTIONAL: &str = "A token was sent but is not valid (sending none is fine), or the Authorization header is not `Bearer <token>`.";
pub(super) const E403_ADMIN_AS_USER: &str =
    "The admin token was sent; it does not belong to a user.";
pub(super) const E403_ADMIN: &str = "Not the admin token (a user's token), or admin calls are disabled because CPL_ADMIN_TOKEN is not set (the sentence says how to enable them).";
pub(super) const E413: &str = "The body is larger than 64 KiB.";
pub(super) const E429: &str = "Too many writes from this address (more than CPL_RATE_LIMIT per second after a burst of 5 seconds' worth). Retry after the `Retry-After` seconds.";
pub(super) const E429_AUTH: &str = "Too many failed authentications from this address (more than CPL_AUTH_FAILURES_PER_MINUTE a minute, default 30): until its budget refills, every token it sends is refused, the right one too. Retry after the `Retry-After` seconds.";
pub(super) const E429_WRITE_OR_AUTH: &str = "Too many writes from this address (more than CPL_RATE_LIMIT per second after a burst of 5 seconds' worth), or too many failed authentications from it (more than CPL_AUTH_FAILURES_PER_MINUTE a minute; every token it sends is refused until its budget refills). Retry after the `Retry-After` seconds.";
pub(super) const E429_LOOKUP: &str = "Too many profile lookups from this address (more than CPL_LOOKUPS_PER_MINUTE a minute after a burst of as many, default 120). Retry after the `Retry-After` seconds.";
pub(super) const E429_LOOKUP_OR_AUTH: &str = "Too many profile lookups from this address (more than CPL_LOOKUPS_PER_MINUTE a minute after a burst of as many, default 120), or too many failed authentications from it (more than CPL_AUTH_FAILURES_PER_MINUTE a minute). Retry after the `Retry-After` seconds.";
pub(super) const E503: &str = "The database is unreachable (the sentence says so).";
pub(super) const E502_SMS: &str = "Twilio Verify failed (5xx on every try) or answered something unexpected; the sentence says which. Nothing was created.";
pub(super) const E503_SMS: &str = "Sign-in by SMS is not configured (the sentence names TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_VERIFY_SERVICE_SID), Twilio could not be reached or did not answer in time, its settings are wrong, or the database is unreachable.";

// Small JSON Schema pieces of the hand-written WebSocket section.

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn id(kind: &str) -> Value {
    json!({
        "type": "string",
        "pattern": ID_PATTERN,
        "description": format!("{kind} id: 24 hexadecimal digits"),
        "examples": ["6745a1b2c3d4e5f601234567"]
    })
}

fn timestamp(desc: &str) -> Value {
    json!({
        "type": "string",
        "format": "date-time",
        "description": format!("{desc} (RFC 3339, UTC, `Z`, three fractional digits)"),
        "examples": ["2026-11-25T14:03:00.000Z"]
    })
}

fn list_of(name: &str) -> Value {
    json!({ "type": "array", "items": schema_ref(name) })
}

const DESCRIPTION: &str = "\
The REST and WebSocket API of CityPulse Live (`cpld`), the live civic-events backend. \
It keeps every path, field and message of the original FastAPI backend and adds authentication.

**Conventions.** JSON, UTF-8. Timestamps are RFC 3339 UTC with `Z` and always three \
fractional digits (`2026-11-25T14:03:00.000Z`). Ids are 24 hexadecimal \
digits: a malformed id is a 422, a well-formed unknown id a 404. Coordinates are \
`[longitude, latitude]`. Distances are metres. Bodies over 64 KiB are refused with 413. \
`HEAD` is answered wherever `GET` is (RFC 9110), with the GET's status and headers and no \
body; it is not listed as an operation of its own. Answers that carry a token \
(registration, token reset, join) are `Cache-Control: no-store`. A CORS request from an \
origin not in `CORS_ORIGINS` (WebSocket upgrades included) is a 403 `{\"detail\"}`.

**Errors** are `{\"detail\": \"<sentence>\"}`: 400 malformed JSON or header, 401 missing or invalid \
token, 403 not allowed, 404 unknown id or route, 405 wrong method for a path, 409 conflict, \
413 body too large, 422 validation, 429 rate limited (`Retry-After`), 502 Daily.co or Twilio failed, \
503 database unavailable (or, for transcription and sign-in by SMS, not configured).

**Authentication.** `POST /api/users/register` (or sign-in by SMS code: `POST /api/auth/code`, \
then `POST /api/auth/verify`) returns a bearer token; send it as `Authorization: Bearer <token>`. \
A user has one token per device (a session), listed and revoked under `/api/users/me/sessions`. Admin calls (user listing, manual drops, resetting anyone's \
token) take the daemon's `CPL_ADMIN_TOKEN` the same way; without one configured they answer 403. \
The admin token is also the moderator's: it ends any event and removes any chat message, and \
the room is told a moderator did (`event_ended.ended_by`, `message_deleted.deleted_by`). \
The original's `creator_id` / `user_id` query parameters are still accepted and must name the \
token's user. A request sends one `Authorization` header at most (two: 400); a token that \
is sent is never ignored.

**Rate limit.** Registration, token reset, event creation and claims are limited per client \
address to `CPL_RATE_LIMIT` per second (default 20, bursts of 5 seconds' worth; 0 turns it off); \
past it, 429 with `Retry-After`. The same rate bounds frames per WebSocket and chat messages \
per user. Failed authentications (a wrong, malformed or conflicting token) are limited per \
client address to `CPL_AUTH_FAILURES_PER_MINUTE` a minute (default 30): past it, every token \
the address sends, a right one too, is a 429 until the budget refills. Profile lookups by id \
(`GET /api/users/{user_id}` and its `/collectibles`) are limited per client address to \
`CPL_LOOKUPS_PER_MINUTE` a minute (default 120).

**WebSockets** (not modelled as operations; see `x-websocket`, and the AsyncAPI 3.0 document `/asyncapi.json`): `/ws/{user_id}?token=` carries \
JSON frames tagged by `type` (location updates, rooms, chat, claims, drops, captions); \
`/ws/transcribe/{event_id}?token=` streams PCM audio to Deepgram and captions back.";

pub(super) fn websocket_doc() -> Value {
    json!({
        "/ws/{user_id}": {
            "description": "The real-time channel of one user. Authenticate with `?token=<token>` (browsers cannot set headers) or `Authorization: Bearer <token>` before the upgrade, checked in this order: 400 a Sec-WebSocket-Key that is not the base64 of 16 bytes, 422 a malformed query string (`token` is its only parameter), 401 missing or invalid token, 422 a path id that is not an id, 403 another user's id or the admin token. Every frame is a JSON text object with a `type`. A malformed or unknown frame gets an `error` frame and the connection stays open. Room broadcasts reach every member, the sender included. The daemon holds the socket before it answers 101, so whatever is sent to the user after the client has the 101 (a `user_joined` for a REST join made the moment the socket opened) reaches it. A user is in a room from `join_event` (or REST join) until they leave, the event ends, or their last connection closes or times out. Frames arrive in the order the daemon queued them, except that a `nearby_events` answer replaces an unsent older one and takes its place.",
            "query": {
                "token": "The user's bearer token."
            },
            "client_messages": {
                "location_update": { "example": { "type": "location_update", "coordinates": [-74.0721, 4.711] }, "description": "Stores the user's location; answered with `nearby_events` (5 km, 20 events); a newer answer replaces one not yet sent." },
                "join_event": { "example": { "type": "join_event", "event_id": "6745a1b2c3d4e5f601234567" }, "description": "Enter the room; answered by the room's `user_joined` (the joiner hears it too; in a room of more than CPL_PRESENCE_BATCH_ABOVE members the joiner hears its own at once and the others hear it in the room's next `presence`). Joining twice announces nothing." },
                "leave_event": { "example": { "type": "leave_event", "event_id": "6745a1b2c3d4e5f601234567" }, "description": "Leave the room; the room and the leaver hear `user_left` (a room of more than CPL_PRESENCE_BATCH_ABOVE members hears it in its next `presence`). Leaving a room one is not in does nothing." },
                "chat_message": { "example": { "type": "chat_message", "event_id": "6745a1b2c3d4e5f601234567", "message": "Hola!" }, "description": "1 to 500 characters; participants of an active event only. Stored, and sent to the room (the author included)." },
                "claim_collectible": { "example": { "type": "claim_collectible", "collectible_id": "6745a1b2c3d4e5f601234567" }, "description": "Answered with `claim_result`; the room hears `collectible_claimed` on a win." },
                "ping": { "example": { "type": "ping" }, "description": "Answered with `pong`." }
            },
            "server_messages": {
                "nearby_events": { "fields": { "events": list_of("NearbyEvent"), "timestamp": timestamp("When the answer was made") } },
                "user_joined": { "fields": { "event_id": id("event"), "user_id": id("user"), "name": { "type": "string" } }, "description": "To the room." },
                "user_left": { "fields": { "event_id": id("event"), "user_id": id("user") }, "description": "To the room and the leaver." },
                "presence": { "fields": { "event_id": id("event"), "joined": { "type": "array", "items": { "type": "object", "properties": { "user_id": id("user"), "name": { "type": "string" } } } }, "left": { "type": "array", "items": id("user") }, "truncated": { "type": "boolean" }, "participants": { "type": "integer" } }, "description": "To a room of more than CPL_PRESENCE_BATCH_ABOVE members, instead of `user_joined`/`user_left` to everyone: the joins and leaves of one CPL_PRESENCE_BATCH_WINDOW (default 250 ms) together, at most one frame per room per window. `joined` and `left` never name the same user (apply both in any order); `participants` is the room's size after them. At most 100 names in all: past that `truncated` is true and the lists are partial; fetch GET /api/events/{event_id}/participants. The joiner and the leaver still get their own `user_joined`/`user_left` at once." },
                "chat_message": { "fields": schema_ref("ChatMessage"), "description": "To the room; the fields of ChatMessage next to `type`." },
                "collectible_drop": { "fields": { "collectible": schema_ref("Collectible"), "expires_in": { "type": "integer", "description": "Seconds claimable." } }, "description": "To the room." },
                "claim_result": { "fields": { "result": schema_ref("ClaimResult") }, "description": "To the claimer." },
                "collectible_claimed": { "fields": { "collectible_id": id("collectible"), "event_id": id("event"), "user_id": id("user"), "name": { "type": "string" } }, "description": "To the room." },
                "event_ended": { "fields": { "event_id": id("event"), "ended_by": { "type": "string", "enum": ["creator", "moderator"], "description": "Who ended it: its creator (their token) or a moderator (the admin token)." } }, "description": "To everyone who was in the room." },
                "message_deleted": { "fields": { "event_id": id("event"), "message_id": id("message"), "deleted_by": { "type": "string", "enum": ["author", "moderator"], "description": "Who removed it: its author (their token) or a moderator (the admin token)." } }, "description": "To the room: a chat message was removed from the history (DELETE /api/events/{event_id}/messages/{message_id}); take it away." },
                "event_nearby": { "fields": { "event": schema_ref("NearbyEvent") }, "description": "To connected users whose last location is within 5 km of a newly created event." },
                "transcript": { "fields": { "event_id": id("event"), "speaker_id": id("user"), "text": { "type": "string" }, "is_final": { "type": "boolean" }, "start": { "type": "number" }, "duration": { "type": "number" }, "confidence": { "type": "number" } }, "description": "Live captions, interim and final, to the room." },
                "error": { "fields": { "code": { "type": "string", "enum": ["invalid_json", "unknown_type", "invalid_message", "not_found", "forbidden", "conflict", "rate_limited", "unavailable"] }, "message": { "type": "string" } } },
                "pong": { "fields": {} }
            },
            "error_codes": {
                "invalid_json": "The frame is not JSON, not an object, or a binary frame.",
                "unknown_type": "`type` missing or not one of the client message types.",
                "invalid_message": "A known type with missing or invalid fields (e.g. coordinates out of range, an empty chat message, one of only invisible characters or with bidirectional controls), or a JSON key given twice anywhere in the frame.",
                "not_found": "An id names nothing.",
                "forbidden": "Not allowed (chatting in or claiming from a room one is not in).",
                "conflict": "Conflicts with the state (joining or chatting in an ended event).",
                "rate_limited": "More than CPL_RATE_LIMIT frames per second on this connection: the connection is closed next (1008); or more than CPL_RATE_LIMIT chat messages per second from this user's connections together: that message was not sent, the connection stays open.",
                "unavailable": "The database is unavailable; try again."
            },
            "close_codes": {
                "1000": "Normal close.",
                "1001": "Reconnect: the daemon is restarting (reason `server restarting; reconnect`; another daemon behind the same address, or this one once back, takes the connection), or no frame or pong for CPL_WS_TIMEOUT seconds.",
                "1008": "Rate limit exceeded, too many sockets for this user (CPL_MAX_CONNECTIONS_PER_USER, room sockets and transcription streams together), a client too slow to read its queue (more than CPL_WS_QUEUE frames, or a frame that would take it past CPL_WS_QUEUE_BYTES or the user's sockets together past CPL_WS_USER_QUEUE_BYTES; the reason says which), or the user's token was reset, or the socket's session was signed out.",
                "1009": "A frame larger than 64 KiB.",
                "1002": "The client broke the WebSocket protocol (RFC 6455): an unmasked frame, RSV bits set, a control frame over 125 bytes or fragmented, an orphan continuation frame, an unknown opcode, a close code no endpoint may send; the reason says which.",
                "1007": "A text frame or close reason that is not valid UTF-8."
            }
        },
        "/ws/transcribe/{event_id}": {
            "description": "Live transcription into an event's room. Only the event's participants may open it (its creator always may). Binary frames are 16-bit little-endian PCM at `sample_rate` with `channels`; the text frame `{\"type\":\"CloseStream\"}` ends the stream and `{\"type\":\"KeepAlive\"}` keeps it open while no audio is sent. The daemon relays the audio to Deepgram with the key only it holds, stores every final segment (GET /api/events/{event_id}/transcriptions), and sends every result, interim and final, back on this socket and to the room as `transcript`. The upgrade is refused with the REST error body, checked in this order: 400 a Sec-WebSocket-Key that is not the base64 of 16 bytes, 422 a malformed query string or an unknown parameter, 401 no or invalid token (403 the admin token), 422 a malformed event id or query parameter, 503 no DEEPGRAM_API_KEY configured, 404 unknown event, 409 ended event, 403 neither a participant nor the creator, 409 the user already has CPL_MAX_CONNECTIONS_PER_USER sockets open (room sockets and transcription streams together). Checked again before each caption: a speaker who left the room is closed with 1008, an ended event closes the stream with 1000.",
            "query": {
                "token": "The speaker's bearer token (or `Authorization: Bearer <token>`).",
                "language": "Deepgram language tag such as `es`, `es-419`, `en-US`, `multi` (default CPL_DEEPGRAM_LANGUAGE, `es`).",
                "sample_rate": "Hz of the PCM, 8000 to 48000 (default 16000).",
                "channels": "Interleaved channels, 1 or 2 (default 1)."
            },
            "client_messages": {
                "audio": { "description": "Binary frame: 16-bit little-endian PCM." },
                "CloseStream": { "example": { "type": "CloseStream" }, "description": "Ends the stream; the last results arrive, then a normal close." },
                "KeepAlive": { "example": { "type": "KeepAlive" }, "description": "Keeps the stream open while the speaker is silent." },
                "Finalize": { "example": { "type": "Finalize" }, "description": "The captions of the audio sent so far arrive now, as final; the stream stays open." }
            },
            "server_messages": {
                "transcript": { "fields": { "event_id": id("event"), "speaker_id": id("user"), "text": { "type": "string" }, "is_final": { "type": "boolean" }, "start": { "type": "number" }, "duration": { "type": "number" }, "confidence": { "type": "number" } }, "description": "Every result, interim and final; also sent to the room." },
                "error": { "fields": { "code": { "type": "string" }, "message": { "type": "string" } }, "description": "A text frame that is not JSON (`invalid_json`) or not a known control message (`unknown_type`); the stream stays open. Also sent, with code `unavailable` and the details, before a close for a failure." }
            },
            "close_codes": {
                "1000": "The stream was closed (CloseStream answered), or the event has ended.",
                "1001": "Reconnect: the daemon is restarting (reason `server restarting; reconnect`).",
                "1008": "No audio or KeepAlive for too long, the speaker left the event's room, or the speaker's token was reset or its session signed out.",
                "1009": "An audio frame too large; send smaller chunks.",
                "1002": "The speaker broke the WebSocket protocol (RFC 6455); the reason says how.",
                "1007": "A text frame that is not valid UTF-8.",
                "1011": "Deepgram failed or refused the stream, could not be reached, or answered something that is not its live protocol (the reason says why; an `error` frame with code `unavailable` comes first)."
            }
        }
    })
}

/// The WebSocket endpoints (documented under `x-websocket`); they take only `GET`.
const WEBSOCKET_PATHS: [&str; 2] = ["/ws/{user_id}", "/ws/transcribe/{event_id}"];

/// The HTTP methods an OpenAPI path item may hold.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// Every documented operation, as (lower-case method, path template).
pub fn operations() -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(paths) = document()["paths"].as_object() {
        for (path, item) in paths {
            for method in METHODS {
                if item.get(method).is_some() {
                    out.push((method.to_string(), path.clone()));
                }
            }
        }
    }
    out
}

/// The methods a request path takes, upper-case and sorted, for the `Allow` header of a
/// 405 (RFC 9110 requires it): those of the documented operations whose path matches,
/// literal paths (`/api/users/me`) before templated ones (`/api/users/{user_id}`), and
/// `HEAD` wherever a REST `GET` is (the route table answers it; a WebSocket endpoint takes
/// `GET` alone). Empty when no documented path matches.
pub fn allowed_methods(path: &str) -> Vec<String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let matches = |template: &str, literal_only: bool| {
        let t: Vec<&str> = template.split('/').collect();
        t.len() == segments.len()
            && t.iter().zip(&segments).all(|(t, s)| {
                if t.starts_with('{') && t.ends_with('}') {
                    !literal_only && !s.is_empty()
                } else {
                    t == s
                }
            })
    };
    let known: Vec<(String, String)> = operations()
        .into_iter()
        .flat_map(|(m, p)| {
            let head = (m == "get").then(|| ("head".to_string(), p.clone()));
            std::iter::once((m, p)).chain(head)
        })
        .chain(
            WEBSOCKET_PATHS
                .iter()
                .map(|p| ("get".to_string(), p.to_string())),
        )
        .collect();
    for literal_only in [true, false] {
        let mut methods: Vec<String> = known
            .iter()
            .filter(|(_, p)| matches(p, literal_only))
            .map(|(m, _)| m.to_ascii_uppercase())
            .collect();
        if !methods.is_empty() {
            methods.sort();
            methods.dedup();
            return methods;
        }
    }
    Vec::new()
}

/// The document served at `/openapi.json`, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> Value {
    let mut doc = match serde_json::to_value(ApiDoc::openapi()) {
        Ok(doc) => doc,
        // utoipa's types are plain data; this would be a bug in them, not bad input.
        Err(e) => {
            tracing::error!("the OpenAPI document does not serialise: {e}");
            return json!({ "openapi": "3.1.0", "paths": {} });
        }
    };
    doc["info"] = json!({
        "title": "CityPulse Live",
        "version": citypulse::VERSION,
        "description": DESCRIPTION,
        "license": { "name": "MIT", "identifier": "MIT" }
    });
    doc["tags"] = json!([
        { "name": "users", "description": "Registration, profiles, tokens, inventories." },
        { "name": "auth", "description": "Sign-in by SMS code (Twilio Verify), sessions (one per device) and sign-out." },
        { "name": "events", "description": "Events, their rooms, chat and transcripts." },
        { "name": "collectibles", "description": "Drops and claims." },
        { "name": "operations", "description": "Health, metrics and this documentation." }
    ]);
    doc["components"]["securitySchemes"] = json!({
        "userToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "The user's token, returned once by POST /api/users/register, POST /api/auth/verify or POST /api/users/{user_id}/token: `Authorization: Bearer <token>`."
        },
        "metricsToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "The daemon's CPL_METRICS_TOKEN, when set: `Authorization: Bearer <metrics token>` for GET /metrics. Unset, /metrics is public."
        },
        "adminToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "The daemon's admin token, the value of CPL_ADMIN_TOKEN: `Authorization: Bearer <admin token>`. Without one configured, admin calls answer 403."
        }
    });
    doc["x-websocket"] = websocket_doc();
    for item in doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut())
    {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|i| i.values_mut())
        {
            if let Some(body) = op.get_mut("requestBody") {
                absent_not_null(body);
            }
        }
    }
    doc
}

/// utoipa writes an optional body (`Option<T>`, `required: false`) as "T or null"; the
/// daemon takes an empty body for T's defaults and refuses a JSON `null` like any other
/// body that is not a T (422), so the schema is T alone and `required: false` says the
/// body may be left out.
fn absent_not_null(body: &mut Value) {
    let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    for media in content.values_mut() {
        let Some(schema) = media.get_mut("schema") else {
            continue;
        };
        let not_null: Vec<Value> = match schema["oneOf"].as_array() {
            Some(branches) => branches
                .iter()
                .filter(|b| b["type"] != "null")
                .cloned()
                .collect(),
            None => continue,
        };
        if let [only] = not_null.as_slice() {
            *schema = only.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const SCHEMAS: &[&str] = &[
        "User",
        "UserStats",
        "RegisteredUser",
        "UserCollectible",
        "Event",
        "EventRoom",
        "NearbyEvent",
        "GeoPoint",
        "Participant",
        "Collectible",
        "Rarity",
        "ChatMessage",
        "Transcription",
        "TranscriptWord",
        "RegisterRequest",
        "CreateEventRequest",
        "DropRequest",
        "JoinResponse",
        "MessageResponse",
        "ClaimResult",
        "Health",
        "FeatureStatus",
        "TokenResponse",
        "UserErased",
        "EventPage",
        "ErrorBody",
        "CodeRequest",
        "CodeSent",
        "VerifyRequest",
        "Session",
        // Derived from the contract types they are fields of: the id newtypes, the
        // coordinate pair and the two enums.
        "UserId",
        "EventId",
        "CollectibleId",
        "MessageId",
        "TranscriptId",
        "SessionId",
        "Coordinates",
        "EventStatus",
        "PointKind",
    ];

    fn operations_of(doc: &Value) -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                if METHODS.contains(&method.as_str()) {
                    out.push((method.clone(), path.clone(), op.clone()));
                }
            }
        }
        out
    }

    fn collect_refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if k == "$ref" {
                        out.push(x.as_str().expect("$ref is a string").to_string());
                    } else {
                        collect_refs(x, out);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
            _ => {}
        }
    }

    #[test]
    fn document_is_openapi_3_1_json() {
        let doc = document();
        let text = serde_json::to_string(&doc).expect("serialises");
        let back: Value = serde_json::from_str(&text).expect("parses");
        assert_eq!(&back, doc);
        // 3.1: JSON Schema 2020-12, which can give the latitude of a coordinate pair its own
        // range (`prefixItems`); utoipa writes 3.1.
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(doc["info"]["title"], "CityPulse Live");
        assert_eq!(doc["info"]["version"], citypulse::VERSION);
        assert!(doc["info"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("/ws/{user_id}")));
        assert!(doc["x-websocket"]["/ws/{user_id}"].is_object());
        assert!(doc["x-websocket"]["/ws/transcribe/{event_id}"].is_object());
        for p in doc["paths"].as_object().expect("paths").keys() {
            assert!(!p.starts_with("/ws"), "WebSockets are not operations: {p}");
        }
    }

    #[test]
    fn every_ref_resolves_to_a_schema() {
        let doc = document();
        let mut refs = Vec::new();
        collect_refs(doc, &mut refs);
        assert!(!refs.is_empty());
        for r in refs {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{r} does not point into components/schemas"));
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "{r} is not defined"
            );
        }
    }

    #[test]
    fn every_contract_type_has_a_schema() {
        let doc = document();
        let defined = doc["components"]["schemas"].as_object().expect("schemas");
        for name in SCHEMAS {
            assert!(defined.contains_key(*name), "{name} is missing");
        }
        assert_eq!(
            defined.len(),
            SCHEMAS.len(),
            "an undocumented schema crept in"
        );
    }

    #[test]
    fn operations_are_complete() {
        let doc = document();
        let mut ids = BTreeSet::new();
        for (method, path, op) in operations_of(doc) {
            let at = format!("{method} {path}");
            let id = op["operationId"].as_str().expect("operationId");
            assert!(
                ids.insert(id.to_string()),
                "{at}: duplicate operationId {id}"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{at}: summary"
            );
            assert!(op["security"].is_array(), "{at}: security");
            // Every `{name}` of the path is a required path parameter with the id pattern.
            let templated: BTreeSet<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_path: BTreeSet<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().expect("name"))
                .collect();
            assert_eq!(templated, in_path, "{at}: path parameters");
            for p in &params {
                assert!(
                    ["path", "query"].contains(&p["in"].as_str().expect("in")),
                    "{at}"
                );
                assert!(p["schema"].is_object(), "{at}: parameter schema");
                if p["in"] == "path" {
                    assert_eq!(p["required"], true, "{at}");
                    // Ids, except the file name of the documentation pages' files.
                    let pattern = if path == "/docs/{file}" {
                        super::super::docs::FILE_PATTERN
                    } else {
                        ID_PATTERN
                    };
                    assert_eq!(p["schema"]["pattern"], pattern, "{at}");
                }
            }
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{at}: no success response"
            );
            for (status, r) in responses {
                assert!(r["description"].is_string(), "{at} {status}: description");
                let code: u16 = status.parse().expect("numeric status");
                if code >= 400 && path != "/health" {
                    assert_eq!(
                        r["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{at} {status}"
                    );
                }
                if code == 429 {
                    assert!(r["headers"]["Retry-After"].is_object(), "{at}: Retry-After");
                }
            }
            // Authenticated calls document 401; admin-only ones 403 as well.
            let sec = op["security"].as_array().expect("security");
            let needs_token = !sec.is_empty()
                && sec
                    .iter()
                    .all(|r| r.as_object().is_some_and(|m| !m.is_empty()));
            if needs_token {
                assert!(responses.contains_key("401"), "{at}: 401");
                assert!(responses.contains_key("403"), "{at}: 403");
            }
            if op["requestBody"].is_object() {
                for s in ["400", "413", "422"] {
                    assert!(responses.contains_key(s), "{at}: {s} for a body");
                }
            }
            if !templated.is_empty() {
                assert!(
                    responses.contains_key("404") && responses.contains_key("422"),
                    "{at}: 404/422 for ids"
                );
            }
        }
    }

    #[test]
    fn allowed_methods_follow_the_documented_paths() {
        assert_eq!(allowed_methods("/api/users/register"), ["POST"]);
        assert_eq!(allowed_methods("/api/users/me"), ["GET", "HEAD"]);
        assert_eq!(
            allowed_methods("/api/users/6745a1b2c3d4e5f601234567"),
            ["DELETE", "GET", "HEAD"]
        );
        assert_eq!(
            allowed_methods("/api/users/6745a1b2c3d4e5f601234567/token"),
            ["POST"]
        );
        assert_eq!(allowed_methods("/api/events"), ["GET", "HEAD", "POST"]);
        assert_eq!(allowed_methods("/api/events/"), ["GET", "HEAD", "POST"]);
        assert_eq!(allowed_methods("/api/events/nearby"), ["GET", "HEAD"]);
        assert_eq!(allowed_methods("/api/events/x/collectibles"), ["POST"]);
        assert_eq!(allowed_methods("/ws/6745a1b2c3d4e5f601234567"), ["GET"]);
        assert_eq!(allowed_methods("/ws/transcribe/x"), ["GET"]);
        assert_eq!(allowed_methods("/health"), ["GET", "HEAD"]);
        assert!(allowed_methods("/nothing/here").is_empty());
        assert!(allowed_methods("/api/users//token").is_empty());
        // Every documented operation's own path lists its method.
        for (method, path) in operations() {
            assert!(
                allowed_methods(&path).contains(&method.to_ascii_uppercase()),
                "{method} {path}"
            );
        }
    }
}
