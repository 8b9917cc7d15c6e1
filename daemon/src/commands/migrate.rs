//! `cpld migrate --from A --to B`: copies every collection of one store into another (SQLite
//! file or MongoDB database, either way), ids preserved.
//!
//! Each collection is read in key order in batches and each batch written
//! insert-if-absent by key ([`crate::store::transfer`]), so a rerun copies nothing twice
//! and a copy that was stopped (killed, a lost connection) continues where it stopped when
//! run again with `--merge`. A target that already holds anything is refused without
//! `--merge`, so that two unrelated stores are never mixed by accident. At the end every
//! collection is counted again in the target and must hold at least what the source holds.
//!
//! The daemons on the source should be stopped first: a copy reads each collection once,
//! so what they write meanwhile may or may not be carried.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::Secret;
use crate::store::mongo::MongoStore;
use crate::store::sqlite::SqliteStore;
use crate::store::transfer::Kind;
use crate::store::Store;

/// Records per batch unless `--batch-size` says otherwise.
pub const DEFAULT_BATCH: u32 = 500;

/// What `cpld migrate` was asked to do.
pub struct Migration {
    /// Where records come from.
    pub from: Endpoint,
    /// Where they go.
    pub to: Endpoint,
    /// Write into a target that already holds records (those with a key there are kept).
    pub merge: bool,
    /// Only say what would be copied.
    pub dry_run: bool,
    /// Records per read and write.
    pub batch: u32,
    /// Stop the process (as a kill would) once this many records were copied: for the
    /// tests of an interrupted copy.
    pub stop_after: Option<u64>,
}

/// One side of a copy.
pub enum Endpoint {
    /// A SQLite file of the embedded store.
    Sqlite(PathBuf),
    /// A MongoDB database.
    Mongo {
        /// The connection string (may hold a password: never printed).
        url: Secret,
        /// The database.
        database: String,
    },
}

/// Which side of the copy, for sentences.
#[derive(Clone, Copy)]
enum Side {
    From,
    To,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::From => "source (--from)",
            Side::To => "target (--to)",
        }
    }
}

impl Endpoint {
    /// Reads `--from`/`--to`: a `mongodb://` or `mongodb+srv://` URL (the database is the
    /// URL's path, else `database`), the word `mongodb` for the `MONGODB_URL` of the
    /// configuration (so a password need not appear on the command line), or a SQLite
    /// file.
    pub fn parse(arg: &str, configured: Option<&Secret>, database: &str) -> Result<Self, String> {
        let arg = arg.trim();
        if arg.is_empty() {
            return Err("--from and --to need a SQLite file or a mongodb:// URL".into());
        }
        if arg == "mongodb" {
            let url = configured.ok_or(
                "`mongodb` stands for the MONGODB_URL of the configuration, which is not set; \
                 set it or write the mongodb:// URL itself",
            )?;
            return Ok(Endpoint::Mongo {
                url: url.clone(),
                database: database.to_string(),
            });
        }
        if arg.starts_with("mongodb://") || arg.starts_with("mongodb+srv://") {
            let named = url_database(arg).filter(|d| !d.is_empty());
            return Ok(Endpoint::Mongo {
                url: Secret::new(arg),
                database: named.unwrap_or(database).to_string(),
            });
        }
        if arg.contains("://") {
            return Err(format!(
                "{} is neither a SQLite file nor a mongodb:// or mongodb+srv:// URL",
                without_credentials(arg)
            ));
        }
        Ok(Endpoint::Sqlite(PathBuf::from(arg)))
    }

    /// How it is named in sentences: never a password.
    pub fn shown(&self) -> String {
        match self {
            Endpoint::Sqlite(p) => format!("SQLite file {}", p.display()),
            Endpoint::Mongo { url, database } => {
                format!("MongoDB database {database} at {}", hosts(url.expose()))
            }
        }
    }

    /// Whether two endpoints are the same store.
    fn same_as(&self, other: &Endpoint) -> bool {
        match (self, other) {
            (Endpoint::Sqlite(a), Endpoint::Sqlite(b)) => canonical(a) == canonical(b),
            (
                Endpoint::Mongo {
                    url: a,
                    database: da,
                },
                Endpoint::Mongo {
                    url: b,
                    database: db,
                },
            ) => da == db && host_set(a.expose()) == host_set(b.expose()),
            _ => false,
        }
    }

    /// Checks a SQLite path before anything opens (and perhaps creates) it: the source
    /// must exist, and either must be a SQLite database when it exists and is not empty.
    fn check_file(&self, side: Side) -> Result<(), String> {
        let Endpoint::Sqlite(path) = self else {
            return Ok(());
        };
        let shown = path.display();
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return match side {
                    Side::From => Err(format!(
                        "the {} {shown} does not exist; pass the SQLite file the daemon uses \
                         (CPL_DB) or a mongodb:// URL",
                        side.name()
                    )),
                    Side::To => Ok(()),
                };
            }
            Err(e) => return Err(format!("the {} {shown} cannot be read: {e}", side.name())),
        };
        if meta.is_dir() {
            return Err(format!(
                "the {} {shown} is a directory, not a SQLite database file",
                side.name()
            ));
        }
        let mut head = [0_u8; 16];
        let read = std::fs::File::open(path).and_then(|mut f| {
            use std::io::Read;
            f.read(&mut head)
        });
        match read {
            Ok(0) => Ok(()),
            Ok(n) if n == head.len() && &head == b"SQLite format 3\0" => Ok(()),
            Ok(_) => Err(format!(
                "the {} {shown} is not a SQLite database (it does not start with SQLite's \
                 header); pass the file the daemon uses (CPL_DB) or a mongodb:// URL",
                side.name()
            )),
            Err(e) => Err(format!("the {} {shown} cannot be read: {e}", side.name())),
        }
    }

    /// Opens the store. `prepare`: let it create what it needs (schema, indexes); a dry
    /// run opens without, and never creates a missing SQLite file (None then).
    async fn open(&self, side: Side, prepare: bool) -> Result<Option<Arc<dyn Store>>, String> {
        let failed = |e: crate::store::StoreError| {
            // The store's sentences name the daemon's setting; here the URL came from a flag.
            let flag = match side {
                Side::From => "--from",
                Side::To => "--to",
            };
            format!(
                "cannot open the {}: {}",
                side.name(),
                e.to_string()
                    .replace("MONGODB_URL", &format!("the {flag} URL"))
            )
        };
        match self {
            Endpoint::Sqlite(path) => {
                if !prepare && !path.exists() {
                    return Ok(None);
                }
                let path = path.clone();
                let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
                    .await
                    .map_err(|e| format!("cannot open the {}: {e}", side.name()))?
                    .map_err(failed)?;
                Ok(Some(Arc::new(store)))
            }
            Endpoint::Mongo { url, database } => {
                let store = MongoStore::connect_with(url.expose(), database, prepare)
                    .await
                    .map_err(failed)?;
                Ok(Some(Arc::new(store)))
            }
        }
    }
}

/// The database in a URL's path (`mongodb://h/NAME?x`).
fn url_database(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let path = rest.split_once('/')?.1;
    Some(path.split('?').next().unwrap_or(path))
}

/// The host list of a URL, without credentials, path or options.
fn hosts(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    authority.rsplit_once('@').map_or(authority, |(_, h)| h)
}

fn host_set(url: &str) -> Vec<String> {
    let mut v: Vec<String> = hosts(url)
        .split(',')
        .map(|h| h.to_ascii_lowercase().replace("localhost", "127.0.0.1"))
        .collect();
    v.sort();
    v
}

/// A URL-looking argument without its `user:password@`.
fn without_credentials(arg: &str) -> String {
    match arg.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?']).next().unwrap_or(rest);
            match authority.rsplit_once('@') {
                Some((_, h)) => format!("{scheme}://{h}{}", &rest[authority.len()..]),
                None => arg.to_string(),
            }
        }
        None => arg.to_string(),
    }
}

/// The absolute path of a file that may not exist yet.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (parent.canonicalize(), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// Per collection counts, in [`Kind::ALL`] order.
type Counts = Vec<(Kind, u64)>;

async fn counts(store: &dyn Store, side: Side) -> Result<Counts, String> {
    let mut out = Vec::with_capacity(Kind::ALL.len());
    for kind in Kind::ALL {
        let n = store
            .count(kind)
            .await
            .map_err(|e| format!("cannot count the {}'s {}: {e}", side.name(), kind.name()))?;
        out.push((kind, n));
    }
    Ok(out)
}

fn total(c: &Counts) -> u64 {
    c.iter().map(|(_, n)| n).sum()
}

fn listed(c: &Counts) -> String {
    c.iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{} {n}", k.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn progress(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{bar:40}] {pos}/{len} records ({per_sec}) {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

impl Migration {
    /// Runs it; the report for stdout, or a sentence saying why not.
    pub async fn run(&self) -> Result<String, String> {
        if self.from.same_as(&self.to) {
            return Err(format!(
                "the source and the target are the same store ({}); a copy needs two",
                self.from.shown()
            ));
        }
        if self.batch == 0 {
            return Err("--batch-size must be at least 1".into());
        }
        self.from.check_file(Side::From)?;
        self.to.check_file(Side::To)?;
        let prepare = !self.dry_run;
        let Some(source) = self.from.open(Side::From, prepare).await? else {
            return Err(format!("the {} does not exist", Side::From.name()));
        };
        let in_source = counts(source.as_ref(), Side::From).await?;
        let target = self.to.open(Side::To, prepare).await?;
        let in_target = match &target {
            Some(t) => counts(t.as_ref(), Side::To).await?,
            None => Kind::ALL.iter().map(|k| (*k, 0)).collect(),
        };
        let empty = total(&in_target) == 0;
        let (from, to) = (self.from.shown(), self.to.shown());
        if self.dry_run {
            let mut out = format!("dry run: nothing written\nfrom {from}\nto   {to}\n");
            out.push_str(&table(&["collection", "source", "target"], |k| {
                vec![count_of(&in_source, k), count_of(&in_target, k)]
            }));
            out.push_str(&if target.is_none() {
                format!("would create {to} and copy {} records", total(&in_source))
            } else if empty {
                format!(
                    "would copy {} records into the empty target",
                    total(&in_source)
                )
            } else if self.merge {
                format!(
                    "would add each of the {} records whose id the target lacks (--merge)",
                    total(&in_source)
                )
            } else {
                "would refuse: the target is not empty (pass --merge to add to it)".to_string()
            });
            out.push('\n');
            return Ok(out);
        }
        let Some(target) = target else {
            return Err(format!("the {} could not be created", Side::To.name()));
        };
        if !empty && !self.merge {
            return Err(format!(
                "the target {to} already holds records ({}); pass --merge to add the source's \
                 records to it (those already there are kept, so this also continues an \
                 interrupted copy), or pick an empty target",
                listed(&in_target)
            ));
        }
        let added = self
            .copy(source.as_ref(), target.as_ref(), &in_source)
            .await?;
        target
            .flush()
            .await
            .map_err(|e| format!("cannot finish writing the target: {e}"))?;
        let after = counts(target.as_ref(), Side::To).await?;
        let short: Vec<String> = in_source
            .iter()
            .zip(&after)
            .filter(|((_, s), (_, t))| t < s)
            .map(|((k, s), (_, t))| format!("{} ({t} of {s})", k.name()))
            .collect();
        if !short.is_empty() {
            return Err(format!(
                "after the copy the target holds fewer records than the source: {}; was a \
                 daemon deleting in the target? run the copy again",
                short.join(", ")
            ));
        }
        let mut out = format!("copied {from}\n  into {to}\n");
        out.push_str(&table(&["collection", "source", "copied", "target"], |k| {
            vec![
                count_of(&in_source, k),
                count_of(&added, k),
                count_of(&after, k),
            ]
        }));
        out.push_str(&format!(
            "{} records copied, {} were there already\n",
            total(&added),
            total(&in_source).saturating_sub(total(&added))
        ));
        Ok(out)
    }

    /// Copies every collection in key order; how many records each added.
    async fn copy(
        &self,
        source: &dyn Store,
        target: &dyn Store,
        in_source: &Counts,
    ) -> Result<Counts, String> {
        let bar = progress(total(in_source));
        let mut added = Vec::with_capacity(Kind::ALL.len());
        let mut done = 0_u64;
        for kind in Kind::ALL {
            bar.set_message(kind.name());
            let mut after: Option<String> = None;
            let mut n = 0;
            loop {
                let page = source
                    .export_batch(kind, after.as_deref(), self.batch)
                    .await
                    .map_err(|e| format!("cannot read the source's {}: {e}", kind.name()))?;
                let Some(last) = page.last() else { break };
                after = Some(last.key());
                let len = page.len() as u64;
                n += target
                    .import_batch(page)
                    .await
                    .map_err(|e| format!("cannot write {} into the target: {e}", kind.name()))?;
                bar.inc(len);
                done += len;
                if self.stop_after.is_some_and(|stop| done >= stop) {
                    bar.abandon();
                    // As a kill would: no clean-up, nothing more written.
                    eprintln!("cpld migrate: stopped after {done} records (--stop-after)");
                    std::process::exit(3);
                }
            }
            added.push((kind, n));
        }
        bar.finish_and_clear();
        Ok(added)
    }
}

/// `cpld migrate --upgrade`: writes the derived fields into the documents of the MongoDB
/// `target` in place ([`MongoStore::backfill_derived`]); the report, or why not.
pub async fn upgrade(target: &Endpoint, dry_run: bool) -> Result<String, String> {
    let Endpoint::Mongo { url, database } = target else {
        return Err(format!(
            "--upgrade backfills the original backend's MongoDB documents; {} is not a MongoDB \
             database (pass a mongodb:// URL, or `mongodb` for MONGODB_URL)",
            target.shown()
        ));
    };
    let store = MongoStore::connect_with(url.expose(), database, !dry_run)
        .await
        .map_err(|e| format!("cannot open {}: {e}", target.shown()))?;
    let done = store
        .backfill_derived(dry_run)
        .await
        .map_err(|e| format!("cannot backfill {}: {e}", target.shown()))?;
    let width = done.iter().map(|b| b.field.len()).max().unwrap_or(0);
    let verb = if dry_run {
        "would write"
    } else {
        "written into"
    };
    let mut out = format!(
        "{}{}\n",
        if dry_run {
            "dry run: nothing written\n"
        } else {
            ""
        },
        target.shown()
    );
    for b in &done {
        out.push_str(&format!(
            "{:<width$}  {verb} {} documents\n",
            b.field, b.documents
        ));
    }
    Ok(out)
}

fn count_of(c: &Counts, kind: Kind) -> String {
    c.iter()
        .find(|(k, _)| *k == kind)
        .map_or(0, |(_, n)| *n)
        .to_string()
}

/// A plain text table, one row per collection.
fn table(header: &[&str], row: impl Fn(Kind) -> Vec<String>) -> String {
    let mut rows = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for kind in Kind::ALL {
        let mut r = vec![kind.name().to_string()];
        r.extend(row(kind));
        rows.push(r);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    format!("{c:<w$}", w = widths[i])
                } else {
                    format!("{c:>w$}", w = widths[i])
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_and_never_shown_with_credentials() {
        let e = Endpoint::parse(
            "mongodb://alice:s3cret@db1:27017,db2/citypulse?w=1",
            None,
            "x",
        )
        .unwrap();
        assert_eq!(e.shown(), "MongoDB database citypulse at db1:27017,db2");
        let e = Endpoint::parse("mongodb+srv://a:b@cluster.example.net/", None, "dflt").unwrap();
        assert_eq!(e.shown(), "MongoDB database dflt at cluster.example.net");
        let err = Endpoint::parse("postgres://u:pw@h/db", None, "x")
            .err()
            .unwrap();
        assert!(!err.contains("pw"), "{err}");
        assert!(Endpoint::parse("mongodb", None, "x").is_err());
        let configured = Secret::new("mongodb://h");
        assert!(matches!(
            Endpoint::parse("mongodb", Some(&configured), "x"),
            Ok(Endpoint::Mongo { .. })
        ));
        assert!(matches!(
            Endpoint::parse("data/citypulse.db", None, "x"),
            Ok(Endpoint::Sqlite(_))
        ));
    }

    #[test]
    fn the_same_store_is_recognised() {
        let a = Endpoint::parse("mongodb://u:p@localhost:27017/db", None, "x").unwrap();
        let b = Endpoint::parse("mongodb://127.0.0.1:27017/db", None, "x").unwrap();
        let c = Endpoint::parse("mongodb://127.0.0.1:27017/other", None, "x").unwrap();
        assert!(a.same_as(&b));
        assert!(!a.same_as(&c));
        let dir = tempfile::tempdir().unwrap();
        let f = Endpoint::Sqlite(dir.path().join("a.db"));
        let g = Endpoint::Sqlite(dir.path().join(".").join("a.db"));
        assert!(f.same_as(&g));
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "hello, this is text").unwrap();
        let err = Endpoint::Sqlite(path).check_file(Side::From).err().unwrap();
        assert!(err.contains("is not a SQLite database"), "{err}");
        let missing = Endpoint::Sqlite(dir.path().join("none.db"));
        assert!(missing.check_file(Side::From).is_err());
        assert!(missing.check_file(Side::To).is_ok());
    }
}
