//! An active event's row as the embedded store keeps it in memory, for near-me answers
//! that never read the database.
//!
//! Why compact: a city can have a million active events, and each one's full [`Event`]
//! (nine `String`s, four timestamps) costs about 600 bytes of heap. Here ids are their 12
//! bytes, times are milliseconds, and the six texts are one block of bytes, already in
//! their JSON form, which halves that. A near-me answer copies that block's pieces into
//! the response; [`CompactEvent::to_event`] reads them back when an owned event is wanted.

use citypulse::geo::Coordinates;
use citypulse::ids::{EventId, UserId};
use citypulse::model::{Event, EventRoom, EventStatus};
use citypulse::time::Timestamp;

/// An active event, compactly: one block of bytes, a fixed header (ids, position,
/// participants, times) and then its six texts, each already as serde_json writes it (a
/// string escaped and quoted, or `null`). Only active events are kept, so status and
/// `ended_at` are not stored.
///
/// Why one block, with text already escaped: a near-me answer writes 20 events picked
/// across the whole index, and every separate allocation it reads is a cache miss (with
/// the header in a struct and the texts in their own boxes, three or more per event, most
/// of an answer's time); one block is read front to back, which the processor fetches
/// ahead. Scanning text for characters to escape was a quarter of an answer's
/// instructions; now each text is copied as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactEvent(Box<[u8]>);

// The header, little-endian. A missing time is `NO_TIME`, which no timestamp the contract
// accepts can be (they stay within about ±262,000 years of 1970).
const ID: usize = 0;
const CREATOR_ID: usize = 12;
const LNG: usize = 24;
const LAT: usize = 32;
const PARTICIPANTS: usize = 40;
const CREATED_AT: usize = 48;
const STARTS_AT: usize = 56;
const ENDS_AT: usize = 64;
/// Where each text but the last ends, counted from the start of the texts (u32 each).
const TEXT_ENDS: usize = 72;
const HEADER: usize = TEXT_ENDS + 4 * (TEXTS - 1);
const NO_TIME: i64 = i64::MIN;

/// The texts of an event, in the order they are kept.
#[derive(Clone, Copy)]
enum Text {
    Title,
    Description,
    Category,
    Address,
    DailyRoomName,
    DailyRoomUrl,
}

const TEXTS: usize = 6;

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

impl CompactEvent {
    /// The compact form of an active event; None for an event whose ids are not 24-hex
    /// (the store never makes one) or that has ended.
    pub fn new(e: &Event) -> Option<Self> {
        if e.status != EventStatus::Active {
            return None;
        }
        let mut block = Vec::with_capacity(HEADER + 64);
        block.extend_from_slice(&id_bytes(e.id.as_str())?);
        block.extend_from_slice(&id_bytes(e.creator_id.as_str())?);
        block.extend_from_slice(&e.location.coordinates.lng().to_le_bytes());
        block.extend_from_slice(&e.location.coordinates.lat().to_le_bytes());
        block.extend_from_slice(&e.room.current_participants.to_le_bytes());
        block.extend_from_slice(&ms(&e.created_at).to_le_bytes());
        for t in [&e.starts_at, &e.ends_at] {
            block.extend_from_slice(&t.as_ref().map_or(NO_TIME, ms).to_le_bytes());
        }
        block.resize(HEADER, 0);
        let texts = [
            Some(e.title.as_str()),
            e.description.as_deref(),
            Some(e.category.as_str()),
            e.address.as_deref(),
            e.room.daily_room_name.as_deref(),
            e.room.daily_room_url.as_deref(),
        ];
        for (i, text) in texts.into_iter().enumerate() {
            // Writing into a Vec cannot fail, and text always serialises.
            let _ = serde_json::to_writer(&mut block, &text);
            if i < TEXTS - 1 {
                let end = u32::try_from(block.len() - HEADER).ok()?.to_le_bytes();
                block
                    .get_mut(TEXT_ENDS + 4 * i..TEXT_ENDS + 4 * i + 4)?
                    .copy_from_slice(&end);
            }
        }
        Some(CompactEvent(block.into_boxed_slice()))
    }

    /// `N` bytes of the header from `at` (the block always has its header: `new` wrote it).
    fn bytes<const N: usize>(&self, at: usize) -> [u8; N] {
        self.0
            .get(at..at + N)
            .and_then(|b| b.try_into().ok())
            .unwrap_or([0; N])
    }

    fn i64_at(&self, at: usize) -> i64 {
        i64::from_le_bytes(self.bytes(at))
    }

    fn f64_at(&self, at: usize) -> f64 {
        f64::from_le_bytes(self.bytes(at))
    }

    fn time_at(&self, at: usize) -> Option<i64> {
        Some(self.i64_at(at)).filter(|t| *t != NO_TIME)
    }

    fn participants(&self) -> u64 {
        u64::from_le_bytes(self.bytes(PARTICIPANTS))
    }

    /// One text's JSON (a quoted, escaped string or `null`).
    fn json(&self, which: Text) -> &[u8] {
        let i = which as usize;
        let end_of = |i: usize| HEADER + u32::from_le_bytes(self.bytes(TEXT_ENDS + 4 * i)) as usize;
        let start = if i == 0 { HEADER } else { end_of(i - 1) };
        let end = if i + 1 < TEXTS {
            end_of(i)
        } else {
            self.0.len()
        };
        self.0.get(start..end).unwrap_or(b"null")
    }

    /// One text read back; None when it is `null`.
    fn text(&self, which: Text) -> Option<String> {
        serde_json::from_slice(self.json(which)).ok().flatten()
    }

    /// Reads one byte of each event's block, all of them before any is written. Why: the
    /// blocks of an answer lie anywhere in memory, and reads that do not wait on each
    /// other have their cache misses in flight together, where the writer, reaching one
    /// event after another, would take them one at a time.
    pub fn warm<'a>(events: impl IntoIterator<Item = &'a CompactEvent>) {
        let mut seen = 0u8;
        for e in events {
            seen ^= e.0.first().copied().unwrap_or(0);
        }
        std::hint::black_box(seen);
    }

    /// Its id's 12 bytes (ordered as its hex form is).
    pub fn id(&self) -> [u8; 12] {
        self.bytes(ID)
    }

    /// Where it is.
    pub fn location(&self) -> Option<Coordinates> {
        Coordinates::new(self.f64_at(LNG), self.f64_at(LAT)).ok()
    }

    /// Appends this event as one item of a near-me answer: the JSON that serde_json writes
    /// for the contract's [`citypulse::model::NearbyEvent`] (the event's fields, then
    /// `distance_m`), byte for byte, without making the owned [`Event`] first. Why: an
    /// answer of 20 events spent about 15% of its instructions allocating the events'
    /// strings only to write them once, and a quarter scanning for characters to escape,
    /// keys and hex ids included, which never have any. Text from users was escaped by
    /// serde_json itself when the event was kept. The test below holds the bytes equal to
    /// the contract type's for events with every field set and unset.
    pub fn write_nearby_json(&self, distance_m: f64, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":\"");
        hex(&self.id(), out);
        out.extend_from_slice(b"\",\"title\":");
        out.extend_from_slice(self.json(Text::Title));
        out.extend_from_slice(b",\"description\":");
        out.extend_from_slice(self.json(Text::Description));
        out.extend_from_slice(b",\"category\":");
        out.extend_from_slice(self.json(Text::Category));
        out.extend_from_slice(b",\"creator_id\":\"");
        hex(&self.bytes(CREATOR_ID), out);
        out.extend_from_slice(b"\",\"location\":{\"type\":\"Point\",\"coordinates\":[");
        number(self.f64_at(LNG), out);
        out.push(b',');
        number(self.f64_at(LAT), out);
        out.extend_from_slice(b"]},\"address\":");
        out.extend_from_slice(self.json(Text::Address));
        out.extend_from_slice(b",\"status\":\"active\",\"room\":{\"daily_room_name\":");
        out.extend_from_slice(self.json(Text::DailyRoomName));
        out.extend_from_slice(b",\"daily_room_url\":");
        out.extend_from_slice(self.json(Text::DailyRoomUrl));
        out.extend_from_slice(b",\"current_participants\":");
        let _ = serde_json::to_writer(&mut *out, &self.participants());
        out.extend_from_slice(b"},\"room_url\":");
        out.extend_from_slice(self.json(Text::DailyRoomUrl));
        out.extend_from_slice(b",\"starts_at\":");
        opt_timestamp(self.time_at(STARTS_AT), out);
        out.extend_from_slice(b",\"ends_at\":");
        opt_timestamp(self.time_at(ENDS_AT), out);
        out.extend_from_slice(b",\"created_at\":");
        timestamp(self.i64_at(CREATED_AT), out);
        out.extend_from_slice(b",\"ended_at\":null,\"distance_m\":");
        number(distance_m, out);
        out.push(b'}');
    }

    /// The event again, as the store would read it (millisecond times).
    pub fn to_event(&self) -> Option<Event> {
        let url = self.text(Text::DailyRoomUrl);
        Some(Event {
            id: EventId::from_bytes(&self.id()),
            title: self.text(Text::Title)?,
            description: self.text(Text::Description),
            category: self.text(Text::Category)?,
            creator_id: UserId::from_bytes(&self.bytes(CREATOR_ID)),
            location: self.location()?.into(),
            address: self.text(Text::Address),
            status: EventStatus::Active,
            room: EventRoom {
                daily_room_name: self.text(Text::DailyRoomName),
                daily_room_url: url.clone(),
                current_participants: self.participants(),
            },
            room_url: url,
            starts_at: self.time_at(STARTS_AT).map(time),
            ends_at: self.time_at(ENDS_AT).map(time),
            created_at: time(self.i64_at(CREATED_AT)),
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
                // Its texts come back as they went in, escapes and all.
                assert_eq!(compact.to_event().as_ref(), Some(&e));
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
