//! The entities the API serves: users, events, collectibles, chat messages, transcripts.
//!
//! Field names follow the original backend's documents (`stats`, `location`, `room`,
//! `claimed_by`, ...) so frontends written for it keep working. Fields added after v1
//! are `Option` with `#[serde(default)]`.

use serde::{Deserialize, Serialize};

use crate::geo::GeoPoint;
use crate::ids::{CollectibleId, EventId, MessageId, TranscriptId, UserId};
use crate::time::Timestamp;

/// The name history shows for a user who erased their account (`DELETE /api/users/{id}`):
/// their chat messages keep their `user_id`, which no longer names anyone (reading that
/// user answers 404), and carry this `name` instead of theirs.
pub const DELETED_USER_NAME: &str = "deleted user";

/// A user's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct UserStats {
    /// Events this user created.
    pub events_created: u64,
    /// Distinct events this user joined (each counted once).
    pub events_attended: u64,
    /// Collectibles this user won.
    pub collectibles_count: u64,
}

/// A user's profile. `phone` is present only for the user themselves and admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// Display name.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 80))]
    pub name: String,
    /// E.164 phone number; private.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "+573001234567"))]
    pub phone: Option<String>,
    /// Counters.
    pub stats: UserStats,
    /// Registration time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize")]
    pub created_at: Timestamp,
}

/// The answer to a registration: the profile and the bearer token, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct RegisteredUser {
    /// The new profile (phone included).
    #[serde(flatten)]
    pub user: User,
    /// Bearer token for `Authorization: Bearer <token>`; the daemon keeps only its hash.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "cpl_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
    )]
    pub token: String,
}

/// One entry of a user's inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct UserCollectible {
    /// The collectible won.
    pub collectible_id: CollectibleId,
    /// Its name.
    pub name: String,
    /// Its rarity.
    pub rarity: Rarity,
    /// Its points.
    pub points: u32,
    /// The event it dropped into.
    pub event_id: EventId,
    /// When it was won.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize")]
    pub claimed_at: Timestamp,
}

/// Whether an event is still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    /// Open: it can be joined and gets drops.
    Active,
    /// Ended by its creator.
    Ended,
}

impl EventStatus {
    /// The wire (and storage) string.
    pub fn as_str(&self) -> &'static str {
        match self {
            EventStatus::Active => "active",
            EventStatus::Ended => "ended",
        }
    }
}

/// An event's video room (Daily.co) and how many people are in the event's room now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct EventRoom {
    /// Daily room name (`citypulse-event-<event id>`); null when video is off.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub daily_room_name: Option<String>,
    /// Daily room URL; null when video is off.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub daily_room_url: Option<String>,
    /// Participants in the event's room now.
    pub current_participants: u64,
}

/// A civic event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Event {
    /// The event's id.
    pub id: EventId,
    /// Title, 1 to 120 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 120))]
    pub title: String,
    /// Description, up to 2000 characters.
    #[cfg_attr(feature = "openapi", schema(required = true, max_length = 2000))]
    pub description: Option<String>,
    /// Category, lower-case.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 40))]
    pub category: String,
    /// Who created it.
    pub creator_id: UserId,
    /// Where it is.
    pub location: GeoPoint,
    /// Street address, free text.
    #[cfg_attr(feature = "openapi", schema(required = true, max_length = 300))]
    pub address: Option<String>,
    /// Active or ended.
    pub status: EventStatus,
    /// Video room and presence count.
    pub room: EventRoom,
    /// The video room's URL (the original's create answer carried it at the top level).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub room_url: Option<String>,
    /// Planned start, if given.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<String>, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize_opt")]
    pub starts_at: Option<Timestamp>,
    /// Planned end, if given.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<String>, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize_opt")]
    pub ends_at: Option<Timestamp>,
    /// Creation time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize")]
    pub created_at: Timestamp,
    /// When it was ended.
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<String>, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize_opt")]
    pub ended_at: Option<Timestamp>,
}

/// An event in a nearby search, with its distance from the search centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct NearbyEvent {
    /// The event.
    #[serde(flatten)]
    pub event: Event,
    /// Great-circle distance from the search centre, metres.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub distance_m: f64,
}

/// Someone in an event's room now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Participant {
    /// The user.
    pub user_id: UserId,
    /// Their display name.
    pub name: String,
    /// When they joined.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize")]
    pub joined_at: Timestamp,
}

/// How rare a collectible is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Rarity {
    /// Most drops.
    Common,
    /// Less often.
    Rare,
    /// Seldom.
    Epic,
    /// Almost never.
    Legendary,
}

impl Rarity {
    /// Every rarity, commonest first.
    pub const ALL: [Rarity; 4] = [
        Rarity::Common,
        Rarity::Rare,
        Rarity::Epic,
        Rarity::Legendary,
    ];

    /// The wire (and storage) string.
    pub fn as_str(&self) -> &'static str {
        match self {
            Rarity::Common => "common",
            Rarity::Rare => "rare",
            Rarity::Epic => "epic",
            Rarity::Legendary => "legendary",
        }
    }

    /// Parses the wire string.
    pub fn parse(s: &str) -> Option<Rarity> {
        Rarity::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Default points for a drop of this rarity.
    pub fn default_points(&self) -> u32 {
        match self {
            Rarity::Common => 10,
            Rarity::Rare => 25,
            Rarity::Epic => 50,
            Rarity::Legendary => 100,
        }
    }
}

/// A collectible dropped into an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Collectible {
    /// Its id.
    pub id: CollectibleId,
    /// The event it dropped into.
    pub event_id: EventId,
    /// Its name.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 80))]
    pub name: String,
    /// Its rarity.
    pub rarity: Rarity,
    /// Its points.
    pub points: u32,
    /// When it dropped.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize")]
    pub dropped_at: Timestamp,
    /// When it stops being claimable.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize")]
    pub expires_at: Timestamp,
    /// The winner, once claimed; null again when the winner erased their account (the
    /// collectible stays claimed: `claimed_at` is kept and it never becomes claimable).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub claimed_by: Option<UserId>,
    /// When it was won.
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<String>, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize_opt")]
    pub claimed_at: Option<Timestamp>,
    /// Claimable: not claimed, not expired, its event not ended.
    pub is_active: bool,
}

/// A chat message in an event's room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct ChatMessage {
    /// Its id.
    pub id: MessageId,
    /// The room.
    pub event_id: EventId,
    /// The author.
    pub user_id: UserId,
    /// The author's display name; [`DELETED_USER_NAME`] (`deleted user`) once the author
    /// erased their account.
    pub name: String,
    /// The text, 1 to 500 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub message: String,
    /// When it was sent.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize")]
    pub timestamp: Timestamp,
}

/// A word of a transcript, with timing, as Deepgram gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct TranscriptWord {
    /// The word.
    pub word: String,
    /// Start, seconds from the stream's start.
    pub start: f64,
    /// End, seconds from the stream's start.
    pub end: f64,
    /// Confidence 0 to 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1))]
    pub confidence: f64,
    /// The word as punctuated/formatted, when Deepgram gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub punctuated_word: Option<String>,
}

/// A stored final transcript segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Transcription {
    /// Its id.
    pub id: TranscriptId,
    /// The event.
    pub event_id: EventId,
    /// Who spoke.
    pub speaker_id: UserId,
    /// The text.
    pub text: String,
    /// Confidence 0 to 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1))]
    pub confidence: f64,
    /// Start, seconds from the speaker's stream start.
    pub start: f64,
    /// Duration, seconds.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub duration: f64,
    /// Word timings, when given.
    #[serde(default)]
    pub words: Vec<TranscriptWord>,
    /// When it was stored.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-11-25T14:03:00.000Z"))]
    #[serde(serialize_with = "crate::time::serialize")]
    pub created_at: Timestamp,
}
