//! Transactions: a body run in one majority-write transaction where the deployment has
//! them, retried whole when it loses a write conflict, and run as it is on a standalone
//! server.

use std::time::Duration;

use mongodb::error::Error as DbError;
use mongodb::ClientSession;

use super::errors::unreachable;
use super::{durable_write_concern, Fail, MongoStore, Step, TXN_ATTEMPTS, TXN_DEADLINE};
use crate::store::StoreResult;

impl MongoStore {
    /// Runs `body` in one transaction (majority write concern) when the deployment has
    /// them, retrying on transient conflicts; on a standalone server, runs it as it is.
    pub(super) async fn txn<T, F>(&self, op: &'static str, mut body: F) -> StoreResult<T>
    where
        F: for<'s> FnMut(
            &'s MongoStore,
            &'s mut ClientSession,
        ) -> futures_util::future::BoxFuture<'s, Step<T>>,
    {
        let mut attempt = 0u32;
        let started = std::time::Instant::now();
        loop {
            attempt += 1;
            let mut session = self
                .client
                .start_session()
                .await
                .map_err(|e| self.db_error(op, e))?;
            if self.transactions {
                session
                    .start_transaction()
                    .write_concern(durable_write_concern())
                    .await
                    .map_err(|e| self.db_error(op, e))?;
            }
            let out = body(self, &mut session).await;
            if !self.transactions {
                return out.map_err(|f| self.fail(op, f));
            }
            let err = match out {
                Ok(v) => match commit(&mut session).await {
                    Ok(()) => return Ok(v),
                    Err(e) => e,
                },
                Err(Fail::Store(e)) => {
                    let _ = session.abort_transaction().await;
                    return Err(e);
                }
                Err(Fail::Db(e)) => {
                    let _ = session.abort_transaction().await;
                    e
                }
            };
            // A transaction that lost a write conflict is retried whole: nothing of it
            // was applied. An unreachable server is labelled transient too, but retrying
            // would only hold the caller for minutes: that answers 503 at once.
            if err.contains_label("TransientTransactionError")
                && !unreachable(&err)
                && attempt < TXN_ATTEMPTS
                && started.elapsed() < TXN_DEADLINE
            {
                backoff(attempt).await;
                continue;
            }
            return Err(self.db_error(op, err));
        }
    }
}

/// Commits, retrying the commit alone when its outcome is unknown (the driver already
/// retried once); a transient error goes back to the caller to retry the whole body.
pub(super) async fn commit(session: &mut ClientSession) -> Result<(), DbError> {
    let mut tries = 0;
    loop {
        tries += 1;
        match session.commit_transaction().await {
            Ok(()) => return Ok(()),
            Err(e) if e.contains_label("UnknownTransactionCommitResult") && tries < 3 => {
                backoff(tries).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Jittered, growing pause between transaction attempts (1 ms to ~50 ms), so conflicting
/// claimers spread out instead of colliding again in lock step.
pub(super) async fn backoff(attempt: u32) {
    use rand::Rng;
    let cap = 2u64.saturating_pow(attempt.min(6)).min(50);
    let ms = rand::thread_rng().gen_range(1..=cap.max(1));
    tokio::time::sleep(Duration::from_millis(ms)).await;
}
