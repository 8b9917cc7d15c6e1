//! The time limit of every operation: a server that accepts connections but does not
//! answer costs a request at most [`OPERATION_TIMEOUT`] (or [`LONG_OPERATION_TIMEOUT`]) and
//! a 503 saying why, never a request held for ever.

use super::{MongoStore, LONG_OPERATION_TIMEOUT, OPERATION_TIMEOUT};
use crate::store::{StoreError, StoreResult};

/// What a bounded operation is, for its limit and for what its timeout means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    /// Changes nothing: cut off, it simply did not happen.
    Read,
    /// One write (or a few idempotent ones): cut off, it may still be applied.
    Write,
    /// A transaction that may retry write conflicts for up to [`super::TXN_DEADLINE`], or a batch
    /// of many writes: the long limit, [`LONG_OPERATION_TIMEOUT`].
    Long,
}

/// Why every operation is bounded here rather than by the driver: the `mongodb` crate
/// (3.x; so far 3.9) has no socket timeout (`socketTimeoutMS` is refused) and no
/// client-side operation timeout (`timeoutMS`), and [`super::SELECTION_TIMEOUT`] only covers
/// finding a server. A server that accepts connections but does not answer (overloaded,
/// stuck on a lock, frozen) would hold a request until the driver's heartbeat gives up on
/// the server, and for ever if its heartbeats are still answered. The limit is taken over
/// the whole operation (every round trip and retry of it), so a caller waits at most that
/// long.
///
/// Cutting an operation off drops the driver's future, which is safe: a connection
/// returned to the pool in the middle of a command is closed, not reused, and a session
/// dropped in the middle of a transaction is aborted by the driver (and by the server
/// after its transaction lifetime).
impl MongoStore {
    /// Runs `work` (the operation `op`, words for a sentence) within its limit; past it,
    /// `Unavailable` with a sentence naming the database, the limit and, for a write,
    /// that it may still be applied.
    pub(super) async fn bounded<T>(
        &self,
        op: &str,
        effect: Effect,
        work: impl std::future::Future<Output = StoreResult<T>>,
    ) -> StoreResult<T> {
        let limit = match effect {
            Effect::Read | Effect::Write => OPERATION_TIMEOUT,
            Effect::Long => LONG_OPERATION_TIMEOUT,
        };
        match tokio::time::timeout(limit, work).await {
            Ok(out) => out,
            Err(_) => {
                // A write sent before the cut-off reaches the server anyway and is
                // applied when the server catches up; a transaction whose commit was
                // sent may commit. Nothing here can tell, so the sentence says so.
                let after = match effect {
                    Effect::Read => "",
                    Effect::Write | Effect::Long => {
                        ", and whether the change was made after all before repeating it (a \
                         write cut off this way may still be applied)"
                    }
                };
                tracing::warn!(
                    "the MongoDB {} did not answer within {} s while trying to {op}",
                    self.shown,
                    limit.as_secs()
                );
                Err(StoreError::Unavailable(format!(
                    "the MongoDB {} did not answer within {} s (while trying to {op}); check \
                     that the server is healthy and not overloaded{after}",
                    self.shown,
                    limit.as_secs()
                )))
            }
        }
    }
}
