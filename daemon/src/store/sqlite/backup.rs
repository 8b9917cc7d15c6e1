//! `cpld backup` and `cpld restore`: a copy of the embedded database taken while a daemon
//! serves from it, and a copy put back in place while none does.
//!
//! # Backup
//! `VACUUM INTO` from a connection of its own. The database runs in WAL mode, so that
//! statement reads one snapshot (every transaction committed when it starts, none after)
//! without blocking the daemon's writer, which goes on committing into the log meanwhile.
//! (SQLite's online backup API reads the same snapshot when run in one step, but restarts
//! whenever another process writes when run in small ones; `VACUUM INTO` needs no extra
//! rusqlite feature and writes the copy compacted.) The copy is written to a partial file beside the
//! target, switched out of WAL mode (one self-contained file), checked, synced, and only
//! then renamed to the target's name, so a killed backup never leaves a half copy under
//! it. Afterwards a row in the source's `backups` table records the copy (for /metrics).
//!
//! # Restore
//! The file is first copied beside the database and that copy is checked (what is put in
//! place is exactly what was checked). A running daemon is detected through SQLite's own
//! locks: every connection to a WAL database holds a shared lock on the file for as long as
//! it is open, so an exclusive lock (`locking_mode = EXCLUSIVE`, `BEGIN EXCLUSIVE`) is
//! refused while any process (a daemon, `cpld backup`, an sqlite3 shell) has it open.
//! Holding that lock, restore switches the old file out of WAL mode (its log folded in and
//! deleted), gives it a second name (`<db>.before-restore-<time>`, a hard link), renames
//! the checked copy over the database's name and only then lets go. Every step leaves a
//! whole database under the name, so a restore killed half-way leaves the old one there,
//! and no process can open the old file between the checks and the swap.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, ErrorCode, OpenFlags};

use super::schema::{now_ms, schema_version};
use super::BUSY_TIMEOUT;

/// What a copy holds, as read back from it.
#[derive(Debug, Clone)]
pub struct Copy {
    /// Where it is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its schema version (highest applied migration).
    pub schema_version: i64,
    /// Rows per table, in the order the tables were created.
    pub tables: Vec<(String, i64)>,
}

/// What `cpld backup` did.
#[derive(Debug, Clone)]
pub struct Backup {
    /// The copy written.
    pub copy: Copy,
    /// Why the copy's time could not be recorded in the source database, if it could not
    /// (the copy is good either way).
    pub not_recorded: Option<String>,
}

/// What `cpld restore` did.
#[derive(Debug, Clone)]
pub struct Restore {
    /// The database now in place.
    pub copy: Copy,
    /// Where the database it replaced was kept, if there was one.
    pub kept: Option<PathBuf>,
}

/// Removes a partial file unless [`Partial::keep`] is called: a failed step leaves no
/// half-written copy behind.
struct Partial(Option<PathBuf>);

impl Partial {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Creates `path` empty, readable and writable by its owner only (on Unix).
fn create_private(path: &Path) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop).map_err(|e| {
        format!(
            "the copy could not be created at {}: {e}; check the space and permissions there",
            path.display()
        )
    })
}

/// `<dir>/<name><suffix>`: a sibling of `path` (same directory, so a rename is atomic).
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

fn utf8(path: &Path) -> Result<&str, String> {
    path.to_str().ok_or_else(|| {
        format!(
            "the path {} is not valid UTF-8, which SQLite needs; choose another name",
            path.display()
        )
    })
}

/// Opens an existing database file (never creates one).
fn open_existing(path: &Path, what: &str) -> Result<Connection, String> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("{what} {} cannot be opened: {e}", path.display()))?;
    c.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| format!("{what} {} cannot be configured: {e}", path.display()))?;
    Ok(c)
}

/// Whether `e` says the file is not a database or is damaged.
fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// Whether `e` says another connection holds a lock.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// The schema version of a CityPulse database; a sentence when `c` is not one. `shown`
/// names the file and `hint` what to do instead.
fn citypulse_version(c: &Connection, shown: &str, hint: &str) -> Result<i64, String> {
    let has = |table: &str| -> Result<bool, String> {
        c.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1)",
            [table],
            |r| r.get(0),
        )
        .map_err(|e| read_failure(shown, &e, hint))
    };
    for table in ["schema_migrations", "users", "events"] {
        if !has(table)? {
            return Err(format!(
                "{shown} is a SQLite database but not a CityPulse one (it has no {table} \
                 table); {hint}"
            ));
        }
    }
    let version: Option<i64> = c
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .map_err(|e| read_failure(shown, &e, hint))?;
    version.ok_or_else(|| {
        format!("{shown} is not a CityPulse database (it records no schema version); {hint}")
    })
}

/// A sentence for a failed read of `shown`.
fn read_failure(shown: &str, e: &rusqlite::Error, hint: &str) -> String {
    if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) {
        format!("{shown} is not a SQLite database ({e}); {hint}")
    } else if is_damage(e) {
        format!("{shown} is damaged: SQLite cannot read it ({e}); {hint}")
    } else {
        format!("{shown} could not be read: {e}")
    }
}

/// SQLite's `integrity_check` and `foreign_key_check`; a sentence naming the first problems.
fn check_integrity(c: &Connection, shown: &str, hint: &str) -> Result<(), String> {
    let read = |sql: &str| -> rusqlite::Result<Vec<String>> {
        c.prepare(sql)?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect()
    };
    let mut problems = read("PRAGMA integrity_check").map_err(|e| read_failure(shown, &e, hint))?;
    problems.retain(|p| p != "ok");
    let dangling = read("SELECT \"table\" || ' points to a missing row of ' || parent FROM pragma_foreign_key_check")
        .map_err(|e| read_failure(shown, &e, hint))?;
    problems.extend(dangling);
    if problems.is_empty() {
        return Ok(());
    }
    let n = problems.len();
    problems.truncate(5);
    Err(format!(
        "{shown} fails SQLite's integrity check ({n} problems, first: {}); {hint}",
        problems.join("; ")
    ))
}

/// Rows per ordinary table (the R*Tree's own tables and SQLite's left out).
fn table_counts(c: &Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    let names: Vec<String> = c
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE 'event_locations_%' ORDER BY rowid",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    names
        .into_iter()
        .map(|name| {
            let n = c.query_row(
                &format!("SELECT COUNT(*) FROM \"{}\"", name.replace('"', "\"\"")),
                [],
                |r| r.get(0),
            )?;
            Ok((name, n))
        })
        .collect()
}

/// Checks a copy at `path` (integrity, CityPulse, a schema version this build opens) and
/// reads what it holds. `shown` names the file in sentences.
fn inspect(c: &Connection, path: &Path, shown: &str, hint: &str) -> Result<Copy, String> {
    check_integrity(c, shown, hint)?;
    let version = citypulse_version(c, shown, hint)?;
    if version > schema_version() {
        return Err(format!(
            "{shown} has schema version {version}, newer than this cpld knows ({}); use a \
             newer cpld",
            schema_version()
        ));
    }
    let tables = table_counts(c).map_err(|e| read_failure(shown, &e, hint))?;
    let bytes = std::fs::metadata(path)
        .map_err(|e| format!("{shown} cannot be read: {e}"))?
        .len();
    Ok(Copy {
        path: path.to_path_buf(),
        bytes,
        schema_version: version,
        tables,
    })
}

/// Makes a file's contents, then its directory entry, durable.
fn sync(path: &Path) -> Result<(), String> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("{} could not be synced to disk: {e}", path.display()))?;
    // The rename is durable once the directory is; not every platform can open one.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Writes a consistent copy of the database at `db` to `target` while daemons may keep
/// writing to it; refuses an existing `target` unless `force`.
pub fn backup(db: &Path, target: &Path, force: bool) -> Result<Backup, String> {
    let shown = db.display().to_string();
    if !db.is_file() {
        return Err(format!(
            "there is no database at {shown}; set CPL_DB (or --db) to the file the daemon serves"
        ));
    }
    if target.is_dir() {
        return Err(format!(
            "{} is a directory; name the backup file, e.g. {}",
            target.display(),
            target.join("citypulse-backup.db").display()
        ));
    }
    if target.exists() {
        if !force {
            return Err(format!(
                "{} already exists; pass --force to overwrite it, or name another file",
                target.display()
            ));
        }
        if same_file(db, target) {
            return Err(format!(
                "{} is the database itself; name another file for the backup",
                target.display()
            ));
        }
    }
    if let Some(dir) = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
    {
        return Err(format!(
            "the directory {} does not exist; create it or name a file elsewhere",
            dir.display()
        ));
    }
    let hint = "point CPL_DB at the database cpld serves";
    let source = open_existing(db, "the database")?;
    citypulse_version(&source, &shown, hint)?;
    let partial_path = beside(target, &format!(".{}.partial", std::process::id()));
    let _ = std::fs::remove_file(&partial_path);
    let partial = Partial(Some(partial_path.clone()));
    // Created empty (VACUUM INTO accepts an empty file) so that the copy is born readable by
    // its owner only: it holds phone numbers and token hashes.
    create_private(&partial_path)?;
    // One read transaction: the snapshot of every commit made before it started.
    source
        .execute("VACUUM INTO ?1", [utf8(&partial_path)?])
        .map_err(|e| {
            if is_damage(&e) {
                format!(
                    "the database at {shown} is damaged ({e}); restore it from an earlier backup"
                )
            } else {
                format!(
                    "the copy of {shown} could not be written to {}: {e}; check the space and \
                     permissions there",
                    partial_path.display()
                )
            }
        })?;
    let mut copy = {
        let c = open_existing(&partial_path, "the copy")?;
        // One self-contained file: no -wal beside it to lose when it is copied elsewhere.
        let mode: String = c
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .map_err(|e| {
                format!(
                    "the copy {} could not be set up: {e}",
                    partial_path.display()
                )
            })?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(format!(
                "the copy {} stays in {mode} mode; write the backup to a local disk",
                partial_path.display()
            ));
        }
        inspect(
            &c,
            &partial_path,
            &format!("the copy of {shown}"),
            "the database itself may be damaged: run cpld restore from an earlier backup",
        )?
    };
    sync(&partial_path)?;
    std::fs::rename(&partial_path, target).map_err(|e| {
        format!(
            "the copy could not be renamed from {} to {}: {e}",
            partial_path.display(),
            target.display()
        )
    })?;
    partial.keep();
    sync(target)?;
    copy.path = target.to_path_buf();
    let not_recorded = record(&source, target, copy.bytes).err();
    Ok(Backup { copy, not_recorded })
}

/// Records a copy in the source database's `backups` table (one short write transaction,
/// serialised with the daemon's by SQLite's lock).
fn record(source: &Connection, target: &Path, bytes: u64) -> Result<(), String> {
    let path = std::path::absolute(target).unwrap_or_else(|_| target.to_path_buf());
    source
        .execute(
            "INSERT INTO backups (taken_at, path, bytes) VALUES (?1, ?2, ?3)",
            params![
                now_ms(),
                path.display().to_string(),
                i64::try_from(bytes).unwrap_or(i64::MAX)
            ],
        )
        .map(|_| ())
        .map_err(|e| match e.sqlite_error_code() {
            None | Some(ErrorCode::Unknown) => format!(
                "the database has no backups table yet (start this version of cpld on it \
                 once): {e}"
            ),
            _ => e.to_string(),
        })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Puts the backup `file` in place as the database at `db` (no daemon may be using it),
/// keeping the database it replaces as `<db>.before-restore-<time>`.
pub fn restore(db: &Path, file: &Path) -> Result<Restore, String> {
    let shown = file.display().to_string();
    let hint = "name another file written by cpld backup";
    if !file.is_file() {
        return Err(format!("there is no file at {shown}; {hint}"));
    }
    if same_file(db, file) {
        return Err(format!(
            "{shown} is the database itself (CPL_DB); name a backup file"
        ));
    }
    let log = beside(file, "-wal");
    if std::fs::metadata(&log).is_ok_and(|m| m.len() > 0) {
        return Err(format!(
            "{shown} has a write-ahead log beside it ({}): it is a live database, not a \
             backup; copy it with cpld backup first and restore that copy",
            log.display()
        ));
    }
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            format!(
                "the directory {} for the database could not be created: {e}; check its \
                 permissions or set CPL_DB to another file",
                dir.display()
            )
        })?;
    }
    let staged_path = beside(db, &format!(".restore-{}.partial", std::process::id()));
    let staged = Partial(Some(staged_path.clone()));
    std::fs::copy(file, &staged_path).map_err(|e| {
        format!(
            "{shown} could not be copied to {}: {e}; check the space and permissions there",
            staged_path.display()
        )
    })?;
    let copy = {
        let c = open_existing(&staged_path, "the copy")?;
        inspect(&c, &staged_path, &shown, hint)?
    };
    sync(&staged_path)?;
    let kept = put_in_place(&staged_path, db)?;
    staged.keep(); // renamed to the database's name
    sync(db)?;
    Ok(Restore {
        copy: Copy {
            path: db.to_path_buf(),
            ..copy
        },
        kept,
    })
}

/// A free `<db>.before-restore-<time>[-n]` name.
fn aside_name(db: &Path) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let mut aside = beside(db, &format!(".before-restore-{stamp}"));
    let mut n = 1;
    while aside.exists() {
        n += 1;
        aside = beside(db, &format!(".before-restore-{stamp}-{n}"));
    }
    aside
}

/// Renames `staged` to `db`, first keeping the database there (if any) as
/// `<db>.before-restore-<time>`; returns that name. Every step leaves a whole database
/// under `db`, so a restore killed half-way leaves the old one in place.
fn put_in_place(staged: &Path, db: &Path) -> Result<Option<PathBuf>, String> {
    let shown = db.display().to_string();
    if !db.exists() {
        std::fs::rename(staged, db).map_err(|e| {
            format!(
                "the backup could not be renamed from {} to {shown}: {e}",
                staged.display()
            )
        })?;
        return Ok(None);
    }
    // Held until the new file has the name: no process opens the old one meanwhile.
    let lock = lock_exclusive(db)?;
    let shm = beside(db, "-shm");
    if shm.exists() {
        // The old log's index; the log itself was folded into the file and removed.
        std::fs::remove_file(&shm).map_err(|e| {
            format!(
                "{} could not be removed: {e}; nothing was changed",
                shm.display()
            )
        })?;
    }
    let aside = aside_name(db);
    // A second name for the old file (a copy where the file system has no hard links).
    std::fs::hard_link(db, &aside)
        .or_else(|_| std::fs::copy(db, &aside).map(|_| ()))
        .map_err(|e| {
            format!(
                "the database {shown} could not be kept as {}: {e}; nothing was changed",
                aside.display()
            )
        })?;
    sync(&aside)?;
    std::fs::rename(staged, db).map_err(|e| {
        format!(
            "the backup could not be renamed from {} to {shown}: {e}; the database there is \
             unchanged (and also kept as {})",
            staged.display(),
            aside.display()
        )
    })?;
    drop(lock);
    Ok(Some(aside))
}

/// A connection holding the exclusive lock of the database at `db`, switched out of WAL
/// mode (its log folded into the file and deleted, so closing it later touches no file
/// under `db`'s name); a sentence when another process has it open. `None` when the file
/// is not a readable database (it is kept aside as it is).
fn lock_exclusive(db: &Path) -> Result<Option<Connection>, String> {
    let shown = db.display().to_string();
    let c = open_existing(db, "the database")?;
    let in_use = || {
        format!(
            "the database {shown} is in use by another process (a running cpld, a cpld \
             backup, or another program with the file open); stop it and run cpld restore \
             again; nothing was changed"
        )
    };
    let step = || -> rusqlite::Result<String> {
        c.busy_timeout(std::time::Duration::ZERO)?;
        c.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |_| Ok(()))?;
        c.execute_batch("BEGIN EXCLUSIVE; COMMIT;")?;
        c.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
    };
    match step() {
        Ok(mode) if mode.eq_ignore_ascii_case("delete") => Ok(Some(c)),
        Ok(mode) => Err(format!(
            "the database {shown} could not leave {mode} mode to be moved aside; nothing was \
             changed"
        )),
        Err(e) if is_busy(&e) => Err(in_use()),
        Err(e) if is_damage(&e) => Ok(None),
        Err(e) => Err(format!(
            "the database {shown} could not be locked for the restore: {e}; nothing was changed"
        )),
    }
}
