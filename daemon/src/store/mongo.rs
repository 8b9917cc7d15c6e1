//! The MongoDB backend (official `mongodb` driver, tokio runtime), chosen when `MONGODB_URL`
//! is set. This is the store for deployments that outgrow one machine: several `cpld`
//! behind a load balancer sharing one replica set or cluster.
//!
//! # Documents
//! The collections and field names of the original FastAPI backend: `users` (`phone`,
//! `name`, `stats{events_created, events_attended, collectibles_count}`,
//! `current_location` GeoJSON), `events` (`location` GeoJSON, `room{daily_room_name,
//! daily_room_url, current_participants}`, `status`, `creator_id`), `collectibles`
//! (`claimed_by`, `is_active`, `expires_at`), `user_collectibles` and `transcriptions`, plus
//! `messages`, `participants` (who is in a room now), `attendance` (which events a user
//! ever joined, so `events_attended` counts each once), `broadcasts` (the cross-daemon
//! bus, [`crate::realtime::bus`]), `connection_leases` (which daemon has a WebSocket of which user
//! open: `user_id`, `daemon`, `expires_at`) and `leases` (named job leases such as
//! `drop-round`: `_id` is the name, `holder`, `expires_at`). `_id` is an ObjectId whose hex is our 24-hex id, references
//! (`creator_id`, `event_id`, `user_id`, ...) are ObjectIds, times are BSON dates (which
//! keep milliseconds, like [`citypulse::time`]).
//!
//! # Indexes
//! [`MongoStore::connect`] creates every index (the original's `scripts/init_database.py`,
//! plus what our queries need) idempotently at start-up; `cpld init-db` does it explicitly.
//!
//! # Atomicity: transactions where the deployment has them
//! At start-up `hello` tells whether the deployment is a replica set or a sharded cluster
//! (then it has multi-document transactions: every Atlas cluster, every production
//! deployment that several daemons share, and `secantusd-py`) or a standalone `mongod`
//! (no transactions).
//!
//! * The claim: with transactions, one transaction holds the `findOneAndUpdate` that
//!   filters on the unclaimed/active/unexpired state, the winner's `user_collectibles` row
//!   and the `$inc` of `stats.collectibles_count`, committed with write concern majority,
//!   so the three change together or not at all even if the daemon dies between writes:
//!   an uncommitted transaction is rolled back by the server. Losers conflict with the
//!   winner's write, retry ([`TXN_ATTEMPTS`]) and then find the collectible claimed.
//!   Without transactions, the claim is an idempotent, repairable sequence: the
//!   `findOneAndUpdate` (write concern majority) also sets `claim_pending`; then the
//!   inventory row is upserted under the collectible's own `_id`, the counter is raised
//!   with `$max` to the number of inventory rows, and `claim_pending` is removed. Every
//!   step can run twice with the same result, so a daemon dying in between leaves a
//!   `claim_pending` collectible that [`MongoStore::repair_claims`] finishes at the next
//!   start-up or expiry sweep.
//! * Ending, deleting and creating events and dropping collectibles run in one
//!   transaction when there are transactions (same sequence, one step at a time, on a
//!   standalone server).
//! * Joining and leaving do not use transactions, on purpose: every join writes the
//!   event's `room.current_participants`, and concurrent transactions writing one hot
//!   document abort each other (200 simultaneous joins took tens of seconds on a
//!   transactional design). Instead each step is a single-document atomic write ordered
//!   so that every interleaving stays correct: the participant row (unique per event and
//!   user) decides "already in", the `$inc` is conditional on the event being active (a
//!   join racing `end_event` takes its row back and answers Conflict), the attendance
//!   row (unique) decides the once-only `events_attended`.
//!
//! * Leases: every query compares `expires_at` with the caller's `now`, so a lease is
//!   never trusted past its expiry even though the TTL index on
//!   `connection_leases.expires_at` removes old ones only about once a minute. Taking a
//!   named lease is one conditional upsert: the filter matches the lease only when it is
//!   ours or has expired; when it is someone else's, the upsert tries to insert a second
//!   document with the same `_id` and the duplicate-key error means "not acquired".
//!
//! # Nearby
//! `$geoNear` on the `2dsphere` index of `events.location` (query: active, category)
//! finds the candidates; the answer's distance is then the same haversine on
//! [`citypulse::geo::EARTH_RADIUS_M`] (MongoDB's radius) that the SQLite store uses, so
//! both backends give the same numbers and the same order (distance, then id). The server's
//! own distance only picks candidates, with a small margin at the radius and at the limit.
//!
//! # Failures
//! Short server-selection and connect timeouts ([`SELECTION_TIMEOUT`]) make an outage
//! answer 503 within seconds; every driver error becomes a sentence naming the database
//! and its hosts, never the credentials of `MONGODB_URL`. A server that is reachable but
//! does not answer (overloaded, stuck, frozen) is bounded once, in the store itself: every
//! [`Store`] operation of [`MongoStore`] runs through one helper (`MongoStore::bounded`)
//! and answers within [`OPERATION_TIMEOUT`] (transactions and batches within
//! [`LONG_OPERATION_TIMEOUT`]) or fails with a 503 saying so.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use citypulse::geo::Coordinates;
use citypulse::ids::{CollectibleId, EventId, MessageId, TranscriptId, UserId};
use citypulse::model::{
    ChatMessage, Collectible, Event, EventRoom, EventStatus, NearbyEvent, Participant, Rarity,
    Transcription, User, UserCollectible, UserStats,
};
use citypulse::time::Timestamp;
use futures_util::TryStreamExt;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{doc, Bson, DateTime as BsonDate, Document};
use mongodb::error::{Error as DbError, ErrorKind, WriteFailure};
use mongodb::options::{ClientOptions, IndexOptions, ReturnDocument, WriteConcern};
use mongodb::{ClientSession, Collection, Database, IndexModel};

use super::{Before, ClaimOutcome, JoinOutcome, NewEvent, NewUser, Store, StoreError, StoreResult};

/// How long an operation waits for a server to answer before it fails (503).
pub const SELECTION_TIMEOUT: Duration = Duration::from_secs(3);

/// The write concern of every write unless `MONGODB_URL` sets one: acknowledged by a
/// majority of the replica set and written to its journal (on a standalone server: to
/// that server's journal).
fn durable_write_concern() -> WriteConcern {
    WriteConcern::builder()
        .w(mongodb::options::Acknowledgment::Majority)
        .journal(true)
        .build()
}

/// How many times a transaction that lost a write conflict is tried in all.
pub const TXN_ATTEMPTS: u32 = 60;

/// How long a transaction keeps retrying write conflicts before it answers 503.
pub const TXN_DEADLINE: Duration = Duration::from_secs(15);

/// The longest a store operation waits for the server, in all; past it the
/// operation answers 503. Shorter than the driver's own detection of a server that stopped
/// answering (a missed heartbeat: [`SELECTION_TIMEOUT`] after the 10 s heartbeat), so a
/// stuck server is a 503 in 10 s however it is stuck.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);

/// The limit of operations that may legitimately take longer: transactions, which retry
/// write conflicts for up to [`TXN_DEADLINE`] and then get one more full attempt, and
/// batches of many commands.
pub const LONG_OPERATION_TIMEOUT: Duration =
    Duration::from_secs(TXN_DEADLINE.as_secs() + OPERATION_TIMEOUT.as_secs());

/// The collection of the cross-daemon bus ([`crate::realtime::bus`]).
pub const BROADCASTS: &str = "broadcasts";

/// How long bus envelopes are kept (a TTL index removes them; the change stream delivers
/// them from the oplog, so they are not needed once inserted).
pub const BROADCAST_TTL: Duration = Duration::from_secs(300);

/// The collection of per-daemon connection leases (presence across daemons).
pub const CONNECTION_LEASES: &str = "connection_leases";

/// The collection of named job leases (`drop-round`).
pub const LEASES: &str = "leases";

/// Users per `$in` when connection leases are renewed (keeps each command small).
const RENEW_CHUNK: usize = 5000;

const DUPLICATE_KEY: i32 = 11000;

/// Index codes that mean "an equivalent index is already there".
const INDEX_EXISTS: [i32; 4] = [68, 85, 86, 276];

/// The MongoDB [`Store`]. Cloning is cheap (the driver's client is shared).
#[derive(Clone)]
pub struct MongoStore {
    client: mongodb::Client,
    db: Database,
    /// `database NAME at HOSTS`, for sentences (never the credentials).
    shown: String,
    /// The `user:password` part of the URL, scrubbed from any driver message.
    userinfo: Option<String>,
    /// Multi-document transactions are available (replica set or sharded cluster).
    transactions: bool,
}

impl fmt::Debug for MongoStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MongoStore")
            .field("at", &self.shown)
            .field("transactions", &self.transactions)
            .finish_non_exhaustive()
    }
}

/// Why a step stopped: a domain answer, or the driver failing (turned into a sentence by
/// the caller, who knows the operation).
enum Fail {
    Store(StoreError),
    Db(DbError),
}

impl From<DbError> for Fail {
    fn from(e: DbError) -> Self {
        Fail::Db(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Store(e)
    }
}

type Step<T> = Result<T, Fail>;

/// The `user:password@` part of a connection string, if any.
fn userinfo(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map(|(info, _)| info.to_string())
        .filter(|s| !s.is_empty())
}

/// A connection string with its credentials taken out, for sentences.
fn without_credentials(url: &str) -> String {
    match userinfo(url) {
        Some(info) => url.replacen(&format!("{info}@"), "", 1),
        None => url.to_string(),
    }
}

fn oid(id: &str) -> Result<ObjectId, StoreError> {
    ObjectId::parse_str(id).map_err(|e| {
        StoreError::Corrupt(format!(
            "{id} is not an ObjectId ({e}); ids are 24 hex digits"
        ))
    })
}

fn date(t: &Timestamp) -> BsonDate {
    BsonDate::from_millis(t.timestamp_millis())
}

fn opt_date(t: &Option<Timestamp>) -> Bson {
    t.as_ref().map_or(Bson::Null, |t| Bson::DateTime(date(t)))
}

fn opt_str(s: &Option<String>) -> Bson {
    s.as_ref().map_or(Bson::Null, |s| Bson::String(s.clone()))
}

/// The stored document of a new (active) event.
fn event_doc(event: &NewEvent) -> Result<Document, StoreError> {
    Ok(doc! {
        "_id": oid(event.id.as_str())?,
        "title": &event.title,
        "description": opt_str(&event.description),
        "category": &event.category,
        "creator_id": oid(event.creator_id.as_str())?,
        "location": point(&event.location),
        "address": opt_str(&event.address),
        "status": "active",
        "room": {
            "daily_room_name": opt_str(&event.daily_room_name),
            "daily_room_url": opt_str(&event.daily_room_url),
            "current_participants": 0_i64,
        },
        "starts_at": opt_date(&event.starts_at),
        "ends_at": opt_date(&event.ends_at),
        "created_at": date(&event.created_at),
        "ended_at": Bson::Null,
    })
}

fn point(c: &Coordinates) -> Document {
    doc! { "type": "Point", "coordinates": [c.lng(), c.lat()] }
}

/// Counts are stored as 64-bit integers.
fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `limit` for the driver, where 0 would mean "no limit".
fn limit_of(limit: u32) -> i64 {
    i64::from(limit)
}

/// A regular expression that matches `text` literally (PCRE and Python `re` alike).
/// The filter of a history page starting after `before` in the newest-first order of
/// `field`, then `_id` (the order both history reads sort by).
fn page_start(field: &str, before: Before) -> Result<Document, StoreError> {
    let at = date(&before.at);
    Ok(match before.id {
        None => doc! { field: { "$lt": at } },
        Some(id) => doc! { "$or": [
            { field: { "$lt": at } },
            { field: at, "_id": { "$lt": oid(&id)? } },
        ] },
    })
}

fn literal_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for ch in text.chars() {
        if "\\^$.|?*+()[]{}".contains(ch) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Reads typed fields out of a stored document, with sentences for damaged ones.
struct Reader<'a> {
    doc: &'a Document,
    collection: &'static str,
    shown: &'a str,
}

impl<'a> Reader<'a> {
    fn bad(&self, field: &str, what: &str) -> StoreError {
        let id = match self.doc.get("_id") {
            Some(Bson::ObjectId(o)) => o.to_hex(),
            Some(other) => other.to_string(),
            None => "without _id".into(),
        };
        StoreError::Corrupt(format!(
            "the MongoDB {} holds a {} document {id} whose field {field} {what}; it was changed \
             by hand or by another program",
            self.shown, self.collection
        ))
    }

    fn get(&self, field: &str) -> Option<&'a Bson> {
        let mut parts = field.split('.');
        let first = parts.next()?;
        let mut v = self.doc.get(first)?;
        for p in parts {
            v = v.as_document()?.get(p)?;
        }
        match v {
            Bson::Null => None,
            v => Some(v),
        }
    }

    fn hex(&self, field: &str) -> Result<String, StoreError> {
        match self.get(field) {
            Some(Bson::ObjectId(o)) => Ok(o.to_hex()),
            Some(Bson::String(s)) if ObjectId::parse_str(s).is_ok() => Ok(s.to_ascii_lowercase()),
            Some(_) => Err(self.bad(field, "is not an ObjectId")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    fn id<T: std::str::FromStr<Err = citypulse::ids::InvalidId>>(
        &self,
        field: &str,
    ) -> Result<T, StoreError> {
        self.hex(field)?
            .parse()
            .map_err(|e| self.bad(field, &format!("is not an id ({e})")))
    }

    fn opt_id<T: std::str::FromStr<Err = citypulse::ids::InvalidId>>(
        &self,
        field: &str,
    ) -> Result<Option<T>, StoreError> {
        match self.get(field) {
            None => Ok(None),
            Some(_) => self.id(field).map(Some),
        }
    }

    fn string(&self, field: &str) -> Result<String, StoreError> {
        match self.get(field) {
            Some(Bson::String(s)) => Ok(s.clone()),
            Some(_) => Err(self.bad(field, "is not a string")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    fn opt_string(&self, field: &str) -> Result<Option<String>, StoreError> {
        match self.get(field) {
            None => Ok(None),
            Some(_) => self.string(field).map(Some),
        }
    }

    fn time(&self, field: &str) -> Result<Timestamp, StoreError> {
        match self.get(field) {
            Some(Bson::DateTime(d)) => {
                chrono::DateTime::from_timestamp_millis(d.timestamp_millis())
                    .ok_or_else(|| self.bad(field, "is out of range"))
            }
            Some(_) => Err(self.bad(field, "is not a date")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    fn opt_time(&self, field: &str) -> Result<Option<Timestamp>, StoreError> {
        match self.get(field) {
            None => Ok(None),
            Some(_) => self.time(field).map(Some),
        }
    }

    fn int(&self, field: &str) -> Result<i64, StoreError> {
        match self.get(field) {
            Some(Bson::Int32(n)) => Ok(i64::from(*n)),
            Some(Bson::Int64(n)) => Ok(*n),
            Some(Bson::Double(f)) if f.fract() == 0.0 && f.is_finite() => Ok(*f as i64),
            Some(_) => Err(self.bad(field, "is not an integer")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    /// A counter; missing means 0 (documents written by the original backend).
    fn counter(&self, field: &str) -> Result<u64, StoreError> {
        match self.get(field) {
            None => Ok(0),
            Some(_) => Ok(u64::try_from(self.int(field)?.max(0)).unwrap_or(0)),
        }
    }

    fn float(&self, field: &str) -> Result<f64, StoreError> {
        match self.get(field) {
            Some(Bson::Double(f)) => Ok(*f),
            Some(Bson::Int32(n)) => Ok(f64::from(*n)),
            Some(Bson::Int64(n)) => Ok(*n as f64),
            Some(_) => Err(self.bad(field, "is not a number")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    fn boolean(&self, field: &str) -> Result<bool, StoreError> {
        match self.get(field) {
            Some(Bson::Boolean(b)) => Ok(*b),
            Some(_) => Err(self.bad(field, "is not a boolean")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    fn coordinates(&self, field: &str) -> Result<Option<Coordinates>, StoreError> {
        let Some(v) = self.get(field) else {
            return Ok(None);
        };
        let pair = v
            .as_document()
            .and_then(|d| d.get_array("coordinates").ok())
            .ok_or_else(|| self.bad(field, "is not a GeoJSON point"))?;
        let num = |b: Option<&Bson>| match b {
            Some(Bson::Double(f)) => Some(*f),
            Some(Bson::Int32(n)) => Some(f64::from(*n)),
            Some(Bson::Int64(n)) => Some(*n as f64),
            _ => None,
        };
        match (num(pair.first()), num(pair.get(1)), pair.len()) {
            (Some(lng), Some(lat), 2) => Coordinates::new(lng, lat)
                .map(Some)
                .map_err(|e| self.bad(field, &format!("is not a valid position ({e})"))),
            _ => Err(self.bad(field, "is not a [longitude, latitude] pair")),
        }
    }

    fn rarity(&self, field: &str) -> Result<Rarity, StoreError> {
        let s = self.string(field)?;
        Rarity::parse(&s).ok_or_else(|| self.bad(field, &format!("holds {s:?}, not a rarity")))
    }
}

/// Every index, by collection: (collection, keys, unique, sparse, TTL).
fn index_plan() -> Vec<(&'static str, Document, IndexOptions)> {
    let plain = IndexOptions::default;
    let unique = || IndexOptions::builder().unique(true).build();
    vec![
        // users: the original's unique phone and 2dsphere location.
        ("users", doc! { "phone": 1 }, unique()),
        ("users", doc! { "current_location": "2dsphere" }, plain()),
        // Tokens are looked up by hash on every call; users of the original have none.
        (
            "users",
            doc! { "token_hash": 1 },
            IndexOptions::builder().unique(true).sparse(true).build(),
        ),
        ("users", doc! { "created_at": -1, "_id": -1 }, plain()),
        // events: the original's 2dsphere location, plus drop candidates and creators.
        ("events", doc! { "location": "2dsphere" }, plain()),
        (
            "events",
            doc! { "status": 1, "room.current_participants": 1 },
            plain(),
        ),
        ("events", doc! { "creator_id": 1 }, plain()),
        // collectibles: the original's race-condition indexes (the claim filter) and
        // the per-event listing and expiry sweep.
        (
            "collectibles",
            doc! { "_id": 1, "claimed_by": 1, "is_active": 1, "expires_at": 1 },
            plain(),
        ),
        (
            "collectibles",
            doc! { "event_id": 1, "is_active": 1, "dropped_at": -1 },
            plain(),
        ),
        (
            "collectibles",
            doc! { "is_active": 1, "expires_at": 1 },
            plain(),
        ),
        (
            "collectibles",
            doc! { "claim_pending": 1 },
            IndexOptions::builder().sparse(true).build(),
        ),
        // user_collectibles: one row per collectible, listed per user newest first.
        ("user_collectibles", doc! { "collectible_id": 1 }, unique()),
        (
            "user_collectibles",
            doc! { "user_id": 1, "claimed_at": -1, "collectible_id": -1 },
            plain(),
        ),
        ("user_collectibles", doc! { "event_id": 1 }, plain()),
        // transcriptions and messages: pages of one event, newest first.
        (
            "transcriptions",
            doc! { "event_id": 1, "created_at": -1, "_id": -1 },
            plain(),
        ),
        (
            "messages",
            doc! { "event_id": 1, "timestamp": -1, "_id": -1 },
            plain(),
        ),
        // presence and attendance.
        (
            "participants",
            doc! { "event_id": 1, "user_id": 1 },
            unique(),
        ),
        (
            "participants",
            doc! { "event_id": 1, "joined_at": 1, "user_id": 1 },
            plain(),
        ),
        (
            "participants",
            doc! { "user_id": 1, "joined_at": 1 },
            plain(),
        ),
        ("attendance", doc! { "event_id": 1, "user_id": 1 }, unique()),
        // Presence across daemons: one lease per user and daemon, looked up by user.
        // Queries check expires_at themselves; the TTL index only clears what crashed
        // daemons left behind.
        (
            CONNECTION_LEASES,
            doc! { "user_id": 1, "daemon": 1 },
            unique(),
        ),
        (
            CONNECTION_LEASES,
            doc! { "expires_at": 1 },
            IndexOptions::builder().expire_after(Duration::ZERO).build(),
        ),
        // The bus: envelopes expire on their own.
        (
            BROADCASTS,
            doc! { "created_at": 1 },
            IndexOptions::builder().expire_after(BROADCAST_TTL).build(),
        ),
    ]
}

impl MongoStore {
    /// Connects to `url`, database `database`, learns whether the deployment has
    /// transactions and creates every index (idempotent).
    pub async fn connect(url: &str, database: &str) -> StoreResult<MongoStore> {
        let info = userinfo(url);
        let scrub = |msg: String| match &info {
            Some(i) => msg.replace(i.as_str(), "<credentials>"),
            None => msg,
        };
        let mut options = ClientOptions::parse(url).await.map_err(|e| {
            StoreError::Unavailable(scrub(format!(
                "MONGODB_URL ({}) is not a usable MongoDB connection string: {e}; it looks like \
                 mongodb://host:27017 or mongodb+srv://user:password@cluster.example.net",
                without_credentials(url)
            )))
        })?;
        options
            .server_selection_timeout
            .get_or_insert(SELECTION_TIMEOUT);
        options.connect_timeout.get_or_insert(SELECTION_TIMEOUT);
        // An acknowledged write must survive the loss of the primary and of its process:
        // majority and journaled, unless MONGODB_URL asks for something else (`w=`,
        // `journal=`), which the operator then owns.
        options
            .write_concern
            .get_or_insert_with(durable_write_concern);
        options.app_name.get_or_insert_with(|| "cpld".to_string());
        let hosts = options
            .hosts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let shown = format!("database {database} at {hosts}");
        let client = mongodb::Client::with_options(options).map_err(|e| {
            StoreError::Unavailable(scrub(format!(
                "the MongoDB {shown} cannot be used: {e}; check MONGODB_URL"
            )))
        })?;
        let mut store = MongoStore {
            db: client.database(database),
            client,
            shown,
            userinfo: info,
            transactions: false,
        };
        let hello = store
            .bounded("connect", Effect::Read, async {
                store
                    .db
                    .run_command(doc! { "hello": 1 })
                    .await
                    .map_err(|e| store.db_error("connect", e))
            })
            .await?;
        store.transactions =
            hello.get_str("setName").is_ok() || hello.get_str("msg").ok() == Some("isdbgrid");
        if !store.transactions {
            tracing::warn!(
                "the MongoDB {} is a standalone server without transactions: claims use the \
                 repairable sequence, and events are ended/deleted step by step; use a replica \
                 set for several daemons",
                store.shown
            );
        }
        store.ensure_indexes().await?;
        if !store.transactions {
            store.repair_claims().await?;
        }
        Ok(store)
    }

    /// Adds many events at once, for benchmarks and seeding: the documents `create_event`
    /// writes, in one `insert_many`, and each creator's `events_created` moved once. Not
    /// one transaction (a seed can be rerun with another seed); creators must exist.
    pub async fn import_events(&self, events: Vec<NewEvent>) -> StoreResult<usize> {
        let op = "import events";
        let mut per_creator: std::collections::HashMap<String, i64> = Default::default();
        let mut docs = Vec::with_capacity(events.len());
        for event in &events {
            docs.push(event_doc(event)?);
            *per_creator.entry(event.creator_id.to_string()).or_default() += 1;
        }
        for creator in per_creator.keys() {
            self.user_exists(creator, None)
                .await
                .map_err(|f| self.fail(op, f))?;
        }
        if !docs.is_empty() {
            self.col("events")
                .insert_many(docs)
                .ordered(false)
                .await
                .map_err(|e| self.db_error(op, e))?;
        }
        for (creator, n) in per_creator {
            self.col("users")
                .update_one(
                    doc! { "_id": oid(&creator)? },
                    doc! { "$inc": { "stats.events_created": n } },
                )
                .await
                .map_err(|e| self.db_error(op, e))?;
        }
        Ok(events.len())
    }

    /// `database NAME at HOSTS`.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Whether claims and event changes run in multi-document transactions.
    pub fn has_transactions(&self) -> bool {
        self.transactions
    }

    /// The database (for the bus and tests).
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Creates every index that is missing; the `collection.index` names ensured.
    /// An equivalent index already there (perhaps under another name, made by the
    /// original's script) is kept.
    pub async fn ensure_indexes(&self) -> StoreResult<Vec<String>> {
        let mut made = Vec::new();
        for (collection, keys, options) in index_plan() {
            let model = IndexModel::builder()
                .keys(keys.clone())
                .options(options)
                .build();
            match self.col(collection).create_index(model).await {
                Ok(r) => made.push(format!("{collection}.{}", r.index_name)),
                Err(e) if INDEX_EXISTS.contains(&command_code(&e).unwrap_or(0)) => {
                    let name = index_name(&keys);
                    tracing::debug!(
                        "the MongoDB {} already has an index like {collection}.{name}; kept it: {e}",
                        self.shown
                    );
                    made.push(format!("{collection}.{name}"));
                }
                Err(e) => return Err(self.db_error("create its indexes", e)),
            }
        }
        Ok(made)
    }

    /// Finishes claims that a daemon left half done (only without transactions: with them
    /// a claim is never half done). Idempotent; returns how many were finished.
    pub async fn repair_claims(&self) -> StoreResult<u64> {
        let mut pending = self
            .col("collectibles")
            .find(doc! { "claim_pending": true })
            .await
            .map_err(|e| self.db_error("find unfinished claims", e))?;
        let mut n = 0;
        while let Some(d) = pending
            .try_next()
            .await
            .map_err(|e| self.db_error("find unfinished claims", e))?
        {
            let c = self.collectible_from(&d)?;
            self.finish_claim(&c)
                .await
                .map_err(|f| self.fail("finish a claim", f))?;
            n += 1;
        }
        if n > 0 {
            tracing::warn!("finished {n} claim(s) that a stopped daemon had left half done");
        }
        Ok(n)
    }

    fn col(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    fn scrub(&self, msg: String) -> String {
        match &self.userinfo {
            Some(i) => msg.replace(i.as_str(), "<credentials>"),
            None => msg,
        }
    }

    /// A driver error as a sentence naming the database (never its credentials).
    fn db_error(&self, op: &str, e: DbError) -> StoreError {
        let shown = &self.shown;
        let msg = match e.kind.as_ref() {
            ErrorKind::ServerSelection { message, .. } => {
                // The topology dump is long; the first server error says what matters.
                let why = message
                    .split("Error: ")
                    .nth(1)
                    .map(|s| s.split(", labels").next().unwrap_or(s).trim().to_string())
                    .unwrap_or_else(|| message.clone());
                format!(
                    "the MongoDB {shown} is unreachable (no server answered within {}s while \
                     trying to {op}: {why}); check MONGODB_URL and that the server is running",
                    SELECTION_TIMEOUT.as_secs()
                )
            }
            ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::DnsResolve { .. } => {
                format!(
                    "the MongoDB {shown} is unreachable (while trying to {op}: {e}); check \
                     MONGODB_URL and that the server is running"
                )
            }
            ErrorKind::Authentication { .. } => format!(
                "the MongoDB {shown} refused cpld's credentials (while trying to {op}): {e}; \
                 check the user and password in MONGODB_URL"
            ),
            ErrorKind::BsonDeserialization(_) | ErrorKind::BsonSerialization(_) => {
                return StoreError::Corrupt(self.scrub(format!(
                    "the MongoDB {shown} returned a document that cannot be read (while trying \
                     to {op}): {e}"
                )))
            }
            _ => format!("the MongoDB {shown} could not {op}: {e}; try again"),
        };
        StoreError::Unavailable(self.scrub(msg))
    }

    fn fail(&self, op: &str, f: Fail) -> StoreError {
        match f {
            Fail::Store(e) => e,
            Fail::Db(e) => self.db_error(op, e),
        }
    }

    /// Runs `body` in one transaction (majority write concern) when the deployment has
    /// them, retrying on transient conflicts; on a standalone server, runs it as it is.
    async fn txn<T, F>(&self, op: &'static str, mut body: F) -> StoreResult<T>
    where
        F: for<'s> FnMut(
            &'s MongoStore,
            &'s mut ClientSession,
        ) -> futures_util::future::BoxFuture<'s, Step<T>>,
    {
        let mut attempt = 0u32;
        let started = std::time::Instant::now();
        loop {
            attempt += 1;
            let mut session = self
                .client
                .start_session()
                .await
                .map_err(|e| self.db_error(op, e))?;
            if self.transactions {
                session
                    .start_transaction()
                    .write_concern(durable_write_concern())
                    .await
                    .map_err(|e| self.db_error(op, e))?;
            }
            let out = body(self, &mut session).await;
            if !self.transactions {
                return out.map_err(|f| self.fail(op, f));
            }
            let err = match out {
                Ok(v) => match commit(&mut session).await {
                    Ok(()) => return Ok(v),
                    Err(e) => e,
                },
                Err(Fail::Store(e)) => {
                    let _ = session.abort_transaction().await;
                    return Err(e);
                }
                Err(Fail::Db(e)) => {
                    let _ = session.abort_transaction().await;
                    e
                }
            };
            // A transaction that lost a write conflict is retried whole: nothing of it
            // was applied. An unreachable server is labelled transient too, but retrying
            // would only hold the caller for minutes: that answers 503 at once.
            if err.contains_label("TransientTransactionError")
                && !unreachable(&err)
                && attempt < TXN_ATTEMPTS
                && started.elapsed() < TXN_DEADLINE
            {
                backoff(attempt).await;
                continue;
            }
            return Err(self.db_error(op, err));
        }
    }

    async fn user_exists(&self, id: &str, s: Option<&mut ClientSession>) -> Step<ObjectId> {
        let o = oid(id)?;
        let users = self.col("users");
        let q = users
            .find_one(doc! { "_id": o })
            .projection(doc! { "_id": 1 });
        let found = match s {
            Some(s) => q.session(s).await?,
            None => q.await?,
        };
        found
            .map(|_| o)
            .ok_or_else(|| StoreError::not_found(UserId::KIND, id).into())
    }

    /// An event's ObjectId and whether it is active, or NotFound.
    async fn event_state(&self, id: &str, s: Option<&mut ClientSession>) -> Step<(ObjectId, bool)> {
        let o = oid(id)?;
        let events = self.col("events");
        let q = events
            .find_one(doc! { "_id": o })
            .projection(doc! { "status": 1 });
        let found = match s {
            Some(s) => q.session(s).await?,
            None => q.await?,
        };
        let d = found.ok_or_else(|| StoreError::not_found(EventId::KIND, id))?;
        Ok((o, d.get_str("status").ok() == Some("active")))
    }

    fn reader<'a>(&'a self, doc: &'a Document, collection: &'static str) -> Reader<'a> {
        Reader {
            doc,
            collection,
            shown: &self.shown,
        }
    }

    fn user_from(&self, d: &Document) -> Result<User, StoreError> {
        let r = self.reader(d, "users");
        Ok(User {
            id: r.id("_id")?,
            name: r.string("name")?,
            phone: Some(r.string("phone")?),
            stats: UserStats {
                events_created: r.counter("stats.events_created")?,
                events_attended: r.counter("stats.events_attended")?,
                collectibles_count: r.counter("stats.collectibles_count")?,
            },
            created_at: r.time("created_at")?,
        })
    }

    fn event_from(&self, d: &Document) -> Result<Event, StoreError> {
        let r = self.reader(d, "events");
        let status = match r.string("status")?.as_str() {
            "active" => EventStatus::Active,
            "ended" => EventStatus::Ended,
            other => return Err(r.bad("status", &format!("holds {other:?}, not active/ended"))),
        };
        let location = r
            .coordinates("location")?
            .ok_or_else(|| r.bad("location", "is missing"))?;
        let url = r.opt_string("room.daily_room_url")?;
        Ok(Event {
            id: r.id("_id")?,
            title: r.string("title")?,
            description: r.opt_string("description")?,
            category: r.string("category")?,
            creator_id: r.id("creator_id")?,
            location: location.into(),
            address: r.opt_string("address")?,
            status,
            room: EventRoom {
                daily_room_name: r.opt_string("room.daily_room_name")?,
                daily_room_url: url.clone(),
                current_participants: r.counter("room.current_participants")?,
            },
            room_url: url,
            starts_at: r.opt_time("starts_at")?,
            ends_at: r.opt_time("ends_at")?,
            created_at: r.time("created_at")?,
            ended_at: r.opt_time("ended_at")?,
        })
    }

    fn collectible_from(&self, d: &Document) -> Result<Collectible, StoreError> {
        let r = self.reader(d, "collectibles");
        Ok(Collectible {
            id: r.id("_id")?,
            event_id: r.id("event_id")?,
            name: r.string("name")?,
            rarity: r.rarity("rarity")?,
            points: u32::try_from(r.int("points")?)
                .map_err(|_| r.bad("points", "is out of range"))?,
            dropped_at: r.time("dropped_at")?,
            expires_at: r.time("expires_at")?,
            claimed_by: r.opt_id("claimed_by")?,
            claimed_at: r.opt_time("claimed_at")?,
            is_active: r.boolean("is_active")?,
        })
    }

    fn message_from(&self, d: &Document) -> Result<ChatMessage, StoreError> {
        let r = self.reader(d, "messages");
        Ok(ChatMessage {
            id: r.id::<MessageId>("_id")?,
            event_id: r.id("event_id")?,
            user_id: r.id("user_id")?,
            name: r.string("name")?,
            message: r.string("message")?,
            timestamp: r.time("timestamp")?,
        })
    }

    fn transcription_from(&self, d: &Document) -> Result<Transcription, StoreError> {
        let r = self.reader(d, "transcriptions");
        let words = match d.get("words") {
            None | Some(Bson::Null) => Vec::new(),
            Some(w) => mongodb::bson::from_bson(w.clone())
                .map_err(|e| r.bad("words", &format!("cannot be read ({e})")))?,
        };
        Ok(Transcription {
            id: r.id::<TranscriptId>("_id")?,
            event_id: r.id("event_id")?,
            speaker_id: r.id("speaker_id")?,
            text: r.string("text")?,
            confidence: r.float("confidence")?,
            start: r.float("start")?,
            duration: r.float("duration")?,
            words,
            created_at: r.time("created_at")?,
        })
    }

    async fn all(&self, cursor: mongodb::Cursor<Document>) -> Result<Vec<Document>, DbError> {
        cursor.try_collect().await
    }

    async fn load_event(
        &self,
        o: ObjectId,
        id: &str,
        s: Option<&mut ClientSession>,
    ) -> Step<Event> {
        let events = self.col("events");
        let q = events.find_one(doc! { "_id": o });
        let found = match s {
            Some(s) => q.session(s).await?,
            None => q.await?,
        };
        let d = found.ok_or_else(|| StoreError::not_found(EventId::KIND, id))?;
        Ok(self.event_from(&d)?)
    }

    /// The idempotent tail of a claim without transactions: the inventory row under the
    /// collectible's own `_id`, the counter raised to the inventory's size, the marker
    /// removed. Running it twice changes nothing more.
    async fn finish_claim(&self, c: &Collectible) -> Step<()> {
        let cid = oid(c.id.as_str())?;
        let Some(user) = &c.claimed_by else {
            return Ok(());
        };
        let uid = oid(user.as_str())?;
        let claimed_at = c
            .claimed_at
            .as_ref()
            .map_or(Bson::Null, |t| Bson::DateTime(date(t)));
        self.col("user_collectibles")
            .update_one(
                doc! { "_id": cid },
                doc! { "$setOnInsert": {
                    "user_id": uid,
                    "collectible_id": cid,
                    "name": &c.name,
                    "rarity": c.rarity.as_str(),
                    "points": i64::from(c.points),
                    "event_id": oid(c.event_id.as_str())?,
                    "claimed_at": claimed_at,
                } },
            )
            .upsert(true)
            .await?;
        let n = self
            .col("user_collectibles")
            .count_documents(doc! { "user_id": uid })
            .await?;
        self.col("users")
            .update_one(
                doc! { "_id": uid },
                doc! { "$max": { "stats.collectibles_count": count(n) } },
            )
            .await?;
        self.col("collectibles")
            .update_one(
                doc! { "_id": cid },
                doc! { "$unset": { "claim_pending": "" } },
            )
            .await?;
        Ok(())
    }

    /// Why a claim that matched nothing lost: NotFound, AlreadyClaimed or Expired.
    async fn claim_lost(&self, id: &str, cid: ObjectId) -> Step<ClaimOutcome> {
        let d = self
            .col("collectibles")
            .find_one(doc! { "_id": cid })
            .projection(doc! { "claimed_by": 1 })
            .await?
            .ok_or_else(|| StoreError::not_found(CollectibleId::KIND, id))?;
        Ok(match d.get("claimed_by") {
            None | Some(Bson::Null) => ClaimOutcome::Expired,
            Some(_) => ClaimOutcome::AlreadyClaimed,
        })
    }

    /// Takes one participant row out and lowers the room's count; false when there was
    /// no row.
    async fn remove_participant(&self, event: ObjectId, user: ObjectId) -> Step<bool> {
        let gone = self
            .col("participants")
            .delete_one(doc! { "event_id": event, "user_id": user })
            .await?;
        if gone.deleted_count == 0 {
            return Ok(false);
        }
        self.col("events")
            .update_one(
                doc! { "_id": event, "room.current_participants": { "$gt": 0 } },
                doc! { "$inc": { "room.current_participants": -1 } },
            )
            .await?;
        Ok(true)
    }

    /// Creates `daemon`'s connection lease of `user` or moves its expiry. Two creations
    /// racing (hold and renewal) meet on the unique index: the loser updates instead.
    async fn upsert_connection_lease(
        &self,
        user: ObjectId,
        daemon: &str,
        expires: BsonDate,
    ) -> Step<()> {
        let leases = self.col(CONNECTION_LEASES);
        let filter = doc! { "user_id": user, "daemon": daemon };
        let set = doc! { "$set": { "expires_at": expires } };
        match leases
            .update_one(filter.clone(), set.clone())
            .upsert(true)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate(&e) => {
                leases.update_one(filter, set).await?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn nearby_candidates(
        &self,
        center: Coordinates,
        reach_m: f64,
        fetch: u32,
        category: Option<&str>,
    ) -> Result<Vec<(Document, f64)>, DbError> {
        let mut query = doc! { "status": "active" };
        if let Some(c) = category {
            query.insert("category", c);
        }
        let pipeline = vec![
            doc! { "$geoNear": {
                "near": point(&center),
                "key": "location",
                "distanceField": "_distance_m",
                "maxDistance": reach_m,
                "spherical": true,
                "query": query,
            } },
            doc! { "$limit": i64::from(fetch) },
        ];
        let docs = self
            .all(self.col("events").aggregate(pipeline).await?)
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| {
                let server = d.get_f64("_distance_m").unwrap_or(f64::INFINITY);
                (d, server)
            })
            .collect())
    }
}

/// Commits, retrying the commit alone when its outcome is unknown (the driver already
/// retried once); a transient error goes back to the caller to retry the whole body.
async fn commit(session: &mut ClientSession) -> Result<(), DbError> {
    let mut tries = 0;
    loop {
        tries += 1;
        match session.commit_transaction().await {
            Ok(()) => return Ok(()),
            Err(e) if e.contains_label("UnknownTransactionCommitResult") && tries < 3 => {
                backoff(tries).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Jittered, growing pause between transaction attempts (1 ms to ~50 ms), so conflicting
/// claimers spread out instead of colliding again in lock step.
async fn backoff(attempt: u32) {
    use rand::Rng;
    let cap = 2u64.saturating_pow(attempt.min(6)).min(50);
    let ms = rand::thread_rng().gen_range(1..=cap.max(1));
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// MongoDB's default name of an index on `keys` (`event_id_1_timestamp_-1`).
fn index_name(keys: &Document) -> String {
    keys.iter()
        .map(|(k, v)| match v {
            Bson::String(s) => format!("{k}_{s}"),
            other => format!("{k}_{other}"),
        })
        .collect::<Vec<_>>()
        .join("_")
}

/// Whether the error says the server cannot be reached (rather than refused something).
fn unreachable(e: &DbError) -> bool {
    matches!(
        e.kind.as_ref(),
        ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::DnsResolve { .. }
    )
}

/// The server's error code of a command or write error.
fn command_code(e: &DbError) -> Option<i32> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => Some(c.code),
        ErrorKind::Write(WriteFailure::WriteError(w)) => Some(w.code),
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .and_then(|w| w.first())
            .map(|w| w.code),
        _ => None,
    }
}

/// The index a duplicate-key error names (`phone_1`, `_id_`, ...), if it is one.
fn duplicate_index(e: &DbError) -> Option<String> {
    if command_code(e) != Some(DUPLICATE_KEY) {
        return None;
    }
    let message = match e.kind.as_ref() {
        ErrorKind::Command(c) => c.message.clone(),
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.message.clone(),
        _ => e.to_string(),
    };
    Some(
        message
            .split("index: ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or("")
            .to_string(),
    )
}

fn is_duplicate(e: &DbError) -> bool {
    command_code(e) == Some(DUPLICATE_KEY)
}

/// Whether an unordered `insert_many` failed only because some documents were there
/// already.
fn only_duplicates(e: &DbError) -> bool {
    match e.kind.as_ref() {
        ErrorKind::InsertMany(m) => {
            m.write_concern_error.is_none()
                && m.write_errors
                    .as_ref()
                    .is_some_and(|w| w.iter().all(|w| w.code == DUPLICATE_KEY))
        }
        _ => is_duplicate(e),
    }
}

#[async_trait]
impl Store for MongoStore {
    fn backend(&self) -> &'static str {
        "mongodb"
    }

    fn as_mongo(&self) -> Option<&MongoStore> {
        Some(self)
    }

    async fn ping(&self) -> StoreResult<()> {
        self.bounded("answer a ping", Effect::Read, async {
            self.db
                .run_command(doc! { "ping": 1 })
                .await
                .map(|_| ())
                .map_err(|e| self.db_error("answer a ping", e))
        })
        .await
    }

    // ---- users ----

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        self.bounded("register a user", Effect::Write, async {
            let d = doc! {
                "_id": oid(user.id.as_str())?,
                "phone": &user.phone,
                "name": &user.name,
                "token_hash": &user.token_hash,
                "created_at": date(&user.created_at),
                "stats": { "events_created": 0_i64, "events_attended": 0_i64, "collectibles_count": 0_i64 },
            };
            match self.col("users").insert_one(d).await {
                Ok(_) => Ok(User {
                    id: user.id,
                    name: user.name,
                    phone: Some(user.phone),
                    stats: UserStats::default(),
                    created_at: user.created_at,
                }),
                Err(e) => Err(match duplicate_index(&e).as_deref() {
                    Some(i) if i.starts_with("phone") => StoreError::Conflict(format!(
                        "phone {} is already registered; log in with its token or use another number",
                        user.phone
                    )),
                    Some(i) if i.starts_with("_id") => {
                        StoreError::Conflict(format!("user {} already exists", user.id))
                    }
                    Some(i) if i.starts_with("token_hash") => StoreError::Conflict(
                        "that token is already in use; register again for a new one".into(),
                    ),
                    _ => self.db_error("register a user", e),
                }),
            }
        })
        .await
    }

    async fn user(&self, id: &UserId) -> StoreResult<User> {
        self.bounded("read a user", Effect::Read, async {
            let d = self
                .col("users")
                .find_one(doc! { "_id": oid(id.as_str())? })
                .await
                .map_err(|e| self.db_error("read a user", e))?
                .ok_or_else(|| StoreError::not_found(UserId::KIND, id))?;
            self.user_from(&d)
        })
        .await
    }

    async fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<User>> {
        self.bounded("look up a token", Effect::Read, async {
            self.col("users")
                .find_one(doc! { "token_hash": token_hash })
                .await
                .map_err(|e| self.db_error("look up a token", e))?
                .map(|d| self.user_from(&d))
                .transpose()
        })
        .await
    }

    async fn list_users(&self, limit: u32) -> StoreResult<Vec<User>> {
        self.bounded("list users", Effect::Read, async {
            if limit == 0 {
                return Ok(Vec::new());
            }
            let op = "list users";
            let cursor = self
                .col("users")
                .find(doc! {})
                .sort(doc! { "created_at": -1, "_id": -1 })
                .limit(limit_of(limit))
                .await
                .map_err(|e| self.db_error(op, e))?;
            let docs = self.all(cursor).await.map_err(|e| self.db_error(op, e))?;
            docs.iter().map(|d| self.user_from(d)).collect()
        })
        .await
    }

    async fn set_token_hash(&self, id: &UserId, token_hash: &str) -> StoreResult<()> {
        self.bounded("replace a token", Effect::Write, async {
            match self
                .col("users")
                .update_one(
                    doc! { "_id": oid(id.as_str())? },
                    doc! { "$set": { "token_hash": token_hash } },
                )
                .await
            {
                Ok(r) if r.matched_count == 0 => Err(StoreError::not_found(UserId::KIND, id)),
                Ok(_) => Ok(()),
                Err(e) if is_duplicate(&e) => Err(StoreError::Conflict(
                    "that token is already in use; ask for a new one".into(),
                )),
                Err(e) => Err(self.db_error("replace a token", e)),
            }
        })
        .await
    }

    async fn set_location(&self, id: &UserId, at: Coordinates, when: Timestamp) -> StoreResult<()> {
        self.bounded("store a location", Effect::Write, async {
            let r = self
                .col("users")
                .update_one(
                    doc! { "_id": oid(id.as_str())? },
                    doc! { "$set": { "current_location": point(&at), "location_at": date(&when) } },
                )
                // A position is replaced seconds later; waiting for a majority's journal
                // would cost each of thousands of updates a second for nothing (the embedded
                // store buffers them for 250 ms for the same reason).
                .write_concern(
                    WriteConcern::builder()
                        .w(mongodb::options::Acknowledgment::Nodes(1))
                        .journal(false)
                        .build(),
                )
                .await
                .map_err(|e| self.db_error("store a location", e))?;
            if r.matched_count == 0 {
                return Err(StoreError::not_found(UserId::KIND, id));
            }
            Ok(())
        })
        .await
    }

    async fn user_location(&self, id: &UserId) -> StoreResult<Option<Coordinates>> {
        self.bounded("read a location", Effect::Read, async {
            let d = self
                .col("users")
                .find_one(doc! { "_id": oid(id.as_str())? })
                .projection(doc! { "current_location": 1 })
                .await
                .map_err(|e| self.db_error("read a location", e))?
                .ok_or_else(|| StoreError::not_found(UserId::KIND, id))?;
            self.reader(&d, "users").coordinates("current_location")
        })
        .await
    }

    async fn user_collectibles(&self, id: &UserId) -> StoreResult<Vec<UserCollectible>> {
        self.bounded("read a user's collectibles", Effect::Read, async {
            let op = "read an inventory";
            let uid = self
                .user_exists(id.as_str(), None)
                .await
                .map_err(|f| self.fail(op, f))?;
            let cursor = self
                .col("user_collectibles")
                .find(doc! { "user_id": uid })
                .sort(doc! { "claimed_at": -1, "collectible_id": -1 })
                .await
                .map_err(|e| self.db_error(op, e))?;
            let docs = self.all(cursor).await.map_err(|e| self.db_error(op, e))?;
            docs.iter()
                .map(|d| {
                    let r = self.reader(d, "user_collectibles");
                    Ok(UserCollectible {
                        collectible_id: r.id("collectible_id")?,
                        name: r.string("name")?,
                        rarity: r.rarity("rarity")?,
                        points: u32::try_from(r.int("points")?)
                            .map_err(|_| r.bad("points", "is out of range"))?,
                        event_id: r.id("event_id")?,
                        claimed_at: r.time("claimed_at")?,
                    })
                })
                .collect()
        })
        .await
    }

    // ---- events ----

    async fn create_event(&self, event: NewEvent) -> StoreResult<Event> {
        self.bounded("create an event", Effect::Long, async {
            let d = event_doc(&event)?;
            let creator = event.creator_id.to_string();
            let id = event.id.to_string();
            let created = self
                .txn("create an event", |m, s| {
                    let (d, creator, id) = (d.clone(), creator.clone(), id.clone());
                    Box::pin(async move {
                        let c = m.user_exists(&creator, Some(&mut *s)).await?;
                        match m.col("events").insert_one(d.clone()).session(&mut *s).await {
                            Ok(_) => {}
                            Err(e) if is_duplicate(&e) => {
                                return Err(StoreError::Conflict(format!(
                                    "event {id} already exists"
                                ))
                                .into())
                            }
                            Err(e) => return Err(e.into()),
                        }
                        m.col("users")
                            .update_one(
                                doc! { "_id": c },
                                doc! { "$inc": { "stats.events_created": 1_i64 } },
                            )
                            .session(&mut *s)
                            .await?;
                        Ok(d)
                    })
                })
                .await?;
            self.event_from(&created)
        })
        .await
    }

    async fn event(&self, id: &EventId) -> StoreResult<Event> {
        self.bounded("read an event", Effect::Read, async {
            self.load_event(oid(id.as_str())?, id.as_str(), None)
                .await
                .map_err(|f| self.fail("read an event", f))
        })
        .await
    }

    async fn events_near(
        &self,
        center: Coordinates,
        max_distance_m: f64,
        limit: u32,
        category: Option<&str>,
    ) -> StoreResult<Vec<NearbyEvent>> {
        self.bounded("find events nearby", Effect::Read, async {
            let op = "search nearby events";
            if limit == 0 || max_distance_m.is_nan() || max_distance_m < 0.0 {
                return Ok(Vec::new());
            }
            // The server's distance only picks candidates; ours decides. `slack` covers any
            // difference between the two (none on secantusd, ~1e-9 relative on S2).
            let slack = max_distance_m * 1e-6 + 0.5;
            let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
            let mut fetch = limit.saturating_add(16);
            loop {
                let found = self
                    .nearby_candidates(center, max_distance_m + slack, fetch, category)
                    .await
                    .map_err(|e| self.db_error(op, e))?;
                let complete = found.len() < usize::try_from(fetch).unwrap_or(usize::MAX);
                let farthest_fetched = found.last().map_or(0.0, |(_, d)| *d);
                let mut near = Vec::with_capacity(found.len());
                for (d, _) in &found {
                    let event = self.event_from(d)?;
                    let distance_m = center.distance_m(&event.location.coordinates);
                    if distance_m <= max_distance_m {
                        near.push(NearbyEvent { event, distance_m });
                    }
                }
                near.sort_by(|a, b| {
                    a.distance_m
                        .total_cmp(&b.distance_m)
                        .then_with(|| a.event.id.cmp(&b.event.id))
                });
                near.truncate(wanted);
                // Everything not fetched is at least `farthest_fetched` away by the server's
                // measure; when the last kept one is clearly nearer, nothing unfetched can
                // displace it (ties included).
                let cut = near.last().map_or(0.0, |n| n.distance_m);
                if complete || (near.len() == wanted && cut + 2.0 * slack < farthest_fetched) {
                    return Ok(near);
                }
                if fetch == u32::MAX {
                    return Ok(near);
                }
                fetch = fetch.saturating_mul(2);
            }
        })
        .await
    }

    async fn set_event_room(&self, id: &EventId, room: &EventRoom) -> StoreResult<()> {
        self.bounded("record a video room", Effect::Write, async {
            let r = self
                .col("events")
                .update_one(
                    doc! { "_id": oid(id.as_str())? },
                    doc! { "$set": {
                        "room.daily_room_name": opt_str(&room.daily_room_name),
                        "room.daily_room_url": opt_str(&room.daily_room_url),
                    } },
                )
                .await
                .map_err(|e| self.db_error("record a video room", e))?;
            if r.matched_count == 0 {
                return Err(StoreError::not_found(EventId::KIND, id));
            }
            Ok(())
        })
        .await
    }

    async fn delete_event(&self, id: &EventId) -> StoreResult<()> {
        self.bounded("delete an event", Effect::Long, async {
            let id = id.to_string();
            self.txn("delete an event", |m, s| {
                let id = id.clone();
                Box::pin(async move {
                    let e = oid(&id)?;
                    let d = m
                        .col("events")
                        .find_one(doc! { "_id": e })
                        .projection(doc! { "creator_id": 1 })
                        .session(&mut *s)
                        .await?
                        .ok_or_else(|| StoreError::not_found(EventId::KIND, &id))?;
                    // Undo every counter the event moved, then remove everything that points
                    // at it.
                    if let Ok(creator) = d.get_object_id("creator_id") {
                        m.col("users")
                            .update_one(
                                doc! { "_id": creator, "stats.events_created": { "$gt": 0 } },
                                doc! { "$inc": { "stats.events_created": -1_i64 } },
                            )
                            .session(&mut *s)
                            .await?;
                    }
                    let mut attendees = Vec::new();
                    let mut cursor = m
                        .col("attendance")
                        .find(doc! { "event_id": e })
                        .session(&mut *s)
                        .await?;
                    while let Some(a) = cursor.next(&mut *s).await.transpose()? {
                        if let Ok(u) = a.get_object_id("user_id") {
                            attendees.push(u);
                        }
                    }
                    if !attendees.is_empty() {
                        m.col("users")
                            .update_many(
                                doc! { "_id": { "$in": attendees }, "stats.events_attended": { "$gt": 0 } },
                                doc! { "$inc": { "stats.events_attended": -1_i64 } },
                            )
                            .session(&mut *s)
                            .await?;
                    }
                    let mut won: HashMap<ObjectId, i64> = HashMap::new();
                    let mut cursor = m
                        .col("user_collectibles")
                        .find(doc! { "event_id": e })
                        .session(&mut *s)
                        .await?;
                    while let Some(row) = cursor.next(&mut *s).await.transpose()? {
                        if let Ok(u) = row.get_object_id("user_id") {
                            *won.entry(u).or_default() += 1;
                        }
                    }
                    for (user, n) in won {
                        let lowered = m
                            .col("users")
                            .update_one(
                                doc! { "_id": user, "stats.collectibles_count": { "$gte": n } },
                                doc! { "$inc": { "stats.collectibles_count": -n } },
                            )
                            .session(&mut *s)
                            .await?;
                        if lowered.matched_count == 0 {
                            m.col("users")
                                .update_one(
                                    doc! { "_id": user },
                                    doc! { "$set": { "stats.collectibles_count": 0_i64 } },
                                )
                                .session(&mut *s)
                                .await?;
                        }
                    }
                    for c in [
                        "user_collectibles",
                        "collectibles",
                        "participants",
                        "attendance",
                        "messages",
                        "transcriptions",
                    ] {
                        m.col(c)
                            .delete_many(doc! { "event_id": e })
                            .session(&mut *s)
                            .await?;
                    }
                    m.col("events")
                        .delete_one(doc! { "_id": e })
                        .session(&mut *s)
                        .await?;
                    Ok(())
                })
            })
            .await
        })
        .await
    }

    async fn end_event(&self, id: &EventId, when: Timestamp) -> StoreResult<(Event, Vec<UserId>)> {
        self.bounded("end an event", Effect::Long, async {
            let id = id.to_string();
            self.txn("end an event", |m, s| {
                let id = id.clone();
                Box::pin(async move {
                    let (e, active) = m.event_state(&id, Some(&mut *s)).await?;
                    let already = || StoreError::Conflict(format!("event {id} has already ended"));
                    if !active {
                        return Err(already().into());
                    }
                    // The status changes first: from here on joins and drops are refused.
                    let ended = m
                        .col("events")
                        .update_one(
                            doc! { "_id": e, "status": "active" },
                            doc! { "$set": {
                                "status": "ended",
                                "ended_at": date(&when),
                                "room.current_participants": 0_i64,
                            } },
                        )
                        .session(&mut *s)
                        .await?;
                    if ended.matched_count == 0 {
                        return Err(already().into());
                    }
                    m.col("collectibles")
                        .update_many(
                            doc! { "event_id": e, "is_active": true },
                            doc! { "$set": { "is_active": false } },
                        )
                        .session(&mut *s)
                        .await?;
                    let mut left = Vec::new();
                    let mut cursor = m
                        .col("participants")
                        .find(doc! { "event_id": e })
                        .sort(doc! { "joined_at": 1, "user_id": 1 })
                        .session(&mut *s)
                        .await?;
                    while let Some(p) = cursor.next(&mut *s).await.transpose()? {
                        left.push(m.reader(&p, "participants").id::<UserId>("user_id")?);
                    }
                    m.col("participants")
                        .delete_many(doc! { "event_id": e })
                        .session(&mut *s)
                        .await?;
                    let event = m.load_event(e, &id, Some(&mut *s)).await?;
                    Ok((event, left))
                })
            })
            .await
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
        self.bounded("join an event", Effect::Write, async {
            let op = "join an event";
            let step = async {
                let (e, active) = self.event_state(event.as_str(), None).await?;
                let u = self.user_exists(user.as_str(), None).await?;
                let ended = || {
                    Fail::Store(StoreError::Conflict(format!(
                        "event {event} has ended; it can no longer be joined"
                    )))
                };
                if !active {
                    return Err(ended());
                }
                // The unique (event_id, user_id) row decides "already in".
                match self
                    .col("participants")
                    .insert_one(doc! { "event_id": e, "user_id": u, "joined_at": date(&when) })
                    .await
                {
                    Ok(_) => {}
                    Err(err) if is_duplicate(&err) => return Ok(JoinOutcome::AlreadyIn),
                    Err(err) => return Err(err.into()),
                }
                // Counted only while the event is active; a join that lost the race with
                // end_event takes its row back.
                let counted = self
                    .col("events")
                    .update_one(
                        doc! { "_id": e, "status": "active" },
                        doc! { "$inc": { "room.current_participants": 1_i64 } },
                    )
                    .await?;
                if counted.matched_count == 0 {
                    self.col("participants")
                        .delete_one(doc! { "event_id": e, "user_id": u })
                        .await?;
                    return Err(ended());
                }
                // The unique attendance row counts an event once per user, ever.
                let first_visit = match self
                    .col("attendance")
                    .insert_one(doc! { "event_id": e, "user_id": u })
                    .await
                {
                    Ok(_) => true,
                    Err(err) if is_duplicate(&err) => false,
                    Err(err) => return Err(err.into()),
                };
                if first_visit {
                    self.col("users")
                        .update_one(
                            doc! { "_id": u },
                            doc! { "$inc": { "stats.events_attended": 1_i64 } },
                        )
                        .await?;
                }
                Ok(JoinOutcome::Joined { first_visit })
            };
            step.await.map_err(|f| self.fail(op, f))
        })
        .await
    }

    async fn leave_event(&self, event: &EventId, user: &UserId) -> StoreResult<bool> {
        self.bounded("leave an event", Effect::Write, async {
            let step = async {
                let (e, _) = self.event_state(event.as_str(), None).await?;
                let u = self.user_exists(user.as_str(), None).await?;
                self.remove_participant(e, u).await
            };
            step.await.map_err(|f| self.fail("leave an event", f))
        })
        .await
    }

    async fn leave_all_events(&self, user: &UserId) -> StoreResult<Vec<EventId>> {
        self.bounded("leave every event", Effect::Write, async {
            let step = async {
                let u = self.user_exists(user.as_str(), None).await?;
                let rows = self
                    .all(
                        self.col("participants")
                            .find(doc! { "user_id": u })
                            .sort(doc! { "joined_at": 1, "event_id": 1 })
                            .await?,
                    )
                    .await?;
                let mut left = Vec::new();
                for row in &rows {
                    let r = self.reader(row, "participants");
                    let event: EventId = r.id("event_id")?;
                    if self.remove_participant(oid(event.as_str())?, u).await? {
                        left.push(event);
                    }
                }
                Ok(left)
            };
            step.await.map_err(|f| self.fail("leave every event", f))
        })
        .await
    }

    async fn participants(&self, event: &EventId) -> StoreResult<Vec<Participant>> {
        self.bounded("list participants", Effect::Read, async {
            let step = async {
                let (e, _) = self.event_state(event.as_str(), None).await?;
                let rows = self
                    .all(
                        self.col("participants")
                            .find(doc! { "event_id": e })
                            .sort(doc! { "joined_at": 1, "user_id": 1 })
                            .await?,
                    )
                    .await?;
                let ids: Vec<ObjectId> = rows
                    .iter()
                    .filter_map(|r| r.get_object_id("user_id").ok())
                    .collect();
                let mut names = HashMap::new();
                if !ids.is_empty() {
                    let users = self
                        .all(
                            self.col("users")
                                .find(doc! { "_id": { "$in": ids } })
                                .projection(doc! { "name": 1 })
                                .await?,
                        )
                        .await?;
                    for u in &users {
                        let r = self.reader(u, "users");
                        names.insert(r.hex("_id")?, r.string("name")?);
                    }
                }
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    let r = self.reader(row, "participants");
                    let user_id: UserId = r.id("user_id")?;
                    // A participant whose user row is gone (deleted by hand) is skipped, as
                    // the SQLite join does.
                    if let Some(name) = names.get(user_id.as_str()) {
                        out.push(Participant {
                            name: name.clone(),
                            joined_at: r.time("joined_at")?,
                            user_id,
                        });
                    }
                }
                Ok(out)
            };
            step.await.map_err(|f| self.fail("list participants", f))
        })
        .await
    }

    async fn is_participant(&self, event: &EventId, user: &UserId) -> StoreResult<bool> {
        self.bounded("check a participant", Effect::Read, async {
            let step = async {
                let (e, _) = self.event_state(event.as_str(), None).await?;
                let u = self.user_exists(user.as_str(), None).await?;
                Ok(self
                    .col("participants")
                    .find_one(doc! { "event_id": e, "user_id": u })
                    .projection(doc! { "_id": 1 })
                    .await?
                    .is_some())
            };
            step.await.map_err(|f| self.fail("check a participant", f))
        })
        .await
    }

    async fn rooms_joined(&self, user: &UserId) -> StoreResult<u64> {
        self.bounded("count a user's rooms", Effect::Read, async {
            let step = async {
                let u = self.user_exists(user.as_str(), None).await?;
                Ok(self
                    .col("participants")
                    .count_documents(doc! { "user_id": u })
                    .await?)
            };
            step.await.map_err(|f| self.fail("count a user's rooms", f))
        })
        .await
    }

    async fn active_events_with_participants(&self) -> StoreResult<Vec<EventId>> {
        self.bounded("list events with participants", Effect::Read, async {
            let op = "list occupied events";
            let cursor = self
                .col("events")
                .find(doc! { "status": "active", "room.current_participants": { "$gt": 0 } })
                .projection(doc! { "_id": 1 })
                .sort(doc! { "_id": 1 })
                .await
                .map_err(|e| self.db_error(op, e))?;
            let docs = self.all(cursor).await.map_err(|e| self.db_error(op, e))?;
            docs.iter()
                .map(|d| self.reader(d, "events").id("_id"))
                .collect()
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
        self.bounded("hold a connection lease", Effect::Write, async {
            let step = async {
                let expires = date(&super::lease_expiry(now, ttl));
                self.upsert_connection_lease(oid(user.as_str())?, daemon, expires)
                    .await
            };
            step.await
                .map_err(|f| self.fail("record a connection lease", f))
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
        // Many users make many commands ([`RENEW_CHUNK`] each): the long limit.
        self.bounded("renew connection leases", Effect::Long, async {
            let step = async {
                let expires = date(&super::lease_expiry(now, ttl));
                let leases = self.col(CONNECTION_LEASES);
                for chunk in users.chunks(RENEW_CHUNK) {
                    let ids = chunk
                        .iter()
                        .map(|u| oid(u.as_str()))
                        .collect::<Result<Vec<_>, _>>()?;
                    let mine = doc! { "daemon": daemon, "user_id": { "$in": ids.clone() } };
                    let renewed = leases
                        .update_many(mine.clone(), doc! { "$set": { "expires_at": expires } })
                        .await?;
                    if renewed.matched_count >= ids.len() as u64 {
                        continue;
                    }
                    // Some are missing: their creation failed (the database was unreachable)
                    // or the TTL monitor removed them after a stall. Re-create those.
                    let have: std::collections::HashSet<ObjectId> = self
                        .all(leases.find(mine).projection(doc! { "user_id": 1 }).await?)
                        .await?
                        .iter()
                        .filter_map(|d| d.get_object_id("user_id").ok())
                        .collect();
                    let missing: Vec<Document> = ids
                        .iter()
                        .filter(|u| !have.contains(u))
                        .map(|u| doc! { "user_id": u, "daemon": daemon, "expires_at": expires })
                        .collect();
                    if missing.is_empty() {
                        continue;
                    }
                    match leases.insert_many(missing).ordered(false).await {
                        Ok(_) => {}
                        // Created meanwhile by hold_connection_lease, with a fresh expiry.
                        Err(e) if only_duplicates(&e) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(())
            };
            step.await
                .map_err(|f| self.fail("renew connection leases", f))
        })
        .await
    }

    async fn release_connection_lease(
        &self,
        user: &UserId,
        daemon: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.bounded("release a connection lease", Effect::Write, async {
            let step = async {
                let u = oid(user.as_str())?;
                let leases = self.col(CONNECTION_LEASES);
                leases
                    .delete_one(doc! { "user_id": u, "daemon": daemon })
                    .await?;
                Ok(leases
                    .find_one(doc! { "user_id": u, "expires_at": { "$gt": date(&now) } })
                    .projection(doc! { "_id": 1 })
                    .await?
                    .is_some())
            };
            step.await
                .map_err(|f| self.fail("release a connection lease", f))
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
        self.bounded("take a lease", Effect::Write, async {
            // Matches the lease only when it is ours or has expired; otherwise the upsert
            // inserts a second `_id: name`, which the unique `_id` refuses.
            let filter = doc! {
                "_id": name,
                "$or": [ { "holder": holder }, { "expires_at": { "$lte": date(&now) } } ],
            };
            let take = doc! { "$set": {
                "holder": holder,
                "expires_at": date(&super::lease_expiry(now, ttl)),
            } };
            match self
                .col(LEASES)
                .update_one(filter, take)
                .upsert(true)
                .write_concern(durable_write_concern())
                .await
            {
                Ok(r) => Ok(r.matched_count > 0 || r.upserted_id.is_some()),
                Err(e) if is_duplicate(&e) => Ok(false),
                Err(e) => Err(self.db_error("take a lease", e)),
            }
        })
        .await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        self.bounded("give up a lease", Effect::Write, async {
            self.col(LEASES)
                .delete_one(doc! { "_id": name, "holder": holder })
                .await
                .map(|_| ())
                .map_err(|e| self.db_error("give up a lease", e))
        })
        .await
    }

    // ---- chat ----

    async fn add_message(&self, message: &ChatMessage) -> StoreResult<()> {
        self.bounded("store a chat message", Effect::Write, async {
            let m = message;
            let step = async {
                let (e, _) = self.event_state(m.event_id.as_str(), None).await?;
                let u = self.user_exists(m.user_id.as_str(), None).await?;
                let d = doc! {
                    "_id": oid(m.id.as_str())?,
                    "event_id": e,
                    "user_id": u,
                    "name": &m.name,
                    "message": &m.message,
                    "timestamp": date(&m.timestamp),
                };
                match self.col("messages").insert_one(d).await {
                    Ok(_) => Ok(()),
                    Err(err) if is_duplicate(&err) => {
                        Err(StoreError::Conflict(format!("message {} already exists", m.id)).into())
                    }
                    Err(err) => Err(err.into()),
                }
            };
            step.await.map_err(|f| self.fail("store a chat message", f))
        })
        .await
    }

    async fn messages(
        &self,
        event: &EventId,
        limit: u32,
        before: Option<Before>,
    ) -> StoreResult<Vec<ChatMessage>> {
        self.bounded("read chat messages", Effect::Read, async {
            let step = async {
                let (e, _) = self.event_state(event.as_str(), None).await?;
                if limit == 0 {
                    return Ok(Vec::new());
                }
                let mut filter = doc! { "event_id": e };
                if let Some(b) = before {
                    filter.extend(page_start("timestamp", b)?);
                }
                let docs = self
                    .all(
                        self.col("messages")
                            .find(filter)
                            .sort(doc! { "timestamp": -1, "_id": -1 })
                            .limit(limit_of(limit))
                            .await?,
                    )
                    .await?;
                Ok(docs
                    .iter()
                    .map(|d| self.message_from(d))
                    .collect::<Result<_, _>>()?)
            };
            step.await.map_err(|f| self.fail("read chat messages", f))
        })
        .await
    }

    // ---- collectibles ----

    async fn drop_collectible(&self, collectible: &Collectible) -> StoreResult<()> {
        self.bounded("drop a collectible", Effect::Long, async {
            let k = collectible.clone();
            self.txn("store a collectible", |m, s| {
                let k = k.clone();
                Box::pin(async move {
                    let (e, active) = m.event_state(k.event_id.as_str(), Some(&mut *s)).await?;
                    let ended = || {
                        StoreError::Conflict(format!(
                            "event {} has ended; nothing can be dropped into it",
                            k.event_id
                        ))
                    };
                    if !active {
                        return Err(ended().into());
                    }
                    if m.transactions {
                        // Writing the event document makes a concurrent end_event conflict
                        // with this drop, so no active collectible lands in an ended event.
                        let still = m
                            .col("events")
                            .update_one(
                                doc! { "_id": e, "status": "active" },
                                doc! { "$set": { "last_drop_at": date(&k.dropped_at) } },
                            )
                            .session(&mut *s)
                            .await?;
                        if still.matched_count == 0 {
                            return Err(ended().into());
                        }
                    }
                    let claimed_by = match &k.claimed_by {
                        Some(u) => Bson::ObjectId(oid(u.as_str())?),
                        None => Bson::Null,
                    };
                    let d = doc! {
                        "_id": oid(k.id.as_str())?,
                        "event_id": e,
                        "name": &k.name,
                        "rarity": k.rarity.as_str(),
                        "points": i64::from(k.points),
                        "dropped_at": date(&k.dropped_at),
                        "expires_at": date(&k.expires_at),
                        "claimed_by": claimed_by,
                        "claimed_at": opt_date(&k.claimed_at),
                        "is_active": k.is_active,
                    };
                    match m.col("collectibles").insert_one(d).session(&mut *s).await {
                        Ok(_) => Ok(()),
                        Err(err) if is_duplicate(&err) => Err(StoreError::Conflict(format!(
                            "collectible {} already exists",
                            k.id
                        ))
                        .into()),
                        Err(err) => Err(err.into()),
                    }
                })
            })
            .await
        })
        .await
    }

    async fn collectible(&self, id: &CollectibleId) -> StoreResult<Collectible> {
        self.bounded("read a collectible", Effect::Read, async {
            let d = self
                .col("collectibles")
                .find_one(doc! { "_id": oid(id.as_str())? })
                .await
                .map_err(|e| self.db_error("read a collectible", e))?
                .ok_or_else(|| StoreError::not_found(CollectibleId::KIND, id))?;
            self.collectible_from(&d)
        })
        .await
    }

    async fn active_collectibles(
        &self,
        event: &EventId,
        now: Timestamp,
    ) -> StoreResult<Vec<Collectible>> {
        self.bounded("list active collectibles", Effect::Read, async {
            let step = async {
                let (e, _) = self.event_state(event.as_str(), None).await?;
                let docs = self
                    .all(
                        self.col("collectibles")
                            .find(doc! {
                                "event_id": e,
                                "is_active": true,
                                "claimed_by": Bson::Null,
                                "expires_at": { "$gt": date(&now) },
                            })
                            .sort(doc! { "dropped_at": -1, "_id": -1 })
                            .await?,
                    )
                    .await?;
                Ok(docs
                    .iter()
                    .map(|d| self.collectible_from(d))
                    .collect::<Result<_, _>>()?)
            };
            step.await
                .map_err(|f| self.fail("list active collectibles", f))
        })
        .await
    }

    async fn claim_collectible(
        &self,
        id: &CollectibleId,
        user: &UserId,
        now: Timestamp,
    ) -> StoreResult<ClaimOutcome> {
        self.bounded("claim a collectible", Effect::Long, async {
            let op = "claim a collectible";
            let u = self
                .user_exists(user.as_str(), None)
                .await
                .map_err(|f| self.fail(op, f))?;
            let cid = oid(id.as_str())?;
            // The single-winner rule (API.md "Exactly one claim wins"): the filter matches only
            // an unclaimed, active, unexpired collectible, and findOneAndUpdate is atomic on one
            // document, so of any number of concurrent claimers, on any number of daemons,
            // exactly one matches.
            let filter = doc! {
                "_id": cid,
                "claimed_by": Bson::Null,
                "is_active": true,
                "expires_at": { "$gt": date(&now) },
            };
            let mut set = doc! { "claimed_by": u, "claimed_at": date(&now), "is_active": false };
            if !self.transactions {
                set.insert("claim_pending", true);
                let won = self
                    .col("collectibles")
                    .find_one_and_update(filter, doc! { "$set": set })
                    .return_document(ReturnDocument::After)
                    .write_concern(durable_write_concern())
                    .await
                    .map_err(|e| self.db_error(op, e))?;
                return match won {
                    Some(d) => {
                        let c = self.collectible_from(&d)?;
                        self.finish_claim(&c).await.map_err(|f| self.fail(op, f))?;
                        Ok(ClaimOutcome::Won(c))
                    }
                    None => self
                        .claim_lost(id.as_str(), cid)
                        .await
                        .map_err(|f| self.fail(op, f)),
                };
            }
            // With transactions: the win, the inventory row and the counter commit together
            // (majority) or not at all.
            let won = self
                .txn(op, |m, s| {
                    let (filter, set) = (filter.clone(), set.clone());
                    Box::pin(async move {
                        let Some(d) = m
                            .col("collectibles")
                            .find_one_and_update(filter, doc! { "$set": set })
                            .return_document(ReturnDocument::After)
                            .session(&mut *s)
                            .await?
                        else {
                            return Ok(None);
                        };
                        let c = m.collectible_from(&d)?;
                        m.col("user_collectibles")
                            .insert_one(doc! {
                                "_id": cid,
                                "user_id": u,
                                "collectible_id": cid,
                                "name": &c.name,
                                "rarity": c.rarity.as_str(),
                                "points": i64::from(c.points),
                                "event_id": oid(c.event_id.as_str())?,
                                "claimed_at": date(&now),
                            })
                            .session(&mut *s)
                            .await?;
                        m.col("users")
                            .update_one(
                                doc! { "_id": u },
                                doc! { "$inc": { "stats.collectibles_count": 1_i64 } },
                            )
                            .session(&mut *s)
                            .await?;
                        Ok(Some(c))
                    })
                })
                .await?;
            match won {
                Some(c) => Ok(ClaimOutcome::Won(c)),
                None => self
                    .claim_lost(id.as_str(), cid)
                    .await
                    .map_err(|f| self.fail(op, f)),
            }
        })
        .await
    }

    async fn expire_collectibles(&self, now: Timestamp) -> StoreResult<u64> {
        // Without transactions it also finishes half-done claims: the long limit.
        self.bounded("expire collectibles", Effect::Long, async {
            let r = self
                .col("collectibles")
                .update_many(
                    doc! { "is_active": true, "expires_at": { "$lte": date(&now) } },
                    doc! { "$set": { "is_active": false } },
                )
                .await
                .map_err(|e| self.db_error("expire collectibles", e))?;
            if !self.transactions {
                self.repair_claims().await?;
            }
            Ok(r.modified_count)
        })
        .await
    }

    // ---- transcriptions ----

    async fn add_transcription(&self, segment: &Transcription) -> StoreResult<()> {
        self.bounded("store a transcript segment", Effect::Write, async {
            let t = segment;
            let step = async {
                let (e, _) = self.event_state(t.event_id.as_str(), None).await?;
                let u = self.user_exists(t.speaker_id.as_str(), None).await?;
                let words = mongodb::bson::to_bson(&t.words).map_err(|err| {
                    StoreError::Unavailable(format!(
                        "the transcript segment {} could not be stored in the MongoDB {}: its word \
                         timings do not serialise ({err})",
                        t.id, self.shown
                    ))
                })?;
                let d = doc! {
                    "_id": oid(t.id.as_str())?,
                    "event_id": e,
                    "speaker_id": u,
                    "text": &t.text,
                    "text_folded": t.text.to_lowercase(),
                    "confidence": t.confidence,
                    "start": t.start,
                    "duration": t.duration,
                    "words": words,
                    "created_at": date(&t.created_at),
                };
                match self.col("transcriptions").insert_one(d).await {
                    Ok(_) => Ok(()),
                    Err(err) if is_duplicate(&err) => Err(StoreError::Conflict(format!(
                        "transcript segment {} already exists",
                        t.id
                    ))
                    .into()),
                    Err(err) => Err(err.into()),
                }
            };
            step.await
                .map_err(|f| self.fail("store a transcript segment", f))
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
        self.bounded("read transcript segments", Effect::Read, async {
            let step = async {
                let (e, _) = self.event_state(event.as_str(), None).await?;
                if limit == 0 {
                    return Ok(Vec::new());
                }
                let mut filter = doc! { "event_id": e };
                if let Some(b) = before {
                    filter.extend(page_start("created_at", b)?);
                }
                // Case-insensitive beyond ASCII, like SQLite: both sides lower-cased by Rust,
                // the query matched literally.
                if let Some(q) = query.filter(|q| !q.is_empty()) {
                    filter.insert(
                        "text_folded",
                        doc! { "$regex": literal_regex(&q.to_lowercase()) },
                    );
                }
                let docs = self
                    .all(
                        self.col("transcriptions")
                            .find(filter)
                            .sort(doc! { "created_at": -1, "_id": -1 })
                            .limit(limit_of(limit))
                            .await?,
                    )
                    .await?;
                Ok(docs
                    .iter()
                    .map(|d| self.transcription_from(d))
                    .collect::<Result<_, _>>()?)
            };
            step.await
                .map_err(|f| self.fail("read transcript segments", f))
        })
        .await
    }
}

/// What a bounded operation is, for its limit and for what its timeout means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Changes nothing: cut off, it simply did not happen.
    Read,
    /// One write (or a few idempotent ones): cut off, it may still be applied.
    Write,
    /// A transaction that may retry write conflicts for up to [`TXN_DEADLINE`], or a batch
    /// of many writes: the long limit, [`LONG_OPERATION_TIMEOUT`].
    Long,
}

/// Why every operation is bounded here rather than by the driver: the `mongodb` crate
/// (3.x; so far 3.9) has no socket timeout (`socketTimeoutMS` is refused) and no
/// client-side operation timeout (`timeoutMS`), and [`SELECTION_TIMEOUT`] only covers
/// finding a server. A server that accepts connections but does not answer (overloaded,
/// stuck on a lock, frozen) would hold a request until the driver's heartbeat gives up on
/// the server, and for ever if its heartbeats are still answered. The limit is taken over
/// the whole operation (every round trip and retry of it), so a caller waits at most that
/// long.
///
/// Cutting an operation off drops the driver's future, which is safe: a connection
/// returned to the pool in the middle of a command is closed, not reused, and a session
/// dropped in the middle of a transaction is aborted by the driver (and by the server
/// after its transaction lifetime).
impl MongoStore {
    /// Runs `work` (the operation `op`, words for a sentence) within its limit; past it,
    /// `Unavailable` with a sentence naming the database, the limit and, for a write,
    /// that it may still be applied.
    async fn bounded<T>(
        &self,
        op: &str,
        effect: Effect,
        work: impl std::future::Future<Output = StoreResult<T>>,
    ) -> StoreResult<T> {
        let limit = match effect {
            Effect::Read | Effect::Write => OPERATION_TIMEOUT,
            Effect::Long => LONG_OPERATION_TIMEOUT,
        };
        match tokio::time::timeout(limit, work).await {
            Ok(out) => out,
            Err(_) => {
                // A write sent before the cut-off reaches the server anyway and is
                // applied when the server catches up; a transaction whose commit was
                // sent may commit. Nothing here can tell, so the sentence says so.
                let after = match effect {
                    Effect::Read => "",
                    Effect::Write | Effect::Long => {
                        ", and whether the change was made after all before repeating it (a \
                         write cut off this way may still be applied)"
                    }
                };
                tracing::warn!(
                    "the MongoDB {} did not answer within {} s while trying to {op}",
                    self.shown,
                    limit.as_secs()
                );
                Err(StoreError::Unavailable(format!(
                    "the MongoDB {} did not answer within {} s (while trying to {op}); check \
                     that the server is healthy and not overloaded{after}",
                    self.shown,
                    limit.as_secs()
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_a_sentence() {
        let url = "mongodb+srv://alice:s3cr%40t@cluster0.example.net/?retryWrites=true";
        assert_eq!(userinfo(url).as_deref(), Some("alice:s3cr%40t"));
        assert_eq!(
            without_credentials(url),
            "mongodb+srv://cluster0.example.net/?retryWrites=true"
        );
        assert_eq!(userinfo("mongodb://127.0.0.1:27017/?replicaSet=rs0"), None);
        assert_eq!(userinfo("mongodb://h/db?x=a@b"), None);
    }

    #[test]
    fn regex_takes_the_query_literally() {
        assert_eq!(literal_regex("100%"), "100%");
        assert_eq!(literal_regex("a.b*(c)"), "a\\.b\\*\\(c\\)");
        assert_eq!(literal_regex("está"), "está");
    }
}
