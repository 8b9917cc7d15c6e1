//! `cpld backup` and `cpld restore` on the embedded store: a backup taken while a daemon
//! serves registrations and chat is a sound database from which a daemon serves every write
//! acknowledged before the backup started; restore checks the file first, refuses while a
//! daemon uses the database and keeps the database it replaces.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use citypulse::api::{CreateEventRequest, PageQuery, RegisterRequest};
use citypulse::geo::Coordinates;
use citypulse::ids::{EventId, MessageId, UserId};
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::Client;
use citypulse_tests::{binary, unique_phone, Daemon, BOGOTA};

/// The most writes a load task makes (it stops earlier once the backup is done).
const MAX_WRITES: usize = 5_000;

/// Writes each load task has acknowledged before the backup starts.
const WARM_UP: usize = 5;

/// Generous bound on waits that end by construction (the load warming up, an echo).
const WAIT: Duration = Duration::from_secs(60);

/// Runs `cpld <args>` on the database `db`, in a clean environment (no config file, no
/// .env), and waits for it.
async fn cpld(db: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let home = db.parent().unwrap();
    let mut cmd = tokio::process::Command::new(binary("cpld"));
    cmd.env_clear()
        .current_dir(home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("CPL_DB", db)
        .args(args);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output().await.unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts the command failed and returns its stderr.
fn refused(out: &Output, what: &str) -> String {
    let err = text(&out.stderr);
    assert!(
        !out.status.success(),
        "{what} should be refused; stdout:\n{}\nstderr:\n{err}",
        text(&out.stdout)
    );
    err
}

/// Asserts the command succeeded and returns its stdout.
fn succeeded(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// `PRAGMA integrity_check` of a file.
fn integrity(path: &Path) -> String {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// The files in `dir` whose name contains `part`.
fn files_with(dir: &Path, part: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(part))
        .collect()
}

#[derive(Default, Clone)]
struct Acked {
    users: Vec<(UserId, String)>,
    messages: Vec<MessageId>,
}

fn room() -> CreateEventRequest {
    CreateEventRequest {
        title: "Copia de seguridad".into(),
        description: None,
        category: "civico".into(),
        coordinates: Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap(),
        address: None,
        starts_at: None,
        ends_at: None,
    }
}

/// Registers users until `stop`, recording each acknowledged one.
async fn register_until(
    client: Client,
    acked: Arc<Mutex<Acked>>,
    stop: Arc<AtomicBool>,
    warm: tokio::sync::mpsc::Sender<()>,
) -> Result<(), String> {
    for i in 0..MAX_WRITES {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let req = RegisterRequest {
            phone: unique_phone(),
            name: format!("Nueva {i}"),
        };
        let r = client
            .register(&req)
            .await
            .map_err(|e| format!("registration {i}: {e}"))?;
        acked.lock().unwrap().users.push((r.user.id, r.token));
        if i + 1 == WARM_UP {
            let _ = warm.send(()).await;
        }
    }
    Ok(())
}

/// Chats in `event` until `stop`; a message counts as acknowledged when its author hears
/// it back (it is stored before it is broadcast).
async fn chat_until(
    speaker: Client,
    id: UserId,
    event: EventId,
    acked: Arc<Mutex<Acked>>,
    stop: Arc<AtomicBool>,
    warm: tokio::sync::mpsc::Sender<()>,
) -> Result<(), String> {
    let mut ws = speaker
        .connect(&id)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    for i in 0..MAX_WRITES {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let want = format!("{id} m{i}");
        ws.send(&ClientMessage::ChatMessage {
            event_id: event.clone(),
            message: want.clone(),
        })
        .await
        .map_err(|e| format!("send {i}: {e}"))?;
        let echo = ws
            .recv_until(WAIT, |m| match m {
                ServerMessage::ChatMessage(c) if c.message == want => Some(c.id.clone()),
                _ => None,
            })
            .await
            .map_err(|e| format!("echo of {i}: {e}"))?;
        acked.lock().unwrap().messages.push(echo);
        if i + 1 == WARM_UP {
            let _ = warm.send(()).await;
        }
    }
    let _ = ws.close().await;
    Ok(())
}

/// Every message of `event`, newest first, page by page.
async fn all_messages(c: &Client, event: &EventId) -> Vec<MessageId> {
    let mut ids = Vec::new();
    let mut q = PageQuery {
        limit: Some(200),
        ..Default::default()
    };
    loop {
        let page = c.messages(event, &q).await.unwrap();
        let Some(last) = page.last() else {
            return ids;
        };
        q.before = Some(last.timestamp);
        q.before_id = Some(last.id.to_string());
        ids.extend(page.iter().map(|m| m.id.clone()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_under_write_load_restores_every_acknowledged_write() {
    let d = Daemon::start().await;
    let db = d.dir.join("citypulse.db");
    let (host, _) = d.user("Anfitriona").await;
    let event = host.create_event(&room()).await.unwrap();

    let acked = Arc::new(Mutex::new(Acked::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let (warm, mut warmed) = tokio::sync::mpsc::channel(8);
    let mut load = tokio::task::JoinSet::new();
    for _ in 0..2 {
        load.spawn(register_until(
            d.client(),
            acked.clone(),
            stop.clone(),
            warm.clone(),
        ));
    }
    for i in 0..2 {
        let (speaker, reg) = d.user(&format!("Hablante {i}")).await;
        speaker.join_event(&event.id).await.unwrap();
        load.spawn(chat_until(
            speaker,
            reg.user.id,
            event.id.clone(),
            acked.clone(),
            stop.clone(),
            warm.clone(),
        ));
    }
    drop(warm);
    // Every task has had writes acknowledged and keeps writing.
    for _ in 0..4 {
        let ready = tokio::time::timeout(WAIT, warmed.recv()).await;
        assert!(
            matches!(ready, Ok(Some(()))),
            "a load task stopped before warming up: {:?}",
            load.join_next().await
        );
    }

    // What was acknowledged before the backup starts must be in it.
    let before = acked.lock().unwrap().clone();
    let backups = tempfile::tempdir().unwrap();
    let copy = backups.path().join("citypulse-backup.db");
    let out = cpld(&db, &["backup", copy.to_str().unwrap()], &[]).await;
    stop.store(true, Ordering::Relaxed);
    while let Some(task) = load.join_next().await {
        task.unwrap().unwrap();
    }
    let printed = succeeded(&out, "cpld backup");
    assert!(
        printed.contains(copy.to_str().unwrap()) && printed.contains("schema version"),
        "{printed}"
    );
    assert!(
        printed.contains("users") && printed.contains("messages"),
        "{printed}"
    );
    assert_eq!(integrity(&copy), "ok");
    assert!(
        files_with(backups.path(), "partial").is_empty(),
        "no partial file is left"
    );
    let during = acked.lock().unwrap().clone();
    println!(
        "backup after {} users and {} messages acknowledged ({} and {} by the end)",
        before.users.len(),
        before.messages.len(),
        during.users.len(),
        during.messages.len()
    );

    // The daemon that was backed up says when.
    let metrics = reqwest::get(format!("{}/metrics", d.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let taken: i64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("citypulse_last_backup_timestamp_seconds "))
        .unwrap_or_else(|| panic!("no backup gauge in\n{metrics}"))
        .parse()
        .unwrap();
    assert!(taken > 0, "{metrics}");

    // Restored into a fresh place, a daemon serves every write acknowledged before.
    let fresh = tempfile::tempdir().unwrap();
    let target = fresh.path().join("citypulse.db");
    let out = cpld(&target, &["restore", copy.to_str().unwrap()], &[]).await;
    let printed = succeeded(&out, "cpld restore");
    assert!(printed.contains("there was no database"), "{printed}");
    let restored = Daemon::builder().dir(fresh.path()).start().await;
    for (id, token) in &before.users {
        let me = restored
            .client()
            .with_token(token)
            .me()
            .await
            .unwrap_or_else(|e| panic!("acknowledged registration {id} missing: {e}"));
        assert_eq!(&me.id, id);
    }
    let history = all_messages(&restored.client(), &event.id).await;
    for id in &before.messages {
        assert!(
            history.contains(id),
            "acknowledged message {id} missing from the restored daemon"
        );
    }
}

/// A database made by `cpld init-db` in `dir`, and a backup of it (`<dir>/empty.db`).
async fn empty_backup(dir: &Path) -> PathBuf {
    let db = dir.join("citypulse.db");
    succeeded(&cpld(&db, &["init-db"], &[]).await, "cpld init-db");
    let copy = dir.join("empty.db");
    succeeded(
        &cpld(&db, &["backup", copy.to_str().unwrap()], &[]).await,
        "cpld backup",
    );
    copy
}

#[tokio::test]
async fn restore_checks_the_file_first() {
    let src = tempfile::tempdir().unwrap();
    let good = empty_backup(src.path()).await;
    let target_dir = tempfile::tempdir().unwrap();
    let target = target_dir.path().join("citypulse.db");

    // Damaged: everything after the first page overwritten.
    let damaged = src.path().join("damaged.db");
    let mut bytes = std::fs::read(&good).unwrap();
    for b in bytes.iter_mut().skip(4096) {
        *b = 0x5a;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let err = refused(
        &cpld(&target, &["restore", damaged.to_str().unwrap()], &[]).await,
        "a damaged file",
    );
    assert!(
        err.contains(damaged.to_str().unwrap())
            && (err.contains("damaged") || err.contains("integrity check")),
        "{err}"
    );

    // Not a database at all.
    let notes = src.path().join("notes.txt");
    std::fs::write(
        &notes,
        "these are not the rows you are looking for\n".repeat(100),
    )
    .unwrap();
    let err = refused(
        &cpld(&target, &["restore", notes.to_str().unwrap()], &[]).await,
        "a text file",
    );
    assert!(err.contains("not a SQLite database"), "{err}");

    // A SQLite database, but another program's.
    let foreign = src.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hola');")
        .unwrap();
    let err = refused(
        &cpld(&target, &["restore", foreign.to_str().unwrap()], &[]).await,
        "a foreign SQLite file",
    );
    assert!(err.contains("not a CityPulse one"), "{err}");

    // Nothing was put in place, nothing half-copied left behind.
    assert!(
        std::fs::read_dir(target_dir.path())
            .unwrap()
            .next()
            .is_none(),
        "{:?}",
        files_with(target_dir.path(), "")
    );
}

#[tokio::test]
async fn restore_keeps_the_database_it_replaces() {
    let src = tempfile::tempdir().unwrap();
    let empty = empty_backup(src.path()).await;
    let mut d = Daemon::start().await;
    let (_, reg) = d.user("Antes").await;
    // Killed: the registration is still in the write-ahead log, not yet in the file.
    d.kill();
    let db = d.dir.join("citypulse.db");

    let out = cpld(&db, &["restore", empty.to_str().unwrap()], &[]).await;
    let printed = succeeded(&out, "cpld restore");
    let kept: PathBuf = printed
        .lines()
        .find_map(|l| l.strip_prefix("the previous database is kept at "))
        .unwrap_or_else(|| panic!("{printed}"))
        .into();
    assert!(
        kept.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("citypulse.db.before-restore-"),
        "{}",
        kept.display()
    );
    // The kept database holds the user (the log was folded in); the stale log files are gone.
    let users: i64 = rusqlite::Connection::open(&kept)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM users WHERE id = ?1",
            [reg.user.id.as_str()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(users, 1);
    for stale in ["citypulse.db-wal", "citypulse.db-shm"] {
        assert!(
            !d.dir.join(stale).exists(),
            "{stale} left beside the restored database"
        );
    }
    // The daemon now serves the restored (empty) database.
    d.start_again().await;
    assert!(d.admin().user(&reg.user.id).await.is_err());
    assert!(d.admin().users().await.unwrap().is_empty());
}

#[tokio::test]
async fn restore_refuses_while_a_daemon_uses_the_database() {
    let d = Daemon::start().await;
    let (user, reg) = d.user("Presente").await;
    let db = d.dir.join("citypulse.db");
    let backups = tempfile::tempdir().unwrap();
    let copy = backups.path().join("copy.db");
    succeeded(
        &cpld(&db, &["backup", copy.to_str().unwrap()], &[]).await,
        "cpld backup of a running daemon",
    );

    let err = refused(
        &cpld(&db, &["restore", copy.to_str().unwrap()], &[]).await,
        "restore under a running daemon",
    );
    assert!(err.contains("in use by another process"), "{err}");
    assert!(files_with(&d.dir, "before-restore").is_empty());
    assert!(files_with(&d.dir, "partial").is_empty());
    assert_eq!(user.me().await.unwrap().id, reg.user.id);
}

#[tokio::test]
async fn backup_refuses_an_existing_file_without_force() {
    let src = tempfile::tempdir().unwrap();
    let db = src.path().join("citypulse.db");
    succeeded(&cpld(&db, &["init-db"], &[]).await, "cpld init-db");
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("backup.db");
    std::fs::write(&target, "keep me").unwrap();

    let err = refused(
        &cpld(&db, &["backup", target.to_str().unwrap()], &[]).await,
        "overwriting without --force",
    );
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");

    succeeded(
        &cpld(&db, &["backup", "--force", target.to_str().unwrap()], &[]).await,
        "cpld backup --force",
    );
    assert_eq!(integrity(&target), "ok");
    // Phone numbers and token hashes: the copy is its owner's alone, whatever the umask.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "backup file mode {mode:o}");
    }
    assert_eq!(
        files_with(out_dir.path(), ""),
        vec!["backup.db".to_string()]
    );
}

#[tokio::test]
async fn backup_on_mongodb_points_to_mongodump() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("citypulse.db");
    let target = dir.path().join("backup.db");
    let err = refused(
        &cpld(
            &db,
            &["backup", target.to_str().unwrap()],
            &[("MONGODB_URL", "mongodb://127.0.0.1:9")],
        )
        .await,
        "a backup of a MongoDB configuration",
    );
    assert!(err.contains("mongodump"), "{err}");
    assert!(!target.exists());
}
