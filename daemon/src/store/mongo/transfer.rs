//! Copies between stores ([`crate::store::transfer`]) on MongoDB: a collection read in key
//! order with the same readers as every other read (so documents of the original backend
//! come out as they are served), a batch written by asking which of its keys are there
//! already and inserting the others in one unordered `insert_many`.

use std::collections::HashSet;

use mongodb::bson::{doc, Bson, Document};
use mongodb::error::{ErrorKind, WriteFailure};

use super::documents::{count, date, oid, opt_date, opt_str, point};
use super::errors::{duplicate_index, is_duplicate, DUPLICATE_KEY};
use super::timeout::Effect;
use super::MongoStore;
use crate::store::transfer::{pair_key, split_pair, Kind, Record, UserRecord};
use crate::store::{StoreError, StoreResult};

/// How a collection's documents are keyed: by `_id`, by one other field, or by the event
/// and user they join.
enum Keyed {
    Id,
    Field(&'static str),
    Pair,
}

fn keyed(kind: Kind) -> Keyed {
    match kind {
        Kind::Inventory => Keyed::Field("collectible_id"),
        Kind::Attendance | Kind::Participants => Keyed::Pair,
        _ => Keyed::Id,
    }
}

/// The stored document of a record, as the operations write it.
fn document(record: &Record) -> StoreResult<Document> {
    Ok(match record {
        Record::User(UserRecord {
            user,
            token_hash,
            location,
            deleted_at,
        }) => {
            let mut d = doc! {
                "_id": oid(user.id.as_str())?,
                "phone": user.phone.clone().unwrap_or_default(),
                "name": &user.name,
                "created_at": date(&user.created_at),
                "stats": {
                    "events_created": count(user.stats.events_created),
                    "events_attended": count(user.stats.events_attended),
                    "collectibles_count": count(user.stats.collectibles_count),
                },
            };
            // Absent rather than null: the token index is sparse, so users without a
            // token (the original's) do not collide on null.
            if let Some(h) = token_hash {
                d.insert("token_hash", h);
            }
            if let Some((at, when)) = location {
                d.insert("current_location", point(at));
                d.insert("location_at", opt_date(when));
            }
            if let Some(at) = deleted_at {
                d.insert("deleted_at", date(at));
            }
            d
        }
        Record::Event(e) => doc! {
            "_id": oid(e.id.as_str())?,
            "title": &e.title,
            "description": opt_str(&e.description),
            "category": &e.category,
            "creator_id": oid(e.creator_id.as_str())?,
            "location": point(&e.location.coordinates),
            "address": opt_str(&e.address),
            "status": match e.status {
                citypulse::model::EventStatus::Active => "active",
                citypulse::model::EventStatus::Ended => "ended",
            },
            "room": {
                "daily_room_name": opt_str(&e.room.daily_room_name),
                "daily_room_url": opt_str(&e.room.daily_room_url),
                "current_participants": count(e.room.current_participants),
            },
            "starts_at": opt_date(&e.starts_at),
            "ends_at": opt_date(&e.ends_at),
            "created_at": date(&e.created_at),
            "ended_at": opt_date(&e.ended_at),
        },
        Record::Attendance { event_id, user_id } => doc! {
            "event_id": oid(event_id.as_str())?,
            "user_id": oid(user_id.as_str())?,
        },
        Record::Participant {
            event_id,
            user_id,
            joined_at,
        } => doc! {
            "event_id": oid(event_id.as_str())?,
            "user_id": oid(user_id.as_str())?,
            "joined_at": date(joined_at),
        },
        Record::Collectible(k) => doc! {
            "_id": oid(k.id.as_str())?,
            "event_id": oid(k.event_id.as_str())?,
            "name": &k.name,
            "rarity": k.rarity.as_str(),
            "points": i64::from(k.points),
            "dropped_at": date(&k.dropped_at),
            "expires_at": date(&k.expires_at),
            "claimed_by": match &k.claimed_by {
                Some(u) => Bson::ObjectId(oid(u.as_str())?),
                None => Bson::Null,
            },
            "claimed_at": opt_date(&k.claimed_at),
            "is_active": k.is_active,
        },
        Record::Inventory { user_id, item } => {
            let cid = oid(item.collectible_id.as_str())?;
            doc! {
                "_id": cid,
                "user_id": oid(user_id.as_str())?,
                "collectible_id": cid,
                "name": &item.name,
                "rarity": item.rarity.as_str(),
                "points": i64::from(item.points),
                "event_id": oid(item.event_id.as_str())?,
                "claimed_at": date(&item.claimed_at),
            }
        }
        Record::Message(m) => doc! {
            "_id": oid(m.id.as_str())?,
            "event_id": oid(m.event_id.as_str())?,
            "user_id": oid(m.user_id.as_str())?,
            "name": &m.name,
            "message": &m.message,
            "timestamp": date(&m.timestamp),
        },
        Record::Transcription(t) => doc! {
            "_id": oid(t.id.as_str())?,
            "event_id": oid(t.event_id.as_str())?,
            "speaker_id": oid(t.speaker_id.as_str())?,
            "text": &t.text,
            "text_folded": t.text.to_lowercase(),
            "confidence": t.confidence,
            "start": t.start,
            "duration": t.duration,
            "words": mongodb::bson::to_bson(&t.words).map_err(|e| StoreError::Unavailable(format!(
                "the transcript segment {} cannot be written: its word timings do not \
                 serialise ({e})",
                t.id
            )))?,
            "created_at": date(&t.created_at),
        },
    })
}

impl MongoStore {
    /// A stored document of `kind` as a record.
    fn record_from(&self, kind: Kind, d: &Document) -> StoreResult<Record> {
        let r = self.reader(d, kind.name());
        Ok(match kind {
            Kind::Users => Record::User(UserRecord {
                user: self.user_from(d)?,
                token_hash: r.opt_string("token_hash")?,
                location: r
                    .coordinates("current_location")?
                    .map(|at| Ok::<_, StoreError>((at, r.opt_time("location_at")?)))
                    .transpose()?,
                deleted_at: r.opt_time("deleted_at")?,
            }),
            Kind::Events => Record::Event(self.event_from(d)?),
            Kind::Attendance => Record::Attendance {
                event_id: r.id("event_id")?,
                user_id: r.id("user_id")?,
            },
            Kind::Participants => Record::Participant {
                event_id: r.id("event_id")?,
                user_id: r.id("user_id")?,
                joined_at: r.time("joined_at")?,
            },
            Kind::Collectibles => Record::Collectible(self.collectible_from(d)?),
            Kind::Inventory => {
                let user_id = r.id("user_id")?;
                let item = self.inventory_from(d)?;
                Record::Inventory { user_id, item }
            }
            Kind::Messages => Record::Message(self.message_from(d)?),
            Kind::Transcriptions => Record::Transcription(self.transcription_from(d)?),
        })
    }

    pub(super) async fn count_records(&self, kind: Kind) -> StoreResult<u64> {
        let op = "count records";
        self.bounded(op, Effect::Long, async {
            self.col(kind.name())
                .count_documents(doc! {})
                .await
                .map_err(|e| self.db_error(op, e))
        })
        .await
    }

    pub(super) async fn export_records(
        &self,
        kind: Kind,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Record>> {
        let op = "read records to copy";
        self.bounded(op, Effect::Long, async {
            let (filter, sort) = match keyed(kind) {
                Keyed::Id => (
                    match after {
                        Some(a) => doc! { "_id": { "$gt": oid(a)? } },
                        None => doc! {},
                    },
                    doc! { "_id": 1 },
                ),
                Keyed::Field(f) => (
                    match after {
                        Some(a) => doc! { f: { "$gt": oid(a)? } },
                        None => doc! {},
                    },
                    doc! { f: 1 },
                ),
                Keyed::Pair => (
                    match after.map(split_pair) {
                        Some((e, u)) => {
                            let e = oid(e)?;
                            doc! { "$or": [
                                { "event_id": { "$gt": e } },
                                { "event_id": e, "user_id": { "$gt": oid(u)? } },
                            ] }
                        }
                        None => doc! {},
                    },
                    doc! { "event_id": 1, "user_id": 1 },
                ),
            };
            let cursor = self
                .col(kind.name())
                .find(filter)
                .sort(sort)
                .limit(i64::from(limit))
                .await
                .map_err(|e| self.db_error(op, e))?;
            let mut docs = self.all(cursor).await.map_err(|e| self.db_error(op, e))?;
            if kind == Kind::Inventory {
                // The original backend's rows may hold only user, collectible and time: the
                // rest comes from the collectible, as the inventory read does.
                self.complete_inventory(&mut docs)
                    .await
                    .map_err(|e| self.db_error(op, e))?;
            }
            docs.iter().map(|d| self.record_from(kind, d)).collect()
        })
        .await
    }

    pub(super) async fn import_records(&self, records: Vec<Record>) -> StoreResult<u64> {
        let op = "write copied records";
        let Some(kind) = records.first().map(Record::kind) else {
            return Ok(0);
        };
        if let Some(other) = records.iter().find(|r| r.kind() != kind) {
            return Err(StoreError::Conflict(format!(
                "a batch of copied records mixes {} and {}; this is a bug in cpld, please \
                 report it",
                kind.name(),
                other.kind().name()
            )));
        }
        self.bounded(op, Effect::Long, async {
            let present = self.present_keys(kind, &records).await?;
            let mut docs = Vec::new();
            let mut keys = Vec::new();
            for record in &records {
                let key = record.key();
                // Once per key: a batch never holds one twice, but the check costs nothing.
                if !present.contains(&key) && !keys.contains(&key) {
                    docs.push(document(record)?);
                    keys.push(key);
                }
            }
            if docs.is_empty() {
                return Ok(0);
            }
            let n = docs.len() as u64;
            match self.col(kind.name()).insert_many(docs).ordered(false).await {
                Ok(_) => Ok(n),
                Err(e) if is_duplicate(&e) => Err(self.collision(kind, &keys, &e)),
                Err(e) => Err(self.db_error(op, e)),
            }
        })
        .await
    }

    /// Which of the records' keys the collection holds already.
    async fn present_keys(&self, kind: Kind, records: &[Record]) -> StoreResult<HashSet<String>> {
        let op = "look for records copied before";
        let (filter, projection) = match keyed(kind) {
            Keyed::Id | Keyed::Field(_) => {
                let field = match keyed(kind) {
                    Keyed::Field(f) => f,
                    _ => "_id",
                };
                let ids = records
                    .iter()
                    .map(|r| oid(&r.key()))
                    .collect::<StoreResult<Vec<_>>>()?;
                (doc! { field: { "$in": ids } }, doc! { field: 1 })
            }
            Keyed::Pair => {
                let mut pairs = Vec::with_capacity(records.len());
                for r in records {
                    let key = r.key();
                    let (e, u) = split_pair(&key);
                    pairs.push(doc! { "event_id": oid(e)?, "user_id": oid(u)? });
                }
                (
                    doc! { "$or": pairs },
                    doc! { "_id": 0, "event_id": 1, "user_id": 1 },
                )
            }
        };
        let cursor = self
            .col(kind.name())
            .find(filter)
            .projection(projection)
            .await
            .map_err(|e| self.db_error(op, e))?;
        let docs = self.all(cursor).await.map_err(|e| self.db_error(op, e))?;
        docs.iter()
            .map(|d| {
                let r = self.reader(d, kind.name());
                Ok(match keyed(kind) {
                    Keyed::Id => r.hex("_id")?,
                    Keyed::Field(f) => r.hex(f)?,
                    Keyed::Pair => pair_key(&r.id("event_id")?, &r.id("user_id")?),
                })
            })
            .collect()
    }

    /// A copied record that a unique index other than its key refused (a phone taken by
    /// another user), as a sentence.
    fn collision(&self, kind: Kind, keys: &[String], e: &mongodb::error::Error) -> StoreError {
        let first = match e.kind.as_ref() {
            ErrorKind::InsertMany(m) => m
                .write_errors
                .as_ref()
                .and_then(|w| w.iter().find(|w| w.code == DUPLICATE_KEY))
                .and_then(|w| keys.get(w.index))
                .cloned(),
            ErrorKind::Write(WriteFailure::WriteError(_)) => keys.first().cloned(),
            _ => None,
        };
        StoreError::Conflict(self.scrub(format!(
            "the {} record {} collides with a different document of the MongoDB {} on its \
             unique index {} (two users with one phone?); merging these stores needs that \
             resolved first",
            kind.name(),
            first.as_deref().unwrap_or("(unknown)"),
            self.shown,
            duplicate_index(e)
                .filter(|i| !i.is_empty())
                .unwrap_or_else(|| "(unnamed)".into())
        )))
    }
}
