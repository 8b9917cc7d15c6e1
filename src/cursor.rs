//! The opaque `cursor` of paged lists (issue 18): where the next page starts, as the
//! position of the previous page's last item in the list's order (its timestamp and id).
//!
//! Clients must not read or build one: they pass back the `next_cursor` they were given.
//! Its form (`c1`, the millisecond timestamp as 16 hex digits, the 24-hex-digit id) is
//! versioned by the prefix so that it can change without misreading an old one.

use chrono::DateTime;

use crate::time::Timestamp;

const PREFIX: &str = "c1";
const ID_DIGITS: usize = 24;

/// The position a page ended at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The last item's timestamp (the list's sort key), to the millisecond.
    pub at: Timestamp,
    /// The last item's id, 24 lower-case hexadecimal digits.
    pub id: String,
}

impl Cursor {
    /// The cursor after the item at `at` with id `id`.
    pub fn after(at: Timestamp, id: impl std::fmt::Display) -> Cursor {
        Cursor {
            at,
            id: id.to_string().to_ascii_lowercase(),
        }
    }

    /// The opaque form sent to clients.
    pub fn encode(&self) -> String {
        // Two's complement bits: a timestamp before 1970 is a negative count.
        let bits = self.at.timestamp_millis() as u64;
        format!("{PREFIX}{bits:016x}{}", self.id)
    }

    /// Reads a cursor a client sent back; the error is a sentence naming `cursor`.
    pub fn decode(raw: &str) -> Result<Cursor, String> {
        let bad = || {
            format!(
                "cursor {:?} is not one this server gave out; pass the next_cursor of the \
                 previous page unchanged, or leave cursor out for the first page",
                raw.chars().take(60).collect::<String>()
            )
        };
        let rest = raw.strip_prefix(PREFIX).ok_or_else(bad)?;
        if rest.len() != 16 + ID_DIGITS || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let (ms, id) = rest.split_at(16);
        let bits = u64::from_str_radix(ms, 16).map_err(|_| bad())?;
        let at = DateTime::from_timestamp_millis(bits as i64).ok_or_else(bad)?;
        Ok(Cursor {
            at,
            id: id.to_ascii_lowercase(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_written() {
        let at = crate::time::parse_input("2026-11-25T14:03:00.123Z").unwrap();
        let c = Cursor::after(at, "6745A1B2C3D4E5F601234567");
        let raw = c.encode();
        assert_eq!(Cursor::decode(&raw).unwrap(), c);
        assert_eq!(c.id, "6745a1b2c3d4e5f601234567");
        let old = crate::time::parse_input("1960-01-01T00:00:00Z").unwrap();
        let c = Cursor::after(old, "6745a1b2c3d4e5f601234567");
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn anything_else_is_refused_with_a_sentence_naming_cursor() {
        for raw in [
            "",
            "c1",
            "x",
            "c2000000000000000006745a1b2c3d4e5f601234567",
            "c1zz",
        ] {
            let e = Cursor::decode(raw).unwrap_err();
            assert!(e.starts_with("cursor "), "{e}");
        }
    }
}
