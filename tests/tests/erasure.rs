//! Erasure (issue 18): `DELETE /api/users/{id}` by the user themselves or the admin, refused
//! for another user. Afterwards the person's sockets are closed, their rooms heard
//! `user_left`, their messages read as `deleted user` (or are gone with `purge`), the
//! collectible they won stays claimed by nobody, and neither store holds their phone or
//! name anywhere: the SQLite file (and its write-ahead log) is searched byte by byte, every
//! MongoDB collection is dumped and searched. On MongoDB two daemons share the database and
//! the erasure reaches the other one (`secantusd-py`, or `CPL_TEST_MONGODB_URL`; skipped
//! with a note without either, a failure under `CI=true`).

#![allow(clippy::unwrap_used)]

use citypulse::api::{claim_message, DropRequest, PageQuery, RegisterRequest};
use citypulse::client::{WsConnection, WsError};
use citypulse::ids::{CollectibleId, EventId, UserId};
use citypulse::model::{ChatMessage, RegisteredUser, DELETED_USER_NAME};
use citypulse::ws::{ClientMessage, ServerMessage};
use citypulse::Client;
use citypulse_tests::frames::{self, expect, WAIT};
use citypulse_tests::mongo::{self, DropDatabase};
use citypulse_tests::{api_error, event_in_bogota, unique_phone, Daemon};
use futures_util::TryStreamExt;

/// A name no other test writes, so finding it in a store can only mean this person.
fn distinctive_name() -> String {
    format!("Zelmira Quistgaard {:08x}", rand::random::<u32>())
}

async fn person(d: &Daemon, name: &str) -> (Client, RegisteredUser) {
    let reg = d
        .client()
        .register(&RegisterRequest {
            phone: unique_phone(),
            name: name.to_string(),
        })
        .await
        .unwrap();
    (d.client().with_token(reg.token.clone()), reg)
}

/// `who` connects (through `c`) and joins `event`; the socket once it heard its own join.
async fn member(c: &Client, who: &RegisteredUser, event: &EventId) -> WsConnection {
    let mut ws = c.connect(&who.user.id).await.unwrap();
    c.join_event(event).await.unwrap();
    frames::joined(&mut ws, who).await;
    ws
}

async fn say(ws: &mut WsConnection, event: &EventId, text: &str) -> ChatMessage {
    ws.send(&ClientMessage::ChatMessage {
        event_id: event.clone(),
        message: text.into(),
    })
    .await
    .unwrap();
    frames::chat(ws, text).await
}

async fn left(ws: &mut WsConnection, who: &UserId, event: &EventId) {
    expect(ws, "user_left of the erased user", |m| match m {
        ServerMessage::UserLeft { user_id, event_id } if user_id == who && event_id == event => {
            Some(())
        }
        _ => None,
    })
    .await
}

/// The socket is closed by the daemon (1008) within the bounded wait.
async fn closed(ws: &mut WsConnection) {
    match ws.recv_until(WAIT, |_| None::<()>).await {
        Err(WsError::Closed { code, reason }) => assert_eq!(code, 1008, "{reason}"),
        other => panic!("the erased user's socket stayed open: {other:?}"),
    }
}

async fn history(c: &Client, event: &EventId) -> Vec<ChatMessage> {
    c.messages(
        event,
        &PageQuery {
            limit: Some(200),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// A collectible dropped by the admin into `event` and won by `winner`.
async fn won_by(d: &Daemon, winner: &Client, event: &EventId) -> CollectibleId {
    let k = d
        .admin()
        .drop_collectible(event, &DropRequest::default())
        .await
        .unwrap();
    let r = winner.claim(&k.id).await.unwrap();
    assert!(r.success, "{r:?}");
    k.id
}

fn status<T: std::fmt::Debug>(r: Result<T, citypulse::ClientError>) -> (u16, String) {
    api_error(r.expect_err("the call must be refused"))
}

/// Every file of the SQLite database (the file, its WAL and shared memory) in `dir`.
fn database_bytes(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("citypulse.db"))
        })
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_erases_themselves_and_the_sqlite_file_forgets_them() {
    let d = Daemon::start().await;
    let name = distinctive_name();
    let (gone, rg) = person(&d, &name).await;
    let phone = rg.user.phone.clone().unwrap();
    let (host, rh) = d.user("Host").await;
    let (stranger, _) = d.user("Stranger").await;
    let ev = event_in_bogota(&host, "Feria del olvido").await;
    let mut wg = member(&gone, &rg, &ev.id).await;
    let mut wh = member(&host, &rh, &ev.id).await;
    let mine = say(&mut wg, &ev.id, "hola, soy yo").await;
    let theirs = say(&mut wh, &ev.id, "hola a todos").await;
    let k = won_by(&d, &gone, &ev.id).await;
    assert_eq!(gone.user_collectibles(&rg.user.id).await.unwrap().len(), 1);

    // Another user may not; the person themselves may.
    let (s, detail) = status(stranger.delete_user(&rg.user.id, false).await);
    assert_eq!(s, 403, "{detail}");
    let (s, _) = status(d.client().delete_user(&rg.user.id, false).await);
    assert_eq!(s, 401);
    let erased = gone.delete_user(&rg.user.id, false).await.unwrap();
    assert_eq!(erased.user_id, rg.user.id);
    assert!(!erased.purged);
    assert_eq!((erased.rooms_left, erased.messages), (1, 1));

    // Their socket is closed, the room heard them leave, they are in no room.
    closed(&mut wg).await;
    left(&mut wh, &rg.user.id, &ev.id).await;
    let people = d.client().participants(&ev.id).await.unwrap();
    assert_eq!(
        people.iter().map(|p| &p.user_id).collect::<Vec<_>>(),
        vec![&rh.user.id]
    );
    // The id names nobody; the token is gone; again is a 404.
    let (s, _) = status(d.client().user(&rg.user.id).await);
    assert_eq!(s, 404);
    let (s, _) = status(gone.me().await);
    assert_eq!(s, 401);
    let (s, _) = status(d.admin().delete_user(&rg.user.id, false).await);
    assert_eq!(s, 404);
    let (s, _) = status(gone.delete_user(&rg.user.id, false).await);
    assert_eq!(s, 401);
    assert!(d
        .admin()
        .users()
        .await
        .unwrap()
        .iter()
        .all(|u| u.id != rg.user.id));
    // The history stays, the message under the deleted-user name.
    let kept = history(&d.client(), &ev.id).await;
    let renamed = ChatMessage {
        name: DELETED_USER_NAME.into(),
        ..mine
    };
    assert_eq!(kept, vec![theirs, renamed]);
    // The collectible stays won: nobody else can claim it.
    let r = host.claim(&k).await.unwrap();
    assert_eq!(r.message, claim_message::ALREADY_CLAIMED, "{r:?}");

    // Nothing of the phone or the name in any byte of the database files.
    let files = database_bytes(&d.dir);
    assert!(!files.is_empty());
    for (file, bytes) in &files {
        assert!(!contains(bytes, &phone), "{file} still holds the phone");
        assert!(!contains(bytes, &name), "{file} still holds the name");
    }
    // And the store says the same through SQL: the collectible names no winner.
    let db = rusqlite::Connection::open(d.dir.join("citypulse.db")).unwrap();
    let winner: Option<String> = db
        .query_row(
            "SELECT claimed_by FROM collectibles WHERE id = ?1",
            [k.as_str()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(winner, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_erases_with_purge_and_the_history_loses_their_messages() {
    let d = Daemon::start().await;
    let (gone, rg) = d.user("Purged").await;
    let (host, rh) = d.user("Host").await;
    let ev = event_in_bogota(&host, "Feria purgada").await;
    let mut wg = member(&gone, &rg, &ev.id).await;
    let mut wh = member(&host, &rh, &ev.id).await;
    say(&mut wg, &ev.id, "uno").await;
    say(&mut wg, &ev.id, "dos").await;
    let theirs = say(&mut wh, &ev.id, "tres").await;
    let erased = d.admin().delete_user(&rg.user.id, true).await.unwrap();
    assert!(erased.purged);
    assert_eq!(erased.messages, 2);
    closed(&mut wg).await;
    left(&mut wh, &rg.user.id, &ev.id).await;
    assert_eq!(history(&d.client(), &ev.id).await, vec![theirs]);
}

/// Every document of every collection of `database`, as extended JSON text.
async fn dump(url: &str, database: &str) -> Vec<(String, String)> {
    let client = mongodb::Client::with_uri_str(url).await.unwrap();
    let db = client.database(database);
    let mut out = Vec::new();
    for collection in db.list_collection_names().await.unwrap() {
        let docs: Vec<mongodb::bson::Document> = db
            .collection::<mongodb::bson::Document>(&collection)
            .find(mongodb::bson::doc! {})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        for d in docs {
            let text = mongodb::bson::Bson::Document(d)
                .into_relaxed_extjson()
                .to_string();
            out.push((collection.clone(), text));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_erasure_on_one_daemon_reaches_the_other_and_mongodb_forgets_them() {
    let Some(url) = mongo::shared_url() else {
        return;
    };
    let database = mongo::unique_database("erasure");
    let _drop = DropDatabase {
        url: url.clone(),
        name: database.clone(),
    };
    let start = |url: String, name: String| async move {
        Daemon::builder()
            .env("MONGODB_URL", &url)
            .env("DATABASE_NAME", &name)
            .start()
            .await
    };
    let a = start(url.clone(), database.clone()).await;
    let b = start(url.clone(), database.clone()).await;
    let name = distinctive_name();
    let (gone, rg) = person(&a, &name).await;
    let phone = rg.user.phone.clone().unwrap();
    let (watcher, rw) = b.user("Watcher").await;
    let ev = event_in_bogota(&watcher, "Feria en dos daemons").await;
    // The person is connected to A, the watcher to B.
    let mut wg = member(&gone, &rg, &ev.id).await;
    let mut ww = member(&watcher, &rw, &ev.id).await;
    let mine = say(&mut wg, &ev.id, "desde A").await;
    expect(&mut ww, "the message on B", |m| match m {
        ServerMessage::ChatMessage(c) if c.id == mine.id => Some(()),
        _ => None,
    })
    .await;
    let k = won_by(&a, &gone, &ev.id).await;

    // The admin erases them through B: their socket on A closes, the watcher on B hears
    // them leave.
    let erased = b.admin().delete_user(&rg.user.id, false).await.unwrap();
    assert_eq!(erased.rooms_left, 1);
    closed(&mut wg).await;
    left(&mut ww, &rg.user.id, &ev.id).await;
    for d in [&a, &b] {
        let (s, _) = status(d.client().user(&rg.user.id).await);
        assert_eq!(s, 404);
        let (s, _) = status(gone.me().await);
        assert_eq!(s, 401);
        let h = history(&d.client(), &ev.id).await;
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].name, DELETED_USER_NAME);
    }
    let (s, _) = status(a.admin().delete_user(&rg.user.id, false).await);
    assert_eq!(s, 404);

    // Every collection, every document: neither the phone nor the name.
    let docs = dump(&url, &database).await;
    assert!(docs.iter().any(|(c, _)| c == "users"));
    for (collection, text) in &docs {
        assert!(
            !text.contains(&phone),
            "{collection} still holds the phone: {text}"
        );
        assert!(
            !text.contains(&name),
            "{collection} still holds the name: {text}"
        );
    }
    let claimed = docs
        .iter()
        .find(|(c, t)| c == "collectibles" && t.contains(k.as_str()))
        .map(|(_, t)| serde_json::from_str::<serde_json::Value>(t).unwrap())
        .unwrap();
    assert!(claimed["claimed_by"].is_null(), "{claimed}");
    assert!(!claimed["claimed_at"].is_null(), "{claimed}");
}
