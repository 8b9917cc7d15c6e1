//! The embedded SQLite store: the conformance suite (each check on its own temporary
//! file), then what only SQLite has (the file, its pragmas, migrations, the R*Tree).

#[macro_use]
mod conformance;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use citypulse::geo::Coordinates;
use citypulse::ids::{CollectibleId, EventId, MessageId, UserId};
use citypulse::model::{ChatMessage, Collectible, Rarity};
use citypulse::time::Timestamp;
use citypulse_daemon::store::sqlite::{SqliteStore, BUSY_TIMEOUT};
use citypulse_daemon::store::{ClaimOutcome, NewEvent, NewUser, Store, StoreError};
use rusqlite::Connection;

async fn sqlite_store() -> conformance::Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(&dir.path().join("citypulse.db")).expect("open the store");
    conformance::Fixture::new(Arc::new(store), dir)
}

conformance_tests!(sqlite_store);

// ---- SQLite only ----

fn t(ms: i64) -> Timestamp {
    chrono::DateTime::from_timestamp_millis(1_795_000_000_000 + ms).expect("valid time")
}

fn here() -> Coordinates {
    Coordinates::new(-74.0721, 4.711).expect("valid coordinates")
}

fn raw(path: &Path) -> Connection {
    Connection::open(path).expect("open the file directly")
}

async fn user(s: &SqliteStore, n: u32) -> UserId {
    let id = UserId::generate();
    s.create_user(NewUser {
        id: id.clone(),
        phone: format!("+5731{n:08}"),
        name: format!("User {n}"),
        token_hash: format!("{n:064x}"),
        created_at: t(i64::from(n)),
    })
    .await
    .expect("create_user");
    id
}

async fn event(s: &SqliteStore, creator: &UserId) -> EventId {
    let id = EventId::generate();
    s.create_event(NewEvent {
        id: id.clone(),
        title: "Feria".into(),
        description: None,
        category: "market".into(),
        creator_id: creator.clone(),
        location: here(),
        address: None,
        starts_at: None,
        ends_at: None,
        created_at: t(10),
        daily_room_name: None,
        daily_room_url: None,
    })
    .await
    .expect("create_event");
    id
}

fn collectible(event: &EventId) -> Collectible {
    Collectible {
        id: CollectibleId::generate(),
        event_id: event.clone(),
        name: "Silver Bus".into(),
        rarity: Rarity::Rare,
        points: 25,
        dropped_at: t(100),
        expires_at: t(30_100),
        claimed_by: None,
        claimed_at: None,
        is_active: true,
    }
}

fn rtree_rows(path: &Path) -> i64 {
    raw(path)
        .query_row("SELECT COUNT(*) FROM event_locations", [], |r| r.get(0))
        .expect("count R*Tree rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn everything_survives_a_reopen() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let (u, e, c, before) = {
        let s = SqliteStore::open(&path).expect("open");
        let u = user(&s, 1).await;
        let e = event(&s, &u).await;
        s.join_event(&e, &u, t(20)).await.expect("join");
        s.set_location(&u, here(), t(21))
            .await
            .expect("set_location");
        s.add_message(&ChatMessage {
            id: MessageId::generate(),
            event_id: e.clone(),
            user_id: u.clone(),
            name: "User 1".into(),
            message: "¡Hola!".into(),
            timestamp: t(22),
        })
        .await
        .expect("add_message");
        let c = collectible(&e);
        s.drop_collectible(&c).await.expect("drop");
        assert!(matches!(
            s.claim_collectible(&c.id, &u, t(200)).await.expect("claim"),
            ClaimOutcome::Won(_)
        ));
        let before = (
            s.user(&u).await.expect("user"),
            s.event(&e).await.expect("event"),
            s.messages(&e, 10, None).await.expect("messages"),
            s.user_collectibles(&u, u32::MAX, None)
                .await
                .expect("inventory"),
        );
        (u, e, c, before)
    };
    let s = SqliteStore::open(&path).expect("reopen");
    assert_eq!(s.user(&u).await.expect("user"), before.0);
    assert_eq!(s.event(&e).await.expect("event"), before.1);
    assert_eq!(s.messages(&e, 10, None).await.expect("messages"), before.2);
    assert_eq!(
        s.user_collectibles(&u, u32::MAX, None)
            .await
            .expect("inventory"),
        before.3
    );
    assert_eq!(s.user_location(&u).await.expect("location"), Some(here()));
    assert!(s.is_participant(&e, &u).await.expect("is_participant"));
    assert_eq!(
        s.collectible(&c.id).await.expect("collectible").claimed_by,
        Some(u)
    );
    let near = s.events_near(here(), 100.0, 10, None).await.expect("near");
    assert_eq!(near.len(), 1);
    assert_eq!(near[0].event.id, e);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrations_are_recorded_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let read = |path: &Path| -> Vec<(i64, String)> {
        raw(path)
            .prepare("SELECT version, name FROM schema_migrations ORDER BY version")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    };
    drop(SqliteStore::open(&path).expect("open"));
    let first = read(&path);
    assert_eq!(
        first,
        vec![
            (1, "initial schema".to_string()),
            (2, "leases".to_string()),
            (3, "backups".to_string()),
            (4, "room holds".to_string()),
            (5, "sessions".to_string()),
            (6, "erased users".to_string()),
            (7, "events newest first".to_string())
        ]
    );
    for _ in 0..2 {
        let s = SqliteStore::open(&path).expect("reopen");
        assert_eq!(s.settings().await.expect("settings").schema_version, 7);
    }
    assert_eq!(read(&path), first);
    let rtree: String = raw(&path)
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'event_locations'",
            [],
            |r| r.get(0),
        )
        .expect("event_locations exists");
    assert!(rtree.to_lowercase().contains("using rtree"), "{rtree}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connections_use_wal_normal_sync_and_foreign_keys() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let s = SqliteStore::open(&path).expect("open");
    let settings = s.settings().await.expect("settings");
    assert_eq!(settings.journal_mode, "wal");
    assert_eq!(settings.synchronous, 1, "synchronous=NORMAL");
    assert!(settings.foreign_keys);
    assert_eq!(settings.busy_timeout_ms, BUSY_TIMEOUT.as_millis() as i64);
    // WAL is a property of the file: another connection sees it too.
    let mode: String = raw(&path)
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("journal_mode");
    assert_eq!(mode, "wal");
    assert_eq!(s.backend(), "sqlite");
    assert_eq!(s.path(), path.as_path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn integrity_check_passes_after_a_workload() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let s = Arc::new(SqliteStore::open(&path).expect("open"));
    let creator = user(&s, 0).await;
    let e = event(&s, &creator).await;
    let mut users = Vec::new();
    for n in 1..=20 {
        let u = user(&s, n).await;
        s.join_event(&e, &u, t(i64::from(n))).await.expect("join");
        users.push(u);
    }
    let c = collectible(&e);
    s.drop_collectible(&c).await.expect("drop");
    let mut tasks = Vec::new();
    for u in users.clone() {
        let (s, id) = (s.clone(), c.id.clone());
        tasks.push(tokio::spawn(async move {
            s.claim_collectible(&id, &u, t(500)).await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("claim");
    }
    let gone = event(&s, &creator).await;
    s.delete_event(&gone).await.expect("delete");
    s.end_event(&e, t(1000)).await.expect("end");
    s.integrity_check().await.expect("integrity_check");
    let ok: String = raw(&path)
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(ok, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rtree_holds_only_active_events() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let s = SqliteStore::open(&path).expect("open");
    let u = user(&s, 1).await;
    let a = event(&s, &u).await;
    let b = event(&s, &u).await;
    assert_eq!(rtree_rows(&path), 2);
    s.end_event(&a, t(50)).await.expect("end");
    assert_eq!(rtree_rows(&path), 1);
    s.delete_event(&b).await.expect("delete");
    assert_eq!(rtree_rows(&path), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_in_memory_index_follows_creates_ends_deletes_and_restarts() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let (a, c) = {
        let s = SqliteStore::open(&path).expect("open");
        let u = user(&s, 1).await;
        let a = event(&s, &u).await;
        let b = event(&s, &u).await;
        let c = event(&s, &u).await;
        assert_eq!(s.indexed_events(), 3);
        s.end_event(&b, t(50)).await.expect("end");
        assert_eq!(s.indexed_events(), 2);
        let d = event(&s, &u).await;
        s.delete_event(&d).await.expect("delete");
        assert_eq!(s.indexed_events(), 2);
        (a, c)
    };
    // Rebuilt at open from the table: the same two active events, found by nearby.
    let s = SqliteStore::open(&path).expect("reopen");
    assert_eq!(s.indexed_events(), 2);
    let mut found: Vec<EventId> = s
        .events_near(here(), 100.0, 20, None)
        .await
        .expect("nearby")
        .into_iter()
        .map(|n| n.event.id)
        .collect();
    found.sort();
    let mut want = vec![a, c];
    want.sort();
    assert_eq!(found, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn buffered_locations_are_read_back_and_written_by_the_flush() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let s = SqliteStore::open(&path).expect("open");
    let u = user(&s, 1).await;
    let p = Coordinates::new(-74.1, 4.6).expect("valid");
    s.set_location(&u, p, t(1)).await.expect("set");
    // Visible at once, before any flush.
    assert_eq!(s.user_location(&u).await.expect("read"), Some(p));
    s.flush_locations().expect("flush");
    let (lng, lat): (f64, f64) = raw(&path)
        .query_row(
            "SELECT lng, lat FROM users WHERE id = ?1",
            [u.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!((lng, lat), (-74.1, 4.6));
    // An update still buffered when the store is dropped is written, not lost.
    let q = Coordinates::new(-74.2, 4.7).expect("valid");
    s.set_location(&u, q, t(2)).await.expect("set");
    drop(s);
    let s = SqliteStore::open(&path).expect("reopen");
    assert_eq!(s.user_location(&u).await.expect("read"), Some(q));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_do_not_wait_for_a_writer() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let s = SqliteStore::open(&path).expect("open");
    let u = user(&s, 1).await;
    let e = event(&s, &u).await;
    // Another process holds the write lock with uncommitted changes.
    let other = raw(&path);
    other
        .execute_batch("BEGIN IMMEDIATE; UPDATE users SET name = 'uncommitted';")
        .expect("hold the write lock");
    let reads = async {
        s.ping().await.expect("ping");
        let read = s.user(&u).await.expect("user");
        assert_eq!(read.name, "User 1", "reads see only committed data");
        s.events_near(here(), 100.0, 10, None).await.expect("near");
        s.participants(&e).await.expect("participants");
    };
    tokio::time::timeout(Duration::from_secs(2), reads)
        .await
        .expect("reads finished while a writer held the lock");
    other.execute_batch("ROLLBACK").expect("release");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_locked_database_is_unavailable_with_a_sentence() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let s = SqliteStore::open(&path).expect("open");
    let other = raw(&path);
    other
        .execute_batch("BEGIN IMMEDIATE;")
        .expect("hold the write lock");
    let err = s
        .create_user(NewUser {
            id: UserId::generate(),
            phone: "+573009999999".into(),
            name: "Blocked".into(),
            token_hash: "9".repeat(64),
            created_at: t(0),
        })
        .await
        .expect_err("the write waits out busy_timeout and fails");
    other.execute_batch("ROLLBACK").expect("release");
    match err {
        StoreError::Unavailable(msg) => {
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(msg.contains("locked"), "{msg}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    drop(SqliteStore::open(&path).expect("open"));
    raw(&path)
        .execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)",
            [],
        )
        .expect("insert a future migration");
    match SqliteStore::open(&path) {
        Err(StoreError::Unavailable(msg)) => {
            assert!(msg.contains("newer"), "{msg}");
            assert!(msg.contains(&path.display().to_string()), "{msg}");
        }
        Err(other) => panic!("expected Unavailable, got {other:?}"),
        Ok(_) => panic!("a database from a newer cpld was opened"),
    }
}

#[test]
fn a_file_that_is_not_sqlite_is_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    std::fs::write(&path, vec![b'x'; 4096]).expect("write garbage");
    match SqliteStore::open(&path) {
        Err(e @ (StoreError::Corrupt(_) | StoreError::Unavailable(_))) => {
            let msg = e.to_string();
            assert!(msg.contains(&path.display().to_string()), "{msg}");
        }
        Err(other) => panic!("unexpected error {other:?}"),
        Ok(_) => panic!("a file that is not a database was opened"),
    }
}

#[test]
fn open_creates_missing_directories() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("a").join("b").join("citypulse.db");
    let s = SqliteStore::open(&path).expect("open");
    assert!(path.exists());
    drop(s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn damaged_rows_are_reported_as_corrupt() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let s = SqliteStore::open(&path).expect("open");
    user(&s, 1).await;
    raw(&path)
        .execute("UPDATE users SET id = 'not-an-id'", [])
        .expect("damage a row");
    match s.list_users(10, None).await {
        Err(StoreError::Corrupt(msg)) => {
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(msg.contains("not-an-id"), "{msg}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// One daemon serves an embedded database: the leases a stopped or crashed daemon left
/// behind are forgotten when the file is opened again, so its users leave their rooms
/// normally when they disconnect from the new daemon, and the new daemon drops at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reopening_forgets_connection_leases_of_the_previous_daemon() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let ttl = Duration::from_secs(3600);
    let u = {
        let s = SqliteStore::open(&path).expect("open");
        let u = user(&s, 1).await;
        s.hold_connection_lease(&u, "crashed", t(0), ttl)
            .await
            .expect("hold_connection_lease");
        s.try_acquire_lease("drop-round", "crashed", t(0), ttl)
            .await
            .expect("try_acquire_lease");
        u
    };
    let s = SqliteStore::open(&path).expect("reopen");
    assert!(!s
        .release_connection_lease(&u, "new", t(1))
        .await
        .expect("release_connection_lease"));
    assert!(s
        .try_acquire_lease("drop-round", "new", t(1), ttl)
        .await
        .expect("try_acquire_lease"));
}

/// Group commit: many writes arrive together and share transactions; a write that fails
/// inside a group (a taken phone) is undone alone, and every write that succeeded is
/// there after a reopen.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_committed_in_groups_fail_alone_and_persist() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let s = Arc::new(SqliteStore::open(&path).expect("open"));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..400u32 {
        let s = s.clone();
        // Every fourth registration reuses the phone of the one before it.
        let n = if i % 4 == 3 { i - 1 } else { i };
        tasks.spawn(async move {
            let id = UserId::generate();
            let made = s
                .create_user(NewUser {
                    id: id.clone(),
                    phone: format!("+5731{n:08}"),
                    name: format!("u{i}"),
                    token_hash: format!("{i:064x}"),
                    created_at: t(i64::from(i)),
                })
                .await;
            (id, made)
        });
    }
    let (mut made, mut refused) = (Vec::new(), 0);
    while let Some(done) = tasks.join_next().await {
        match done.expect("task") {
            (id, Ok(_)) => made.push(id),
            (_, Err(StoreError::Conflict(_))) => refused += 1,
            (_, Err(e)) => panic!("unexpected failure: {e}"),
        }
    }
    assert_eq!((made.len(), refused), (300, 100));
    drop(s);
    let s = SqliteStore::open(&path).expect("reopen");
    for id in &made {
        s.user(id).await.expect("an acknowledged user is there");
    }
    let rows: i64 = raw(&path)
        .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 300);
}

#[tokio::test]
async fn a_backup_taken_while_the_store_serves_is_recorded_and_restores() {
    use citypulse_daemon::store::sqlite::backup;
    use citypulse_daemon::store::LastBackup;
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("citypulse.db");
    let s = SqliteStore::open(&path).expect("open");
    assert_eq!(
        s.last_backup().await.expect("last_backup"),
        LastBackup::Never
    );
    let u = user(&s, 1).await;
    let copy = dir.path().join("copy.db");
    let taken = backup::backup(&path, &copy, false).expect("backup");
    assert_eq!(taken.not_recorded, None);
    assert!(taken.copy.tables.contains(&("users".to_string(), 1)));
    assert_eq!(taken.copy.schema_version, 7);
    assert!(matches!(
        s.last_backup().await.expect("last_backup"),
        LastBackup::At(_)
    ));
    // The store still has the file open: restore refuses and changes nothing.
    let err = backup::restore(&path, &copy).expect_err("refused while open");
    assert!(err.contains("in use by another process"), "{err}");
    user(&s, 2).await;
    drop(s);
    // The writer thread lets go of the connections just after answering its last write
    // (it still holds the store for a moment), so the first tries may find the file open.
    let mut tries = 0;
    let restored = loop {
        match backup::restore(&path, &copy) {
            Err(e) if e.contains("in use") && tries < 300 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            other => break other.expect("restore once closed"),
        }
    };
    let kept = restored.kept.expect("the old database is kept");
    let reopened = SqliteStore::open(&path).expect("reopen the restored file");
    reopened.user(&u).await.expect("the backed-up user");
    assert_eq!(reopened.list_users(10, None).await.expect("users").len(), 1);
    let kept_users: i64 = raw(&kept)
        .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
        .expect("count");
    assert_eq!(kept_users, 2, "the replaced database keeps the later user");
}
