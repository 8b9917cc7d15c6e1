//! Records as they move between stores (`cpld migrate`): one portable shape per
//! collection, every field a backend keeps, so that a copy loses nothing either way.
//!
//! Each collection is read in the order of a key (its id, or for the rows that have none
//! of their own the pair of ids they join), in batches that start after the last key of
//! the previous one; and written insert-if-absent by that key. A copy can therefore stop
//! anywhere and be run again: what is there already is skipped, the rest is added.
//!
//! Not carried: connection leases, job leases and bus envelopes (the state of running
//! daemons, which means nothing to another store), the schema bookkeeping of each backend
//! and the MongoDB-only `claim_pending` marker (repaired by the source before it is read).

use citypulse::geo::Coordinates;
use citypulse::ids::{EventId, UserId};
use citypulse::model::{ChatMessage, Collectible, Event, Transcription, User, UserCollectible};
use citypulse::time::Timestamp;

/// A collection (MongoDB) or table (SQLite) that a copy carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Users, with their token hash and last position.
    Users,
    /// Events.
    Events,
    /// Which events each user ever joined (counts `events_attended` once).
    Attendance,
    /// Who is in each room now.
    Participants,
    /// Dropped collectibles, claimed or not.
    Collectibles,
    /// Users' won collectibles (`user_collectibles`).
    Inventory,
    /// Chat messages.
    Messages,
    /// Transcript segments.
    Transcriptions,
}

impl Kind {
    /// Every kind, in the order a copy writes them: what a record refers to comes first.
    pub const ALL: [Kind; 8] = [
        Kind::Users,
        Kind::Events,
        Kind::Attendance,
        Kind::Participants,
        Kind::Collectibles,
        Kind::Inventory,
        Kind::Messages,
        Kind::Transcriptions,
    ];

    /// The collection's name (the same in both backends).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Users => "users",
            Kind::Events => "events",
            Kind::Attendance => "attendance",
            Kind::Participants => "participants",
            Kind::Collectibles => "collectibles",
            Kind::Inventory => "user_collectibles",
            Kind::Messages => "messages",
            Kind::Transcriptions => "transcriptions",
        }
    }
}

/// A user with what only the store sees: the token hash (None for a user of the original
/// backend, who never had a token) and the last known position.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    /// The profile, phone included.
    pub user: User,
    /// Hex SHA-256 of the bearer token.
    pub token_hash: Option<String>,
    /// Last known position and when it was reported.
    pub location: Option<(Coordinates, Option<Timestamp>)>,
    /// When the user was erased (`DELETE /api/users/{id}`): the record is a tombstone,
    /// carried so that what points at it still points somewhere, and it stays erased.
    pub deleted_at: Option<Timestamp>,
}

/// One stored row of any collection.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A user.
    User(UserRecord),
    /// An event, as stored (status, room, counters).
    Event(Event),
    /// `user_id` has joined `event_id` at least once.
    Attendance {
        /// The event.
        event_id: EventId,
        /// The user.
        user_id: UserId,
    },
    /// `user_id` is in the room of `event_id`.
    Participant {
        /// The event.
        event_id: EventId,
        /// The user.
        user_id: UserId,
        /// When they joined.
        joined_at: Timestamp,
    },
    /// A collectible.
    Collectible(Collectible),
    /// A won collectible in `user_id`'s inventory.
    Inventory {
        /// The winner.
        user_id: UserId,
        /// What they won.
        item: UserCollectible,
    },
    /// A chat message.
    Message(ChatMessage),
    /// A transcript segment.
    Transcription(Transcription),
}

impl Record {
    /// Its collection.
    pub fn kind(&self) -> Kind {
        match self {
            Record::User(_) => Kind::Users,
            Record::Event(_) => Kind::Events,
            Record::Attendance { .. } => Kind::Attendance,
            Record::Participant { .. } => Kind::Participants,
            Record::Collectible(_) => Kind::Collectibles,
            Record::Inventory { .. } => Kind::Inventory,
            Record::Message(_) => Kind::Messages,
            Record::Transcription(_) => Kind::Transcriptions,
        }
    }

    /// The key a collection is read in order of and written insert-if-absent by: the id,
    /// the collectible's id for an inventory row, and the event's id followed by the
    /// user's (48 hex digits) for attendance and participants. Ids are 24 lower-case hex
    /// digits, so text order is id order in both backends.
    pub fn key(&self) -> String {
        match self {
            Record::User(u) => u.user.id.to_string(),
            Record::Event(e) => e.id.to_string(),
            Record::Attendance { event_id, user_id }
            | Record::Participant {
                event_id, user_id, ..
            } => pair_key(event_id, user_id),
            Record::Collectible(c) => c.id.to_string(),
            Record::Inventory { item, .. } => item.collectible_id.to_string(),
            Record::Message(m) => m.id.to_string(),
            Record::Transcription(t) => t.id.to_string(),
        }
    }
}

/// The key of a row that joins an event and a user.
pub fn pair_key(event: &EventId, user: &UserId) -> String {
    format!("{event}{user}")
}

/// A pair key split into its event and user halves (empty halves for anything else, which
/// sorts before every pair).
pub fn split_pair(key: &str) -> (&str, &str) {
    if key.len() == 48 && key.is_ascii() {
        key.split_at(24)
    } else {
        (key, "")
    }
}

/// The token-hash column of a user without a token, in a store whose column must hold
/// something unique: it is no SHA-256 hex, so no token ever matches it, and it is read back
/// as "no token" ([`token_hash_from_placeholder`]).
pub fn no_token_placeholder(user: &UserId) -> String {
    format!("{NO_TOKEN}{user}")
}

/// A stored token hash, None when it is the placeholder of a user without a token.
pub fn token_hash_from_placeholder(stored: String) -> Option<String> {
    (!stored.starts_with(NO_TOKEN)).then_some(stored)
}

const NO_TOKEN: &str = "no-token:";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_keys_split_back() {
        let e: EventId = "0123456789abcdef01234567".parse().unwrap();
        let u: UserId = "89abcdef0123456789abcdef".parse().unwrap();
        let key = pair_key(&e, &u);
        assert_eq!(split_pair(&key), (e.as_str(), u.as_str()));
        assert_eq!(split_pair("x"), ("x", ""));
    }

    #[test]
    fn the_placeholder_reads_back_as_no_token() {
        let u: UserId = "89abcdef0123456789abcdef".parse().unwrap();
        assert_eq!(token_hash_from_placeholder(no_token_placeholder(&u)), None);
        assert_eq!(
            token_hash_from_placeholder("ab12".into()).as_deref(),
            Some("ab12")
        );
    }
}
