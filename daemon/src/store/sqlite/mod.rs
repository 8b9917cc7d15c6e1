//! The embedded backend: one SQLite file (rusqlite with the bundled library), the default
//! when `MONGODB_URL` is not set.
//!
//! # Durability
//! The database runs in WAL mode with `synchronous=NORMAL`. A committed transaction is in
//! the write-ahead log before `commit` returns, so it survives a crash of the `cpld`
//! process (panic, kill -9, OOM). Only a power loss or an operating-system crash can undo
//! the last few commits, and even then the file is never corrupted: it comes back as of an
//! earlier commit. `synchronous=FULL` would also cover power loss at the price of an fsync
//! per commit; for chat messages and presence that trade is not worth it.
//!
//! # Connections
//! One writer connection behind a [`std::sync::Mutex`] takes every write, in `BEGIN
//! IMMEDIATE` transactions (so several processes sharing the file also serialise, and
//! `busy_timeout` makes them wait rather than fail). Writes go to one writer thread, which
//! commits them in groups: the writes waiting when a transaction starts (at most
//! [`MAX_GROUP`]) run in it one after another, each inside a savepoint of its own, so one
//! write's failure undoes only that write; a single COMMIT then makes the group durable and
//! each caller is answered after it. Under concurrent load (a drop's claim burst) the cost
//! of a commit is shared; alone, a write is its own group. [`READERS`] reader connections
//! (`query_only`) serve reads: a read takes the first free one, starting from a
//! round-robin position, and only waits when all of them are busy. In WAL mode readers see
//! the last committed state and never wait for the writer. Reads run in
//! [`tokio::task::spawn_blocking`], so no async worker thread ever blocks on SQLite.
//!
//! # Schema
//! Numbered migrations (`schema`) are recorded in `schema_migrations` and applied at
//! [`SqliteStore::open`], each in its own transaction; reopening applies nothing new. Ids
//! are stored as their 24-hex text, timestamps as INTEGER milliseconds since the epoch.
//!
//! # Leases
//! `connection_leases` has a row per user and daemon with a WebSocket of that user open
//! (presence across daemons, see [`crate::store::Store::release_connection_lease`]) and
//! `leases` a row per named job lease (`drop-round`). Both store `expires_at` in
//! milliseconds and every read compares it with the caller's `now`. Taking a named lease is
//! one `INSERT .. ON CONFLICT DO UPDATE .. WHERE` statement, so two callers cannot both
//! win.
//!
//! # Locations
//! `event_locations` is an R*Tree keyed by the `events` table's INTEGER primary key and
//! holds active events only: `end_event` removes an event's row in the same transaction
//! that ends it. Near-me queries do not read it: [`SqliteStore::open`] loads the active
//! events through it into the in-memory index of [`super::spatial`] (rows included), every
//! committed create, end and delete keeps that index in step, and `events_near` walks it
//! nearest first and then keeps, orders and cuts by the exact great-circle distance of
//! [`citypulse::geo::Coordinates::distance_m`]. The R*Tree is what the index is rebuilt
//! from at the next open.
//!
//! # Files
//! This file holds the store, its connections, opening and error sentences; `schema`
//! the migrations; `rows` the row <-> model mapping and shared look-ups; `writer` the
//! writer thread (group commit, the index updates, buffered locations); `operations` the
//! [`crate::store::Store`] implementation.

pub mod backup;
mod operations;
mod rows;
mod schema;
mod transfer;
mod writer;

pub use self::schema::schema_version;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, RwLock, TryLockError};
use std::time::Duration;

use citypulse::ids::UserId;
use rusqlite::{params, Connection, ErrorCode, OpenFlags, TransactionBehavior};

use self::operations::insert_event;
use self::rows::{event_row, EVENT_COLS};
use self::schema::migrate;
use self::writer::{reindex, WriteJob};
use super::compact::CompactEvent;
use super::spatial::SpatialIndex;
use super::{NewEvent, StoreError, StoreResult};

/// How many reader connections serve reads.
pub const READERS: usize = 4;

/// How often buffered location updates are written (the most a crash can lose).
pub const LOCATION_FLUSH: Duration = Duration::from_millis(250);

/// The most writes one commit carries (group commit, see the module documentation).
pub const MAX_GROUP: usize = 256;

/// How long a statement waits for a lock held by another process before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection (`prepare_cached`).
const STATEMENT_CACHE: usize = 64;

/// How the store's connections are set up, for startup logs and checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `wal`.
    pub journal_mode: String,
    /// 1 = NORMAL.
    pub synchronous: i64,
    /// Foreign keys enforced.
    pub foreign_keys: bool,
    /// Milliseconds a statement waits for another process's lock.
    pub busy_timeout_ms: i64,
    /// Highest applied migration.
    pub schema_version: i64,
}

/// The SQLite [`crate::store::Store`].
pub struct SqliteStore {
    db: Arc<Db>,
}

struct Db {
    path: PathBuf,
    /// The path as shown in sentences.
    shown: String,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Active events by position (see [`super::spatial`]); in step with the table after
    /// every committed create, end and delete.
    spatial: RwLock<SpatialIndex<CompactEvent>>,
    /// Location updates not yet written: user id -> (lng, lat, ms). Positions arrive by the
    /// tens of thousands per second; one transaction per [`LOCATION_FLUSH`] writes them all.
    locations: Mutex<HashMap<String, (f64, f64, i64)>>,
    /// Users known to exist (users are never deleted), so that a location update, which
    /// arrives several times a second per user, checks the table once per user and not
    /// once per update. 12 bytes an id.
    known_users: RwLock<std::collections::HashSet<[u8; 12]>>,
    /// Writes waiting for the writer thread ([`Db::commit_groups`]).
    writes: mpsc::Sender<WriteJob>,
}

/// Why a step inside a blocking closure stopped: a domain answer, or SQLite failing
/// (turned into a sentence naming the database by the caller, who knows the operation).
enum Fail {
    Store(StoreError),
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Self {
        Fail::Sql(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Store(e)
    }
}

type Step<T> = Result<T, Fail>;

/// Whether an operation reads or writes, for the sentence.
#[derive(Clone, Copy)]
enum Access {
    Open,
    Read,
    Write,
}

impl Access {
    fn participle(self) -> &'static str {
        match self {
            Access::Open => "opened",
            Access::Read => "read",
            Access::Write => "written",
        }
    }
}

/// Turns a SQLite error into a sentence a person can act on.
fn sql_error(db: &str, access: Access, op: &str, e: &rusqlite::Error) -> StoreError {
    use rusqlite::Error as E;
    let done = access.participle();
    match e {
        E::FromSqlConversionFailure(..)
        | E::InvalidColumnType(..)
        | E::IntegralValueOutOfRange(..)
        | E::Utf8Error(..) => StoreError::Corrupt(format!(
            "the SQLite database at {db} holds a value that cannot be read (while trying to \
             {op}): {e}; it was changed by hand or by another program"
        )),
        E::SqliteFailure(f, _) => match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                StoreError::Unavailable(format!(
                    "the SQLite database at {db} stayed locked by another process for {}s, so \
                 cpld could not {op}; try again, and check that no other program holds the file",
                    BUSY_TIMEOUT.as_secs()
                ))
            }
            ErrorCode::DiskFull => StoreError::Unavailable(format!(
                "the SQLite database at {db} could not be {done} while trying to {op} because \
                 the disk is full: {e}; free some space"
            )),
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Corrupt(format!(
                "the SQLite database at {db} is damaged or is not a SQLite database ({e}); \
                 restore it from a backup or point CPL_DB at another file"
            )),
            _ => StoreError::Unavailable(format!(
                "the SQLite database at {db} could not be {done} while trying to {op}: {e}; \
                 check the disk and file permissions"
            )),
        },
        _ => StoreError::Unavailable(format!(
            "the SQLite database at {db} could not be {done} while trying to {op}: {e}"
        )),
    }
}

/// The `table.column` of a UNIQUE or PRIMARY KEY violation.
fn unique_violation(e: &rusqlite::Error) -> Option<&str> {
    match e {
        rusqlite::Error::SqliteFailure(f, Some(msg))
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            msg.rsplit(": ").next()
        }
        _ => None,
    }
}

/// Settings every connection gets.
fn configure(c: &Connection, reader: bool) -> rusqlite::Result<()> {
    c.busy_timeout(BUSY_TIMEOUT)?;
    c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // No memory map (`mmap_size` stays 0): near-me answers come from the in-memory index,
    // and a map would count every page read at start-up (the whole events table, about
    // 300 MB at a million events) in the daemon's resident memory.
    c.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
    if reader {
        c.execute_batch("PRAGMA query_only = ON;")?;
    } else {
        // Every write goes through this connection: with secure_delete, a value that is
        // overwritten or deleted (an erased user's phone and name) is zeroed in the page
        // instead of lingering in free space, so `DELETE /api/users/{id}` really removes
        // it from the file (the WAL is checkpointed away after it, see `checkpoint`).
        c.execute_batch("PRAGMA secure_delete = ON;")?;
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating it and its directory when missing) the database at `path`, sets
    /// WAL mode and applies pending migrations.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        let shown = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Unavailable(format!(
                    "the directory {} for the SQLite database could not be created: {e}; \
                     check its permissions or set CPL_DB to another file",
                    parent.display()
                ))
            })?;
        }
        let open_err = |op: &str, e: rusqlite::Error| sql_error(&shown, Access::Open, op, &e);
        let mut writer = Connection::open(path).map_err(|e| open_err("open it", e))?;
        configure(&writer, false).map_err(|e| open_err("configure the connection", e))?;
        let mode: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| open_err("switch to WAL mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unavailable(format!(
                "the SQLite database at {shown} could not be switched to WAL mode (it stays \
                 in {mode} mode); put it on a local disk, not a network share"
            )));
        }
        migrate(&mut writer, &shown)?;
        // An embedded database is served by one daemon at a time, so no lease found at
        // opening belongs to a live daemon: they are a stopped or crashed one's. Left in
        // place, its connection leases would keep its users in their rooms after they
        // disconnect from the new daemon, and its drop-round lease would hold the drop
        // rounds back, until they expired. (A process opening the file beside a running
        // daemon, such as `cpld init-db`, costs that daemon nothing lasting: it re-creates
        // its connection leases at the next renewal and takes the free drop-round lease at
        // its next tick.)
        writer
            .execute_batch("DELETE FROM connection_leases; DELETE FROM leases;")
            .map_err(|e| open_err("forget the leases of a stopped daemon", e))?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| open_err("open a reader connection", e))?;
            configure(&reader, true).map_err(|e| open_err("configure a reader connection", e))?;
            readers.push(Mutex::new(reader));
        }
        let spatial = load_spatial(&writer).map_err(|e| open_err("load the event locations", e))?;
        let (writes, queued) = mpsc::channel();
        let db = Arc::new(Db {
            path: path.to_path_buf(),
            shown,
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            spatial: RwLock::new(spatial),
            locations: Mutex::new(HashMap::new()),
            known_users: RwLock::new(std::collections::HashSet::new()),
            writes,
        });
        let committer = Arc::downgrade(&db);
        std::thread::Builder::new()
            .name("cpld-writer".into())
            .spawn(move || Db::commit_groups(&committer, &queued))
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot start the database writer thread: {e}"))
            })?;
        let flusher = Arc::downgrade(&db);
        std::thread::Builder::new()
            .name("cpld-locations".into())
            .spawn(move || {
                // Ends when the store is dropped (the weak handle no longer upgrades).
                while let Some(db) = flusher.upgrade() {
                    if let Err(e) = db.flush_locations() {
                        tracing::warn!("buffered locations not written yet: {e}");
                    }
                    drop(db);
                    std::thread::sleep(LOCATION_FLUSH);
                }
            })
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot start the location writer thread: {e}"))
            })?;
        Ok(SqliteStore { db })
    }

    /// Writes buffered location updates now (also done every [`LOCATION_FLUSH`] and when
    /// the store is dropped).
    pub fn flush_locations(&self) -> StoreResult<()> {
        self.db.flush_locations()
    }

    /// Adds many events in one transaction, for benchmarks and seeding: the same rows
    /// `create_event` writes, without the per-event transaction (creators' counters are
    /// updated once per creator).
    pub fn import_events(&self, events: Vec<NewEvent>) -> StoreResult<usize> {
        let op = "import events";
        let mut conn = self
            .db
            .writer
            .lock()
            .map_err(|_| self.db.poisoned("writer"))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.db.sql(Access::Write, op, &e))?;
        let mut added = Vec::with_capacity(events.len());
        let step = (|| -> Step<()> {
            let mut per_creator: HashMap<String, i64> = HashMap::new();
            for event in &events {
                let seq = insert_event(&tx, event)?;
                *per_creator.entry(event.creator_id.to_string()).or_default() += 1;
                added.push(reindex(&tx, seq)?);
            }
            for (creator, n) in per_creator {
                let counted = tx
                    .prepare_cached(
                        "UPDATE users SET events_created = events_created + ?1 WHERE id = ?2",
                    )?
                    .execute(params![n, creator])?;
                if counted == 0 {
                    return Err(StoreError::not_found(UserId::KIND, &creator).into());
                }
            }
            Ok(())
        })();
        step.map_err(|e| self.db.fail(Access::Write, op, e))?;
        tx.commit()
            .map_err(|e| self.db.sql(Access::Write, op, &e))?;
        let n = added.len();
        self.db.apply(added)?;
        Ok(n)
    }

    /// Copies the write-ahead log into the database file and truncates it to nothing, so
    /// that pages as they were before the last writes (an erased user's) are no longer
    /// anywhere on disk. Waits up to [`BUSY_TIMEOUT`] for readers; a checkpoint that could
    /// not finish is logged and left to SQLite's automatic ones.
    pub async fn checkpoint(&self) -> StoreResult<()> {
        let db = Arc::clone(&self.db);
        let op = "checkpoint its write-ahead log";
        let task = tokio::task::spawn_blocking(move || {
            let conn = db.writer.lock().map_err(|_| db.poisoned("writer"))?;
            let busy: i64 = conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
                .map_err(|e| db.sql(Access::Write, op, &e))?;
            if busy != 0 {
                tracing::warn!(
                    "the write-ahead log of {} could not be truncated now (readers held it); \
                     SQLite's next checkpoint will copy it",
                    db.shown
                );
            }
            Ok(())
        });
        task.await.map_err(|e| self.db.join_error(op, &e))?
    }

    /// How many active events the in-memory index holds.
    pub fn indexed_events(&self) -> usize {
        self.db.spatial.read().map(|i| i.len()).unwrap_or(0)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.db.path
    }

    /// How the connections are set up (journal mode, synchronous, ...), for logs.
    pub async fn settings(&self) -> StoreResult<Settings> {
        self.read("read its settings", |c| {
            let journal_mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let synchronous: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
            let foreign_keys: bool = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
            let busy_timeout_ms: i64 = c.query_row("PRAGMA busy_timeout", [], |r| r.get(0))?;
            let schema_version: i64 = c.query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )?;
            Ok(Settings {
                journal_mode,
                synchronous,
                foreign_keys,
                busy_timeout_ms,
                schema_version,
            })
        })
        .await
    }

    /// Runs SQLite's `integrity_check` and `foreign_key_check`; `Corrupt` naming the
    /// problems when either finds any.
    pub async fn integrity_check(&self) -> StoreResult<()> {
        let shown = self.db.shown.clone();
        self.read("check its integrity", move |c| {
            let mut problems: Vec<String> = c
                .prepare("PRAGMA integrity_check")?
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()?;
            problems.retain(|p| p != "ok");
            let dangling: Vec<String> = c
                .prepare("PRAGMA foreign_key_check")?
                .query_map([], |r| {
                    Ok(format!(
                        "a row of {} points to a missing row of {}",
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(2)?
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            problems.extend(dangling);
            if problems.is_empty() {
                Ok(())
            } else {
                Err(StoreError::Corrupt(format!(
                    "the SQLite database at {shown} fails its integrity check: {}",
                    problems.join("; ")
                ))
                .into())
            }
        })
        .await
    }

    /// Runs `f` in one read transaction (one consistent snapshot) on a reader connection,
    /// on a blocking thread.
    async fn read<T, F>(&self, op: &'static str, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Step<T> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        let task = tokio::task::spawn_blocking(move || {
            let mut conn = db.reader()?;
            let tx = conn
                .transaction()
                .map_err(|e| db.sql(Access::Read, op, &e))?;
            let out = f(&tx).map_err(|e| db.fail(Access::Read, op, e))?;
            tx.commit().map_err(|e| db.sql(Access::Read, op, &e))?;
            Ok(out)
        });
        task.await.map_err(|e| self.db.join_error(op, &e))?
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if let Err(e) = self.db.flush_locations() {
            tracing::warn!("buffered locations lost at shutdown: {e}");
        }
    }
}

/// Reads every active event through the R*Tree (which holds only active events) to build
/// the in-memory index, rows included.
fn load_spatial(c: &Connection) -> rusqlite::Result<SpatialIndex<CompactEvent>> {
    let expected: i64 = c.query_row("SELECT COUNT(*) FROM event_locations", [], |r| r.get(0))?;
    let mut stmt = c.prepare(&format!(
        "SELECT {EVENT_COLS}, e.seq FROM event_locations AS r JOIN events AS e ON e.seq = r.id"
    ))?;
    // Straight from the rows into the index (no list of a million rows in between); the
    // first error ends the walk and is returned.
    let mut failed = None;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(16)?, event_row(r)?)))?
        .map_while(|row| row.map_err(|e| failed = Some(e)).ok())
        .filter_map(|(seq, event)| {
            let compact = CompactEvent::new(&event)?;
            Some((seq, event.location.coordinates, event.category, compact))
        });
    let index = SpatialIndex::bulk(rows, usize::try_from(expected).unwrap_or(0));
    match failed {
        Some(e) => Err(e),
        None => Ok(index),
    }
}

impl Db {
    fn sql(&self, access: Access, op: &str, e: &rusqlite::Error) -> StoreError {
        sql_error(&self.shown, access, op, e)
    }

    fn fail(&self, access: Access, op: &str, f: Fail) -> StoreError {
        match f {
            Fail::Store(e) => e,
            Fail::Sql(e) => self.sql(access, op, &e),
        }
    }

    fn poisoned(&self, which: &str) -> StoreError {
        StoreError::Unavailable(format!(
            "the {which} connection to the SQLite database at {} is unusable because an \
             earlier operation panicked while holding it; restart cpld",
            self.shown
        ))
    }

    fn fail_ref(&self, access: Access, op: &str, f: &Fail) -> StoreError {
        match f {
            Fail::Store(e) => e.clone(),
            Fail::Sql(e) => self.sql(access, op, e),
        }
    }

    fn write_lost(&self, op: &str) -> StoreError {
        StoreError::Unavailable(format!(
            "the SQLite database at {} could not {op}: the write was abandoned inside cpld \
             (its writer stopped or the write failed unexpectedly); this is a bug in cpld, \
             please report it",
            self.shown
        ))
    }

    fn join_error(&self, op: &str, e: &tokio::task::JoinError) -> StoreError {
        StoreError::Unavailable(format!(
            "the SQLite database at {} could not {op}: its worker thread failed ({e}); this \
             is a bug in cpld, please report it",
            self.shown
        ))
    }

    /// The first free reader, starting at a round-robin position; waits for that one
    /// when all are busy.
    fn reader(&self) -> StoreResult<MutexGuard<'_, Connection>> {
        let n = self.readers.len();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed) % n.max(1);
        for i in 0..n {
            match self.readers[(start + i) % n].try_lock() {
                Ok(guard) => return Ok(guard),
                Err(TryLockError::WouldBlock) | Err(TryLockError::Poisoned(_)) => continue,
            }
        }
        self.readers
            .get(start)
            .ok_or_else(|| self.poisoned("reader"))?
            .lock()
            .map_err(|_| self.poisoned("reader"))
    }
}
