//! Timestamps: RFC 3339 UTC with `Z`, kept to millisecond precision so that a value
//! read back from either storage backend (MongoDB keeps milliseconds) equals the one written.

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
