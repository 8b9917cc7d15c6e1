//! Id newtypes over the 24-hex-digit MongoDB ObjectId form.
//!
//! API.md: ids are 24 hex digits whatever the storage backend, so an id keeps its
//! meaning when a deployment moves from the embedded store to MongoDB. New ids are
//! generated like ObjectIds: 4 bytes of seconds since the epoch, 5 random bytes fixed
//! per process, 3 bytes of a counter, so they sort roughly by creation time.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

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

/// A fresh ObjectId-form string.
pub fn new_object_id() -> String {
    static PROCESS: OnceLock<[u8; 5]> = OnceLock::new();
    static COUNTER: OnceLock<AtomicU32> = OnceLock::new();
    let process = PROCESS.get_or_init(rand::random);
    let counter = COUNTER
        .get_or_init(|| AtomicU32::new(rand::random::<u32>() & 0x00ff_ffff))
        .fetch_add(1, Ordering::Relaxed)
        & 0x00ff_ffff;
    let secs = chrono::Utc::now().timestamp().clamp(0, u32::MAX as i64) as u32;
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&secs.to_be_bytes());
    bytes[4..9].copy_from_slice(process);
    bytes[9..].copy_from_slice(&counter.to_be_bytes()[1..]);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_24_hex_and_unique() {
        let a = UserId::generate();
        let b = UserId::generate();
        assert_eq!(a.as_str().len(), 24);
        assert!(UserId::parse(a.as_str()).is_ok());
        assert_ne!(a, b);
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
