//! Issue 15: `cpld migrate` moves a populated store SQLite -> MongoDB -> SQLite. Every REST
//! read answers the same before and after (JSON compared), every user's token keeps
//! working, and a claim race on the final store still has one winner. On the way: a dry
//! run writes nothing, a copy stopped half-way (deterministically, `--stop-after`) leaves
//! a target that is refused without `--merge` and completed with it to the same counts,
//! and a rerun copies nothing twice.
//!
//! The MongoDB server: as in `multi_daemon.rs` (`secantusd-py` or `CPL_TEST_MONGODB_URL`);
//! without one the MongoDB half is skipped and only SQLite -> SQLite runs.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use citypulse::api::{CreateEventRequest, DropRequest};
use citypulse::geo::Coordinates;
use citypulse::model::{Rarity, RegisteredUser};
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::{Client, CollectibleId, EventId};
use citypulse_tests::mongo::{self, DropDatabase};
use citypulse_tests::{binary, north_of, Daemon, ADMIN_TOKEN, BOGOTA};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(15);

/// Daemons that drop nothing on their own during a test (drops would change the reads).
fn quiet() -> citypulse_tests::DaemonBuilder {
    Daemon::builder().env("CPL_DROP_INTERVAL", "3600")
}

/// What [`populate`] made.
struct Fixture {
    users: Vec<RegisteredUser>,
    events: Vec<EventId>,
    /// Unclaimed, for the race on the final store.
    prize: CollectibleId,
}

async fn event(c: &Client, title: &str, pos: (f64, f64)) -> EventId {
    c.create_event(&CreateEventRequest {
        title: title.into(),
        description: Some(format!("{title}, descripción")),
        category: "cultura".into(),
        coordinates: Coordinates::new(pos.0, pos.1).unwrap(),
        address: Some("Carrera 7 # 11-10".into()),
        starts_at: None,
        ends_at: None,
    })
    .await
    .unwrap()
    .id
}

async fn drop_one(d: &Daemon, event: &EventId, name: &str) -> CollectibleId {
    d.admin()
        .drop_collectible(
            event,
            &DropRequest {
                name: Some(name.into()),
                rarity: Some(Rarity::Rare),
                points: Some(50),
                expires_in: Some(86_400),
            },
        )
        .await
        .unwrap()
        .id
}

/// Users with tokens, active and ended events, a chat history, participants, collectibles
/// claimed and not, all through the API.
async fn populate(d: &Daemon) -> Fixture {
    let mut clients = Vec::new();
    let mut users = Vec::new();
    for name in ["Alicia", "Bruno", "Camila", "Darío"] {
        let (c, r) = d.user(name).await;
        clients.push(c);
        users.push(r);
    }
    let e1 = event(&clients[0], "Feria del libro", BOGOTA).await;
    let e2 = event(&clients[0], "Concierto", north_of(BOGOTA, 800.0)).await;
    let e3 = event(&clients[1], "Cabildo", north_of(BOGOTA, 1500.0)).await;

    // Chat: Bruno joins on his socket, talks, and leaves by closing it (which takes him
    // out of the room; waited for, so the REST joins below come after).
    let mut ws = clients[1].connect(&users[1].user.id).await.unwrap();
    ws.send(&ClientMessage::JoinEvent {
        event_id: e1.clone(),
    })
    .await
    .unwrap();
    for text in ["hola", "¿a qué hora empieza?", "llegando"] {
        ws.send(&ClientMessage::ChatMessage {
            event_id: e1.clone(),
            message: text.into(),
        })
        .await
        .unwrap();
        ws.recv_until(WAIT, |m| match m {
            ServerMessage::ChatMessage(c) if c.message == text => Some(()),
            _ => None,
        })
        .await
        .unwrap();
    }
    ws.close().await.unwrap();
    let anon = d.client();
    let mut gone = false;
    for _ in 0..300 {
        let who = anon.participants(&e1).await.unwrap();
        if who.iter().all(|p| p.user_id != users[1].user.id) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "Bruno left the room when his socket closed");

    // Participants through REST (no socket, so they stay).
    clients[1].join_event(&e1).await.unwrap();
    clients[2].join_event(&e1).await.unwrap();
    clients[3].join_event(&e2).await.unwrap();
    clients[2].join_event(&e3).await.unwrap();

    // Collectibles: one won, two not.
    let won = drop_one(d, &e1, "Mapa antiguo").await;
    let prize = drop_one(d, &e1, "Llave de la ciudad").await;
    drop_one(d, &e2, "Guitarra").await;
    assert!(clients[2].claim(&won).await.unwrap().success);

    // An ended event (its room emptied, its count kept).
    clients[1].end_event(&e3).await.unwrap();
    Fixture {
        users,
        events: vec![e1, e2, e3],
        prize,
    }
}

/// Two transcript segments written straight into the SQLite file of a stopped daemon
/// (producing them through the fake Deepgram costs a whole streaming session, and the
/// copy only needs stored rows).
fn add_transcripts(db: &Path, event: &EventId, speaker: &str) {
    let c = rusqlite::Connection::open(db).unwrap();
    let words = r#"[{"word":"bienvenidos","start":0.1,"end":0.6,"confidence":0.97,"punctuated_word":"Bienvenidos."}]"#;
    for (i, (id, text, words)) in [
        ("6750f0a0aaaaaaaaaaaaaaa1", "Bienvenidos.", words),
        (
            "6750f0a0aaaaaaaaaaaaaaa2",
            "Empezamos en cinco minutos",
            "[]",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        c.execute(
            "INSERT INTO transcriptions (id, event_id, speaker_id, text, text_folded, \
             confidence, start, duration, words, created_at) \
             VALUES (?1, ?2, ?3, ?4, lower(?4), 0.93, ?5, 1.5, ?6, ?7)",
            rusqlite::params![
                id,
                event.as_str(),
                speaker,
                text,
                i as f64 * 2.0,
                words,
                1_764_000_000_000_i64 + i as i64
            ],
        )
        .unwrap();
    }
}

/// The JSON of every read endpoint, by path (and with each user's own token, `/me`).
async fn reads(d: &Daemon, f: &Fixture) -> BTreeMap<String, Value> {
    let http = reqwest::Client::new();
    let get = |path: String, token: String| {
        let http = http.clone();
        let url = format!("{}{path}", d.url);
        async move {
            let resp = http.get(&url).bearer_auth(token).send().await.unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap();
            assert_eq!(status, 200, "GET {url}: {body}");
            body
        }
    };
    let reader = f.users[0].token.clone();
    let mut out = BTreeMap::new();
    let mut paths = vec![
        "/api/events/nearby?lng=-74.0761&lat=4.5981&max_distance=5000".to_string(),
        "/api/users".into(),
    ];
    for u in &f.users {
        let id = &u.user.id;
        paths.push(format!("/api/users/{id}"));
        paths.push(format!("/api/users/{id}/collectibles"));
        // The token still opens the account.
        out.insert(
            format!("/api/users/me as {}", u.user.name),
            get("/api/users/me".into(), u.token.clone()).await,
        );
    }
    for e in &f.events {
        for p in [
            "",
            "/participants",
            "/messages",
            "/transcriptions",
            "/transcriptions?q=bienvenidos",
        ] {
            paths.push(format!("/api/events/{e}{p}"));
        }
        paths.push(format!("/api/collectibles/active/{e}"));
    }
    for p in paths {
        let token = if p == "/api/users" {
            ADMIN_TOKEN.to_string()
        } else {
            reader.clone()
        };
        out.insert(p.clone(), get(p, token).await);
    }
    out
}

fn assert_same(before: &BTreeMap<String, Value>, after: &BTreeMap<String, Value>, step: &str) {
    assert_eq!(before.len(), after.len());
    for (path, want) in before {
        assert_eq!(Some(want), after.get(path), "{step}: GET {path} differs");
    }
}

/// Runs `cpld migrate ARGS` with `env` (MONGODB_URL, DATABASE_NAME, ...).
fn migrate(args: &[&str], env: &[(&str, &str)], dir: &Path) -> Output {
    let mut cmd = std::process::Command::new(binary("cpld"));
    cmd.env_clear()
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("CPL_LOG", "warn")
        .arg("migrate")
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The `target` column of a report, by collection.
fn target_counts(o: &Output) -> BTreeMap<String, u64> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            let n = cells.last()?.parse().ok()?;
            (cells.len() >= 3).then(|| (cells[0].to_string(), n))
        })
        .collect()
}

/// Copies `from` into the empty `to`: a dry run (nothing written), a copy stopped after 7
/// records, its refusal without --merge, its completion with it, and a rerun that adds
/// nothing. The final report's counts.
fn copy_with_interruption(
    from: &str,
    to: &str,
    env: &[(&str, &str)],
    dir: &Path,
    written: impl Fn() -> u64,
) -> BTreeMap<String, u64> {
    let dry = migrate(&["--from", from, "--to", to, "--dry-run"], env, dir);
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(
        String::from_utf8_lossy(&dry.stdout).contains("would "),
        "{}",
        text(&dry)
    );
    assert_eq!(written(), 0, "a dry run writes nothing");

    let args = ["--from", from, "--to", to, "--batch-size", "2"];
    let stopped = migrate(&[&args[..], &["--stop-after", "7"]].concat(), env, dir);
    assert_eq!(stopped.status.code(), Some(3), "{}", text(&stopped));
    let partial = written();
    assert!(
        (7..=8).contains(&partial),
        "the stopped copy wrote its batches up to the 7th record, not {partial}"
    );

    let refused = migrate(&args, env, dir);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains("already holds records") && why.contains("--merge"),
        "{why}"
    );
    assert_eq!(written(), partial, "a refused copy writes nothing");

    let resumed = migrate(&[&args[..], &["--merge"]].concat(), env, dir);
    assert!(resumed.status.success(), "{}", text(&resumed));
    let counts = target_counts(&resumed);

    let again = migrate(&[&args[..], &["--merge"]].concat(), env, dir);
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 records copied"),
        "{}",
        text(&again)
    );
    assert_eq!(
        target_counts(&again),
        counts,
        "a rerun copies nothing twice"
    );
    counts
}

fn sqlite_total(db: &Path) -> u64 {
    if !db.exists() {
        return 0;
    }
    let c = rusqlite::Connection::open(db).unwrap();
    [
        "users",
        "events",
        "attendance",
        "participants",
        "collectibles",
        "user_collectibles",
        "messages",
        "transcriptions",
    ]
    .iter()
    .map(|t| {
        c.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_or(0) as u64
    })
    .sum()
}

fn mongo_total(url: &str, db: &str) -> u64 {
    on_database(url, db, |db| {
        Box::pin(async move {
            let mut n = 0;
            for c in db.list_collection_names().await.unwrap() {
                n += db
                    .collection::<mongodb::bson::Document>(&c)
                    .count_documents(mongodb::bson::doc! {})
                    .await
                    .unwrap();
            }
            n
        })
    })
}

/// Exactly one of several concurrent claims wins.
async fn race(d: &Daemon, f: &Fixture) {
    // Only participants claim; everyone joins the prize's room first.
    for u in &f.users {
        let c = d.client().with_token(u.token.clone());
        c.join_event(&f.events[0]).await.unwrap();
    }
    let claims = f.users.iter().map(|u| {
        let c = d.client().with_token(u.token.clone());
        let id = f.prize.clone();
        async move { c.claim(&id).await.unwrap().success }
    });
    let won = futures_util::future::join_all(claims).await;
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_populated_store_moves_sqlite_to_mongodb_to_sqlite_unchanged() {
    let mut source = quiet().start().await;
    let f = populate(&source).await;
    source.stop();
    let source_db = source.dir.join("citypulse.db");
    add_transcripts(&source_db, &f.events[0], f.users[0].user.id.as_str());
    source.start_again().await;
    let before = reads(&source, &f).await;
    source.stop();
    let transcript = &before[&format!("/api/events/{}/transcriptions", f.events[0])];
    assert_eq!(transcript.as_array().map(Vec::len), Some(2), "{transcript}");
    let work = tempfile::tempdir().unwrap();
    let final_dir = tempfile::tempdir().unwrap();
    let final_db = final_dir.path().join("citypulse.db");
    let source_arg = source_db.display().to_string();
    let final_arg = final_db.display().to_string();

    let Some(url) = mongo::shared_url() else {
        // No MongoDB: the same checks SQLite -> SQLite.
        let counts = copy_with_interruption(&source_arg, &final_arg, &[], work.path(), || {
            sqlite_total(&final_db)
        });
        assert_eq!(counts.values().sum::<u64>(), sqlite_total(&source_db));
        let mut target = quiet().dir(final_dir.path()).start().await;
        assert_same(&before, &reads(&target, &f).await, "SQLite -> SQLite");
        race(&target, &f).await;
        target.stop();
        return;
    };
    let name = mongo::unique_database("migrate");
    let _drop = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    // `mongodb` names the configured MONGODB_URL: the URL (and any password) stays off
    // the command line.
    let env = [
        ("MONGODB_URL", url.as_str()),
        ("DATABASE_NAME", name.as_str()),
    ];

    let counts = copy_with_interruption(&source_arg, "mongodb", &env, work.path(), || {
        mongo_total(&url, &name)
    });
    assert_eq!(counts.values().sum::<u64>(), sqlite_total(&source_db));
    let mut on_mongo = quiet()
        .env("MONGODB_URL", &url)
        .env("DATABASE_NAME", &name)
        .start()
        .await;
    assert_same(&before, &reads(&on_mongo, &f).await, "SQLite -> MongoDB");
    on_mongo.stop();

    let back = copy_with_interruption("mongodb", &final_arg, &env, work.path(), || {
        sqlite_total(&final_db)
    });
    assert_eq!(back, counts, "MongoDB -> SQLite carries every record back");
    let mut target = quiet().dir(final_dir.path()).start().await;
    assert_same(&before, &reads(&target, &f).await, "MongoDB -> SQLite");
    race(&target, &f).await;
    target.stop();
}

#[tokio::test]
async fn clear_sentences_for_impossible_copies() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("notes.txt"), "not a database at all").unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["--from", "notes.txt", "--to", "out.db"],
            "is not a SQLite database",
        ),
        (
            &["--from", "out.db", "--to", "./out.db"],
            "the source and the target are the same store",
        ),
        (
            &[
                "--from",
                "mongodb://alice:pa55word@127.0.0.1:9/x",
                "--to",
                "out.db",
            ],
            "is unreachable",
        ),
        (
            &["--from", "missing.db", "--to", "out.db"],
            "does not exist",
        ),
    ];
    for (args, want) in cases {
        let out = migrate(args, &[], p);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {}", text(&out));
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(
            !err.contains("pa55word"),
            "a password is never printed: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    }
    assert!(!p.join("out.db").exists(), "nothing was created");
}

/// Runs `work` on database `name` of `url` on a runtime of its own (the mongodb crate's
/// futures are driven here, beside the test's runtime).
fn on_database<T: Send + 'static>(
    url: &str,
    name: &str,
    work: impl FnOnce(mongodb::Database) -> futures_util::future::BoxFuture<'static, T> + Send + 'static,
) -> T {
    let (url, name) = (url.to_string(), name.to_string());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let client = mongodb::Client::with_uri_str(&url).await.unwrap();
            work(client.database(&name)).await
        })
    })
    .join()
    .unwrap()
}

/// `--upgrade` writes the derived fields into documents of the original backend (as its
/// README shows them, some without counters), only where missing: a dry run writes
/// nothing, a second run changes nothing.
#[tokio::test]
async fn upgrade_backfills_derived_fields_once() {
    use mongodb::bson::{doc, oid::ObjectId, Document};
    let Some(url) = mongo::shared_url() else {
        return;
    };
    let name = mongo::unique_database("upgrade");
    let _drop = DropDatabase {
        url: url.clone(),
        name: name.clone(),
    };
    let (u1, u2, e1, e2) = (
        ObjectId::new(),
        ObjectId::new(),
        ObjectId::new(),
        ObjectId::new(),
    );
    on_database(&url, &name, move |db| {
        Box::pin(async move {
            let users = db.collection::<Document>("users");
            users
                .insert_many([
                    doc! { "_id": u1, "phone": "+573001110001", "name": "Ana",
                    "stats": { "events_created": 1, "events_attended": 0, "collectibles_count": 0 },
                    "current_location": { "type": "Point", "coordinates": [-74.07, 4.6] } },
                    doc! { "_id": u2, "phone": "+573001110002", "name": "Luis" },
                ])
                .await
                .unwrap();
            let room = |n: Option<i32>| {
                let mut r =
                    doc! { "daily_room_name": "r", "daily_room_url": "https://x.daily.co/r" };
                if let Some(n) = n {
                    r.insert("current_participants", n);
                }
                r
            };
            db.collection::<Document>("events")
                .insert_many([
                    doc! { "_id": e1, "title": "Feria", "category": "cultura", "creator_id": u1,
                    "location": { "type": "Point", "coordinates": [-74.07, 4.6] },
                    "room": room(Some(2)), "status": "active" },
                    doc! { "_id": e2, "title": "Foro", "category": "civica", "creator_id": u1,
                    "location": { "type": "Point", "coordinates": [-74.07, 4.61] },
                    "room": room(None), "status": "active" },
                ])
                .await
                .unwrap();
            // A won collectible as the original's claim wrote it, and its inventory row
            // holding only the owner and the item.
            let c1 = ObjectId::new();
            db.collection::<Document>("collectibles")
                .insert_one(
                    doc! { "_id": c1, "event_id": e1, "name": "Moneda", "rarity": "rare",
                    "points": 50, "claimed_by": u1, "is_active": false,
                    "expires_at": mongodb::bson::DateTime::now() },
                )
                .await
                .unwrap();
            db.collection::<Document>("user_collectibles")
                .insert_one(doc! { "user_id": u1, "collectible_id": c1 })
                .await
                .unwrap();
        })
    });
    let snapshot = |url: &str, name: &str| {
        on_database(url, name, |db| {
            Box::pin(async move {
                let mut all = Vec::new();
                for c in ["users", "events"] {
                    let mut cursor = db
                        .collection::<Document>(c)
                        .find(doc! {})
                        .sort(doc! { "_id": 1 })
                        .await
                        .unwrap();
                    while cursor.advance().await.unwrap() {
                        all.push(cursor.deserialize_current().unwrap());
                    }
                }
                all
            })
        })
    };
    let env = [
        ("MONGODB_URL", url.as_str()),
        ("DATABASE_NAME", name.as_str()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let original = snapshot(&url, &name);

    let dry = migrate(&["--upgrade", "--dry-run"], &env, dir.path());
    assert!(dry.status.success(), "{}", text(&dry));
    let report: Vec<String> = String::from_utf8_lossy(&dry.stdout)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for line in [
        "users.created_at would write 2 documents",
        "users.stats.events_created would write 1 documents",
        "events.created_at would write 2 documents",
        "events.room.current_participants would write 1 documents",
    ] {
        assert!(report.iter().any(|l| l == line), "{line:?} in {report:?}");
    }
    assert_eq!(snapshot(&url, &name), original, "a dry run writes nothing");

    let run = migrate(&["--upgrade"], &env, dir.path());
    assert!(run.status.success(), "{}", text(&run));
    let after = snapshot(&url, &name);
    for d in &after {
        let id = d.get_object_id("_id").unwrap();
        assert_eq!(
            d.get_datetime("created_at").unwrap(),
            &id.timestamp(),
            "created_at is the ObjectId's time: {d}"
        );
    }
    let luis = after
        .iter()
        .find(|d| d.get_object_id("_id") == Ok(u2))
        .unwrap();
    assert_eq!(
        luis.get_document("stats").unwrap(),
        &doc! { "events_created": 0_i64, "events_attended": 0_i64, "collectibles_count": 0_i64 }
    );
    let ana = after
        .iter()
        .find(|d| d.get_object_id("_id") == Ok(u1))
        .unwrap();
    assert_eq!(
        ana.get_document("stats").unwrap().get_i32("events_created"),
        Ok(1)
    );
    let foro = after
        .iter()
        .find(|d| d.get_object_id("_id") == Ok(e2))
        .unwrap();
    assert_eq!(
        foro.get_document("room")
            .unwrap()
            .get_i64("current_participants"),
        Ok(0)
    );

    let again = migrate(&["--upgrade"], &env, dir.path());
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .lines()
            .skip(1)
            .all(|l| l.ends_with("written into 0 documents")),
        "{}",
        text(&again)
    );
    assert_eq!(snapshot(&url, &name), after, "a second run changes nothing");

    // The original's database, upgraded, moves to the embedded store whole: the bare
    // inventory row is completed from its collectible on the way.
    let db = dir.path().join("from-the-original.db");
    let moved = migrate(
        &["--from", "mongodb", "--to", db.to_str().unwrap()],
        &env,
        dir.path(),
    );
    assert!(moved.status.success(), "{}", text(&moved));
    let counts = target_counts(&moved);
    for (collection, n) in [
        ("users", 2),
        ("events", 2),
        ("collectibles", 1),
        ("user_collectibles", 1),
    ] {
        assert_eq!(
            counts.get(collection),
            Some(&n),
            "{collection}: {}",
            text(&moved)
        );
    }

    let not_mongo = migrate(&["--upgrade", "--to", "store.db"], &env, dir.path());
    assert_eq!(not_mongo.status.code(), Some(1), "{}", text(&not_mongo));
}
