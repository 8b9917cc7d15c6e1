//! Driver errors to sentences: every failure names the database and its hosts (never the
//! credentials) and says what to do; and the error codes the operations branch on.

use mongodb::error::{Error as DbError, ErrorKind, WriteFailure};

use super::{Fail, MongoStore, SELECTION_TIMEOUT};
use crate::store::StoreError;

pub(super) const DUPLICATE_KEY: i32 = 11000;

impl MongoStore {
    /// A driver error as a sentence naming the database (never its credentials).
    pub(super) fn db_error(&self, op: &str, e: DbError) -> StoreError {
        let shown = &self.shown;
        let msg = match e.kind.as_ref() {
            ErrorKind::ServerSelection { message, .. } => {
                // The topology dump is long; the first server error says what matters.
                let why = message
                    .split("Error: ")
                    .nth(1)
                    .map(|s| s.split(", labels").next().unwrap_or(s).trim().to_string())
                    .unwrap_or_else(|| message.clone());
                format!(
                    "the MongoDB {shown} is unreachable (no server answered within {}s while \
                     trying to {op}: {why}); check MONGODB_URL and that the server is running",
                    SELECTION_TIMEOUT.as_secs()
                )
            }
            ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::DnsResolve { .. } => {
                format!(
                    "the MongoDB {shown} is unreachable (while trying to {op}: {e}); check \
                     MONGODB_URL and that the server is running"
                )
            }
            ErrorKind::Authentication { .. } => format!(
                "the MongoDB {shown} refused cpld's credentials (while trying to {op}): {e}; \
                 check the user and password in MONGODB_URL"
            ),
            ErrorKind::BsonDeserialization(_) | ErrorKind::BsonSerialization(_) => {
                return StoreError::Corrupt(self.scrub(format!(
                    "the MongoDB {shown} returned a document that cannot be read (while trying \
                     to {op}): {e}"
                )))
            }
            _ => format!("the MongoDB {shown} could not {op}: {e}; try again"),
        };
        StoreError::Unavailable(self.scrub(msg))
    }

    pub(super) fn fail(&self, op: &str, f: Fail) -> StoreError {
        match f {
            Fail::Store(e) => e,
            Fail::Db(e) => self.db_error(op, e),
        }
    }
}

/// Whether the error says the server cannot be reached (rather than refused something).
pub(super) fn unreachable(e: &DbError) -> bool {
    matches!(
        e.kind.as_ref(),
        ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::DnsResolve { .. }
    )
}

/// The server's error code of a command or write error.
pub(super) fn command_code(e: &DbError) -> Option<i32> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => Some(c.code),
        ErrorKind::Write(WriteFailure::WriteError(w)) => Some(w.code),
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .and_then(|w| w.first())
            .map(|w| w.code),
        _ => None,
    }
}

/// The index a duplicate-key error names (`phone_1`, `_id_`, ...), if it is one.
pub(super) fn duplicate_index(e: &DbError) -> Option<String> {
    if command_code(e) != Some(DUPLICATE_KEY) {
        return None;
    }
    let message = match e.kind.as_ref() {
        ErrorKind::Command(c) => c.message.clone(),
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.message.clone(),
        _ => e.to_string(),
    };
    Some(
        message
            .split("index: ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or("")
            .to_string(),
    )
}

pub(super) fn is_duplicate(e: &DbError) -> bool {
    command_code(e) == Some(DUPLICATE_KEY)
}

/// Whether an unordered `insert_many` failed only because some documents were there
/// already.
pub(super) fn only_duplicates(e: &DbError) -> bool {
    match e.kind.as_ref() {
        ErrorKind::InsertMany(m) => {
            m.write_concern_error.is_none()
                && m.write_errors
                    .as_ref()
                    .is_some_and(|w| w.iter().all(|w| w.code == DUPLICATE_KEY))
        }
        _ => is_duplicate(e),
    }
}
