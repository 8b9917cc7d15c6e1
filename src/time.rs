//! Timestamps: RFC 3339 UTC with `Z`, kept to millisecond precision so that a value
//! read back from either storage backend (MongoDB keeps milliseconds) equals the one written,
//! and written with exactly three fractional digits ([`WIRE_FORMAT`]): chrono's own form
//! drops the fraction of a whole second (`...:00Z`), so a client parsing a fixed form met
//! both shapes.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// A point in time on the wire.
pub type Timestamp = DateTime<Utc>;

/// Now, truncated to whole milliseconds.
pub fn now() -> Timestamp {
    truncate_millis(Utc::now())
}

/// Drops everything below a millisecond.
pub fn truncate_millis(t: Timestamp) -> Timestamp {
    t.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(t)
}

/// How a timestamp is written on the wire: `2026-11-25T14:03:00.000Z`.
pub const WIRE_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// A timestamp in [`WIRE_FORMAT`].
pub fn format(t: &Timestamp) -> String {
    t.format(WIRE_FORMAT).to_string()
}

/// serde `serialize_with` for a [`Timestamp`] field: [`WIRE_FORMAT`]. Reading accepts any
/// RFC 3339 form, as before.
pub fn serialize<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&t.format(WIRE_FORMAT))
}

/// [`serialize`] for an optional field (`null` when absent).
pub fn serialize_opt<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serialize(t, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_wire_form_always_has_milliseconds() {
        let whole = Utc.with_ymd_and_hms(2026, 11, 25, 14, 3, 0).unwrap();
        assert_eq!(format(&whole), "2026-11-25T14:03:00.000Z");
        let t = whole + TimeDelta::milliseconds(120);
        assert_eq!(format(&t), "2026-11-25T14:03:00.120Z");
        let json = serde_json::to_string(&crate::model::Participant {
            user_id: crate::UserId::generate(),
            name: "x".into(),
            joined_at: whole,
        })
        .unwrap();
        assert!(
            json.ends_with("\"joined_at\":\"2026-11-25T14:03:00.000Z\"}"),
            "{json}"
        );
        let back: crate::model::Participant = serde_json::from_str(&json).unwrap();
        assert_eq!(back.joined_at, whole);
    }
}
