//! Documents to models and back: how ids, times and positions are stored, the document
//! of a new event, history-page filters, and a reader that turns a stored document into a
//! model with a sentence naming the damaged field.
//!
//! # Documents of the original backend
//! The Python MVP wrote the same collections with fewer fields (its README's "MongoDB
//! Schema": a user is `_id, phone, name, stats, current_location`; an event `_id, title,
//! category, creator_id, location, room, status`). Reading takes them as they are, so an
//! operator can point `cpld` at that database (docs/API.md, "Data from the original
//! backend"): a missing creation time is the `_id`'s (an ObjectId holds the second it was
//! made), missing counters are 0, missing optional fields are absent, references may be
//! ObjectIds or their hex strings, times may be BSON dates or ISO 8601 strings. What is
//! present but cannot be read is a [`Damage`]: lists skip the document, a single read
//! answers with its sentence.

use citypulse::geo::Coordinates;
use citypulse::ids::{MessageId, TranscriptId};
use citypulse::model::{
    ChatMessage, Collectible, Event, EventRoom, EventStatus, Rarity, Transcription, User,
    UserCollectible, UserStats,
};
use citypulse::time::Timestamp;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{doc, Bson, DateTime as BsonDate, Document};

use super::{Fail, MongoStore};
use crate::store::{Before, NewEvent, StoreError};

pub(super) fn oid(id: &str) -> Result<ObjectId, StoreError> {
    ObjectId::parse_str(id).map_err(|e| {
        StoreError::Corrupt(format!(
            "{id} is not an ObjectId ({e}); ids are 24 hex digits"
        ))
    })
}

pub(super) fn date(t: &Timestamp) -> BsonDate {
    BsonDate::from_millis(t.timestamp_millis())
}

pub(super) fn opt_date(t: &Option<Timestamp>) -> Bson {
    t.as_ref().map_or(Bson::Null, |t| Bson::DateTime(date(t)))
}

pub(super) fn opt_str(s: &Option<String>) -> Bson {
    s.as_ref().map_or(Bson::Null, |s| Bson::String(s.clone()))
}

/// The stored document of a new (active) event.
pub(super) fn event_doc(event: &NewEvent) -> Result<Document, StoreError> {
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

pub(super) fn point(c: &Coordinates) -> Document {
    doc! { "type": "Point", "coordinates": [c.lng(), c.lat()] }
}

/// Counts are stored as 64-bit integers.
pub(super) fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `limit` for the driver, where 0 would mean "no limit".
pub(super) fn limit_of(limit: u32) -> i64 {
    i64::from(limit)
}

/// The filter of a history page starting after `before` in the newest-first order of
/// `field`, then `_id` (the order both history reads sort by).
pub(super) fn page_start(field: &str, before: Before) -> Result<Document, StoreError> {
    let at = date(&before.at);
    Ok(match before.id {
        None => doc! { field: { "$lt": at } },
        Some(id) => doc! { "$or": [
            { field: { "$lt": at } },
            { field: at, "_id": { "$lt": oid(&id)? } },
        ] },
    })
}

/// A filter value matching a reference stored either as an ObjectId (ours) or as its hex
/// string (the original backend stored some ids as strings).
pub(super) fn any_ref(o: ObjectId) -> Document {
    doc! { "$in": [o, o.to_hex()] }
}

/// A regular expression that matches `text` literally (PCRE and Python `re` alike).
pub(super) fn literal_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for ch in text.chars() {
        if "\\^$.|?*+()[]{}".contains(ch) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// A stored document that cannot be read: which one, which field, and the sentence.
#[derive(Debug, Clone)]
pub(super) struct Damage {
    pub(super) collection: &'static str,
    pub(super) id: String,
    pub(super) field: String,
    pub(super) sentence: String,
}

impl From<Damage> for StoreError {
    fn from(d: Damage) -> Self {
        StoreError::Corrupt(d.sentence)
    }
}

impl From<Damage> for Fail {
    fn from(d: Damage) -> Self {
        Fail::Store(d.into())
    }
}

/// Event statuses the original backend may have written for an event that is over.
pub(super) const ENDED_STATUSES: [&str; 7] = [
    "ended",
    "finished",
    "completed",
    "closed",
    "cancelled",
    "canceled",
    "inactive",
];

/// Reads typed fields out of a stored document, with sentences for damaged ones.
pub(super) struct Reader<'a> {
    doc: &'a Document,
    collection: &'static str,
    shown: &'a str,
}

impl<'a> Reader<'a> {
    /// The document's `_id` as shown in sentences.
    fn shown_id(&self) -> String {
        match self.doc.get("_id") {
            Some(Bson::ObjectId(o)) => o.to_hex(),
            Some(Bson::String(s)) => s.chars().take(64).collect(),
            Some(other) => other.to_string().chars().take(64).collect(),
            None => "without _id".into(),
        }
    }

    pub(super) fn bad(&self, field: &str, what: &str) -> Damage {
        let id = self.shown_id();
        Damage {
            collection: self.collection,
            field: field.to_string(),
            sentence: format!(
                "the MongoDB {} holds a document {id} in {} whose field {field} {what}; it was \
                 changed by hand or by another program; repair that field",
                self.shown, self.collection
            ),
            id,
        }
    }

    pub(super) fn get(&self, field: &str) -> Option<&'a Bson> {
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

    /// The first of `fields` that is present (the original backend's names come after
    /// ours), or the first name when none is.
    fn first_of<'f>(&self, fields: &[&'f str]) -> &'f str {
        fields
            .iter()
            .copied()
            .find(|f| self.get(f).is_some())
            .or_else(|| fields.first().copied())
            .unwrap_or("")
    }

    pub(super) fn hex(&self, field: &str) -> Result<String, Damage> {
        match self.get(field) {
            Some(Bson::ObjectId(o)) => Ok(o.to_hex()),
            Some(Bson::String(s)) if ObjectId::parse_str(s).is_ok() => Ok(s.to_ascii_lowercase()),
            Some(_) => Err(self.bad(field, "is not an ObjectId")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    pub(super) fn id<T: std::str::FromStr<Err = citypulse::ids::InvalidId>>(
        &self,
        field: &str,
    ) -> Result<T, Damage> {
        self.hex(field)?
            .parse()
            .map_err(|e| self.bad(field, &format!("is not an id ({e})")))
    }

    pub(super) fn opt_id<T: std::str::FromStr<Err = citypulse::ids::InvalidId>>(
        &self,
        field: &str,
    ) -> Result<Option<T>, Damage> {
        match self.get(field) {
            None => Ok(None),
            Some(_) => self.id(field).map(Some),
        }
    }

    pub(super) fn string(&self, field: &str) -> Result<String, Damage> {
        match self.get(field) {
            Some(Bson::String(s)) => Ok(s.clone()),
            Some(_) => Err(self.bad(field, "is not a string")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    pub(super) fn opt_string(&self, field: &str) -> Result<Option<String>, Damage> {
        match self.get(field) {
            None => Ok(None),
            Some(_) => self.string(field).map(Some),
        }
    }

    /// A time: a BSON date, or an ISO 8601 string as Python's `isoformat()` writes it
    /// (with an offset, or without one meaning UTC).
    pub(super) fn time(&self, field: &str) -> Result<Timestamp, Damage> {
        let millis = match self.get(field) {
            Some(Bson::DateTime(d)) => d.timestamp_millis(),
            Some(Bson::String(s)) => iso_millis(s)
                .ok_or_else(|| self.bad(field, "is a string that is not an ISO 8601 time"))?,
            Some(_) => return Err(self.bad(field, "is not a date")),
            None => return Err(self.bad(field, "is missing")),
        };
        chrono::DateTime::from_timestamp_millis(millis)
            .ok_or_else(|| self.bad(field, "is out of range"))
    }

    pub(super) fn opt_time(&self, field: &str) -> Result<Option<Timestamp>, Damage> {
        match self.get(field) {
            None => Ok(None),
            Some(_) => self.time(field).map(Some),
        }
    }

    /// The first of `fields` that is present, as a time; when none is, the second the
    /// document's ObjectId `_id` was made (documents of the original backend carry no
    /// creation time).
    pub(super) fn time_or_id(&self, fields: &[&str]) -> Result<Timestamp, Damage> {
        let field = self.first_of(fields);
        if self.get(field).is_some() {
            return self.time(field);
        }
        match self.doc.get("_id") {
            Some(Bson::ObjectId(o)) => {
                chrono::DateTime::from_timestamp_millis(o.timestamp().timestamp_millis())
                    .ok_or_else(|| self.bad(field, "is missing"))
            }
            _ => Err(self.bad(
                field,
                "is missing (and _id is not an ObjectId to take it from)",
            )),
        }
    }

    pub(super) fn int(&self, field: &str) -> Result<i64, Damage> {
        match self.get(field) {
            Some(Bson::Int32(n)) => Ok(i64::from(*n)),
            Some(Bson::Int64(n)) => Ok(*n),
            Some(Bson::Double(f)) if f.fract() == 0.0 && f.is_finite() => Ok(*f as i64),
            Some(_) => Err(self.bad(field, "is not an integer")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    /// A counter; missing means 0 (documents written by the original backend).
    pub(super) fn counter(&self, field: &str) -> Result<u64, Damage> {
        match self.get(field) {
            None => Ok(0),
            Some(_) => Ok(u64::try_from(self.int(field)?.max(0)).unwrap_or(0)),
        }
    }

    pub(super) fn float(&self, field: &str) -> Result<f64, Damage> {
        match self.get(field) {
            Some(Bson::Double(f)) => Ok(*f),
            Some(Bson::Int32(n)) => Ok(f64::from(*n)),
            Some(Bson::Int64(n)) => Ok(*n as f64),
            Some(_) => Err(self.bad(field, "is not a number")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    /// A number that the original backend may have left out: missing means 0.
    fn float_or_zero(&self, field: &str) -> Result<f64, Damage> {
        match self.get(field) {
            None => Ok(0.0),
            Some(_) => self.float(field),
        }
    }

    pub(super) fn boolean(&self, field: &str) -> Result<bool, Damage> {
        match self.get(field) {
            Some(Bson::Boolean(b)) => Ok(*b),
            Some(_) => Err(self.bad(field, "is not a boolean")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    pub(super) fn coordinates(&self, field: &str) -> Result<Option<Coordinates>, Damage> {
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

    /// A rarity (any case); missing means common, the original's commonest.
    pub(super) fn rarity(&self, field: &str) -> Result<Rarity, Damage> {
        let Some(s) = self.opt_string(field)? else {
            return Ok(Rarity::Common);
        };
        Rarity::parse(&s.to_ascii_lowercase())
            .ok_or_else(|| self.bad(field, &format!("holds {s:?}, not a rarity")))
    }

    /// Points; missing means the rarity's default points.
    pub(super) fn points(&self, field: &str, rarity: Rarity) -> Result<u32, Damage> {
        match self.get(field) {
            None => Ok(rarity.default_points()),
            Some(_) => {
                u32::try_from(self.int(field)?).map_err(|_| self.bad(field, "is out of range"))
            }
        }
    }
}

/// Milliseconds since the epoch of an ISO 8601 time as Python writes it: RFC 3339, or
/// without an offset (then UTC, as PyMongo takes naive datetimes), `T` or a space between
/// date and time.
fn iso_millis(s: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc().timestamp_millis())
}

impl MongoStore {
    pub(super) fn reader<'a>(&'a self, doc: &'a Document, collection: &'static str) -> Reader<'a> {
        Reader {
            doc,
            collection,
            shown: &self.shown,
        }
    }

    /// Names a damaged document in the log and counts it in `/metrics`, once per document
    /// per run.
    pub(super) fn report(&self, d: &Damage) {
        if self.damaged.record(d.collection, &d.id) {
            tracing::warn!(
                collection = d.collection,
                id = %d.id,
                field = %d.field,
                "{}; it is left out of every list until it is repaired",
                d.sentence
            );
        }
    }

    /// The one document of a single read, or the sentence naming why it cannot be read.
    pub(super) fn one<T>(&self, read: Result<T, Damage>) -> Result<T, StoreError> {
        read.map_err(|d| {
            self.report(&d);
            d.into()
        })
    }

    /// The documents of a list that can be read; the others are reported and skipped, so
    /// one damaged document never fails a whole list.
    pub(super) fn readable<T>(
        &self,
        docs: &[Document],
        read: impl Fn(&Document) -> Result<T, Damage>,
    ) -> Vec<T> {
        docs.iter()
            .filter_map(|d| read(d).map_err(|e| self.report(&e)).ok())
            .collect()
    }

    pub(super) fn user_from(&self, d: &Document) -> Result<User, Damage> {
        let r = self.reader(d, "users");
        Ok(User {
            id: r.id("_id")?,
            name: r.string("name")?,
            phone: r.opt_string("phone")?,
            stats: UserStats {
                events_created: r.counter("stats.events_created")?,
                events_attended: r.counter("stats.events_attended")?,
                collectibles_count: r.counter("stats.collectibles_count")?,
            },
            created_at: r.time_or_id(&["created_at"])?,
        })
    }

    pub(super) fn event_from(&self, d: &Document) -> Result<Event, Damage> {
        let r = self.reader(d, "events");
        let status = match r.string("status")?.as_str() {
            "active" => EventStatus::Active,
            s if ENDED_STATUSES.contains(&s) => EventStatus::Ended,
            other => return Err(r.bad("status", &format!("holds {other:?}, not active/ended"))),
        };
        let location = r
            .coordinates("location")?
            .ok_or_else(|| r.bad("location", "is missing"))?;
        // The original kept the Daily room under `room`; a top-level `room_url` (what its
        // create answer called it) is taken too.
        let url = r.opt_string(r.first_of(&["room.daily_room_url", "room_url"]))?;
        let address = r.opt_string(r.first_of(&["address", "location.address"]))?;
        Ok(Event {
            id: r.id("_id")?,
            title: r.string("title")?,
            description: r.opt_string("description")?,
            category: r.string("category")?,
            creator_id: r.id("creator_id")?,
            location: location.into(),
            address,
            status,
            room: EventRoom {
                daily_room_name: r
                    .opt_string(r.first_of(&["room.daily_room_name", "room_name"]))?,
                daily_room_url: url.clone(),
                current_participants: r.counter("room.current_participants")?,
            },
            room_url: url,
            starts_at: r.opt_time(r.first_of(&["starts_at", "start_time"]))?,
            ends_at: r.opt_time(r.first_of(&["ends_at", "end_time"]))?,
            created_at: r.time_or_id(&["created_at"])?,
            ended_at: r.opt_time("ended_at")?,
        })
    }

    pub(super) fn collectible_from(&self, d: &Document) -> Result<Collectible, Damage> {
        let r = self.reader(d, "collectibles");
        let rarity = r.rarity("rarity")?;
        let dropped_at = r.time_or_id(&["dropped_at", "created_at"])?;
        Ok(Collectible {
            id: r.id("_id")?,
            event_id: r.id("event_id")?,
            name: r.string(r.first_of(&["name", "type"]))?,
            rarity,
            points: r.points("points", rarity)?,
            dropped_at,
            // Without an expiry it was never claimable: expired when it dropped.
            expires_at: r.opt_time("expires_at")?.unwrap_or(dropped_at),
            claimed_by: r.opt_id("claimed_by")?,
            claimed_at: r.opt_time("claimed_at")?,
            // The original's claim filter needs `is_active: true`; missing is not active.
            is_active: match r.get("is_active") {
                None => false,
                Some(_) => r.boolean("is_active")?,
            },
        })
    }

    /// An inventory row (completed from its collectible by `complete_inventory` where it
    /// is a row of the original backend).
    pub(super) fn inventory_from(&self, d: &Document) -> Result<UserCollectible, Damage> {
        let r = self.reader(d, "user_collectibles");
        let rarity = r.rarity("rarity")?;
        Ok(UserCollectible {
            collectible_id: r.id("collectible_id")?,
            name: r.string(r.first_of(&["name", "type"]))?,
            rarity,
            points: r.points("points", rarity)?,
            event_id: r.id("event_id")?,
            claimed_at: r.time_or_id(&[
                "claimed_at",
                "collected_at",
                "obtained_at",
                "created_at",
            ])?,
        })
    }

    pub(super) fn message_from(&self, d: &Document) -> Result<ChatMessage, Damage> {
        let r = self.reader(d, "messages");
        Ok(ChatMessage {
            id: r.id::<MessageId>("_id")?,
            event_id: r.id("event_id")?,
            user_id: r.id("user_id")?,
            name: r.string("name")?,
            message: r.string("message")?,
            timestamp: r.time_or_id(&["timestamp", "created_at"])?,
        })
    }

    pub(super) fn transcription_from(&self, d: &Document) -> Result<Transcription, Damage> {
        let r = self.reader(d, "transcriptions");
        let words = match d.get("words") {
            None | Some(Bson::Null) => Vec::new(),
            Some(w) => mongodb::bson::from_bson(w.clone())
                .map_err(|e| r.bad("words", &format!("cannot be read ({e})")))?,
        };
        Ok(Transcription {
            id: r.id::<TranscriptId>("_id")?,
            event_id: r.id("event_id")?,
            speaker_id: r.id(r.first_of(&["speaker_id", "user_id"]))?,
            text: r.string(r.first_of(&["text", "transcript"]))?,
            confidence: r.float_or_zero("confidence")?,
            start: r.float_or_zero("start")?,
            duration: r.float_or_zero("duration")?,
            words,
            created_at: r.time_or_id(&["created_at", "timestamp"])?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::options::ClientOptions;
    use std::sync::Arc;

    /// A store that never connects (the mapping needs only its name and tally).
    async fn store() -> MongoStore {
        let options = ClientOptions::parse("mongodb://127.0.0.1:9/")
            .await
            .unwrap();
        let client = mongodb::Client::with_options(options).unwrap();
        MongoStore {
            db: client.database("t"),
            client,
            shown: "database t at 127.0.0.1:9".into(),
            userinfo: None,
            transactions: false,
            damaged: Arc::default(),
        }
    }

    fn made(o: ObjectId) -> Timestamp {
        chrono::DateTime::from_timestamp_millis(o.timestamp().timestamp_millis()).unwrap()
    }

    fn point(lng: f64, lat: f64) -> Document {
        doc! { "type": "Point", "coordinates": [lng, lat] }
    }

    #[tokio::test]
    async fn a_user_of_the_original_backend_reads_as_it_is() {
        let s = store().await;
        let o = ObjectId::new();
        let u = s
            .user_from(&doc! {
                "_id": o,
                "phone": "+573001234567",
                "name": "Juan Pérez",
                "stats": { "events_created": 2, "events_attended": 0, "collectibles_count": 1.0 },
                "current_location": point(-74.0721, 4.7110),
            })
            .unwrap();
        assert_eq!(u.id.as_str(), o.to_hex());
        assert_eq!(u.phone.as_deref(), Some("+573001234567"));
        assert_eq!(
            (
                u.stats.events_created,
                u.stats.events_attended,
                u.stats.collectibles_count
            ),
            (2, 0, 1)
        );
        assert_eq!(u.created_at, made(o));
        // No stats, no location, no phone: zeros and absences.
        let bare = s
            .user_from(&doc! { "_id": o, "name": "Ana", "stats": null })
            .unwrap();
        assert_eq!((bare.stats, bare.phone), (UserStats::default(), None));
        let d = doc! { "_id": o, "name": "Ana" };
        assert_eq!(
            s.reader(&d, "users")
                .coordinates("current_location")
                .unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn an_event_of_the_original_backend_reads_as_it_is() {
        let s = store().await;
        let (o, creator) = (ObjectId::new(), ObjectId::new());
        let readme = doc! {
            "_id": o,
            "title": "Concierto en la 93",
            "category": "entretenimiento",
            "creator_id": creator,
            "location": point(-74.0721, 4.7110),
            "room": {
                "daily_room_name": "citypulse-event-123",
                "daily_room_url": "https://x.daily.co/citypulse-event-123",
                "current_participants": 5,
            },
            "status": "active",
        };
        let e = s.event_from(&readme).unwrap();
        assert_eq!(e.creator_id.as_str(), creator.to_hex());
        assert_eq!(e.status, EventStatus::Active);
        assert_eq!(
            e.room_url.as_deref(),
            Some("https://x.daily.co/citypulse-event-123")
        );
        assert_eq!(e.room.daily_room_url, e.room_url);
        assert_eq!(
            e.room.daily_room_name.as_deref(),
            Some("citypulse-event-123")
        );
        assert_eq!(e.room.current_participants, 5);
        assert_eq!(e.created_at, made(o));
        assert_eq!(
            (e.description, e.address, e.starts_at, e.ended_at),
            (None, None, None, None)
        );
        // The creator as a hex string, no room, an address and a top-level room_url, a
        // finished status, an ISO start time.
        let mut other = readme.clone();
        other.insert("creator_id", creator.to_hex().to_uppercase());
        other.remove("room");
        other.insert("room_url", "https://x.daily.co/r");
        other.insert("address", "Carrera 15 #93-50");
        other.insert("status", "completed");
        other.insert("start_time", "2025-10-01T20:00:00+00:00");
        let e = s.event_from(&other).unwrap();
        assert_eq!(e.creator_id.as_str(), creator.to_hex());
        assert_eq!(e.room_url.as_deref(), Some("https://x.daily.co/r"));
        assert_eq!(
            (e.room.daily_room_name, e.room.current_participants),
            (None, 0)
        );
        assert_eq!(e.address.as_deref(), Some("Carrera 15 #93-50"));
        assert_eq!(e.status, EventStatus::Ended);
        assert_eq!(
            e.starts_at.map(|t| citypulse::time::format(&t)).as_deref(),
            Some("2025-10-01T20:00:00.000Z")
        );
    }

    #[tokio::test]
    async fn collectibles_inventory_and_transcripts_of_the_original_backend_read() {
        let s = store().await;
        let (o, event, user) = (ObjectId::new(), ObjectId::new(), ObjectId::new());
        let c = s
            .collectible_from(&doc! {
                "_id": o,
                "event_id": event.to_hex(),
                "name": "Orquídea",
                "rarity": "Legendary",
                "claimed_by": user.to_hex(),
                "is_active": false,
                "expires_at": BsonDate::from_millis(1_700_000_000_000),
            })
            .unwrap();
        assert_eq!(c.event_id.as_str(), event.to_hex());
        assert_eq!(
            (c.rarity, c.points),
            (Rarity::Legendary, Rarity::Legendary.default_points())
        );
        assert_eq!(c.dropped_at, made(o));
        assert_eq!(c.claimed_by.map(|u| u.to_string()), Some(user.to_hex()));
        assert_eq!((c.claimed_at, c.is_active), (None, false));
        // Without rarity or an activity flag: common, not active.
        let plain = s
            .collectible_from(&doc! { "_id": o, "event_id": event, "name": "x" })
            .unwrap();
        assert_eq!((plain.rarity, plain.is_active), (Rarity::Common, false));
        assert_eq!(plain.expires_at, plain.dropped_at);

        let row = s
            .inventory_from(&doc! {
                "_id": ObjectId::new(), "user_id": user, "collectible_id": o,
                "name": "Orquídea", "event_id": event, "collected_at": "2025-10-01 20:00:00",
            })
            .unwrap();
        assert_eq!((row.rarity, row.points), (Rarity::Common, 10));
        assert_eq!(
            citypulse::time::format(&row.claimed_at),
            "2025-10-01T20:00:00.000Z"
        );

        let t = s
            .transcription_from(&doc! {
                "_id": o, "event_id": event, "user_id": user, "text": "hola",
                "timestamp": BsonDate::from_millis(1_700_000_000_123),
            })
            .unwrap();
        assert_eq!(t.speaker_id.as_str(), user.to_hex());
        assert_eq!((t.confidence, t.start, t.duration), (0.0, 0.0, 0.0));
        assert_eq!(t.created_at.timestamp_millis(), 1_700_000_000_123);
    }

    #[tokio::test]
    async fn a_damaged_document_is_named_skipped_and_counted_once() {
        let s = store().await;
        let (good, bad) = (ObjectId::new(), ObjectId::new());
        let event = |id: ObjectId, location: Bson| {
            doc! {
                "_id": id, "title": "t", "category": "c", "creator_id": id,
                "location": location, "status": "active",
            }
        };
        let docs = vec![
            event(good, Bson::Document(point(1.0, 2.0))),
            event(bad, Bson::String("Bogotá".into())),
        ];
        let damage = s.event_from(&docs[1]).unwrap_err();
        assert_eq!(
            (damage.collection, damage.id.as_str(), damage.field.as_str()),
            ("events", bad.to_hex().as_str(), "location")
        );
        for part in [
            "events",
            &bad.to_hex(),
            "location",
            "not a GeoJSON point",
            "database t",
        ] {
            assert!(
                damage.sentence.contains(part),
                "{part:?}: {}",
                damage.sentence
            );
        }
        for _ in 0..3 {
            let read = s.readable(&docs, |d| s.event_from(d));
            assert_eq!(read.len(), 1);
            assert_eq!(read[0].id.as_str(), good.to_hex());
        }
        let one = s.one(s.event_from(&docs[1])).unwrap_err();
        assert!(
            matches!(&one, StoreError::Corrupt(m) if m.contains(&bad.to_hex())),
            "{one}"
        );
        assert_eq!(s.damaged.counts(), vec![("events".to_string(), 1)]);

        // Wrong types elsewhere are damage too, never a guess.
        let wrong = [
            ("status", Bson::String("paused".into())),
            ("creator_id", Bson::String("test-user-123".into())),
            ("created_at", Bson::Boolean(true)),
            (
                "room",
                Bson::Document(doc! { "current_participants": "five" }),
            ),
        ];
        for (field, value) in wrong {
            let mut d = docs[0].clone();
            d.insert(field, value);
            let damage = s.event_from(&d).unwrap_err();
            assert!(
                damage.field.starts_with(field),
                "{field}: {}",
                damage.sentence
            );
        }
    }

    #[test]
    fn iso_times_as_python_writes_them() {
        assert_eq!(
            iso_millis("2025-10-01T20:15:00.250000"),
            Some(1_759_349_700_250)
        );
        assert_eq!(
            iso_millis("2025-10-01 20:15:00.250"),
            Some(1_759_349_700_250)
        );
        assert_eq!(
            iso_millis("2025-10-01T15:15:00.25-05:00"),
            Some(1_759_349_700_250)
        );
        assert_eq!(iso_millis("2025-10-01T20:15:00Z"), Some(1_759_349_700_000));
        assert_eq!(iso_millis("yesterday"), None);
    }

    #[test]
    fn references_match_both_ways_they_are_stored() {
        let o = ObjectId::new();
        assert_eq!(any_ref(o), doc! { "$in": [o, o.to_hex()] });
    }

    #[test]
    fn regex_takes_the_query_literally() {
        assert_eq!(literal_regex("100%"), "100%");
        assert_eq!(literal_regex("a.b*(c)"), "a\\.b\\*\\(c\\)");
        assert_eq!(literal_regex("está"), "está");
    }
}
