//! The [`Store`] operations of [`SqliteStore`]: each reads on a reader connection
//! ([`SqliteStore::read`]) or queues a write for the writer thread
//! ([`SqliteStore::write`]), near-me queries answer from the in-memory index.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use citypulse::geo::Coordinates;
use citypulse::ids::{CollectibleId, EventId, MessageId, SessionId, UserId};
use citypulse::model::{
    ChatMessage, Collectible, Event, EventRoom, NearbyEvent, Participant, Transcription, User,
    UserCollectible, UserStats, DELETED_USER_NAME,
};
use citypulse::time::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{
    collectible_row, coords_at, ensure_user, event_row, event_state, id_at, inventory_row,
    like_pattern, load_collectible, load_event, load_user, message_row, ms, opt_ts_at, page_start,
    transcription_row, ts_at, user_row, COLLECTIBLE_COLS, EVENT_COLS, INVENTORY_COLS, MESSAGE_COLS,
    TRANSCRIPTION_COLS, USER_COLS,
};
use super::transfer::{insert_collectible, insert_message, insert_transcription};
use super::writer::{reindex, IndexChange};
use super::{unique_violation, SqliteStore, Step};
use crate::store::compact::CompactEvent;
use crate::store::spatial::SpatialIndex;
use crate::store::transfer::no_token_placeholder;
use crate::store::transfer::{Kind, Record};
use crate::store::{
    Before, ClaimOutcome, Erased, EventFilter, JoinOutcome, LastBackup, MessageRemoval, NewEvent,
    NewSession, NewUser, SessionRecord, Store, StoreError, StoreResult,
};

const SESSION_COLS: &str = "id, user_id, label, created_at, last_used_at";

/// The session of a token hash whose user is not erased: every authenticated request and
/// WebSocket runs it. The user is checked by id (`EXISTS`, one index search), not with
/// `user_id IN (SELECT id FROM users ...)`, which SQLite answers by listing every user
/// first: 4 ms a lookup with 19,000 users (connecting sockets ran at 130 a second).
fn session_by_token_sql() -> String {
    format!(
        "SELECT {SESSION_COLS} FROM sessions WHERE token_hash = ?1 AND EXISTS \
         (SELECT 1 FROM users WHERE users.id = sessions.user_id AND users.deleted_at IS NULL)"
    )
}

fn session_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        id: id_at(row, 0)?,
        user: id_at(row, 1)?,
        label: row.get(2)?,
        created_at: ts_at(row, 3)?,
        last_used_at: opt_ts_at(row, 4)?,
    })
}

/// A token lookup's first, read-only step.
enum Lookup {
    Found(Box<(User, SessionRecord)>),
    Legacy(Option<UserId>),
}

/// Inserts an event row and its R*Tree entry; its `seq`.
pub(super) fn insert_event(c: &Connection, event: &NewEvent) -> Step<i64> {
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
pub(super) fn upsert_connection_lease(
    c: &Connection,
    user: &str,
    daemon: &str,
    expires_ms: i64,
) -> Step<()> {
    c.prepare_cached(
        "INSERT INTO connection_leases (user_id, daemon, expires_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (user_id, daemon) DO UPDATE SET expires_at = excluded.expires_at",
    )?
    .execute(params![user, daemon, expires_ms])?;
    Ok(())
}

/// Takes `user` out of every room (lowering each room's count); the events left, earliest
/// joined first, and the index changes.
fn leave_all(c: &Connection, user: &str) -> Step<(Vec<EventId>, Vec<IndexChange>)> {
    let events: Vec<EventId> = c
        .prepare_cached(
            "SELECT event_id FROM participants WHERE user_id = ?1 \
             ORDER BY joined_at, event_id",
        )?
        .query_map([user], |r| id_at(r, 0))?
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
        .execute([user])?;
    Ok((events, changes))
}

/// The erasure of `user` inside one transaction (see [`Store::erase_user`]): rooms left,
/// history renamed or purged, inventory and leases deleted, claims kept without a
/// winner, then the row itself overwritten into a tombstone. The writer connection runs
/// with `secure_delete`, so the overwritten and deleted values are zeroed in the file.
fn erase(c: &Connection, user: &str, purge: bool, when: i64) -> Step<(Erased, Vec<IndexChange>)> {
    ensure_user(c, user)?;
    let (rooms_left, changes) = leave_all(c, user)?;
    let (messages, transcriptions) = if purge {
        let m = c
            .prepare_cached("DELETE FROM messages WHERE user_id = ?1")?
            .execute([user])?;
        let t = c
            .prepare_cached("DELETE FROM transcriptions WHERE speaker_id = ?1")?
            .execute([user])?;
        (m, t)
    } else {
        let m = c
            .prepare_cached("UPDATE messages SET name = ?1 WHERE user_id = ?2")?
            .execute(params![DELETED_USER_NAME, user])?;
        (m, 0)
    };
    c.prepare_cached("UPDATE collectibles SET claimed_by = NULL WHERE claimed_by = ?1")?
        .execute([user])?;
    // Sessions carry a device label a person may have named ("Pixel de Juan"); a room
    // hold would bring them back into rooms.
    for table in [
        "user_collectibles",
        "attendance",
        "connection_leases",
        "sessions",
        "room_holds",
    ] {
        c.prepare_cached(&format!("DELETE FROM {table} WHERE user_id = ?1"))?
            .execute([user])?;
    }
    c.prepare_cached(
        "UPDATE users SET phone = 'deleted:' || id, name = ?1, lng = NULL, lat = NULL, \
         location_at = NULL, deleted_at = ?2 WHERE id = ?3",
    )?
    .execute(params![DELETED_USER_NAME, when, user])?;
    let erased = Erased {
        rooms_left,
        messages: messages as u64,
        transcriptions: transcriptions as u64,
    };
    Ok((erased, changes))
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

    async fn last_backup(&self) -> StoreResult<LastBackup> {
        self.read("read when it was last backed up", |c| {
            let at = c
                .prepare_cached("SELECT MAX(taken_at) FROM backups")?
                .query_row([], |r| opt_ts_at(r, 0))?;
            Ok(at.map_or(LastBackup::Never, LastBackup::At))
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

    async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(User, SessionRecord)>> {
        let hash = token_hash.to_string();
        let found = self
            .read("look up a token", move |c| {
                // Erased users have no sessions; the filter also covers one made in the
                // moment before an erasure.
                let session = c
                    .prepare_cached(&session_by_token_sql())?
                    .query_row([&hash], session_row)
                    .optional()?;
                let Some(session) = session else {
                    // A token from before sessions (or `cpld migrate`): adopted below.
                    let legacy = c
                        .prepare_cached(
                            "SELECT id FROM users WHERE token_hash = ?1 AND deleted_at IS NULL",
                        )?
                        .query_row([&hash], |r| id_at::<UserId>(r, 0))
                        .optional()?;
                    return Ok(Lookup::Legacy(legacy));
                };
                let user = load_user(c, session.user.as_str())?;
                Ok(Lookup::Found(Box::new((user, session))))
            })
            .await?;
        let user = match found {
            Lookup::Found(both) => return Ok(Some(*both)),
            Lookup::Legacy(None) => return Ok(None),
            Lookup::Legacy(Some(user)) => user,
        };
        let hash = token_hash.to_string();
        self.write("adopt a token as a session", move |c| {
            // Only while the user still holds it: a reset in between revoked it.
            let holds = c
                .prepare_cached(
                    "SELECT 1 FROM users WHERE id = ?1 AND token_hash = ?2 AND deleted_at IS NULL",
                )?
                .query_row([user.as_str(), &hash], |_| Ok(()))
                .optional()?;
            if holds.is_none() {
                return Ok(None);
            }
            c.prepare_cached(
                "INSERT OR IGNORE INTO sessions (id, user_id, token_hash, label, created_at) \
                 VALUES (?1, ?2, ?3, NULL, ?4)",
            )?
            .execute(params![
                SessionId::generate().as_str(),
                user.as_str(),
                hash,
                ms(&citypulse::time::now())
            ])?;
            let session = c
                .prepare_cached(&format!(
                    "SELECT {SESSION_COLS} FROM sessions WHERE token_hash = ?1"
                ))?
                .query_row([&hash], session_row)?;
            Ok(Some((load_user(c, user.as_str())?, session)))
        })
        .await
    }

    async fn user_by_phone(&self, phone: &str) -> StoreResult<Option<User>> {
        let phone = phone.to_string();
        self.read("look up a phone", move |c| {
            Ok(
                c.prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE phone = ?1"))?
                    .query_row([phone], user_row)
                    .optional()?,
            )
        })
        .await
    }

    async fn create_session(&self, session: NewSession) -> StoreResult<()> {
        self.write("open a session", move |c| {
            ensure_user(c, session.user.as_str())?;
            c.prepare_cached(
                "INSERT OR IGNORE INTO sessions (id, user_id, token_hash, label, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                session.id.as_str(),
                session.user.as_str(),
                session.token_hash,
                session.label,
                ms(&session.created_at)
            ])?;
            Ok(())
        })
        .await
    }

    async fn sessions(&self, user: &UserId) -> StoreResult<Vec<SessionRecord>> {
        let user = user.to_string();
        self.read("list sessions", move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {SESSION_COLS} FROM sessions WHERE user_id = ?1 ORDER BY created_at, id"
            ))?
            .query_map([user], session_row)?
            .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn touch_session(&self, id: &SessionId, at: Timestamp) -> StoreResult<()> {
        let id = id.to_string();
        self.write("record a session's use", move |c| {
            c.prepare_cached("UPDATE sessions SET last_used_at = ?1 WHERE id = ?2")?
                .execute(params![ms(&at), id])?;
            Ok(())
        })
        .await
    }

    async fn revoke_session(&self, user: &UserId, id: &SessionId) -> StoreResult<String> {
        let (user, id) = (user.clone(), id.to_string());
        self.write("revoke a session", move |c| {
            let hash: Option<String> = c
                .prepare_cached(
                    "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2 RETURNING token_hash",
                )?
                .query_row([&id, user.as_str()], |r| r.get(0))
                .optional()?;
            let hash = hash.ok_or_else(|| StoreError::not_found(SessionId::KIND, &id))?;
            // The same token in the user's own field must not be adopted again.
            c.prepare_cached("UPDATE users SET token_hash = ?1 WHERE id = ?2 AND token_hash = ?3")?
                .execute(params![no_token_placeholder(&user), user.as_str(), hash])?;
            Ok(hash)
        })
        .await
    }

    async fn list_users(&self, limit: u32, after: Option<Before>) -> StoreResult<Vec<User>> {
        let (at, id) = page_start(after);
        self.read("list users", move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {USER_COLS} FROM users WHERE deleted_at IS NULL \
                 AND (created_at, id) < (?1, ?2) \
                 ORDER BY created_at DESC, id DESC LIMIT ?3"
            ))?
            .query_map(params![at, id, i64::from(limit)], user_row)?
            .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn set_token_hash(&self, id: &UserId, token_hash: &str) -> StoreResult<()> {
        let id = id.to_string();
        let token_hash = token_hash.to_string();
        self.write("replace a token", move |c| {
            let changed = c
                .prepare_cached(
                    "UPDATE users SET token_hash = ?1 WHERE id = ?2 AND deleted_at IS NULL",
                )?
                .execute([&token_hash, &id]);
            match changed {
                Ok(0) => Err(StoreError::not_found(UserId::KIND, &id).into()),
                Ok(_) => {
                    // Every other device is signed out; the new token is adopted at its first use.
                    c.prepare_cached("DELETE FROM sessions WHERE user_id = ?1")?
                        .execute([&id])?;
                    Ok(())
                }
                Err(e) if unique_violation(&e) == Some("users.token_hash") => Err(
                    StoreError::Conflict("that token is already in use; ask for a new one".into())
                        .into(),
                ),
                Err(e) => Err(e.into()),
            }
        })
        .await
    }

    async fn erase_user(&self, id: &UserId, purge: bool, when: Timestamp) -> StoreResult<Erased> {
        let user = id.to_string();
        let at = ms(&when);
        let erased = self
            .write_indexed("erase a user", move |c| erase(c, &user, purge, at))
            .await?;
        // Nothing buffered or cached may write or vouch for the erased row again.
        if let Ok(mut buf) = self.db.locations.lock() {
            buf.remove(id.as_str());
        }
        if let (Some(b), Ok(mut known)) = (
            crate::store::compact::id_bytes(id.as_str()),
            self.db.known_users.write(),
        ) {
            known.remove(&b);
        }
        self.checkpoint().await?;
        Ok(erased)
    }

    async fn set_location(&self, id: &UserId, at: Coordinates, when: Timestamp) -> StoreResult<()> {
        // Positions are buffered and written together every LOCATION_FLUSH (a crash loses
        // at most that much movement); the user must exist now, as for any other write.
        let key = id.to_string();
        let bytes = crate::store::compact::id_bytes(&key);
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
                    "SELECT lng IS NOT NULL AND lat IS NOT NULL, lng, lat FROM users \
                     WHERE id = ?1 AND deleted_at IS NULL",
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

    async fn user_collectibles(
        &self,
        id: &UserId,
        limit: u32,
        after: Option<Before>,
    ) -> StoreResult<Vec<UserCollectible>> {
        let id = id.to_string();
        let (at, last) = page_start(after);
        self.read("read an inventory", move |c| {
            ensure_user(c, &id)?;
            Ok(c.prepare_cached(&format!(
                "SELECT {INVENTORY_COLS} FROM user_collectibles WHERE user_id = ?1 \
                 AND (claimed_at, collectible_id) < (?2, ?3) \
                 ORDER BY claimed_at DESC, collectible_id DESC LIMIT ?4"
            ))?
            .query_map(params![id, at, last, i64::from(limit)], inventory_row)?
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
        let index = self
            .db
            .spatial
            .read()
            .map_err(|_| self.db.poisoned("spatial index"))?;
        Ok(nearest(&index, center, max_distance_m, limit, category)
            .into_iter()
            .filter_map(|(event, distance_m)| {
                Some(NearbyEvent {
                    event: event.to_event()?,
                    distance_m,
                })
            })
            .collect())
    }

    async fn write_events_near(
        &self,
        center: Coordinates,
        max_distance_m: f64,
        limit: u32,
        category: Option<&str>,
        out: &mut Vec<u8>,
    ) -> StoreResult<()> {
        let index = self
            .db
            .spatial
            .read()
            .map_err(|_| self.db.poisoned("spatial index"))?;
        out.push(b'[');
        for (i, (event, distance_m)) in nearest(&index, center, max_distance_m, limit, category)
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                out.push(b',');
            }
            event.write_nearby_json(distance_m, out);
        }
        out.push(b']');
        Ok(())
    }

    async fn list_events(
        &self,
        filter: &EventFilter,
        limit: u32,
        after: Option<Before>,
    ) -> StoreResult<Vec<Event>> {
        use rusqlite::types::Value;
        let (at, id) = page_start(after);
        let mut clauses = vec!["(e.created_at, e.id) < (?, ?)".to_string()];
        let mut values = vec![Value::Integer(at), Value::Text(id)];
        if let Some(status) = filter.status {
            clauses.push("e.status = ?".into());
            values.push(Value::Text(status.as_str().into()));
        }
        if let Some(category) = &filter.category {
            clauses.push("e.category = ?".into());
            values.push(Value::Text(category.clone()));
        }
        if let Some(creator) = &filter.creator {
            clauses.push("e.creator_id = ?".into());
            values.push(Value::Text(creator.to_string()));
        }
        if let Some(b) = filter.bbox {
            clauses.push("e.lng BETWEEN ? AND ? AND e.lat BETWEEN ? AND ?".into());
            values.extend([b.min_lng, b.max_lng, b.min_lat, b.max_lat].map(Value::Real));
        }
        if let Some(t) = &filter.created_after {
            clauses.push("e.created_at > ?".into());
            values.push(Value::Integer(ms(t)));
        }
        if let Some(t) = &filter.created_before {
            clauses.push("e.created_at < ?".into());
            values.push(Value::Integer(ms(t)));
        }
        values.push(Value::Integer(i64::from(limit)));
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events AS e WHERE {} \
             ORDER BY e.created_at DESC, e.id DESC LIMIT ?",
            clauses.join(" AND ")
        );
        self.read("list events", move |c| {
            Ok(c.prepare_cached(&sql)?
                .query_map(rusqlite::params_from_iter(values), event_row)?
                .collect::<rusqlite::Result<_>>()?)
        })
        .await
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
            leave_all(c, &user)
        })
        .await
    }

    async fn participants_page(
        &self,
        event: &EventId,
        limit: u32,
        after: Option<Before>,
    ) -> StoreResult<Vec<Participant>> {
        let event = event.to_string();
        let (at, id) = after.map_or((i64::MIN, String::new()), |b| {
            (ms(&b.at), b.id.unwrap_or_default())
        });
        self.read("list participants", move |c| {
            event_state(c, &event)?;
            Ok(c.prepare_cached(
                "SELECT p.user_id, u.name, p.joined_at FROM participants AS p \
                 JOIN users AS u ON u.id = p.user_id \
                 WHERE p.event_id = ?1 AND (p.joined_at, p.user_id) > (?2, ?3) \
                 ORDER BY p.joined_at, p.user_id LIMIT ?4",
            )?
            .query_map(params![event, at, id, i64::from(limit)], |r| {
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
        let expires = ms(&crate::store::lease_expiry(now, ttl));
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
        let expires = ms(&crate::store::lease_expiry(now, ttl));
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

    async fn hold_rooms(&self, user: &UserId, until: Timestamp) -> StoreResult<()> {
        let user = user.to_string();
        let until = ms(&until);
        self.write("hold a user's rooms", move |c| {
            c.prepare_cached(
                "INSERT INTO room_holds (user_id, until) VALUES (?1, ?2) \
                 ON CONFLICT (user_id) DO UPDATE SET until = excluded.until",
            )?
            .execute(params![user, until])?;
            Ok(())
        })
        .await
    }

    async fn resume_rooms(&self, user: &UserId) -> StoreResult<bool> {
        let user = user.to_string();
        self.write("resume a user's rooms", move |c| {
            Ok(
                c.prepare_cached("DELETE FROM room_holds WHERE user_id = ?1")?
                    .execute([&user])?
                    > 0,
            )
        })
        .await
    }

    async fn end_expired_room_holds(&self, now: Timestamp) -> StoreResult<Vec<UserId>> {
        let now = ms(&now);
        self.write("end expired room holds", move |c| {
            let gone: Vec<UserId> = c
                .prepare_cached(
                    "SELECT h.user_id FROM room_holds AS h WHERE h.until <= ?1 \
                     AND NOT EXISTS (SELECT 1 FROM connection_leases AS l \
                     WHERE l.user_id = h.user_id AND l.expires_at > ?1) \
                     ORDER BY h.until, h.user_id",
                )?
                .query_map([now], |r| id_at(r, 0))?
                .collect::<rusqlite::Result<_>>()?;
            c.prepare_cached("DELETE FROM room_holds WHERE until <= ?1")?
                .execute([now])?;
            Ok(gone)
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
        let expires = ms(&crate::store::lease_expiry(now, ttl));
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
            if !insert_message(c, &m)? {
                return Err(
                    StoreError::Conflict(format!("message {} already exists", m.id)).into(),
                );
            }
            Ok(())
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

    async fn delete_message(
        &self,
        event: &EventId,
        id: &MessageId,
        author: Option<&UserId>,
    ) -> StoreResult<MessageRemoval> {
        let (event, id) = (event.to_string(), id.to_string());
        let author = author.map(UserId::to_string);
        // One write transaction: the author read is the author of the row removed.
        self.write("delete a chat message", move |c| {
            event_state(c, &event)?;
            let found = c
                .prepare_cached(&format!(
                    "SELECT {MESSAGE_COLS} FROM messages WHERE id = ?1 AND event_id = ?2"
                ))?
                .query_row(params![id, event], message_row)
                .optional()?;
            let Some(message) = found else {
                return Err(StoreError::not_found(MessageId::KIND, &id).into());
            };
            if author.is_some_and(|a| a != message.user_id.as_str()) {
                return Ok(MessageRemoval::NotAuthor);
            }
            c.prepare_cached("DELETE FROM messages WHERE id = ?1")?
                .execute([&id])?;
            Ok(MessageRemoval::Removed(message))
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
            if !insert_collectible(c, &k)? {
                return Err(
                    StoreError::Conflict(format!("collectible {} already exists", k.id)).into(),
                );
            }
            Ok(())
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
                // `claimed_at`, not `claimed_by`: a collectible whose winner erased their
                // account has no winner any more but stays claimed.
                .prepare_cached("SELECT claimed_at IS NOT NULL FROM collectibles WHERE id = ?1")?
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
        self.write("store a transcript segment", move |c| {
            event_state(c, t.event_id.as_str())?;
            ensure_user(c, t.speaker_id.as_str())?;
            if !insert_transcription(c, &t)? {
                return Err(StoreError::Conflict(format!(
                    "transcript segment {} already exists",
                    t.id
                ))
                .into());
            }
            Ok(())
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
    // ---- copies between stores ----

    async fn count(&self, kind: Kind) -> StoreResult<u64> {
        self.count_records(kind).await
    }

    async fn export_batch(
        &self,
        kind: Kind,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Record>> {
        self.export_records(kind, after, limit).await
    }

    async fn import_batch(&self, records: Vec<Record>) -> StoreResult<u64> {
        self.import_records(records).await
    }
}

/// The indexed active events within `max_distance_m` of `center`, nearest first (then by
/// id), at most `limit`, with their exact distance. The index walk touches only the
/// nearest events (cost grows with the answer) and holds their committed rows, so a query
/// never waits for the database; the exact distance then makes the final cut and order.
fn nearest<'a>(
    index: &'a SpatialIndex<CompactEvent>,
    center: Coordinates,
    max_distance_m: f64,
    limit: u32,
    category: Option<&str>,
) -> Vec<(&'a CompactEvent, f64)> {
    if limit == 0 || max_distance_m.is_nan() || max_distance_m < 0.0 {
        return Vec::new();
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut found = index.nearest(&center, max_distance_m, limit, category);
    found.retain(|(_, d)| *d <= max_distance_m);
    CompactEvent::warm(found.iter().map(|(event, _)| *event));
    found.sort_by(|(a, da), (b, db)| da.total_cmp(db).then_with(|| a.id().cmp(&b.id())));
    found.truncate(limit);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lookups every request makes search indexes only: a `SCAN` of a table in their
    /// plan makes each request cost as much as the table is long.
    #[test]
    fn the_token_lookup_searches_indexes_and_scans_no_table() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut c, "test").unwrap();
        let mut plan = c
            .prepare(&format!("EXPLAIN QUERY PLAN {}", session_by_token_sql()))
            .unwrap();
        let steps: Vec<String> = plan
            .query_map(["x"], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            steps.iter().any(|s| s.starts_with("SEARCH users")),
            "{steps:?}"
        );
        assert!(!steps.iter().any(|s| s.contains("SCAN")), "{steps:?}");
    }
}
