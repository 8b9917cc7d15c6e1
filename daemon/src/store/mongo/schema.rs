//! The collections' indexes: what [`MongoStore::ensure_indexes`] creates at start-up (and
//! `cpld init-db` on demand), idempotently.

use std::time::Duration;

use mongodb::bson::{doc, Bson, Document};
use mongodb::options::IndexOptions;
use mongodb::IndexModel;

use super::errors::{command_code, is_duplicate};
use super::{MongoStore, BROADCASTS, BROADCAST_TTL, CONNECTION_LEASES, ROOM_HOLDS};
use crate::store::{StoreError, StoreResult};

/// Index codes that mean "an equivalent index is already there".
pub(super) const INDEX_EXISTS: [i32; 4] = [68, 85, 86, 276];

/// Every index, by collection: (collection, keys, unique, sparse, TTL).
pub(super) fn index_plan() -> Vec<(&'static str, Document, IndexOptions)> {
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
        // `GET /api/events` pages newest first (issue 18).
        ("events", doc! { "created_at": -1, "_id": -1 }, plain()),
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
        // Sparse: a row of the original backend without `collectible_id` must not stop
        // the index (and the daemon) at start-up.
        (
            "user_collectibles",
            doc! { "collectible_id": 1 },
            IndexOptions::builder().unique(true).sparse(true).build(),
        ),
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
        // Room holds are swept by their end (a plain index: the sweep, not the server,
        // ends them, since ending one announces user_left).
        (ROOM_HOLDS, doc! { "until": 1 }, plain()),
        // Sessions (issue 16): looked up by token hash on every call, listed per user.
        ("sessions", doc! { "token_hash": 1 }, unique()),
        ("sessions", doc! { "user_id": 1, "created_at": 1 }, plain()),
        // The bus: envelopes expire on their own.
        (
            BROADCASTS,
            doc! { "created_at": 1 },
            IndexOptions::builder().expire_after(BROADCAST_TTL).build(),
        ),
    ]
}

impl MongoStore {
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
                Err(e) if is_duplicate(&e) => {
                    return Err(StoreError::Unavailable(self.scrub(format!(
                        "the MongoDB {} cannot get its unique index {collection}.{}: two \
                         {collection} documents share a value of {} ({e}); remove or merge \
                         the duplicates and start again",
                        self.shown,
                        index_name(&keys),
                        keys.keys().cloned().collect::<Vec<_>>().join(", ")
                    ))))
                }
                Err(e) => return Err(self.db_error("create its indexes", e)),
            }
        }
        Ok(made)
    }
}

/// MongoDB's default name of an index on `keys` (`event_id_1_timestamp_-1`).
pub(super) fn index_name(keys: &Document) -> String {
    keys.iter()
        .map(|(k, v)| match v {
            Bson::String(s) => format!("{k}_{s}"),
            other => format!("{k}_{other}"),
        })
        .collect::<Vec<_>>()
        .join("_")
}
