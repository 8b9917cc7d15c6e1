//! Timestamps: RFC 3339 UTC with `Z`, kept to millisecond precision so that a value
//! read back from either storage backend (MongoDB keeps milliseconds) equals the one written,
//! and written with exactly three fractional digits ([`WIRE_FORMAT`]): chrono's own form
//! drops the fraction of a whole second (`...:00Z`), so a client parsing a fixed form met
//! both shapes.

use chrono::{DateTime, Datelike, DurationRound, TimeDelta, Timelike, Utc};
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
    match wire_bytes(t) {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => t.format(WIRE_FORMAT).to_string(),
    }
}

/// serde `serialize_with` for a [`Timestamp`] field: [`WIRE_FORMAT`]. Reading accepts any
/// RFC 3339 form, as before.
pub fn serialize<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    match wire_bytes(t) {
        Some(bytes) => match std::str::from_utf8(&bytes) {
            Ok(text) => s.serialize_str(text),
            Err(_) => s.collect_str(&t.format(WIRE_FORMAT)),
        },
        None => s.collect_str(&t.format(WIRE_FORMAT)),
    }
}

/// [`WIRE_FORMAT`] written digit by digit. Why not chrono's `format`: it interprets the
/// format string on every call, and a near-me answer writes 60 timestamps, which made
/// formatting about 5% of the daemon's time under load. None for what the fixed layout
/// cannot hold (years outside 0 to 9999, a leap second), which chrono then writes.
pub fn wire_bytes(t: &Timestamp) -> Option<[u8; 24]> {
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    let millis = t.timestamp_subsec_millis();
    if millis >= 1000 {
        return None;
    }
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut value: u32| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, t.month());
    put(8, 2, t.day());
    put(11, 2, t.hour());
    put(14, 2, t.minute());
    put(17, 2, t.second());
    put(20, 3, millis);
    Some(out)
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
    fn the_fast_wire_form_is_chronos_own() {
        let mut seen = 0;
        // Every year boundary that matters, and a walk of uneven steps through the range a
        // timestamp may have (milliseconds, seconds, days and centuries all vary).
        let mut ms: i64 = -62_135_596_800_000; // 0001-01-01T00:00:00Z
        let end: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
        while ms <= end {
            let t = Timestamp::from_timestamp_millis(ms).unwrap();
            assert_eq!(format(&t), t.format(WIRE_FORMAT).to_string(), "{ms}");
            let json = serde_json::to_string(&Wire(t)).unwrap();
            assert_eq!(json, format!("\"{}\"", t.format(WIRE_FORMAT)));
            ms += 7_919_993_333_337; // about 251 years, and every digit moves
            seen += 1;
        }
        for t in [
            "1970-01-01T00:00:00Z",
            "2026-11-25T14:03:00.007Z",
            "2024-02-29T23:59:59.999Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            let t = DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
            assert_eq!(format(&t), t.format(WIRE_FORMAT).to_string());
        }
        // Beyond the four-digit layout chrono writes it, as before.
        let far = Timestamp::from_timestamp_millis(end + 1).unwrap();
        assert_eq!(format(&far), far.format(WIRE_FORMAT).to_string());
        let before = Timestamp::from_timestamp_millis(-62_167_219_200_001).unwrap();
        assert_eq!(format(&before), before.format(WIRE_FORMAT).to_string());
        assert!(seen > 30);
    }

    #[derive(serde::Serialize)]
    struct Wire(#[serde(serialize_with = "serialize")] Timestamp);

    proptest::proptest! {
        #[test]
        fn any_millisecond_is_written_as_chrono_writes_it(ms in -62_135_596_800_000i64..=253_402_300_799_999) {
            let t = Timestamp::from_timestamp_millis(ms).unwrap();
            proptest::prop_assert_eq!(format(&t), t.format(WIRE_FORMAT).to_string());
        }
    }

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
