//! The MongoDB store: the conformance suite (each check in its own uniquely named
//! database, dropped afterwards by a guard), then what only MongoDB has (index creation,
//! transaction detection, the repairable claim of a standalone server, outages).
//!
//! The server: `CPL_TEST_MONGODB_URL` when set (a real MongoDB or Atlas), else a
//! `secantusd-py` started here on a free loopback port (`--storage-path :memory:`), one per
//! test process, stopped when the process ends. Neither available: every test here
//! returns at once and one line says so and how to enable them; with `CI=true` that is
//! a failure instead.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod conformance;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use citypulse::geo::Coordinates;
use citypulse::ids::{CollectibleId, EventId, UserId};
use citypulse::model::{Collectible, Rarity};
use citypulse::time::Timestamp;
use citypulse_daemon::store::mongo::{MongoStore, SELECTION_TIMEOUT};
use citypulse_daemon::store::{ClaimOutcome, NewEvent, NewUser, Store, StoreError};
use mongodb::bson::{doc, oid::ObjectId, Document};

const ENABLE: &str = "pip install --pre secantusdb";

// ---- the server ----

/// A `secantusd-py` child. It runs under a small shell that kills it when our end of its
/// stdin closes, so a test process that dies (or never drops it) leaves no server behind.
struct Secantus {
    child: Child,
    _stdin: ChildStdin,
    port: u16,
}

impl Secantus {
    fn url(&self) -> String {
        format!("mongodb://127.0.0.1:{}/", self.port)
    }

    fn stop(mut self) {
        drop(self._stdin);
        let _ = self.child.wait();
        wait_port_closed(self.port);
    }
}

fn executable(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_port_closed(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && TcpStream::connect(("127.0.0.1", port)).is_ok() {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts `secantusd-py` on `port` with `extra` arguments; None when it is not installed.
fn start_secantus(port: u16, storage: &str, extra: &[&str]) -> Option<Secantus> {
    executable("secantusd-py")?;
    let port_s = port.to_string();
    let mut args = vec![
        "--host",
        "127.0.0.1",
        "--port",
        &port_s,
        "--storage-path",
        storage,
    ];
    args.extend_from_slice(extra);
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(
            "secantusd-py \"$@\" & p=$!; trap 'kill $p 2>/dev/null' EXIT INT TERM; \
             cat >/dev/null; kill $p 2>/dev/null; wait $p",
        )
        .arg("secantusd")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let stdin = child.stdin.take()?;
    // Keep its log flowing so it never blocks on a full pipe.
    if let Some(err) = child.stderr.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                if line.is_err() {
                    break;
                }
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "secantusd-py did not listen on 127.0.0.1:{port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Secantus {
        child,
        _stdin: stdin,
        port,
    })
}

/// The URL of the server every test of this process shares; None (after printing once
/// why) when there is none.
fn shared_url() -> Option<String> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    static SERVER: Mutex<Option<Secantus>> = Mutex::new(None);
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("CPL_TEST_MONGODB_URL") {
            if !url.is_empty() {
                return Some(url);
            }
        }
        match start_secantus(free_port(), ":memory:", &[]) {
            Some(s) => {
                let url = s.url();
                if let Ok(mut keep) = SERVER.lock() {
                    *keep = Some(s);
                }
                Some(url)
            }
            None => {
                let ci = std::env::var("CI").is_ok_and(|v| v == "true");
                assert!(
                    !ci,
                    "CI=true but no MongoDB server for the MongoDB tests: install one with \
                     `{ENABLE}` (provides secantusd-py) or set CPL_TEST_MONGODB_URL"
                );
                // Straight to the stream: libtest captures print!/eprint! of passing tests.
                let _ = writeln!(
                    std::io::stderr(),
                    "MongoDB store tests skipped: neither secantusd-py nor CPL_TEST_MONGODB_URL \
                     is available; enable them with `{ENABLE}`"
                );
                None
            }
        }
    })
    .clone()
}

/// Drops its database when the test is over (on a thread of its own: the test's runtime
/// cannot be blocked from inside a Drop).
struct DropDatabase {
    url: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(client) = mongodb::Client::with_uri_str(&url).await {
                    let _ = client.database(&name).drop().await;
                }
            });
        })
        .join();
    }
}

fn unique_name(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "cpl_{prefix}_{}_{}_{:04x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        rand::random::<u16>()
    )
}

async fn fresh(url: &str) -> (MongoStore, DropDatabase) {
    let name = unique_name("conf");
    let guard = DropDatabase {
        url: url.to_string(),
        name: name.clone(),
    };
    let store = MongoStore::connect(url, &name).await.expect("connect");
    (store, guard)
}

async fn mongo_store() -> Option<conformance::Fixture> {
    let url = shared_url()?;
    let (store, guard) = fresh(&url).await;
    Some(conformance::Fixture::new(Arc::new(store), guard))
}

// ---- the conformance suite ----

/// The conformance checks, each as a test that returns at once when there is no server.
/// The list must equal the suite's own (`conformance_tests!`), which
/// `every_conformance_check_runs_here` verifies.
macro_rules! mongo_conformance {
    ($($check:ident),* $(,)?) => {
        const MONGO_CHECKS: &[&str] = &[$(stringify!($check)),*];
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let Some(fixture) = mongo_store().await else { return };
                conformance::$check(fixture.store()).await;
            }
        )*
    };
}

mongo_conformance!(
    backend_answers_ping,
    users_round_trip,
    duplicate_phone_is_a_conflict,
    token_hash_lookup_and_rotation,
    sessions_open_list_touch_and_revoke,
    list_users_newest_first_with_limit,
    list_users_pages_split_a_millisecond,
    list_events_filters_and_pages,
    list_events_pages_are_stable_under_inserts,
    participants_and_inventory_page_by_position,
    location_is_stored_and_read,
    unknown_ids_are_not_found,
    create_event_counts_for_creator_and_round_trips,
    set_event_room_records_the_room,
    events_near_answers_the_current_row,
    delete_event_undoes_creation,
    events_near_orders_by_exact_distance,
    events_near_filters_category_and_limit,
    events_near_never_returns_ended_events,
    events_near_across_antimeridian_and_pole,
    end_event_ends_once,
    join_ended_event_conflicts,
    join_leave_maintain_presence_and_attendance,
    leave_all_events_empties_every_room,
    active_events_with_participants_lists_occupied_rooms,
    messages_page_newest_first,
    history_pages_split_a_millisecond,
    delete_message_by_author_or_moderator,
    collectibles_drop_and_list_active,
    drop_into_ended_event_conflicts,
    claim_wins_once_then_already_claimed,
    concurrent_claim_has_exactly_one_winner,
    expired_claims_are_refused,
    claim_after_end_event_is_expired,
    expire_collectibles_counts_deactivated,
    transcriptions_page_and_search,
    connection_lease_elsewhere_keeps_rooms,
    expired_connection_lease_is_ignored,
    renewing_connection_leases_extends_them,
    room_holds_end_once_and_spare_the_reconnected,
    named_lease_has_one_holder_until_it_expires,
    named_lease_race_has_one_winner,
    copies_export_in_key_order_and_import_once,
    erase_user_keeps_history_without_the_person,
    erase_user_with_purge_removes_history,
);

/// The suite's list, read from `conformance_tests!` itself, is exactly ours: a check
/// added to the suite cannot be forgotten on MongoDB.
#[test]
fn every_conformance_check_runs_here() {
    let source = include_str!("conformance/mod.rs");
    let start = source
        .find("conformance_tests!(@each $make;")
        .expect("the suite's list");
    let rest = &source[start..];
    let list = &rest[rest.find(';').unwrap() + 1..rest.find(");").unwrap()];
    let suite: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(
        suite, MONGO_CHECKS,
        "update mongo_conformance! in store_mongo.rs"
    );
}

// ---- MongoDB only ----

fn t(ms: i64) -> Timestamp {
    chrono::DateTime::from_timestamp_millis(1_795_000_000_000 + ms).unwrap()
}

async fn user(s: &MongoStore, n: u32) -> UserId {
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

async fn event(s: &MongoStore, creator: &UserId) -> EventId {
    let id = EventId::generate();
    s.create_event(NewEvent {
        id: id.clone(),
        title: "Feria".into(),
        description: None,
        category: "market".into(),
        creator_id: creator.clone(),
        location: Coordinates::new(-74.0721, 4.711).unwrap(),
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
        expires_at: t(100) + TimeDelta::seconds(3600),
        claimed_by: None,
        claimed_at: None,
        is_active: true,
    }
}

async fn index_names(db: &mongodb::Database, collection: &str) -> Vec<Document> {
    use futures_util::TryStreamExt;
    db.collection::<Document>(collection)
        .list_indexes()
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            let mut d = m.keys.clone();
            d.insert("_unique", m.options.and_then(|o| o.unique).unwrap_or(false));
            d
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn indexes_are_created_once_and_again_without_harm() {
    let Some(url) = shared_url() else { return };
    let (s, _guard) = fresh(&url).await;
    assert!(
        s.has_transactions(),
        "the test server is a replica set, so claims use transactions"
    );
    let first = s.ensure_indexes().await.expect("ensure_indexes again");
    let second = s.ensure_indexes().await.expect("and again");
    assert_eq!(first, second);
    let db = s.database();
    let users = index_names(db, "users").await;
    assert!(
        users.contains(&doc! { "phone": 1, "_unique": true }),
        "{users:?}"
    );
    assert!(users.contains(&doc! { "current_location": "2dsphere", "_unique": false }));
    let events = index_names(db, "events").await;
    assert!(events.contains(&doc! { "location": "2dsphere", "_unique": false }));
    let collectibles = index_names(db, "collectibles").await;
    assert!(collectibles
        .iter()
        .any(|d| d.contains_key("claimed_by") && d.contains_key("expires_at")));
    let leases = index_names(db, "connection_leases").await;
    assert!(
        leases.contains(&doc! { "user_id": 1, "daemon": 1, "_unique": true }),
        "{leases:?}"
    );
    let messages = index_names(db, "messages").await;
    assert!(messages
        .iter()
        .any(|d| d.get_i32("event_id") == Ok(1) && d.get_i32("timestamp") == Ok(-1)));
    // Ids are ObjectIds whose hex is ours.
    let u = user(&s, 1).await;
    let raw = db
        .collection::<Document>("users")
        .find_one(doc! { "_id": ObjectId::parse_str(u.as_str()).unwrap() })
        .await
        .unwrap()
        .expect("stored under its ObjectId");
    assert_eq!(
        raw.get_document("stats")
            .unwrap()
            .get_i64("collectibles_count"),
        Ok(0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unreachable_database_is_unavailable_with_a_sentence_and_no_password() {
    // Without a MongoDB server this test needs nothing, so it always runs.
    let port = free_port();
    let started = Instant::now();
    let url = format!("mongodb://alice:hunter2secret@127.0.0.1:{port}/?authSource=admin");
    let err = MongoStore::connect(&url, "citypulse_live")
        .await
        .expect_err("nobody listens there");
    assert!(started.elapsed() < SELECTION_TIMEOUT + Duration::from_secs(5));
    match err {
        StoreError::Unavailable(msg) => {
            assert!(msg.contains("MongoDB"), "{msg}");
            assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
            assert!(msg.contains("unreachable"), "{msg}");
            assert!(msg.contains("MONGODB_URL"), "{msg}");
            assert!(!msg.contains("hunter2secret"), "{msg}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    match MongoStore::connect("http://not-mongo", "x").await {
        Err(StoreError::Unavailable(msg)) => assert!(msg.contains("MONGODB_URL"), "{msg}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

/// A standalone server (no transactions): the claim is the repairable sequence. The race
/// still has one winner, and a claim left half done is finished by `repair_claims`, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn standalone_claims_are_repairable_and_single_winner() {
    if std::env::var("CPL_TEST_MONGODB_URL").is_ok_and(|v| !v.is_empty()) {
        return; // needs a standalone secantusd-py of its own
    }
    if shared_url().is_none() {
        return;
    }
    let server = start_secantus(free_port(), ":memory:", &["--standalone"])
        .expect("secantusd-py --standalone");
    let url = server.url();
    let name = unique_name("standalone");
    let s = Arc::new(MongoStore::connect(&url, &name).await.expect("connect"));
    assert!(!s.has_transactions());

    let creator = user(&s, 0).await;
    let e = event(&s, &creator).await;
    let mut users = Vec::new();
    for n in 1..=50 {
        let u = user(&s, n).await;
        s.join_event(&e, &u, t(i64::from(n))).await.expect("join");
        users.push(u);
    }
    let c = collectible(&e);
    s.drop_collectible(&c).await.expect("drop");
    let barrier = Arc::new(tokio::sync::Barrier::new(users.len()));
    let mut tasks = Vec::new();
    for u in users.clone() {
        let (s, id, barrier) = (s.clone(), c.id.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            (u.clone(), s.claim_collectible(&id, &u, t(500)).await)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (u, outcome) = task.await.unwrap();
        match outcome.expect("claim") {
            ClaimOutcome::Won(_) => winners.push(u),
            ClaimOutcome::AlreadyClaimed => {}
            ClaimOutcome::Expired => panic!("told Expired"),
        }
    }
    assert_eq!(winners.len(), 1);
    let winner = &winners[0];
    assert_eq!(s.user(winner).await.unwrap().stats.collectibles_count, 1);
    assert_eq!(
        s.user_collectibles(winner, u32::MAX, None)
            .await
            .unwrap()
            .len(),
        1
    );

    // A daemon died right after winning: the collectible says so, nothing else does.
    let half = collectible(&e);
    s.drop_collectible(&half).await.expect("drop");
    let loser = &users[1];
    let db = s.database();
    db.collection::<Document>("collectibles")
        .update_one(
            doc! { "_id": ObjectId::parse_str(half.id.as_str()).unwrap() },
            doc! { "$set": {
                "claimed_by": ObjectId::parse_str(loser.as_str()).unwrap(),
                "claimed_at": mongodb::bson::DateTime::from_millis(t(600).timestamp_millis()),
                "is_active": false,
                "claim_pending": true,
            } },
        )
        .await
        .unwrap();
    let before = s.user(loser).await.unwrap().stats.collectibles_count;
    assert_eq!(s.repair_claims().await.expect("repair"), 1);
    assert_eq!(s.repair_claims().await.expect("repair again"), 0);
    let inventory = s.user_collectibles(loser, u32::MAX, None).await.unwrap();
    assert!(inventory.iter().any(|i| i.collectible_id == half.id));
    assert_eq!(
        s.user(loser).await.unwrap().stats.collectibles_count,
        before + 1
    );
    let _ = db.drop().await;
    server.stop();
}

/// The server goes away under a connected store and comes back on the same port: calls
/// answer Unavailable naming the database meanwhile, and work again afterwards without
/// reconnecting by hand.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_store_recovers_when_the_server_comes_back() {
    if std::env::var("CPL_TEST_MONGODB_URL").is_ok_and(|v| !v.is_empty()) {
        return; // cannot stop someone else's server
    }
    if shared_url().is_none() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let storage = data.path().join("wt");
    let port = free_port();
    let server = start_secantus(port, path_str(&storage), &[]).expect("secantusd-py");
    let s = MongoStore::connect(&server.url(), "outage")
        .await
        .expect("connect");
    let u = user(&s, 1).await;
    let e = event(&s, &u).await;
    server.stop();

    let started = Instant::now();
    match s.user(&u).await {
        Err(StoreError::Unavailable(msg)) => {
            assert!(msg.contains("MongoDB database outage"), "{msg}");
            assert!(msg.contains(&port.to_string()), "{msg}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(matches!(s.ping().await, Err(StoreError::Unavailable(_))));
    // Transactions (here: ending an event) do not retry an unreachable server for long.
    match s.end_event(&e, t(50)).await {
        Err(StoreError::Unavailable(msg)) => assert!(msg.contains("unreachable"), "{msg}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(started.elapsed() < 3 * SELECTION_TIMEOUT + Duration::from_secs(5));

    let server = start_secantus(port, path_str(&storage), &[]).expect("secantusd-py again");
    let deadline = Instant::now() + Duration::from_secs(30);
    while s.ping().await.is_err() {
        assert!(Instant::now() < deadline, "the store never recovered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(s.user(&u).await.expect("data survived").name, "User 1");
    server.stop();
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A fresh database named after `prefix` (dropped by the guard) and a driver handle on it.
async fn raw_database(url: &str, prefix: &str) -> (String, mongodb::Database, DropDatabase) {
    let name = unique_name(prefix);
    let guard = DropDatabase {
        url: url.to_string(),
        name: name.clone(),
    };
    let db = mongodb::Client::with_uri_str(url)
        .await
        .unwrap()
        .database(&name);
    (name, db, guard)
}

/// A database of the original backend: start-up builds the unique indexes over its
/// documents (inventory rows without `collectible_id` do not stop it), and two users with
/// one phone stop it with a sentence naming the index, since the phone could no longer be
/// kept unique.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn start_up_indexes_take_the_original_backends_documents() {
    let Some(url) = shared_url() else {
        return;
    };
    let (name, db, _guard) = raw_database(&url, "legacyidx").await;
    let rows = (0..2)
        .map(|_| doc! { "_id": ObjectId::new(), "user_id": ObjectId::new() })
        .collect::<Vec<_>>();
    db.collection::<Document>("user_collectibles")
        .insert_many(rows)
        .await
        .unwrap();
    let phone = "+573001234567";
    let juan = doc! { "_id": ObjectId::new(), "phone": phone, "name": "Juan" };
    db.collection::<Document>("users")
        .insert_one(juan)
        .await
        .unwrap();
    MongoStore::connect(&url, &name)
        .await
        .expect("indexes over the original's documents");

    let (twice, db, _guard2) = raw_database(&url, "legacydup").await;
    let users = (0..2)
        .map(|n| doc! { "_id": ObjectId::new(), "phone": phone, "name": format!("Juan {n}") })
        .collect::<Vec<_>>();
    db.collection::<Document>("users")
        .insert_many(users)
        .await
        .unwrap();
    match MongoStore::connect(&url, &twice).await {
        Err(StoreError::Unavailable(msg)) => {
            for part in ["users.phone_1", "phone", "duplicates"] {
                assert!(msg.contains(part), "{part:?} not in {msg}");
            }
        }
        other => panic!("expected the phone index to be refused, got {other:?}"),
    }
}
