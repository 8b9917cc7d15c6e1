//! Copies between stores ([`crate::store::transfer`]) on SQLite: a collection read in key
//! order on a reader connection, a batch written in one savepoint of the writer
//! (`INSERT .. ON CONFLICT DO NOTHING` on the key, so a batch is all or nothing and a
//! rerun adds only what is missing).

use citypulse::geo::Coordinates;
use citypulse::model::{ChatMessage, Collectible, EventStatus, Transcription};
use rusqlite::{params, Connection, Row};

use super::rows::{
    collectible_row, event_row, id_at, inventory_row, message_row, ms, opt_ts_at,
    transcription_row, ts_at, user_row, COLLECTIBLE_COLS, EVENT_COLS, INVENTORY_COLS, MESSAGE_COLS,
    TRANSCRIPTION_COLS, USER_COLS,
};
use super::writer::{reindex, IndexChange};
use super::{SqliteStore, Step};
use crate::store::transfer::{
    no_token_placeholder, split_pair, token_hash_from_placeholder, Kind, Record, UserRecord,
};
use crate::store::{StoreError, StoreResult};

/// The SELECT of a batch of `kind` after `?1` (and `?2` for pair keys), at most `?N` rows.
fn export_sql(kind: Kind) -> String {
    let by_id = |cols: &str, table: &str, key: &str| {
        format!("SELECT {cols} FROM {table} WHERE {key} > ?1 ORDER BY {key} LIMIT ?2")
    };
    match kind {
        Kind::Users => by_id(
            &format!("{USER_COLS}, token_hash, lng, lat, location_at, deleted_at"),
            "users",
            "id",
        ),
        Kind::Events => {
            format!("SELECT {EVENT_COLS} FROM events AS e WHERE e.id > ?1 ORDER BY e.id LIMIT ?2")
        }
        Kind::Attendance => "SELECT event_id, user_id FROM attendance \
             WHERE (event_id, user_id) > (?1, ?2) ORDER BY event_id, user_id LIMIT ?3"
            .into(),
        Kind::Participants => "SELECT event_id, user_id, joined_at FROM participants \
             WHERE (event_id, user_id) > (?1, ?2) ORDER BY event_id, user_id LIMIT ?3"
            .into(),
        Kind::Collectibles => by_id(COLLECTIBLE_COLS, "collectibles", "id"),
        Kind::Inventory => by_id(
            &format!("{INVENTORY_COLS}, user_id"),
            "user_collectibles",
            "collectible_id",
        ),
        Kind::Messages => by_id(MESSAGE_COLS, "messages", "id"),
        Kind::Transcriptions => by_id(TRANSCRIPTION_COLS, "transcriptions", "id"),
    }
}

/// A row of [`export_sql`] as a record.
fn record_row(kind: Kind, r: &Row<'_>) -> rusqlite::Result<Record> {
    Ok(match kind {
        Kind::Users => {
            let lng: Option<f64> = r.get(8)?;
            let lat: Option<f64> = r.get(9)?;
            let location = match (lng, lat) {
                (Some(lng), Some(lat)) => Some((
                    Coordinates::new(lng, lat).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            8,
                            rusqlite::types::Type::Real,
                            Box::new(e),
                        )
                    })?,
                    opt_ts_at(r, 10)?,
                )),
                _ => None,
            };
            Record::User(UserRecord {
                user: user_row(r)?,
                token_hash: token_hash_from_placeholder(r.get(7)?),
                location,
                deleted_at: opt_ts_at(r, 11)?,
            })
        }
        Kind::Events => Record::Event(event_row(r)?),
        Kind::Attendance => Record::Attendance {
            event_id: id_at(r, 0)?,
            user_id: id_at(r, 1)?,
        },
        Kind::Participants => Record::Participant {
            event_id: id_at(r, 0)?,
            user_id: id_at(r, 1)?,
            joined_at: ts_at(r, 2)?,
        },
        Kind::Collectibles => Record::Collectible(collectible_row(r)?),
        Kind::Inventory => Record::Inventory {
            user_id: id_at(r, 6)?,
            item: inventory_row(r)?,
        },
        Kind::Messages => Record::Message(message_row(r)?),
        Kind::Transcriptions => Record::Transcription(transcription_row(r)?),
    })
}

/// Inserts one record unless its key is there; whether it was added, and the change to
/// the index of active events an added event makes.
fn insert(c: &Connection, record: &Record) -> Step<(bool, Option<IndexChange>)> {
    let added = match record {
        Record::User(u) => {
            let at = u.location.as_ref();
            c.prepare_cached(
                "INSERT INTO users (id, phone, name, token_hash, created_at, events_created, \
                 events_attended, collectibles_count, lng, lat, location_at, deleted_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
                 ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![
                u.user.id.as_str(),
                u.user.phone.as_deref().unwrap_or_default(),
                u.user.name,
                u.token_hash
                    .clone()
                    .unwrap_or_else(|| no_token_placeholder(&u.user.id)),
                ms(&u.user.created_at),
                count(u.user.stats.events_created),
                count(u.user.stats.events_attended),
                count(u.user.stats.collectibles_count),
                at.map(|(p, _)| p.lng()),
                at.map(|(p, _)| p.lat()),
                at.and_then(|(_, when)| when.as_ref().map(ms)),
                u.deleted_at.as_ref().map(ms),
            ])?
        }
        Record::Event(e) => {
            let added = c
                .prepare_cached(
                    "INSERT INTO events (id, title, description, category, creator_id, lng, lat, \
                     address, status, daily_room_name, daily_room_url, current_participants, \
                     starts_at, ends_at, created_at, ended_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) \
                     ON CONFLICT (id) DO NOTHING",
                )?
                .execute(params![
                    e.id.as_str(),
                    e.title,
                    e.description,
                    e.category,
                    e.creator_id.as_str(),
                    e.location.coordinates.lng(),
                    e.location.coordinates.lat(),
                    e.address,
                    match e.status {
                        EventStatus::Active => "active",
                        EventStatus::Ended => "ended",
                    },
                    e.room.daily_room_name,
                    e.room.daily_room_url,
                    count(e.room.current_participants),
                    e.starts_at.as_ref().map(ms),
                    e.ends_at.as_ref().map(ms),
                    ms(&e.created_at),
                    e.ended_at.as_ref().map(ms),
                ])?;
            if added == 0 {
                return Ok((false, None));
            }
            // Only active events have a place in the R*Tree (see the module documentation
            // of the store), and the index of this process follows.
            let seq = c.last_insert_rowid();
            if e.status == EventStatus::Active {
                c.prepare_cached(
                    "INSERT INTO event_locations (id, min_lng, max_lng, min_lat, max_lat) \
                     VALUES (?1, ?2, ?2, ?3, ?3)",
                )?
                .execute(params![
                    seq,
                    e.location.coordinates.lng(),
                    e.location.coordinates.lat()
                ])?;
            }
            return Ok((true, Some(reindex(c, seq)?)));
        }
        Record::Attendance { event_id, user_id } => c
            .prepare_cached(
                "INSERT INTO attendance (event_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            )?
            .execute([event_id.as_str(), user_id.as_str()])?,
        Record::Participant {
            event_id,
            user_id,
            joined_at,
        } => c
            .prepare_cached(
                "INSERT INTO participants (event_id, user_id, joined_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![event_id.as_str(), user_id.as_str(), ms(joined_at)])?,
        Record::Collectible(k) => usize::from(insert_collectible(c, k)?),
        Record::Inventory { user_id, item } => c
            .prepare_cached(
                "INSERT INTO user_collectibles \
                 (user_id, collectible_id, name, rarity, points, event_id, claimed_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                user_id.as_str(),
                item.collectible_id.as_str(),
                item.name,
                item.rarity.as_str(),
                item.points,
                item.event_id.as_str(),
                ms(&item.claimed_at)
            ])?,
        Record::Message(m) => usize::from(insert_message(c, m)?),
        Record::Transcription(t) => usize::from(insert_transcription(c, t)?),
    };
    Ok((added == 1, None))
}

/// Inserts a collectible unless its id is there; whether it was added.
pub(super) fn insert_collectible(c: &Connection, k: &Collectible) -> Step<bool> {
    let added = c
        .prepare_cached(
            "INSERT INTO collectibles (id, event_id, name, rarity, points, dropped_at, \
             expires_at, claimed_by, claimed_at, is_active) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            k.id.as_str(),
            k.event_id.as_str(),
            k.name,
            k.rarity.as_str(),
            k.points,
            ms(&k.dropped_at),
            ms(&k.expires_at),
            k.claimed_by.as_ref().map(|u| u.as_str()),
            k.claimed_at.as_ref().map(ms),
            k.is_active
        ])?;
    Ok(added == 1)
}

/// Inserts a chat message unless its id is there; whether it was added.
pub(super) fn insert_message(c: &Connection, m: &ChatMessage) -> Step<bool> {
    let added = c
        .prepare_cached(
            "INSERT INTO messages (id, event_id, user_id, name, message, timestamp) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            m.id.as_str(),
            m.event_id.as_str(),
            m.user_id.as_str(),
            m.name,
            m.message,
            ms(&m.timestamp)
        ])?;
    Ok(added == 1)
}

/// Inserts a transcript segment unless its id is there; whether it was added.
pub(super) fn insert_transcription(c: &Connection, t: &Transcription) -> Step<bool> {
    let words = serde_json::to_string(&t.words).map_err(|e| {
        StoreError::Unavailable(format!(
            "the transcript segment {} cannot be stored: its word timings do not serialise \
             ({e})",
            t.id
        ))
    })?;
    let added = c
        .prepare_cached(
            "INSERT INTO transcriptions (id, event_id, speaker_id, text, text_folded, \
             confidence, start, duration, words, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING",
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
        ])?;
    Ok(added == 1)
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// What a constraint that refused a copied record means, in a sentence; None for other
/// errors.
fn refused(record: &Record, e: &rusqlite::Error) -> Option<StoreError> {
    let rusqlite::Error::SqliteFailure(f, msg) = e else {
        return None;
    };
    let what = format!("{} record {}", record.kind().name(), record.key());
    match f.extended_code {
        rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Some(StoreError::Conflict(format!(
            "the {what} refers to a user, event or collectible that the target does not hold; \
             the source is inconsistent (copy it whole, without --merge into an unrelated store)"
        ))),
        rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => Some(StoreError::Conflict(format!(
            "the {what} collides with a different record of the target on {} (two users with \
             one phone?); merging these stores needs that resolved first",
            msg.as_deref()
                .and_then(|m| m.rsplit(": ").next())
                .unwrap_or("a unique field")
        ))),
        _ => None,
    }
}

impl SqliteStore {
    pub(super) async fn count_records(&self, kind: Kind) -> StoreResult<u64> {
        self.read("count records", move |c| {
            let n: i64 = c
                .prepare_cached(&format!("SELECT COUNT(*) FROM {}", kind.name()))?
                .query_row([], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    pub(super) async fn export_records(
        &self,
        kind: Kind,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Record>> {
        let after = after.unwrap_or_default().to_string();
        self.read("read records to copy", move |c| {
            let mut stmt = c.prepare_cached(&export_sql(kind))?;
            let limit = i64::from(limit);
            let rows = match kind {
                Kind::Attendance | Kind::Participants => {
                    let (event, user) = split_pair(&after);
                    stmt.query_map(params![event, user, limit], |r| record_row(kind, r))?
                        .collect::<rusqlite::Result<Vec<_>>>()?
                }
                _ => stmt
                    .query_map(params![after, limit], |r| record_row(kind, r))?
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            };
            Ok(rows)
        })
        .await
    }

    pub(super) async fn import_records(&self, records: Vec<Record>) -> StoreResult<u64> {
        self.write_indexed("write copied records", move |c| {
            let mut added = 0;
            let mut changes = Vec::new();
            for record in &records {
                let (new, change) = match insert(c, record) {
                    Ok(done) => done,
                    Err(super::Fail::Sql(e)) => match refused(record, &e) {
                        Some(sentence) => return Err(sentence.into()),
                        None => return Err(e.into()),
                    },
                    Err(other) => return Err(other),
                };
                added += u64::from(new);
                changes.extend(change);
            }
            Ok((added, changes))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use citypulse::ids::{EventId, MessageId, UserId};
    use citypulse::model::{ChatMessage, Event, EventRoom, User, UserStats};

    fn user(n: u8) -> Record {
        Record::User(UserRecord {
            user: User {
                id: UserId::generate(),
                name: format!("U{n}"),
                phone: Some(format!("+5730000000{n:02}")),
                stats: UserStats {
                    events_created: 1,
                    events_attended: 2,
                    collectibles_count: 3,
                },
                created_at: citypulse::time::now(),
            },
            token_hash: n.is_multiple_of(2).then(|| format!("{n:064x}")),
            location: n.is_multiple_of(3).then(|| {
                (
                    Coordinates::new(-74.0, 4.6).unwrap(),
                    Some(citypulse::time::now()),
                )
            }),
            deleted_at: None,
        })
    }

    #[tokio::test]
    async fn a_batch_reads_back_the_same_and_a_rerun_adds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = SqliteStore::open(&dir.path().join("a.db")).unwrap_or_else(|e| panic!("{e}"));
        let b = SqliteStore::open(&dir.path().join("b.db")).unwrap_or_else(|e| panic!("{e}"));
        let users: Vec<Record> = (0..6).map(user).collect();
        let Record::User(creator) = &users[0] else {
            unreachable!()
        };
        let event = Event {
            id: EventId::generate(),
            title: "T".into(),
            description: None,
            category: "cultura".into(),
            creator_id: creator.user.id.clone(),
            location: Coordinates::new(-74.0, 4.6).unwrap().into(),
            address: None,
            status: EventStatus::Active,
            room: EventRoom {
                daily_room_name: None,
                daily_room_url: None,
                current_participants: 1,
            },
            room_url: None,
            starts_at: None,
            ends_at: None,
            created_at: citypulse::time::now(),
            ended_at: None,
        };
        let message = ChatMessage {
            id: MessageId::generate(),
            event_id: event.id.clone(),
            user_id: creator.user.id.clone(),
            name: "U0".into(),
            message: "hola".into(),
            timestamp: citypulse::time::now(),
        };
        let participant = Record::Participant {
            event_id: event.id.clone(),
            user_id: creator.user.id.clone(),
            joined_at: citypulse::time::now(),
        };
        assert_eq!(a.import_batch(users.clone()).await.unwrap_or(0), 6);
        assert_eq!(a.import_batch(users.clone()).await.unwrap_or(9), 0);
        for batch in [
            vec![Record::Event(event.clone())],
            vec![participant.clone()],
            vec![Record::Message(message.clone())],
        ] {
            assert_eq!(a.import_batch(batch).await.unwrap_or(0), 1);
        }
        // Read back in key order, in pages of 4, into the other store.
        for kind in Kind::ALL {
            let mut after: Option<String> = None;
            loop {
                let page = a
                    .export_batch(kind, after.as_deref(), 4)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                let Some(last) = page.last() else { break };
                after = Some(last.key());
                b.import_batch(page).await.unwrap_or_else(|e| panic!("{e}"));
            }
            assert_eq!(
                a.count(kind).await.ok(),
                b.count(kind).await.ok(),
                "{kind:?}"
            );
        }
        let mut sorted = users.clone();
        sorted.sort_by_key(Record::key);
        assert_eq!(
            b.export_batch(Kind::Users, None, 10).await.ok(),
            Some(sorted)
        );
        assert_eq!(
            b.export_batch(Kind::Participants, None, 10).await.ok(),
            Some(vec![participant])
        );
        assert_eq!(b.event(&event.id).await.ok(), Some(event.clone()));
        assert_eq!(
            b.indexed_events(),
            1,
            "an active event is near-me searchable"
        );
        // A different user with a taken phone is refused with a sentence.
        let Record::User(mut twin) = users[1].clone() else {
            unreachable!()
        };
        twin.user.id = UserId::generate();
        twin.token_hash = None;
        let refused = b.import_batch(vec![Record::User(twin)]).await;
        assert!(
            matches!(&refused, Err(StoreError::Conflict(s)) if s.contains("users.phone")),
            "{refused:?}"
        );
    }
}
