//! The OpenAPI 3 document of every REST call, and the page that renders it.
//!
//! The document is written by hand from the handlers (`users.rs`, `events.rs`,
//! `collectibles.rs`, `ops.rs`) and the contract types (`citypulse::model`,
//! `citypulse::api`): every parameter with the ranges the handlers enforce, every status a
//! handler can answer, and a schema for every type exactly as serde writes it. The tests
//! below check it against the route table; `tests/tests/openapi.rs` checks real answers
//! against its schemas and `docs/API.md` against its paths.

use serde_json::{json, Map, Value};

/// A path or body id: 24 hexadecimal digits (MongoDB ObjectId form), any case.
pub const ID_PATTERN: &str = "^[0-9a-fA-F]{24}$";

/// Text the handlers trim and check: at least one character that is neither white space nor
/// a control character, and no control characters but tab and newline.
const TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$";

/// Optional free text (may be empty): no control characters but tab and newline.
const FREE_TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$";

/// What `validate::phone` accepts: `+` (or `00`) and 8 to 15 digits, the first not 0, with
/// spaces, tabs, no-break spaces, dashes, dots and brackets anywhere.
const PHONE_PATTERN: &str = r"^[ \t\u00A0().\-]*(\+|0[ \t\u00A0().\-]*0)[ \t\u00A0().\-]*[1-9]([ \t\u00A0().\-]*[0-9]){7,14}[ \t\u00A0().\-]*$";

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn id(kind: &str) -> Value {
    json!({
        "type": "string",
        "pattern": ID_PATTERN,
        "description": format!("{kind} id: 24 hexadecimal digits"),
        "example": "6745a1b2c3d4e5f601234567"
    })
}

fn nullable_id(kind: &str, desc: &str) -> Value {
    let mut v = id(kind);
    v["nullable"] = json!(true);
    v["description"] = json!(desc);
    v
}

fn timestamp(desc: &str) -> Value {
    json!({
        "type": "string",
        "format": "date-time",
        "description": format!("{desc} (RFC 3339, UTC, `Z`)"),
        "example": "2026-11-25T14:03:00Z"
    })
}

fn nullable_timestamp(desc: &str) -> Value {
    let mut v = timestamp(desc);
    v["nullable"] = json!(true);
    v
}

fn text(min: u32, max: u32, desc: &str) -> Value {
    json!({
        "type": "string",
        "minLength": min,
        "maxLength": max,
        "pattern": if min > 0 { TEXT_PATTERN } else { FREE_TEXT_PATTERN },
        "description": desc
    })
}

fn counter(desc: &str) -> Value {
    json!({ "type": "integer", "format": "int64", "minimum": 0, "description": desc })
}

fn object(required: &[&str], properties: Value, desc: &str) -> Value {
    let mut v = json!({ "type": "object", "description": desc, "properties": properties });
    // OpenAPI 3.0 forbids an empty `required`.
    if !required.is_empty() {
        v["required"] = json!(required);
    }
    v
}

/// Copies an object schema and adds properties (serde's `#[serde(flatten)]`).
fn extend(base: &Value, required: &[&str], extra: Value, desc: &str) -> Value {
    let mut v = base.clone();
    v["description"] = json!(desc);
    if let (Some(props), Some(more)) = (v["properties"].as_object_mut(), extra.as_object()) {
        for (k, s) in more {
            props.insert(k.clone(), s.clone());
        }
    }
    if let Some(req) = v["required"].as_array_mut() {
        for r in required {
            if !req.iter().any(|x| x == r) {
                req.push(json!(r));
            }
        }
    }
    v
}

fn coordinates() -> Value {
    json!({
        "type": "array",
        "minItems": 2,
        "maxItems": 2,
        "items": { "type": "number", "minimum": -180, "maximum": 180 },
        "description": "`[longitude, latitude]` (GeoJSON order): longitude in [-180, 180], latitude in [-90, 90], finite. Anything else is a 422 whose sentence names the order.",
        "example": [-74.0721, 4.711]
    })
}

fn rarity() -> Value {
    json!({
        "type": "string",
        "enum": ["common", "rare", "epic", "legendary"],
        "description": "How rare a collectible is (default points 10, 25, 50, 100)."
    })
}

fn feature_status() -> Value {
    object(
        &["enabled", "detail"],
        json!({
            "enabled": { "type": "boolean", "description": "On or off." },
            "detail": { "type": "string", "description": "What it does, or how to enable it." }
        }),
        "An optional integration's state.",
    )
}

fn user_schema() -> Value {
    object(
        &["id", "name", "stats", "created_at"],
        json!({
            "id": id("user"),
            "name": { "type": "string", "minLength": 1, "maxLength": 80, "description": "Display name." },
            "phone": {
                "type": "string",
                "description": "E.164 phone number. Present only for the user themselves and admins.",
                "example": "+573001234567"
            },
            "stats": schema_ref("UserStats"),
            "created_at": timestamp("Registration time")
        }),
        "A user's profile. `phone` is present only when the caller is the user or an admin.",
    )
}

fn event_schema() -> Value {
    object(
        &[
            "id",
            "title",
            "description",
            "category",
            "creator_id",
            "location",
            "address",
            "status",
            "room",
            "room_url",
            "starts_at",
            "ends_at",
            "created_at",
            "ended_at",
        ],
        json!({
            "id": id("event"),
            "title": { "type": "string", "minLength": 1, "maxLength": 120 },
            "description": { "type": "string", "maxLength": 2000, "nullable": true },
            "category": { "type": "string", "minLength": 1, "maxLength": 40, "description": "Lower-case." },
            "creator_id": id("user"),
            "location": schema_ref("GeoPoint"),
            "address": { "type": "string", "maxLength": 300, "nullable": true },
            "status": { "type": "string", "enum": ["active", "ended"] },
            "room": schema_ref("EventRoom"),
            "room_url": {
                "type": "string",
                "nullable": true,
                "description": "The Daily.co room URL; null when video is not configured."
            },
            "starts_at": nullable_timestamp("Planned start, if given"),
            "ends_at": nullable_timestamp("Planned end, if given"),
            "created_at": timestamp("Creation time"),
            "ended_at": nullable_timestamp("When the creator ended it; null while active")
        }),
        "A civic event.",
    )
}

fn collectible_schema() -> Value {
    object(
        &[
            "id",
            "event_id",
            "name",
            "rarity",
            "points",
            "dropped_at",
            "expires_at",
            "claimed_by",
            "claimed_at",
            "is_active",
        ],
        json!({
            "id": id("collectible"),
            "event_id": id("event"),
            "name": { "type": "string", "minLength": 1, "maxLength": 80 },
            "rarity": schema_ref("Rarity"),
            "points": { "type": "integer", "format": "int64", "minimum": 0 },
            "dropped_at": timestamp("When it dropped"),
            "expires_at": timestamp("When it stops being claimable"),
            "claimed_by": nullable_id("user", "The winner, once claimed; null before."),
            "claimed_at": nullable_timestamp("When it was won"),
            "is_active": { "type": "boolean", "description": "Claimable: not claimed, not expired, its event not ended." }
        }),
        "A collectible dropped into an event.",
    )
}

/// `components/schemas`: every type the API reads or writes.
fn schemas() -> Map<String, Value> {
    let user = user_schema();
    let event = event_schema();
    let mut health_video = feature_status();
    health_video["nullable"] = json!(true);
    let list: Vec<(&str, Value)> = vec![
        (
            "ErrorBody",
            object(
                &["detail"],
                json!({ "detail": { "type": "string", "description": "A sentence: what was wrong and what to do." } }),
                "The body of every error answer (FastAPI's shape).",
            ),
        ),
        (
            "UserStats",
            object(
                &["events_created", "events_attended", "collectibles_count"],
                json!({
                    "events_created": counter("Events this user created."),
                    "events_attended": counter("Distinct events this user joined, each counted once."),
                    "collectibles_count": counter("Collectibles this user won.")
                }),
                "A user's counters.",
            ),
        ),
        ("User", user.clone()),
        (
            "RegisteredUser",
            extend(
                &user,
                &["phone", "token"],
                json!({ "token": {
                "type": "string",
                "description": "Bearer token for `Authorization: Bearer <token>`, shown this once (the daemon keeps only its hash).",
                "example": "cpl_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            } }),
                "The answer to a registration: the profile (phone included) and the bearer token.",
            ),
        ),
        (
            "UserCollectible",
            object(
                &[
                    "collectible_id",
                    "name",
                    "rarity",
                    "points",
                    "event_id",
                    "claimed_at",
                ],
                json!({
                    "collectible_id": id("collectible"),
                    "name": { "type": "string" },
                    "rarity": schema_ref("Rarity"),
                    "points": { "type": "integer", "format": "int64", "minimum": 0 },
                    "event_id": id("event"),
                    "claimed_at": timestamp("When it was won")
                }),
                "One entry of a user's inventory.",
            ),
        ),
        (
            "GeoPoint",
            object(
                &["type", "coordinates"],
                json!({
                    "type": { "type": "string", "enum": ["Point"] },
                    "coordinates": coordinates()
                }),
                "A GeoJSON point.",
            ),
        ),
        (
            "EventRoom",
            object(
                &["daily_room_name", "daily_room_url", "current_participants"],
                json!({
                    "daily_room_name": { "type": "string", "nullable": true, "description": "`citypulse-event-<event id>`; null when video is off." },
                    "daily_room_url": { "type": "string", "nullable": true, "description": "Null when video is off." },
                    "current_participants": counter("Participants in the event's room now.")
                }),
                "An event's video room and how many people are in its room now.",
            ),
        ),
        ("Event", event.clone()),
        (
            "NearbyEvent",
            extend(
                &event,
                &["distance_m"],
                json!({ "distance_m": { "type": "number", "minimum": 0, "description": "Great-circle distance from the search centre, metres." } }),
                "An event of a nearby search, with its distance from the search centre.",
            ),
        ),
        (
            "Participant",
            object(
                &["user_id", "name", "joined_at"],
                json!({
                    "user_id": id("user"),
                    "name": { "type": "string" },
                    "joined_at": timestamp("When they joined")
                }),
                "Someone in an event's room now.",
            ),
        ),
        ("Rarity", rarity()),
        ("Collectible", collectible_schema()),
        (
            "ChatMessage",
            object(
                &["id", "event_id", "user_id", "name", "message", "timestamp"],
                json!({
                    "id": id("message"),
                    "event_id": id("event"),
                    "user_id": id("user"),
                    "name": { "type": "string", "description": "The author's display name." },
                    "message": { "type": "string", "minLength": 1, "maxLength": 500 },
                    "timestamp": timestamp("When it was sent")
                }),
                "A chat message in an event's room.",
            ),
        ),
        (
            "TranscriptWord",
            object(
                &["word", "start", "end", "confidence"],
                json!({
                    "word": { "type": "string" },
                    "start": { "type": "number", "description": "Seconds from the stream's start." },
                    "end": { "type": "number", "description": "Seconds from the stream's start." },
                    "confidence": { "type": "number", "minimum": 0, "maximum": 1 },
                    "punctuated_word": { "type": "string", "description": "The word as punctuated, when Deepgram gives it." }
                }),
                "A word of a transcript, with timing.",
            ),
        ),
        (
            "Transcription",
            object(
                &[
                    "id",
                    "event_id",
                    "speaker_id",
                    "text",
                    "confidence",
                    "start",
                    "duration",
                    "words",
                    "created_at",
                ],
                json!({
                    "id": id("transcription"),
                    "event_id": id("event"),
                    "speaker_id": id("user"),
                    "text": { "type": "string" },
                    "confidence": { "type": "number", "minimum": 0, "maximum": 1 },
                    "start": { "type": "number", "description": "Seconds from the speaker's stream start." },
                    "duration": { "type": "number", "minimum": 0, "description": "Seconds." },
                    "words": { "type": "array", "items": schema_ref("TranscriptWord") },
                    "created_at": timestamp("When it was stored")
                }),
                "A stored final transcript segment.",
            ),
        ),
        ("RegisterRequest", {
            let mut v = object(
                &["phone", "name"],
                json!({
                    "phone": {
                        "type": "string",
                        "pattern": PHONE_PATTERN,
                        "description": "E.164: `+` (or `00`), the country code and the number, 8 to 15 digits, the first not 0. Spaces, dashes, dots and brackets are stripped first.",
                        "example": "+573001234567"
                    },
                    "name": text(1, 80, "Display name, 1 to 80 characters after trimming; no control characters.")
                }),
                "`POST /api/users/register`. Unknown fields are refused (422).",
            );
            v["additionalProperties"] = json!(false);
            v
        }),
        ("CreateEventRequest", {
            let mut v = object(
                &["title", "category", "coordinates"],
                json!({
                    "title": text(1, 120, "1 to 120 characters after trimming."),
                    "description": nullable(text(0, 2000, "Up to 2000 characters; empty means none.")),
                    "category": text(1, 40, "1 to 40 characters; stored lower-case."),
                    "coordinates": coordinates(),
                    "address": nullable(text(0, 300, "Free text, up to 300 characters; empty means none.")),
                    "starts_at": nullable_timestamp("Planned start"),
                    "ends_at": with_example(
                        nullable_timestamp("Planned end; when both are given it must be after `starts_at` (422 otherwise)"),
                        json!("2026-11-25T16:00:00Z"),
                    )
                }),
                "`POST /api/events`. Unknown fields are refused (422).",
            );
            v["additionalProperties"] = json!(false);
            v
        }),
        ("DropRequest", {
            let mut v = object(
                &[],
                json!({
                    "name": nullable(text(1, 80, "1 to 80 characters; a catalogue name of the rarity when absent.")),
                    "rarity": { "type": "string", "nullable": true, "enum": ["common", "rare", "epic", "legendary", null], "description": "Drawn by the odds (65/25/8/2 %) when absent." },
                    "points": { "type": "integer", "nullable": true, "minimum": 1, "maximum": 10000, "description": "The rarity's default points when absent." },
                    "expires_in": { "type": "integer", "nullable": true, "minimum": 1, "maximum": 86400, "description": "Seconds claimable; the daemon's CPL_DROP_TTL when absent." }
                }),
                "`POST /api/events/{event_id}/collectibles` (admin). Every field optional; an empty body drops a random catalogue collectible. Unknown fields are refused (422).",
            );
            v["additionalProperties"] = json!(false);
            v
        }),
        (
            "JoinResponse",
            object(
                &["event_id", "room_url", "token"],
                json!({
                    "event_id": id("event"),
                    "room_url": { "type": "string", "nullable": true, "description": "Daily.co room URL; null when video is not configured." },
                    "token": { "type": "string", "nullable": true, "description": "Daily.co meeting token; null when video is not configured." }
                }),
                "The answer to a join.",
            ),
        ),
        (
            "MessageResponse",
            object(
                &["message"],
                json!({ "message": { "type": "string", "description": "What happened." } }),
                "A plain acknowledgement.",
            ),
        ),
        (
            "ClaimResult",
            object(
                &["success", "message"],
                json!({
                    "success": { "type": "boolean", "description": "Whether this caller won. Exactly one claimer of a collectible ever gets true." },
                    "message": { "type": "string", "enum": ["claimed", "already claimed", "expired"] },
                    "collectible": schema_ref("Collectible")
                }),
                "The outcome of a claim; `collectible` only for the winner.",
            ),
        ),
        (
            "Health",
            object(
                &["status", "store", "version", "video", "transcription"],
                json!({
                    "status": { "type": "string", "enum": ["ok", "unavailable"] },
                    "store": { "type": "string", "enum": ["sqlite", "mongodb"] },
                    "version": { "type": "string" },
                    "video": health_video.clone(),
                    "transcription": health_video,
                    "detail": { "type": "string", "description": "What is wrong, when status is not ok." }
                }),
                "`GET /health`.",
            ),
        ),
        ("FeatureStatus", feature_status()),
        (
            "TokenResponse",
            object(
                &["token"],
                json!({ "token": { "type": "string", "description": "The new bearer token; the old one stops working at once." } }),
                "A new token.",
            ),
        ),
    ];
    list.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn with_example(mut v: Value, example: Value) -> Value {
    v["example"] = example;
    v
}

fn nullable(mut v: Value) -> Value {
    v["nullable"] = json!(true);
    v
}

// ---------------------------------------------------------------------------------------
// Operations

/// Who may call an operation.
#[derive(Clone, Copy)]
enum Auth {
    /// Anyone.
    None,
    /// A user's token.
    User,
    /// The admin token.
    Admin,
    /// Anyone; a token (user or admin) changes the answer.
    Optional,
    /// The user's own token or the admin token.
    SelfOrAdmin,
}

impl Auth {
    fn security(self) -> Value {
        match self {
            Auth::None => json!([]),
            Auth::User => json!([{ "userToken": [] }]),
            Auth::Admin => json!([{ "adminToken": [] }]),
            Auth::Optional => json!([{}, { "userToken": [] }, { "adminToken": [] }]),
            Auth::SelfOrAdmin => json!([{ "userToken": [] }, { "adminToken": [] }]),
        }
    }
}

fn error(desc: &str) -> Value {
    json!({
        "description": desc,
        "content": { "application/json": { "schema": schema_ref("ErrorBody") } }
    })
}

fn ok(desc: &str, schema: Value) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": schema } } })
}

fn list_of(name: &str) -> Value {
    json!({ "type": "array", "items": schema_ref(name) })
}

fn rate_limited() -> Value {
    json!({
        "description": "Too many writes from this address (more than CPL_RATE_LIMIT per second after a burst of 5 seconds' worth). Retry after the `Retry-After` seconds.",
        "headers": { "Retry-After": {
            "description": "Seconds to wait before retrying.",
            "schema": { "type": "integer", "minimum": 1 }
        } },
        "content": { "application/json": { "schema": schema_ref("ErrorBody") } }
    })
}

const E400_BODY: &str =
    "The body is empty or not JSON, or a header is malformed (e.g. a non-numeric Content-Length).";
const E400_HEADER: &str =
    "A header is malformed (e.g. an Authorization value that is not visible ASCII).";
const E401: &str = "No `Authorization: Bearer <token>`, a header that is not `Bearer <token>`, or a token nobody holds.";
const E401_OPTIONAL: &str = "A token was sent but is not valid (sending none is fine), or the Authorization header is not `Bearer <token>`.";
const E403_ADMIN_AS_USER: &str = "The admin token was sent; it does not belong to a user.";
const E403_ADMIN: &str = "Not the admin token (a user's token), or admin calls are disabled because CPL_ADMIN_TOKEN is not set (the sentence says how to enable them).";
const E413: &str = "The body is larger than 64 KiB.";
const E503: &str = "The database is unreachable (the sentence says so).";

fn e404(kind: &str) -> Value {
    error(&format!(
        "No {kind} has this id (the id is well-formed but unknown)."
    ))
}

fn e422_id(kind: &str) -> Value {
    error(&format!(
        "The {kind} id is malformed (ids are 24 hexadecimal digits), or a query parameter is invalid."
    ))
}

fn path_param(name: &str, kind: &str) -> Value {
    json!({
        "name": name,
        "in": "path",
        "required": true,
        "description": format!("The {kind}'s id. Malformed: 422; well-formed but unknown: 404."),
        "schema": { "type": "string", "pattern": ID_PATTERN, "example": "6745a1b2c3d4e5f601234567" }
    })
}

fn query_param(name: &str, required: bool, schema: Value, desc: &str) -> Value {
    json!({ "name": name, "in": "query", "required": required, "description": desc, "schema": schema })
}

fn acting_as(name: &str) -> Value {
    query_param(
        name,
        false,
        json!({ "type": "string", "pattern": ID_PATTERN }),
        &format!(
            "The original backend's `{name}`; kept for compatibility. When present it must be the token's own user id (compared case-insensitively), else 403. Absent means the token's user."
        ),
    )
}

fn paging() -> Vec<Value> {
    vec![
        query_param(
            "limit",
            false,
            json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }),
            "Page size, 1 to 200 (default 50); outside: 422.",
        ),
        query_param(
            "before",
            false,
            json!({ "type": "string", "format": "date-time" }),
            "Only entries strictly older than this time (exclusive): pass the last timestamp of the previous page to get the next one.",
        ),
        query_param(
            "before_id",
            false,
            json!({ "type": "string", "pattern": "^[0-9a-fA-F]{24}$" }),
            "With `before`: the id of the previous page's last entry. The page then starts right after that entry (newest first by timestamp, then id), so entries sharing its millisecond are neither skipped nor repeated. Without `before`: 422.",
        ),
    ]
}

struct Op {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    tag: &'static str,
    summary: &'static str,
    description: &'static str,
    auth: Auth,
    params: Vec<Value>,
    body: Option<Value>,
    responses: Vec<(&'static str, Value)>,
}

impl Op {
    fn to_json(&self) -> Value {
        let mut v = json!({
            "operationId": self.id,
            "tags": [self.tag],
            "summary": self.summary,
            "description": self.description,
            "security": self.auth.security(),
            "responses": self.responses.iter().map(|(s, r)| (s.to_string(), r.clone())).collect::<Map<_, _>>()
        });
        if !self.params.is_empty() {
            v["parameters"] = Value::Array(self.params.clone());
        }
        if let Some(b) = &self.body {
            v["requestBody"] = b.clone();
        }
        v
    }
}

fn body(name: &str, required: bool, desc: &str) -> Value {
    json!({
        "required": required,
        "description": desc,
        "content": { "application/json": { "schema": schema_ref(name) } }
    })
}

fn operations() -> Vec<Op> {
    vec![
        // ---- users ----
        Op {
            method: "post",
            path: "/api/users/register",
            id: "registerUser",
            tag: "users",
            summary: "Register a user and get their bearer token",
            description: "Normalises the phone to E.164 and trims the name. The answer carries the bearer token this once; the daemon stores only its SHA-256. Rate limited.",
            auth: Auth::None,
            params: vec![],
            body: Some(body("RegisterRequest", true, "The phone and display name.")),
            responses: vec![
                ("201", ok("Registered; the profile (phone included) and the token.", schema_ref("RegisteredUser"))),
                ("400", error(E400_BODY)),
                ("409", error("The phone number is already registered.")),
                ("413", error(E413)),
                ("422", error("The phone is not E.164, the name is empty, too long or holds control characters, or a field is missing or of the wrong type.")),
                ("429", rate_limited()),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "get",
            path: "/api/users/me",
            id: "getMe",
            tag: "users",
            summary: "The caller's own profile, phone included",
            description: "",
            auth: Auth::User,
            params: vec![],
            body: None,
            responses: vec![
                ("200", ok("The caller's profile.", schema_ref("User"))),
                ("400", error(E400_HEADER)),
                ("401", error(E401)),
                ("403", error(E403_ADMIN_AS_USER)),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "get",
            path: "/api/users",
            id: "listUsers",
            tag: "users",
            summary: "List users (admin)",
            description: "Newest first, at most 1000, phones included.",
            auth: Auth::Admin,
            params: vec![],
            body: None,
            responses: vec![
                ("200", ok("The users.", list_of("User"))),
                ("400", error(E400_HEADER)),
                ("401", error("No token, or a token nobody holds.")),
                ("403", error(E403_ADMIN)),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "get",
            path: "/api/users/{user_id}",
            id: "getUser",
            tag: "users",
            summary: "A user's public profile",
            description: "Anyone may read a profile; `phone` is included only when the caller sends the user's own token or the admin token.",
            auth: Auth::Optional,
            params: vec![path_param("user_id", "user")],
            body: None,
            responses: vec![
                ("200", ok("The profile.", schema_ref("User"))),
                ("400", error(E400_HEADER)),
                ("401", error(E401_OPTIONAL)),
                ("404", e404("user")),
                ("422", e422_id("user")),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "get",
            path: "/api/users/{user_id}/collectibles",
            id: "getUserCollectibles",
            tag: "users",
            summary: "A user's inventory, newest first",
            description: "",
            auth: Auth::None,
            params: vec![path_param("user_id", "user")],
            body: None,
            responses: vec![
                ("200", ok("The collectibles the user won.", list_of("UserCollectible"))),
                ("404", e404("user")),
                ("422", e422_id("user")),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "post",
            path: "/api/users/{user_id}/token",
            id: "resetToken",
            tag: "users",
            summary: "Replace a user's token (self or admin)",
            description: "Issues a new token and revokes the old one at once, and closes every socket the user has open (1008): a socket must not outlive the token that opened it. The user themselves (e.g. after a leak, with their current token) or an admin (a user who lost theirs). Rate limited. No body.",
            auth: Auth::SelfOrAdmin,
            params: vec![path_param("user_id", "user")],
            body: None,
            responses: vec![
                ("200", ok("The new token.", schema_ref("TokenResponse"))),
                ("400", error(E400_HEADER)),
                ("401", error("No token, or a token nobody holds.")),
                ("403", error("A user's token for another user.")),
                ("404", e404("user")),
                ("422", e422_id("user")),
                ("429", rate_limited()),
                ("503", error(E503)),
            ],
        },
        // ---- events ----
        Op {
            method: "post",
            path: "/api/events",
            id: "createEvent",
            tag: "events",
            summary: "Create an event",
            description: "The caller becomes its creator (counted in `stats.events_created`) but not a participant; joining does that. Connected users whose last location is within 5 km hear `event_nearby`. Rate limited.",
            auth: Auth::User,
            params: vec![acting_as("creator_id")],
            body: Some(body("CreateEventRequest", true, "The event.")),
            responses: vec![
                ("201", ok("Created; `room_url` is null when video is not configured.", schema_ref("Event"))),
                ("400", error(E400_BODY)),
                ("401", error(E401)),
                ("403", error("`creator_id` is not the token's user, or the admin token was sent (it is not a user).")),
                ("413", error(E413)),
                ("422", error("A field breaks a rule: coordinates not `[longitude, latitude]` in range, title/category empty or too long, `ends_at` not after `starts_at`, an unknown field, a wrong type.")),
                ("429", rate_limited()),
                ("502", error("Video is configured but Daily.co failed to create the event's room; the event was not created.")),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "get",
            path: "/api/events/nearby",
            id: "nearbyEvents",
            tag: "events",
            summary: "Active events near a point, nearest first",
            description: "Exact great-circle distance (sphere of radius 6378.1 km, as MongoDB's 2dsphere); ended events never appear.",
            auth: Auth::None,
            params: vec![
                query_param("lng", true, json!({ "type": "number", "minimum": -180, "maximum": 180 }), "Longitude of the centre, -180 to 180."),
                query_param("lat", true, json!({ "type": "number", "minimum": -90, "maximum": 90 }), "Latitude of the centre, -90 to 90."),
                query_param("max_distance", false, json!({ "type": "number", "minimum": 1, "maximum": 50000, "default": 5000 }), "Radius in metres, 1 to 50000 (default 5000)."),
                query_param("limit", false, json!({ "type": "integer", "minimum": 1, "maximum": 100, "default": 20 }), "At most this many events, 1 to 100 (default 20)."),
                query_param("category", false, {
                    let mut s = text(1, 40, "Only this category (compared lower-case).");
                    s.as_object_mut().map(|m| m.remove("description"));
                    s
                }, "Only events of this category (case-insensitive)."),
            ],
            body: None,
            responses: vec![
                ("200", ok("The events, each with `distance_m`.", list_of("NearbyEvent"))),
                ("422", error("`lng`/`lat` missing, not numbers or out of range, or `max_distance`, `limit` or `category` out of range.")),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "get",
            path: "/api/events/{event_id}",
            id: "getEvent",
            tag: "events",
            summary: "An event",
            description: "",
            auth: Auth::None,
            params: vec![path_param("event_id", "event")],
            body: None,
            responses: vec![
                ("200", ok("The event.", schema_ref("Event"))),
                ("404", e404("event")),
                ("422", e422_id("event")),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "post",
            path: "/api/events/{event_id}/join",
            id: "joinEvent",
            tag: "events",
            summary: "Enter an event's room",
            description: "The caller becomes a participant until they leave, the event ends, or their last WebSocket closes or times out. Joining twice changes nothing; `stats.events_attended` counts an event once per user. The room (the joiner included) hears `user_joined`. No body.",
            auth: Auth::User,
            params: vec![path_param("event_id", "event"), acting_as("user_id")],
            body: None,
            responses: vec![
                ("200", ok("Joined; the Daily.co room URL and meeting token, both null when video is not configured.", schema_ref("JoinResponse"))),
                ("400", error(E400_HEADER)),
                ("401", error(E401)),
                ("403", error("`user_id` is not the token's user, or the admin token was sent.")),
                ("404", e404("event")),
                ("409", error("The event has ended, or the caller is in `CPL_MAX_ROOMS_PER_USER` rooms already (default 50).")),
                ("422", e422_id("event")),
                ("502", error("Video is configured but Daily.co failed to issue a meeting token; the caller was not joined.")),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "post",
            path: "/api/events/{event_id}/leave",
            id: "leaveEvent",
            tag: "events",
            summary: "Leave an event's room",
            description: "Leaving a room one is not in is a no-op (200, message `You were not in this event's room`); otherwise the message is `Left event` and the room and the leaver hear `user_left`. No body.",
            auth: Auth::User,
            params: vec![path_param("event_id", "event"), acting_as("user_id")],
            body: None,
            responses: vec![
                ("200", ok("Left (or was not in the room).", schema_ref("MessageResponse"))),
                ("400", error(E400_HEADER)),
                ("401", error(E401)),
                ("403", error("`user_id` is not the token's user, or the admin token was sent.")),
                ("404", e404("event")),
                ("422", e422_id("event")),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "post",
            path: "/api/events/{event_id}/end",
            id: "endEvent",
            tag: "events",
            summary: "End an event (creator only)",
            description: "Sets status `ended` and `ended_at`, deactivates its collectibles, empties its room and tells everyone who was in it `event_ended`. No body.",
            auth: Auth::User,
            params: vec![path_param("event_id", "event"), acting_as("creator_id")],
            body: None,
            responses: vec![
                ("200", ok("`{\"message\": \"Event ended\"}`.", schema_ref("MessageResponse"))),
                ("400", error(E400_HEADER)),
                ("401", error(E401)),
                ("403", error("The caller is not the event's creator, `creator_id` is not the token's user, or the admin token was sent.")),
                ("404", e404("event")),
                ("409", error("The event has already ended.")),
                ("422", e422_id("event")),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "get",
            path: "/api/events/{event_id}/participants",
            id: "listParticipants",
            tag: "events",
            summary: "Who is in the event's room now, earliest first",
            description: "",
            auth: Auth::None,
            params: vec![path_param("event_id", "event")],
            body: None,
            responses: vec![
                ("200", ok("The participants.", list_of("Participant"))),
                ("404", e404("event")),
                ("422", e422_id("event")),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "get",
            path: "/api/events/{event_id}/messages",
            id: "listMessages",
            tag: "events",
            summary: "Chat history, newest first",
            description: "Paged by `limit` and `before` (plus `before_id`, the previous page's last id, so that no message sharing its millisecond is skipped).",
            auth: Auth::None,
            params: {
                let mut p = vec![path_param("event_id", "event")];
                p.extend(paging());
                p
            },
            body: None,
            responses: vec![
                ("200", ok("The messages.", list_of("ChatMessage"))),
                ("404", e404("event")),
                ("422", e422_id("event")),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "get",
            path: "/api/events/{event_id}/transcriptions",
            id: "listTranscriptions",
            tag: "events",
            summary: "Stored final transcript segments, newest first",
            description: "Paged like messages; `q` keeps only segments whose text contains it (case-insensitive).",
            auth: Auth::None,
            params: {
                let mut p = vec![path_param("event_id", "event")];
                p.extend(paging());
                p.push(query_param(
                    "q",
                    false,
                    {
                        let mut s = text(1, 200, "");
                        s.as_object_mut().map(|m| m.remove("description"));
                        s
                    },
                    "Text search, 1 to 200 characters.",
                ));
                p
            },
            body: None,
            responses: vec![
                ("200", ok("The segments.", list_of("Transcription"))),
                ("404", e404("event")),
                ("422", e422_id("event")),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "post",
            path: "/api/events/{event_id}/collectibles",
            id: "dropCollectible",
            tag: "collectibles",
            summary: "Drop a collectible into an event (admin)",
            description: "A manual drop; the room hears `collectible_drop`. The body is optional: an empty body (or `{}`) drops a catalogue collectible of a random rarity that expires after CPL_DROP_TTL.",
            auth: Auth::Admin,
            params: vec![path_param("event_id", "event")],
            body: Some(body("DropRequest", false, "What to drop; every field optional.")),
            responses: vec![
                ("201", ok("The dropped collectible.", schema_ref("Collectible"))),
                ("400", error(E400_BODY)),
                ("401", error("No token, or a token nobody holds.")),
                ("403", error(E403_ADMIN)),
                ("404", e404("event")),
                ("409", error("The event has ended; collectibles drop only into active events.")),
                ("413", error(E413)),
                ("422", error("The event id is malformed, or a field is out of range (name 1-80 characters, points 1-10000, expires_in 1-86400), of the wrong type, or unknown.")),
                ("503", error(E503)),
            ],
        },
        // ---- collectibles ----
        Op {
            method: "post",
            path: "/api/collectibles/claim",
            id: "claimCollectible",
            tag: "collectibles",
            summary: "Try to win a collectible",
            description: "Exactly one claimer wins (`success: true`, message `claimed`, the collectible); everyone else gets 200 with `success: false` and message `already claimed` or `expired` (expired also when its event ended). The win, the inventory entry and `stats.collectibles_count` change together. The room hears `collectible_claimed`. Rate limited. No body.",
            auth: Auth::User,
            params: vec![
                query_param("collectible_id", true, json!({ "type": "string", "pattern": ID_PATTERN }), "The collectible. Malformed: 422; unknown: 404."),
                acting_as("user_id"),
            ],
            body: None,
            responses: vec![
                ("200", ok("The outcome, won or lost.", schema_ref("ClaimResult"))),
                ("400", error(E400_HEADER)),
                ("401", error(E401)),
                ("403", error("The caller is not a participant of the collectible's event, `user_id` is not the token's user, or the admin token was sent.")),
                ("404", e404("collectible")),
                ("422", error("`collectible_id` is missing or malformed.")),
                ("429", rate_limited()),
                ("503", error(E503)),
            ],
        },
        Op {
            method: "get",
            path: "/api/collectibles/active/{event_id}",
            id: "activeCollectibles",
            tag: "collectibles",
            summary: "An event's claimable collectibles, newest first",
            description: "Unclaimed and not expired.",
            auth: Auth::None,
            params: vec![path_param("event_id", "event")],
            body: None,
            responses: vec![
                ("200", ok("The collectibles.", list_of("Collectible"))),
                ("404", e404("event")),
                ("422", e422_id("event")),
                ("503", error(E503)),
            ],
        },
        // ---- operations ----
        Op {
            method: "get",
            path: "/health",
            id: "health",
            tag: "operations",
            summary: "Liveness and configuration",
            description: "Which store the daemon uses and whether video and transcription are configured (and how to enable them).",
            auth: Auth::None,
            params: vec![],
            body: None,
            responses: vec![
                ("200", ok("The store answers.", schema_ref("Health"))),
                ("503", ok("The store does not answer; `status` is `unavailable` and `detail` says why.", schema_ref("Health"))),
            ],
        },
        Op {
            method: "get",
            path: "/metrics",
            id: "metrics",
            tag: "operations",
            summary: "Prometheus metrics",
            description: "Connections, rooms, messages, claims won and lost, drops, rate-limited requests, request latency.",
            auth: Auth::None,
            params: vec![],
            body: None,
            responses: vec![(
                "200",
                json!({ "description": "Prometheus text exposition format 0.0.4.", "content": { "text/plain": { "schema": { "type": "string" } } } }),
            )],
        },
        Op {
            method: "get",
            path: "/openapi.json",
            id: "openapi",
            tag: "operations",
            summary: "This OpenAPI document",
            description: "",
            auth: Auth::None,
            params: vec![],
            body: None,
            responses: vec![("200", ok("The OpenAPI 3.0.3 document.", json!({ "type": "object" })))],
        },
        Op {
            method: "get",
            path: "/docs",
            id: "docs",
            tag: "operations",
            summary: "A page that renders this document",
            description: "Self-contained (no external resources), served with a strict Content-Security-Policy.",
            auth: Auth::None,
            params: vec![],
            body: None,
            responses: vec![(
                "200",
                json!({ "description": "HTML.", "content": { "text/html": { "schema": { "type": "string" } } } }),
            )],
        },
    ]
}

const DESCRIPTION: &str = "\
The REST and WebSocket API of CityPulse Live (`cpld`), the live civic-events backend. \
It keeps every path, field and message of the original FastAPI backend and adds authentication.

**Conventions.** JSON, UTF-8. Timestamps are RFC 3339 UTC with `Z`. Ids are 24 hexadecimal \
digits: a malformed id is a 422, a well-formed unknown id a 404. Coordinates are \
`[longitude, latitude]`. Distances are metres. Bodies over 64 KiB are refused with 413.

**Errors** are `{\"detail\": \"<sentence>\"}`: 400 malformed JSON or header, 401 missing or invalid \
token, 403 not allowed, 404 unknown id or route, 405 wrong method for a path, 409 conflict, \
413 body too large, 422 validation, 429 rate limited (`Retry-After`), 502 Daily.co failed, \
503 database unavailable (or, for transcription, not configured).

**Authentication.** `POST /api/users/register` returns a bearer token; send it as \
`Authorization: Bearer <token>`. Admin calls (user listing, manual drops, resetting anyone's \
token) take the daemon's `CPL_ADMIN_TOKEN` the same way; without one configured they answer 403. \
The original's `creator_id` / `user_id` query parameters are still accepted and must name the \
token's user.

**Rate limit.** Registration, token reset, event creation and claims are limited per client \
address to `CPL_RATE_LIMIT` per second (default 20, bursts of 5 seconds' worth; 0 turns it off); \
past it, 429 with `Retry-After`. The same rate bounds frames per WebSocket.

**WebSockets** (not modelled as operations; see `x-websocket`): `/ws/{user_id}?token=` carries \
JSON frames tagged by `type` (location updates, rooms, chat, claims, drops, captions); \
`/ws/transcribe/{event_id}?token=` streams PCM audio to Deepgram and captions back.";

fn websocket_doc() -> Value {
    json!({
        "/ws/{user_id}": {
            "description": "The real-time channel of one user. Authenticate with `?token=<token>` (browsers cannot set headers) or `Authorization: Bearer <token>` before the upgrade: 401 missing or invalid token, 403 another user's id or the admin token. Every frame is a JSON text object with a `type`. A malformed or unknown frame gets an `error` frame and the connection stays open. Room broadcasts reach every member, the sender included. A user is in a room from `join_event` (or REST join) until they leave, the event ends, or their last connection closes or times out.",
            "query": {
                "token": "The user's bearer token."
            },
            "client_messages": {
                "location_update": { "example": { "type": "location_update", "coordinates": [-74.0721, 4.711] }, "description": "Stores the user's location; answered with `nearby_events` (5 km, 20 events)." },
                "join_event": { "example": { "type": "join_event", "event_id": "6745a1b2c3d4e5f601234567" }, "description": "Enter the room; answered by the room's `user_joined` (the joiner hears it too). Joining twice announces nothing." },
                "leave_event": { "example": { "type": "leave_event", "event_id": "6745a1b2c3d4e5f601234567" }, "description": "Leave the room; the room and the leaver hear `user_left`. Leaving a room one is not in does nothing." },
                "chat_message": { "example": { "type": "chat_message", "event_id": "6745a1b2c3d4e5f601234567", "message": "Hola!" }, "description": "1 to 500 characters; participants of an active event only. Stored, and sent to the room (the author included)." },
                "claim_collectible": { "example": { "type": "claim_collectible", "collectible_id": "6745a1b2c3d4e5f601234567" }, "description": "Answered with `claim_result`; the room hears `collectible_claimed` on a win." },
                "ping": { "example": { "type": "ping" }, "description": "Answered with `pong`." }
            },
            "server_messages": {
                "nearby_events": { "fields": { "events": list_of("NearbyEvent"), "timestamp": timestamp("When the answer was made") } },
                "user_joined": { "fields": { "event_id": id("event"), "user_id": id("user"), "name": { "type": "string" } }, "description": "To the room." },
                "user_left": { "fields": { "event_id": id("event"), "user_id": id("user") }, "description": "To the room and the leaver." },
                "chat_message": { "fields": schema_ref("ChatMessage"), "description": "To the room; the fields of ChatMessage next to `type`." },
                "collectible_drop": { "fields": { "collectible": schema_ref("Collectible"), "expires_in": { "type": "integer", "description": "Seconds claimable." } }, "description": "To the room." },
                "claim_result": { "fields": { "result": schema_ref("ClaimResult") }, "description": "To the claimer." },
                "collectible_claimed": { "fields": { "collectible_id": id("collectible"), "event_id": id("event"), "user_id": id("user"), "name": { "type": "string" } }, "description": "To the room." },
                "event_ended": { "fields": { "event_id": id("event") }, "description": "To everyone who was in the room." },
                "event_nearby": { "fields": { "event": schema_ref("NearbyEvent") }, "description": "To connected users whose last location is within 5 km of a newly created event." },
                "transcript": { "fields": { "event_id": id("event"), "speaker_id": id("user"), "text": { "type": "string" }, "is_final": { "type": "boolean" }, "start": { "type": "number" }, "duration": { "type": "number" }, "confidence": { "type": "number" } }, "description": "Live captions, interim and final, to the room." },
                "error": { "fields": { "code": { "type": "string", "enum": ["invalid_json", "unknown_type", "invalid_message", "not_found", "forbidden", "conflict", "rate_limited", "unavailable"] }, "message": { "type": "string" } } },
                "pong": { "fields": {} }
            },
            "error_codes": {
                "invalid_json": "The frame is not JSON, not an object, or a binary frame.",
                "unknown_type": "`type` missing or not one of the client message types.",
                "invalid_message": "A known type with missing or invalid fields (e.g. coordinates out of range, an empty chat message).",
                "not_found": "An id names nothing.",
                "forbidden": "Not allowed (chatting in or claiming from a room one is not in).",
                "conflict": "Conflicts with the state (joining or chatting in an ended event).",
                "rate_limited": "More than CPL_RATE_LIMIT frames per second; the connection is closed next (1008).",
                "unavailable": "The database is unavailable; try again."
            },
            "close_codes": {
                "1000": "Normal close.",
                "1001": "Server shutting down, or no frame or pong for CPL_WS_TIMEOUT seconds.",
                "1008": "Rate limit exceeded, too many sockets for this user (CPL_MAX_CONNECTIONS_PER_USER, room sockets and transcription streams together), a client too slow to read its queue (CPL_WS_QUEUE), or the user's token was reset.",
                "1009": "A frame larger than 64 KiB."
            }
        },
        "/ws/transcribe/{event_id}": {
            "description": "Live transcription into an event's room. Only the event's participants may open it (its creator always may). Binary frames are 16-bit little-endian PCM at `sample_rate` with `channels`; the text frame `{\"type\":\"CloseStream\"}` ends the stream and `{\"type\":\"KeepAlive\"}` keeps it open while no audio is sent. The daemon relays the audio to Deepgram with the key only it holds, stores every final segment (GET /api/events/{event_id}/transcriptions), and sends every result, interim and final, back on this socket and to the room as `transcript`. The upgrade is refused with the REST error body, checked in this order: 401 no or invalid token (403 the admin token), 422 a malformed event id or query parameter, 503 no DEEPGRAM_API_KEY configured, 404 unknown event, 409 ended event, 403 neither a participant nor the creator, 409 the user already has CPL_MAX_CONNECTIONS_PER_USER sockets open (room sockets and transcription streams together). Checked again before each caption: a speaker who left the room is closed with 1008, an ended event closes the stream with 1000.",
            "query": {
                "token": "The speaker's bearer token (or `Authorization: Bearer <token>`).",
                "language": "Deepgram language tag such as `es`, `es-419`, `en-US`, `multi` (default CPL_DEEPGRAM_LANGUAGE, `es`).",
                "sample_rate": "Hz of the PCM, 8000 to 48000 (default 16000).",
                "channels": "Interleaved channels, 1 or 2 (default 1)."
            },
            "client_messages": {
                "audio": { "description": "Binary frame: 16-bit little-endian PCM." },
                "CloseStream": { "example": { "type": "CloseStream" }, "description": "Ends the stream; the last results arrive, then a normal close." },
                "KeepAlive": { "example": { "type": "KeepAlive" }, "description": "Keeps the stream open while the speaker is silent." }
            },
            "server_messages": {
                "transcript": { "fields": { "event_id": id("event"), "speaker_id": id("user"), "text": { "type": "string" }, "is_final": { "type": "boolean" }, "start": { "type": "number" }, "duration": { "type": "number" }, "confidence": { "type": "number" } }, "description": "Every result, interim and final; also sent to the room." },
                "error": { "fields": { "code": { "type": "string" }, "message": { "type": "string" } }, "description": "A text frame that is not JSON (`invalid_json`) or not a known control message (`unknown_type`); the stream stays open. Also sent, with code `unavailable` and the details, before a close for a failure." }
            },
            "close_codes": {
                "1000": "The stream was closed (CloseStream answered), or the event has ended.",
                "1001": "The daemon is shutting down.",
                "1008": "No audio or KeepAlive for too long, the speaker left the event's room, or the speaker's token was reset.",
                "1009": "An audio frame too large; send smaller chunks.",
                "1011": "Deepgram failed or refused the stream, could not be reached, or answered something that is not its live protocol (the reason says why; an `error` frame with code `unavailable` comes first)."
            }
        }
    })
}

/// The WebSocket endpoints (documented under `x-websocket`); they take only `GET`.
const WEBSOCKET_PATHS: [&str; 2] = ["/ws/{user_id}", "/ws/transcribe/{event_id}"];

/// The methods a request path takes, upper-case and sorted, for the `Allow` header of a
/// 405 (RFC 9110 requires it): those of the documented operations whose path matches,
/// literal paths (`/api/users/me`) before templated ones (`/api/users/{user_id}`). Empty
/// when no documented path matches.
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
    let known: Vec<(&str, &str)> = operations()
        .iter()
        .map(|op| (op.method, op.path))
        .chain(WEBSOCKET_PATHS.iter().map(|p| ("get", *p)))
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

/// The document served at `/openapi.json`.
pub fn document() -> serde_json::Value {
    let mut paths = Map::new();
    for op in operations() {
        let entry = paths
            .entry(op.path.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(m) = entry.as_object_mut() {
            m.insert(op.method.to_string(), op.to_json());
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "CityPulse Live",
            "version": citypulse::VERSION,
            "description": DESCRIPTION,
            "license": { "name": "MIT" }
        },
        "tags": [
            { "name": "users", "description": "Registration, profiles, tokens, inventories." },
            { "name": "events", "description": "Events, their rooms, chat and transcripts." },
            { "name": "collectibles", "description": "Drops and claims." },
            { "name": "operations", "description": "Health, metrics and this documentation." }
        ],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "userToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The user's token, returned once by POST /api/users/register (or POST /api/users/{user_id}/token): `Authorization: Bearer <token>`."
                },
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The daemon's admin token, the value of CPL_ADMIN_TOKEN: `Authorization: Bearer <admin token>`. Without one configured, admin calls answer 403."
                }
            }
        },
        "x-websocket": websocket_doc()
    })
}

/// The `/docs` page: renders `/openapi.json` with inline script and style only (the page's
/// Content-Security-Policy allows nothing else).
pub const DOCS_HTML: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CityPulse Live API</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 1000px; padding: 1em; color: #1d2430; }
h1 { margin-bottom: 0; } h2 { border-bottom: 1px solid #ccd; margin-top: 2em; }
.ver { color: #667; }
.desc { white-space: pre-wrap; }
code, pre { font: 13px/1.4 ui-monospace, monospace; }
pre { background: #f4f5f8; padding: .6em; overflow-x: auto; margin: .3em 0; }
details { border: 1px solid #d6d9e0; border-radius: 6px; margin: .4em 0; background: #fff; }
details > summary { cursor: pointer; padding: .45em .7em; list-style: none; }
details[open] > summary { border-bottom: 1px solid #e3e5ea; }
details > div { padding: .5em .9em; }
.m { display: inline-block; width: 4.2em; text-align: center; font-weight: 700; color: #fff; border-radius: 4px; font-size: 12px; padding: 2px 0; margin-right: .6em; }
.get { background: #2f7fd8; } .post { background: #23a061; } .put, .patch { background: #d59a1a; } .delete { background: #d24a43; }
.path { font-weight: 600; }
.sum { color: #556; margin-left: .6em; }
.lock { margin-left: .5em; font-size: 12px; color: #8a5a00; }
table { border-collapse: collapse; width: 100%; margin: .3em 0; }
th, td { text-align: left; border-bottom: 1px solid #e3e5ea; padding: .25em .5em; vertical-align: top; }
.st { font-weight: 700; } .s2 { color: #23a061; } .s4 { color: #c0392b; } .s5 { color: #8e44ad; }
#err { color: #c0392b; }
button { margin-right: .5em; }
</style>
</head>
<body>
<h1 id="title">CityPulse Live API</h1>
<div class="ver" id="ver"></div>
<p id="err"></p>
<div class="desc" id="desc"></div>
<p><button id="open">Expand all</button><button id="close">Collapse all</button> Raw document: <a href="openapi.json">openapi.json</a></p>
<div id="ops"></div>
<h2>Schemas</h2>
<div id="schemas"></div>
<h2>WebSockets</h2>
<div id="ws"></div>
<script>
"use strict";
var doc = null;
function el(tag, attrs, kids) {
  var e = document.createElement(tag);
  if (attrs) for (var k in attrs) { if (k === "text") e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); }
  (kids || []).forEach(function (c) { if (c !== null && c !== undefined) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
  return e;
}
function refName(r) { return r.split("/").pop(); }
function deref(s) {
  var seen = 0;
  while (s && s.$ref && seen++ < 20) {
    var parts = s.$ref.replace(/^#\//, "").split("/"), cur = doc;
    parts.forEach(function (p) { cur = cur ? cur[p] : undefined; });
    s = cur;
  }
  return s || {};
}
function constraints(s) {
  var c = [];
  if (s.format) c.push(s.format);
  if (s.enum) c.push("one of " + s.enum.map(function (v) { return JSON.stringify(v); }).join(", "));
  if (s.minimum !== undefined || s.maximum !== undefined) c.push("range " + (s.minimum !== undefined ? s.minimum : "") + ".." + (s.maximum !== undefined ? s.maximum : ""));
  if (s.minLength !== undefined || s.maxLength !== undefined) c.push("length " + (s.minLength || 0) + ".." + (s.maxLength !== undefined ? s.maxLength : ""));
  if (s.minItems !== undefined) c.push(s.minItems + (s.maxItems !== undefined && s.maxItems !== s.minItems ? ".." + s.maxItems : "") + " items");
  if (s.pattern && s.pattern.length < 30) c.push("pattern " + s.pattern);
  if (s.default !== undefined) c.push("default " + JSON.stringify(s.default));
  if (s.nullable) c.push("nullable");
  return c.length ? " (" + c.join("; ") + ")" : "";
}
// A schema as indented text; named schemas are shown by name except at the top.
function fmt(s, ind, top) {
  ind = ind || "";
  if (!s) return "any";
  if (s.$ref && !top) return refName(s.$ref);
  if (s.$ref) return fmt(deref(s), ind, false);
  if (s.allOf) return s.allOf.map(function (x) { return fmt(x, ind); }).join(" & ");
  if (s.type === "array") return "array of " + fmt(s.items, ind) + constraints(s);
  if (s.type === "object" || s.properties) {
    var props = s.properties || {}, req = s.required || [], keys = Object.keys(props);
    if (!keys.length) return "object" + constraints(s);
    var lines = keys.map(function (k) {
      var p = props[k];
      var d = p.description ? "  // " + p.description : "";
      return ind + "  " + k + (req.indexOf(k) >= 0 ? "" : "?") + ": " + fmt(p, ind + "  ") + d;
    });
    return "{" + (s.nullable ? " // nullable" : "") + "\n" + lines.join("\n") + "\n" + ind + "}";
  }
  return (s.type || "any") + constraints(s);
}
function schemaBlock(s) { return el("pre", { text: fmt(s, "", true) }); }
function securityText(sec) {
  if (!sec || !sec.length) return "none";
  return sec.map(function (r) { var k = Object.keys(r); return k.length ? k.join(" + ") : "anonymous"; }).join(" or ");
}
function renderOp(path, method, op) {
  var body = el("div");
  if (op.description) body.appendChild(el("p", { text: op.description }));
  body.appendChild(el("p", {}, [el("b", { text: "Auth: " }), securityText(op.security)]));
  if (op.parameters && op.parameters.length) {
    var t = el("table", {}, [el("tr", {}, ["Parameter", "In", "Required", "Schema", "Description"].map(function (h) { return el("th", { text: h }); }))]);
    op.parameters.forEach(function (p) {
      p = deref(p);
      t.appendChild(el("tr", {}, [el("td", {}, [el("code", { text: p.name })]), el("td", { text: p.in }), el("td", { text: p.required ? "yes" : "no" }),
        el("td", {}, [el("code", { text: fmt(p.schema) })]), el("td", { text: p.description || "" })]));
    });
    body.appendChild(el("h4", { text: "Parameters" }));
    body.appendChild(t);
  }
  if (op.requestBody) {
    var rb = deref(op.requestBody);
    body.appendChild(el("h4", { text: "Request body" + (rb.required ? "" : " (optional)") }));
    if (rb.description) body.appendChild(el("p", { text: rb.description }));
    Object.keys(rb.content || {}).forEach(function (ct) {
      body.appendChild(el("div", {}, [el("code", { text: ct })]));
      body.appendChild(schemaBlock(rb.content[ct].schema));
    });
  }
  body.appendChild(el("h4", { text: "Responses" }));
  var rt = el("table", {}, [el("tr", {}, ["Status", "Description", "Body"].map(function (h) { return el("th", { text: h }); }))]);
  Object.keys(op.responses || {}).forEach(function (st) {
    var r = deref(op.responses[st]), cell = el("td");
    Object.keys(r.content || {}).forEach(function (ct) {
      var s = r.content[ct].schema;
      cell.appendChild(el("code", { text: ct + ": " + (s && s.$ref ? refName(s.$ref) : fmt(s)) }));
    });
    Object.keys(r.headers || {}).forEach(function (h) { cell.appendChild(el("div", { text: "header " + h + ": " + (r.headers[h].description || "") })); });
    rt.appendChild(el("tr", {}, [el("td", { class: "st s" + st.charAt(0), text: st }), el("td", { text: r.description || "" }), cell]));
  });
  body.appendChild(rt);
  var sum = el("summary", {}, [el("span", { class: "m " + method, text: method.toUpperCase() }), el("span", { class: "path", text: path }),
    el("span", { class: "sum", text: op.summary || "" }), op.security && op.security.length && Object.keys(op.security[0]).length ? el("span", { class: "lock", text: "[" + securityText(op.security) + "]" }) : null]);
  return el("details", { id: op.operationId || (method + path) }, [sum, body]);
}
function render() {
  document.getElementById("title").textContent = doc.info.title + " API";
  document.getElementById("ver").textContent = "version " + doc.info.version + " \u00b7 OpenAPI " + doc.openapi;
  document.getElementById("desc").textContent = doc.info.description || "";
  var ops = document.getElementById("ops"), tags = {};
  Object.keys(doc.paths).forEach(function (path) {
    ["get", "put", "post", "delete", "patch", "head", "options"].forEach(function (m) {
      var op = doc.paths[path][m];
      if (!op) return;
      var tag = (op.tags && op.tags[0]) || "other";
      (tags[tag] = tags[tag] || []).push(renderOp(path, m, op));
    });
  });
  Object.keys(tags).forEach(function (t) {
    ops.appendChild(el("h2", { text: t }));
    tags[t].forEach(function (d) { ops.appendChild(d); });
  });
  var sc = document.getElementById("schemas"), all = (doc.components || {}).schemas || {};
  Object.keys(all).forEach(function (n) {
    sc.appendChild(el("details", { id: "schema-" + n }, [el("summary", {}, [el("span", { class: "path", text: n }),
      el("span", { class: "sum", text: all[n].description || "" })]), el("div", {}, [schemaBlock(all[n])])]));
  });
  var ws = document.getElementById("ws"), x = doc["x-websocket"] || {};
  Object.keys(x).forEach(function (p) {
    var d = x[p], div = el("div");
    div.appendChild(el("p", { text: d.description || "" }));
    if (d.query) div.appendChild(el("pre", { text: Object.keys(d.query).map(function (k) { return "?" + k + "  " + d.query[k]; }).join("\n") }));
    [["client_messages", "Client to server"], ["server_messages", "Server to client"]].forEach(function (pair) {
      var msgs = d[pair[0]];
      if (!msgs) return;
      div.appendChild(el("h4", { text: pair[1] }));
      div.appendChild(el("pre", { text: Object.keys(msgs).map(function (t) {
        var m = msgs[t];
        var shape = m.example ? JSON.stringify(m.example) : t + " " + fmt({ type: "object", properties: m.fields && !m.fields.$ref ? m.fields : {} }, "").replace(/\n/g, "\n    ") + (m.fields && m.fields.$ref ? " + fields of " + refName(m.fields.$ref) : "");
        return shape + (m.description ? "\n    // " + m.description : "");
      }).join("\n") }));
    });
    ["error_codes", "close_codes"].forEach(function (k) {
      if (!d[k]) return;
      div.appendChild(el("h4", { text: k.replace("_", " ") }));
      div.appendChild(el("pre", { text: Object.keys(d[k]).map(function (c) { return c + ": " + d[k][c]; }).join("\n") }));
    });
    ws.appendChild(el("details", {}, [el("summary", {}, [el("span", { class: "m get", text: "WS" }), el("span", { class: "path", text: p })]), div]));
  });
  if (location.hash) { var t = document.getElementById(location.hash.slice(1)); if (t) { t.open = true; t.scrollIntoView(); } }
}
function setAll(open) { Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = open; }); }
document.getElementById("open").addEventListener("click", function () { setAll(true); });
document.getElementById("close").addEventListener("click", function () { setAll(false); });
fetch("openapi.json", { headers: { Accept: "application/json" } })
  .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
  .then(function (d) { doc = d; render(); })
  .catch(function (e) { document.getElementById("err").textContent = "Could not load openapi.json: " + e.message; });
</script>
</body>
</html>
"##;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every route of `api::routes` (daemon/src/api/mod.rs), as (method, OpenAPI path).
    /// Keep in sync with the route table.
    const ROUTES: &[(&str, &str)] = &[
        ("post", "/api/users/register"),
        ("get", "/api/users/me"),
        ("get", "/api/users"),
        ("get", "/api/users/{user_id}"),
        ("get", "/api/users/{user_id}/collectibles"),
        ("post", "/api/users/{user_id}/token"),
        ("post", "/api/events"),
        ("get", "/api/events/nearby"),
        ("get", "/api/events/{event_id}"),
        ("post", "/api/events/{event_id}/join"),
        ("post", "/api/events/{event_id}/leave"),
        ("post", "/api/events/{event_id}/end"),
        ("get", "/api/events/{event_id}/participants"),
        ("get", "/api/events/{event_id}/messages"),
        ("get", "/api/events/{event_id}/transcriptions"),
        ("post", "/api/events/{event_id}/collectibles"),
        ("post", "/api/collectibles/claim"),
        ("get", "/api/collectibles/active/{event_id}"),
        ("get", "/health"),
        ("get", "/metrics"),
        ("get", "/openapi.json"),
        ("get", "/docs"),
    ];

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
        "ErrorBody",
    ];

    const METHODS: &[&str] = &[
        "get", "put", "post", "delete", "patch", "head", "options", "trace",
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
    fn document_is_openapi_3_0_3_json() {
        let doc = document();
        let text = serde_json::to_string(&doc).expect("serialises");
        let back: Value = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, doc);
        assert_eq!(doc["openapi"], "3.0.3");
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
        collect_refs(&doc, &mut refs);
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
    fn operations_are_exactly_the_routes() {
        let doc = document();
        let documented: BTreeSet<(String, String)> = operations_of(&doc)
            .into_iter()
            .map(|(m, p, _)| (m, p))
            .collect();
        let routes: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        assert_eq!(routes.len(), ROUTES.len(), "duplicate route in the list");
        let missing: Vec<_> = routes.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&routes).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "missing {missing:?}, extra {extra:?}"
        );
    }

    #[test]
    fn operations_are_complete() {
        let doc = document();
        let mut ids = BTreeSet::new();
        for (method, path, op) in operations_of(&doc) {
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
                    assert_eq!(p["schema"]["pattern"], ID_PATTERN, "{at}");
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
        assert_eq!(allowed_methods("/api/users/me"), ["GET"]);
        assert_eq!(
            allowed_methods("/api/users/6745a1b2c3d4e5f601234567"),
            ["GET"]
        );
        assert_eq!(
            allowed_methods("/api/users/6745a1b2c3d4e5f601234567/token"),
            ["POST"]
        );
        assert_eq!(allowed_methods("/api/events"), ["POST"]);
        assert_eq!(allowed_methods("/api/events/"), ["POST"]);
        assert_eq!(allowed_methods("/api/events/nearby"), ["GET"]);
        assert_eq!(allowed_methods("/api/events/x/collectibles"), ["POST"]);
        assert_eq!(allowed_methods("/ws/6745a1b2c3d4e5f601234567"), ["GET"]);
        assert_eq!(allowed_methods("/ws/transcribe/x"), ["GET"]);
        assert_eq!(allowed_methods("/health"), ["GET"]);
        assert!(allowed_methods("/nothing/here").is_empty());
        assert!(allowed_methods("/api/users//token").is_empty());
        // Every documented operation's own path lists its method.
        for (method, path) in ROUTES {
            assert!(
                allowed_methods(path).contains(&method.to_ascii_uppercase()),
                "{method} {path}"
            );
        }
    }

    #[test]
    fn docs_page_is_self_contained() {
        let page = DOCS_HTML.to_ascii_lowercase();
        assert!(page.contains("openapi.json"));
        for banned in [
            "src=\"http",
            "href=\"http",
            "src=\"//",
            "@import",
            "<link",
            "<iframe",
            "innerhtml",
        ] {
            assert!(!page.contains(banned), "{banned}");
        }
        assert!(DOCS_HTML.lines().count() < 300);
    }
}
