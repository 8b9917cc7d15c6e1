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

/// Writes an id's 24 hex digits (never anything to escape).
fn hex(id: &[u8; 12], out: &mut Vec<u8>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in id {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 0x0f)]);
    }
}

/// Writes text from a user as a JSON string, escaped by serde_json itself.
fn text(s: &str, out: &mut Vec<u8>) {
    // Writing into a Vec cannot fail, and a str always serialises.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn opt_text(s: Option<&str>, out: &mut Vec<u8>) {
    match s {
        Some(s) => text(s, out),
        None => out.extend_from_slice(b"null"),
    }
}

/// Writes a number as serde_json does (the shortest form that reads back the same).
fn number(x: f64, out: &mut Vec<u8>) {
    let _ = serde_json::to_writer(&mut *out, &x);
}

/// Writes a time in the contract's wire form (`citypulse::time`).
fn timestamp(ms: i64, out: &mut Vec<u8>) {
    let t = time(ms);
    match citypulse::time::wire_bytes(&t) {
        Some(bytes) => {
            out.push(b'"');
            out.extend_from_slice(&bytes);
            out.push(b'"');
        }
        None => {
            let mut ser = serde_json::Serializer::new(&mut *out);
            let _ = citypulse::time::serialize(&t, &mut ser);
        }
    }
}

fn opt_timestamp(ms: Option<i64>, out: &mut Vec<u8>) {
    match ms {
        Some(ms) => timestamp(ms, out),
        None => out.extend_from_slice(b"null"),
    }
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

    /// Its id's 12 bytes (ordered as its hex form is).
    pub fn id(&self) -> &[u8; 12] {
        &self.id
    }

    /// Where it is.
    pub fn location(&self) -> Option<Coordinates> {
        Coordinates::new(self.lng, self.lat).ok()
    }

    /// Appends this event as one item of a near-me answer: the JSON that serde_json writes
    /// for the contract's [`citypulse::model::NearbyEvent`] (the event's fields, then
    /// `distance_m`), byte for byte, without making the owned [`Event`] first. Why: an
    /// answer of 20 events spent about 15% of its instructions allocating the events'
    /// strings only to write them once, and a quarter scanning for characters to escape,
    /// keys and hex ids included, which never have any. Text from users still goes
    /// through serde_json's own escaping. The test below holds the bytes equal to the
    /// contract type's for events with every field set and unset.
    pub fn write_nearby_json(&self, distance_m: f64, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":\"");
        hex(&self.id, out);
        out.extend_from_slice(b"\",\"title\":");
        text(&self.title, out);
        out.extend_from_slice(b",\"description\":");
        opt_text(self.description.as_deref(), out);
        out.extend_from_slice(b",\"category\":");
        text(&self.category, out);
        out.extend_from_slice(b",\"creator_id\":\"");
        hex(&self.creator_id, out);
        out.extend_from_slice(b"\",\"location\":{\"type\":\"Point\",\"coordinates\":[");
        number(self.lng, out);
        out.push(b',');
        number(self.lat, out);
        out.extend_from_slice(b"]},\"address\":");
        opt_text(self.address.as_deref(), out);
        out.extend_from_slice(b",\"status\":\"active\",\"room\":{\"daily_room_name\":");
        opt_text(self.daily_room_name.as_deref(), out);
        out.extend_from_slice(b",\"daily_room_url\":");
        opt_text(self.daily_room_url.as_deref(), out);
        out.extend_from_slice(b",\"current_participants\":");
        let _ = serde_json::to_writer(&mut *out, &self.current_participants);
        out.extend_from_slice(b"},\"room_url\":");
        opt_text(self.daily_room_url.as_deref(), out);
        out.extend_from_slice(b",\"starts_at\":");
        opt_timestamp(self.starts_at, out);
        out.extend_from_slice(b",\"ends_at\":");
        opt_timestamp(self.ends_at, out);
        out.extend_from_slice(b",\"created_at\":");
        timestamp(self.created_at, out);
        out.extend_from_slice(b",\"ended_at\":null,\"distance_m\":");
        number(distance_m, out);
        out.push(b'}');
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

    /// The near-me writer against the contract type's serde output, for every field set
    /// and unset and for text that needs escaping.
    #[test]
    fn a_nearby_item_is_written_as_the_contract_writes_it() {
        let odd = Event {
            title: "Quote \" backslash \\ tab \t newline \n \u{1} é 🎉 </script>".into(),
            description: Some("\u{7f}\u{1f}\r".into()),
            category: "música".into(),
            address: None,
            room: EventRoom {
                daily_room_name: None,
                daily_room_url: None,
                current_participants: u64::MAX,
            },
            room_url: None,
            starts_at: None,
            ends_at: Some(Timestamp::from_timestamp_millis(-62_135_596_800_000).unwrap()),
            location: Coordinates::new(-180.0, 90.0).unwrap().into(),
            ..event()
        };
        let far_future = Event {
            created_at: Timestamp::from_timestamp_millis(253_402_300_799_999).unwrap(),
            location: Coordinates::new(0.1 + 0.2, -0.0).unwrap().into(),
            ..event()
        };
        for e in [event(), odd, far_future] {
            for distance_m in [0.0, 1.5, 1_234.567_890_123, 5e-324, 40_000_000.0] {
                let compact = CompactEvent::new(&e).unwrap();
                let mut mine = Vec::new();
                compact.write_nearby_json(distance_m, &mut mine);
                let theirs = serde_json::to_vec(&citypulse::model::NearbyEvent {
                    event: compact.to_event().unwrap(),
                    distance_m,
                })
                .unwrap();
                assert_eq!(
                    String::from_utf8(mine).unwrap(),
                    String::from_utf8(theirs).unwrap()
                );
            }
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
