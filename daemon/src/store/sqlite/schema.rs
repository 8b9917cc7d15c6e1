//! The schema of the SQLite file: numbered migrations, recorded in `schema_migrations`
//! and applied at [`super::SqliteStore::open`], each in its own transaction. Append only:
//! a migration that has shipped is never edited.

use rusqlite::{params, Connection, TransactionBehavior};

use super::{sql_error, Access};
use crate::store::{StoreError, StoreResult};

/// One schema change, applied once, in one transaction.
pub(super) struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

/// Every schema change, in order. Append only: never edit one that has shipped.
pub(super) const MIGRATIONS: &[Migration] = &[
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
    Migration {
        version: 3,
        name: "backups",
        // A row per copy `cpld backup` wrote of this database (see `super::backup`), so
        // that /metrics can say when the last one was taken.
        sql: r#"
CREATE TABLE backups (
    taken_at INTEGER NOT NULL,
    path     TEXT NOT NULL,
    bytes    INTEGER NOT NULL
);
CREATE INDEX backups_taken ON backups (taken_at);
"#,
    },
    Migration {
        version: 4,
        name: "room holds",
        // A user whose WebSocket a draining daemon closed keeps their rooms until `until`
        // (ms), so that reconnecting within CPL_RECONNECT_GRACE announces nothing
        // (`crate::domain::presence`). Kept across a reopen: the restarted daemon is where
        // they come back to.
        sql: r#"
CREATE TABLE room_holds (
    user_id TEXT PRIMARY KEY NOT NULL,
    until   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX room_holds_until ON room_holds (until);
"#,
    },
    Migration {
        version: 5,
        name: "sessions",
        // One row per signed-in device (issue 16). Every token a user holds today becomes
        // their first session; `users.token_hash` stays (the registration or reset token,
        // and the placeholder of users without one) and is retired when that session is
        // revoked, so it never counts again.
        sql: r#"
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    token_hash   TEXT NOT NULL UNIQUE,
    label        TEXT,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);
INSERT INTO sessions (id, user_id, token_hash, label, created_at)
    SELECT lower(hex(randomblob(12))), id, token_hash, NULL, created_at FROM users
    WHERE token_hash NOT LIKE 'no-token:%';
"#,
    },
    Migration {
        version: 6,
        name: "erased users",
        // `DELETE /api/users/{id}` keeps the row as a tombstone (events, messages and
        // claimed collectibles point at it; foreign keys hold) with its phone, name and
        // position overwritten, and marks it here; every user look-up skips marked rows.
        sql: r#"
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
"#,
    },
    Migration {
        version: 7,
        name: "events newest first",
        // `GET /api/events` pages in this order (issue 18); without the index every page
        // of a public listing would sort the whole table.
        sql: r#"
CREATE INDEX events_newest ON events (created_at DESC, id DESC);
"#,
    },
];

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

pub(super) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Applies every migration not yet recorded, each in one transaction.
pub(super) fn migrate(c: &mut Connection, db: &str) -> StoreResult<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order() {
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version);
        }
        assert_eq!(schema_version(), 7);
    }
}
