//! An active event's row as the embedded store keeps it in memory, for near-me answers
//! that never read the database.
//!
//! Why compact: a city can have a million active events, and each one's full [`Event`]
//! (nine `String`s, four timestamps) costs about 600 bytes of heap. Here ids are their 12
//! bytes, text is boxed without spare capacity and times are milliseconds, which halves
//! that; an answer turns the 20 events it returns back into [`Event`]s.

use citypulse::geo::Coordinates;
use citypulse::ids::{EventId, UserId};
use citypulse::model::{Event, EventRoom, EventStatus};
use citypulse::time::Timestamp;

/// An active event, compactly. Only active events are kept, so status and `ended_at` are
/// not stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactEvent {
    id: [u8; 12],
    creator_id: [u8; 12],
    lng: f64,
    lat: f64,
    current_participants: u64,
    created_at: i64,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    title: Box<str>,
    category: Box<str>,
    description: Option<Box<str>>,
    address: Option<Box<str>>,
    daily_room_name: Option<Box<str>>,
    daily_room_url: Option<Box<str>>,
}

/// The 12 bytes of a 24-hex id (ids are checked when made, so every stored id has them).
pub fn id_bytes(hex: &str) -> Option<[u8; 12]> {
    let mut out = [0u8; 12];
    if hex.len() != 24 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn ms(t: &Timestamp) -> i64 {
    t.timestamp_millis()
}

fn time(ms: i64) -> Timestamp {
    // Every value came from a valid timestamp (see `ms`), so this always converts.
    Timestamp::from_timestamp_millis(ms).unwrap_or_default()
}

fn boxed(s: &Option<String>) -> Option<Box<str>> {
    s.as_deref().map(Box::from)
}

impl CompactEvent {
    /// The compact form of an active event; None for an event whose ids are not 24-hex
    /// (the store never makes one) or that has ended.
    pub fn new(e: &Event) -> Option<Self> {
        if e.status != EventStatus::Active {
            return None;
        }
        Some(CompactEvent {
            id: id_bytes(e.id.as_str())?,
            creator_id: id_bytes(e.creator_id.as_str())?,
            lng: e.location.coordinates.lng(),
            lat: e.location.coordinates.lat(),
            current_participants: e.room.current_participants,
            created_at: ms(&e.created_at),
            starts_at: e.starts_at.as_ref().map(ms),
            ends_at: e.ends_at.as_ref().map(ms),
            title: e.title.as_str().into(),
            category: e.category.as_str().into(),
            description: boxed(&e.description),
            address: boxed(&e.address),
            daily_room_name: boxed(&e.room.daily_room_name),
            daily_room_url: boxed(&e.room.daily_room_url),
        })
    }

    /// Where it is.
    pub fn location(&self) -> Option<Coordinates> {
        Coordinates::new(self.lng, self.lat).ok()
    }

    /// The event again, as the store would read it (millisecond times).
    pub fn to_event(&self) -> Option<Event> {
        let url = self.daily_room_url.as_deref().map(String::from);
        Some(Event {
            id: EventId::from_bytes(&self.id),
            title: self.title.to_string(),
            description: self.description.as_deref().map(String::from),
            category: self.category.to_string(),
            creator_id: UserId::from_bytes(&self.creator_id),
            location: self.location()?.into(),
            address: self.address.as_deref().map(String::from),
            status: EventStatus::Active,
            room: EventRoom {
                daily_room_name: self.daily_room_name.as_deref().map(String::from),
                daily_room_url: url.clone(),
                current_participants: self.current_participants,
            },
            room_url: url,
            starts_at: self.starts_at.map(time),
            ends_at: self.ends_at.map(time),
            created_at: time(self.created_at),
            ended_at: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        let at = Timestamp::from_timestamp_millis(1_795_000_000_123).unwrap();
        Event {
            id: EventId::generate(),
            title: "Feria del libro".into(),
            description: Some("Lectura en voz alta".into()),
            category: "cultura".into(),
            creator_id: UserId::generate(),
            location: Coordinates::new(-74.0721, 4.711).unwrap().into(),
            address: Some("Carrera 7 # 26-20".into()),
            status: EventStatus::Active,
            room: EventRoom {
                daily_room_name: Some("citypulse-event-x".into()),
                daily_room_url: Some("https://x.daily.co/citypulse-event-x".into()),
                current_participants: 7,
            },
            room_url: Some("https://x.daily.co/citypulse-event-x".into()),
            starts_at: Some(at),
            ends_at: None,
            created_at: at,
            ended_at: None,
        }
    }

    #[test]
    fn an_active_event_comes_back_unchanged() {
        let e = event();
        assert_eq!(CompactEvent::new(&e).unwrap().to_event().unwrap(), e);
        let bare = Event {
            description: None,
            address: None,
            room: EventRoom::default(),
            room_url: None,
            starts_at: None,
            ..event()
        };
        assert_eq!(CompactEvent::new(&bare).unwrap().to_event().unwrap(), bare);
    }

    #[test]
    fn ended_events_and_bad_ids_are_not_kept() {
        let ended = Event {
            status: EventStatus::Ended,
            ..event()
        };
        assert!(CompactEvent::new(&ended).is_none());
        assert_eq!(id_bytes("zz"), None);
        assert_eq!(id_bytes("0123456789abcdef0123456g"), None);
        let bytes = id_bytes("0123456789abcdef01234567").unwrap();
        assert_eq!(
            EventId::from_bytes(&bytes).as_str(),
            "0123456789abcdef01234567"
        );
    }
}
