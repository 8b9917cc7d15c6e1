//! Authorisation end to end (issue 9, OWASP API Top 10): for every route and WebSocket
//! message, user B cannot act as user A or read A's private data; nothing a client sends
//! sets server-owned fields (mass assignment); tokens are stored only as hashes and never
//! logged; admin calls need the admin token; CORS answers only the configured origins; the
//! docs page carries its security headers.
//!
//! Every refusal is checked twice: the status, and the stored state afterwards (a 403 that
//! still did the deed would pass a status-only test).

use std::time::Duration;

use citypulse::api::{CreateEventRequest, DropRequest, PageQuery};
use citypulse::geo::Coordinates;
use citypulse::model::{Collectible, Event, EventStatus, RegisteredUser};
use citypulse::ws::ServerMessage;
use citypulse::{Client, ClientError};
use citypulse_tests::frames::expect_error;
use citypulse_tests::{unique_phone, Daemon, ADMIN_TOKEN, BOGOTA};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

const WAIT: Duration = Duration::from_secs(15);

fn status(e: ClientError) -> u16 {
    e.status()
        .unwrap_or_else(|| panic!("not an API error: {e}"))
}

async fn event(c: &Client, title: &str) -> Event {
    c.create_event(&CreateEventRequest {
        title: title.into(),
        description: None,
        category: "cultura".into(),
        coordinates: Coordinates::new(BOGOTA.0, BOGOTA.1).unwrap(),
        address: None,
        starts_at: None,
        ends_at: None,
    })
    .await
    .unwrap()
}

async fn drop_into(d: &Daemon, ev: &Event) -> Collectible {
    d.admin()
        .drop_collectible(
            &ev.id,
            &DropRequest {
                expires_in: Some(3600),
                ..DropRequest::default()
            },
        )
        .await
        .unwrap()
}

/// A raw request: (status, headers, JSON body or the text as a JSON string).
async fn raw(
    d: &Daemon,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req =
        reqwest::Client::new().request(method.parse().unwrap(), format!("{}{}", d.url, path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let code = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (code, headers, body)
}

fn detail(body: &Value) -> &str {
    body["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("no detail in {body}"))
}

/// Opens a raw WebSocket; the refusal's status and detail when the upgrade is refused.
async fn open_ws(url: String) -> Result<citypulse::client::WsStream, (u16, String)> {
    match tokio_tungstenite::connect_async(url).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let body = resp.body().clone().unwrap_or_default();
            let detail = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v["detail"].as_str().map(str::to_string))
                .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
            Err((resp.status().as_u16(), detail))
        }
        Err(e) => panic!("cannot reach the daemon: {e}"),
    }
}

fn ws_base(d: &Daemon) -> String {
    d.url.replacen("http://", "ws://", 1)
}

/// Sends `ping` and collects every frame up to its `pong`: what the connection received
/// in between (frames are delivered in order, so anything sent before is already here).
async fn frames_until_pong(ws: &mut citypulse::client::WsConnection) -> Vec<ServerMessage> {
    ws.send_raw(Message::Text(r#"{"type":"ping"}"#.into()))
        .await
        .unwrap();
    let mut seen = Vec::new();
    loop {
        let m = tokio::time::timeout(WAIT, ws.recv())
            .await
            .expect("a pong in time")
            .unwrap();
        if m == ServerMessage::Pong {
            return seen;
        }
        seen.push(m);
    }
}

#[tokio::test]
async fn b_cannot_end_join_leave_create_or_claim_as_a() {
    let d = Daemon::start().await;
    let (alice, a) = d.user("Alice").await;
    let (bob, b) = d.user("Bob").await;
    let ev = event(&alice, "Feria de Alice").await;
    let (aid, bid, eid) = (a.user.id.as_str(), b.user.id.as_str(), ev.id.as_str());
    let bt = Some(b.token.as_str());

    // End A's event: not the creator, and not by naming A either.
    for path in [
        format!("/api/events/{eid}/end"),
        format!("/api/events/{eid}/end?creator_id={aid}"),
    ] {
        let (code, _, body) = raw(&d, "POST", &path, bt, None).await;
        assert_eq!(code, 403, "{path}: {body}");
    }
    assert_eq!(
        d.client().event(&ev.id).await.unwrap().status,
        EventStatus::Active
    );

    // Create an event as A.
    let body = json!({"title": "Fake", "category": "x", "coordinates": [BOGOTA.0, BOGOTA.1]});
    let (code, _, resp) = raw(
        &d,
        "POST",
        &format!("/api/events?creator_id={aid}"),
        bt,
        Some(body),
    )
    .await;
    assert_eq!(code, 403, "{resp}");
    assert!(detail(&resp).contains("creator_id"), "{resp}");
    assert_eq!(alice.me().await.unwrap().stats.events_created, 1);
    assert_eq!(bob.me().await.unwrap().stats.events_created, 0);

    // Join as A.
    let (code, _, resp) = raw(
        &d,
        "POST",
        &format!("/api/events/{eid}/join?user_id={aid}"),
        bt,
        None,
    )
    .await;
    assert_eq!(code, 403, "{resp}");
    assert!(d.client().participants(&ev.id).await.unwrap().is_empty());
    assert_eq!(alice.me().await.unwrap().stats.events_attended, 0);

    // Leave as A.
    alice.join_event(&ev.id).await.unwrap();
    let (code, _, resp) = raw(
        &d,
        "POST",
        &format!("/api/events/{eid}/leave?user_id={aid}"),
        bt,
        None,
    )
    .await;
    assert_eq!(code, 403, "{resp}");
    let who: Vec<_> = d
        .client()
        .participants(&ev.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.user_id)
        .collect();
    assert_eq!(who, std::slice::from_ref(&a.user.id));

    // Claim as A, and claim from a room B is not in.
    let c = drop_into(&d, &ev).await;
    let cid = c.id.as_str();
    let (code, _, resp) = raw(
        &d,
        "POST",
        &format!("/api/collectibles/claim?collectible_id={cid}&user_id={aid}"),
        bt,
        None,
    )
    .await;
    assert_eq!(code, 403, "{resp}");
    assert_eq!(status(bob.claim(&c.id).await.unwrap_err()), 403);
    let active = d.client().active_collectibles(&ev.id).await.unwrap();
    assert!(
        active
            .iter()
            .any(|x| x.id == c.id && x.claimed_by.is_none()),
        "{active:?}"
    );
    assert!(d
        .client()
        .user_collectibles(&b.user.id)
        .await
        .unwrap()
        .is_empty());
    assert!(d
        .client()
        .user_collectibles(&a.user.id)
        .await
        .unwrap()
        .is_empty());
    // A still wins it: nothing B did touched it.
    assert!(alice.claim(&c.id).await.unwrap().success);

    // Naming oneself is fine; the admin token is nobody and cannot act as a user (ending
    // an event is not acting as its creator: the admin may, as a moderator; see
    // tests/tests/moderation.rs).
    let (code, _, resp) = raw(
        &d,
        "POST",
        &format!("/api/events/{eid}/join?user_id={bid}"),
        bt,
        None,
    )
    .await;
    assert_eq!(code, 200, "{resp}");
    for path in [
        format!("/api/events/{eid}/join"),
        format!("/api/events/{eid}/leave"),
        format!("/api/events/{eid}/end?creator_id={}", a.user.id),
        format!("/api/collectibles/claim?collectible_id={cid}"),
    ] {
        let (code, _, resp) = raw(&d, "POST", &path, Some(ADMIN_TOKEN), None).await;
        assert_eq!(code, 403, "{path}: {resp}");
    }
    assert_eq!(
        d.client().event(&ev.id).await.unwrap().status,
        EventStatus::Active
    );
}

#[tokio::test]
async fn b_cannot_read_as_a_or_reset_as_a() {
    let d = Daemon::start().await;
    let (alice, a) = d.user("Alice").await;
    let (bob, b) = d.user("Bob").await;
    let phone = a.user.phone.clone().unwrap();

    // A's phone: only A and the admin see it.
    assert_eq!(bob.user(&a.user.id).await.unwrap().phone, None);
    assert_eq!(d.client().user(&a.user.id).await.unwrap().phone, None);
    assert_eq!(
        alice.user(&a.user.id).await.unwrap().phone.as_deref(),
        Some(phone.as_str())
    );
    assert_eq!(
        d.admin().user(&a.user.id).await.unwrap().phone.as_deref(),
        Some(phone.as_str())
    );
    let (_, _, body) = raw(
        &d,
        "GET",
        &format!("/api/users/{}", a.user.id),
        Some(&b.token),
        None,
    )
    .await;
    assert!(!body.to_string().contains(&phone), "{body}");
    assert_eq!(bob.me().await.unwrap().id, b.user.id);
    // The user list (every phone) is the admin's.
    assert_eq!(status(bob.users().await.unwrap_err()), 403);
    assert_eq!(status(d.client().users().await.unwrap_err()), 401);

    // Reset A's token: refused, and A's token still works.
    assert_eq!(status(bob.reset_token(&a.user.id).await.unwrap_err()), 403);
    assert_eq!(
        status(d.client().reset_token(&a.user.id).await.unwrap_err()),
        401
    );
    assert_eq!(alice.me().await.unwrap().id, a.user.id);
    // Revocable: A's own reset, then the admin's; each old token dies at once.
    let t1 = alice.reset_token(&a.user.id).await.unwrap().token;
    assert_eq!(status(alice.me().await.unwrap_err()), 401);
    let a1 = d.client().with_token(&t1);
    assert_eq!(a1.me().await.unwrap().id, a.user.id);
    let t2 = d.admin().reset_token(&a.user.id).await.unwrap().token;
    assert_eq!(status(a1.me().await.unwrap_err()), 401);
    assert_eq!(d.client().with_token(&t2).me().await.unwrap().id, a.user.id);
    assert_ne!(t1, t2);
}

#[tokio::test]
async fn admin_calls_need_the_admin_token_and_refuse_when_none_is_configured() {
    let d = Daemon::start().await;
    let (alice, _) = d.user("Alice").await;
    let ev = event(&alice, "Feria").await;
    assert_eq!(status(alice.users().await.unwrap_err()), 403);
    assert_eq!(
        status(
            alice
                .drop_collectible(&ev.id, &DropRequest::default())
                .await
                .unwrap_err()
        ),
        403
    );
    assert!(d
        .client()
        .active_collectibles(&ev.id)
        .await
        .unwrap()
        .is_empty());

    let d = Daemon::builder().env("CPL_ADMIN_TOKEN", "").start().await;
    let (alice, _) = d.user("Alice").await;
    let ev = event(&alice, "Feria").await;
    for token in [None, Some(alice.clone())] {
        let c = token.unwrap_or_else(|| d.client());
        for err in [
            c.users().await.unwrap_err(),
            c.drop_collectible(&ev.id, &DropRequest::default())
                .await
                .unwrap_err(),
        ] {
            assert_eq!(err.status(), Some(403), "{err}");
            assert!(err.to_string().contains("CPL_ADMIN_TOKEN"), "{err}");
        }
    }
    // The token the other daemons use for admin is nobody's here.
    assert_eq!(status(d.admin().users().await.unwrap_err()), 401);
    assert!(d
        .client()
        .active_collectibles(&ev.id)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn sockets_and_room_messages_belong_to_their_users() {
    let d = Daemon::start().await;
    let (alice, a) = d.user("Alice").await;
    let (bob, b) = d.user("Bob").await;

    // A's socket: not with B's token, the admin token or none.
    assert_eq!(status(bob.connect(&a.user.id).await.err().unwrap()), 403);
    assert_eq!(
        status(d.admin().connect(&a.user.id).await.err().unwrap()),
        403
    );
    assert_eq!(
        status(d.client().connect(&a.user.id).await.err().unwrap()),
        401
    );
    let url = format!("{}/ws/{}?token={}", ws_base(&d), a.user.id, b.token);
    assert_eq!(open_ws(url).await.err().unwrap().0, 403);

    let ev = event(&alice, "Sala de Alice").await;
    let mut wa = alice.connect(&a.user.id).await.unwrap();
    wa.send_raw(Message::text(
        json!({"type": "join_event", "event_id": ev.id}).to_string(),
    ))
    .await
    .unwrap();
    wa.recv_until(WAIT, |m| {
        matches!(m, ServerMessage::UserJoined { .. }).then_some(())
    })
    .await
    .unwrap();
    let c = drop_into(&d, &ev).await;

    // B, in no room, posts into A's room: forbidden, and A hears nothing.
    let mut wb = bob.connect(&b.user.id).await.unwrap();
    wb.send_raw(Message::text(
        json!({"type": "chat_message", "event_id": ev.id, "message": "hola"}).to_string(),
    ))
    .await
    .unwrap();
    let why = expect_error(&mut wb, "forbidden").await;
    assert!(!why.is_empty());
    // B claims from the room: forbidden, still unclaimed.
    wb.send_raw(Message::text(
        json!({"type": "claim_collectible", "collectible_id": c.id}).to_string(),
    ))
    .await
    .unwrap();
    expect_error(&mut wb, "forbidden").await;
    // B "leaves" the room it is not in: nothing happens to A.
    wb.send_raw(Message::text(
        json!({"type": "leave_event", "event_id": ev.id}).to_string(),
    ))
    .await
    .unwrap();
    let _ = frames_until_pong(&mut wb).await;

    let heard = frames_until_pong(&mut wa).await;
    assert!(
        !heard.iter().any(|m| matches!(
            m,
            ServerMessage::ChatMessage(_)
                | ServerMessage::UserLeft { .. }
                | ServerMessage::CollectibleClaimed { .. }
        )),
        "A heard {heard:?}"
    );
    assert!(d
        .client()
        .messages(&ev.id, &PageQuery::default())
        .await
        .unwrap()
        .is_empty());
    let who: Vec<_> = d
        .client()
        .participants(&ev.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.user_id)
        .collect();
    assert_eq!(who, std::slice::from_ref(&a.user.id));
    let active = d.client().active_collectibles(&ev.id).await.unwrap();
    assert!(active.iter().any(|x| x.id == c.id), "{active:?}");
}

#[tokio::test]
async fn transcription_is_authorised_before_deepgram_is_contacted() {
    // Port 9 (discard) on loopback: nothing listens, so a stream that got past authorisation
    // fails upstream; one that did not is refused before the upgrade.
    let d = Daemon::builder()
        .env("DEEPGRAM_API_KEY", "x")
        .env("DEEPGRAM_API_URL", "ws://127.0.0.1:9")
        .start()
        .await;
    let (alice, a) = d.user("Alice").await;
    let (_, b) = d.user("Bob").await;
    let ev = event(&alice, "Charla").await;
    let url = |token: &str| format!("{}/ws/transcribe/{}?token={token}", ws_base(&d), ev.id);

    let (code, why) = open_ws(url(&b.token)).await.err().unwrap();
    assert_eq!(code, 403, "{why}");
    assert!(why.contains("join"), "{why}");
    assert_eq!(open_ws(url(ADMIN_TOKEN)).await.err().unwrap().0, 403);
    assert_eq!(
        open_ws(format!("{}/ws/transcribe/{}", ws_base(&d), ev.id))
            .await
            .err()
            .unwrap()
            .0,
        401
    );
    assert_eq!(open_ws(url("cpl_wrong")).await.err().unwrap().0, 401);

    // The creator gets past authorisation; only then is Deepgram dialled, and fails.
    let mut ws = open_ws(url(&a.token))
        .await
        .expect("the creator may transcribe");
    use futures_util::StreamExt;
    let closed = tokio::time::timeout(WAIT, async {
        while let Some(m) = ws.next().await {
            if let Ok(Message::Close(f)) = m {
                return f.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("the stream closes when Deepgram cannot be reached");
    assert!(closed.is_some_and(|c| c != 1000), "{closed:?}");

    // Without a key: 503 for everyone, before anything about the event is revealed.
    let d = Daemon::start().await;
    let (alice, _) = d.user("Alice").await;
    let (_, b) = d.user("Bob").await;
    let ev = event(&alice, "Charla").await;
    let url = format!("{}/ws/transcribe/{}?token={}", ws_base(&d), ev.id, b.token);
    let (code, why) = open_ws(url).await.err().unwrap();
    assert_eq!(code, 503, "{why}");
    assert!(why.contains("DEEPGRAM_API_KEY"), "{why}");
}

#[tokio::test]
async fn no_mass_assignment_through_bodies_queries_or_frames() {
    let d = Daemon::start().await;
    let (alice, a) = d.user("Alice").await;
    let (bob, b) = d.user("Bob").await;
    let forged_id = "6745a1b2c3d4e5f601234567";
    let stats = json!({"events_created": 99, "events_attended": 99, "collectibles_count": 99});

    // Registration: server-owned fields are refused, and nothing is stored.
    for (k, v) in [
        ("id", json!(forged_id)),
        ("stats", stats.clone()),
        ("created_at", json!("2000-01-01T00:00:00Z")),
        ("token", json!("cpl_chosen")),
        ("token_hash", json!("00")),
    ] {
        let phone = unique_phone();
        let mut body = json!({"phone": phone, "name": "Mallory"});
        body[k] = v;
        let (code, _, resp) = raw(&d, "POST", "/api/users/register", None, Some(body)).await;
        assert_eq!(code, 422, "{k}: {resp}");
        assert!(detail(&resp).contains(k), "{k}: {resp}");
        // The phone is still free: the refused registration left nothing behind.
        let (code, _, resp) = raw(
            &d,
            "POST",
            "/api/users/register",
            None,
            Some(json!({"phone": phone, "name": "M"})),
        )
        .await;
        assert_eq!(code, 201, "{resp}");
        assert_ne!(resp["id"], json!(forged_id));
    }
    assert_eq!(
        status(
            d.client()
                .user(&forged_id.parse().unwrap())
                .await
                .unwrap_err()
        ),
        404
    );

    // Events: status, ids, room fields, counters and timestamps are the daemon's.
    let base =
        json!({"title": "Fiesta", "category": "cultura", "coordinates": [BOGOTA.0, BOGOTA.1]});
    for (k, v) in [
        ("id", json!(forged_id)),
        ("status", json!("ended")),
        ("creator_id", json!(b.user.id)),
        (
            "room",
            json!({"daily_room_name": "x", "daily_room_url": "https://evil.example/x", "current_participants": 50}),
        ),
        ("room_url", json!("https://evil.example/x")),
        ("location", json!({"type": "Point", "coordinates": [0, 0]})),
        ("created_at", json!("2000-01-01T00:00:00Z")),
        ("ended_at", json!("2000-01-01T00:00:00Z")),
        ("stats", stats.clone()),
    ] {
        let mut body = base.clone();
        body[k] = v;
        let (code, _, resp) = raw(&d, "POST", "/api/events", Some(&a.token), Some(body)).await;
        assert_eq!(code, 422, "{k}: {resp}");
    }
    assert_eq!(alice.me().await.unwrap().stats.events_created, 0);
    assert_eq!(
        status(
            d.client()
                .event(&forged_id.parse().unwrap())
                .await
                .unwrap_err()
        ),
        404
    );

    // Drops (even the admin's): the winner, ids, the event and timestamps are the daemon's.
    let ev = event(&alice, "Feria").await;
    for (k, v) in [
        ("id", json!(forged_id)),
        ("claimed_by", json!(b.user.id)),
        ("claimed_at", json!("2000-01-01T00:00:00Z")),
        ("event_id", json!(forged_id)),
        ("is_active", json!(false)),
        ("dropped_at", json!("2000-01-01T00:00:00Z")),
        ("expires_at", json!("2100-01-01T00:00:00Z")),
    ] {
        let mut body = json!({});
        body[k] = v;
        let (code, _, resp) = raw(
            &d,
            "POST",
            &format!("/api/events/{}/collectibles", ev.id),
            Some(ADMIN_TOKEN),
            Some(body),
        )
        .await;
        assert_eq!(code, 422, "{k}: {resp}");
    }
    assert!(d
        .client()
        .active_collectibles(&ev.id)
        .await
        .unwrap()
        .is_empty());

    // Query parameters the daemon does not know are ignored, never applied.
    let before = d.client().event(&ev.id).await.unwrap();
    let (code, _, resp) = raw(
        &d,
        "POST",
        &format!(
            "/api/events/{}/join?status=ended&creator_id={}&room_url=https://evil.example",
            ev.id, b.user.id
        ),
        Some(&b.token),
        None,
    )
    .await;
    assert_eq!(code, 200, "{resp}");
    let after = d.client().event(&ev.id).await.unwrap();
    assert_eq!(
        (after.status, &after.creator_id, &after.room_url),
        (before.status, &before.creator_id, &before.room_url)
    );
    let c = drop_into(&d, &ev).await;
    let (code, _, resp) = raw(
        &d,
        "POST",
        &format!(
            "/api/collectibles/claim?collectible_id={}&claimed_by={}&points=100000",
            c.id, a.user.id
        ),
        Some(&b.token),
        None,
    )
    .await;
    assert_eq!(code, 200, "{resp}");
    assert_eq!(
        resp["collectible"]["claimed_by"],
        json!(b.user.id),
        "{resp}"
    );
    assert_eq!(resp["collectible"]["points"], json!(c.points), "{resp}");
    assert!(d
        .client()
        .user_collectibles(&a.user.id)
        .await
        .unwrap()
        .is_empty());

    // Frames: extra fields cannot name another author, id or time.
    let mut wb = bob.connect(&b.user.id).await.unwrap();
    wb.send_raw(Message::text(
        json!({
            "type": "chat_message", "event_id": ev.id, "message": "hola",
            "user_id": a.user.id, "name": "Alice", "id": forged_id, "timestamp": "2000-01-01T00:00:00Z"
        })
        .to_string(),
    ))
    .await
    .unwrap();
    let sent = wb
        .recv_until(WAIT, |m| match m {
            ServerMessage::ChatMessage(c) => Some(c.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!((&sent.user_id, sent.name.as_str()), (&b.user.id, "Bob"));
    assert_ne!(sent.id.as_str(), forged_id);
    assert!(sent.timestamp > chrono::Utc::now() - chrono::Duration::minutes(5));
    let stored = d
        .client()
        .messages(&ev.id, &PageQuery::default())
        .await
        .unwrap();
    assert_eq!(stored, [sent]);
    // A join frame naming A joins B, the sender.
    wb.send_raw(Message::text(
        json!({"type": "leave_event", "event_id": ev.id, "user_id": a.user.id}).to_string(),
    ))
    .await
    .unwrap();
    let _ = frames_until_pong(&mut wb).await;
    assert!(d.client().participants(&ev.id).await.unwrap().is_empty());
    wb.send_raw(Message::text(
        json!({"type": "join_event", "event_id": ev.id, "user_id": a.user.id}).to_string(),
    ))
    .await
    .unwrap();
    let _ = frames_until_pong(&mut wb).await;
    let who: Vec<_> = d
        .client()
        .participants(&ev.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.user_id)
        .collect();
    assert_eq!(who, std::slice::from_ref(&b.user.id));
}

/// Every byte of the database files, as text.
fn database_bytes(d: &Daemon) -> Vec<(String, Vec<u8>)> {
    ["citypulse.db", "citypulse.db-wal", "citypulse.db-shm"]
        .iter()
        .filter_map(|f| {
            std::fs::read(d.dir.join(f))
                .ok()
                .map(|b| (f.to_string(), b))
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn tokens_are_stored_hashed_and_never_logged() {
    let d = Daemon::start().await;
    let (alice, a) = d.user("Alice").await;
    let (bob, b): (Client, RegisteredUser) = d.user("Bob").await;
    let new = alice.reset_token(&a.user.id).await.unwrap().token;
    let alice = d.client().with_token(&new);
    // Use every token every way the daemon takes one, valid or not.
    alice.me().await.unwrap();
    let ev = event(&alice, "Feria").await;
    bob.join_event(&ev.id).await.unwrap();
    let ws = bob.connect(&b.user.id).await.unwrap();
    ws.close().await.unwrap();
    let _ = d.client().with_token(&a.token).me().await; // revoked: 401
    let _ = d.client().with_token(format!("{}x", b.token)).me().await;
    let _ = open_ws(format!(
        "{}/ws/{}?token={}",
        ws_base(&d),
        a.user.id,
        a.token
    ))
    .await;
    d.admin().users().await.unwrap();
    let tokens = [
        a.token.as_str(),
        new.as_str(),
        b.token.as_str(),
        ADMIN_TOKEN,
    ];

    // The database (every table, and the raw files with their free pages and WAL) holds no
    // token; it holds the SHA-256 of each live one.
    let db = rusqlite::Connection::open_with_flags(
        d.dir.join("citypulse.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(tables.iter().any(|t| t == "users"), "{tables:?}");
    let mut cells = Vec::new();
    for t in &tables {
        let mut stmt = db.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                let cell = match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        String::from_utf8_lossy(t).into_owned()
                    }
                    other => format!("{other:?}"),
                };
                cells.push(cell);
            }
        }
    }
    for t in tokens {
        assert!(
            !cells.iter().any(|c| c.contains(t)),
            "a row holds the token {t}"
        );
    }
    for live in [new.as_str(), b.token.as_str()] {
        assert!(
            cells.iter().any(|c| c.contains(&sha256_hex(live))),
            "no hash of a live token is stored"
        );
    }
    assert!(
        !cells.iter().any(|c| c.contains(&sha256_hex(&a.token))),
        "the revoked token's hash is still stored"
    );
    drop(db);
    for (file, bytes) in database_bytes(&d) {
        for t in tokens {
            assert!(!contains(&bytes, t), "{file} holds the token {t}");
        }
    }

    // The log (at debug level) names no token.
    let logs = d.logs();
    assert!(!logs.is_empty());
    for t in tokens {
        assert!(!logs.contains(t), "the log holds the token {t}:\n{logs}");
    }
}

#[tokio::test]
async fn cors_answers_only_the_configured_origins() {
    let d = Daemon::builder()
        .env("CORS_ORIGINS", "http://localhost:5173")
        .start()
        .await;
    let http = reqwest::Client::new();
    let preflight = |origin: &str| {
        http.request(reqwest::Method::OPTIONS, format!("{}/api/events", d.url))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let ok = preflight("http://localhost:5173").await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    let methods = ok.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_ascii_uppercase();
    assert!(methods.contains("POST"), "{methods}");
    let headers = ok.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(headers.contains("authorization"), "{headers}");

    let evil = preflight("http://evil.example").await.unwrap();
    assert!(!evil.status().is_success(), "{}", evil.status());
    assert!(evil.headers().get("access-control-allow-origin").is_none());
    // A plain cross-origin read from elsewhere gets no CORS grant either.
    let r = http
        .get(format!("{}/health", d.url))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = http
        .get(format!("{}/health", d.url))
        .header("origin", "http://localhost:5173")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
}

/// API.md: "CORS from `CORS_ORIGINS`": with none configured, no origin is granted.
#[tokio::test]
async fn cors_grants_no_origin_when_none_is_configured() {
    let d = Daemon::start().await;
    let r = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}/api/events", d.url))
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn docs_page_and_api_answers_carry_security_headers() {
    let d = Daemon::start().await;
    let (code, h, _) = raw(&d, "GET", "/docs", None, None).await;
    assert_eq!(code, 200);
    let csp = h["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "frame-ancestors 'none'",
        "connect-src 'self'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    for path in ["/health", "/api/users/me", "/nowhere"] {
        let (_, h, _) = raw(&d, "GET", path, None, None).await;
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
    }
}

/// A reset racing the opening of sockets on the old token: whichever gets there first,
/// once the reset has answered no socket is open on the old token. Sockets the reset did
/// not see yet (checked before it, registered after it) are closed by the second look
/// the daemon takes at the token once a socket is registered. Bounded: 30 rounds of 12.
#[tokio::test]
async fn no_socket_outlives_a_token_reset_that_raced_its_opening() {
    let d = Daemon::builder()
        .env("CPL_RATE_LIMIT", "0")
        .env("CPL_MAX_CONNECTIONS_PER_USER", "100")
        // Every socket refused on the old token is a failed authentication; hundreds of
        // them would spend the address's failure budget and turn the 401s into 429s.
        .env("CPL_AUTH_FAILURES_PER_MINUTE", "0")
        .start()
        .await;
    let (mut client, a) = d.user("Ana").await;
    let id = a.user.id.clone();
    let (mut opened, mut refused) = (0, 0);
    for round in 0..30u64 {
        let opens: Vec<_> = (0..12u64)
            .map(|i| {
                let (c, id) = (client.clone(), id.clone());
                tokio::spawn(async move {
                    // Spread over the reset's round trip: some before, some during, some after.
                    tokio::time::sleep(Duration::from_micros(i * 250)).await;
                    c.connect(&id).await
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_micros(500 + round * 61 % 1500)).await;
        let fresh = client.reset_token(&id).await.unwrap().token;
        for open in opens {
            match open.await.unwrap() {
                Ok(mut ws) => {
                    opened += 1;
                    let end = ws
                        .recv_until(WAIT, |_| None::<()>)
                        .await
                        .expect_err("recv_until never matches");
                    match end {
                        citypulse::client::WsError::Closed { code, reason } => {
                            assert_eq!(code, 1008, "round {round}: {reason}");
                            assert!(reason.contains("token was reset"), "{reason}");
                        }
                        other => panic!(
                            "round {round}: a socket on the old token outlived the reset ({other})"
                        ),
                    }
                }
                Err(e) => {
                    refused += 1;
                    assert_eq!(status(e), 401, "round {round}");
                }
            }
        }
        client = client.with_token(&fresh);
    }
    println!("{opened} sockets opened and closed by the reset, {refused} refused");
    // Both sides of the race happened, or the test proved nothing.
    assert!(
        opened > 0 && refused > 0,
        "{opened} opened, {refused} refused"
    );
}
