//! Timestamps: RFC 3339 UTC with `Z`, kept to millisecond precision so that a value
//! read back from either storage backend (MongoDB keeps milliseconds) equals the one written,
//! and written with exactly three fractional digits ([`WIRE_FORMAT`]): chrono's own form
//! drops the fraction of a whole second (`...:00Z`), so a client parsing a fixed form met
//! both shapes.

use chrono::{DateTime, Datelike, DurationRound, TimeDelta, Utc};
use serde::{Deserialize, Deserializer};

/// A point in time on the wire.
pub type Timestamp = DateTime<Utc>;

/// The years a timestamp from a client may have, in UTC. RFC 3339 writes a year in four
/// digits, so nothing after 9999 can be answered in it; year 0 (1 BC) and before are no
/// date anyone means for an event, and chrono would write them as `0000` and `-0001`.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Now, truncated to whole milliseconds.
pub fn now() -> Timestamp {
    truncate_millis(Utc::now())
}

/// Drops everything below a millisecond.
pub fn truncate_millis(t: Timestamp) -> Timestamp {
    t.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(t)
}

/// Parses a client's timestamp: RFC 3339 with any offset (`Z`, `+02:00`), converted to
/// UTC, whose year is in [`YEARS`]. The sentence quotes the value; the caller (or
/// [`crate::json::deserialize_named`]) names the field.
pub fn parse_input(raw: &str) -> Result<Timestamp, String> {
    let quoted = raw.chars().take(40).collect::<String>();
    let example = "send RFC 3339 such as 2026-11-25T14:03:00Z or 2026-11-25T09:03:00-05:00";
    let t = DateTime::parse_from_rfc3339(raw)
        .map_err(|e| format!("{quoted:?} is not a valid timestamp ({e}); {example}"))?
        .with_timezone(&Utc);
    if !YEARS.contains(&t.year()) {
        return Err(format!(
            "{quoted:?} is outside the years {:04} to {} (in UTC); {example}",
            YEARS.start(),
            YEARS.end()
        ));
    }
    Ok(t)
}

/// `#[serde(deserialize_with)]` for an optional timestamp a client sends: [`parse_input`]'s
/// rules instead of chrono's own, which take `-0001` and `+10000` years.
pub fn deserialize_input<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(raw) => parse_input(&raw)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
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

    #[test]
    fn client_timestamps_are_rfc3339_within_four_digit_years() {
        for ok in [
            "2026-11-25T14:03:00Z",
            "2026-11-25T14:03:00.123Z",
            "2026-11-25T09:03:00-05:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
            // Year 0 locally, year 1 in UTC: what is stored is in range.
            "0000-12-31T23:00:00-02:00",
        ] {
            assert!(parse_input(ok).is_ok(), "{ok}");
        }
        for bad in [
            "-0001-01-01T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "+10000-01-01T00:00:00Z",
            "10000-01-01T00:00:00Z",
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:00:00-02:00",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-25",
            "yesterday",
            "",
        ] {
            let e = parse_input(bad).unwrap_err();
            assert!(e.contains("2026-11-25T14:03:00Z"), "{bad}: {e}");
        }
        assert!(parse_input("0000-06-01T00:00:00Z")
            .unwrap_err()
            .contains("0001 to 9999"));
    }

    #[test]
    fn deserialized_through_serde_with_the_same_rules() {
        #[derive(Deserialize)]
        struct T {
            #[serde(default, deserialize_with = "deserialize_input")]
            at: Option<Timestamp>,
        }
        let t: T = serde_json::from_str(r#"{"at":"2026-11-25T09:03:00-05:00"}"#).unwrap();
        assert_eq!(t.at.unwrap().to_rfc3339(), "2026-11-25T14:03:00+00:00");
        let t: T = serde_json::from_str("{}").unwrap();
        assert!(t.at.is_none());
        let t: T = serde_json::from_str(r#"{"at":null}"#).unwrap();
        assert!(t.at.is_none());
        assert!(serde_json::from_str::<T>(r#"{"at":"-0001-01-01T00:00:00Z"}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"at":5}"#).is_err());
    }

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
