//! Crash safety: `cpld` killed with SIGKILL in the middle of a load (registrations, event
//! creations, chat, drops and claims) and restarted on the same store keeps every write it
//! acknowledged, never has a collectible with two winners or a winner without the
//! inventory row, passes the database's checks and starts without manual repair. Once on
//! the embedded SQLite file, once on MongoDB (`secantusd-py`, or `CPL_TEST_MONGODB_URL`):
//! there the database server lives on and the daemon dies between its writes, which is
//! what the claim transaction (or the repairable sequence) must survive.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use citypulse::api::{CreateEventRequest, DropRequest, RegisterRequest};
use citypulse::geo::Coordinates;
use citypulse::ids::{CollectibleId, EventId, MessageId, UserId};
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse_tests::mongo::IsolatedDatabase;
use citypulse_tests::{unique_phone, Daemon, BOGOTA};
use futures_util::TryStreamExt;
use mongodb::bson::{doc, Document};
use rand::Rng;

/// How many kill-and-restart rounds (bounded; each takes a few seconds).
const ROUNDS: usize = 5;

#[derive(Default)]
struct Acked {
    users: Vec<(UserId, String)>,
    events: Vec<EventId>,
    messages: Vec<(EventId, MessageId)>,
    wins: Vec<(CollectibleId, UserId)>,
}

fn event_req(i: usize) -> CreateEventRequest {
    CreateEventRequest {
        title: format!("Evento {i}"),
        description: None,
        category: "civico".into(),
        coordinates: Coordinates::new(BOGOTA.0 + i as f64 * 1e-4, BOGOTA.1).unwrap(),
        address: None,
        starts_at: None,
        ends_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill_on_sqlite() {
    for round in 0..ROUNDS {
        let mut d = Daemon::start().await;
        within_round_limit(round, crash_under_load(&mut d, round)).await;
        check_sqlite(&d, round);
    }
}

/// Each round on a database server of its own (see [`IsolatedDatabase`] for why).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill_on_mongodb() {
    for round in 0..ROUNDS {
        let Some(db) = IsolatedDatabase::start("crash") else {
            return;
        };
        let mut d = Daemon::builder()
            .env("MONGODB_URL", &db.url)
            .env("DATABASE_NAME", &db.name)
            .start()
            .await;
        within_round_limit(round, crash_under_load(&mut d, round)).await;
        within_round_limit(round, check_mongo(&db.url, &db.name, round)).await;
    }
}

/// A round runs for a few seconds; one that has not finished after this long has hung (a
/// database server that stopped answering), which should fail the test, not stall it.
const ROUND_LIMIT: Duration = Duration::from_secs(180);

async fn within_round_limit(round: usize, work: impl std::future::Future<Output = ()>) {
    if tokio::time::timeout(ROUND_LIMIT, work).await.is_err() {
        panic!(
            "round {round} still running after {} s: the daemon or the database server stopped answering",
            ROUND_LIMIT.as_secs()
        );
    }
}

/// Runs the load on `d`, kills it with SIGKILL at a random moment, starts it again on the
/// same store and checks through the API that every acknowledged write is there.
async fn crash_under_load(d: &mut Daemon, round: usize) {
    {
        let (host, _) = d.user("Host").await;
        let room = host.create_event(&event_req(0)).await.unwrap();
        let mut players = Vec::new();
        for i in 0..10 {
            let (c, r) = d.user(&format!("p{i}")).await;
            c.join_event(&room.id).await.unwrap();
            players.push((c, r.user.id));
        }
        let acked = Arc::new(Mutex::new(Acked::default()));
        let mut load = tokio::task::JoinSet::new();

        // Registrations.
        let (client, a) = (d.client(), acked.clone());
        load.spawn(async move {
            for _ in 0..10_000 {
                let req = RegisterRequest {
                    phone: unique_phone(),
                    name: "Nueva".into(),
                };
                match client.register(&req).await {
                    Ok(r) => a.lock().unwrap().users.push((r.user.id, r.token)),
                    Err(_) => return,
                }
            }
        });
        // Event creations.
        let (h, a) = (host.clone(), acked.clone());
        load.spawn(async move {
            for i in 1..10_000 {
                match h.create_event(&event_req(i)).await {
                    Ok(e) => a.lock().unwrap().events.push(e.id),
                    Err(_) => return,
                }
            }
        });
        // Chat: a message counts as acknowledged when its author hears it back, stored.
        let (speaker, speaker_id) = players[0].clone();
        let (a, ev) = (acked.clone(), room.id.clone());
        load.spawn(async move {
            let Ok(mut ws) = speaker.connect(&speaker_id).await else {
                return;
            };
            for i in 0..10_000 {
                let msg = ClientMessage::ChatMessage {
                    event_id: ev.clone(),
                    message: format!("m{i}"),
                };
                if ws.send(&msg).await.is_err() {
                    return;
                }
                let want = format!("m{i}");
                let echo = ws
                    .recv_until(Duration::from_secs(10), |m| match m {
                        ServerMessage::ChatMessage(c) if c.message == want => Some(c.id.clone()),
                        _ => None,
                    })
                    .await;
                match echo {
                    Ok(id) => a.lock().unwrap().messages.push((ev.clone(), id)),
                    Err(_) => return,
                }
            }
        });
        // Drops and claim races among the players.
        let (admin, a, ev, ps) = (d.admin(), acked.clone(), room.id.clone(), players.clone());
        load.spawn(async move {
            for _ in 0..10_000 {
                let Ok(c) = admin
                    .drop_collectible(
                        &ev,
                        &DropRequest {
                            expires_in: Some(600),
                            ..Default::default()
                        },
                    )
                    .await
                else {
                    return;
                };
                let mut race = tokio::task::JoinSet::new();
                for (p, id) in ps.clone() {
                    let cid = c.id.clone();
                    race.spawn(async move { (id, p.claim(&cid).await) });
                }
                while let Some(Ok((id, r))) = race.join_next().await {
                    match r {
                        Ok(r) if r.success => a.lock().unwrap().wins.push((c.id.clone(), id)),
                        Ok(_) => {}
                        Err(_) => return,
                    }
                }
            }
        });

        // Let the load run a random, bounded while, then crash the daemon under it.
        let ms = rand::thread_rng().gen_range(300..900);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        d.kill();
        load.abort_all();
        while load.join_next().await.is_some() {}

        d.start_again().await;
        let acked = std::mem::take(&mut *acked.lock().unwrap());
        assert!(
            !acked.users.is_empty() && !acked.events.is_empty(),
            "round {round}: the load ran before the crash"
        );
        for (id, token) in &acked.users {
            let me = d.client().with_token(token).me().await.unwrap_or_else(|e| {
                panic!("round {round}: acknowledged registration {id} lost: {e}")
            });
            assert_eq!(&me.id, id);
        }
        for id in &acked.events {
            d.client()
                .event(id)
                .await
                .unwrap_or_else(|e| panic!("round {round}: event {id} lost: {e}"));
        }
        let history = d
            .client()
            .messages(
                &room.id,
                &citypulse::api::PageQuery {
                    limit: Some(200),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        // The newest page can also hold the one message stored whose echo the kill cut off
        // (the speaker waits for each echo before sending the next), so of the acknowledged
        // ones, the newest 199 must be on it.
        let newest: Vec<_> = acked.messages.iter().rev().take(199).collect();
        for (_, id) in newest {
            assert!(
                history.iter().any(|m| &m.id == id),
                "round {round}: chat message {id} lost"
            );
        }
        for (cid, winner) in &acked.wins {
            let inv = d.client().user_collectibles(winner).await.unwrap();
            assert!(
                inv.iter().any(|c| &c.collectible_id == cid),
                "round {round}: win of {cid} lost"
            );
        }
        println!(
            "round {round}: killed after {ms} ms with {} users, {} events, {} messages, {} wins acknowledged; all there",
            acked.users.len(),
            acked.events.len(),
            acked.messages.len(),
            acked.wins.len()
        );
    }
}

/// What the SQLite file itself must satisfy after any crash.
fn check_sqlite(d: &Daemon, round: usize) {
    let db = rusqlite::Connection::open(d.dir.join("citypulse.db")).unwrap();
    let ok: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok", "round {round}");
    let doubles: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM (SELECT collectible_id FROM user_collectibles GROUP BY collectible_id HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(doubles, 0, "round {round}: a collectible with two winners");
    let orphans: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM collectibles AS c WHERE c.claimed_by IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM user_collectibles AS u WHERE u.collectible_id = c.id AND u.user_id = c.claimed_by)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        orphans, 0,
        "round {round}: a winner without the inventory row"
    );
    let wrong_counts: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM users AS u WHERE u.collectibles_count != \
             (SELECT COUNT(*) FROM user_collectibles AS c WHERE c.user_id = u.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        wrong_counts, 0,
        "round {round}: collectibles_count out of step with inventories"
    );
}

/// What the MongoDB database must satisfy after any crash: the same invariants as
/// [`check_sqlite`], read straight from the collections.
async fn check_mongo(url: &str, name: &str, round: usize) {
    let db = mongodb::Client::with_uri_str(url)
        .await
        .unwrap()
        .database(name);
    let all = |c: &str| {
        let col = db.collection::<Document>(c);
        async move {
            col.find(doc! {})
                .await
                .unwrap()
                .try_collect::<Vec<_>>()
                .await
                .unwrap()
        }
    };
    let inventory = all("user_collectibles").await;
    let mut owners = std::collections::HashMap::new();
    for row in &inventory {
        let cid = row.get_object_id("collectible_id").unwrap();
        let uid = row.get_object_id("user_id").unwrap();
        assert!(
            owners.insert(cid, uid).is_none(),
            "round {round}: collectible {cid} with two winners"
        );
    }
    for c in all("collectibles").await {
        if let Ok(winner) = c.get_object_id("claimed_by") {
            let id = c.get_object_id("_id").unwrap();
            assert_eq!(
                owners.get(&id),
                Some(&winner),
                "round {round}: winner of {id} without the inventory row"
            );
        }
    }
    for u in all("users").await {
        let id = u.get_object_id("_id").unwrap();
        let stored = u
            .get_document("stats")
            .ok()
            .and_then(|s| s.get("collectibles_count"))
            .and_then(|v| v.as_i64().or_else(|| v.as_i32().map(i64::from)))
            .unwrap_or(0);
        let owned = owners.values().filter(|w| **w == id).count() as i64;
        assert_eq!(
            stored, owned,
            "round {round}: user {id} has collectibles_count {stored} but {owned} inventory rows"
        );
    }
}
