//! REST request bodies, query strings and small answers of API.md.

use serde::{Deserialize, Serialize};

use crate::geo::Coordinates;
use crate::ids::{EventId, UserId};
use crate::model::{Collectible, Event, EventStatus, Rarity};
use crate::time::Timestamp;

/// The error body every failing call answers with (FastAPI's shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct ErrorBody {
    /// A sentence that says what was wrong and what to do.
    pub detail: String,
}

/// `POST /api/users/register`. Unknown fields are refused (422), as on every body, so a
/// client cannot believe it set something it did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Phone number; normalised to E.164.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[ \t\u00A0().\-]*(\+|0[ \t\u00A0().\-]*0)[ \t\u00A0().\-]*[1-9]([ \t\u00A0().\-]*[0-9]){7,14}[ \t\u00A0().\-]*$",
            example = "+573001234567"
        )
    )]
    pub phone: String,
    /// Display name, 1 to 80 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 80,
            pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*[^\s\u0000-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8][^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub name: String,
}

/// `POST /api/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct CreateEventRequest {
    /// 1 to 120 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 120,
            pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*[^\s\u0000-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8][^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub title: String,
    /// Up to 2000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "typescript", ts(optional = nullable))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 2000,
            pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub description: Option<String>,
    /// 1 to 40 characters; stored lower-case.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 40,
            pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*[^\s\u0000-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8][^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub category: String,
    /// `[longitude, latitude]`.
    pub coordinates: Coordinates,
    /// Free text, up to 300 characters.
    #[serde(default)]
    #[cfg_attr(feature = "typescript", ts(optional = nullable))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 300,
            pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub address: Option<String>,
    /// Planned start.
    #[serde(default, deserialize_with = "crate::time::deserialize_input")]
    #[cfg_attr(feature = "typescript", ts(optional = nullable))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, example = "2026-11-25T14:03:00Z"))]
    pub starts_at: Option<Timestamp>,
    /// Planned end; after `starts_at`.
    #[serde(default, deserialize_with = "crate::time::deserialize_input")]
    #[cfg_attr(feature = "typescript", ts(optional = nullable))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, example = "2026-11-25T16:00:00Z"))]
    pub ends_at: Option<Timestamp>,
}

/// Query of `GET /api/events/nearby`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyQuery {
    /// Longitude of the centre.
    pub lng: f64,
    /// Latitude of the centre.
    pub lat: f64,
    /// Radius in metres, 1 to 50000 (default 5000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance: Option<f64>,
    /// At most this many events, 1 to 100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only this category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// Defaults and bounds of the nearby search.
pub mod nearby {
    /// Default radius, metres.
    pub const DEFAULT_MAX_DISTANCE: f64 = 5000.0;
    /// Largest radius, metres.
    pub const MAX_DISTANCE: f64 = 50_000.0;
    /// Default answer size.
    pub const DEFAULT_LIMIT: u32 = 20;
    /// Largest answer size.
    pub const MAX_LIMIT: u32 = 100;
}

/// Query of paged histories (`messages`, `transcriptions`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageQuery {
    /// 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only entries strictly older than this time (the previous page's last timestamp).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::time::deserialize_input"
    )]
    pub before: Option<Timestamp>,
    /// With `before`: the previous page's last id, so that entries sharing its timestamp
    /// (several in one millisecond) are neither skipped nor repeated: the page then starts
    /// right after that entry in the newest-first order (timestamp, then id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_id: Option<String>,
    /// Text search (transcriptions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// The previous answer's `X-Next-Cursor` ([`NEXT_CURSOR_HEADER`]): the page after it.
    /// Not together with `before`/`before_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// The header in which a list that answers a JSON array (users, messages, transcriptions)
/// names the cursor of its next page; absent on the last page. The array bodies stay as
/// they were, so no existing client breaks; a client that pages passes it back as
/// `cursor`.
pub const NEXT_CURSOR_HEADER: &str = "x-next-cursor";

/// Query of the lists paged by `limit` and `cursor` alone: `GET /api/users` (admin), a
/// user's collectibles and an event's participants. Unknown parameters are ignored, as on
/// every REST call (API.md, "Conventions").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserListQuery {
    /// 1 to 1000 (default 1000, what the list answered before it was paged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous answer's `X-Next-Cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Bounds of the lists of [`UserListQuery`].
pub mod user_list {
    /// Default (and largest) page size.
    pub const MAX_LIMIT: u32 = 1000;
}

/// Query of `GET /api/events`: filters, all optional, and the page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventListQuery {
    /// `active` (anyone) or `ended` (admin); absent: both (admin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<EventStatus>,
    /// Only this category (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Only events this user created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<String>,
    /// `minLng,minLat,maxLng,maxLat`: only events inside (edges included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<String>,
    /// Only events created strictly after this time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::time::deserialize_input"
    )]
    pub created_after: Option<Timestamp>,
    /// Only events created strictly before this time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::time::deserialize_input"
    )]
    pub created_before: Option<Timestamp>,
    /// 1 to 100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Bounds of the event list.
pub mod event_list {
    /// Default page size.
    pub const DEFAULT_LIMIT: u32 = 20;
    /// Largest page size.
    pub const MAX_LIMIT: u32 = 100;
}

/// `GET /api/events`: a page of events, newest first (creation time, then id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct EventPage {
    /// The events of this page.
    pub items: Vec<Event>,
    /// Pass it as `cursor` for the next page; null on the last page.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// Paging bounds.
pub mod page {
    /// Default page size.
    pub const DEFAULT_LIMIT: u32 = 50;
    /// Largest page size.
    pub const MAX_LIMIT: u32 = 200;
}

/// `POST /api/events/{id}/join` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct JoinResponse {
    /// The event joined.
    pub event_id: EventId,
    /// Daily room URL; null when video is off.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub room_url: Option<String>,
    /// Daily meeting token; null when video is off.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub token: Option<String>,
}

/// A plain acknowledgement, `{"message": "Event ended"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct MessageResponse {
    /// What happened.
    pub message: String,
}

/// The outcome of a claim. Exactly one claimer of a collectible gets `success: true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct ClaimResult {
    /// Whether this caller won.
    pub success: bool,
    /// `"claimed"`, `"already claimed"`, `"expired"`, ...
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::claim_message))]
    pub message: String,
    /// The collectible won (winner only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collectible: Option<Collectible>,
}

/// The messages of [`ClaimResult`], fixed so clients can branch on them.
pub mod claim_message {
    /// The caller won.
    pub const CLAIMED: &str = "claimed";
    /// Someone else won first.
    pub const ALREADY_CLAIMED: &str = "already claimed";
    /// Its time ran out (or its event ended).
    pub const EXPIRED: &str = "expired";
}

/// `POST /api/events/{id}/collectibles` (admin): a manual drop; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DropRequest {
    /// 1 to 80 characters; a catalogue name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 80,
            pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*[^\s\u0000-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8][^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub name: Option<String>,
    /// Rarity; drawn from the catalogue's odds when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rarity: Option<Rarity>,
    /// 1 to 10000; the rarity's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub points: Option<u32>,
    /// Seconds claimable, 1 to 86400; the daemon's drop TTL when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 86400))]
    pub expires_in: Option<u64>,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Health {
    /// `"ok"`, or `"unavailable"` with a 503.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::health_status))]
    pub status: String,
    /// `"sqlite"` or `"mongodb"`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::store_backend))]
    pub store: String,
    /// Daemon version.
    pub version: String,
    /// Whether Daily.co video is configured, and how to enable it if not.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub video: Option<FeatureStatus>,
    /// Whether Deepgram transcription is configured, and how to enable it if not.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub transcription: Option<FeatureStatus>,
    /// Whether sign-in by SMS code (Twilio Verify) is configured, and how to enable it if
    /// not.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub sms_sign_in: Option<FeatureStatus>,
    /// What is wrong, when `status` is not ok.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// An optional integration's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct FeatureStatus {
    /// On or off.
    pub enabled: bool,
    /// A sentence: what it does, or how to enable it.
    pub detail: String,
}

/// `POST /api/users/{id}/token` (the user themselves or admin): a new token, the old one revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct TokenResponse {
    /// The new bearer token.
    pub token: String,
}

/// `DELETE /api/users/{id}` (the user themselves or admin): what the erasure did. The
/// user's phone, name, token and last position are gone; the id answers 404 from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct UserErased {
    /// The erased user's id.
    pub user_id: UserId,
    /// Whether their chat messages and transcript segments were removed (`?purge=true`)
    /// rather than kept under [`crate::model::DELETED_USER_NAME`].
    pub purged: bool,
    /// Rooms they were taken out of (each heard `user_left`).
    pub rooms_left: u64,
    /// Their chat messages: removed when purged, else renamed to `deleted user`.
    pub messages: u64,
    /// Their transcript segments removed (purge only; 0 otherwise: segments carry no name).
    pub transcriptions: u64,
}

/// Query of `DELETE /api/users/{id}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EraseQuery {
    /// `true`: remove the user's chat messages and transcript segments too, instead of
    /// keeping them under `deleted user` (default `false`).
    #[serde(default)]
    pub purge: bool,
}
