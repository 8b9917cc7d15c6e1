//! Id newtypes over the 24-hex-digit MongoDB ObjectId form.
//!
//! API.md: ids are 24 hex digits whatever the storage backend, so an id keeps its
//! meaning when a deployment moves from the embedded store to MongoDB. New ids are laid
//! out like ObjectIds, 4 bytes of seconds since the epoch first (so they sort by creation
//! time, and MongoDB's `ObjectId.getTimestamp()` is right for them), but the other 8 bytes
//! are not a fixed process part and a counter, from which one's own id + 1 was the next
//! user: they start each second at a random point and go up by a random step of up to
//! 2^40, so ids made by one daemon still sort in the order they were made (what the
//! "newest first" lists break ties of one millisecond with), but a neighbour is one of a
//! trillion candidates. Any 12 bytes are a valid ObjectId, so these mix with the original
//! backend's ids in one MongoDB collection, and those are read as they are (SECURITY.md,
//! "Ids").

use std::fmt;
use std::sync::Mutex;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a string is not an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} id {value:?} is not valid: ids are 24 hexadecimal digits, like 6745a1b2c3d4e5f601234567")]
pub struct InvalidId {
    /// Which kind of id was expected ("user", "event", ...).
    pub kind: &'static str,
    /// What was given (cut to 40 characters).
    pub value: String,
}

/// Checks the 24-hex form and lower-cases it.
pub fn parse_object_id(kind: &'static str, s: &str) -> Result<String, InvalidId> {
    if s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(InvalidId {
            kind,
            value: s.chars().take(40).collect(),
        })
    }
}

/// The 24 lower-case hex digits of an id's 12 bytes. By table, not `format!`: a near-me
/// answer turns 40 ids back into text, and `format!` per byte allocated 12 times for each.
pub fn object_id_hex(bytes: &[u8; 12]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = [0u8; 24];
    for (pair, b) in hex.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
    // Always ASCII, so this never fails.
    std::str::from_utf8(&hex)
        .map(String::from)
        .unwrap_or_default()
}

/// Where a second's ids start: below 2^63, so that 2^23 steps of up to [`STEP`] fit.
const FIRST: u64 = 1 << 63;
/// The largest step from one id to the next within a second.
const STEP: u64 = 1 << 40;

/// A fresh ObjectId-form string: 4 bytes of seconds since the epoch, then 8 bytes that
/// start at a random point each second and go up by a random step (module docs).
pub fn new_object_id() -> String {
    static LAST: Mutex<(u32, u64)> = Mutex::new((0, 0));
    // rand's thread generator: a CSPRNG seeded from the OS, so the next id cannot be
    // worked out from the ones a client has seen.
    let mut rng = rand::thread_rng();
    let (secs, tail) = {
        // Plain numbers only: a guard left by a panic holds nothing half-done.
        let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
        // Read under the lock, and never before the last id's second: a thread that read
        // the clock just before a second turned, or a clock set back, would otherwise start
        // that second afresh below ids already handed out, and ids would not sort as made.
        let now = chrono::Utc::now().timestamp().clamp(0, u32::MAX as i64) as u32;
        let secs = now.max(last.0);
        let tail = next_tail(*last, secs, &mut rng);
        *last = (secs, tail);
        (secs, tail)
    };
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&secs.to_be_bytes());
    bytes[4..].copy_from_slice(&tail.to_be_bytes());
    object_id_hex(&bytes)
}

/// The 8 bytes after `secs` in the id that follows one whose second and tail were `last`.
fn next_tail(last: (u32, u64), secs: u32, rng: &mut impl rand::Rng) -> u64 {
    match last.1.checked_add(rng.gen_range(1..=STEP)) {
        Some(next) if last.0 == secs => next,
        // A new second (or 2^23 ids in one): a new start.
        _ => rng.gen_range(0..FIRST),
    }
}

macro_rules! object_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// What this id names, for error sentences.
            pub const KIND: &'static str = $kind;

            /// A new, unique id.
            pub fn generate() -> Self {
                Self(new_object_id())
            }

            /// Parses the 24-hex form.
            pub fn parse(s: &str) -> Result<Self, InvalidId> {
                parse_object_id($kind, s).map(Self)
            }

            /// The id whose 12 bytes these are (every 12 bytes are one; nothing to check).
            pub fn from_bytes(bytes: &[u8; 12]) -> Self {
                Self(object_id_hex(bytes))
            }

            /// The 24-hex string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                crate::openapi::object_id($kind)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        // A 24-hex string on the wire (`serde(transparent)`), named in TypeScript so that
        // an event id is not passed where a user id is read about.
        #[cfg(feature = "typescript")]
        impl ts_rs::TS for $name {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;
            fn docs() -> Option<String> {
                Some(format!("A {} id: 24 hexadecimal digits.", $kind))
            }
            fn name(_: &ts_rs::Config) -> String {
                stringify!($name).into()
            }
            fn inline(_: &ts_rs::Config) -> String {
                "string".into()
            }
            fn decl(_: &ts_rs::Config) -> String {
                format!("type {} = string;", stringify!($name))
            }
            fn decl_concrete(c: &ts_rs::Config) -> String {
                Self::decl(c)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

object_id!(
    /// A registered user.
    UserId, "user"
);
object_id!(
    /// A civic event.
    EventId, "event"
);
object_id!(
    /// A collectible dropped into an event.
    CollectibleId, "collectible"
);
object_id!(
    /// A chat message in an event room.
    MessageId, "message"
);
object_id!(
    /// A stored final transcript segment.
    TranscriptId, "transcription"
);
object_id!(
    /// A signed-in device: one bearer token of a user (issue 16).
    SessionId, "session"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_made_from_its_bytes_is_the_one_parsed() {
        for _ in 0..1000 {
            let id = EventId::generate();
            let mut bytes = [0u8; 12];
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = u8::from_str_radix(&id.as_str()[2 * i..2 * i + 2], 16).unwrap();
            }
            assert_eq!(EventId::from_bytes(&bytes), id);
        }
        assert_eq!(
            UserId::from_bytes(&[0xff; 12]),
            UserId::parse("FFFFFFFFFFFFFFFFFFFFFFFF").unwrap()
        );
    }

    #[test]
    fn generated_ids_are_24_hex_and_unique() {
        let a = UserId::generate();
        let b = UserId::generate();
        assert_eq!(a.as_str().len(), 24);
        assert!(UserId::parse(a.as_str()).is_ok());
        assert_ne!(a, b);
    }

    #[test]
    fn generated_ids_sort_as_made() {
        // Other tests make ids at the same time from the same sequence, so only the order
        // and the second are checked here; the steps are checked on a sequence of its own.
        let ids: Vec<String> = (0..1000).map(|_| new_object_id()).collect();
        let secs = chrono::Utc::now().timestamp() as u32;
        for pair in ids.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(a < b, "made later, sorts later: {a} {b}");
            let t = u32::from_str_radix(&a[..8], 16).unwrap();
            assert!(secs.abs_diff(t) <= 5, "{a}");
        }
    }

    #[test]
    fn ids_of_one_second_do_not_lead_to_their_neighbours() {
        let mut rng = rand::thread_rng();
        let secs = 1_700_000_000;
        let mut last = (secs, next_tail((0, 0), secs, &mut rng));
        assert!(last.1 < FIRST, "a second starts below 2^63");
        let mut steps = std::collections::HashSet::new();
        for _ in 0..1000 {
            let tail = next_tail(last, secs, &mut rng);
            let step = tail - last.1;
            assert!((1..=STEP).contains(&step), "{} -> {tail}", last.1);
            steps.insert(step);
            last = (secs, tail);
        }
        // Not a counter: the steps differ (a counter's are all 1). 1,000 draws from 2^40
        // repeat one with a chance under 10^-6.
        assert!(steps.len() > 990, "{} distinct steps", steps.len());
        // The next second starts afresh, anywhere below 2^63.
        let fresh = next_tail(last, secs + 1, &mut rng);
        assert!(fresh < FIRST);
    }

    #[test]
    fn parse_rejects_other_forms() {
        assert!(EventId::parse("xyz").is_err());
        assert!(EventId::parse("6745a1b2c3d4e5f60123456g").is_err());
        assert!(EventId::parse("6745a1b2c3d4e5f6012345678").is_err());
        assert_eq!(
            EventId::parse("6745A1B2C3D4E5F601234567").unwrap().as_str(),
            "6745a1b2c3d4e5f601234567"
        );
        let err = EventId::parse("abc").unwrap_err().to_string();
        assert!(err.contains("24 hexadecimal digits"), "{err}");
    }
}
