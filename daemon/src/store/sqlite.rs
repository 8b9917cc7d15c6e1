//! The embedded backend: one SQLite file (rusqlite with the bundled library), the default
//! when `MONGODB_URL` is not set.
//!
//! # Durability
//! The database runs in WAL mode with `synchronous=NORMAL`. A committed transaction is in
//! the write-ahead log before `commit` returns, so it survives a crash of the `cpld`
//! process (panic, kill -9, OOM). Only a power loss or an operating-system crash can undo
//! the last few commits, and even then the file is never corrupted: it comes back as of an
//! earlier commit. `synchronous=FULL` would also cover power loss at the price of an fsync
//! per commit; for chat messages and presence that trade is not worth it.
//!
//! # Connections
//! One writer connection behind a [`std::sync::Mutex`] takes every write, in `BEGIN
//! IMMEDIATE` transactions (so several processes sharing the file also serialise, and
//! `busy_timeout` makes them wait rather than fail). Writes go to one writer thread, which
//! commits them in groups: the writes waiting when a transaction starts (at most
//! [`MAX_GROUP`]) run in it one after another, each inside a savepoint of its own, so one
//! write's failure undoes only that write; a single COMMIT then makes the group durable and
//! each caller is answered after it. Under concurrent load (a drop's claim burst) the cost
//! of a commit is shared; alone, a write is its own group. [`READERS`] reader connections
//! (`query_only`) serve reads: a read takes the first free one, starting from a
//! round-robin position, and only waits when all of them are busy. In WAL mode readers see
//! the last committed state and never wait for the writer. Reads run in
//! [`tokio::task::spawn_blocking`], so no async worker thread ever blocks on SQLite.
//!
//! # Schema
//! Numbered migrations ([`MIGRATIONS`]) are recorded in `schema_migrations` and applied at
//! [`SqliteStore::open`], each in its own transaction; reopening applies nothing new. Ids
//! are stored as their 24-hex text, timestamps as INTEGER milliseconds since the epoch.
//!
//! # Leases
//! `connection_leases` has a row per user and daemon with a WebSocket of that user open
//! (presence across daemons, see [`Store::release_connection_lease`]) and `leases` a row per
//! named job lease (`drop-round`). Both store `expires_at` in milliseconds and every read
//! compares it with the caller's `now`. Taking a named lease is one
//! `INSERT .. ON CONFLICT DO UPDATE .. WHERE` statement, so two callers cannot both win.
//!
//! # Locations
//! `event_locations` is an R*Tree keyed by the `events` table's INTEGER primary key and
//! holds active events only: `end_event` removes an event's row in the same transaction
//! that ends it. `events_near` asks the R*Tree for the box of
//! [`Coordinates::bounding_box`], then keeps, orders and cuts by the exact great-circle
//! distance of [`Coordinates::distance_m`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, RwLock, TryLockError, Weak};
use std::time::Duration;

use async_trait::async_trait;
use citypulse::geo::Coordinates;
use citypulse::ids::{CollectibleId, EventId, InvalidId, UserId};
use citypulse::model::{
    ChatMessage, Collectible, Event, EventRoom, EventStatus, NearbyEvent, Participant, Rarity,
    Transcription, User, UserCollectible, UserStats,
};
use citypulse::time::Timestamp;
use rusqlite::types::Type;
use rusqlite::{
    params, Connection, ErrorCode, OpenFlags, OptionalExtension, Row, TransactionBehavior,
};

use super::compact::CompactEvent;
use super::spatial::SpatialIndex;
use super::{Before, ClaimOutcome, JoinOutcome, NewEvent, NewUser, Store, StoreError, StoreResult};

/// How many reader connections serve reads.
pub const READERS: usize = 4;

/// How often buffered location updates are written (the most a crash can lose).
pub const LOCATION_FLUSH: Duration = Duration::from_millis(250);

/// The most writes one commit carries (group commit, see the module documentation).
pub const MAX_GROUP: usize = 256;

/// How long a statement waits for a lock held by another process before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection (`prepare_cached`).
const STATEMENT_CACHE: usize = 64;

/// One schema change, applied once, in one transaction.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

/// Every schema change, in order. Append only: never edit one that has shipped.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial schema",
        sql: r#"
CREATE TABLE users (
    id                 TEXT PRIMARY KEY NOT NULL,
    phone              TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    token_hash         TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    events_created     INTEGER NOT NULL DEFAULT 0,
    events_attended    INTEGER NOT NULL DEFAULT 0,
    collectibles_count INTEGER NOT NULL DEFAULT 0,
    lng                REAL,
    lat                REAL,
    location_at        INTEGER
);
CREATE UNIQUE INDEX users_token_hash ON users (token_hash);
CREATE INDEX users_newest ON users (created_at DESC, id DESC);

CREATE TABLE events (
    seq                  INTEGER PRIMARY KEY,
    id                   TEXT NOT NULL UNIQUE,
    title                TEXT NOT NULL,
    description          TEXT,
    category             TEXT NOT NULL,
    creator_id           TEXT NOT NULL REFERENCES users (id),
    lng                  REAL NOT NULL,
    lat                  REAL NOT NULL,
    address              TEXT,
    status               TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    daily_room_name      TEXT,
    daily_room_url       TEXT,
    current_participants INTEGER NOT NULL DEFAULT 0,
    starts_at            INTEGER,
    ends_at              INTEGER,
    created_at           INTEGER NOT NULL,
    ended_at             INTEGER
);
CREATE INDEX events_creator ON events (creator_id);
CREATE INDEX events_status_participants ON events (status, current_participants);

CREATE VIRTUAL TABLE event_locations USING rtree (id, min_lng, max_lng, min_lat, max_lat);

CREATE TABLE participants (
    event_id  TEXT NOT NULL REFERENCES events (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, user_id)
) WITHOUT ROWID;
CREATE INDEX participants_event_joined ON participants (event_id, joined_at, user_id);
CREATE INDEX participants_user ON participants (user_id, joined_at);

CREATE TABLE attendance (
    event_id TEXT NOT NULL REFERENCES events (id),
    user_id  TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (event_id, user_id)
) WITHOUT ROWID;

CREATE TABLE messages (
    id        TEXT PRIMARY KEY NOT NULL,
    event_id  TEXT NOT NULL REFERENCES events (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    name      TEXT NOT NULL,
    message   TEXT NOT NULL,
    timestamp INTEGER NOT NULL
);
CREATE INDEX messages_event_time ON messages (event_id, timestamp DESC, id DESC);

CREATE TABLE collectibles (
    id         TEXT PRIMARY KEY NOT NULL,
    event_id   TEXT NOT NULL REFERENCES events (id),
    name       TEXT NOT NULL,
    rarity     TEXT NOT NULL,
    points     INTEGER NOT NULL,
    dropped_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    claimed_by TEXT REFERENCES users (id),
    claimed_at INTEGER,
    is_active  INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX collectibles_event_active ON collectibles (event_id, is_active, dropped_at DESC);
CREATE INDEX collectibles_active_expiry ON collectibles (is_active, expires_at);

CREATE TABLE user_collectibles (
    user_id        TEXT NOT NULL REFERENCES users (id),
    collectible_id TEXT NOT NULL UNIQUE REFERENCES collectibles (id),
    name           TEXT NOT NULL,
    rarity         TEXT NOT NULL,
    points         INTEGER NOT NULL,
    event_id       TEXT NOT NULL REFERENCES events (id),
    claimed_at     INTEGER NOT NULL,
    PRIMARY KEY (user_id, collectible_id)
);
CREATE INDEX user_collectibles_user_time ON user_collectibles (user_id, claimed_at DESC);
CREATE INDEX user_collectibles_event ON user_collectibles (event_id);

CREATE TABLE transcriptions (
    id          TEXT PRIMARY KEY NOT NULL,
    event_id    TEXT NOT NULL REFERENCES events (id),
    speaker_id  TEXT NOT NULL REFERENCES users (id),
    text        TEXT NOT NULL,
    text_folded TEXT NOT NULL,
    confidence  REAL NOT NULL,
    start       REAL NOT NULL,
    duration    REAL NOT NULL,
    words       TEXT NOT NULL DEFAULT '[]',
    created_at  INTEGER NOT NULL
);
CREATE INDEX transcriptions_event_time ON transcriptions (event_id, created_at DESC, id DESC);
"#,
    },
    Migration {
        version: 2,
        name: "leases",
        sql: r#"
CREATE TABLE connection_leases (
    user_id    TEXT NOT NULL,
    daemon     TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, daemon)
) WITHOUT ROWID;
CREATE INDEX connection_leases_expiry ON connection_leases (expires_at);

CREATE TABLE leases (
    name       TEXT PRIMARY KEY NOT NULL,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    },
];

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// How the store's connections are set up, for startup logs and checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `wal`.
    pub journal_mode: String,
    /// 1 = NORMAL.
    pub synchronous: i64,
    /// Foreign keys enforced.
    pub foreign_keys: bool,
    /// Milliseconds a statement waits for another process's lock.
    pub busy_timeout_ms: i64,
    /// Highest applied migration.
    pub schema_version: i64,
}

/// The SQLite [`Store`].
pub struct SqliteStore {
    db: Arc<Db>,
}

struct Db {
    path: PathBuf,
    /// The path as shown in sentences.
    shown: String,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Active events by position (see [`super::spatial`]); in step with the table after
    /// every committed create, end and delete.
    spatial: RwLock<SpatialIndex<CompactEvent>>,
    /// Location updates not yet written: user id -> (lng, lat, ms). Positions arrive by the
    /// tens of thousands per second; one transaction per [`LOCATION_FLUSH`] writes them all.
    locations: Mutex<HashMap<String, (f64, f64, i64)>>,
    /// Users known to exist (users are never deleted), so that a location update, which
    /// arrives several times a second per user, checks the table once per user and not
    /// once per update. 12 bytes an id.
    known_users: RwLock<std::collections::HashSet<[u8; 12]>>,
    /// Writes waiting for the writer thread ([`Db::commit_groups`]).
    writes: mpsc::Sender<WriteJob>,
}

/// A queued write. The writer thread runs it inside the group's transaction (or, when the
/// group could not start, tells it why); it answers whether it succeeded (else its
/// savepoint is rolled back) and what to do once the group's COMMIT is known.
type WriteJob = Box<dyn FnOnce(&Db, Result<&Connection, &Fail>) -> (bool, Finish) + Send>;

/// The end of a queued write, given the outcome of its group's COMMIT: applies its index
/// changes and answers the caller.
type Finish = Box<dyn FnOnce(&Db, Result<(), &Fail>) + Send>;

/// Why a step inside a blocking closure stopped: a domain answer, or SQLite failing
/// (turned into a sentence naming the database by the caller, who knows the operation).
enum Fail {
    Store(StoreError),
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Self {
        Fail::Sql(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Store(e)
    }
}

type Step<T> = Result<T, Fail>;

/// Whether an operation reads or writes, for the sentence.
#[derive(Clone, Copy)]
enum Access {
    Open,
    Read,
    Write,
}

impl Access {
    fn participle(self) -> &'static str {
        match self {
            Access::Open => "opened",
            Access::Read => "read",
            Access::Write => "written",
        }
    }
}

/// Turns a SQLite error into a sentence a person can act on.
fn sql_error(db: &str, access: Access, op: &str, e: &rusqlite::Error) -> StoreError {
    use rusqlite::Error as E;
    let done = access.participle();
    match e {
        E::FromSqlConversionFailure(..)
        | E::InvalidColumnType(..)
        | E::IntegralValueOutOfRange(..)
        | E::Utf8Error(_) => StoreError::Corrupt(format!(
            "the SQLite database at {db} holds a value that cannot be read (while trying to \
             {op}): {e}; it was changed by hand or by another program"
        )),
        E::SqliteFailure(f, _) => match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                StoreError::Unavailable(format!(
                    "the SQLite database at {db} stayed locked by another process for {}s, so \
                 cpld could not {op}; try again, and check that no other program holds the file",
                    BUSY_TIMEOUT.as_secs()
                ))
            }
            ErrorCode::DiskFull => StoreError::Unavailable(format!(
                "the SQLite database at {db} could not be {done} while trying to {op} because \
                 the disk is full: {e}; free some space"
            )),
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Corrupt(format!(
                "the SQLite database at {db} is damaged or is not a SQLite database ({e}); \
                 restore it from a backup or point CPL_DB at another file"
            )),
            _ => StoreError::Unavailable(format!(
                "the SQLite database at {db} could not be {done} while trying to {op}: {e}; \
                 check the disk and file permissions"
            )),
        },
        _ => StoreError::Unavailable(format!(
            "the SQLite database at {db} could not be {done} while trying to {op}: {e}"
        )),
    }
}

/// The `table.column` of a UNIQUE or PRIMARY KEY violation.
fn unique_violation(e: &rusqlite::Error) -> Option<&str> {
    match e {
        rusqlite::Error::SqliteFailure(f, Some(msg))
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            msg.rsplit(": ").next()
        }
        _ => None,
    }
}

/// A value that is stored but makes no sense.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct BadValue(String);

fn bad(i: usize, t: Type, msg: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, t, Box::new(BadValue(msg)))
}

fn id_at<T: FromStr<Err = InvalidId>>(row: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let s: String = row.get(i)?;
    s.parse()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
}

fn opt_id_at<T: FromStr<Err = InvalidId>>(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<T>> {
    match row.get::<_, Option<String>>(i)? {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e))),
    }
}

fn ms(t: &Timestamp) -> i64 {
    t.timestamp_millis()
}

fn ts_from(i: usize, v: i64) -> rusqlite::Result<Timestamp> {
    chrono::DateTime::from_timestamp_millis(v).ok_or_else(|| {
        bad(
            i,
            Type::Integer,
            format!("{v} is not a time in milliseconds"),
        )
    })
}

fn ts_at(row: &Row<'_>, i: usize) -> rusqlite::Result<Timestamp> {
    ts_from(i, row.get(i)?)
}

fn opt_ts_at(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Timestamp>> {
    row.get::<_, Option<i64>>(i)?
        .map(|v| ts_from(i, v))
        .transpose()
}

fn count_at(row: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    let v: i64 = row.get(i)?;
    u64::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(i, v))
}

fn coords_at(row: &Row<'_>, lng: usize, lat: usize) -> rusqlite::Result<Coordinates> {
    Coordinates::new(row.get(lng)?, row.get(lat)?)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(lng, Type::Real, Box::new(e)))
}

fn rarity_at(row: &Row<'_>, i: usize) -> rusqlite::Result<Rarity> {
    let s: String = row.get(i)?;
    Rarity::parse(&s).ok_or_else(|| bad(i, Type::Text, format!("{s:?} is not a rarity")))
}

const USER_COLS: &str =
    "id, phone, name, created_at, events_created, events_attended, collectibles_count";

fn user_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: id_at(row, 0)?,
        phone: Some(row.get(1)?),
        name: row.get(2)?,
        created_at: ts_at(row, 3)?,
        stats: UserStats {
            events_created: count_at(row, 4)?,
            events_attended: count_at(row, 5)?,
            collectibles_count: count_at(row, 6)?,
        },
    })
}

const EVENT_COLS: &str = "e.id, e.title, e.description, e.category, e.creator_id, e.lng, e.lat, \
     e.address, e.status, e.daily_room_name, e.daily_room_url, e.current_participants, \
     e.starts_at, e.ends_at, e.created_at, e.ended_at";

fn event_row(row: &Row<'_>) -> rusqlite::Result<Event> {
    let status: String = row.get(8)?;
    let status = match status.as_str() {
        "active" => EventStatus::Active,
        "ended" => EventStatus::Ended,
        other => {
            return Err(bad(
                8,
                Type::Text,
                format!("{other:?} is not an event status"),
            ))
        }
    };
    let daily_room_url: Option<String> = row.get(10)?;
    Ok(Event {
        id: id_at(row, 0)?,
        title: row.get(1)?,
        description: row.get(2)?,
        category: row.get(3)?,
        creator_id: id_at(row, 4)?,
        location: coords_at(row, 5, 6)?.into(),
        address: row.get(7)?,
        status,
        room: EventRoom {
            daily_room_name: row.get(9)?,
            daily_room_url: daily_room_url.clone(),
            current_participants: count_at(row, 11)?,
        },
        room_url: daily_room_url,
        starts_at: opt_ts_at(row, 12)?,
        ends_at: opt_ts_at(row, 13)?,
        created_at: ts_at(row, 14)?,
        ended_at: opt_ts_at(row, 15)?,
    })
}

const COLLECTIBLE_COLS: &str = "id, event_id, name, rarity, points, dropped_at, expires_at, \
     claimed_by, claimed_at, is_active";

fn collectible_row(row: &Row<'_>) -> rusqlite::Result<Collectible> {
    Ok(Collectible {
        id: id_at(row, 0)?,
        event_id: id_at(row, 1)?,
        name: row.get(2)?,
        rarity: rarity_at(row, 3)?,
        points: row.get(4)?,
        dropped_at: ts_at(row, 5)?,
        expires_at: ts_at(row, 6)?,
        claimed_by: opt_id_at(row, 7)?,
        claimed_at: opt_ts_at(row, 8)?,
        is_active: row.get(9)?,
    })
}

const MESSAGE_COLS: &str = "id, event_id, user_id, name, message, timestamp";

fn message_row(row: &Row<'_>) -> rusqlite::Result<ChatMessage> {
    Ok(ChatMessage {
        id: id_at(row, 0)?,
        event_id: id_at(row, 1)?,
        user_id: id_at(row, 2)?,
        name: row.get(3)?,
        message: row.get(4)?,
        timestamp: ts_at(row, 5)?,
    })
}

const TRANSCRIPTION_COLS: &str =
    "id, event_id, speaker_id, text, confidence, start, duration, words, created_at";

fn transcription_row(row: &Row<'_>) -> rusqlite::Result<Transcription> {
    let words: String = row.get(7)?;
    Ok(Transcription {
        id: id_at(row, 0)?,
        event_id: id_at(row, 1)?,
        speaker_id: id_at(row, 2)?,
        text: row.get(3)?,
        confidence: row.get(4)?,
        start: row.get(5)?,
        duration: row.get(6)?,
        words: serde_json::from_str(&words)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(7, Type::Text, Box::new(e)))?,
        created_at: ts_at(row, 8)?,
    })
}

/// Fails with `NotFound` unless the user exists.
fn ensure_user(c: &Connection, id: &str) -> Step<()> {
    let found = c
        .prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?;
    found.ok_or_else(|| StoreError::not_found(UserId::KIND, id).into())
}

/// An event's row number and status, or `NotFound`.
fn event_state(c: &Connection, id: &str) -> Step<(i64, bool)> {
    let found = c
        .prepare_cached("SELECT seq, status = 'active' FROM events WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    found.ok_or_else(|| StoreError::not_found(EventId::KIND, id).into())
}

fn load_user(c: &Connection, id: &str) -> Step<User> {
    let found = c
        .prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"))?
        .query_row([id], user_row)
        .optional()?;
    found.ok_or_else(|| StoreError::not_found(UserId::KIND, id).into())
}

fn load_event(c: &Connection, id: &str) -> Step<Event> {
    let found = c
        .prepare_cached(&format!(
            "SELECT {EVENT_COLS} FROM events AS e WHERE e.id = ?1"
        ))?
        .query_row([id], event_row)
        .optional()?;
    found.ok_or_else(|| StoreError::not_found(EventId::KIND, id).into())
}

/// A change to the in-memory index of active events, made by a write and applied right
/// after its transaction commits (see [`SqliteStore::write_indexed`]).
enum IndexChange {
    /// The event is active with this row (new, or its room or participants changed).
    Put(i64, Box<Event>),
    /// The event is no longer active (ended or deleted).
    Remove(i64),
}

/// The index change that brings event `seq` in step with its row as this transaction
/// left it.
fn reindex(c: &Connection, seq: i64) -> Step<IndexChange> {
    let row = c
        .prepare_cached(&format!(
            "SELECT {EVENT_COLS} FROM events AS e WHERE e.seq = ?1"
        ))?
        .query_row([seq], event_row)
        .optional()?;
    Ok(match row {
        Some(event) if event.status == EventStatus::Active => {
            IndexChange::Put(seq, Box::new(event))
        }
        _ => IndexChange::Remove(seq),
    })
}

fn load_collectible(c: &Connection, id: &str) -> Step<Collectible> {
    let found = c
        .prepare_cached(&format!(
            "SELECT {COLLECTIBLE_COLS} FROM collectibles WHERE id = ?1"
        ))?
        .query_row([id], collectible_row)
        .optional()?;
    found.ok_or_else(|| StoreError::not_found(CollectibleId::KIND, id).into())
}

/// `%query%` for LIKE, with `%`, `_` and the escape character itself taken literally.
/// The bounds of `(timestamp, id) < (?, ?)` for a page starting after `before`: the empty
/// id sorts before every id, so without one the page holds what is strictly older than
/// the time, and without a `before` everything.
fn page_start(before: Option<Before>) -> (i64, String) {
    match before {
        Some(b) => (ms(&b.at), b.id.unwrap_or_default()),
        None => (i64::MAX, String::new()),
    }
}

fn like_pattern(query: &str) -> String {
    let mut pattern = String::with_capacity(query.len() + 2);
    pattern.push('%');
    for ch in query.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// Settings every connection gets.
fn configure(c: &Connection, reader: bool) -> rusqlite::Result<()> {
    c.busy_timeout(BUSY_TIMEOUT)?;
    c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // No memory map (`mmap_size` stays 0): near-me answers come from the in-memory index,
    // and a map would count every page read at start-up (the whole events table, about
    // 300 MB at a million events) in the daemon's resident memory.
    c.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
    if reader {
        c.execute_batch("PRAGMA query_only = ON;")?;
    }
    Ok(())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Applies every migration not yet recorded, each in one transaction.
fn migrate(c: &mut Connection, db: &str) -> StoreResult<()> {
    let open_err = |op: &str, e: rusqlite::Error| sql_error(db, Access::Open, op, &e);
    c.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at INTEGER NOT NULL
         )",
    )
    .map_err(|e| open_err("create the schema_migrations table", e))?;
    let newest: Option<i64> = c
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .map_err(|e| open_err("read the schema version", e))?;
    let known = schema_version();
    if let Some(newest) = newest.filter(|v| *v > known) {
        return Err(StoreError::Unavailable(format!(
            "the SQLite database at {db} has schema version {newest}, newer than this cpld \
             knows ({known}); upgrade cpld or set CPL_DB to another file"
        )));
    }
    for m in MIGRATIONS {
        let op = format!("apply migration {} ({})", m.version, m.name);
        let apply = |c: &mut Connection| -> rusqlite::Result<()> {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let done: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
                [m.version],
                |r| r.get(0),
            )?;
            if !done {
                tx.execute_batch(m.sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                    params![m.version, m.name, now_ms()],
                )?;
            }
            tx.commit()
        };
        apply(c).map_err(|e| open_err(&op, e))?;
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating it and its directory when missing) the database at `path`, sets
    /// WAL mode and applies pending migrations.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        let shown = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Unavailable(format!(
                    "the directory {} for the SQLite database could not be created: {e}; \
                     check its permissions or set CPL_DB to another file",
                    parent.display()
                ))
            })?;
        }
        let open_err = |op: &str, e: rusqlite::Error| sql_error(&shown, Access::Open, op, &e);
        let mut writer = Connection::open(path).map_err(|e| open_err("open it", e))?;
        configure(&writer, false).map_err(|e| open_err("configure the connection", e))?;
        let mode: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| open_err("switch to WAL mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unavailable(format!(
                "the SQLite database at {shown} could not be switched to WAL mode (it stays \
                 in {mode} mode); put it on a local disk, not a network share"
            )));
        }
        migrate(&mut writer, &shown)?;
        // An embedded database is served by one daemon at a time, so no lease found at
        // opening belongs to a live daemon: they are a stopped or crashed one's. Left in
        // place, its connection leases would keep its users in their rooms after they
        // disconnect from the new daemon, and its drop-round lease would hold the drop
        // rounds back, until they expired. (A process opening the file beside a running
        // daemon, such as `cpld init-db`, costs that daemon nothing lasting: it re-creates
        // its connection leases at the next renewal and takes the free drop-round lease at
        // its next tick.)
        writer
            .execute_batch("DELETE FROM connection_leases; DELETE FROM leases;")
            .map_err(|e| open_err("forget the leases of a stopped daemon", e))?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| open_err("open a reader connection", e))?;
            configure(&reader, true).map_err(|e| open_err("configure a reader connection", e))?;
            readers.push(Mutex::new(reader));
        }
        let spatial = load_spatial(&writer).map_err(|e| open_err("load the event locations", e))?;
        let (writes, queued) = mpsc::channel();
        let db = Arc::new(Db {
            path: path.to_path_buf(),
            shown,
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            spatial: RwLock::new(spatial),
            locations: Mutex::new(HashMap::new()),
            known_users: RwLock::new(std::collections::HashSet::new()),
            writes,
        });
        let committer = Arc::downgrade(&db);
        std::thread::Builder::new()
            .name("cpld-writer".into())
            .spawn(move || Db::commit_groups(&committer, &queued))
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot start the database writer thread: {e}"))
            })?;
        let flusher = Arc::downgrade(&db);
        std::thread::Builder::new()
            .name("cpld-locations".into())
            .spawn(move || {
                // Ends when the store is dropped (the weak handle no longer upgrades).
                while let Some(db) = flusher.upgrade() {
                    if let Err(e) = db.flush_locations() {
                        tracing::warn!("buffered locations not written yet: {e}");
                    }
                    drop(db);
                    std::thread::sleep(LOCATION_FLUSH);
                }
            })
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot start the location writer thread: {e}"))
            })?;
        Ok(SqliteStore { db })
    }

    /// Writes buffered location updates now (also done every [`LOCATION_FLUSH`] and when
    /// the store is dropped).
    pub fn flush_locations(&self) -> StoreResult<()> {
        self.db.flush_locations()
    }

    /// Adds many events in one transaction, for benchmarks and seeding: the same rows
    /// `create_event` writes, without the per-event transaction (creators' counters are
    /// updated once per creator).
    pub fn import_events(&self, events: Vec<NewEvent>) -> StoreResult<usize> {
        let op = "import events";
        let mut conn = self
            .db
            .writer
            .lock()
            .map_err(|_| self.db.poisoned("writer"))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.db.sql(Access::Write, op, &e))?;
        let mut added = Vec::with_capacity(events.len());
        let step = (|| -> Step<()> {
            let mut per_creator: HashMap<String, i64> = HashMap::new();
            for event in &events {
                let seq = insert_event(&tx, event)?;
                *per_creator.entry(event.creator_id.to_string()).or_default() += 1;
                added.push(reindex(&tx, seq)?);
            }
            for (creator, n) in per_creator {
                let counted = tx
                    .prepare_cached(
                        "UPDATE users SET events_created = events_created + ?1 WHERE id = ?2",
                    )?
                    .execute(params![n, creator])?;
                if counted == 0 {
                    return Err(StoreError::not_found(UserId::KIND, &creator).into());
                }
            }
            Ok(())
        })();
        step.map_err(|e| self.db.fail(Access::Write, op, e))?;
        tx.commit()
            .map_err(|e| self.db.sql(Access::Write, op, &e))?;
        let n = added.len();
        self.db.apply(added)?;
        Ok(n)
    }

    /// How many active events the in-memory index holds.
    pub fn indexed_events(&self) -> usize {
        self.db.spatial.read().map(|i| i.len()).unwrap_or(0)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.db.path
    }

    /// How the connections are set up (journal mode, synchronous, ...), for logs.
    pub async fn settings(&self) -> StoreResult<Settings> {
        self.read("read its settings", |c| {
            let journal_mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let synchronous: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
            let foreign_keys: bool = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
            let busy_timeout_ms: i64 = c.query_row("PRAGMA busy_timeout", [], |r| r.get(0))?;
            let schema_version: i64 = c.query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )?;
            Ok(Settings {
                journal_mode,
                synchronous,
                foreign_keys,
                busy_timeout_ms,
                schema_version,
            })
        })
        .await
    }

    /// Runs SQLite's `integrity_check` and `foreign_key_check`; `Corrupt` naming the
    /// problems when either finds any.
    pub async fn integrity_check(&self) -> StoreResult<()> {
        let shown = self.db.shown.clone();
        self.read("check its integrity", move |c| {
            let mut problems: Vec<String> = c
                .prepare("PRAGMA integrity_check")?
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()?;
            problems.retain(|p| p != "ok");
            let dangling: Vec<String> = c
                .prepare("PRAGMA foreign_key_check")?
                .query_map([], |r| {
                    Ok(format!(
                        "a row of {} points to a missing row of {}",
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(2)?
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            problems.extend(dangling);
            if problems.is_empty() {
                Ok(())
            } else {
                Err(StoreError::Corrupt(format!(
                    "the SQLite database at {shown} fails its integrity check: {}",
                    problems.join("; ")
                ))
                .into())
            }
        })
        .await
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction on the writer connection, on a
    /// blocking thread; commits when it returns `Ok`, rolls back otherwise.
    async fn write<T, F>(&self, op: &'static str, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Step<T> + Send + 'static,
    {
        self.write_indexed(op, move |c| Ok((f(c)?, Vec::new())))
            .await
    }

    // Writes are queued for the writer thread, which runs them in commit groups and
    // answers each once its group's COMMIT returned (see the module documentation).

    /// [`Self::write`] for writes that change active events: `f` also says how the
    /// in-memory index must change, which happens once the transaction has committed.
    async fn write_indexed<T, F>(&self, op: &'static str, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Step<(T, Vec<IndexChange>)> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: WriteJob = Box::new(move |db: &Db, conn: Result<&Connection, &Fail>| {
            let ran = match conn {
                Ok(c) => f(c).map_err(|e| db.fail(Access::Write, op, e)),
                Err(why) => Err(db.fail_ref(Access::Write, op, why)),
            };
            let ok = ran.is_ok();
            let finish: Finish = Box::new(move |db: &Db, committed: Result<(), &Fail>| {
                let out = match (ran, committed) {
                    (Ok((out, changes)), Ok(())) => db.apply(changes).map(|()| out),
                    (Ok(_), Err(why)) => Err(db.fail_ref(Access::Write, op, why)),
                    (Err(e), _) => Err(e),
                };
                // The caller may have gone (its request was cancelled); the write stands.
                let _ = reply.send(out);
            });
            (ok, finish)
        });
        self.db
            .writes
            .send(job)
            .map_err(|_| self.db.write_lost(op))?;
        answer.await.map_err(|_| self.db.write_lost(op))?
    }

    /// Runs `f` in one read transaction (one consistent snapshot) on a reader connection,
    /// on a blocking thread.
    async fn read<T, F>(&self, op: &'static str, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Step<T> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        let task = tokio::task::spawn_blocking(move || {
            let mut conn = db.reader()?;
            let tx = conn
                .transaction()
                .map_err(|e| db.sql(Access::Read, op, &e))?;
            let out = f(&tx).map_err(|e| db.fail(Access::Read, op, e))?;
            tx.commit().map_err(|e| db.sql(Access::Read, op, &e))?;
            Ok(out)
        });
        task.await.map_err(|e| self.db.join_error(op, &e))?
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if let Err(e) = self.db.flush_locations() {
            tracing::warn!("buffered locations lost at shutdown: {e}");
        }
    }
}

/// Reads every active event through the R*Tree (which holds only active events) to build
/// the in-memory index, rows included.
fn load_spatial(c: &Connection) -> rusqlite::Result<SpatialIndex<CompactEvent>> {
    let expected: i64 = c.query_row("SELECT COUNT(*) FROM event_locations", [], |r| r.get(0))?;
    let mut stmt = c.prepare(&format!(
        "SELECT {EVENT_COLS}, e.seq FROM event_locations AS r JOIN events AS e ON e.seq = r.id"
    ))?;
    // Straight from the rows into the index (no list of a million rows in between); the
    // first error ends the walk and is returned.
    let mut failed = None;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(16)?, event_row(r)?)))?
        .map_while(|row| row.map_err(|e| failed = Some(e)).ok())
        .filter_map(|(seq, event)| {
            let compact = CompactEvent::new(&event)?;
            Some((seq, event.location.coordinates, event.category, compact))
        });
    let index = SpatialIndex::bulk(rows, usize::try_from(expected).unwrap_or(0));
    match failed {
        Some(e) => Err(e),
        None => Ok(index),
    }
}

/// Inserts an event row and its R*Tree entry; its `seq`.
fn insert_event(c: &Connection, event: &NewEvent) -> Step<i64> {
    let inserted = c
        .prepare_cached(
            "INSERT INTO events (id, title, description, category, creator_id, lng, lat, \
             address, status, daily_room_name, daily_room_url, current_participants, \
             starts_at, ends_at, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'active', ?9, ?10, 0, ?11, ?12, ?13)",
        )?
        .execute(params![
            event.id.as_str(),
            event.title,
            event.description,
            event.category,
            event.creator_id.as_str(),
            event.location.lng(),
            event.location.lat(),
            event.address,
            event.daily_room_name,
            event.daily_room_url,
            event.starts_at.as_ref().map(ms),
            event.ends_at.as_ref().map(ms),
            ms(&event.created_at),
        ]);
    match inserted {
        Ok(_) => {}
        Err(e) if unique_violation(&e) == Some("events.id") => {
            return Err(StoreError::Conflict(format!("event {} already exists", event.id)).into())
        }
        Err(e) => return Err(e.into()),
    }
    let seq = c.last_insert_rowid();
    c.prepare_cached(
        "INSERT INTO event_locations (id, min_lng, max_lng, min_lat, max_lat) \
         VALUES (?1, ?2, ?2, ?3, ?3)",
    )?
    .execute(params![seq, event.location.lng(), event.location.lat()])?;
    Ok(seq)
}

/// Creates `daemon`'s connection lease of `user` or moves its expiry to `expires_ms`.
fn upsert_connection_lease(c: &Connection, user: &str, daemon: &str, expires_ms: i64) -> Step<()> {
    c.prepare_cached(
        "INSERT INTO connection_leases (user_id, daemon, expires_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (user_id, daemon) DO UPDATE SET expires_at = excluded.expires_at",
    )?
    .execute(params![user, daemon, expires_ms])?;
    Ok(())
}

impl Db {
    /// The writer thread: takes the queued writes in groups of at most [`MAX_GROUP`] and
    /// commits each group in one transaction. Ends when the store is gone.
    fn commit_groups(db: &Weak<Db>, queued: &mpsc::Receiver<WriteJob>) {
        while let Ok(first) = queued.recv() {
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match queued.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            // Gone: the jobs' answer channels close, their callers hear it.
            let Some(db) = db.upgrade() else { return };
            db.commit_group(group);
        }
    }

    /// Runs one group: BEGIN IMMEDIATE, each write in its own savepoint, one COMMIT, then
    /// every write's end in order, still holding the writer (index changes in commit order).
    fn commit_group(&self, group: Vec<WriteJob>) {
        let mut conn = match self.writer.lock() {
            Ok(c) => c,
            Err(_) => return self.refuse(group, &Fail::Store(self.poisoned("writer"))),
        };
        let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => return self.refuse(group, &Fail::Sql(e)),
        };
        let mut ends = Vec::with_capacity(group.len());
        for job in group {
            if let Err(e) = tx.execute_batch("SAVEPOINT write") {
                let why = Fail::Sql(e);
                let (_, end) = job(self, Err(&why));
                end(self, Err(&why));
                continue;
            }
            // A panic inside one write (a bug) must not take the writer thread down with
            // every later write: that write is undone and its caller told (its answer
            // channel closes); the others go on.
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(self, Ok(&tx))));
            let ok = matches!(ran, Ok((true, _)));
            let undo = if ok {
                tx.execute_batch("RELEASE write")
            } else {
                tx.execute_batch("ROLLBACK TO write; RELEASE write")
            };
            if let Ok((_, end)) = ran {
                ends.push(end);
            }
            if let Err(e) = undo {
                // The transaction is in an unknown state: give the whole group up.
                drop(tx);
                let why = Fail::Sql(e);
                for end in ends {
                    end(self, Err(&why));
                }
                return;
            }
        }
        let committed = tx.commit().map_err(Fail::Sql);
        for end in ends {
            end(self, committed.as_ref().map(|_| ()));
        }
    }

    /// Answers every write of a group that could not start with the reason.
    fn refuse(&self, group: Vec<WriteJob>, why: &Fail) {
        for job in group {
            let (_, end) = job(self, Err(why));
            end(self, Err(why));
        }
    }

    /// Applies committed changes to the index of active events. Callers still hold the
    /// writer, so changes reach the index in commit order (a later row never gets
    /// overwritten by an earlier one).
    fn apply(&self, changes: Vec<IndexChange>) -> StoreResult<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut index = self
            .spatial
            .write()
            .map_err(|_| self.poisoned("spatial index"))?;
        for change in changes {
            match change {
                IndexChange::Put(seq, event) => match CompactEvent::new(&event) {
                    Some(row) => {
                        index.insert(seq, event.location.coordinates, &event.category, row)
                    }
                    None => index.remove(seq),
                },
                IndexChange::Remove(seq) => index.remove(seq),
            }
        }
        Ok(())
    }

    /// Writes every buffered location in one transaction. Users deleted meanwhile are
    /// skipped (the UPDATE matches nothing).
    fn flush_locations(&self) -> StoreResult<()> {
        let pending = {
            let mut buf = self
                .locations
                .lock()
                .map_err(|_| self.poisoned("location buffer"))?;
            if buf.is_empty() {
                return Ok(());
            }
            std::mem::take(&mut *buf)
        };
        let op = "store locations";
        let mut conn = self.writer.lock().map_err(|_| self.poisoned("writer"))?;
        let result = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut stmt = tx.prepare_cached(
                    "UPDATE users SET lng = ?1, lat = ?2, location_at = ?3 WHERE id = ?4",
                )?;
                for (id, (lng, lat, at)) in &pending {
                    stmt.execute(params![lng, lat, at, id])?;
                }
            }
            tx.commit()
        })();
        if let Err(e) = result {
            // Put them back (newer updates that arrived meanwhile win) and retry next round.
            if let Ok(mut buf) = self.locations.lock() {
                for (id, v) in pending {
                    buf.entry(id).or_insert(v);
                }
            }
            return Err(self.sql(Access::Write, op, &e));
        }
        Ok(())
    }

    fn sql(&self, access: Access, op: &str, e: &rusqlite::Error) -> StoreError {
        sql_error(&self.shown, access, op, e)
    }

    fn fail(&self, access: Access, op: &str, f: Fail) -> StoreError {
        match f {
            Fail::Store(e) => e,
            Fail::Sql(e) => self.sql(access, op, &e),
        }
    }

    fn poisoned(&self, which: &str) -> StoreError {
        StoreError::Unavailable(format!(
            "the {which} connection to the SQLite database at {} is unusable because an \
             earlier operation panicked while holding it; restart cpld",
            self.shown
        ))
    }

    fn fail_ref(&self, access: Access, op: &str, f: &Fail) -> StoreError {
        match f {
            Fail::Store(e) => e.clone(),
            Fail::Sql(e) => self.sql(access, op, e),
        }
    }

    fn write_lost(&self, op: &str) -> StoreError {
        StoreError::Unavailable(format!(
            "the SQLite database at {} could not {op}: the write was abandoned inside cpld \
             (its writer stopped or the write failed unexpectedly); this is a bug in cpld, \
             please report it",
            self.shown
        ))
    }

    fn join_error(&self, op: &str, e: &tokio::task::JoinError) -> StoreError {
        StoreError::Unavailable(format!(
            "the SQLite database at {} could not {op}: its worker thread failed ({e}); this \
             is a bug in cpld, please report it",
            self.shown
        ))
    }

    /// The first free reader, starting at a round-robin position; waits for that one
    /// when all are busy.
    fn reader(&self) -> StoreResult<MutexGuard<'_, Connection>> {
        let n = self.readers.len();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed) % n.max(1);
        for i in 0..n {
            match self.readers[(start + i) % n].try_lock() {
                Ok(guard) => return Ok(guard),
                Err(TryLockError::WouldBlock) | Err(TryLockError::Poisoned(_)) => continue,
            }
        }
        self.readers
            .get(start)
            .ok_or_else(|| self.poisoned("reader"))?
            .lock()
            .map_err(|_| self.poisoned("reader"))
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn flush(&self) -> StoreResult<()> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || db.flush_locations())
            .await
            .map_err(|e| self.db.join_error("store locations", &e))?
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read("answer a ping", |c| {
            c.prepare_cached("SELECT 1")?.query_row([], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    // ---- users ----

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        self.write("register a user", move |c| {
            let inserted = c
                .prepare_cached(
                    "INSERT INTO users (id, phone, name, token_hash, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    user.id.as_str(),
                    user.phone,
                    user.name,
                    user.token_hash,
                    ms(&user.created_at)
                ]);
            if let Err(e) = inserted {
                return Err(match unique_violation(&e) {
                    Some("users.phone") => StoreError::Conflict(format!(
                        "phone {} is already registered; log in with its token or use another number",
                        user.phone
                    ))
                    .into(),
                    Some("users.id") => {
                        StoreError::Conflict(format!("user {} already exists", user.id)).into()
                    }
                    Some("users.token_hash") => StoreError::Conflict(
                        "that token is already in use; register again for a new one".into(),
                    )
                    .into(),
                    _ => e.into(),
                });
            }
            Ok(User {
                id: user.id,
                name: user.name,
                phone: Some(user.phone),
                stats: UserStats::default(),
                created_at: user.created_at,
            })
        })
        .await
    }

    async fn user(&self, id: &UserId) -> StoreResult<User> {
        let id = id.to_string();
        self.read("read a user", move |c| load_user(c, &id)).await
    }

    async fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<User>> {
        let token_hash = token_hash.to_string();
        self.read("look up a token", move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {USER_COLS} FROM users WHERE token_hash = ?1"
            ))?
            .query_row([token_hash], user_row)
            .optional()?)
        })
        .await
    }

    async fn list_users(&self, limit: u32) -> StoreResult<Vec<User>> {
        self.read("list users", move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {USER_COLS} FROM users ORDER BY created_at DESC, id DESC LIMIT ?1"
            ))?
            .query_map([i64::from(limit)], user_row)?
            .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn set_token_hash(&self, id: &UserId, token_hash: &str) -> StoreResult<()> {
        let id = id.to_string();
        let token_hash = token_hash.to_string();
        self.write("replace a token", move |c| {
            let changed = c
                .prepare_cached("UPDATE users SET token_hash = ?1 WHERE id = ?2")?
                .execute([&token_hash, &id]);
            match changed {
                Ok(0) => Err(StoreError::not_found(UserId::KIND, &id).into()),
                Ok(_) => Ok(()),
                Err(e) if unique_violation(&e) == Some("users.token_hash") => Err(
                    StoreError::Conflict("that token is already in use; ask for a new one".into())
                        .into(),
                ),
                Err(e) => Err(e.into()),
            }
        })
        .await
    }

    async fn set_location(&self, id: &UserId, at: Coordinates, when: Timestamp) -> StoreResult<()> {
        // Positions are buffered and written together every LOCATION_FLUSH (a crash loses
        // at most that much movement); the user must exist now, as for any other write.
        let key = id.to_string();
        let bytes = super::compact::id_bytes(&key);
        let known = bytes.is_some_and(|b| {
            self.db
                .known_users
                .read()
                .is_ok_and(|known| known.contains(&b))
        });
        if !known {
            let check = key.clone();
            self.read("store a location", move |c| ensure_user(c, &check))
                .await?;
            if let (Some(b), Ok(mut known)) = (bytes, self.db.known_users.write()) {
                known.insert(b);
            }
        }
        self.db
            .locations
            .lock()
            .map_err(|_| self.db.poisoned("location buffer"))?
            .insert(key, (at.lng(), at.lat(), ms(&when)));
        Ok(())
    }

    async fn user_location(&self, id: &UserId) -> StoreResult<Option<Coordinates>> {
        let id = id.to_string();
        let buffered = self
            .db
            .locations
            .lock()
            .map_err(|_| self.db.poisoned("location buffer"))?
            .get(&id)
            .copied();
        if let Some((lng, lat, _)) = buffered {
            return Coordinates::new(lng, lat)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(e.to_string()));
        }
        self.read("read a location", move |c| {
            let found = c
                .prepare_cached(
                    "SELECT lng IS NOT NULL AND lat IS NOT NULL, lng, lat FROM users WHERE id = ?1",
                )?
                .query_row([&id], |r| {
                    if r.get::<_, bool>(0)? {
                        coords_at(r, 1, 2).map(Some)
                    } else {
                        Ok(None)
                    }
                })
                .optional()?;
            found.ok_or_else(|| StoreError::not_found(UserId::KIND, &id).into())
        })
        .await
    }

    async fn user_collectibles(&self, id: &UserId) -> StoreResult<Vec<UserCollectible>> {
        let id = id.to_string();
        self.read("read an inventory", move |c| {
            ensure_user(c, &id)?;
            Ok(c.prepare_cached(
                "SELECT collectible_id, name, rarity, points, event_id, claimed_at \
                 FROM user_collectibles WHERE user_id = ?1 \
                 ORDER BY claimed_at DESC, collectible_id DESC",
            )?
            .query_map([&id], |r| {
                Ok(UserCollectible {
                    collectible_id: id_at(r, 0)?,
                    name: r.get(1)?,
                    rarity: rarity_at(r, 2)?,
                    points: r.get(3)?,
                    event_id: id_at(r, 4)?,
                    claimed_at: ts_at(r, 5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    // ---- events ----

    async fn create_event(&self, event: NewEvent) -> StoreResult<Event> {
        self.write_indexed("create an event", move |c| {
            let creator = event.creator_id.to_string();
            let counted = c
                .prepare_cached(
                    "UPDATE users SET events_created = events_created + 1 WHERE id = ?1",
                )?
                .execute([&creator])?;
            if counted == 0 {
                return Err(StoreError::not_found(UserId::KIND, &creator).into());
            }
            let seq = insert_event(c, &event)?;
            let created = load_event(c, event.id.as_str())?;
            Ok((
                created.clone(),
                vec![IndexChange::Put(seq, Box::new(created))],
            ))
        })
        .await
    }

    async fn event(&self, id: &EventId) -> StoreResult<Event> {
        let id = id.to_string();
        self.read("read an event", move |c| load_event(c, &id))
            .await
    }

    async fn events_near(
        &self,
        center: Coordinates,
        max_distance_m: f64,
        limit: u32,
        category: Option<&str>,
    ) -> StoreResult<Vec<NearbyEvent>> {
        if limit == 0 || max_distance_m.is_nan() || max_distance_m < 0.0 {
            return Ok(Vec::new());
        }
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        // The index walk touches only the nearest events (cost grows with the answer) and
        // holds their committed rows, so the query never waits for the database; the
        // exact distance then makes the final cut and order.
        let mut found: Vec<NearbyEvent> = {
            let index = self
                .db
                .spatial
                .read()
                .map_err(|_| self.db.poisoned("spatial index"))?;
            index
                .nearest(&center, max_distance_m, limit, category)
                .into_iter()
                .filter_map(|seq| index.get(seq)?.to_event())
                .map(|event| NearbyEvent {
                    distance_m: center.distance_m(&event.location.coordinates),
                    event,
                })
                .filter(|n| n.distance_m <= max_distance_m)
                .collect()
        };
        found.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then_with(|| a.event.id.cmp(&b.event.id))
        });
        found.truncate(limit);
        Ok(found)
    }

    async fn set_event_room(&self, id: &EventId, room: &EventRoom) -> StoreResult<()> {
        let id = id.to_string();
        let room = room.clone();
        self.write_indexed("record a video room", move |c| {
            let (seq, _) = event_state(c, &id)?;
            c.prepare_cached(
                "UPDATE events SET daily_room_name = ?1, daily_room_url = ?2 WHERE seq = ?3",
            )?
            .execute(params![room.daily_room_name, room.daily_room_url, seq])?;
            Ok(((), vec![reindex(c, seq)?]))
        })
        .await
    }

    async fn delete_event(&self, id: &EventId) -> StoreResult<()> {
        let id = id.to_string();
        self.write_indexed("delete an event", move |c| {
            let (seq, _) = event_state(c, &id)?;
            // Undo every counter the event moved, then remove everything that points at it.
            c.prepare_cached(
                "UPDATE users SET events_created = MAX(events_created - 1, 0) \
                 WHERE id = (SELECT creator_id FROM events WHERE seq = ?1)",
            )?
            .execute([seq])?;
            c.prepare_cached(
                "UPDATE users SET events_attended = MAX(events_attended - 1, 0) \
                 WHERE id IN (SELECT user_id FROM attendance WHERE event_id = ?1)",
            )?
            .execute([&id])?;
            c.prepare_cached(
                "UPDATE users SET collectibles_count = MAX(collectibles_count - \
                     (SELECT COUNT(*) FROM user_collectibles AS uc \
                      WHERE uc.user_id = users.id AND uc.event_id = ?1), 0) \
                 WHERE id IN (SELECT user_id FROM user_collectibles WHERE event_id = ?1)",
            )?
            .execute([&id])?;
            for sql in [
                "DELETE FROM user_collectibles WHERE event_id = ?1",
                "DELETE FROM collectibles WHERE event_id = ?1",
                "DELETE FROM participants WHERE event_id = ?1",
                "DELETE FROM attendance WHERE event_id = ?1",
                "DELETE FROM messages WHERE event_id = ?1",
                "DELETE FROM transcriptions WHERE event_id = ?1",
            ] {
                c.prepare_cached(sql)?.execute([&id])?;
            }
            c.prepare_cached("DELETE FROM event_locations WHERE id = ?1")?
                .execute([seq])?;
            c.prepare_cached("DELETE FROM events WHERE seq = ?1")?
                .execute([seq])?;
            Ok(((), vec![IndexChange::Remove(seq)]))
        })
        .await
    }

    async fn end_event(&self, id: &EventId, when: Timestamp) -> StoreResult<(Event, Vec<UserId>)> {
        let id = id.to_string();
        self.write_indexed("end an event", move |c| {
            let (seq, active) = event_state(c, &id)?;
            if !active {
                return Err(StoreError::Conflict(format!("event {id} has already ended")).into());
            }
            c.prepare_cached(
                "UPDATE events SET status = 'ended', ended_at = ?1, current_participants = 0 \
                 WHERE seq = ?2",
            )?
            .execute(params![ms(&when), seq])?;
            c.prepare_cached(
                "UPDATE collectibles SET is_active = 0 WHERE event_id = ?1 AND is_active = 1",
            )?
            .execute([&id])?;
            let left: Vec<UserId> = c
                .prepare_cached(
                    "SELECT user_id FROM participants WHERE event_id = ?1 \
                     ORDER BY joined_at, user_id",
                )?
                .query_map([&id], |r| id_at(r, 0))?
                .collect::<rusqlite::Result<_>>()?;
            c.prepare_cached("DELETE FROM participants WHERE event_id = ?1")?
                .execute([&id])?;
            c.prepare_cached("DELETE FROM event_locations WHERE id = ?1")?
                .execute([seq])?;
            Ok(((load_event(c, &id)?, left), vec![IndexChange::Remove(seq)]))
        })
        .await
    }

    // ---- presence ----

    async fn join_event(
        &self,
        event: &EventId,
        user: &UserId,
        when: Timestamp,
    ) -> StoreResult<JoinOutcome> {
        let event = event.to_string();
        let user = user.to_string();
        self.write_indexed("join an event", move |c| {
            let (seq, active) = event_state(c, &event)?;
            ensure_user(c, &user)?;
            if !active {
                return Err(StoreError::Conflict(format!(
                    "event {event} has ended; it can no longer be joined"
                ))
                .into());
            }
            let entered = c
                .prepare_cached(
                    "INSERT OR IGNORE INTO participants (event_id, user_id, joined_at) \
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![event, user, ms(&when)])?;
            if entered == 0 {
                return Ok((JoinOutcome::AlreadyIn, Vec::new()));
            }
            c.prepare_cached(
                "UPDATE events SET current_participants = current_participants + 1 WHERE id = ?1",
            )?
            .execute([&event])?;
            let first_visit = c
                .prepare_cached(
                    "INSERT OR IGNORE INTO attendance (event_id, user_id) VALUES (?1, ?2)",
                )?
                .execute([&event, &user])?
                == 1;
            if first_visit {
                c.prepare_cached(
                    "UPDATE users SET events_attended = events_attended + 1 WHERE id = ?1",
                )?
                .execute([&user])?;
            }
            Ok((JoinOutcome::Joined { first_visit }, vec![reindex(c, seq)?]))
        })
        .await
    }

    async fn leave_event(&self, event: &EventId, user: &UserId) -> StoreResult<bool> {
        let event = event.to_string();
        let user = user.to_string();
        self.write_indexed("leave an event", move |c| {
            let (seq, _) = event_state(c, &event)?;
            ensure_user(c, &user)?;
            let left = c
                .prepare_cached("DELETE FROM participants WHERE event_id = ?1 AND user_id = ?2")?
                .execute([&event, &user])?;
            if left == 0 {
                return Ok((false, Vec::new()));
            }
            c.prepare_cached(
                "UPDATE events SET current_participants = MAX(current_participants - 1, 0) \
                 WHERE seq = ?1",
            )?
            .execute([seq])?;
            Ok((true, vec![reindex(c, seq)?]))
        })
        .await
    }

    async fn leave_all_events(&self, user: &UserId) -> StoreResult<Vec<EventId>> {
        let user = user.to_string();
        self.write_indexed("leave every event", move |c| {
            ensure_user(c, &user)?;
            let events: Vec<EventId> = c
                .prepare_cached(
                    "SELECT event_id FROM participants WHERE user_id = ?1 \
                     ORDER BY joined_at, event_id",
                )?
                .query_map([&user], |r| id_at(r, 0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut changes = Vec::with_capacity(events.len());
            for event in &events {
                let (seq, _) = event_state(c, event.as_str())?;
                c.prepare_cached(
                    "UPDATE events SET current_participants = MAX(current_participants - 1, 0) \
                     WHERE seq = ?1",
                )?
                .execute([seq])?;
                changes.push(reindex(c, seq)?);
            }
            c.prepare_cached("DELETE FROM participants WHERE user_id = ?1")?
                .execute([&user])?;
            Ok((events, changes))
        })
        .await
    }

    async fn participants(&self, event: &EventId) -> StoreResult<Vec<Participant>> {
        let event = event.to_string();
        self.read("list participants", move |c| {
            event_state(c, &event)?;
            Ok(c.prepare_cached(
                "SELECT p.user_id, u.name, p.joined_at FROM participants AS p \
                 JOIN users AS u ON u.id = p.user_id \
                 WHERE p.event_id = ?1 ORDER BY p.joined_at, p.user_id",
            )?
            .query_map([&event], |r| {
                Ok(Participant {
                    user_id: id_at(r, 0)?,
                    name: r.get(1)?,
                    joined_at: ts_at(r, 2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn is_participant(&self, event: &EventId, user: &UserId) -> StoreResult<bool> {
        let event = event.to_string();
        let user = user.to_string();
        self.read("check a participant", move |c| {
            event_state(c, &event)?;
            ensure_user(c, &user)?;
            Ok(c.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM participants WHERE event_id = ?1 AND user_id = ?2)",
            )?
            .query_row([&event, &user], |r| r.get(0))?)
        })
        .await
    }

    async fn rooms_joined(&self, user: &UserId) -> StoreResult<u64> {
        let user = user.to_string();
        self.read("count a user's rooms", move |c| {
            ensure_user(c, &user)?;
            let n: i64 = c
                .prepare_cached("SELECT COUNT(*) FROM participants WHERE user_id = ?1")?
                .query_row([&user], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn active_events_with_participants(&self) -> StoreResult<Vec<EventId>> {
        self.read("list occupied events", |c| {
            Ok(c.prepare_cached(
                "SELECT id FROM events WHERE status = 'active' AND current_participants > 0 \
                 ORDER BY seq",
            )?
            .query_map([], |r| id_at(r, 0))?
            .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    // ---- leases ----

    async fn hold_connection_lease(
        &self,
        user: &UserId,
        daemon: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> StoreResult<()> {
        let (user, daemon) = (user.to_string(), daemon.to_string());
        let expires = ms(&super::lease_expiry(now, ttl));
        self.write("record a connection lease", move |c| {
            upsert_connection_lease(c, &user, &daemon, expires)?;
            Ok(())
        })
        .await
    }

    async fn renew_connection_leases(
        &self,
        daemon: &str,
        users: &[UserId],
        now: Timestamp,
        ttl: Duration,
    ) -> StoreResult<()> {
        let users: Vec<String> = users.iter().map(ToString::to_string).collect();
        let daemon = daemon.to_string();
        let expires = ms(&super::lease_expiry(now, ttl));
        self.write("renew connection leases", move |c| {
            for user in &users {
                upsert_connection_lease(c, user, &daemon, expires)?;
            }
            // A crashed daemon's leases: nobody renews them, nothing reads them any more.
            c.prepare_cached("DELETE FROM connection_leases WHERE expires_at <= ?1")?
                .execute([ms(&now)])?;
            Ok(())
        })
        .await
    }

    async fn release_connection_lease(
        &self,
        user: &UserId,
        daemon: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let (user, daemon) = (user.to_string(), daemon.to_string());
        self.write("release a connection lease", move |c| {
            c.prepare_cached("DELETE FROM connection_leases WHERE user_id = ?1 AND daemon = ?2")?
                .execute([&user, &daemon])?;
            Ok(c.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM connection_leases \
                 WHERE user_id = ?1 AND expires_at > ?2)",
            )?
            .query_row(params![user, ms(&now)], |r| r.get(0))?)
        })
        .await
    }

    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> StoreResult<bool> {
        let (name, holder) = (name.to_string(), holder.to_string());
        let expires = ms(&super::lease_expiry(now, ttl));
        self.write("take a lease", move |c| {
            // One statement: inserted when free; taken over when expired or extended when
            // ours; otherwise the WHERE leaves the row alone and nothing changes.
            let changed = c
                .prepare_cached(
                    "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (name) DO UPDATE \
                     SET holder = excluded.holder, expires_at = excluded.expires_at \
                     WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4",
                )?
                .execute(params![name, holder, expires, ms(&now)])?;
            Ok(changed == 1)
        })
        .await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        let (name, holder) = (name.to_string(), holder.to_string());
        self.write("give up a lease", move |c| {
            c.prepare_cached("DELETE FROM leases WHERE name = ?1 AND holder = ?2")?
                .execute([&name, &holder])?;
            Ok(())
        })
        .await
    }

    // ---- chat ----

    async fn add_message(&self, message: &ChatMessage) -> StoreResult<()> {
        let m = message.clone();
        self.write("store a chat message", move |c| {
            event_state(c, m.event_id.as_str())?;
            ensure_user(c, m.user_id.as_str())?;
            let inserted = c
                .prepare_cached(
                    "INSERT INTO messages (id, event_id, user_id, name, message, timestamp) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    m.id.as_str(),
                    m.event_id.as_str(),
                    m.user_id.as_str(),
                    m.name,
                    m.message,
                    ms(&m.timestamp)
                ]);
            match inserted {
                Ok(_) => Ok(()),
                Err(e) if unique_violation(&e) == Some("messages.id") => {
                    Err(StoreError::Conflict(format!("message {} already exists", m.id)).into())
                }
                Err(e) => Err(e.into()),
            }
        })
        .await
    }

    async fn messages(
        &self,
        event: &EventId,
        limit: u32,
        before: Option<Before>,
    ) -> StoreResult<Vec<ChatMessage>> {
        let event = event.to_string();
        let (at, id) = page_start(before);
        self.read("read chat messages", move |c| {
            event_state(c, &event)?;
            Ok(c.prepare_cached(&format!(
                "SELECT {MESSAGE_COLS} FROM messages WHERE event_id = ?1 \
                 AND (timestamp, id) < (?2, ?3) \
                 ORDER BY timestamp DESC, id DESC LIMIT ?4"
            ))?
            .query_map(params![event, at, id, i64::from(limit)], message_row)?
            .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    // ---- collectibles ----

    async fn drop_collectible(&self, collectible: &Collectible) -> StoreResult<()> {
        let k = collectible.clone();
        self.write("store a collectible", move |c| {
            let (_, active) = event_state(c, k.event_id.as_str())?;
            if !active {
                return Err(StoreError::Conflict(format!(
                    "event {} has ended; nothing can be dropped into it",
                    k.event_id
                ))
                .into());
            }
            let inserted = c
                .prepare_cached(
                    "INSERT INTO collectibles (id, event_id, name, rarity, points, dropped_at, \
                     expires_at, claimed_by, claimed_at, is_active) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?
                .execute(params![
                    k.id.as_str(),
                    k.event_id.as_str(),
                    k.name,
                    k.rarity.as_str(),
                    k.points,
                    ms(&k.dropped_at),
                    ms(&k.expires_at),
                    k.claimed_by.as_ref().map(UserId::as_str),
                    k.claimed_at.as_ref().map(ms),
                    k.is_active
                ]);
            match inserted {
                Ok(_) => Ok(()),
                Err(e) if unique_violation(&e) == Some("collectibles.id") => {
                    Err(StoreError::Conflict(format!("collectible {} already exists", k.id)).into())
                }
                Err(e) => Err(e.into()),
            }
        })
        .await
    }

    async fn collectible(&self, id: &CollectibleId) -> StoreResult<Collectible> {
        let id = id.to_string();
        self.read("read a collectible", move |c| load_collectible(c, &id))
            .await
    }

    async fn active_collectibles(
        &self,
        event: &EventId,
        now: Timestamp,
    ) -> StoreResult<Vec<Collectible>> {
        let event = event.to_string();
        self.read("list active collectibles", move |c| {
            event_state(c, &event)?;
            Ok(c.prepare_cached(&format!(
                "SELECT {COLLECTIBLE_COLS} FROM collectibles \
                 WHERE event_id = ?1 AND is_active = 1 AND claimed_by IS NULL AND expires_at > ?2 \
                 ORDER BY dropped_at DESC, id DESC"
            ))?
            .query_map(params![event, ms(&now)], collectible_row)?
            .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn claim_collectible(
        &self,
        id: &CollectibleId,
        user: &UserId,
        now: Timestamp,
    ) -> StoreResult<ClaimOutcome> {
        let id = id.to_string();
        let user = user.to_string();
        self.write("claim a collectible", move |c| {
            ensure_user(c, &user)?;
            let now = ms(&now);
            let won = c
                .prepare_cached(
                    "UPDATE collectibles SET claimed_by = ?1, claimed_at = ?2, is_active = 0 \
                     WHERE id = ?3 AND claimed_by IS NULL AND is_active = 1 AND expires_at > ?2",
                )?
                .execute(params![user, now, id])?;
            if won == 1 {
                c.prepare_cached(
                    "INSERT INTO user_collectibles \
                         (user_id, collectible_id, name, rarity, points, event_id, claimed_at) \
                     SELECT ?1, id, name, rarity, points, event_id, ?2 \
                     FROM collectibles WHERE id = ?3",
                )?
                .execute(params![user, now, id])?;
                c.prepare_cached(
                    "UPDATE users SET collectibles_count = collectibles_count + 1 WHERE id = ?1",
                )?
                .execute([&user])?;
                return Ok(ClaimOutcome::Won(load_collectible(c, &id)?));
            }
            let claimed: Option<bool> = c
                .prepare_cached("SELECT claimed_by IS NOT NULL FROM collectibles WHERE id = ?1")?
                .query_row([&id], |r| r.get(0))
                .optional()?;
            match claimed {
                None => Err(StoreError::not_found(CollectibleId::KIND, &id).into()),
                Some(true) => Ok(ClaimOutcome::AlreadyClaimed),
                Some(false) => Ok(ClaimOutcome::Expired),
            }
        })
        .await
    }

    async fn expire_collectibles(&self, now: Timestamp) -> StoreResult<u64> {
        self.write("expire collectibles", move |c| {
            let n = c
                .prepare_cached(
                    "UPDATE collectibles SET is_active = 0 WHERE is_active = 1 AND expires_at <= ?1",
                )?
                .execute([ms(&now)])?;
            Ok(u64::try_from(n).unwrap_or(u64::MAX))
        })
        .await
    }

    // ---- transcriptions ----

    async fn add_transcription(&self, segment: &Transcription) -> StoreResult<()> {
        let t = segment.clone();
        let shown = self.db.shown.clone();
        self.write("store a transcript segment", move |c| {
            event_state(c, t.event_id.as_str())?;
            ensure_user(c, t.speaker_id.as_str())?;
            let words = serde_json::to_string(&t.words).map_err(|e| {
                StoreError::Unavailable(format!(
                    "the transcript segment {} could not be stored in the SQLite database at \
                     {shown}: its word timings do not serialise ({e})",
                    t.id
                ))
            })?;
            let inserted = c
                .prepare_cached(
                    "INSERT INTO transcriptions (id, event_id, speaker_id, text, text_folded, \
                     confidence, start, duration, words, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?
                .execute(params![
                    t.id.as_str(),
                    t.event_id.as_str(),
                    t.speaker_id.as_str(),
                    t.text,
                    t.text.to_lowercase(),
                    t.confidence,
                    t.start,
                    t.duration,
                    words,
                    ms(&t.created_at)
                ]);
            match inserted {
                Ok(_) => Ok(()),
                Err(e) if unique_violation(&e) == Some("transcriptions.id") => Err(
                    StoreError::Conflict(format!("transcript segment {} already exists", t.id))
                        .into(),
                ),
                Err(e) => Err(e.into()),
            }
        })
        .await
    }

    async fn transcriptions(
        &self,
        event: &EventId,
        limit: u32,
        before: Option<Before>,
        query: Option<&str>,
    ) -> StoreResult<Vec<Transcription>> {
        let event = event.to_string();
        let pattern = query.map(like_pattern);
        let (at, id) = page_start(before);
        self.read("read transcript segments", move |c| {
            event_state(c, &event)?;
            Ok(c.prepare_cached(&format!(
                "SELECT {TRANSCRIPTION_COLS} FROM transcriptions \
                 WHERE event_id = ?1 AND (created_at, id) < (?2, ?3) \
                   AND (?4 IS NULL OR text_folded LIKE ?4 ESCAPE '\\') \
                 ORDER BY created_at DESC, id DESC LIMIT ?5"
            ))?
            .query_map(
                params![event, at, id, pattern, i64::from(limit)],
                transcription_row,
            )?
            .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_takes_wildcards_literally() {
        assert_eq!(like_pattern("100%"), "%100\\%%");
        assert_eq!(like_pattern("a_B\\"), "%a\\_b\\\\%");
    }

    #[test]
    fn migrations_are_numbered_in_order() {
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version);
        }
        assert_eq!(schema_version(), 2);
    }
}
