//! Rows to models and back: the column lists each read selects, the functions that turn a
//! row into a model (with a sentence for a stored value that makes no sense), how times
//! and ids are stored, and the look-ups several operations share.

use std::str::FromStr;

use citypulse::geo::Coordinates;
use citypulse::ids::{CollectibleId, EventId, InvalidId, UserId};
use citypulse::model::{
    ChatMessage, Collectible, Event, EventRoom, EventStatus, Rarity, Transcription, User,
    UserCollectible, UserStats,
};
use citypulse::time::Timestamp;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row};

use super::Step;
use crate::store::{Before, StoreError};

/// A value that is stored but makes no sense.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct BadValue(String);

pub(super) fn bad(i: usize, t: Type, msg: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, t, Box::new(BadValue(msg)))
}

pub(super) fn id_at<T: FromStr<Err = InvalidId>>(row: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let s: String = row.get(i)?;
    s.parse()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
}

pub(super) fn opt_id_at<T: FromStr<Err = InvalidId>>(
    row: &Row<'_>,
    i: usize,
) -> rusqlite::Result<Option<T>> {
    match row.get::<_, Option<String>>(i)? {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e))),
    }
}

pub(super) fn ms(t: &Timestamp) -> i64 {
    t.timestamp_millis()
}

pub(super) fn ts_from(i: usize, v: i64) -> rusqlite::Result<Timestamp> {
    chrono::DateTime::from_timestamp_millis(v).ok_or_else(|| {
        bad(
            i,
            Type::Integer,
            format!("{v} is not a time in milliseconds"),
        )
    })
}

pub(super) fn ts_at(row: &Row<'_>, i: usize) -> rusqlite::Result<Timestamp> {
    ts_from(i, row.get(i)?)
}

pub(super) fn opt_ts_at(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Timestamp>> {
    row.get::<_, Option<i64>>(i)?
        .map(|v| ts_from(i, v))
        .transpose()
}

pub(super) fn count_at(row: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    let v: i64 = row.get(i)?;
    u64::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(i, v))
}

pub(super) fn coords_at(row: &Row<'_>, lng: usize, lat: usize) -> rusqlite::Result<Coordinates> {
    Coordinates::new(row.get(lng)?, row.get(lat)?)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(lng, Type::Real, Box::new(e)))
}

pub(super) fn rarity_at(row: &Row<'_>, i: usize) -> rusqlite::Result<Rarity> {
    let s: String = row.get(i)?;
    Rarity::parse(&s).ok_or_else(|| bad(i, Type::Text, format!("{s:?} is not a rarity")))
}

pub(super) const USER_COLS: &str =
    "id, phone, name, created_at, events_created, events_attended, collectibles_count";

pub(super) fn user_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: id_at(row, 0)?,
        phone: Some(row.get(1)?),
        name: row.get(2)?,
        created_at: ts_at(row, 3)?,
        stats: UserStats {
            events_created: count_at(row, 4)?,
            events_attended: count_at(row, 5)?,
            collectibles_count: count_at(row, 6)?,
        },
    })
}

pub(super) const EVENT_COLS: &str =
    "e.id, e.title, e.description, e.category, e.creator_id, e.lng, e.lat, \
     e.address, e.status, e.daily_room_name, e.daily_room_url, e.current_participants, \
     e.starts_at, e.ends_at, e.created_at, e.ended_at";

pub(super) fn event_row(row: &Row<'_>) -> rusqlite::Result<Event> {
    let status: String = row.get(8)?;
    let status = match status.as_str() {
        "active" => EventStatus::Active,
        "ended" => EventStatus::Ended,
        other => {
            return Err(bad(
                8,
                Type::Text,
                format!("{other:?} is not an event status"),
            ))
        }
    };
    let daily_room_url: Option<String> = row.get(10)?;
    Ok(Event {
        id: id_at(row, 0)?,
        title: row.get(1)?,
        description: row.get(2)?,
        category: row.get(3)?,
        creator_id: id_at(row, 4)?,
        location: coords_at(row, 5, 6)?.into(),
        address: row.get(7)?,
        status,
        room: EventRoom {
            daily_room_name: row.get(9)?,
            daily_room_url: daily_room_url.clone(),
            current_participants: count_at(row, 11)?,
        },
        room_url: daily_room_url,
        starts_at: opt_ts_at(row, 12)?,
        ends_at: opt_ts_at(row, 13)?,
        created_at: ts_at(row, 14)?,
        ended_at: opt_ts_at(row, 15)?,
    })
}

pub(super) const COLLECTIBLE_COLS: &str =
    "id, event_id, name, rarity, points, dropped_at, expires_at, \
     claimed_by, claimed_at, is_active";

pub(super) fn collectible_row(row: &Row<'_>) -> rusqlite::Result<Collectible> {
    Ok(Collectible {
        id: id_at(row, 0)?,
        event_id: id_at(row, 1)?,
        name: row.get(2)?,
        rarity: rarity_at(row, 3)?,
        points: row.get(4)?,
        dropped_at: ts_at(row, 5)?,
        expires_at: ts_at(row, 6)?,
        claimed_by: opt_id_at(row, 7)?,
        claimed_at: opt_ts_at(row, 8)?,
        is_active: row.get(9)?,
    })
}

/// The columns of an inventory item, as [`inventory_row`] reads them (the owner is
/// `user_id`, not among them).
pub(super) const INVENTORY_COLS: &str =
    "collectible_id, name, rarity, points, event_id, claimed_at";

pub(super) fn inventory_row(row: &Row<'_>) -> rusqlite::Result<UserCollectible> {
    Ok(UserCollectible {
        collectible_id: id_at(row, 0)?,
        name: row.get(1)?,
        rarity: rarity_at(row, 2)?,
        points: row.get(3)?,
        event_id: id_at(row, 4)?,
        claimed_at: ts_at(row, 5)?,
    })
}

pub(super) const MESSAGE_COLS: &str = "id, event_id, user_id, name, message, timestamp";

pub(super) fn message_row(row: &Row<'_>) -> rusqlite::Result<ChatMessage> {
    Ok(ChatMessage {
        id: id_at(row, 0)?,
        event_id: id_at(row, 1)?,
        user_id: id_at(row, 2)?,
        name: row.get(3)?,
        message: row.get(4)?,
        timestamp: ts_at(row, 5)?,
    })
}

pub(super) const TRANSCRIPTION_COLS: &str =
    "id, event_id, speaker_id, text, confidence, start, duration, words, created_at";

pub(super) fn transcription_row(row: &Row<'_>) -> rusqlite::Result<Transcription> {
    let words: String = row.get(7)?;
    Ok(Transcription {
        id: id_at(row, 0)?,
        event_id: id_at(row, 1)?,
        speaker_id: id_at(row, 2)?,
        text: row.get(3)?,
        confidence: row.get(4)?,
        start: row.get(5)?,
        duration: row.get(6)?,
        words: serde_json::from_str(&words)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(7, Type::Text, Box::new(e)))?,
        created_at: ts_at(row, 8)?,
    })
}

/// Fails with `NotFound` unless the user exists.
pub(super) fn ensure_user(c: &Connection, id: &str) -> Step<()> {
    let found = c
        .prepare_cached("SELECT 1 FROM users WHERE id = ?1 AND deleted_at IS NULL")?
        .query_row([id], |_| Ok(()))
        .optional()?;
    found.ok_or_else(|| StoreError::not_found(UserId::KIND, id).into())
}

/// An event's row number and status, or `NotFound`.
pub(super) fn event_state(c: &Connection, id: &str) -> Step<(i64, bool)> {
    let found = c
        .prepare_cached("SELECT seq, status = 'active' FROM events WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    found.ok_or_else(|| StoreError::not_found(EventId::KIND, id).into())
}

pub(super) fn load_user(c: &Connection, id: &str) -> Step<User> {
    let found = c
        .prepare_cached(&format!(
            "SELECT {USER_COLS} FROM users WHERE id = ?1 AND deleted_at IS NULL"
        ))?
        .query_row([id], user_row)
        .optional()?;
    found.ok_or_else(|| StoreError::not_found(UserId::KIND, id).into())
}

pub(super) fn load_event(c: &Connection, id: &str) -> Step<Event> {
    let found = c
        .prepare_cached(&format!(
            "SELECT {EVENT_COLS} FROM events AS e WHERE e.id = ?1"
        ))?
        .query_row([id], event_row)
        .optional()?;
    found.ok_or_else(|| StoreError::not_found(EventId::KIND, id).into())
}

pub(super) fn load_collectible(c: &Connection, id: &str) -> Step<Collectible> {
    let found = c
        .prepare_cached(&format!(
            "SELECT {COLLECTIBLE_COLS} FROM collectibles WHERE id = ?1"
        ))?
        .query_row([id], collectible_row)
        .optional()?;
    found.ok_or_else(|| StoreError::not_found(CollectibleId::KIND, id).into())
}

/// The bounds of `(timestamp, id) < (?, ?)` for a page starting after `before`: the empty
/// id sorts before every id, so without one the page holds what is strictly older than
/// the time, and without a `before` everything.
pub(super) fn page_start(before: Option<Before>) -> (i64, String) {
    match before {
        Some(b) => (ms(&b.at), b.id.unwrap_or_default()),
        None => (i64::MAX, String::new()),
    }
}

/// `%query%` for LIKE, with `%`, `_` and the escape character itself taken literally.
pub(super) fn like_pattern(query: &str) -> String {
    let mut pattern = String::with_capacity(query.len() + 2);
    pattern.push('%');
    for ch in query.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_takes_wildcards_literally() {
        assert_eq!(like_pattern("100%"), "%100\\%%");
        assert_eq!(like_pattern("a_B\\"), "%a\\_b\\\\%");
    }
}
