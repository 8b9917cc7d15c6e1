//! Documents to models and back: how ids, times and positions are stored, the document
//! of a new event, history-page filters, and a reader that turns a stored document into a
//! model with a sentence naming the damaged field.

use citypulse::geo::Coordinates;
use citypulse::ids::{MessageId, TranscriptId, UserId};
use citypulse::model::{
    ChatMessage, Collectible, Event, EventRoom, EventStatus, Rarity, Transcription, User,
    UserCollectible, UserStats,
};
use citypulse::time::Timestamp;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{doc, Bson, DateTime as BsonDate, Document};

use super::MongoStore;
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

/// Reads typed fields out of a stored document, with sentences for damaged ones.
pub(super) struct Reader<'a> {
    doc: &'a Document,
    collection: &'static str,
    shown: &'a str,
}

impl<'a> Reader<'a> {
    pub(super) fn bad(&self, field: &str, what: &str) -> StoreError {
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

    pub(super) fn hex(&self, field: &str) -> Result<String, StoreError> {
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
    ) -> Result<T, StoreError> {
        self.hex(field)?
            .parse()
            .map_err(|e| self.bad(field, &format!("is not an id ({e})")))
    }

    pub(super) fn opt_id<T: std::str::FromStr<Err = citypulse::ids::InvalidId>>(
        &self,
        field: &str,
    ) -> Result<Option<T>, StoreError> {
        match self.get(field) {
            None => Ok(None),
            Some(_) => self.id(field).map(Some),
        }
    }

    pub(super) fn string(&self, field: &str) -> Result<String, StoreError> {
        match self.get(field) {
            Some(Bson::String(s)) => Ok(s.clone()),
            Some(_) => Err(self.bad(field, "is not a string")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    pub(super) fn opt_string(&self, field: &str) -> Result<Option<String>, StoreError> {
        match self.get(field) {
            None => Ok(None),
            Some(_) => self.string(field).map(Some),
        }
    }

    pub(super) fn time(&self, field: &str) -> Result<Timestamp, StoreError> {
        match self.get(field) {
            Some(Bson::DateTime(d)) => {
                chrono::DateTime::from_timestamp_millis(d.timestamp_millis())
                    .ok_or_else(|| self.bad(field, "is out of range"))
            }
            Some(_) => Err(self.bad(field, "is not a date")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    pub(super) fn opt_time(&self, field: &str) -> Result<Option<Timestamp>, StoreError> {
        match self.get(field) {
            None => Ok(None),
            Some(_) => self.time(field).map(Some),
        }
    }

    pub(super) fn int(&self, field: &str) -> Result<i64, StoreError> {
        match self.get(field) {
            Some(Bson::Int32(n)) => Ok(i64::from(*n)),
            Some(Bson::Int64(n)) => Ok(*n),
            Some(Bson::Double(f)) if f.fract() == 0.0 && f.is_finite() => Ok(*f as i64),
            Some(_) => Err(self.bad(field, "is not an integer")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    /// A counter; missing means 0 (documents written by the original backend).
    pub(super) fn counter(&self, field: &str) -> Result<u64, StoreError> {
        match self.get(field) {
            None => Ok(0),
            Some(_) => Ok(u64::try_from(self.int(field)?.max(0)).unwrap_or(0)),
        }
    }

    pub(super) fn float(&self, field: &str) -> Result<f64, StoreError> {
        match self.get(field) {
            Some(Bson::Double(f)) => Ok(*f),
            Some(Bson::Int32(n)) => Ok(f64::from(*n)),
            Some(Bson::Int64(n)) => Ok(*n as f64),
            Some(_) => Err(self.bad(field, "is not a number")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    pub(super) fn boolean(&self, field: &str) -> Result<bool, StoreError> {
        match self.get(field) {
            Some(Bson::Boolean(b)) => Ok(*b),
            Some(_) => Err(self.bad(field, "is not a boolean")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    pub(super) fn coordinates(&self, field: &str) -> Result<Option<Coordinates>, StoreError> {
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

    pub(super) fn rarity(&self, field: &str) -> Result<Rarity, StoreError> {
        let s = self.string(field)?;
        Rarity::parse(&s).ok_or_else(|| self.bad(field, &format!("holds {s:?}, not a rarity")))
    }
}

impl MongoStore {
    pub(super) fn reader<'a>(&'a self, doc: &'a Document, collection: &'static str) -> Reader<'a> {
        Reader {
            doc,
            collection,
            shown: &self.shown,
        }
    }

    pub(super) fn user_from(&self, d: &Document) -> Result<User, StoreError> {
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

    pub(super) fn event_from(&self, d: &Document) -> Result<Event, StoreError> {
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

    pub(super) fn collectible_from(&self, d: &Document) -> Result<Collectible, StoreError> {
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

    pub(super) fn message_from(&self, d: &Document) -> Result<ChatMessage, StoreError> {
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

    /// A `user_collectibles` row: its owner and the item.
    pub(super) fn inventory_from(
        &self,
        d: &Document,
    ) -> Result<(UserId, UserCollectible), StoreError> {
        let r = self.reader(d, "user_collectibles");
        Ok((
            r.id("user_id")?,
            UserCollectible {
                collectible_id: r.id("collectible_id")?,
                name: r.string("name")?,
                rarity: r.rarity("rarity")?,
                points: u32::try_from(r.int("points")?)
                    .map_err(|_| r.bad("points", "is out of range"))?,
                event_id: r.id("event_id")?,
                claimed_at: r.time("claimed_at")?,
            },
        ))
    }

    pub(super) fn transcription_from(&self, d: &Document) -> Result<Transcription, StoreError> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_takes_the_query_literally() {
        assert_eq!(literal_regex("100%"), "100%");
        assert_eq!(literal_regex("a.b*(c)"), "a\\.b\\*\\(c\\)");
        assert_eq!(literal_regex("está"), "está");
    }
}
