//! The write path: writes are queued for one writer thread, which commits them in groups
//! (each write in a savepoint of its own, one COMMIT per group) and then brings the
//! in-memory index of active events in step; buffered location updates are written here
//! too, one transaction per [`super::LOCATION_FLUSH`].

use std::sync::{mpsc, Weak};

use citypulse::model::{Event, EventStatus};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::rows::{event_row, EVENT_COLS};
use super::{Access, Db, Fail, SqliteStore, Step, MAX_GROUP};
use crate::store::compact::CompactEvent;
use crate::store::StoreResult;

/// A queued write. The writer thread runs it inside the group's transaction (or, when the
/// group could not start, tells it why); it answers whether it succeeded (else its
/// savepoint is rolled back) and what to do once the group's COMMIT is known.
pub(super) type WriteJob =
    Box<dyn FnOnce(&Db, Result<&Connection, &Fail>) -> (bool, Finish) + Send>;

/// The end of a queued write, given the outcome of its group's COMMIT: applies its index
/// changes and answers the caller.
pub(super) type Finish = Box<dyn FnOnce(&Db, Result<(), &Fail>) + Send>;

/// A change to the in-memory index of active events, made by a write and applied right
/// after its transaction commits (see [`SqliteStore::write_indexed`]).
pub(super) enum IndexChange {
    /// The event is active with this row (new, or its room or participants changed).
    Put(i64, Box<Event>),
    /// The event is no longer active (ended or deleted).
    Remove(i64),
}

/// The index change that brings event `seq` in step with its row as this transaction
/// left it.
pub(super) fn reindex(c: &Connection, seq: i64) -> Step<IndexChange> {
    let row = c
        .prepare_cached(&format!(
            "SELECT {EVENT_COLS} FROM events AS e WHERE e.seq = ?1"
        ))?
        .query_row([seq], event_row)
        .optional()?;
    Ok(match row {
        Some(event) if event.status == EventStatus::Active => {
            IndexChange::Put(seq, Box::new(event))
        }
        _ => IndexChange::Remove(seq),
    })
}

impl SqliteStore {
    /// Runs `f` on the writer thread, inside the `BEGIN IMMEDIATE` transaction of the next
    /// commit group and a savepoint of its own: rolled back to that savepoint when it
    /// returns an error, answered once the group has committed.
    pub(super) async fn write<T, F>(&self, op: &'static str, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Step<T> + Send + 'static,
    {
        self.write_indexed(op, move |c| Ok((f(c)?, Vec::new())))
            .await
    }

    /// [`Self::write`] for writes that change active events: `f` also says how the
    /// in-memory index must change, which happens once the transaction has committed.
    pub(super) async fn write_indexed<T, F>(&self, op: &'static str, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Step<(T, Vec<IndexChange>)> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: WriteJob = Box::new(move |db: &Db, conn: Result<&Connection, &Fail>| {
            let ran = match conn {
                Ok(c) => f(c).map_err(|e| db.fail(Access::Write, op, e)),
                Err(why) => Err(db.fail_ref(Access::Write, op, why)),
            };
            let ok = ran.is_ok();
            let finish: Finish = Box::new(move |db: &Db, committed: Result<(), &Fail>| {
                let out = match (ran, committed) {
                    (Ok((out, changes)), Ok(())) => db.apply(changes).map(|()| out),
                    (Ok(_), Err(why)) => Err(db.fail_ref(Access::Write, op, why)),
                    (Err(e), _) => Err(e),
                };
                // The caller may have gone (its request was cancelled); the write stands.
                let _ = reply.send(out);
            });
            (ok, finish)
        });
        self.db
            .writes
            .send(job)
            .map_err(|_| self.db.write_lost(op))?;
        answer.await.map_err(|_| self.db.write_lost(op))?
    }
}

impl Db {
    /// The writer thread: takes the queued writes in groups of at most [`MAX_GROUP`] and
    /// commits each group in one transaction. Ends when the store is gone.
    pub(super) fn commit_groups(db: &Weak<Db>, queued: &mpsc::Receiver<WriteJob>) {
        while let Ok(first) = queued.recv() {
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match queued.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            // Gone: the jobs' answer channels close, their callers hear it.
            let Some(db) = db.upgrade() else { return };
            db.commit_group(group);
        }
    }

    /// Runs one group: BEGIN IMMEDIATE, each write in its own savepoint, one COMMIT, then
    /// every write's end in order, still holding the writer (index changes in commit order).
    pub(super) fn commit_group(&self, group: Vec<WriteJob>) {
        let mut conn = match self.writer.lock() {
            Ok(c) => c,
            Err(_) => return self.refuse(group, &Fail::Store(self.poisoned("writer"))),
        };
        let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => return self.refuse(group, &Fail::Sql(e)),
        };
        let mut ends = Vec::with_capacity(group.len());
        for job in group {
            if let Err(e) = tx.execute_batch("SAVEPOINT write") {
                let why = Fail::Sql(e);
                let (_, end) = job(self, Err(&why));
                end(self, Err(&why));
                continue;
            }
            // A panic inside one write (a bug) must not take the writer thread down with
            // every later write: that write is undone and its caller told (its answer
            // channel closes); the others go on.
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(self, Ok(&tx))));
            let ok = matches!(ran, Ok((true, _)));
            let undo = if ok {
                tx.execute_batch("RELEASE write")
            } else {
                tx.execute_batch("ROLLBACK TO write; RELEASE write")
            };
            if let Ok((_, end)) = ran {
                ends.push(end);
            }
            if let Err(e) = undo {
                // The transaction is in an unknown state: give the whole group up.
                drop(tx);
                let why = Fail::Sql(e);
                for end in ends {
                    end(self, Err(&why));
                }
                return;
            }
        }
        let committed = tx.commit().map_err(Fail::Sql);
        for end in ends {
            end(self, committed.as_ref().map(|_| ()));
        }
    }

    /// Answers every write of a group that could not start with the reason.
    pub(super) fn refuse(&self, group: Vec<WriteJob>, why: &Fail) {
        for job in group {
            let (_, end) = job(self, Err(why));
            end(self, Err(why));
        }
    }

    /// Applies committed changes to the index of active events. Callers still hold the
    /// writer, so changes reach the index in commit order (a later row never gets
    /// overwritten by an earlier one).
    pub(super) fn apply(&self, changes: Vec<IndexChange>) -> StoreResult<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut index = self
            .spatial
            .write()
            .map_err(|_| self.poisoned("spatial index"))?;
        for change in changes {
            match change {
                IndexChange::Put(seq, event) => match CompactEvent::new(&event) {
                    Some(row) => {
                        index.insert(seq, event.location.coordinates, &event.category, row)
                    }
                    None => index.remove(seq),
                },
                IndexChange::Remove(seq) => index.remove(seq),
            }
        }
        Ok(())
    }

    /// Writes every buffered location in one transaction. Users deleted meanwhile are
    /// skipped (the UPDATE matches nothing).
    pub(super) fn flush_locations(&self) -> StoreResult<()> {
        let pending = {
            let mut buf = self
                .locations
                .lock()
                .map_err(|_| self.poisoned("location buffer"))?;
            if buf.is_empty() {
                return Ok(());
            }
            std::mem::take(&mut *buf)
        };
        let op = "store locations";
        let mut conn = self.writer.lock().map_err(|_| self.poisoned("writer"))?;
        let result = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut stmt = tx.prepare_cached(
                    "UPDATE users SET lng = ?1, lat = ?2, location_at = ?3 \
                     WHERE id = ?4 AND deleted_at IS NULL",
                )?;
                for (id, (lng, lat, at)) in &pending {
                    stmt.execute(params![lng, lat, at, id])?;
                }
            }
            tx.commit()
        })();
        if let Err(e) = result {
            // Put them back (newer updates that arrived meanwhile win) and retry next round.
            if let Ok(mut buf) = self.locations.lock() {
                for (id, v) in pending {
                    buf.entry(id).or_insert(v);
                }
            }
            return Err(self.sql(Access::Write, op, &e));
        }
        Ok(())
    }
}
