//! The [`Store`] operations of [`MongoStore`], each within its time limit
//! ([`MongoStore::bounded`]), and the steps several of them share.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use citypulse::geo::Coordinates;
use citypulse::ids::{CollectibleId, EventId, MessageId, SessionId, UserId};
use citypulse::model::{
    ChatMessage, Collectible, Event, EventRoom, EventStatus, NearbyEvent, Participant,
    Transcription, User, UserCollectible, UserStats, DELETED_USER_NAME,
};
use citypulse::time::Timestamp;
use futures_util::TryStreamExt;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{doc, Bson, DateTime as BsonDate, Document};
use mongodb::error::Error as DbError;
use mongodb::options::{ReturnDocument, WriteConcern};
use mongodb::ClientSession;

use super::documents::{
    any_ref, count, date, event_doc, limit_of, literal_regex, oid, opt_date, opt_str, page_start,
    point, ENDED_STATUSES,
};
use super::errors::{duplicate_index, is_duplicate, only_duplicates};
use super::timeout::Effect;
use super::{
    durable_write_concern, Fail, MongoStore, Step, BROADCASTS, CONNECTION_LEASES, HOLDS_PER_SWEEP,
    LEASES, RENEW_CHUNK, ROOM_HOLDS,
};
use crate::store::transfer::{Kind, Record};
use crate::store::{
    Before, ClaimOutcome, Erased, EventFilter, JoinOutcome, MessageRemoval, NewEvent, NewSession,
    NewUser, SessionRecord, Store, StoreError, StoreResult,
};

/// The sessions collection (issue 16): one document per signed-in device.
const SESSIONS: &str = "sessions";

/// `filter` restricted to users that are not erased (see [`Store::erase_user`]): an
/// erased user's document stays as a tombstone with `deleted_at` set.
pub(super) fn live(mut filter: Document) -> Document {
    filter.insert("deleted_at", doc! { "$exists": false });
    filter
}

impl MongoStore {
    /// A token from before sessions (in the user's own `token_hash`) made a session of,
    /// once; None when no user holds it. Checked again after the insert: a reset that
    /// replaced the user's token in between revoked it, and the session is taken back.
    async fn adopt_token(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let op = "adopt a token as a session";
        let Some(user) = self
            .col("users")
            .find_one(live(doc! { "token_hash": token_hash }))
            .projection(doc! { "_id": 1 })
            .await
            .map_err(|e| self.db_error(op, e))?
        else {
            return Ok(None);
        };
        let Some(user_id) = user.get("_id").cloned() else {
            return Ok(None);
        };
        let now = citypulse::time::now();
        let d = doc! {
            "_id": ObjectId::new(),
            "user_id": user_id.clone(),
            "token_hash": token_hash,
            "label": Bson::Null,
            "created_at": date(&now),
        };
        match self.col(SESSIONS).insert_one(d).await {
            Ok(_) => {}
            Err(e) if is_duplicate(&e) => {}
            Err(e) => return Err(self.db_error(op, e)),
        }
        let still = self
            .col("users")
            .count_documents(doc! { "_id": user_id, "token_hash": token_hash })
            .await
            .map_err(|e| self.db_error(op, e))?;
        if still == 0 {
            self.col(SESSIONS)
                .delete_one(doc! { "token_hash": token_hash })
                .await
                .map_err(|e| self.db_error(op, e))?;
            return Ok(None);
        }
        let d = self
            .col(SESSIONS)
            .find_one(doc! { "token_hash": token_hash })
            .await
            .map_err(|e| self.db_error(op, e))?;
        d.map(|d| self.one(self.session_from(&d))).transpose()
    }

    fn session_from(&self, d: &Document) -> Result<SessionRecord, super::documents::Damage> {
        let r = self.reader(d, SESSIONS);
        Ok(SessionRecord {
            id: r.id("_id")?,
            user: r.id("user_id")?,
            label: r.opt_string("label")?,
            created_at: r.time("created_at")?,
            last_used_at: r.opt_time("last_used_at")?,
        })
    }

    /// The steps of [`Store::erase_user`], one document write at a time, each one that
    /// can run twice with the same result and the tombstone last, so that a failure part
    /// way leaves the user in place and erasing again finishes the job.
    async fn erase_steps(&self, id: &UserId, purge: bool, when: Timestamp) -> Step<Erased> {
        let u = self.user_exists(id.as_str(), None).await?;
        let mut rooms_left = Vec::new();
        let rows = self
            .all(
                self.col("participants")
                    .find(doc! { "user_id": u })
                    .sort(doc! { "joined_at": 1, "event_id": 1 })
                    .await?,
            )
            .await?;
        let events = self.readable(&rows, |row| {
            self.reader(row, "participants").id::<EventId>("event_id")
        });
        for event in events {
            if self.remove_participant(oid(event.as_str())?, u).await? {
                rooms_left.push(event);
            }
        }
        let mine = doc! { "user_id": any_ref(u) };
        let (messages, transcriptions) = if purge {
            let m = self.col("messages").delete_many(mine.clone()).await?;
            let t = self
                .col("transcriptions")
                .delete_many(doc! { "speaker_id": any_ref(u) })
                .await?;
            (m.deleted_count, t.deleted_count)
        } else {
            let m = self
                .col("messages")
                .update_many(mine.clone(), doc! { "$set": { "name": DELETED_USER_NAME } })
                .await?;
            (m.matched_count, 0)
        };
        self.col("collectibles")
            .update_many(
                doc! { "claimed_by": any_ref(u) },
                doc! { "$set": { "claimed_by": Bson::Null } },
            )
            .await?;
        // Sessions carry a device label a person may have named ("Pixel de Juan"); a room
        // hold would bring them back into rooms.
        for collection in [
            "user_collectibles",
            "attendance",
            CONNECTION_LEASES,
            SESSIONS,
        ] {
            self.col(collection).delete_many(mine.clone()).await?;
        }
        self.col(ROOM_HOLDS).delete_one(doc! { "_id": u }).await?;
        // Bus envelopes are only read when inserted (the change stream delivers from the
        // oplog) and expire on their own, but until then the frames of this user's
        // `user_joined` and chat messages hold their name.
        let hex = u.to_hex();
        self.col(BROADCASTS)
            .delete_many(doc! { "$or": [
                { "users": &hex },
                { "user": &hex },
                { "frame": { "$regex": literal_regex(&hex) } },
            ] })
            .await?;
        self.col("users")
            .update_one(
                doc! { "_id": u },
                doc! {
                    "$set": {
                        "phone": format!("deleted:{hex}"),
                        "name": DELETED_USER_NAME,
                        "deleted_at": date(&when),
                    },
                    "$unset": { "current_location": "", "location_at": "" },
                },
            )
            .await?;
        Ok(Erased {
            rooms_left,
            messages,
            transcriptions,
        })
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
            let c = match self.collectible_from(&d) {
                Ok(c) => c,
                Err(damage) => {
                    self.report(&damage);
                    continue;
                }
            };
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

    pub(super) async fn user_exists(
        &self,
        id: &str,
        s: Option<&mut ClientSession>,
    ) -> Step<ObjectId> {
        let o = oid(id)?;
        let users = self.col("users");
        let q = users
            .find_one(live(doc! { "_id": o }))
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
    pub(super) async fn event_state(
        &self,
        id: &str,
        s: Option<&mut ClientSession>,
    ) -> Step<(ObjectId, bool)> {
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

    pub(super) async fn all(
        &self,
        cursor: mongodb::Cursor<Document>,
    ) -> Result<Vec<Document>, DbError> {
        cursor.try_collect().await
    }

    /// At most `limit` documents of `collection` matching `filter`, newest first by
    /// `time_key` and then `_id`: the order every cursor-paged list follows, in which
    /// `page_start(time_key, ...)` starts a page.
    pub(super) async fn newest_first(
        &self,
        collection: &str,
        filter: Document,
        time_key: &str,
        limit: u32,
    ) -> Result<Vec<Document>, DbError> {
        let cursor = self
            .col(collection)
            .find(filter)
            .sort(doc! { time_key: -1, "_id": -1 })
            .limit(limit_of(limit))
            .await?;
        self.all(cursor).await
    }

    pub(super) async fn load_event(
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
        Ok(self.one(self.event_from(&d))?)
    }

    /// The idempotent tail of a claim without transactions: the inventory row under the
    /// collectible's own `_id`, the counter raised to the inventory's size, the marker
    /// removed. Running it twice changes nothing more.
    pub(super) async fn finish_claim(&self, c: &Collectible) -> Step<()> {
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

    /// Fills inventory rows that lack what a [`UserCollectible`] shows (rows of the
    /// original backend may hold only the user, the collectible and a time) from their
    /// collectibles; a row's own fields win.
    pub(super) async fn complete_inventory(&self, rows: &mut [Document]) -> Result<(), DbError> {
        const TAKEN: [&str; 5] = ["name", "rarity", "points", "event_id", "claimed_at"];
        let lacking = |row: &Document| {
            TAKEN[..4]
                .iter()
                .any(|f| matches!(row.get(*f), None | Some(Bson::Null)))
        };
        let wanted: Vec<Bson> = rows
            .iter()
            .filter(|row| lacking(row))
            .filter_map(|row| row.get("collectible_id").cloned())
            .flat_map(|id| match &id {
                Bson::String(s) => match ObjectId::parse_str(s) {
                    Ok(o) => vec![id.clone(), Bson::ObjectId(o)],
                    Err(_) => vec![id.clone()],
                },
                _ => vec![id],
            })
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let found = self
            .all(
                self.col("collectibles")
                    .find(doc! { "_id": { "$in": wanted } })
                    .await?,
            )
            .await?;
        let by_id: HashMap<String, &Document> = found
            .iter()
            .filter_map(|c| Some((self.reader(c, "collectibles").hex("_id").ok()?, c)))
            .collect();
        for row in rows.iter_mut().filter(|row| lacking(row)) {
            let key = self.reader(row, "user_collectibles").hex("collectible_id");
            let Some(c) = key.ok().and_then(|k| by_id.get(&k).copied()) else {
                continue;
            };
            for f in TAKEN {
                if matches!(row.get(f), None | Some(Bson::Null)) {
                    if let Some(v) = c.get(f).filter(|v| !matches!(v, Bson::Null)) {
                        row.insert(f, v.clone());
                    }
                }
            }
            if !row.contains_key("name") {
                if let Some(v) = c.get("type") {
                    row.insert("name", v.clone());
                }
            }
        }
        Ok(())
    }

    /// Why a claim that matched nothing lost: NotFound, AlreadyClaimed or Expired.
    pub(super) async fn claim_lost(&self, id: &str, cid: ObjectId) -> Step<ClaimOutcome> {
        let d = self
            .col("collectibles")
            .find_one(doc! { "_id": cid })
            .projection(doc! { "claimed_by": 1, "claimed_at": 1 })
            .await?
            .ok_or_else(|| StoreError::not_found(CollectibleId::KIND, id))?;
        // `claimed_at` too: a collectible whose winner erased their account has no
        // `claimed_by` any more but stays claimed.
        let set = |field: &str| !matches!(d.get(field), None | Some(Bson::Null));
        Ok(if set("claimed_by") || set("claimed_at") {
            ClaimOutcome::AlreadyClaimed
        } else {
            ClaimOutcome::Expired
        })
    }

    /// Takes one participant row out and lowers the room's count; false when there was
    /// no row.
    pub(super) async fn remove_participant(&self, event: ObjectId, user: ObjectId) -> Step<bool> {
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
    pub(super) async fn upsert_connection_lease(
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

    pub(super) async fn nearby_candidates(
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
                .find_one(live(doc! { "_id": oid(id.as_str())? }))
                .await
                .map_err(|e| self.db_error("read a user", e))?
                .ok_or_else(|| StoreError::not_found(UserId::KIND, id))?;
            self.one(self.user_from(&d))
        })
        .await
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(User, SessionRecord)>> {
        let op = "look up a token";
        self.bounded(op, Effect::Read, async {
            let found = self
                .col(SESSIONS)
                .find_one(doc! { "token_hash": token_hash })
                .await
                .map_err(|e| self.db_error(op, e))?;
            let session = match found {
                Some(d) => self.one(self.session_from(&d))?,
                None => match self.adopt_token(token_hash).await? {
                    Some(s) => s,
                    None => return Ok(None),
                },
            };
            // An erased user's sessions are deleted with them; `live` also covers a
            // session made in the moment before.
            let user = self
                .col("users")
                .find_one(live(doc! { "_id": oid(session.user.as_str())? }))
                .await
                .map_err(|e| self.db_error(op, e))?;
            match user {
                Some(d) => Ok(Some((self.one(self.user_from(&d))?, session))),
                None => Ok(None),
            }
        })
        .await
    }

    async fn user_by_phone(&self, phone: &str) -> StoreResult<Option<User>> {
        self.bounded("look up a phone", Effect::Read, async {
            self.col("users")
                .find_one(doc! { "phone": phone })
                .await
                .map_err(|e| self.db_error("look up a phone", e))?
                .map(|d| self.one(self.user_from(&d)))
                .transpose()
        })
        .await
    }

    async fn create_session(&self, session: NewSession) -> StoreResult<()> {
        let op = "open a session";
        self.bounded(op, Effect::Write, async {
            let user = oid(session.user.as_str())?;
            let known = self
                .col("users")
                .count_documents(doc! { "_id": user })
                .await
                .map_err(|e| self.db_error(op, e))?;
            if known == 0 {
                return Err(StoreError::not_found(UserId::KIND, &session.user));
            }
            let d = doc! {
                "_id": oid(session.id.as_str())?,
                "user_id": user,
                "token_hash": &session.token_hash,
                "label": opt_str(&session.label),
                "created_at": date(&session.created_at),
            };
            match self.col(SESSIONS).insert_one(d).await {
                Ok(_) => Ok(()),
                // The same token already has its session (adopted in between).
                Err(e) if duplicate_index(&e).is_some_and(|i| i.starts_with("token_hash")) => {
                    Ok(())
                }
                Err(e) => Err(self.db_error(op, e)),
            }
        })
        .await
    }

    async fn sessions(&self, user: &UserId) -> StoreResult<Vec<SessionRecord>> {
        let op = "list sessions";
        self.bounded(op, Effect::Read, async {
            let cursor = self
                .col(SESSIONS)
                .find(doc! { "user_id": oid(user.as_str())? })
                .sort(doc! { "created_at": 1, "_id": 1 })
                .await
                .map_err(|e| self.db_error(op, e))?;
            let docs = self.all(cursor).await.map_err(|e| self.db_error(op, e))?;
            Ok(self.readable(&docs, |d| self.session_from(d)))
        })
        .await
    }

    async fn touch_session(&self, id: &SessionId, at: Timestamp) -> StoreResult<()> {
        let op = "record a session's use";
        self.bounded(op, Effect::Write, async {
            self.col(SESSIONS)
                .update_one(
                    doc! { "_id": oid(id.as_str())? },
                    doc! { "$set": { "last_used_at": date(&at) } },
                )
                .await
                .map(|_| ())
                .map_err(|e| self.db_error(op, e))
        })
        .await
    }

    async fn revoke_session(&self, user: &UserId, id: &SessionId) -> StoreResult<String> {
        let op = "revoke a session";
        self.bounded(op, Effect::Write, async {
            let user = oid(user.as_str())?;
            let filter = doc! { "_id": oid(id.as_str())?, "user_id": user };
            let found = self
                .col(SESSIONS)
                .find_one(filter.clone())
                .await
                .map_err(|e| self.db_error(op, e))?
                .ok_or_else(|| StoreError::not_found(SessionId::KIND, id))?;
            let hash = found
                .get_str("token_hash")
                .map_err(|_| StoreError::Corrupt(format!("session {id} has no token_hash string")))?
                .to_string();
            // Retire the user's own field first, so the token cannot be adopted again once
            // its session is gone.
            self.col("users")
                .update_one(
                    doc! { "_id": user, "token_hash": &hash },
                    doc! { "$unset": { "token_hash": "" } },
                )
                .await
                .map_err(|e| self.db_error(op, e))?;
            self.col(SESSIONS)
                .delete_one(filter)
                .await
                .map_err(|e| self.db_error(op, e))?;
            Ok(hash)
        })
        .await
    }

    async fn list_users(&self, limit: u32, after: Option<Before>) -> StoreResult<Vec<User>> {
        self.bounded("list users", Effect::Read, async {
            if limit == 0 {
                return Ok(Vec::new());
            }
            let op = "list users";
            let mut filter = live(doc! {});
            if let Some(b) = after {
                filter.extend(page_start("created_at", b)?);
            }
            let docs = self
                .newest_first("users", filter, "created_at", limit)
                .await
                .map_err(|e| self.db_error(op, e))?;
            Ok(self.readable(&docs, |d| self.user_from(d)))
        })
        .await
    }

    async fn set_token_hash(&self, id: &UserId, token_hash: &str) -> StoreResult<()> {
        self.bounded("replace a token", Effect::Write, async {
            match self
                .col("users")
                .update_one(
                    live(doc! { "_id": oid(id.as_str())? }),
                    doc! { "$set": { "token_hash": token_hash } },
                )
                .await
            {
                Ok(r) if r.matched_count == 0 => Err(StoreError::not_found(UserId::KIND, id)),
                Ok(_) => {
                    // After the user's field changed, so no old token is adopted again;
                    // the new one is adopted at its first use.
                    self.col(SESSIONS)
                        .delete_many(doc! { "user_id": oid(id.as_str())? })
                        .await
                        .map(|_| ())
                        .map_err(|e| self.db_error("replace a token", e))
                }
                Err(e) if is_duplicate(&e) => Err(StoreError::Conflict(
                    "that token is already in use; ask for a new one".into(),
                )),
                Err(e) => Err(self.db_error("replace a token", e)),
            }
        })
        .await
    }

    async fn erase_user(&self, id: &UserId, purge: bool, when: Timestamp) -> StoreResult<Erased> {
        self.bounded("erase a user", Effect::Long, async {
            self.erase_steps(id, purge, when)
                .await
                .map_err(|f| self.fail("erase a user", f))
        })
        .await
    }

    async fn set_location(&self, id: &UserId, at: Coordinates, when: Timestamp) -> StoreResult<()> {
        self.bounded("store a location", Effect::Write, async {
            let r = self
                .col("users")
                .update_one(
                    live(doc! { "_id": oid(id.as_str())? }),
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
                .find_one(live(doc! { "_id": oid(id.as_str())? }))
                .projection(doc! { "current_location": 1 })
                .await
                .map_err(|e| self.db_error("read a location", e))?
                .ok_or_else(|| StoreError::not_found(UserId::KIND, id))?;
            self.one(self.reader(&d, "users").coordinates("current_location"))
        })
        .await
    }

    async fn user_collectibles(
        &self,
        id: &UserId,
        limit: u32,
        after: Option<Before>,
    ) -> StoreResult<Vec<UserCollectible>> {
        self.bounded("read a user's collectibles", Effect::Read, async {
            let op = "read an inventory";
            let uid = self
                .user_exists(id.as_str(), None)
                .await
                .map_err(|f| self.fail(op, f))?;
            let cursor = self
                .col("user_collectibles")
                .find(doc! { "user_id": any_ref(uid) })
                .await
                .map_err(|e| self.db_error(op, e))?;
            let mut rows = self.all(cursor).await.map_err(|e| self.db_error(op, e))?;
            self.complete_inventory(&mut rows)
                .await
                .map_err(|e| self.db_error(op, e))?;
            let mut won = self.readable(&rows, |d| self.inventory_from(d));
            // Sorted here rather than by the server: rows of the original backend may
            // have no `claimed_at` of their own (it is derived).
            // Paged here too, for the same reason: an inventory is one person's
            // winnings, read whole at little cost.
            won.sort_by(|a, b| {
                b.claimed_at
                    .cmp(&a.claimed_at)
                    .then_with(|| b.collectible_id.cmp(&a.collectible_id))
            });
            if let Some(b) = after {
                let start = (b.at, b.id.unwrap_or_default());
                won.retain(|c| (c.claimed_at, c.collectible_id.to_string()) < start);
            }
            won.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            Ok(won)
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
            self.one(self.event_from(&created))
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

    async fn list_events(
        &self,
        filter: &EventFilter,
        limit: u32,
        after: Option<Before>,
    ) -> StoreResult<Vec<Event>> {
        self.bounded("list events", Effect::Read, async {
            let op = "list events";
            if limit == 0 {
                return Ok(Vec::new());
            }
            // Each condition its own element: the page start and the time filters are both
            // about `created_at`, and one document cannot hold that key twice.
            let mut all: Vec<Document> = Vec::new();
            if let Some(b) = after {
                all.push(page_start("created_at", b)?);
            }
            match filter.status {
                Some(EventStatus::Active) => all.push(doc! { "status": "active" }),
                Some(EventStatus::Ended) => {
                    all.push(doc! { "status": { "$in": ENDED_STATUSES.to_vec() } })
                }
                None => {}
            }
            if let Some(c) = &filter.category {
                all.push(doc! { "category": c });
            }
            if let Some(u) = &filter.creator {
                all.push(doc! { "creator_id": any_ref(oid(u.as_str())?) });
            }
            if let Some(b) = filter.bbox {
                all.push(doc! {
                    "location.coordinates.0": { "$gte": b.min_lng, "$lte": b.max_lng },
                    "location.coordinates.1": { "$gte": b.min_lat, "$lte": b.max_lat },
                });
            }
            if let Some(t) = &filter.created_after {
                all.push(doc! { "created_at": { "$gt": date(t) } });
            }
            if let Some(t) = &filter.created_before {
                all.push(doc! { "created_at": { "$lt": date(t) } });
            }
            let query = if all.is_empty() {
                doc! {}
            } else {
                doc! { "$and": all }
            };
            let docs = self
                .newest_first("events", query, "created_at", limit)
                .await
                .map_err(|e| self.db_error(op, e))?;
            Ok(self.readable(&docs, |d| self.event_from(d)))
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
                    let event = match self.event_from(d) {
                        Ok(event) => event,
                        Err(damage) => {
                            self.report(&damage);
                            continue;
                        }
                    };
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
                    let creator = m.reader(&d, "events").hex("creator_id").ok();
                    if let Some(creator) = creator.and_then(|c| ObjectId::parse_str(c).ok()) {
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
                        .find(doc! { "event_id": any_ref(e) })
                        .session(&mut *s)
                        .await?;
                    while let Some(row) = cursor.next(&mut *s).await.transpose()? {
                        let user = m.reader(&row, "user_collectibles").hex("user_id").ok();
                        if let Some(u) = user.and_then(|u| ObjectId::parse_str(u).ok()) {
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
                            .delete_many(doc! { "event_id": any_ref(e) })
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
                            doc! { "event_id": any_ref(e), "is_active": true },
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
                        match m.reader(&p, "participants").id::<UserId>("user_id") {
                            Ok(u) => left.push(u),
                            Err(damage) => m.report(&damage),
                        }
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
                let events = self.readable(&rows, |row| {
                    self.reader(row, "participants").id::<EventId>("event_id")
                });
                for event in events {
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

    async fn participants_page(
        &self,
        event: &EventId,
        limit: u32,
        after: Option<Before>,
    ) -> StoreResult<Vec<Participant>> {
        self.bounded("list participants", Effect::Read, async {
            let step = async {
                let (e, _) = self.event_state(event.as_str(), None).await?;
                if limit == 0 {
                    return Ok(Vec::new());
                }
                let mut filter = doc! { "event_id": e };
                if let Some(b) = after {
                    let at = date(&b.at);
                    filter.insert(
                        "$or",
                        match b.id {
                            Some(id) => vec![
                                doc! { "joined_at": { "$gt": at } },
                                doc! { "joined_at": at, "user_id": { "$gt": oid(&id)? } },
                            ],
                            None => vec![doc! { "joined_at": { "$gt": at } }],
                        },
                    );
                }
                let rows = self
                    .all(
                        self.col("participants")
                            .find(filter)
                            .sort(doc! { "joined_at": 1, "user_id": 1 })
                            .limit(limit_of(limit))
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
                    names.extend(self.readable(&users, |u| {
                        let r = self.reader(u, "users");
                        Ok((r.hex("_id")?, r.string("name")?))
                    }));
                }
                let rows = self.readable(&rows, |row| {
                    let r = self.reader(row, "participants");
                    Ok((r.id::<UserId>("user_id")?, r.time("joined_at")?))
                });
                // A participant whose user row is gone (deleted by hand) or cannot be read
                // is skipped, as the SQLite join does.
                Ok(rows
                    .into_iter()
                    .filter_map(|(user_id, joined_at)| {
                        let name = names.get(user_id.as_str())?.clone();
                        Some(Participant {
                            name,
                            joined_at,
                            user_id,
                        })
                    })
                    .collect())
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
            Ok(self.readable(&docs, |d| self.reader(d, "events").id("_id")))
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
                let expires = date(&crate::store::lease_expiry(now, ttl));
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
                let expires = date(&crate::store::lease_expiry(now, ttl));
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

    async fn hold_rooms(&self, user: &UserId, until: Timestamp) -> StoreResult<()> {
        self.bounded("hold a user's rooms", Effect::Write, async {
            let step = async {
                let holds = self.col(ROOM_HOLDS);
                let filter = doc! { "_id": oid(user.as_str())? };
                let set = doc! { "$set": { "until": date(&until) } };
                match holds
                    .update_one(filter.clone(), set.clone())
                    .upsert(true)
                    .await
                {
                    Ok(_) => Ok(()),
                    // Two upserts of one hold at once: the other inserted it; set it now.
                    Err(e) if is_duplicate(&e) => {
                        holds.update_one(filter, set).await?;
                        Ok(())
                    }
                    Err(e) => Err(e.into()),
                }
            };
            step.await.map_err(|f| self.fail("hold a user's rooms", f))
        })
        .await
    }

    async fn resume_rooms(&self, user: &UserId) -> StoreResult<bool> {
        self.bounded("resume a user's rooms", Effect::Write, async {
            let step = async {
                let gone = self
                    .col(ROOM_HOLDS)
                    .delete_one(doc! { "_id": oid(user.as_str())? })
                    .await?;
                Ok(gone.deleted_count > 0)
            };
            step.await
                .map_err(|f| self.fail("resume a user's rooms", f))
        })
        .await
    }

    async fn end_expired_room_holds(&self, now: Timestamp) -> StoreResult<Vec<UserId>> {
        self.bounded("end expired room holds", Effect::Write, async {
            let step = async {
                let holds = self.col(ROOM_HOLDS);
                let expired = self
                    .all(
                        holds
                            .find(doc! { "until": { "$lte": date(&now) } })
                            .sort(doc! { "until": 1, "_id": 1 })
                            .limit(HOLDS_PER_SWEEP)
                            .await?,
                    )
                    .await?;
                let mut gone = Vec::new();
                for hold in expired {
                    let (Ok(u), Ok(until)) =
                        (hold.get_object_id("_id"), hold.get_datetime("until"))
                    else {
                        continue;
                    };
                    // Whichever daemon deletes the hold ends it; the others see 0 deleted.
                    let ended = holds
                        .delete_one(doc! { "_id": u, "until": *until })
                        .await?
                        .deleted_count
                        > 0;
                    if !ended {
                        continue;
                    }
                    let back = self
                        .col(CONNECTION_LEASES)
                        .find_one(doc! { "user_id": u, "expires_at": { "$gt": date(&now) } })
                        .projection(doc! { "_id": 1 })
                        .await?
                        .is_some();
                    if !back {
                        gone.push(
                            UserId::parse(&u.to_hex())
                                .map_err(|e| StoreError::Corrupt(format!("room hold {u}: {e}")))?,
                        );
                    }
                }
                Ok(gone)
            };
            step.await
                .map_err(|f| self.fail("end expired room holds", f))
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
                "expires_at": date(&crate::store::lease_expiry(now, ttl)),
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
                    .newest_first("messages", filter, "timestamp", limit)
                    .await?;
                Ok(self.readable(&docs, |d| self.message_from(d)))
            };
            step.await.map_err(|f| self.fail("read chat messages", f))
        })
        .await
    }

    async fn delete_message(
        &self,
        event: &EventId,
        id: &MessageId,
        author: Option<&UserId>,
    ) -> StoreResult<MessageRemoval> {
        self.bounded("delete a chat message", Effect::Write, async {
            let step = async {
                let (e, _) = self.event_state(event.as_str(), None).await?;
                let o = oid(id.as_str())?;
                let gone = || StoreError::not_found(MessageId::KIND, id);
                let mut filter = doc! { "_id": o, "event_id": e };
                let d = self
                    .col("messages")
                    .find_one(filter.clone())
                    .await?
                    .ok_or_else(gone)?;
                let message = self.one(self.message_from(&d))?;
                if author.is_some_and(|a| *a != message.user_id) {
                    return Ok(MessageRemoval::NotAuthor);
                }
                // Removed only while it still has the author just checked (a read and a
                // delete, not a transaction): a message that changed hands or was removed
                // meanwhile is not removed by this call.
                filter.insert("user_id", d.get("user_id").cloned().unwrap_or(Bson::Null));
                let removed = self.col("messages").delete_one(filter).await?;
                if removed.deleted_count == 0 {
                    return Err(gone().into());
                }
                Ok(MessageRemoval::Removed(message))
            };
            step.await
                .map_err(|f| self.fail("delete a chat message", f))
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
            self.one(self.collectible_from(&d))
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
                                "event_id": any_ref(e),
                                "is_active": true,
                                "claimed_by": Bson::Null,
                                "expires_at": { "$gt": date(&now) },
                            })
                            .sort(doc! { "dropped_at": -1, "_id": -1 })
                            .await?,
                    )
                    .await?;
                Ok(self.readable(&docs, |d| self.collectible_from(d)))
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
            // The single-winner rule (docs/API.md: "Exactly one claim of a collectible
            // wins"): the filter matches only an unclaimed, active, unexpired collectible,
            // and findOneAndUpdate is atomic on one document, so of any number of concurrent
            // claimers, on any number of daemons, exactly one matches.
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
                        let c = self.one(self.collectible_from(&d))?;
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
                let mut filter = doc! { "event_id": any_ref(e) };
                if let Some(b) = before {
                    filter.extend(page_start("created_at", b)?);
                }
                // Case-insensitive beyond ASCII, like SQLite: both sides lower-cased by Rust,
                // the query matched literally.
                // Segments of the original backend have no `text_folded`: their `text` is
                // matched case-insensitively by the server instead.
                if let Some(q) = query.filter(|q| !q.is_empty()) {
                    let re = literal_regex(&q.to_lowercase());
                    filter.insert(
                        "$and",
                        vec![doc! { "$or": [
                            { "text_folded": { "$regex": &re } },
                            {
                                "text_folded": { "$exists": false },
                                "text": { "$regex": &re, "$options": "i" },
                            },
                        ] }],
                    );
                }
                let docs = self
                    .newest_first("transcriptions", filter, "created_at", limit)
                    .await?;
                Ok(self.readable(&docs, |d| self.transcription_from(d)))
            };
            step.await
                .map_err(|f| self.fail("read transcript segments", f))
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
