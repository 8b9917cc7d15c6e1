//! Storage: the one way the daemon touches data.
//!
//! [`Store`] has a method per thing the product does (`claim_collectible`, `events_near`,
//! `end_event`, ...), never a generic document API, so each backend can do each operation
//! the way that backend does it atomically. The one generic part is copying a whole store
//! into another (`cpld migrate`): [`transfer`]'s records, read and written a collection at a
//! time by `count`, `export_batch` and `import_batch`. Backends: [`sqlite`] (embedded, the
//! default) and [`mongo`] (when `MONGODB_URL` is set). One conformance suite
//! (`daemon/tests/`) runs against every backend: same inputs, same answers.

pub mod compact;
pub mod mongo;
pub mod spatial;
pub mod sqlite;
pub mod transfer;

use async_trait::async_trait;
use citypulse::geo::Coordinates;
use citypulse::ids::{CollectibleId, EventId, MessageId, SessionId, UserId};
use citypulse::model::{
    ChatMessage, Collectible, Event, EventRoom, EventStatus, NearbyEvent, Participant,
    Transcription, User, UserCollectible,
};
use citypulse::time::Timestamp;
use std::time::Duration;

/// What a storage operation can fail with. Every variant's sentence is meant for a person.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The id names nothing ("user", "event", "collectible").
    #[error("{kind} {id} does not exist")]
    NotFound {
        /// What kind of thing.
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The operation conflicts with what is stored (phone taken, event ended).
    #[error("{0}")]
    Conflict(String),
    /// The database cannot be reached or refused the operation; try again later.
    #[error("{0}")]
    Unavailable(String),
    /// Stored data could not be read back (a bug or manual tampering).
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A `NotFound` for an id.
    pub fn not_found(kind: &'static str, id: impl std::fmt::Display) -> Self {
        StoreError::NotFound {
            kind,
            id: id.to_string(),
        }
    }
}

/// Result of a storage operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Where a page of a history (chat, transcript) starts, in its newest-first order of
/// timestamp, then id: strictly after the entry at `at` whose id is `id`. Without an id,
/// strictly before `at`, which skips the rest of a millisecond that a page ended in.
#[derive(Debug, Clone, PartialEq)]
pub struct Before {
    /// The previous page's last timestamp.
    pub at: Timestamp,
    /// The previous page's last id (24 lower-case hex digits).
    pub id: Option<String>,
}

impl Before {
    /// Everything strictly older than `at`.
    pub fn at(at: Timestamp) -> Before {
        Before { at, id: None }
    }

    /// Everything after the entry `id` stored at `at`.
    pub fn entry(at: Timestamp, id: &str) -> Before {
        Before {
            at,
            id: Some(id.to_string()),
        }
    }
}

impl From<citypulse::cursor::Cursor> for Before {
    fn from(c: citypulse::cursor::Cursor) -> Before {
        Before {
            at: c.at,
            id: Some(c.id),
        }
    }
}

/// Which events [`Store::list_events`] answers; every part optional, all must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Only active, or only ended, events.
    pub status: Option<EventStatus>,
    /// Only this (lower-case) category.
    pub category: Option<String>,
    /// Only events this user created.
    pub creator: Option<UserId>,
    /// Only events inside this box, edges included.
    pub bbox: Option<BoundingBox>,
    /// Only events created strictly after this time.
    pub created_after: Option<Timestamp>,
    /// Only events created strictly before this time.
    pub created_before: Option<Timestamp>,
}

/// A longitude/latitude box, `min <= max` on both axes (one that crosses the antimeridian
/// is asked for as its two halves).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    /// West edge.
    pub min_lng: f64,
    /// South edge.
    pub min_lat: f64,
    /// East edge.
    pub max_lng: f64,
    /// North edge.
    pub max_lat: f64,
}

/// A user to insert. `token_hash` is the SHA-256 (hex) of the bearer token; the token
/// itself is never stored.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// New id.
    pub id: UserId,
    /// E.164, unique.
    pub phone: String,
    /// Display name.
    pub name: String,
    /// Hex SHA-256 of the bearer token.
    pub token_hash: String,
    /// Registration time.
    pub created_at: Timestamp,
}

/// A signed-in device (issue 16): one bearer token of a user, by the hash of the token.
///
/// A token issued before sessions existed (or carried over by `cpld migrate`) lives in the
/// user's own `token_hash` field; it is adopted as a session (`label` none) the first time
/// it is used, so that it can be listed and revoked like any other. Revoking a session
/// also retires that field when it holds the same token, so it is never adopted again.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// The session's id.
    pub id: SessionId,
    /// Whose it is.
    pub user: UserId,
    /// The label given at sign-in or the client's `User-Agent`.
    pub label: Option<String>,
    /// When the token was issued (for an adopted token: when it was first used as a session).
    pub created_at: Timestamp,
    /// When it was last used, coarsely ([`SESSION_TOUCH_EVERY`]).
    pub last_used_at: Option<Timestamp>,
}

/// `last_used_at` is written at most this often per session: it says "in use lately",
/// not "at this millisecond", and a write per request would double every request's cost.
pub const SESSION_TOUCH_EVERY: Duration = Duration::from_secs(300);

/// A session to insert for an existing user.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// New id.
    pub id: SessionId,
    /// Whose.
    pub user: UserId,
    /// Hex SHA-256 of the bearer token.
    pub token_hash: String,
    /// Label.
    pub label: Option<String>,
    /// Issue time.
    pub created_at: Timestamp,
}

/// An event to insert, already validated.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// New id.
    pub id: EventId,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Lower-case category.
    pub category: String,
    /// Creator.
    pub creator_id: UserId,
    /// Position.
    pub location: Coordinates,
    /// Address.
    pub address: Option<String>,
    /// Planned start.
    pub starts_at: Option<Timestamp>,
    /// Planned end.
    pub ends_at: Option<Timestamp>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Video room name/url (participants count starts at 0).
    pub daily_room_name: Option<String>,
    /// Video room URL.
    pub daily_room_url: Option<String>,
}

/// What `join_event` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinOutcome {
    /// The user entered the room. `first_visit` is true the first time this user ever
    /// joined this event (it counted towards `stats.events_attended`).
    Joined {
        /// First join of this event by this user.
        first_visit: bool,
    },
    /// The user was already in the room; nothing changed.
    AlreadyIn,
}

/// What `claim_collectible` did. Exactly one call per collectible can return `Won`.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimOutcome {
    /// This caller won; the inventory row and `collectibles_count` were written with it.
    Won(Collectible),
    /// Someone else won first.
    AlreadyClaimed,
    /// Its time ran out, or its event ended.
    Expired,
}

/// `now + ttl`: when a lease taken at `now` for `ttl` expires (a TTL beyond a year counts
/// as a year).
pub fn lease_expiry(now: Timestamp, ttl: Duration) -> Timestamp {
    let year = chrono::TimeDelta::days(365);
    let ttl = chrono::TimeDelta::from_std(ttl).map_or(year, |t| t.min(year));
    now.checked_add_signed(ttl).unwrap_or(now)
}

/// What [`Store::delete_message`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageRemoval {
    /// The message was removed; this is what it was.
    Removed(ChatMessage),
    /// The message exists but was written by someone else than the `author` given; it was
    /// left in place.
    NotAuthor,
}

/// What [`Store::erase_user`] did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Erased {
    /// The rooms the user was taken out of, earliest joined first (each must hear
    /// `user_left`).
    pub rooms_left: Vec<EventId>,
    /// Their chat messages renamed to `deleted user`, or removed with `purge`.
    pub messages: u64,
    /// Their transcript segments removed (`purge` only).
    pub transcriptions: u64,
}

/// What a store knows of its backups ([`Store::last_backup`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastBackup {
    /// The backend does not record backups (MongoDB: `mongodump` leaves no trace in the
    /// database).
    NotTracked,
    /// None was ever recorded.
    Never,
    /// The newest recorded backup was taken then.
    At(Timestamp),
}

/// Every data access of the daemon.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `"sqlite"` or `"mongodb"`, for `/health`.
    fn backend(&self) -> &'static str;

    /// Succeeds when the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// The MongoDB store behind this one, when several daemons can share it (the
    /// cross-daemon bus and `cpld init-db` need it); None for an embedded backend.
    fn as_mongo(&self) -> Option<&mongo::MongoStore> {
        None
    }

    /// Writes anything a backend buffers (the embedded store batches location updates);
    /// called at shutdown so a clean stop loses nothing.
    async fn flush(&self) -> StoreResult<()> {
        Ok(())
    }

    /// When the last backup of this database was taken, as far as the database knows
    /// (`cpld backup` records each copy it writes of the embedded store); for /metrics.
    async fn last_backup(&self) -> StoreResult<LastBackup> {
        Ok(LastBackup::NotTracked)
    }

    // ---- users ----

    /// Inserts a user; `Conflict` when the phone is taken.
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    /// A user with phone filled in (callers strip it for others).
    async fn user(&self, id: &UserId) -> StoreResult<User>;
    /// The user holding the token whose hash is given, if any, and its session (a token
    /// from before sessions is adopted as one here, see [`SessionRecord`]).
    async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(User, SessionRecord)>>;
    /// The user holding the token whose hash is given, if any.
    async fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<User>> {
        Ok(self
            .session_by_token_hash(token_hash)
            .await?
            .map(|(user, _)| user))
    }
    /// The user with this (E.164) phone, if any.
    async fn user_by_phone(&self, phone: &str) -> StoreResult<Option<User>>;
    /// Adds a session (a new token) to an existing user; `NotFound` for an unknown user.
    /// A session whose token hash is already stored is left as it is (not an error).
    async fn create_session(&self, session: NewSession) -> StoreResult<()>;
    /// A user's sessions, oldest first.
    async fn sessions(&self, user: &UserId) -> StoreResult<Vec<SessionRecord>>;
    /// Records that a session was used at `at` (callers do it at most every
    /// [`SESSION_TOUCH_EVERY`]). A session that is gone is not an error.
    async fn touch_session(&self, id: &SessionId, at: Timestamp) -> StoreResult<()>;
    /// Revokes one of `user`'s sessions: its token is refused from now on. The hash of the
    /// revoked token (to close what it opened); `NotFound` (`"session"`) when `user` has
    /// no such session.
    async fn revoke_session(&self, user: &UserId, id: &SessionId) -> StoreResult<String>;
    /// Users, newest first (creation time, then id), at most `limit`, starting after
    /// `after` (admin listing). A user registered while a listing is paged through has a
    /// later creation time than every page's start, so no page skips or repeats anyone.
    async fn list_users(&self, limit: u32, after: Option<Before>) -> StoreResult<Vec<User>>;
    /// Replaces a user's token hash: every session of the user is revoked, and the new
    /// token is their only one.
    async fn set_token_hash(&self, id: &UserId, token_hash: &str) -> StoreResult<()>;
    /// Erases a user (`DELETE /api/users/{id}`): they leave every room (its count
    /// lowered); their chat messages carry `citypulse::model::DELETED_USER_NAME` instead
    /// of their name, or with `purge` are removed with their transcript segments; the
    /// collectibles they won stay claimed (`claimed_at` kept) with no `claimed_by`; their
    /// inventory rows, attendance and connection leases go; last, the user record keeps
    /// only its id, counters and creation time (phone and name overwritten, position
    /// removed, marked erased at `when`), so what points at it (events, messages) stays
    /// readable, and every user look-up answers `NotFound` for it from then on. Nothing
    /// of the phone or name is left in the database afterwards, free space included. The
    /// token is not this method's business: callers revoke it first with
    /// [`Store::set_token_hash`]. `NotFound` for an unknown or already erased user. A
    /// failure part way (only possible without transactions) leaves the user in place,
    /// and erasing again finishes the job.
    async fn erase_user(&self, id: &UserId, purge: bool, when: Timestamp) -> StoreResult<Erased>;
    /// Stores a user's last known position.
    async fn set_location(&self, id: &UserId, at: Coordinates, when: Timestamp) -> StoreResult<()>;
    /// A user's last known position.
    async fn user_location(&self, id: &UserId) -> StoreResult<Option<Coordinates>>;
    /// A user's inventory, newest first (claim time, then collectible id), at most
    /// `limit`, starting after `after`.
    async fn user_collectibles(
        &self,
        id: &UserId,
        limit: u32,
        after: Option<Before>,
    ) -> StoreResult<Vec<UserCollectible>>;

    // ---- events ----

    /// Inserts an event and counts it in the creator's `stats.events_created`, together.
    async fn create_event(&self, event: NewEvent) -> StoreResult<Event>;
    /// An event.
    async fn event(&self, id: &EventId) -> StoreResult<Event>;
    /// Active events within `max_distance_m` of `center` (exact great-circle distance),
    /// nearest first, at most `limit`, optionally of one category.
    async fn events_near(
        &self,
        center: Coordinates,
        max_distance_m: f64,
        limit: u32,
        category: Option<&str>,
    ) -> StoreResult<Vec<NearbyEvent>>;
    /// [`Store::events_near`]'s answer as the JSON array the near-me route sends, appended
    /// to `out`. By default the events are read and serialised; the embedded store writes
    /// them straight from its in-memory index (`compact.rs`, the same bytes).
    async fn write_events_near(
        &self,
        center: Coordinates,
        max_distance_m: f64,
        limit: u32,
        category: Option<&str>,
        out: &mut Vec<u8>,
    ) -> StoreResult<()> {
        let events = self
            .events_near(center, max_distance_m, limit, category)
            .await?;
        serde_json::to_writer(out, &events).map_err(|e| {
            StoreError::Corrupt(format!("could not write the nearby events as JSON: {e}"))
        })
    }
    /// Events matching `filter`, newest first (creation time, then id), at most `limit`,
    /// starting after `after`: stable under concurrent inserts (a new event sorts before
    /// every page's start, so it is neither skipped into nor repeated on a later page).
    async fn list_events(
        &self,
        filter: &EventFilter,
        limit: u32,
        after: Option<Before>,
    ) -> StoreResult<Vec<Event>>;
    /// Records an event's video room.
    async fn set_event_room(&self, id: &EventId, room: &EventRoom) -> StoreResult<()>;
    /// Deletes an event that was never announced (its video room could not be made),
    /// undoing the creator's `events_created`.
    async fn delete_event(&self, id: &EventId) -> StoreResult<()>;
    /// Ends an active event: status, `ended_at`, its collectibles deactivated and its room
    /// emptied, together. `Conflict` when already ended. Returns the ended event and who
    /// was in its room.
    async fn end_event(&self, id: &EventId, when: Timestamp) -> StoreResult<(Event, Vec<UserId>)>;

    // ---- presence ----

    /// Puts a user in an active event's room (`Conflict` when ended), counting the event
    /// once in `stats.events_attended`.
    async fn join_event(
        &self,
        event: &EventId,
        user: &UserId,
        when: Timestamp,
    ) -> StoreResult<JoinOutcome>;
    /// Takes a user out of a room; false when they were not in it.
    async fn leave_event(&self, event: &EventId, user: &UserId) -> StoreResult<bool>;
    /// Takes a user out of every room; the events they left.
    async fn leave_all_events(&self, user: &UserId) -> StoreResult<Vec<EventId>>;
    /// Who is in an event's room, earliest first.
    async fn participants(&self, event: &EventId) -> StoreResult<Vec<Participant>> {
        self.participants_page(event, u32::MAX, None).await
    }
    /// Who is in an event's room, earliest first (joined time, then user id), at most
    /// `limit`, starting right after the participant `after` names (its joined time and
    /// user id; this list runs oldest first, so "after" is later in time). Someone who
    /// joins while the list is paged sorts after every page's start and is listed on a
    /// later page; someone who leaves is simply not there.
    async fn participants_page(
        &self,
        event: &EventId,
        limit: u32,
        after: Option<Before>,
    ) -> StoreResult<Vec<Participant>>;
    /// Whether a user is in an event's room.
    async fn is_participant(&self, event: &EventId, user: &UserId) -> StoreResult<bool>;
    /// How many rooms a user is in now (the per-user room limit counts them).
    async fn rooms_joined(&self, user: &UserId) -> StoreResult<u64>;
    /// Active events whose room has at least one participant (drop candidates).
    async fn active_events_with_participants(&self) -> StoreResult<Vec<EventId>>;

    // ---- leases: several daemons on one database ----
    //
    // A lease is live while `now < expires_at`. Expiry is always checked against the
    // `now` the caller passes (never left to a database's background clean-up), so every
    // daemon sharing the database must have a clock within a few seconds of the others;
    // the time-to-live each caller chooses is its margin.

    /// Records that daemon `daemon` has at least one WebSocket of `user` open: creates its
    /// connection lease of that user, or extends it, to `now + ttl`.
    async fn hold_connection_lease(
        &self,
        user: &UserId,
        daemon: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> StoreResult<()>;
    /// Extends to `now + ttl` the connection leases daemon `daemon` holds for every one of
    /// `users` (those connected to it now), re-creating any that is missing, in one call
    /// however many users there are. May also delete leases of any daemon that expired
    /// before `now` (a crashed daemon's).
    async fn renew_connection_leases(
        &self,
        daemon: &str,
        users: &[UserId],
        now: Timestamp,
        ttl: Duration,
    ) -> StoreResult<()>;
    /// Deletes daemon `daemon`'s connection lease of `user` (its last WebSocket there
    /// closed); then whether `user` still has a live connection lease at `now` (another
    /// daemon's, or this daemon's again after a reconnection), i.e. whether they are still
    /// connected somewhere and must stay in their rooms. Deleting a lease that is not
    /// there is not an error.
    async fn release_connection_lease(
        &self,
        user: &UserId,
        daemon: &str,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Keeps `user` in their rooms until `until` although no WebSocket of theirs is open:
    /// the daemon they were connected to drained, and they have until then to reconnect
    /// (to any daemon) without leaving (`CPL_RECONNECT_GRACE`). Their participations are
    /// untouched; a hold already there moves to `until`.
    async fn hold_rooms(&self, user: &UserId, until: Timestamp) -> StoreResult<()>;
    /// `user` reconnected: drops their hold; whether there was one. No hold is no error.
    async fn resume_rooms(&self, user: &UserId) -> StoreResult<bool>;
    /// Ends every hold that expired at `now` (`until <= now`), each exactly once among the
    /// daemons sharing the database; the users whose hold this call ended and who have no
    /// live connection lease at `now`, i.e. who did not come back and must now leave their
    /// rooms. A user with a live lease reconnected (the hold was written after their new
    /// lease); their hold simply goes.
    async fn end_expired_room_holds(&self, now: Timestamp) -> StoreResult<Vec<UserId>>;
    /// Takes or keeps the named lease `name` (e.g. `"drop-round"`) for `holder` until
    /// `now + ttl`: true when it was free, had expired at `now`, or was already held by
    /// `holder` (then it is extended); false while another holder's lease is live. Atomic:
    /// of concurrent callers with different holders at most one gets true.
    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> StoreResult<bool>;
    /// Gives up the named lease `name` if `holder` holds it (a clean stop), so that another
    /// holder can take it at once instead of after its expiry. Not holding it is no error.
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()>;

    // ---- chat ----

    /// Stores a chat message.
    async fn add_message(&self, message: &ChatMessage) -> StoreResult<()>;
    /// An event's messages after `before` (all when None), newest first.
    async fn messages(
        &self,
        event: &EventId,
        limit: u32,
        before: Option<Before>,
    ) -> StoreResult<Vec<ChatMessage>>;

    /// Removes message `id` of event `event` from the history, when `author` is `None` (a
    /// moderator removes any message) or the message's author (checked in the same step as
    /// the removal). `NotFound` (`"message"`) when the event has no such message: an
    /// unknown id, another event's message, or one already removed; `NotFound` (`"event"`)
    /// for an unknown event.
    async fn delete_message(
        &self,
        event: &EventId,
        id: &MessageId,
        author: Option<&UserId>,
    ) -> StoreResult<MessageRemoval>;

    // ---- collectibles ----

    /// Stores a new (active, unclaimed) collectible.
    async fn drop_collectible(&self, collectible: &Collectible) -> StoreResult<()>;
    /// A collectible.
    async fn collectible(&self, id: &CollectibleId) -> StoreResult<Collectible>;
    /// An event's unclaimed collectibles that have not expired at `now`, newest first.
    async fn active_collectibles(
        &self,
        event: &EventId,
        now: Timestamp,
    ) -> StoreResult<Vec<Collectible>>;
    /// The single-winner claim: marks the collectible won by `user`, adds the inventory
    /// row and increments `stats.collectibles_count`, all or nothing. `NotFound` for an
    /// unknown id.
    async fn claim_collectible(
        &self,
        id: &CollectibleId,
        user: &UserId,
        now: Timestamp,
    ) -> StoreResult<ClaimOutcome>;
    /// Deactivates collectibles that expired before `now`; how many.
    async fn expire_collectibles(&self, now: Timestamp) -> StoreResult<u64>;

    // ---- transcriptions ----

    /// Stores a final transcript segment.
    async fn add_transcription(&self, segment: &Transcription) -> StoreResult<()>;
    /// An event's stored segments after `before`, newest first, optionally only those
    /// whose text contains `query` (case-insensitive).
    async fn transcriptions(
        &self,
        event: &EventId,
        limit: u32,
        before: Option<Before>,
        query: Option<&str>,
    ) -> StoreResult<Vec<Transcription>>;

    // ---- copies between stores (`cpld migrate`, see [`transfer`]) ----

    /// How many records a collection holds.
    async fn count(&self, kind: transfer::Kind) -> StoreResult<u64>;
    /// Up to `limit` records of a collection in key order ([`transfer::Record::key`]),
    /// starting after the key `after` (from the first when None).
    async fn export_batch(
        &self,
        kind: transfer::Kind,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<transfer::Record>>;
    /// Writes records of one collection, each only when no record with its key is there
    /// (ids preserved; running it twice adds nothing); how many were added. A record that
    /// collides with a different one on another unique field (a phone) is a `Conflict`.
    async fn import_batch(&self, records: Vec<transfer::Record>) -> StoreResult<u64>;
}
