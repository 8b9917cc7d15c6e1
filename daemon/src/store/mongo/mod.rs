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
//! bus, [`crate::realtime::bus`]), `connection_leases` (which daemon has a WebSocket of
//! which user open: `user_id`, `daemon`, `expires_at`), `leases` (named job leases such
//! as `drop-round`: `_id` is the name, `holder`, `expires_at`) and `room_holds` (users kept
//! in their rooms across a drain: `_id` is the user, `until`). `_id` is an ObjectId whose
//! hex is our 24-hex id, references (`creator_id`, `event_id`, `user_id`, ...) are
//! ObjectIds, times are BSON dates (which keep milliseconds, like [`citypulse::time`]).
//! Documents the original backend wrote, with fewer fields, are read as they are
//! (`documents`: derived fields, and damaged documents left out of lists, logged and
//! counted once).
//!
//! # Indexes
//! [`MongoStore::connect`] creates every index (those the original FastAPI backend's set-up
//! script made, plus what our queries need) idempotently at start-up; `cpld init-db` does
//! it explicitly.
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
//! [`crate::store::Store`] operation of [`MongoStore`] runs through one helper
//! (`timeout`) and answers within [`OPERATION_TIMEOUT`] (transactions and batches within
//! [`LONG_OPERATION_TIMEOUT`]) or fails with a 503 saying so.
//!
//! # Files
//! This file holds the store, its connection and the constants other code uses;
//! `schema` the indexes; `documents` the BSON <-> model mapping; `errors` the driver's
//! errors as sentences; `txn` transactions and their retries; `timeout` the time limit;
//! `operations` the [`crate::store::Store`] implementation; `transfer` the copies between
//! stores and `upgrade` the backfill of derived fields (`cpld migrate`).

mod documents;
mod errors;
mod operations;
mod schema;
mod timeout;
mod transfer;
mod txn;
mod upgrade;

pub use self::upgrade::Backfill;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use mongodb::bson::{doc, Document};
use mongodb::error::Error as DbError;
use mongodb::options::{ClientOptions, WriteConcern};
use mongodb::{Collection, Database};

use self::documents::{event_doc, oid};
use self::timeout::Effect;
use super::{NewEvent, StoreError, StoreResult};
use crate::metrics::DamagedDocuments;

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

/// The collection of room holds: `_id` is the user, `until` when their hold ends
/// (presence across a drain, [`crate::domain::presence`]).
pub const ROOM_HOLDS: &str = "room_holds";

/// Expired holds one sweep ends at most (the next sweep takes the rest).
const HOLDS_PER_SWEEP: i64 = 1000;

/// Users per `$in` when connection leases are renewed (keeps each command small).
const RENEW_CHUNK: usize = 5000;

/// The MongoDB [`crate::store::Store`]. Cloning is cheap (the driver's client is shared).
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
    /// Documents met that could not be read (logged and counted once each).
    damaged: Arc<DamagedDocuments>,
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

impl MongoStore {
    /// Connects to `url`, database `database`, learns whether the deployment has
    /// transactions and creates every index (idempotent).
    pub async fn connect(url: &str, database: &str) -> StoreResult<MongoStore> {
        Self::connect_with(url, database, true).await
    }

    /// [`MongoStore::connect`], but when `prepare` is false nothing is written: no index
    /// is created and no half-done claim finished (a dry run looks without touching).
    pub async fn connect_with(url: &str, database: &str, prepare: bool) -> StoreResult<MongoStore> {
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
            damaged: Arc::default(),
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
        if prepare {
            store.ensure_indexes().await?;
            if !store.transactions {
                store.repair_claims().await?;
            }
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

    /// The documents this store met that could not be read, for `/metrics`.
    pub fn damaged_documents(&self) -> &DamagedDocuments {
        &self.damaged
    }

    /// Whether claims and event changes run in multi-document transactions.
    pub fn has_transactions(&self) -> bool {
        self.transactions
    }

    /// The database (for the bus and tests).
    pub fn database(&self) -> &Database {
        &self.db
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
}
